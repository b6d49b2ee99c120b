from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from assistant.api.deps import SessionDep
from assistant.retrieval import index_health

router = APIRouter(prefix="/api", tags=["health"])


@router.get("/health")
def health(session: SessionDep) -> dict:
    """Liveness plus the state of the stores (no token needed)."""
    session.exec(text("SELECT 1"))
    return {"status": "ok", "database": "ok", "index": index_health(session)}
