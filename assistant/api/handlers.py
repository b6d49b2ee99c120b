"""The one place typed errors become HTTP responses."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from assistant.errors import CadenceError, DraftInvalid, ProviderUnavailable, RateLimited


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

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
            problems.append(f"{loc}: {err.get('msg')}" if loc else str(err.get("msg")))
        return JSONResponse(_body("invalid_input", "; ".join(problems), problems), status_code=422)
