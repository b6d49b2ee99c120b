"""The one place typed errors become HTTP responses: every error, expected or not, is an ErrorBody."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.errors import CadenceError, DraftInvalid, ProviderUnavailable, RateLimited

log = logging.getLogger(__name__)
HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 413: "too_large"}


def _body(code: str, message: str, detail: object | None = None) -> dict:
    return {"error": code, "message": message, "detail": detail}


def install(app: FastAPI) -> None:
    @app.exception_handler(CadenceError)
    async def _cadence_error(request: Request, exc: CadenceError) -> JSONResponse:
        headers = {}
        if isinstance(exc, ProviderUnavailable | RateLimited):
            headers["Retry-After"] = str(exc.retry_after)
        if exc.status_code == 401:
            headers["WWW-Authenticate"] = "Bearer"
        detail = exc.detail
        if isinstance(exc, DraftInvalid) and isinstance(detail, dict):
            # The raw model output stays in the logs: it may carry untraceable figures.
            detail = {"errors": detail.get("errors", [])}
        return JSONResponse(_body(exc.code, exc.message, detail), status_code=exc.status_code,
                            headers=headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # FastAPI's own (a body that is not JSON: 400; no such route: 404; wrong method: 405)
        # in the same ErrorBody shape as every other error.
        code = HTTP_CODES.get(exc.status_code, "error")
        return JSONResponse(_body(code, str(exc.detail)), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(DataError)
    async def _data(request: Request, exc: DataError) -> JSONResponse:
        # A value the database cannot hold (PostgreSQL: a NUL character in text, a number out
        # of a column's range) is the client's input, not a server fault.
        first = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else "invalid value"
        return JSONResponse(_body("invalid_input", f"a value cannot be stored: {first}"), status_code=422)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # A fault of ours: the cause goes to the log (it may name internals), the client gets
        # the same JSON shape as any other error rather than a plain-text page.
        log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
        return JSONResponse(_body("internal_error", "the server failed on this request; the fault is logged"),
                            status_code=500)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
            problems.append(f"{loc}: {err.get('msg')}" if loc else str(err.get("msg")))
        return JSONResponse(_body("invalid_input", "; ".join(problems), problems), status_code=422)
