from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from assistant.api.deps import SessionDep

router = APIRouter(prefix="/api", tags=["health"])


@router.get("/health")
def health(session: SessionDep) -> dict:
    """Liveness plus the state of the stores (no token needed)."""
    session.exec(text("SELECT 1"))
    out: dict = {"status": "ok", "database": "ok"}
    try:
        from assistant.retrieval import index_health  # the index is optional for health
    except ImportError:
        return out
    out["index"] = index_health(session)
    return out
