"""The playbook index: every section of knowledge/playbook, grouped by its document, each
linking to its page (``/playbook/{id}``, the page a draft's playbook source opens)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from assistant.retrieval.playbook import load_sections
from assistant.web.render import page
from assistant.web.signin import WebViewer

router = APIRouter()


@router.get("/playbook")
def playbook_index(request: Request, viewer: WebViewer) -> Response:
    docs: dict[str, list] = {}
    for section in load_sections():  # in file order, a team override in the place of what it replaces
        docs.setdefault(section.doc_title, []).append(section)
    return page(request, "playbook_index.html", {"docs": docs, "count": sum(len(v) for v in docs.values())})
