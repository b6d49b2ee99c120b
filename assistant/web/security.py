"""Web safety: the cookie secret, CSRF tokens and the security headers on every response.

The session cookie is starlette's signed cookie (itsdangerous), HttpOnly and SameSite=Lax.
It holds a random web-session token (stored hashed, like an API token, so `cadence token
revoke` also signs the browser out) and the session's CSRF token. Every POST form carries
that CSRF token; a request whose token or Origin does not match is refused with 403.
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Form, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.core.files import private_dir
from assistant.errors import Forbidden
from assistant.settings import get_settings

SESSION_COOKIE = "cadence_session"

# No inline script or style, nothing from another origin, no framing, forms post home only.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


def secret_key() -> str:
    """Settings.secret_key, else a random key kept in CADENCE_HOME/secret_key (made on first use)."""
    settings = get_settings()
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.home) / "secret_key"
    private_dir(path.parent)
    try:
        # O_EXCL: two workers starting together cannot write two different keys.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    key = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key)
    return key


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use (also before sign-in, for the sign-in form)."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def session_max_age() -> int:
    """The cookie's lifetime in seconds: the session's absolute limit (the server enforces both limits)."""
    return int(get_settings().session_max_days * 24 * 3600)


def _origin(url: str) -> tuple[str, str, int | None] | None:
    """(scheme, host, port) with the scheme's default port filled in; None when unreadable."""
    try:
        parts = urlsplit(url)
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    except ValueError:
        return None
    if not parts.hostname:
        return None
    return parts.scheme.lower(), parts.hostname.lower(), port


def _same_origin(request: Request) -> bool:
    """No Origin header (older browsers, same-origin GET forms) passes; otherwise scheme, host
    and port must all be this server's: an https page posting to an http server is another site."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    theirs = _origin(origin)
    return theirs is not None and theirs == _origin(f"{request.url.scheme}://{request.headers.get('host', '')}")


def check_csrf(request: Request, csrf: Annotated[str, Form(max_length=200)] = "") -> None:
    """Dependency for every web POST: the form's token must match the session's."""
    expected = request.session.get("csrf")
    if not expected or not hmac.compare_digest(csrf, expected) or not _same_origin(request):
        raise Forbidden("the form expired or came from another site; reload the page and try again")


async def form_fields(request: Request) -> dict[str, str]:
    """The posted form as text fields, read in the event loop so the handler itself can be sync
    (sync handlers run in the threadpool: a slow LLM call never blocks other requests)."""
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}


FormFields = Annotated[dict[str, str], Depends(form_fields)]


class SecurityHeaders:
    """Pure ASGI middleware adding the headers above (and no-store on HTML) to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                for name, value in SECURITY_HEADERS.items():
                    if name.encode() not in present:
                        headers.append((name.encode(), value.encode()))
                if b"content-security-policy" not in present:  # web.docs sets its own for /redoc
                    headers.append((b"content-security-policy", CSP.encode()))
                ctype = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                if ctype.startswith(b"text/html") and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
