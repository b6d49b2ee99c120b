"""The ``cadence`` command. Commands call the same functions the API calls."""

from __future__ import annotations

import typer

app = typer.Typer(help="Cadence: coaching and review assistant for e-commerce teams.", no_args_is_help=True)


def main() -> None:
    app()
