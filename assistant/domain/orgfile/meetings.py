"""A 1:1's contents in the org file: shared notes, agenda items and action items.

Private notes are not among them, on either side: the schema has no key for them, so an
export cannot write them and an import refuses a file that carries them.

Import upserts and never deletes, like the rest of the org file: an agenda item is the same
item when its 1:1 and text match (as ``meetings.add_agenda_item`` treats a repeat), an
action item when its 1:1, text and owner match; shared notes change only when the file
gives them. So re-importing an export changes nothing, and a file without the keys (the
demo org, an older export) leaves what people typed on the web alone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, select

from assistant.domain.models import ActionItem, AgendaItem, Meeting, utcnow
from assistant.domain.orgfile.schema import MeetingIn, OrgFile


def meeting_problems(org: OrgFile) -> list[tuple[tuple[Any, ...], str]]:
    """Agenda authors and action owners who are not one of the 1:1's two people."""
    problems: list[tuple[tuple[Any, ...], str]] = []
    for i, m in enumerate(org.meetings):
        pair = {m.manager, m.report}
        for j, a in enumerate(m.agenda):
            if a.author not in pair:
                problems.append((("meetings", i, "agenda", j, "author"),
                                 f"meetings[{i}].agenda[{j}].author: {a.author!r} is not in this 1:1"))
        for j, x in enumerate(m.actions):
            for field in ("owner", "created_by"):
                email = getattr(x, field)
                if email is not None and email not in pair:
                    problems.append((("meetings", i, "actions", j, field),
                                     f"meetings[{i}].actions[{j}].{field}: {email!r} is not in this 1:1"))
    return problems


def import_contents(session: Session, row: Meeting, m: MeetingIn, ids: dict[str, int]) -> dict[str, int]:
    """Upsert ``m``'s notes, agenda and actions into the stored 1:1 ``row`` (flushed, with an id).

    ``ids`` maps both people's emails to their ids. Returns rows changed per kind.
    """
    counts = {"meetings": 0, "agenda": 0, "actions": 0}
    if m.notes is not None and row.notes != m.notes:
        row.notes = m.notes
        session.add(row)
        counts["meetings"] += 1
    agenda = {a.text for a in session.exec(select(AgendaItem).where(AgendaItem.meeting_id == row.id))}
    for a in m.agenda:
        if a.text not in agenda:
            session.add(AgendaItem(meeting_id=row.id, author_id=ids[a.author], text=a.text))
            agenda.add(a.text)
            counts["agenda"] += 1
    stored = {(x.text, x.owner_id): x for x in session.exec(select(ActionItem).where(ActionItem.meeting_id == row.id))}
    for x in m.actions:
        item = stored.get((x.text, ids[x.owner]))
        done_at = None
        if x.done:  # a done item keeps the moment it was ticked; the import's time when nobody knows it
            done_at = _utc(x.done_at) or (item.done_at if item is not None and item.done else None) or utcnow()
        if item is None:
            # Written down by the manager who runs the 1:1 unless the file says otherwise.
            item = ActionItem(meeting_id=row.id, text=x.text, owner_id=ids[x.owner],
                              created_by_id=ids[x.created_by or m.manager])
            stored[(x.text, item.owner_id)] = item
        elif (item.due, item.done, _utc(item.done_at)) == (x.due, x.done, _utc(done_at)):
            continue
        item.due, item.done, item.done_at = x.due, x.done, done_at
        session.add(item)
        counts["actions"] += 1
    session.flush()
    return counts


def _utc(moment: datetime | None) -> datetime | None:
    """A moment in UTC; one a file gives without a zone is read as UTC (the database stores UTC)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def export_contents(meeting: Meeting, agenda: list[AgendaItem], actions: list[ActionItem],
                    emails: dict[int, str]) -> dict[str, Any]:
    """The keys a 1:1 adds to its org file entry; only those with something in them."""
    out: dict[str, Any] = {}
    if meeting.notes:
        out["notes"] = meeting.notes
    if agenda:
        out["agenda"] = [{"author": emails[a.author_id], "text": a.text} for a in agenda]
    if actions:
        out["actions"] = [
            {"text": x.text, "owner": emails[x.owner_id], "due": x.due.isoformat() if x.due else None,
             "done": x.done, "done_at": _utc(x.done_at).isoformat() if x.done_at else None,
             "created_by": emails[x.created_by_id]}
            for x in actions]
    return out
