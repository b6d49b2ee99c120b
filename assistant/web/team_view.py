"""The Team page's nudges: what each report's manager should look at this week.

Per report: whether this week's check-in is in, how long since their last 1:1 that took
place (``analysis.cadence``), the action items still open from their 1:1s (overdue ones
counted apart, ``domain.meetings``), and the drafts on them the viewer asked for and has not
yet accepted or discarded. Rows come grouped by manager, each group headed by that manager's own
rhythm with their reports, so a founder sees every team's cadence at a glance.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from assistant.analysis.cadence import CadenceSpan, MeetingFact, last_meeting, managing_span
from assistant.domain.calendar import current_week, today, weeks_apart
from assistant.domain.checkins import visible_checkin_of_week
from assistant.domain.drafts import visible_drafts
from assistant.domain.meetings import ActionView, one_on_one_record
from assistant.domain.models import Draft, DraftStatus, Person
from assistant.web.views import TeamRow, team_rows


@dataclass
class Nudges:
    filed_this_week: bool
    last_meeting: MeetingFact | None  # their latest 1:1 that took place
    weeks_since_meeting: int | None  # None: no 1:1 ever took place
    open_actions: list[ActionView] = field(default_factory=list)  # from their 1:1s, overdue first
    drafts_waiting: list[Draft] = field(default_factory=list)  # the viewer's, still to accept or discard

    @property
    def overdue(self) -> int:
        return sum(1 for a in self.open_actions if a.overdue)


@dataclass
class TeamGroup:
    manager: Person | None
    rhythm: CadenceSpan | None  # the manager's 1:1s with their reports over the lookback to this week
    rows: list[tuple[TeamRow, Nudges]]


def nudges(session: Session, viewer: Person, person: Person, week: str) -> Nudges:
    """What the Team page says about ``person`` in calendar week ``week``."""
    day = today()
    last = last_meeting(session, person, on=day)
    waiting = [d for d in visible_drafts(session, viewer, status=DraftStatus.draft.value, subject_id=person.id)
               if d.requested_by_id == viewer.id and not d.meta.get("superseded_by")]
    return Nudges(filed_this_week=visible_checkin_of_week(session, viewer, person.id, week) is not None,
                  last_meeting=last, weeks_since_meeting=weeks_apart(last.week, week) if last else None,
                  open_actions=one_on_one_record(session, viewer, person, on=day).open_actions,
                  drafts_waiting=waiting)


def team_groups(session: Session, viewer: Person) -> list[TeamGroup]:
    """The Team page: the viewer's direct reports first, then each other manager's, by name."""
    week = current_week()
    groups: dict[int | None, TeamGroup] = {}
    for row in team_rows(session, viewer):
        key = row.manager.id if row.manager else None
        if key not in groups:
            rhythm = managing_span(session, row.manager, week) if row.manager else None
            groups[key] = TeamGroup(row.manager, rhythm, [])
        groups[key].rows.append((row, nudges(session, viewer, row.person, week)))
    return sorted(groups.values(), key=lambda g: (g.manager is None or g.manager.id != viewer.id,
                                                  g.manager.name if g.manager else ""))


def weeks_label(n: int | None) -> str:
    if n is None:
        return "none yet"
    return "this week" if n == 0 else ("last week" if n == 1 else f"{n} weeks ago")


