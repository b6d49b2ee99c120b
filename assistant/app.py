"""Builds the FastAPI application from the routers."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

import assistant
from assistant.api import checkins, drafts, goals, handlers, health, kpis, meetings, people

# Routers that other parts of the product add; each is optional until its module exists.
OPTIONAL_ROUTERS = ("assistant.api.search", "assistant.api.drafting", "assistant.web.routes")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start the in-process indexer unless a separate `cadence indexer` process owns it."""
    from assistant.settings import get_settings

    indexer = None
    if get_settings().indexer == "thread":
        from assistant.retrieval import IndexerThread

        indexer = IndexerThread().start()
    app.state.indexer = indexer
    try:
        yield
    finally:
        if indexer is not None:
            indexer.stop()


def create_app() -> FastAPI:
    app = FastAPI(title="Cadence", version=assistant.__version__, lifespan=lifespan,
                  description="Coaching and review assistant for e-commerce teams.")
    handlers.install(app)
    for module in (health, people, kpis, checkins, meetings, goals, drafts):
        app.include_router(module.router)
    for name in OPTIONAL_ROUTERS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        app.include_router(module.router)
        # A module may need more than routes (the web app: session cookie, headers, /static).
        if hasattr(module, "install"):
            module.install(app)
    return app
