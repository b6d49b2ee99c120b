"""The web's calls into the drafting pipeline and the audit, by name, tolerant of their absence.

The drafting entry points (``assistant.drafting.draft_brief/draft_feedback/draft_goals``)
are looked up when a button is pressed, so pages work before that package lands and show
"not available yet" instead of failing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from sqlmodel import Session, select

from assistant.models import Company, Draft, Kpi, Objective, Person, Quarter
from assistant.team import visible_person_ids


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
    """The latest quarter on record (quarter ids sort as text: 2026-Q4 > 2026-Q3)."""
    ids = session.exec(select(Quarter.id)).all()
    return max(ids) if ids else None


def audit_visible(session: Session, viewer: Person) -> list:
    """The KPI audit over the KPIs the viewer may see (founders also see unassigned role KPIs)."""
    try:
        from assistant.audit import KpiFacts, audit_kpis
    except ImportError as exc:
        raise NotAvailable("the KPI audit is not available yet") from exc
    from assistant.kpis import series, visible_kpis

    kpis = visible_kpis(session, viewer)
    if viewer.access == "founder":
        kpis += list(session.exec(select(Kpi).where(Kpi.owner_id == None)).all())  # noqa: E711
    visible = visible_person_ids(session, viewer)
    people = {p.id: p for p in session.exec(select(Person)).all() if p.id in visible}
    by_id = {k.id: k for k in kpis}
    facts = []
    for k in kpis:
        owner = people.get(k.owner_id) if k.owner_id else None
        guard = by_id.get(k.guardrail_id) if k.guardrail_id else None
        facts.append(KpiFacts(
            key=k.key, name=k.name, description=k.description, unit=k.unit, direction=k.direction,
            frequency=k.frequency, target=k.target, objective_key=k.objective_key,
            guardrail_key=guard.key if guard else None, tier=k.tier,
            owner_role=owner.role if owner else k.role, owner_email=owner.email if owner else None,
            values=tuple(series(session, k.id)),
        ))
    company = session.exec(select(Company)).first()
    quarter = current_quarter(session)
    objectives = set(session.exec(select(Objective.key).where(Objective.quarter_id == quarter)).all())
    audits = audit_kpis(facts, stage=company.stage if company else "growth", objectives=objectives)
    return [(a, next(k for k in kpis if k.key == a.id)) for a in audits]
