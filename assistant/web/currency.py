"""Pages write amounts in the org's currency: the code in force for the whole request."""

from __future__ import annotations

from sqlmodel import Session, select
from starlette.types import ASGIApp, Receive, Scope, Send

from assistant.core.db import get_engine
from assistant.core.money import in_currency
from assistant.domain.models import Company


class OrgCurrency:
    """Pure ASGI middleware: every figure a page, chart or pasted draft writes inside the request
    (``core.money``) is in ``Company.currency``. Set here, in the request's own task, so the
    sync handlers the threadpool runs see it too; static files skip the read."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path", "").startswith("/static/"):
            await self.app(scope, receive, send)
            return
        with Session(get_engine()) as session:
            company = session.exec(select(Company)).first()
            code = company.currency if company else None
        with in_currency(code):
            await self.app(scope, receive, send)
