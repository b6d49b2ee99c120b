"""View models for pages: what ``assistant.analysis`` computed, arranged for a template.

Nothing here judges a KPI or a cadence: statuses come from ``analysis.kpi``, 1:1 counts from
``analysis.cadence``, "said on track, the number says off" from
``analysis.kpi.self_report_mismatches``. Nothing here decides who may see what either: people
come from the domain's visible reads, and a KPI a person owns is visible exactly when that
person is (``domain.kpis.kpi_visible``), so a visible person's statuses need no second check.

A page judges a person as of the week a 1:1 brief on them would be for (``week_in_force``),
so the Team page, the person page and the brief show the same counts and the same verdicts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup
from sqlmodel import Session

from assistant.analysis.cadence import CadenceSpan, lookback_span
from assistant.analysis.kpi import KpiStatus, kpi_status, kpi_status_of, self_report_mismatches
from assistant.domain.calendar import ISO_WEEK
from assistant.domain.checkins import visible_checkin_of_week
from assistant.domain.drafts import draft_people
from assistant.domain.kpis import get_visible_kpi
from assistant.domain.models import Access, CheckIn, Draft, Person
from assistant.domain.team import can_see, visible_people
from assistant.drafting.kinds.brief import default_week
from assistant.errors import NotFound
from assistant.web.charts import line_chart


def week_in_force(session: Session, person: Person) -> str:
    """The week pages judge ``person`` by: the one a 1:1 brief on them is drafted for."""
    return default_week(session, person)


def kpi_chart(status: KpiStatus, *, title: str | None = None) -> Markup:
    """The KPI's recent points with its target line, titled with its name unless ``title`` says otherwise."""
    return line_chart(status.series, title=title or status.name, target=status.target, unit=status.unit,
                      direction=status.direction)


def guardrail_status(session: Session, viewer: Person, status: KpiStatus, week: str) -> KpiStatus | None:
    """The status of the KPI that keeps ``status`` honest, when it has one the viewer may see."""
    if status.guardrail is None:
        return None
    try:
        guard = get_visible_kpi(session, viewer, status.guardrail)
    except NotFound:
        return None
    return kpi_status_of(session, guard, week, viewer=viewer)


def guardrail_chart(guard: KpiStatus) -> Markup:
    """A guardrail's chart, titled as one, to draw beside the KPI it guards."""
    return kpi_chart(guard, title=f"Guardrail: {guard.name}")


def brief_charts(session: Session, viewer: Person, draft: Draft) -> list[dict]:
    """A brief's KPI trends as of the brief's week; a flagged KPI gets its guardrail beside it."""
    subject, _ = draft_people(session, viewer, draft)
    week = draft.period or ""
    if draft.kind != "brief" or subject is None or not ISO_WEEK.match(week) or not can_see(session, viewer, subject.id):
        return []
    flagged = {f.get("kpi") for f in draft.content.get("flags") or [] if isinstance(f, dict)}
    out = []
    for st in kpi_status(session, subject, week, viewer=viewer):
        guard = guardrail_status(session, viewer, st, week) if st.key in flagged else None
        out.append({"status": st, "flagged": st.key in flagged, "chart": kpi_chart(st),
                    "guard": guardrail_chart(guard) if guard is not None else None})
    return sorted(out, key=lambda e: not e["flagged"])


@dataclass
class TeamRow:
    person: Person
    manager: Person | None
    week: str  # the week in force: the one a brief on this person is for
    last_checkin: CheckIn | None  # their check-in for that week
    kpis: list[KpiStatus]
    cadence: CadenceSpan  # the brief's twelve-week view of 1:1s and check-ins
    contradicted: list[str]  # KPIs that check-in called on track while the number was off
    flags: list[str] = field(default_factory=list)


def team_rows(session: Session, viewer: Person) -> list[TeamRow]:
    """One row per person the viewer may see, themself excluded, ordered by manager then name."""
    people = visible_people(session, viewer)
    rows = []
    for pid, person in people.items():
        if pid == viewer.id:
            continue
        week = week_in_force(session, person)
        statuses = kpi_status(session, person, week, viewer=viewer)
        last = visible_checkin_of_week(session, viewer, pid, week)
        rows.append(TeamRow(person, people.get(person.manager_id) if person.manager_id else None, week, last,
                            statuses, lookback_span(session, person, week),
                            _said_on_track_but_off(session, person, last, statuses)))
    latest_week = max((r.last_checkin.week for r in rows if r.last_checkin), default=None)
    for row in rows:
        row.flags = _flags(row, latest_week)
    return sorted(rows, key=lambda r: (r.manager.name if r.manager else "", r.person.access != Access.manager,
                                       r.person.name))


def _said_on_track_but_off(session: Session, person: Person, checkin: CheckIn | None,
                           statuses: list[KpiStatus]) -> list[str]:
    """Names of the person's KPIs their latest check-in called on track while the number was off."""
    if checkin is None:
        return []
    names = {s.key: s.name for s in statuses}  # the person's own KPIs: visible with them
    return [names[m.kpi] for m in self_report_mismatches(session, person, [checkin.week])
            if m.kind == "optimistic" and m.kpi in names]


def _flags(row: TeamRow, latest_week: str | None) -> list[str]:
    """One line per thing the analysis found, for the team table; the brief says the rest."""
    flags = []
    if row.last_checkin is None:
        flags.append("no check-ins yet")
    elif latest_week and row.last_checkin.week < latest_week:
        flags.append(f"no check-in since {row.last_checkin.week}")
    off = [s.name for s in row.kpis if s.on_target is False]
    if off:
        flags.append("off target: " + ", ".join(off))
    if row.contradicted:
        flags.append("says on track, number says off: " + ", ".join(row.contradicted))
    if row.cadence.slipping:
        flags.append(f"1:1s slipping ({row.cadence.meetings_cancelled} cancelled, "
                     f"{row.cadence.meetings_rushed} rushed)")
    return flags
