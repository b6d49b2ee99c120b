from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import text

from assistant.api.deps import SessionDep
from assistant.retrieval import index_health

router = APIRouter(prefix="/api", tags=["health"])
OFF = {"mode": "off", "draining": False, "drained": 0,
       "detail": "CADENCE_INDEXER=off: a separate `cadence indexer` drains the outbox"}


@router.get("/health")
def health(request: Request, session: SessionDep) -> dict:
    """Liveness plus the state of the stores (no token needed). ``index.parity`` compares the
    indexed content with SQL (every check-in, or a sample of 500); ``indexer`` says whether
    this process drains the outbox or leaves it to the one that holds the drain lock."""
    session.exec(text("SELECT 1"))
    indexer = getattr(request.app.state, "indexer", None)
    return {"status": "ok", "database": "ok", "index": index_health(session),
            "indexer": indexer.state() if indexer is not None else OFF}
