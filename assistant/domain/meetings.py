"""1:1 meetings: a manager records them; cadence health is computed from them."""

from __future__ import annotations

from sqlmodel import Session, col, or_, select

from assistant.domain.models import Meeting, Person
from assistant.domain.schemas import MeetingCreate
from assistant.domain.team import can_see, is_manager_of, visible_person_by_email, visible_person_ids
from assistant.errors import Forbidden, NotFound


def record_meeting(session: Session, viewer: Person, body: MeetingCreate) -> Meeting:
    """Upsert the viewer's 1:1 with a report on a date (caller commits)."""
    report = visible_person_by_email(session, viewer, body.report)
    if not is_manager_of(session, viewer, report.id):
        raise Forbidden("only a manager above this person records their 1:1s")
    row = session.exec(
        select(Meeting).where(Meeting.manager_id == viewer.id, Meeting.report_id == report.id,
                              Meeting.date == body.date)
    ).first() or Meeting(manager_id=viewer.id, report_id=report.id, date=body.date)
    row.status, row.minutes = body.status.value, body.minutes
    session.add(row)
    session.flush()
    return row


def visible_meetings(session: Session, viewer: Person, *, person_id: int | None = None) -> list[Meeting]:
    """Meetings whose report the viewer may see: a 1:1 stays in its manager's view only while
    the report does (after a move it belongs to the report's new line)."""
    visible = visible_person_ids(session, viewer)
    q = select(Meeting).where(col(Meeting.report_id).in_(visible))
    if person_id is not None:
        q = q.where(or_(Meeting.report_id == person_id, Meeting.manager_id == person_id))
    return list(session.exec(q.order_by(col(Meeting.date).desc())).all())


def get_visible_meeting(session: Session, viewer: Person, meeting_id: int) -> Meeting:
    """One meeting, on the same terms as ``visible_meetings``; otherwise NotFound."""
    row = session.get(Meeting, meeting_id)
    if row is None or not can_see(session, viewer, row.report_id):
        raise NotFound("1:1 not found")
    return row
