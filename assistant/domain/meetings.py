"""1:1 meetings: scheduled and recorded by a manager, with an agenda, notes and action items.

Who reads what (the README's permissions paragraph says the same):
- A 1:1 is visible to whoever may see its report: the two people in it and the report's
  managers above (founders included). Anyone else gets 404, as for every record.
- Its agenda, shared notes and action items are visible on the same terms: the managers above
  already read the report's check-ins and briefs, which cite these 1:1s, and a brief by any of
  them opens with what was agreed. Only the two people in it write them.
- Private notes are their author's alone: ``own_private_note`` is the one reader, and it takes
  the viewer as the author. Nothing else (pages of other viewers, drafts, prompts, search, the
  org export, eval reports) reads the table.
- Only the 1:1's manager changes its date, status and length.

Cadence health is computed from the recorded meetings (analysis/cadence.py), never the scheduled ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, col, delete, or_, select

from assistant.domain.calendar import today
from assistant.domain.models import ActionItem, AgendaItem, Meeting, MeetingStatus, Person, PrivateNote, utcnow
from assistant.domain.schemas import (
    ActionItemCreate,
    AgendaItemCreate,
    MeetingCreate,
    MeetingDetail,
    MeetingUpdate,
)
from assistant.domain.team import can_see, is_manager_of, person_scope, visible_among, visible_person_by_email
from assistant.errors import Conflict, Forbidden, InvalidInput, NotFound

RECORDED = (MeetingStatus.held.value, MeetingStatus.rushed.value)
"""Statuses of a 1:1 that took place: the "last time" a brief looks back to."""
ACKNOWLEDGE_DAYS = 14
"""With no 1:1 held yet, action items done within this many days count as done since last time."""


def _check_took_place(status: str, on: date) -> None:
    """A 1:1 is held or rushed only once its day has come: a future one marked held would count
    as a meeting in every cadence figure and brief before it happened."""
    if status in RECORDED and on > today():
        raise InvalidInput(f"a 1:1 on {on} has not happened yet (today is {today()}): keep it scheduled, "
                           f"or change its date to the day it took place")


def record_meeting(session: Session, viewer: Person, body: MeetingCreate) -> Meeting:
    """Upsert the viewer's 1:1 with a report on a date (caller commits)."""
    report = visible_person_by_email(session, viewer, body.report)
    if not is_manager_of(session, viewer, report.id):
        raise Forbidden("only a manager above this person records their 1:1s")
    _check_took_place(body.status.value, body.date)
    row = session.exec(
        select(Meeting).where(Meeting.manager_id == viewer.id, Meeting.report_id == report.id,
                              Meeting.date == body.date)
    ).first()
    if row is not None and body.status == MeetingStatus.scheduled and row.status != MeetingStatus.scheduled:
        raise Conflict(f"the 1:1 on {body.date} is already recorded as {row.status}; pick another date")
    row = row or Meeting(manager_id=viewer.id, report_id=report.id, date=body.date)
    row.status, row.minutes = body.status.value, body.minutes
    session.add(row)
    session.flush()
    return row


def visible_meetings(session: Session, viewer: Person, *, person_id: int | None = None) -> list[Meeting]:
    """Meetings whose report the viewer may see: a 1:1 stays in its manager's view only while
    the report does (after a move it belongs to the report's new line)."""
    q = select(Meeting)
    if (scope := person_scope(session, viewer, Meeting.report_id)) is not None:
        q = q.where(scope)
    if person_id is not None:
        q = q.where(or_(Meeting.report_id == person_id, Meeting.manager_id == person_id))
    return list(session.exec(q.order_by(col(Meeting.date).desc())).all())


def get_visible_meeting(session: Session, viewer: Person, meeting_id: int) -> Meeting:
    """One meeting, on the same terms as ``visible_meetings``; otherwise NotFound."""
    row = session.get(Meeting, meeting_id)
    if row is None or not can_see(session, viewer, row.report_id):
        raise NotFound("1:1 not found")
    return row


def part_in(meeting: Meeting, viewer: Person) -> str | None:
    """``manager`` or ``report`` when the viewer is one of the two people in the 1:1, else None."""
    return "manager" if viewer.id == meeting.manager_id else "report" if viewer.id == meeting.report_id else None


def participant(session: Session, meeting: Meeting, side: str) -> Person | None:
    """The report (``side == "report"``) or the manager of a 1:1."""
    return session.get(Person, meeting.report_id if side == "report" else meeting.manager_id)


def _writable(session: Session, viewer: Person, meeting_id: int) -> Meeting:
    """The meeting, when the viewer may see it (else NotFound) and is in it (else Forbidden)."""
    meeting = get_visible_meeting(session, viewer, meeting_id)
    if part_in(meeting, viewer) is None:
        raise Forbidden("only the two people in a 1:1 write in it")
    return meeting


def update_meeting(session: Session, viewer: Person, meeting_id: int, body: MeetingUpdate) -> Meeting:
    """Apply the fields the body sets (caller commits). Notes: either person; private notes: the
    viewer's own; date, status and minutes: the 1:1's manager."""
    meeting = _writable(session, viewer, meeting_id)
    fields = body.model_fields_set
    if fields & {"date", "status", "minutes"} and viewer.id != meeting.manager_id:
        raise Forbidden("only the manager who runs this 1:1 changes its date, status or length")
    if ("date" in fields and body.date is None) or ("status" in fields and body.status is None):
        raise InvalidInput("a 1:1 always has a date and a status")
    if fields & {"date", "status"}:
        _check_took_place(body.status.value if body.status is not None else meeting.status,
                          body.date or meeting.date)
    if body.date is not None and body.date != meeting.date:
        clash = session.exec(select(Meeting.id).where(
            Meeting.manager_id == meeting.manager_id, Meeting.report_id == meeting.report_id,
            Meeting.date == body.date)).first()
        if clash is not None:
            raise Conflict(f"there is already a 1:1 with this person on {body.date}")
        meeting.date = body.date
    if body.status is not None:
        meeting.status = body.status.value
    if "minutes" in fields:
        meeting.minutes = body.minutes
    if "notes" in fields:
        meeting.notes = body.notes or ""
    if "private_notes" in fields:
        _set_private_note(session, meeting, viewer, body.private_notes or "")
    session.add(meeting)
    session.flush()
    return meeting


def _set_private_note(session: Session, meeting: Meeting, author: Person, text: str) -> None:
    row = session.get(PrivateNote, (meeting.id, author.id))
    if not text:
        if row is not None:
            session.delete(row)
        return
    row = row or PrivateNote(meeting_id=meeting.id, author_id=author.id, text=text)
    row.text, row.updated_at = text, utcnow()
    session.add(row)


def own_private_note(session: Session, viewer: Person, meeting: Meeting) -> str | None:
    """The viewer's own private notes on a 1:1 they are in ('' when none yet); None otherwise.

    The only reader of private notes: it cannot be asked for anyone else's.
    """
    if part_in(meeting, viewer) is None:
        return None
    row = session.get(PrivateNote, (meeting.id, viewer.id))
    return row.text if row is not None else ""


def add_agenda_item(session: Session, viewer: Person, meeting_id: int, body: AgendaItemCreate) -> AgendaItem:
    """Either person adds something to talk about (caller commits)."""
    meeting = _writable(session, viewer, meeting_id)
    same = session.exec(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id,
                                                 AgendaItem.text == body.text)).first()
    if same is not None:  # the button pressed twice, or a point both people raise: once is enough
        return same
    row = AgendaItem(meeting_id=meeting.id, author_id=viewer.id, text=body.text)
    session.add(row)
    session.flush()
    return row


def add_action(session: Session, viewer: Person, meeting_id: int, body: ActionItemCreate) -> ActionItem:
    """Either person records an action item owned by one of the two (caller commits)."""
    meeting = _writable(session, viewer, meeting_id)
    owners = {p.email: p for p in (session.get(Person, meeting.manager_id), session.get(Person, meeting.report_id))}
    owner = owners.get(body.owner.strip().lower())
    if owner is None:
        raise InvalidInput("an action item's owner is one of the two people in the 1:1: "
                           + " or ".join(sorted(owners)))
    row = ActionItem(meeting_id=meeting.id, text=body.text, owner_id=owner.id, due=body.due,
                     created_by_id=viewer.id)
    session.add(row)
    session.flush()
    return row


def set_action_done(session: Session, viewer: Person, action_id: int, done: bool) -> ActionItem:
    """Tick an action item done (or open again); either person in its 1:1 (caller commits)."""
    row = session.get(ActionItem, action_id)
    if row is None:
        raise NotFound("action item not found")
    try:
        _writable(session, viewer, row.meeting_id)
    except NotFound:
        raise NotFound("action item not found") from None
    if done != row.done:
        row.done, row.done_at = done, utcnow() if done else None
        session.add(row)
        session.flush()
    return row


def agenda_of(session: Session, meeting_ids: list[int]) -> list[AgendaItem]:
    """Agenda items of these meetings, oldest first (the caller has checked visibility)."""
    if not meeting_ids:
        return []
    return list(session.exec(select(AgendaItem).where(col(AgendaItem.meeting_id).in_(meeting_ids))
                             .order_by(AgendaItem.created_at, AgendaItem.id)).all())


def actions_of(session: Session, meeting_ids: list[int]) -> list[ActionItem]:
    """Action items of these meetings, oldest first (the caller has checked visibility)."""
    if not meeting_ids:
        return []
    return list(session.exec(select(ActionItem).where(col(ActionItem.meeting_id).in_(meeting_ids))
                             .order_by(ActionItem.created_at, ActionItem.id)).all())


def meeting_detail(session: Session, viewer: Person, meeting_id: int) -> MeetingDetail:
    """Everything of one 1:1 the viewer may read (NotFound when they may not see it)."""
    meeting = get_visible_meeting(session, viewer, meeting_id)
    return MeetingDetail.model_validate({
        **meeting.model_dump(), "you": part_in(meeting, viewer),
        "private_notes": own_private_note(session, viewer, meeting),
        "agenda": agenda_of(session, [meeting.id]), "actions": actions_of(session, [meeting.id])})


def coming_meeting(session: Session, *, report_id: int, on: date, manager_id: int | None = None) -> Meeting | None:
    """The next scheduled 1:1 of the report (with this manager, when given): the first on or
    after ``on``, else the latest scheduled one not yet marked held, cancelled or rushed."""
    q = select(Meeting).where(Meeting.report_id == report_id, Meeting.status == MeetingStatus.scheduled.value)
    if manager_id is not None:
        q = q.where(Meeting.manager_id == manager_id)
    rows = list(session.exec(q.order_by(Meeting.date, Meeting.id)).all())
    ahead = [m for m in rows if m.date >= on]
    return ahead[0] if ahead else (rows[-1] if rows else None)


def delete_meetings_of(session: Session, person_id: int) -> int:
    """Delete every 1:1 the person was in, with its agenda, action items and private notes."""
    ids = list(session.exec(select(Meeting.id).where(
        or_(col(Meeting.manager_id) == person_id, col(Meeting.report_id) == person_id))).all())
    if not ids:
        return 0
    for table in (AgendaItem, ActionItem, PrivateNote):
        session.execute(delete(table).where(col(table.meeting_id).in_(ids)))
    return session.execute(delete(Meeting).where(col(Meeting.id).in_(ids))).rowcount or 0


# ---------------------------------------------------------------- what drafts read
@dataclass(frozen=True)
class ActionView:
    """An action item with what a draft or page says about it: its owner, its 1:1, whether it is late."""

    item: ActionItem
    meeting: Meeting
    owner_name: str
    """The owner's name, or a stand-in when the viewer may not see them (the report's earlier manager)."""
    overdue: bool


@dataclass(frozen=True)
class OneOnOneRecord:
    """A report's 1:1 record as a brief opens with it: what was agreed, what they want to raise."""

    last: Meeting | None
    """Their latest 1:1 that took place (held or rushed) on or before the day asked about."""
    coming: Meeting | None
    open_actions: list[ActionView]
    """Not done yet: overdue first, then by due date, undated last."""
    done_actions: list[ActionView]
    """Done since the last 1:1 (or lately, before the first): to acknowledge."""
    agenda: list[AgendaItem]
    """What the report put on the coming 1:1's agenda."""


def names_for(session: Session, viewer: Person, ids: set[int], meetings: list[Meeting] = ()) -> dict[int, str]:
    """Names of these people as the viewer may read them: the people the viewer may see, and
    both people of any of ``meetings`` the viewer is in (a report knows their manager). Anyone
    else (the manager a report had before a move) is "an earlier manager", never named."""
    visible = visible_among(session, viewer, ids)
    visible |= {pid for m in meetings if part_in(m, viewer) for pid in (m.manager_id, m.report_id)}
    rows = session.exec(select(Person.id, Person.name).where(col(Person.id).in_(ids))).all() if ids else []
    return {pid: name if pid in visible else "an earlier manager" for pid, name in rows}


def action_views(session: Session, viewer: Person, meetings: dict[int, Meeting], items: list[ActionItem],
                 on: date) -> list[ActionView]:
    """``items`` (of ``meetings``, already visible) with owner names and whether each is overdue on ``on``."""
    names = names_for(session, viewer, {a.owner_id for a in items}, list(meetings.values()))
    return [ActionView(item=a, meeting=meetings[a.meeting_id], owner_name=names[a.owner_id],
                       overdue=not a.done and a.due is not None and a.due < on) for a in items]


def _open_first(views: list[ActionView]) -> list[ActionView]:
    return sorted(views, key=lambda v: (not v.overdue, v.item.due is None, v.item.due or date.max, v.item.id))


def one_on_one_record(session: Session, viewer: Person, subject: Person, *, on: date) -> OneOnOneRecord:
    """``subject``'s 1:1s as the report, as far as the viewer may see them, on day ``on``."""
    meetings = {m.id: m for m in visible_meetings(session, viewer, person_id=subject.id) if m.report_id == subject.id}
    held = [m for m in meetings.values() if m.status in RECORDED and m.date <= on]
    last = max(held, key=lambda m: (m.date, m.id), default=None)
    coming = coming_meeting(session, report_id=subject.id, on=on)
    if coming is not None and coming.id not in meetings:
        coming = None
    views = action_views(session, viewer, meetings, actions_of(session, list(meetings)), on)
    since = last.date if last is not None else on - timedelta(days=ACKNOWLEDGE_DAYS)
    done = [v for v in views if v.item.done and v.item.done_at is not None and v.item.done_at.date() >= since]
    agenda = [a for a in agenda_of(session, [coming.id]) if a.author_id == subject.id] if coming else []
    return OneOnOneRecord(last=last, coming=coming, open_actions=_open_first([v for v in views if not v.item.done]),
                          done_actions=sorted(done, key=lambda v: v.item.done_at), agenda=agenda)


def open_actions_owned(session: Session, viewer: Person, owner: Person, *, on: date) -> list[ActionView]:
    """The open action items ``owner`` holds, from every 1:1 they are in that the viewer may see."""
    meetings = {m.id: m for m in visible_meetings(session, viewer, person_id=owner.id)}
    mine = [a for a in actions_of(session, list(meetings)) if a.owner_id == owner.id and not a.done]
    return _open_first(action_views(session, viewer, meetings, mine, on))
