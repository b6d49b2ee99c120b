"""Stored assessments: computed when inputs change, read while their basis holds, never older than their inputs."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete, func
from sqlmodel import Session, select

from assistant.assessment import assess, stored
from assistant.domain.calendar import current_week
from assistant.domain.models import CheckIn, InputToken, KpiValue, Meeting, Outbox, Person, StoredAssessment
from assistant.domain.orgfile import import_org, read_org_file
from assistant.retrieval import drain_all
from assistant.settings import get_settings
from tests.conftest import ROOT

DEMO = ROOT / "demo" / "northwind.yaml"


@pytest.fixture
def demo(session, monkeypatch):
    monkeypatch.setenv("CADENCE_TODAY", "2026-10-11")
    get_settings.cache_clear()
    import_org(session, read_org_file(DEMO))
    session.commit()
    people = {p.email.split("@")[0]: p for p in session.exec(select(Person))}
    session.commit()  # end the read: a drain's writes are seen by the next transaction
    return people


def write_checkin(session: Session, person: Person, week: str, **fields: str) -> None:
    """This week's check-in, written over the one the demo has (or a new one)."""
    row = session.exec(select(CheckIn).where(CheckIn.person_id == person.id, CheckIn.week == week)).first()
    row = row or CheckIn(person_id=person.id, week=week)
    for k, v in fields.items():
        setattr(row, k, v)
    session.add(row)


def drained(session: Session, engine) -> None:  # noqa: ANN001
    drain_all(engine)
    session.commit()


def count(session: Session, model) -> int:  # noqa: ANN001
    return session.exec(select(func.count()).select_from(model)).one()


def test_the_drain_seeds_the_week_in_force_as_the_person_and_their_manager_see_it(session, engine, demo):
    drained(session, engine)
    ppc = demo["ppc"]
    week = current_week()
    assert stored.is_current(session, ppc.id, week, ppc.id)
    assert stored.is_current(session, ppc.id, week, ppc.manager_id)
    assert count(session, Outbox) == 0
    # what is read back is what assess computes, field for field
    manager = session.get(Person, ppc.manager_id)
    assert stored.assessment_for(session, ppc, week, viewer=manager) == assess(session, ppc, week, viewer=manager)


def test_a_checkin_makes_its_author_and_their_manager_stale_and_the_drain_brings_them_back(session, engine, demo):
    drained(session, engine)
    ppc = demo["ppc"]
    week, manager = current_week(), ppc.manager_id
    others = [p for p in demo.values() if p.id not in (ppc.id, manager)]
    write_checkin(session, ppc, week, wins="Paused two loss-making campaigns",
                  blockers="Waiting on finance to approve the Q4 budget")
    session.commit()
    assert not stored.is_current(session, ppc.id, week, ppc.id)
    assert not stored.is_current(session, manager, week, manager)
    assert all(stored.is_current(session, p.id, week, p.id) for p in others)
    out = stored.refresh_all(engine)
    session.commit()
    assert out["rows"] >= 3  # the author as self and as the manager sees them, the manager
    a = stored.assessment_for(session, ppc, week)
    assert any("finance" in t.latest_text for t in a.threads)
    assert stored.is_current(session, ppc.id, week, ppc.id)


def test_a_kpi_value_makes_every_assessment_stale(session, engine, demo):
    drained(session, engine)
    value = session.exec(select(KpiValue)).first()
    value.value += 1
    session.add(value)
    session.commit()
    assert not any(stored.is_current(session, p.id, current_week(), p.id) for p in demo.values())


def test_a_read_never_uses_a_stored_one_older_than_its_inputs(session, engine, demo):
    """No drain after the write: the read sees the basis moved and computes from the record."""
    drained(session, engine)
    ops = demo["ops-lead"]
    week = current_week()
    write_checkin(session, ops, week, blockers="The 3PL contract is stuck with legal")
    session.commit()
    a = stored.assessment_for(session, ops, week)
    assert any("3PL contract" in t.latest_text for t in a.threads)
    session.commit()
    assert stored.is_current(session, ops.id, week, ops.id)  # and that read stored it


def test_a_changed_rule_invalidates_stored_assessments(session, engine, demo, monkeypatch):
    drained(session, engine)
    ppc = demo["ppc"]
    assert stored.is_current(session, ppc.id, current_week(), ppc.id)
    monkeypatch.setattr(stored, "code_version", lambda: "another-rule")
    assert not stored.is_current(session, ppc.id, current_week(), ppc.id)
    assert len(stored.stale_keys(session)) == count(session, StoredAssessment)


def test_a_new_day_invalidates_them(session, engine, demo, monkeypatch):
    drained(session, engine)
    ppc = demo["ppc"]
    monkeypatch.setenv("CADENCE_TODAY", "2026-10-12")
    get_settings.cache_clear()
    assert not stored.is_current(session, ppc.id, "2026-W41", ppc.id)


def test_a_rolled_back_write_leaves_the_tokens_as_they_were(session, engine, demo):
    drained(session, engine)
    before = dict(session.exec(select(InputToken.person_id, InputToken.token)).all())
    write_checkin(session, demo["ppc"], current_week(), wins="never saved")
    session.flush()
    session.rollback()
    assert dict(session.exec(select(InputToken.person_id, InputToken.token)).all()) == before
    assert stored.is_current(session, demo["ppc"].id, current_week(), demo["ppc"].id)


def test_a_read_inside_a_writing_transaction_computes_but_stores_nothing(session, engine, demo):
    drained(session, engine)
    ppc = demo["ppc"]
    week = current_week()
    write_checkin(session, ppc, week, blockers="Amazon suspended the listing")
    session.flush()
    a = stored.assessment_for(session, ppc, week)
    assert any("suspended" in t.latest_text for t in a.threads)  # its own uncommitted write is read...
    session.rollback()
    assert not stored.is_current(session, ppc.id, week, ppc.id) or not any(  # ...and never stored as current
        "suspended" in t.latest_text for t in stored.assessment_for(session, ppc, week).threads)


def test_a_bulk_delete_through_the_session_touches_the_org(session, engine, demo):
    drained(session, engine)
    org = session.exec(select(InputToken.token).where(InputToken.person_id == 0)).one()
    session.execute(delete(Meeting).where(Meeting.date < date(2026, 7, 1)))
    session.commit()
    assert session.exec(select(InputToken.token).where(InputToken.person_id == 0)).one() != org


def test_an_import_queues_one_row_per_person_not_per_flush(session, demo):
    rows = session.exec(select(Outbox.entity_id).where(Outbox.entity == "assessment")).all()
    assert len(rows) == len(set(rows))


def test_rebuild_recomputes_the_week_in_force_and_drops_the_rest(session, engine, demo):
    drained(session, engine)
    ppc, founder = demo["ppc"], demo["founder"]
    stored.assessment_for(session, ppc, "2026-W38")  # an older week someone asked about
    stored.assessment_for(session, ppc, current_week(), viewer=founder)  # and the founder's view
    session.commit()
    out = stored.rebuild(engine)
    session.commit()
    keys = set(session.exec(select(StoredAssessment.person_id, StoredAssessment.week,
                                   StoredAssessment.viewer_id)).all())
    assert (ppc.id, current_week(), founder.id) in keys and (ppc.id, "2026-W38", ppc.id) not in keys
    assert out["rows"] == len(keys) and not stored.stale_keys(session)


def test_a_stale_past_week_is_dropped_not_recomputed(session, engine, demo):
    drained(session, engine)
    ppc = demo["ppc"]
    stored.assessment_for(session, ppc, "2026-W38")
    session.commit()
    write_checkin(session, ppc, "2026-W38", wins="Rewrote the W38 wins")
    session.commit()
    out = stored.refresh_all(engine)
    session.commit()
    assert _stored_weeks(session, ppc) == {current_week()}
    assert out["rows"] >= 2  # the week in force: ppc as self and as the manager sees them


def _stored_weeks(session: Session, person: Person) -> set[str]:
    return set(session.exec(select(StoredAssessment.week).where(StoredAssessment.person_id == person.id)).all())


def test_drafts_and_the_team_page_read_the_stored_assessment(session, engine, demo, monkeypatch):
    """Once the worker has run, a brief, feedback and the Team rows compute no assessment at all."""
    from assistant.drafting.kinds import brief, feedback
    from assistant.web.team_view import team_rows

    drained(session, engine)

    def no_compute(*_a, **_k):  # noqa: ANN202
        raise AssertionError("computed an assessment a stored one should have answered")

    monkeypatch.setattr(stored, "assess", no_compute)
    ppc, lead = demo["ppc"], demo["growth-lead"]
    assert brief.gather(session, lead, ppc, current_week()).assessment.person_id == ppc.id
    assert feedback.gather(session, ppc, ppc, current_week()).assessment.person_id == ppc.id
    assert team_rows(session, lead, current_week())


def test_the_goals_audit_is_kept_until_a_kpi_changes(session, engine, demo, monkeypatch):
    from assistant.drafting.kinds import goals

    drained(session, engine)
    founder, ppc = demo["founder"], demo["ppc"]
    first = goals.gather(session, founder, ppc, "2026-Q4").context["facts"]["flags"]
    session.commit()

    def no_audit(*_a, **_k):  # noqa: ANN202
        raise AssertionError("audited again while nothing it reads changed")

    monkeypatch.setattr(stored, "audit_visible", no_audit)
    assert goals.gather(session, founder, ppc, "2026-Q4").context["facts"]["flags"] == first
    session.commit()
    value = session.exec(select(KpiValue)).first()
    value.value += 1
    session.add(value)
    session.commit()
    with pytest.raises(AssertionError, match="audited again"):
        goals.gather(session, founder, ppc, "2026-Q4")  # a value changed: the audit is read again
