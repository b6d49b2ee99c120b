"""The web's calls into the drafting pipeline and the audit, by name, tolerant of their absence.

The drafting entry points (``assistant.drafting.draft_brief/draft_feedback/draft_goals``)
are looked up when a button is pressed, so pages work before that package lands and show
"not available yet" instead of failing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from sqlmodel import Session

from assistant.kpis import visible_kpis
from assistant.models import Draft, Person


class NotAvailable(Exception):
    """The feature's module or entry point is not in this build yet."""


def drafting_entry(name: str) -> Callable[..., Draft]:
    try:
        module = importlib.import_module("assistant.drafting")
    except ImportError as exc:
        raise NotAvailable(f"{name} is not available yet") from exc
    fn = getattr(module, name, None)
    if fn is None:
        raise NotAvailable(f"{name} is not available yet")
    return fn


def drafting_available(name: str) -> bool:
    try:
        drafting_entry(name)
    except NotAvailable:
        return False
    return True


def current_quarter(session: Session) -> str | None:
    """The quarter containing today if planned, else the latest planned before it, else the latest."""
    from assistant.kpi_review import current_quarter as quarter_now

    return quarter_now(session)


def audit_visible(session: Session, viewer: Person) -> list[tuple]:
    """(KpiAudit, Kpi row) for every KPI the viewer may see, from ``assistant.kpi_review``."""
    try:
        from assistant.kpi_review import audit_visible as audit
    except ImportError as exc:
        raise NotAvailable("the KPI audit is not available yet") from exc
    rows = {k.key: k for k in visible_kpis(session, viewer)}
    return [(a, rows[a.id]) for a in audit(session, viewer) if a.id in rows]
