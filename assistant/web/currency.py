"""Pages write amounts in the org's currency: the code in force for the whole request."""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select
from starlette.types import ASGIApp, Receive, Scope, Send

from assistant.core.db import get_engine
from assistant.core.money import in_currency
from assistant.domain.models import Company

# Routes that write no amount in the org's currency themselves: the API answers numbers, the
# docs and static files none (drafts made through the API set it in DRAFTERS).
SKIP = ("/static/", "/api/", "/docs", "/redoc", "/openapi.json")


class OrgCurrency:
    """Pure ASGI middleware: every figure a page, chart or pasted draft writes inside the request
    (``core.money``) is in ``Company.currency``. Set here, in the request's own task, so the
    sync handlers the threadpool runs see it too; the API, docs and static files skip the read,
    and a database that cannot answer (not migrated yet) leaves the default."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path", "").startswith(SKIP):
            await self.app(scope, receive, send)
            return
        try:
            with Session(get_engine()) as session:
                company = session.exec(select(Company)).first()
                code = company.currency if company else None
        except SQLAlchemyError:
            code = None  # the page itself reports what is wrong with the database
        with in_currency(code):
            await self.app(scope, receive, send)
