"""1:1s in the domain: scheduling and recording, who writes what, private notes per author,
action items, what a brief and a feedback read of them, and deleting a person with them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from assistant.analysis.cadence import cadence_health
from assistant.domain.meetings import (
    add_action,
    add_agenda_item,
    meeting_detail,
    one_on_one_record,
    open_actions_owned,
    own_private_note,
    record_meeting,
    set_action_done,
    update_meeting,
)
from assistant.domain.models import ActionItem, AgendaItem, Meeting, PrivateNote
from assistant.domain.people import delete_person
from assistant.domain.schemas import ActionItemCreate, AgendaItemCreate, MeetingCreate, MeetingUpdate
from assistant.errors import Conflict, Forbidden, InvalidInput, NotFound

MANAGER, REPORT, FOUNDER, OUTSIDER = "growth-lead@t.test", "ppc@t.test", "founder@t.test", "ops-lead@t.test"
ON = date(2026, 9, 16)


@pytest.fixture
def people(org):
    return org


@pytest.fixture
def held(session, people):
    """A held 1:1 of growth-lead@ with ppc@ on 2026-09-15 and the next one scheduled."""
    m = record_meeting(session, people[MANAGER], MeetingCreate(report=REPORT, date=date(2026, 9, 15), minutes=30))
    nxt = record_meeting(session, people[MANAGER], MeetingCreate(report=REPORT, date=date(2026, 9, 22),
                                                                 status="scheduled"))
    session.commit()
    return m, nxt


def test_a_scheduled_1on1_is_not_counted_by_cadence_until_it_is_recorded(session, people, held):
    m, nxt = held
    report = people[REPORT]
    weeks = ["2026-W38", "2026-W39"]
    assert cadence_health(session, report, weeks).window.meetings_total == 1
    assert nxt.id not in {f.id for f in cadence_health(session, report, weeks).window.meetings}
    update_meeting(session, people[MANAGER], nxt.id, MeetingUpdate(status="held", minutes=25))
    session.commit()
    span = cadence_health(session, report, weeks).window
    assert (span.meetings_held, span.meetings_total) == (2, 2)


def test_scheduling_over_a_recorded_1on1_is_a_conflict(session, people, held):
    with pytest.raises(Conflict):
        record_meeting(session, people[MANAGER], MeetingCreate(report=REPORT, date=date(2026, 9, 15),
                                                               status="scheduled"))


def test_either_person_writes_notes_only_the_manager_changes_status_and_nobody_else_writes(session, people, held):
    m, _ = held
    update_meeting(session, people[REPORT], m.id, MeetingUpdate(notes="We agreed to pause broad match."))
    assert m.notes == "We agreed to pause broad match."
    with pytest.raises(Forbidden):
        update_meeting(session, people[REPORT], m.id, MeetingUpdate(status="cancelled"))
    with pytest.raises(Forbidden):  # the founder sees the 1:1 but is not in it
        update_meeting(session, people[FOUNDER], m.id, MeetingUpdate(notes="x"))
    with pytest.raises(NotFound):  # another team's manager does not even see it
        update_meeting(session, people[OUTSIDER], m.id, MeetingUpdate(notes="x"))
    with pytest.raises(InvalidInput):
        update_meeting(session, people[MANAGER], m.id, MeetingUpdate(date=None, notes="y"))
    with pytest.raises(Conflict):  # moving it onto the day of the scheduled one
        update_meeting(session, people[MANAGER], m.id, MeetingUpdate(date=date(2026, 9, 22)))


def test_private_notes_are_kept_per_author_and_read_only_by_their_author(session, people, held):
    m, _ = held
    update_meeting(session, people[MANAGER], m.id, MeetingUpdate(private_notes="manager's own"))
    update_meeting(session, people[REPORT], m.id, MeetingUpdate(private_notes="report's own"))
    session.commit()
    assert own_private_note(session, people[MANAGER], m) == "manager's own"
    assert own_private_note(session, people[REPORT], m) == "report's own"
    assert own_private_note(session, people[FOUNDER], m) is None
    assert meeting_detail(session, people[FOUNDER], m.id).private_notes is None
    assert meeting_detail(session, people[REPORT], m.id).private_notes == "report's own"
    assert len(session.exec(select(PrivateNote)).all()) == 2
    update_meeting(session, people[MANAGER], m.id, MeetingUpdate(private_notes=""))
    session.commit()
    assert own_private_note(session, people[MANAGER], m) == ""
    assert [n.author_id for n in session.exec(select(PrivateNote))] == [people[REPORT].id]


def test_action_items_belong_to_one_of_the_two_and_tick_done_and_back(session, people, held):
    m, _ = held
    with pytest.raises(InvalidInput, match="one of the two"):
        add_action(session, people[MANAGER], m.id, ActionItemCreate(text="x", owner=FOUNDER))
    a = add_action(session, people[MANAGER], m.id, ActionItemCreate(text="Send the bid plan", owner=REPORT.upper()))
    assert a.owner_id == people[REPORT].id and not a.done
    set_action_done(session, people[REPORT], a.id, True)
    assert a.done and a.done_at is not None
    set_action_done(session, people[REPORT], a.id, False)
    assert not a.done and a.done_at is None
    with pytest.raises(Forbidden):
        set_action_done(session, people[FOUNDER], a.id, True)
    with pytest.raises(NotFound, match="action item"):
        set_action_done(session, people[OUTSIDER], a.id, True)
    with pytest.raises(NotFound, match="action item"):
        set_action_done(session, people[MANAGER], a.id + 1000, True)


def test_an_agenda_point_added_twice_is_there_once(session, people, held):
    _, nxt = held
    first = add_agenda_item(session, people[REPORT], nxt.id, AgendaItemCreate(text="Budget for Q4"))
    again = add_agenda_item(session, people[MANAGER], nxt.id, AgendaItemCreate(text="Budget for Q4"))
    assert first.id == again.id and len(session.exec(select(AgendaItem)).all()) == 1
    with pytest.raises(Forbidden):
        add_agenda_item(session, people[FOUNDER], nxt.id, AgendaItemCreate(text="x"))


def test_the_record_a_brief_opens_with(session, people, held):
    m, nxt = held
    manager, report = people[MANAGER], people[REPORT]
    def action(text: str, owner: str = REPORT, days: int | None = None) -> ActionItem:
        due = None if days is None else ON + timedelta(days=days)
        return add_action(session, manager, m.id, ActionItemCreate(text=text, owner=owner, due=due))

    late, later, undated = action("Late one", days=-1), action("Due later", MANAGER, days=5), action("Someday")
    soon, done = action("Due soon", days=2), action("Done one")
    set_action_done(session, report, done.id, True)
    add_agenda_item(session, report, nxt.id, AgendaItemCreate(text="My point"))
    add_agenda_item(session, manager, nxt.id, AgendaItemCreate(text="The manager's point"))
    add_agenda_item(session, report, m.id, AgendaItemCreate(text="An old point"))
    session.commit()

    record = one_on_one_record(session, manager, report, on=ON)
    assert record.last.id == m.id and record.coming.id == nxt.id
    assert [v.item.id for v in record.open_actions] == [late.id, soon.id, later.id, undated.id]
    assert [v.overdue for v in record.open_actions] == [True, False, False, False]
    assert [v.owner_name for v in record.open_actions[:3]] == ["Pia Ppc", "Pia Ppc", "Gil Growth"]
    assert [v.item.id for v in record.done_actions] == [done.id]
    assert [a.text for a in record.agenda] == ["My point"]  # the report's items on the coming 1:1 only
    # the founder reads the same record; another team's manager reads nothing of it
    assert [v.item.id for v in one_on_one_record(session, people[FOUNDER], report, on=ON).open_actions][0] == late.id
    nothing = one_on_one_record(session, people[OUTSIDER], report, on=ON)
    assert (nothing.last, nothing.coming, nothing.open_actions, nothing.agenda) == (None, None, [], [])
    own = open_actions_owned(session, report, report, on=ON)
    assert [v.item.id for v in own] == [late.id, soon.id, undated.id]
    # the report names their manager although a member sees no one else's records
    assert "Gil Growth" in [v.owner_name for v in one_on_one_record(session, report, report, on=ON).open_actions]


def test_after_a_move_the_new_line_reads_the_record_without_the_earlier_managers_name(session, people, held):
    m, _ = held
    add_action(session, people[MANAGER], m.id, ActionItemCreate(text="Ask finance", owner=MANAGER))
    people[REPORT].manager_id = people[OUTSIDER].id
    session.add(people[REPORT])
    session.commit()
    record = one_on_one_record(session, people[OUTSIDER], people[REPORT], on=ON)
    assert [v.owner_name for v in record.open_actions] == ["an earlier manager"]
    assert one_on_one_record(session, people[MANAGER], people[REPORT], on=ON).open_actions == []


def test_deleting_a_person_deletes_their_1on1s_with_everything_in_them(session, people, held):
    m, nxt = held
    add_action(session, people[MANAGER], m.id, ActionItemCreate(text="x", owner=REPORT))
    add_agenda_item(session, people[REPORT], nxt.id, AgendaItemCreate(text="y"))
    update_meeting(session, people[MANAGER], m.id, MeetingUpdate(private_notes="z"))
    session.commit()
    counts = delete_person(session, people[FOUNDER], people[REPORT].id)
    session.commit()
    assert counts["meetings"] == 3  # the two above and the one in the org file
    for table in (AgendaItem, ActionItem, PrivateNote):
        assert session.exec(select(table)).all() == []
    assert [(r.manager_id, r.report_id) for r in session.exec(select(Meeting))] == [
        (people[OUTSIDER].id, people["warehouse-lead@t.test"].id)]


def test_migration_0005_downgrades_and_upgrades_again(engine, session, people, held):
    from alembic import command

    from assistant.core import db as dbmod

    m, nxt = held
    update_meeting(session, people[MANAGER], m.id, MeetingUpdate(notes="dropped with the column"))
    session.commit()
    session.close()
    cfg = dbmod.alembic_config(engine)
    command.downgrade(cfg, "0004")
    with engine.connect() as conn:
        statuses = [r[0] for r in conn.exec_driver_sql("SELECT status FROM meeting ORDER BY date")]
        tables = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")} \
            if engine.dialect.name == "sqlite" else set()
    assert "scheduled" not in statuses and "held" in statuses
    assert not tables & {"agendaitem", "actionitem", "privatenote"}
    dbmod.migrate(engine)
    with engine.connect() as conn:
        # the three recorded 1:1s are back, with empty notes (the downgrade dropped the column)
        assert conn.exec_driver_sql("SELECT notes FROM meeting").all() == [("",)] * 3


def test_a_1on1_in_the_future_cannot_be_marked_held_or_rushed(session, people, held):
    from assistant.domain.calendar import today

    m, _ = held
    ahead = today() + timedelta(days=3)
    with pytest.raises(InvalidInput, match="has not happened yet"):
        record_meeting(session, people[MANAGER], MeetingCreate(report=REPORT, date=ahead, status="held"))
    coming = record_meeting(session, people[MANAGER], MeetingCreate(report=REPORT, date=ahead, status="scheduled"))
    for change in (MeetingUpdate(status="held"), MeetingUpdate(status="rushed", minutes=5)):
        with pytest.raises(InvalidInput, match="has not happened yet"):
            update_meeting(session, people[MANAGER], coming.id, change)
    with pytest.raises(InvalidInput):  # a held one moved past today
        update_meeting(session, people[MANAGER], m.id, MeetingUpdate(date=ahead + timedelta(days=1)))
    update_meeting(session, people[MANAGER], coming.id, MeetingUpdate(status="cancelled"))  # not a meeting held
    update_meeting(session, people[MANAGER], m.id, MeetingUpdate(status="rushed", date=today()))
    assert (coming.status, m.status, m.date) == ("cancelled", "rushed", today())
