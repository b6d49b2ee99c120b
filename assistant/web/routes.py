"""The web app: server-rendered pages over the same domain functions the API and CLI call.

``router`` holds every page; ``install(app)`` adds what pages need beyond routes (the signed
session cookie, the security headers, /static and the HTML error pages). Every page works
without JavaScript; static/app.js only adds a copy-to-clipboard button.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import RedirectResponse, Response

from assistant.errors import Unauthorized
from assistant.settings import get_settings
from assistant.web import (
    errors,
    pages_admin,
    pages_drafts,
    pages_meetings,
    pages_people,
    pages_plan,
    pages_playbook,
    pages_reports,
    pages_values,
    pages_week,
)
from assistant.web.currency import OrgCurrency
from assistant.web.render import STATIC, page
from assistant.web.security import SESSION_COOKIE, SecurityHeaders, check_csrf, secret_key, session_max_age
from assistant.web.signin import end_session, landing, redeem_link, start_session, web_viewer

router = APIRouter(include_in_schema=False)
for _module in (pages_week, pages_people, pages_meetings, pages_drafts, pages_plan, pages_reports, pages_playbook):
    router.include_router(_module.router)
for _module in (pages_values, pages_admin):  # KPI values and people, entered on the web
    router.include_router(_module.router)

CSRF = Depends(check_csrf)


def install(app: FastAPI) -> None:
    """Middleware, static files and error pages for the web app (called by create_app)."""
    app.add_middleware(SessionMiddleware, secret_key=secret_key(), session_cookie=SESSION_COOKIE,
                       max_age=session_max_age(), same_site="lax", https_only=get_settings().cookie_secure)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(OrgCurrency)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    errors.install(app)


def _safe_next(target: str | None) -> str:
    """Only same-site paths: '/x' yes, '//evil.test' or 'https://...' no."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/")
def home(request: Request) -> Response:
    try:
        viewer = web_viewer(request)
    except Unauthorized:
        return RedirectResponse("/signin", status_code=303)
    return RedirectResponse(landing(viewer), status_code=303)


@router.get("/signin")
def signin_form(request: Request, next: str = "/") -> Response:
    return page(request, "signin.html", {"next": _safe_next(next), "error": None})


@router.post("/signin", dependencies=[CSRF])
def signin(request: Request, token: Annotated[str, Form(max_length=200)] = "",
           next: Annotated[str, Form(max_length=500)] = "/") -> Response:
    try:
        person = start_session(request, token)
    except Unauthorized:
        return page(request, "signin.html", {"next": _safe_next(next),
                                             "error": "That token is unknown or revoked."}, status_code=401)
    return RedirectResponse(_safe_next(next) if next != "/" else landing(person), status_code=303)


@router.get("/signin/link")
def signin_link_form(request: Request, t: str = "") -> Response:
    # A GET never spends the link (mail scanners and previews follow links); the button does.
    return page(request, "signin_link.html", {"link_token": t, "error": None})


@router.post("/signin/link", dependencies=[CSRF])
def signin_link(request: Request, t: Annotated[str, Form(max_length=200)] = "") -> Response:
    try:
        person = redeem_link(request, t)
    except Unauthorized as exc:
        return page(request, "signin_link.html", {"link_token": "", "error": exc.message}, status_code=401)
    return RedirectResponse(landing(person), status_code=303)


@router.post("/signout", dependencies=[CSRF])
def signout(request: Request) -> Response:
    end_session(request)
    return RedirectResponse("/signin", status_code=303)
