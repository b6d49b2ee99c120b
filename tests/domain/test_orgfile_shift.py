"""Moving an org file in time: the demo's latest week becomes the week asked for."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from assistant.domain.calendar import iso_week_monday
from assistant.domain.models import CheckIn, KpiValue, Meeting, RoleGoal
from assistant.domain.orgfile import import_org, read_org_file
from assistant.domain.orgfile.shift import Shift, dated_weeks, shift_org, shift_to_week
from tests.conftest import ROOT

DEMO = ROOT / "demo" / "northwind.yaml"


def test_latest_week_lands_on_the_target_and_everything_moves_by_the_same_weeks():
    org = read_org_file(DEMO)
    moved, shift = shift_to_week(org, "2026-W49")
    assert (shift.weeks, shift.quarters) == (8, 0)
    assert dated_weeks(org)[-1] == "2026-W41" and dated_weeks(moved)[-1] == "2026-W49"
    assert dated_weeks(moved)[0] == "2026-W38"
    delta = timedelta(weeks=8)
    for before, after in zip(org.kpis, moved.kpis, strict=True):
        assert [v.period + delta for v in before.values] == [v.period for v in after.values]
        assert [v.value for v in before.values] == [v.value for v in after.values]
    for before, after in zip(org.meetings, moved.meetings, strict=True):
        assert after.date == before.date + delta and after.date.weekday() == before.date.weekday()
        assert (after.status, after.minutes) == (before.status, before.minutes)
    for before, after in zip(org.checkins, moved.checkins, strict=True):
        assert iso_week_monday(after.week) == iso_week_monday(before.week) + delta
        assert (after.wins, after.metrics) == (before.wins, before.metrics)
    assert all(v.period.weekday() == 0 for k in moved.kpis for v in k.values)  # still Mondays
    assert [g.quarter for g in moved.goals] == [g.quarter for g in org.goals]
    assert "2026-W30..2026-W41 -> 2026-W38..2026-W49" in shift.summary()


def test_the_file_and_the_parsed_org_are_left_as_they_were():
    text = DEMO.read_text(encoding="utf-8")
    org = read_org_file(DEMO)
    before = org.model_dump()
    shift_to_week(org, "2027-W20")
    assert org.model_dump() == before
    assert DEMO.read_text(encoding="utf-8") == text


def test_quarters_move_by_whole_quarters_with_the_latest_week():
    org = read_org_file(DEMO)
    moved, shift = shift_to_week(org, "2027-W20")  # 2027-05-17: Q2, two quarters after 2026-Q4
    assert (shift.weeks, shift.quarters) == (32, 2)
    assert [q.id for q in moved.quarters] == ["2027-Q1", "2027-Q2"]
    assert {g.quarter for g in moved.goals} == {"2027-Q1", "2027-Q2"}
    assert [o.id for o in moved.quarters[1].objectives] == [o.id for o in org.quarters[1].objectives]
    assert "quarters +2" in shift.summary()


def test_a_move_back_and_into_a_53_week_year():
    org = read_org_file(DEMO)
    back, shift = shift_to_week(org, "2026-W35")
    assert shift.weeks == -6 and dated_weeks(back)[-1] == "2026-W35" and "back 6 week(s)" in shift.summary()
    late, _ = shift_to_week(org, "2026-W53")  # 2026 has 53 ISO weeks
    assert dated_weeks(late)[-1] == "2026-W53"
    again, _ = shift_to_week(late, "2027-W01")
    assert dated_weeks(again)[-1] == "2027-W01" and dated_weeks(again)[0] == "2026-W43"


def test_no_move_gives_an_equal_copy():
    org = read_org_file(DEMO)
    same, shift = shift_to_week(org, "2026-W41")
    assert shift.weeks == 0 and same == org and same is not org
    assert "kept as they are" in shift.summary()
    assert shift_org(org, Shift(0, 0)) == org


def test_the_moved_demo_imports_with_every_record(session):
    org = read_org_file(DEMO)
    moved, _ = shift_to_week(org, "2026-W49")
    import_org(session, moved)
    session.commit()
    weeks = set(session.exec(select(CheckIn.week)).all())
    assert max(weeks, key=iso_week_monday) == "2026-W49" and "2026-W30" not in weeks
    assert len(session.exec(select(KpiValue)).all()) == sum(len(k.values) for k in org.kpis)
    assert len(session.exec(select(Meeting)).all()) == len(org.meetings)
    assert len(session.exec(select(RoleGoal)).all()) == len(org.goals)
