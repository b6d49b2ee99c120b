"""ASGI entry point: `uvicorn server:app`. Builds the app; nothing else."""

from assistant.app import create_app

app = create_app()
