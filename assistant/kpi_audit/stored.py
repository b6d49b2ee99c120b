"""The KPI audit over stored KPIs: SQL rows in, ``audit.audit_kpis`` out, scoped to a viewer.

Only KPIs the viewer may see (``domain.kpis.kpi_scope``) take part, guardrail search
included, so a flag's evidence can never quote a series from outside the viewer's team.
``VisibleKpis`` answers the goals draft's guardrail questions over the same scope.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from assistant.domain.calendar import quarter_of
from assistant.domain.calendar import today as settings_today
from assistant.domain.kpis import kpi_scope
from assistant.domain.models import Company, Kpi, KpiValue, Objective, Person, Quarter
from assistant.kpi_audit.catalog import Catalog, get_catalog, match
from assistant.kpi_audit.rules import KpiAudit, KpiFacts, audit_kpis, quarter_in_force


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


def kpi_facts(session: Session, kpis: list, *, with_values: set[int] | None = None,
              until: date | None = None) -> list[KpiFacts]:
    """KpiFacts for these rows, with their series (only for ``with_values`` ids when given; only values
    dated on or before ``until`` when given), in two queries."""
    ids = [k.id for k in kpis] if with_values is None else sorted(with_values)
    values: dict[int, list[tuple[date, float]]] = {}
    q = select(KpiValue.kpi_id, KpiValue.period, KpiValue.value).where(col(KpiValue.kpi_id).in_(ids))
    rows = session.exec((q if until is None else q.where(KpiValue.period <= until)).order_by(KpiValue.period))
    for kpi_id, period, value in rows:
        values.setdefault(kpi_id, []).append((period, value))
    owner_ids = {k.owner_id for k in kpis if k.owner_id}
    owners = {p.id: p for p in session.exec(select(Person.id, Person.role, Person.email, Person.name,
                                                   Person.manager_id).where(col(Person.id).in_(owner_ids)))}
    managers = dict(session.exec(select(Person.id, Person.email).where(
        col(Person.id).in_({p.manager_id for p in owners.values() if p.manager_id}))).all())
    reports: dict[int, list[str]] = {}  # the audit reads a manager's reach from their reports' roles
    for manager_id, role in session.exec(select(Person.manager_id, Person.role).where(
            col(Person.manager_id).in_(owner_ids)).order_by(Person.id)):
        reports.setdefault(manager_id, []).append(role)
    keys = {k.id: k.key for k in kpis}
    out = []
    for k in kpis:
        owner = owners.get(k.owner_id)
        out.append(KpiFacts(
            key=k.key, name=k.name, description=k.description, unit=k.unit, direction=k.direction,
            frequency=k.frequency, target=k.target, objective_key=k.objective_key,
            guardrail_key=keys.get(k.guardrail_id), tier=k.tier,
            owner_role=owner.role if owner else k.role, owner_email=owner.email if owner else None,
            values=tuple(values.get(k.id, [])), owner_name=owner.name if owner else None,
            owner_manager=managers.get(owner.manager_id) if owner else None,
            report_roles=tuple(reports.get(k.owner_id, ())) if owner else (),
        ))
    return out


def _kpi_rows(session: Session, viewer: Person, *where) -> list:  # noqa: ANN002
    """Visible KPI definitions as plain rows (the audit only reads them; 8,000 ORM objects
    per call were most of a brief's time at 1,000 people), ordered by id like ``visible_kpis``."""
    q = select(*[getattr(Kpi, c.name) for c in Kpi.__table__.columns]).order_by(Kpi.id)
    if (scope := kpi_scope(session, viewer)) is not None:
        q = q.where(scope)
    for clause in where:
        q = q.where(clause)
    return list(session.exec(q).all())


def guardrail_candidates(session: Session, viewer: Person, mine: list, catalog: Catalog | None = None) -> list:
    """The visible KPIs an audit of ``mine`` can read besides them, ordered by id.

    ``audit_kpis`` resolves a KPI's guardrails from: its declared guardrail, KPIs declaring
    it as theirs, the same owner's KPIs (an unassigned KPI counts as its role's), and any
    KPI matched to a catalog guardrail of its entry or to an entry it guards (the team's,
    a nearby colleague's, or one tracked only elsewhere). A catalog match depends only on
    (name, description, unit), so the last set is found from the distinct definitions
    instead of every KPI.
    """
    catalog = catalog or get_catalog()
    ids = [k.id for k in mine]
    gids: set[str] = set()
    for k in mine:
        m = match(k.name, k.description, unit=k.unit, catalog=catalog)
        if m is not None:
            gids |= set(m.entry.guardrails)
            # and the entries it is a counter-metric of: whether one of mine is the check on another KPI
            gids |= {e.id for e in catalog.kpis if m.entry.id in e.guardrails}
    found = {k.id: k for k in mine}
    declared = {k.guardrail_id for k in mine if k.guardrail_id}
    clauses = [col(Kpi.guardrail_id).in_(ids)]
    if declared:
        clauses.append(col(Kpi.id).in_(declared))
    roles = {r.lower() for r in session.exec(select(Person.role).where(col(Person.id).in_(
        {k.owner_id for k in mine if k.owner_id}))).all()}
    roles |= {(k.role or "").lower() for k in mine if k.owner_id is None and k.role}
    if roles:
        clauses.append(col(Kpi.owner_id).is_(None) & func.lower(Kpi.role).in_(roles))
    if gids:
        q = select(Kpi.name, Kpi.description, Kpi.unit).distinct()
        if (scope := kpi_scope(session, viewer)) is not None:
            q = q.where(scope)
        names = [(n, d, u) for n, d, u in session.exec(q).all()
                 if (m := match(n, d, unit=u, catalog=catalog)) is not None and m.entry.id in gids]
        if names:
            wanted = set(names)
            for k in _kpi_rows(session, viewer, col(Kpi.name).in_({n for n, _, _ in names})):
                if (k.name, k.description, k.unit) in wanted:
                    found.setdefault(k.id, k)
    for k in _kpi_rows(session, viewer, or_(*clauses)):
        found.setdefault(k.id, k)
    return [found[i] for i in sorted(found)]


def audit_visible(session: Session, viewer: Person, *, owner_id: int | None = None,
                  today: date | None = None, until: date | None = None) -> list[KpiAudit]:
    """Audit the KPIs the viewer may see (optionally one owner's), in the company's context; with
    ``until``, as the values dated on or before it show them (an assessment of an earlier week)."""
    company = session.exec(select(Company)).first()
    stage = company.stage if company else "growth"
    planned = session.exec(select(Quarter.id)).all()
    objectives = objectives_of(session, quarter_in_force(planned, today or settings_today()))
    if owner_id is None:
        return audit_kpis(kpi_facts(session, _kpi_rows(session, viewer), until=until), stage=stage,
                          objectives=objectives)
    # One owner's audits: the same audits as auditing every visible KPI and keeping theirs,
    # without reading the rest. A founder at 1,000 people sees 8,000 KPIs and 1.2 million
    # values; a brief needs the subject's 8, a few dozen definitions and ~20 series.
    mine = _kpi_rows(session, viewer, Kpi.owner_id == owner_id)
    if not mine:
        return []
    kpis = guardrail_candidates(session, viewer, mine)
    owner = session.get(Person, owner_id)
    role = (owner.role or "").lower() if owner else ""
    # series only for what the gaming check reads: theirs, declared guardrails, same-owner KPIs
    # and the team's (their manager, their reports, colleagues under the same manager)
    team = {owner_id} | ({owner.manager_id} if owner and owner.manager_id else set())
    team |= set(session.exec(select(Person.id).where(col(Person.manager_id).in_(team - {None}))).all())
    needed = {k.id for k in mine} | {k.guardrail_id for k in mine if k.guardrail_id}
    needed |= {k.id for k in kpis if k.owner_id is None and role and (k.role or "").lower() == role}
    needed |= {k.id for k in kpis if k.owner_id in team}
    return audit_kpis(kpi_facts(session, kpis, with_values=needed, until=until), stage=stage, objectives=objectives,
                      only={k.key for k in mine})


class VisibleKpis:
    """Which visible KPI guards a KPI, over the KPIs ``viewer`` may see (the scope of
    ``kpis.visible_kpis``), found with small queries.

    Why not scan: a founder at 1,000 people sees 8,000 KPIs, and the goals draft asks two
    questions about the subject's few. The answers are a scan's: the declared guardrail
    when the viewer may see it, else the lowest-id visible KPI that is a given catalog entry.
    """

    def __init__(self, session: Session, viewer: Person) -> None:
        self.session = session
        self.viewer = viewer
        self._scope: Any = False  # not computed yet (None is a founder's: no condition)
        self._by_entry: dict[str, set[tuple[str, str, str]]] | None = None

    def _scoped(self, q: Any) -> Any:
        if self._scope is False:
            self._scope = kpi_scope(self.session, self.viewer)
        return q if self._scope is None else q.where(self._scope)

    def owned_by(self, owner_id: int) -> list[Kpi]:
        return list(self.session.exec(self._scoped(select(Kpi).where(Kpi.owner_id == owner_id)
                                                   .order_by(Kpi.id))).all())

    def by_id(self, kpi_id: int) -> Kpi | None:
        return self.session.exec(self._scoped(select(Kpi).where(Kpi.id == kpi_id))).first()

    def first_of_entry(self, entry_id: str, *, exclude_key: str) -> Kpi | None:
        """The lowest-id visible KPI other than ``exclude_key`` that the catalog matches to ``entry_id``."""
        if self._by_entry is None:
            # A match depends only on (name, description, unit): a few hundred distinct
            # definitions stand for thousands of KPIs (and the match is memoised on them).
            self._by_entry = {}
            rows = self.session.exec(self._scoped(select(Kpi.name, Kpi.description, Kpi.unit).distinct())).all()
            for name, description, unit in rows:
                m = match(name, description, unit=unit)
                if m is not None:
                    self._by_entry.setdefault(m.entry.id, set()).add((name, description, unit))
        wanted = self._by_entry.get(entry_id)
        if not wanted:
            return None
        same = or_(*[and_(Kpi.name == n, Kpi.description == d, Kpi.unit == u) for n, d, u in sorted(wanted)])
        q = self._scoped(select(Kpi).where(same, Kpi.key != exclude_key).order_by(Kpi.id).limit(1))
        return self.session.exec(q).first()
