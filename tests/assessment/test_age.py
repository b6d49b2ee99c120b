"""The data's age: the week in force is the clock's, and a stale record says how old it is."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.assessment import assess
from assistant.assessment.age import ago, data_age
from assistant.domain.models import CheckIn, Kpi, KpiValue, Person
from assistant.settings import get_settings


@pytest.fixture
def today(monkeypatch):
    def pin(day: str) -> None:
        monkeypatch.setenv("CADENCE_TODAY", day)
        get_settings.cache_clear()
    pin("2026-12-02")  # 2026-W49
    return pin


@pytest.fixture
def ana(session):
    p = Person(email="ana@a.test", name="Ana Stock", role="Supply chain manager")
    session.add(p)
    session.commit()
    return p


def kpi(session, owner: Person, key: str, frequency: str, values: dict[str, float]) -> Kpi:
    k = Kpi(key=key, owner_id=owner.id, name=key, frequency=frequency, target=1)
    session.add(k)
    session.commit()
    session.add_all([KpiValue(kpi_id=k.id, period=date.fromisoformat(d), value=v) for d, v in values.items()])
    session.commit()
    return k


def test_ago_in_words():
    assert [ago(n) for n in (0, 1, 2, 3, 8, 12, 13)] == [
        "this week", "last week", "two weeks ago", "three weeks ago", "eight weeks ago", "twelve weeks ago",
        "13 weeks ago"]


def test_the_week_in_force_is_the_clocks_and_an_old_check_in_is_said(session, ana, today):
    session.add_all([CheckIn(person_id=ana.id, week="2026-W41", wins="a"),
                     CheckIn(person_id=ana.id, week="2026-W46", wins="b")])
    session.commit()
    kpi(session, ana, "supply-ipi", "weekly", {"2026-11-16": 470, "2026-11-23": 480})  # W47, W48: current
    a = assess(session, ana)
    assert a.week == a.age.week == a.age.current_week == "2026-W49"
    assert a.age.last_checkin_week == "2026-W46" and a.age.checkin_weeks_ago == 3 and a.age.stale
    assert a.age.notes == ["last check-in 2026-W46, three weeks ago"]
    assert a.age.last_kpi_period == date(2026, 11, 23) and a.age.kpi_weeks_ago == 1
    today("2026-11-18")  # W47: last week's check-in is still current
    fresh = assess(session, ana)
    assert fresh.week == "2026-W47" and not fresh.age.stale and fresh.age.notes == []
    assert fresh.age.checkin_weeks_ago == 1 and fresh.age.last_kpi_period == date(2026, 11, 16)


def test_a_week_asked_for_is_judged_as_of_itself(session, ana, today):
    session.add(CheckIn(person_id=ana.id, week="2026-W41", wins="a"))
    session.commit()
    past = data_age(session, ana, "2026-W41")
    assert past.week == "2026-W41" and past.current_week == "2026-W49"
    assert past.checkin_weeks_ago == 0 and not past.stale
    now = data_age(session, ana, "2026-W49")
    assert now.stale and now.notes == ["last check-in 2026-W41, eight weeks ago"]


def test_kpi_values_lag_by_how_often_they_are_reported(session, ana, today):
    session.add(CheckIn(person_id=ana.id, week="2026-W49", wins="a"))
    session.commit()
    kpi(session, ana, "supply-stockout", "weekly", {"2026-11-02": 4.1})  # W45: four weeks old
    age = data_age(session, ana, "2026-W49")
    assert age.stale and age.kpi_weeks_ago == 4
    assert age.notes == ["no KPI value since 2026-11-02, four weeks ago"]
    kpi(session, ana, "supply-turns", "monthly", {"2026-11-01": 5.0})  # November's: current for a monthly KPI
    age = data_age(session, ana, "2026-W49")
    assert not age.stale and age.notes == []


def test_values_after_the_week_and_kpis_without_values(session, ana, today):
    session.add(CheckIn(person_id=ana.id, week="2026-W40", wins="a"))
    session.commit()
    kpi(session, ana, "supply-ipi", "weekly", {"2026-11-30": 500})  # W49: after the week asked for
    age = data_age(session, ana, "2026-W40")
    assert age.last_kpi_period is None and age.stale and age.notes == ["no KPI value on record up to 2026-W40"]


def test_nobody_with_nothing_on_record(session, ana, today):
    age = data_age(session, ana, "2026-W49")
    assert age.stale and age.notes == ["no check-in on record up to 2026-W49"]  # no KPIs: nothing to say of them
