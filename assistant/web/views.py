"""Read-only view models for pages, assembled from the domain modules' visible reads.

Nothing here decides who may see what: every query goes through the functions that apply
the permissions (kpis.visible_kpis, meetings.visible_meetings, checkins.list_visible_checkins).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from markupsafe import Markup
from sqlmodel import Session

from assistant.domain.checkins import list_visible_checkins
from assistant.domain.kpis import series, visible_kpis
from assistant.domain.meetings import visible_meetings
from assistant.domain.models import Access, CheckIn, Kpi, Meeting, Person
from assistant.domain.team import visible_person_ids
from assistant.web.charts import line_chart

CADENCE_WINDOW_DAYS = 84  # 1:1 health looks at the last twelve weeks


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def current_week() -> str:
    return iso_week(date.today())


def week_monday(week: str) -> date:
    year, num = week.split("-W")
    return date.fromisocalendar(int(year), int(num), 1)


@dataclass
class KpiStatus:
    kpi: Kpi
    points: list[tuple[date, float]]
    latest: float | None
    latest_period: date | None
    on_target: bool | None  # None: no target or no value yet

    @property
    def label(self) -> str:
        return {True: "On target", False: "Off target", None: "No target/value"}[self.on_target]


def kpi_status(session: Session, kpi: Kpi) -> KpiStatus:
    """The KPI's series and whether its latest value meets the target (direction-aware)."""
    pts = series(session, kpi.id)
    latest = pts[-1] if pts else None
    on: bool | None = None
    if latest is not None and kpi.target is not None:
        on = latest[1] <= kpi.target if kpi.direction == "down" else latest[1] >= kpi.target
    return KpiStatus(kpi, pts, latest[1] if latest else None, latest[0] if latest else None, on)


def kpi_chart(status: KpiStatus, *, title: str | None = None) -> Markup:
    """The KPI's trend with its target line, titled with its name unless ``title`` says otherwise."""
    kpi = status.kpi
    return line_chart(status.points, title=title or kpi.name, target=kpi.target, unit=kpi.unit,
                      direction=kpi.direction)


def guardrail_of(session: Session, kpi: Kpi) -> Kpi | None:
    """The KPI that keeps ``kpi`` honest, if it has one."""
    return session.get(Kpi, kpi.guardrail_id) if kpi.guardrail_id else None


def guardrail_chart(session: Session, guard: Kpi) -> Markup:
    """A guardrail's chart, titled as one, to draw beside the KPI it guards."""
    return kpi_chart(kpi_status(session, guard), title=f"Guardrail: {guard.name}")


@dataclass
class CadenceHealth:
    held: int = 0
    cancelled: int = 0
    rushed: int = 0
    last: Meeting | None = None

    @property
    def total(self) -> int:
        return self.held + self.cancelled + self.rushed

    @property
    def healthy(self) -> bool:
        return self.total > 0 and (self.cancelled + self.rushed) * 3 <= self.total


def cadence_health(meetings: list[Meeting], person_id: int, *, since: date) -> CadenceHealth:
    health = CadenceHealth()
    for m in meetings:
        if m.report_id != person_id or m.date < since:
            continue
        setattr(health, m.status, getattr(health, m.status) + 1)
        if health.last is None or m.date > health.last.date:
            health.last = m
    return health


@dataclass
class TeamRow:
    person: Person
    manager: Person | None
    last_checkin: CheckIn | None
    kpis: list[KpiStatus]
    health: CadenceHealth
    flags: list[str] = field(default_factory=list)


def team_rows(session: Session, viewer: Person) -> list[TeamRow]:
    """One row per person the viewer may see, themself excluded, ordered by manager then name."""
    ids = visible_person_ids(session, viewer) - {viewer.id}
    people = {p.id: p for p in (session.get(Person, i) for i in ids) if p is not None}
    every = {p.id: p for p in (session.get(Person, i) for i in ids | {viewer.id}) if p is not None}
    checkins = list_visible_checkins(session, viewer, limit=5000)
    last: dict[int, CheckIn] = {}
    for c in checkins:  # newest week first
        last.setdefault(c.person_id, c)
    meetings = visible_meetings(session, viewer)
    newest = max((m.date for m in meetings), default=date.today())
    since = min(date.today(), newest) - timedelta(days=CADENCE_WINDOW_DAYS)
    kpis_by_owner: dict[int, list[Kpi]] = {}
    for k in visible_kpis(session, viewer):
        if k.owner_id is not None:
            kpis_by_owner.setdefault(k.owner_id, []).append(k)
    latest_week = max((c.week for c in checkins), default=None)
    rows = []
    for pid, person in people.items():
        statuses = [kpi_status(session, k) for k in kpis_by_owner.get(pid, [])]
        row = TeamRow(person, every.get(person.manager_id) if person.manager_id else None, last.get(pid),
                      statuses, cadence_health(meetings, pid, since=since))
        row.flags = _flags(row, latest_week)
        rows.append(row)
    return sorted(rows, key=lambda r: (r.manager.name if r.manager else "", r.person.access != Access.manager,
                                       r.person.name))


def _flags(row: TeamRow, latest_week: str | None) -> list[str]:
    """Plain observations for the team table; the analysis proper belongs to the brief."""
    flags = []
    if row.last_checkin is None:
        flags.append("no check-ins yet")
    elif latest_week and row.last_checkin.week < latest_week:
        flags.append(f"no check-in since {row.last_checkin.week}")
    off = [s.kpi.name for s in row.kpis if s.on_target is False]
    if off:
        flags.append("off target: " + ", ".join(off))
    if row.last_checkin is not None:
        said_on = {k for k, v in row.last_checkin.metrics.items() if v == "on_track"}
        contradicted = [s.kpi.name for s in row.kpis if s.kpi.key in said_on and s.on_target is False]
        if contradicted:
            flags.append("says on track, number says off: " + ", ".join(contradicted))
    if row.health.cancelled + row.health.rushed >= 3:
        flags.append(f"1:1s slipping ({row.health.cancelled} cancelled, {row.health.rushed} rushed)")
    return flags
