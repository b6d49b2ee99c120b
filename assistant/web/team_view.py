"""The Team page: per report, the assessment of their week and what their manager should act on.

Each row is ``assessment_for(person, week in force, viewer)``: this week's check-in filed or not, the
data's age when stale, the 1:1 streak and counts, KPI readings with their audit verdicts,
self-report runs and open blockers; beside it the action items still open from their 1:1s
(``domain.meetings``) and the viewer's drafts on them still to accept or discard. Rows come
grouped by manager, each group headed by that manager's own rhythm with their reports
(``ManagerRhythm``), so a founder sees every team's cadence and who waits on whom.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from assistant.assessment import Assessment, assessment_for
from assistant.assessment.cadence import manager_rhythm
from assistant.assessment.model import ManagerRhythm
from assistant.domain.calendar import today
from assistant.domain.checkins import visible_checkin_of_week
from assistant.domain.drafts import visible_drafts
from assistant.domain.meetings import ActionView, one_on_one_record
from assistant.domain.models import Access, CheckIn, Draft, DraftStatus, Person
from assistant.domain.team import visible_people
from assistant.web.views import week_in_force

OPEN_THREADS = 2
"""Open blockers a card lists (the latest first); the brief and the person page say the rest."""


@dataclass
class TeamRow:
    person: Person
    manager: Person | None
    a: Assessment  # the person's week as the viewer may know it
    checkin: CheckIn | None  # this week's, when filed
    open_actions: list[ActionView] = field(default_factory=list)  # from their 1:1s, overdue first
    drafts_waiting: list[Draft] = field(default_factory=list)  # the viewer's, still to accept or discard

    @property
    def overdue(self) -> int:
        return sum(1 for x in self.open_actions if x.overdue)

    @property
    def open_threads(self) -> list:
        return [t for t in self.a.threads if t.status == "open"][:OPEN_THREADS]


@dataclass
class TeamGroup:
    manager: Person | None
    rhythm: ManagerRhythm | None  # the manager's 1:1s with their reports over the lookback to this week
    rows: list[TeamRow]


def team_row(session: Session, viewer: Person, person: Person, manager: Person | None, week: str) -> TeamRow:
    day = today()
    waiting = [d for d in visible_drafts(session, viewer, status=DraftStatus.draft.value, subject_id=person.id)
               if d.requested_by_id == viewer.id and not d.meta.get("superseded_by")]
    return TeamRow(person, manager, assessment_for(session, person, week, viewer=viewer),
                   visible_checkin_of_week(session, viewer, person.id, week),
                   one_on_one_record(session, viewer, person, on=day).open_actions, waiting)


def team_rows(session: Session, viewer: Person, week: str) -> list[TeamRow]:
    """One row per person the viewer may see, themself excluded, ordered by manager then name."""
    people = visible_people(session, viewer)
    rows = [team_row(session, viewer, p, people.get(p.manager_id) if p.manager_id else None, week)
            for pid, p in people.items() if pid != viewer.id]
    return sorted(rows, key=lambda r: (r.manager.name if r.manager else "", r.person.access != Access.manager,
                                       r.person.name))


def team_groups(session: Session, viewer: Person) -> list[TeamGroup]:
    """The Team page: the viewer's direct reports first, then each other manager's, by name.

    A group's rhythm is its manager's: from that manager's own assessment when they are a row
    (a founder's view of their leads), else read over the rows already assessed.
    """
    week = week_in_force()
    rows = team_rows(session, viewer, week)
    by_id = {r.person.id: r for r in rows}
    groups: dict[int | None, TeamGroup] = {}
    for row in rows:
        key = row.manager.id if row.manager else None
        if key not in groups:
            groups[key] = TeamGroup(row.manager, None, [])
        groups[key].rows.append(row)
    for key, g in groups.items():
        if key is None:
            continue
        own = by_id.get(key)
        if own is not None:
            g.rhythm = own.a.rhythm
        else:
            g.rhythm = manager_rhythm(session, g.manager, week, {r.person.id: r.a.threads for r in g.rows},
                                      {r.person.id: r.a.cadence for r in g.rows})
    return sorted(groups.values(), key=lambda g: (g.manager is None or g.manager.id != viewer.id,
                                                  g.manager.name if g.manager else ""))


def weeks_label(n: int | None) -> str:
    if n is None:
        return "none yet"
    return "this week" if n == 0 else ("last week" if n == 1 else f"{n} weeks ago")
