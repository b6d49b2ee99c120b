"""The KPI audit over stored KPIs: SQL rows in, ``audit.audit_kpis`` out, scoped to a viewer.

Only KPIs the viewer may see take part, guardrail search included, so a flag's evidence
can never quote a series from outside the viewer's team.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from assistant.audit import KpiAudit, KpiFacts, audit_kpis
from assistant.kpis import visible_kpis
from assistant.models import Company, Kpi, KpiValue, Objective, Person, Quarter
from assistant.settings import today as settings_today


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


def kpi_facts(session: Session, kpis: list[Kpi]) -> list[KpiFacts]:
    """KpiFacts for these rows, with their series, in two queries."""
    ids = [k.id for k in kpis]
    values: dict[int, list[tuple[date, float]]] = {}
    rows = session.exec(select(KpiValue).where(col(KpiValue.kpi_id).in_(ids)).order_by(KpiValue.period))
    for v in rows:
        values.setdefault(v.kpi_id, []).append((v.period, v.value))
    owners = {p.id: p for p in session.exec(select(Person).where(
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


def audit_visible(session: Session, viewer: Person, *, owner_id: int | None = None,
                  today: date | None = None) -> list[KpiAudit]:
    """Audit the KPIs the viewer may see (optionally one owner's), in the company's context."""
    kpis = visible_kpis(session, viewer)
    company = session.exec(select(Company)).first()
    stage = company.stage if company else "growth"
    objectives = objectives_of(session, current_quarter(session, today))
    audits = audit_kpis(kpi_facts(session, kpis), stage=stage, objectives=objectives)
    if owner_id is not None:
        mine = {k.key for k in kpis if k.owner_id == owner_id}
        audits = [a for a in audits if a.id in mine]
    return audits
