"""The KPI audit over stored KPIs: SQL rows in, ``audit.audit_kpis`` out, scoped to a viewer.

Only KPIs the viewer may see take part, guardrail search included, so a flag's evidence
can never quote a series from outside the viewer's team.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from assistant.audit import KpiAudit, KpiFacts, audit_kpis
from assistant.models import Company, Kpi, KpiValue, Objective, Person, Quarter
from assistant.settings import today as settings_today
from assistant.team import visible_person_ids


def quarter_of(d: date) -> str:
    return f"{d.year}-Q{(d.month - 1) // 3 + 1}"


def current_quarter(session: Session, today: date | None = None) -> str | None:
    """The quarter containing ``today`` if it is planned, else the latest planned before it, else the latest."""
    ids = sorted(session.exec(select(Quarter.id)).all())
    if not ids:
        return None
    now = quarter_of(today or settings_today())
    past = [q for q in ids if q <= now]
    return past[-1] if past else ids[-1]


def objectives_of(session: Session, quarter: str | None) -> set[str]:
    if quarter is None:
        return set()
    return set(session.exec(select(Objective.key).where(Objective.quarter_id == quarter)).all())


def kpi_facts(session: Session, kpis: list, *, with_values: set[int] | None = None) -> list[KpiFacts]:
    """KpiFacts for these rows, with their series (only for ``with_values`` ids when given), in two queries."""
    ids = [k.id for k in kpis] if with_values is None else sorted(with_values)
    values: dict[int, list[tuple[date, float]]] = {}
    rows = session.exec(select(KpiValue.kpi_id, KpiValue.period, KpiValue.value)
                        .where(col(KpiValue.kpi_id).in_(ids)).order_by(KpiValue.period))
    for kpi_id, period, value in rows:
        values.setdefault(kpi_id, []).append((period, value))
    owners = {p.id: p for p in session.exec(select(Person.id, Person.role, Person.email).where(
        col(Person.id).in_({k.owner_id for k in kpis if k.owner_id})))}
    keys = {k.id: k.key for k in kpis}
    out = []
    for k in kpis:
        owner = owners.get(k.owner_id)
        out.append(KpiFacts(
            key=k.key, name=k.name, description=k.description, unit=k.unit, direction=k.direction,
            frequency=k.frequency, target=k.target, objective_key=k.objective_key,
            guardrail_key=keys.get(k.guardrail_id), tier=k.tier,
            owner_role=owner.role if owner else k.role, owner_email=owner.email if owner else None,
            values=tuple(values.get(k.id, [])),
        ))
    return out


def visible_kpi_rows(session: Session, viewer: Person) -> list:
    """``visible_kpis`` as plain rows (same columns, same order): the audit only reads them,
    and building 8,000 ORM objects per call was most of a brief's time at 1,000 people."""
    q = select(*[getattr(Kpi, c.name) for c in Kpi.__table__.columns]).order_by(Kpi.id)
    if viewer.access != "founder":
        q = q.where(col(Kpi.owner_id).in_(visible_person_ids(session, viewer)))
    return list(session.exec(q).all())


def audit_visible(session: Session, viewer: Person, *, owner_id: int | None = None,
                  today: date | None = None) -> list[KpiAudit]:
    """Audit the KPIs the viewer may see (optionally one owner's), in the company's context."""
    kpis = visible_kpi_rows(session, viewer)
    company = session.exec(select(Company)).first()
    stage = company.stage if company else "growth"
    objectives = objectives_of(session, current_quarter(session, today))
    if owner_id is None:
        return audit_kpis(kpi_facts(session, kpis), stage=stage, objectives=objectives)
    # One owner's audits: every visible KPI is still searched for guardrails, but only the
    # owner's KPIs are audited, and series are read only for them, their declared guardrails
    # and the KPIs that can count as the same owner's (the only ones the gaming check reads).
    # A founder at 1,000 people sees 8,000 KPIs and 1.2 million values; a brief needs ~20 series.
    mine = [k for k in kpis if k.owner_id == owner_id]
    if not mine:
        return []
    owner = session.get(Person, owner_id)
    role = (owner.role or "").lower() if owner else ""
    needed = {k.id for k in mine} | {k.guardrail_id for k in mine if k.guardrail_id}
    needed |= {k.id for k in kpis if k.owner_id is None and role and (k.role or "").lower() == role}
    return audit_kpis(kpi_facts(session, kpis, with_values=needed), stage=stage, objectives=objectives,
                      only={k.key for k in mine})
