"""What the audit knows about each KPI (``KpiFacts``), and how an org file gives it.

The SQL side builds the same facts from stored rows (``assistant.kpi_audit.stored``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from assistant.domain.calendar import quarter_of
from assistant.domain.calendar import today as calendar_today
from assistant.domain.orgfile.schema import OrgFile


@dataclass(frozen=True)
class KpiFacts:
    """One KPI, its owner and where they sit. ``values`` are (period, value), sorted by period."""

    key: str
    name: str
    description: str = ""
    unit: str = "count"
    direction: str = "up"
    frequency: str = "weekly"
    target: float | None = None
    objective_key: str | None = None
    guardrail_key: str | None = None
    tier: str = "primary"
    owner_role: str | None = None
    owner_email: str | None = None
    values: tuple[tuple[date, float], ...] = field(default_factory=tuple)
    owner_name: str | None = None
    owner_manager: str | None = None  # the owner's manager's email: who their team is
    report_roles: tuple[str, ...] = ()  # titles of the owner's direct reports

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", tuple(sorted((d, float(v)) for d, v in self.values)))

    @property
    def who(self) -> str:
        """How a sentence names the owner: their name, else their email, else their role."""
        return self.owner_name or self.owner_email or (f"the {self.owner_role} role" if self.owner_role else "nobody")


def quarter_in_force(planned: Iterable[str], today: date) -> str | None:
    """The quarter the calendar says is in force: the one holding ``today`` if planned, else
    the latest planned before it. A file that plans only later quarters has none in force."""
    now = quarter_of(today)
    past = sorted(q for q in planned if q <= now)
    return past[-1] if past else None


def facts_from_orgfile(org: OrgFile, *, today: date | None = None) -> tuple[list[KpiFacts], str, set[str]]:
    """(KPI facts, company stage, objective ids of the quarter in force on ``today``).

    ``today`` defaults to the calendar's (``CADENCE_TODAY`` when set).
    """
    people = {p.email: p for p in org.people}
    reports: dict[str, list[str]] = {}
    for p in org.people:
        if p.manager:
            reports.setdefault(p.manager, []).append(p.role)
    facts = []
    for k in org.kpis:
        owner = people.get(k.owner or "")
        facts.append(KpiFacts(
            key=k.id, name=k.name, description=k.description, unit=k.unit.value,
            direction=k.direction.value, frequency=k.frequency.value, target=k.target,
            objective_key=k.objective, guardrail_key=k.guardrail, tier=k.tier.value,
            owner_role=k.role or (owner.role if owner else None), owner_email=k.owner,
            values=tuple((v.period, v.value) for v in k.values),
            owner_name=owner.name if owner else None, owner_manager=owner.manager if owner else None,
            report_roles=tuple(reports.get(k.owner or "", ())),
        ))
    current = quarter_in_force([q.id for q in org.quarters], today or calendar_today())
    objectives = {o.id for q in org.quarters if q.id == current for o in q.objectives}
    return facts, org.company.stage.value, objectives
