"""The web's calls into the drafting pipeline and the KPI audit.

``run_draft`` is the one path from a page's button to a stored draft (1:1 brief, goal
suggestions, check-in feedback): the viewer must be able to see the subject, the kind's
drafter runs in a session of its own behind the draft rate limit (``request_draft``), and
the two failures a person can act on (the assistant is down; its output stayed invalid
after one repair) become an error page whose form tries again.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from sqlmodel import Session
from starlette.responses import RedirectResponse, Response

from assistant.core.db import get_engine
from assistant.domain.kpis import visible_kpis
from assistant.domain.models import Draft, Person
from assistant.domain.team import visible_person
from assistant.drafting import request_draft
from assistant.errors import DraftInvalid, ProviderUnavailable
from assistant.kpi_audit.stored import audit_visible as audit_kpis
from assistant.web.errors import Retry, error_page


def run_draft(request: Request, viewer: Person, person_id: int, kind: str, period: str | None, retry: Retry, *,
              what: str, then: Callable[[Draft], str], kept: str = "") -> Response:
    """Draft a ``kind`` about ``person_id`` for ``period`` and redirect (303) to ``then(draft)``.

    ``period`` is the week or quarter the kind's drafter takes (None: the drafter's default).

    ``what`` names the draft in the error sentence ("The brief"); ``kept`` opens it when
    something was saved before drafting began, so the person knows it is not lost. A subject
    the viewer may not see is a NotFound (404), whatever the drafter would do.
    """
    try:
        with Session(get_engine(), expire_on_commit=False) as session:
            subject = visible_person(session, viewer, person_id)
            draft = request_draft(kind, session, visible_person(session, viewer, viewer.id), subject, period)
            session.commit()
            target = then(draft)
    except ProviderUnavailable as exc:
        return error_page(request, 503, f"{kept}{what} could not be written: the assistant is unavailable "
                          f"({exc.message}).", retry=retry, headers={"Retry-After": str(exc.retry_after)})
    except DraftInvalid as exc:
        return error_page(request, 502, f"{kept}{exc.message}", retry=retry)
    return RedirectResponse(target, status_code=303)


def audit_visible(session: Session, viewer: Person) -> list[tuple]:
    """(KpiAudit, Kpi row) for every KPI the viewer may see."""
    rows = {k.key: k for k in visible_kpis(session, viewer)}
    return [(a, rows[a.id]) for a in audit_kpis(session, viewer) if a.id in rows]
