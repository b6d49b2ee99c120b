"""Error pages: the same typed errors the API answers as JSON become readable pages here.

Requests under /api (and FastAPI's docs) keep the JSON handlers; everything else gets HTML.
An expired or missing web session redirects to the sign-in page instead of a 401.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response

from assistant.errors import CadenceError, ProviderUnavailable, RateLimited, Unauthorized
from assistant.web.render import page

JSON_PREFIXES = ("/api", "/docs", "/redoc", "/openapi.json")
TITLES = {400: "Bad request", 403: "Not allowed", 404: "Not found", 409: "Conflict", 422: "Check the form",
          429: "Slow down", 502: "The draft came back malformed", 503: "The assistant is unavailable"}


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith(JSON_PREFIXES)


@dataclass(frozen=True)
class Retry:
    """A POST form on an error page that sends ``fields`` to ``action`` again (the page adds the CSRF token)."""

    action: str
    label: str
    fields: dict[str, str] = field(default_factory=dict)


def error_page(request: Request, status: int, message: str, *, retry: Retry | None = None,
               headers: dict[str, str] | None = None) -> Response:
    """The one error page; ``retry`` offers a button that tries the failed request again."""
    resp = page(request, "error.html", {"status": status, "title": TITLES.get(status, "Something went wrong"),
                                        "message": message, "retry": retry}, status_code=status)
    for name, value in (headers or {}).items():
        resp.headers[name] = value
    return resp


def install(app: FastAPI) -> None:
    api_cadence = app.exception_handlers.get(CadenceError)
    api_validation = app.exception_handlers.get(RequestValidationError, request_validation_exception_handler)
    api_http = app.exception_handlers.get(StarletteHTTPException, http_exception_handler)
    api_unexpected = app.exception_handlers[Exception]

    @app.exception_handler(CadenceError)
    async def _cadence(request: Request, exc: CadenceError) -> Response:
        if _wants_json(request) and api_cadence is not None:
            return await api_cadence(request, exc)
        if isinstance(exc, Unauthorized):
            request.session.pop("token", None)
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            if request.method != "GET" or target.startswith("/signin"):
                target = "/"
            return RedirectResponse(f"/signin?next={quote(target, safe='/')}", status_code=303)
        headers = {}
        if isinstance(exc, ProviderUnavailable | RateLimited):
            headers["Retry-After"] = str(exc.retry_after)
        return error_page(request, exc.status_code, exc.message, headers=headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if _wants_json(request) or exc.status_code < 400:
            return await api_http(request, exc)
        message = "There is no page here, or it is not yours to see." if exc.status_code == 404 else str(exc.detail)
        return error_page(request, exc.status_code, message)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        if _wants_json(request):
            return await api_validation(request, exc)
        problems = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ()) if p not in ('body', 'query'))}: "
                             f"{e.get('msg')}" for e in exc.errors())
        # A 404 for a malformed id in a page URL reads better than a form error.
        if any(e.get("loc", ("",))[0] == "path" for e in exc.errors()):
            return error_page(request, 404, "There is no page here, or it is not yours to see.")
        return error_page(request, 422, problems)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        logged = await api_unexpected(request, exc)  # logs the cause; the JSON answer for /api
        if _wants_json(request):
            return logged
        try:
            return error_page(request, 500, "Something failed on our side (it is logged). Try again in a moment.")
        except Exception:  # noqa: BLE001 - the page itself failed to render: the JSON body still says why
            return logged
