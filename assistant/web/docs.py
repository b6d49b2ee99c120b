"""The API's reference pages, /docs (Swagger UI) and /redoc (ReDoc), with nothing from a CDN.

FastAPI's own pages load Swagger UI and ReDoc from a CDN and start them with an inline
script, so offline they are blank and under the app's Content-Security-Policy they could not
run. Here the assets come from the ``fastapi-offline`` package (it ships both bundles), are
served under /docs-assets, and Swagger UI is started by static/docs.js: the pages live under
the same CSP as every other page, /redoc with two additions: a nonce for the styles ReDoc
generates at run time, and workers from blob: URLs for its search. Still no inline script and
nothing from another origin: ReDoc's footer logo (a CDN image) is refused and hides itself, and
its scrollbar stylesheet, injected before ReDoc is handed the nonce, is refused too (the side
menu then scrolls with the browser's own scrollbar).
"""

from __future__ import annotations

import secrets
from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response

from assistant.web.render import templates
from assistant.web.security import CSP

ASSETS = Path(fastapi_offline.__file__).resolve().parent / "static"
ASSETS_URL = "/docs-assets"

router = APIRouter(include_in_schema=False)


@router.get("/docs")
def swagger_ui(request: Request) -> Response:
    return templates.TemplateResponse(request, "docs.html", {"title": request.app.title,
                                                             "openapi_url": request.app.openapi_url,
                                                             "assets": ASSETS_URL})


@router.get("/redoc")
def redoc(request: Request) -> Response:
    # ReDoc writes its styles into <style> elements (styled-components); the app's CSP allows
    # them only with this response's nonce, which ReDoc puts on each element it creates.
    nonce = secrets.token_urlsafe(16)
    response = templates.TemplateResponse(request, "redoc.html", {"title": request.app.title, "nonce": nonce,
                                                                  "openapi_url": request.app.openapi_url,
                                                                  "assets": ASSETS_URL})
    # Its search index runs in a worker it builds from a blob: URL of its own script.
    response.headers["content-security-policy"] = (CSP.replace("style-src 'self'", f"style-src 'self' 'nonce-{nonce}'")
                                                   + "; worker-src 'self' blob:")
    return response


def install(app: FastAPI) -> None:
    """The two pages and their assets (the app is built with docs_url=None and redoc_url=None)."""
    app.include_router(router)
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS), name="docs-assets")
