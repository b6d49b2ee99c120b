"""Builds the FastAPI application from the routers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

import assistant
from assistant.api import (
    checkins,
    drafting,
    drafts,
    goals,
    handlers,
    health,
    kpis,
    meetings,
    people,
    quarters,
    reports,
    search,
)
from assistant.api.bodylimit import BodyLimit
from assistant.web import docs
from assistant.web import routes as web


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start the in-process indexer unless a separate `cadence indexer` process owns it.
    Everything the server writes meanwhile (the index's files above all) is owner-only."""
    from assistant.core.files import owner_only
    from assistant.settings import get_settings

    with owner_only():
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


def _openapi_with_error_bodies(app: FastAPI) -> None:
    """Every documented 422 is an ErrorBody, as handlers.py answers it (not FastAPI's default
    HTTPValidationError, which a client would then fail to parse)."""
    from assistant.domain.schemas import ErrorBody, KpiValueIn

    build = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        # KpiValueIn: named only by the values upload's openapi_extra, which FastAPI does not collect.
        for model in (ErrorBody, KpiValueIn):
            components.setdefault(model.__name__, model.model_json_schema(ref_template="#/components/schemas/{model}"))
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                response = operation.get("responses", {}).get("422")
                if response is not None:
                    response["description"] = "Invalid input"
                    response["content"] = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def create_app() -> FastAPI:
    app = FastAPI(title="Cadence", version=assistant.__version__, lifespan=lifespan,
                  description="Coaching and review assistant for e-commerce teams.",
                  docs_url=None, redoc_url=None)  # web.docs serves both without a CDN
    handlers.install(app)
    for module in (health, people, kpis, checkins, meetings, goals, quarters, drafts, reports, search, drafting,
                   web):
        app.include_router(module.router)
    web.install(app)  # the web app needs more than routes: session cookie, headers, /static
    app.add_middleware(BodyLimit)
    docs.install(app)
    _openapi_with_error_bodies(app)
    return app
