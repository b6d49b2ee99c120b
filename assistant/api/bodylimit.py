"""Request-body limits, enforced while the body streams in.

A body may be at most ``CADENCE_MAX_BODY_BYTES`` (the seller-report uploads, ``/api/reports``
and the web's ``/reports`` forms, ``CADENCE_REPORT_MAX_MB``). Without a limit a 200 MB CSV
was read whole before its 422 (server memory 488 MB -> 1,620 MB).

The check wraps the ASGI ``receive``: a declared Content-Length over the limit fails on the
first read, before any byte is taken in, and a body without one (chunked) fails on the chunk
that crosses the limit, so at most the limit is ever buffered. The failure is an HTTP 413
raised inside the app, where the handlers turn it into the JSON error body for the API and
an error page for the web (FastAPI passes an HTTPException from body parsing through
unchanged; anything else there would become a 400).
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.settings import get_settings

UPLOAD_PREFIXES = ("/api/reports", "/reports")


def body_limit(path: str) -> tuple[int, str]:
    """(bytes allowed, the setting that says so) for a request to ``path``."""
    settings = get_settings()
    if path.startswith(UPLOAD_PREFIXES):
        return settings.report_max_mb * 1024 * 1024, "CADENCE_REPORT_MAX_MB"
    return settings.max_body_bytes, "CADENCE_MAX_BODY_BYTES"


def _too_large(limit: int, setting: str) -> HTTPException:
    size = f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit:,} bytes"
    return HTTPException(413, f"the request body is larger than {size} ({setting})")


class BodyLimit:
    """Pure ASGI middleware: 413 for a body past its limit, before the rest of it is read."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, setting = body_limit(scope.get("path", ""))
        declared = next((v for k, v in scope.get("headers", []) if k == b"content-length"), None)
        over = declared is not None and (not declared.isdigit() or int(declared) > limit)
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            if over:
                raise _too_large(limit, setting)
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _too_large(limit, setting)
            return message

        await self.app(scope, limited_receive, send)
