"""Org file: round trip, idempotent import, errors that name the field and load nothing."""

from __future__ import annotations

import pytest
import yaml
from sqlmodel import func, select

from assistant.domain.models import CheckIn, Company, Kpi, KpiValue, Person
from assistant.domain.orgfile import export_org, import_org, parse_org_text, read_org_file
from assistant.errors import OrgFileError
from tests.conftest import ROOT, SMALL_ORG

DEMO = ROOT / "demo" / "northwind.yaml"


def _counts(session) -> dict[str, int]:
    return {m.__name__: session.exec(select(func.count()).select_from(m)).one()
            for m in (Company, Person, Kpi, KpiValue, CheckIn)}


@pytest.mark.parametrize("path", [SMALL_ORG, DEMO], ids=["small", "demo"])
def test_round_trip(session, path):
    first = import_org(session, read_org_file(path))
    session.commit()
    assert first["people"] > 0 and first["checkins"] > 0
    exported = export_org(session)
    # A second import of the export changes nothing, and exporting again is identical.
    again = import_org(session, parse_org_text(yaml.safe_dump(exported)))
    session.commit()
    assert sum(again.values()) == 0, again
    assert export_org(session) == exported


def test_import_is_idempotent(session):
    import_org(session, read_org_file(SMALL_ORG))
    session.commit()
    before = _counts(session)
    counts = import_org(session, read_org_file(SMALL_ORG))
    session.commit()
    assert sum(counts.values()) == 0
    assert _counts(session) == before


def test_export_into_a_fresh_database_equals_source(session, tmp_path, monkeypatch):
    from assistant.core import db as dbmod
    import_org(session, read_org_file(SMALL_ORG))
    session.commit()
    exported = export_org(session)
    other = dbmod.make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    dbmod.migrate(other)
    from sqlmodel import Session

    with Session(other) as s2:
        import_org(s2, parse_org_text(yaml.safe_dump(exported)))
        s2.commit()
        assert export_org(s2) == exported


HEAD = "company: {name: Bad Co, stage: early}\npeople:\n  - {email: a@t.test, name: A, role: R}\n"
BAD_CASES = {  # file text, the path the error must name, the line it must name (None: not in file)
    "unit": (HEAD + "kpis:\n  - id: x\n    owner: a@t.test\n    name: X\n    unit: furlongs\n", "kpis[0].unit", 8),
    "unknown key": (HEAD + "  - {email: b@t.test, name: B, role: R, favourite: blue}\n", "people[1].favourite", 4),
    "guardrail": (HEAD + "kpis:\n  - {id: x, owner: a@t.test, name: X, guardrail: nope}\n", "kpis[0].guardrail", 5),
    "week": (HEAD + "checkins:\n  - {person: a@t.test, week: 2026-W60}\n", "checkins[0].week", 5),
    "week 53": (HEAD + "checkins:\n  - {person: a@t.test, week: 2027-W53}\n", "checkins[0].week", 5),
    "year 9999": (HEAD + "checkins:\n  - {person: a@t.test, week: 9999-W52}\n", "checkins[0].week", 5),
    "quarter": (HEAD + "quarters:\n  - {id: 0000-Q1}\n", "quarters[0].id", 5),
    "goal quarter": (HEAD + "goals:\n  - {person: a@t.test, quarter: 9999-Q4, title: T}\n", "goals[0].quarter", 5),
    "duplicate": (HEAD + "  - {email: a@t.test, name: B, role: R}\n", "people[1]", 4),
    "manager": (HEAD + "  - {email: b@t.test, name: B, role: R, manager: ghost@t.test}\n", "people[1].manager", None),
    "owner": (HEAD + "kpis:\n  - {id: x, owner: ghost@t.test, name: X}\n", "kpis[0].owner", None),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_file_names_field_and_loads_nothing(session, case):
    text, path, line = BAD_CASES[case]
    with pytest.raises(OrgFileError) as err:
        import_org(session, parse_org_text(text))
    session.rollback()
    assert path in err.value.message, err.value.message
    if line is not None:
        assert f"(line {line})" in err.value.message, err.value.message
    assert _counts(session)["Company"] == 0 and _counts(session)["Person"] == 0


def test_not_yaml_at_all(session):
    with pytest.raises(OrgFileError, match="not valid YAML"):
        parse_org_text("company: {name: [unclosed")
    with pytest.raises(OrgFileError, match="company"):
        parse_org_text("- just a list")


# ---------------------------------------------------------------- a 1:1's contents
PRIVATE = "Private worry about workload, never exported"


def _record_a_1on1(session) -> int:  # noqa: ANN001
    """The small org with a held 1:1 carrying notes, two agenda items, two action items (one done)
    and a private note of each person."""
    from datetime import date

    from assistant.domain.meetings import add_action, add_agenda_item, record_meeting, set_action_done, update_meeting
    from assistant.domain.schemas import ActionItemCreate, AgendaItemCreate, MeetingCreate, MeetingUpdate

    import_org(session, read_org_file(SMALL_ORG))
    people = {p.email: p for p in session.exec(select(Person))}
    manager, report = people["growth-lead@t.test"], people["ppc@t.test"]
    m = record_meeting(session, manager, MeetingCreate(report=report.email, date=date(2026, 9, 15), minutes=30))
    add_agenda_item(session, report, m.id, AgendaItemCreate(text="Budget for the bakeware test"))
    add_agenda_item(session, manager, m.id, AgendaItemCreate(text="TACOS, not ACOS"))
    update_meeting(session, manager, m.id, MeetingUpdate(notes="Agreed: \u00e9t\u00e9 test on broad match.",
                                                         private_notes=PRIVATE))
    update_meeting(session, report, m.id, MeetingUpdate(private_notes="The report's own " + PRIVATE))
    add_action(session, manager, m.id, ActionItemCreate(text="Send the test plan", owner=report.email,
                                                        due=date(2026, 9, 19)))
    done = add_action(session, report, m.id, ActionItemCreate(text="Ask finance", owner=manager.email))
    set_action_done(session, manager, done.id, True)
    session.commit()
    return m.id


def _fresh_session(tmp_path, name: str):  # noqa: ANN001, ANN202
    from sqlmodel import Session

    from assistant.core import db as dbmod

    other = dbmod.make_engine(f"sqlite:///{tmp_path / name}")
    dbmod.migrate(other)
    return Session(other, expire_on_commit=False)


def test_agenda_shared_notes_and_actions_round_trip_and_private_notes_never_leave(session, tmp_path):
    from assistant.domain.models import ActionItem, AgendaItem, PrivateNote

    _record_a_1on1(session)
    exported = export_org(session)
    text = yaml.safe_dump(exported, allow_unicode=True)
    assert PRIVATE not in text and "private" not in text
    entry = next(m for m in exported["meetings"] if m.get("agenda"))
    assert entry["notes"] == "Agreed: \u00e9t\u00e9 test on broad match."
    assert [a["text"] for a in entry["agenda"]] == ["Budget for the bakeware test", "TACOS, not ACOS"]
    assert [(a["owner"], a["due"], a["done"]) for a in entry["actions"]] == [
        ("ppc@t.test", "2026-09-19", False), ("growth-lead@t.test", None, True)]
    assert entry["actions"][1]["done_at"] and entry["actions"][1]["created_by"] == "ppc@t.test"

    with _fresh_session(tmp_path, "other.db") as s2:  # a fresh SQLite database from the export alone
        counts = import_org(s2, parse_org_text(text))
        s2.commit()
        assert (counts["agenda"], counts["actions"]) == (2, 2)
        assert export_org(s2) == exported
        assert s2.exec(select(PrivateNote)).all() == []
        assert len(s2.exec(select(AgendaItem)).all()) == 2 and len(s2.exec(select(ActionItem)).all()) == 2
        again = import_org(s2, parse_org_text(text))  # and a re-import is a no-op
        s2.commit()
        assert sum(again.values()) == 0, again


def test_a_file_without_the_keys_keeps_what_was_typed_on_the_web(session):
    from assistant.domain.models import ActionItem, AgendaItem, Meeting

    meeting_id = _record_a_1on1(session)
    counts = import_org(session, read_org_file(SMALL_ORG))  # the small org file says nothing of that 1:1
    session.commit()
    assert sum(counts.values()) == 0
    assert session.get(Meeting, meeting_id).notes.startswith("Agreed")
    assert len(session.exec(select(AgendaItem)).all()) == 2 and len(session.exec(select(ActionItem)).all()) == 2


def test_a_private_note_in_a_file_is_refused(session):
    text = (HEAD + "  - {email: b@t.test, name: B, role: R, manager: a@t.test}\nmeetings:\n"
            "  - {manager: a@t.test, report: b@t.test, date: 2026-09-15, private_notes: secret}\n")
    with pytest.raises(OrgFileError, match=r"meetings\[0\]\.private_notes"):
        parse_org_text(text)


MEETING_HEAD = (HEAD + "  - {email: b@t.test, name: B, role: R, manager: a@t.test}\n"
                "  - {email: c@t.test, name: C, role: R}\nmeetings:\n  - manager: a@t.test\n    report: b@t.test\n"
                "    date: 2026-09-15\n    notes: kept only if all of it loads\n")


@pytest.mark.parametrize(("tail", "path"), [
    ("    agenda: [{author: c@t.test, text: not in this 1:1}]\n", "meetings[0].agenda[0].author"),
    ("    actions: [{text: x, owner: c@t.test}]\n", "meetings[0].actions[0].owner"),
    ("    actions: [{text: x, owner: b@t.test, created_by: c@t.test}]\n", "meetings[0].actions[0].created_by"),
    ("    actions: [{text: '', owner: b@t.test}]\n", "meetings[0].actions[0].text"),
    ("    agenda: [{author: b@t.test, text: " + "x" * 501 + "}]\n", "meetings[0].agenda[0].text"),
], ids=["agenda author", "action owner", "action writer", "empty action", "long agenda item"])
def test_a_bad_1on1_entry_names_its_field_and_loads_nothing(session, tail, path):
    from assistant.domain.models import Meeting

    with pytest.raises(OrgFileError) as err:
        import_org(session, parse_org_text(MEETING_HEAD + tail))
    session.rollback()
    assert path in err.value.message, err.value.message
    assert _counts(session)["Person"] == 0 and session.exec(select(Meeting)).all() == []
