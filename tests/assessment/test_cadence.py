"""Cadence: one set of 1:1 and check-in numbers, slipping only when the rhythm broke, a manager's rhythm."""

from __future__ import annotations

from datetime import timedelta

import pytest

from assistant.assessment.cadence import cadence_reading, manager_rhythm, missed_since, recent_meetings, usual_interval
from assistant.assessment.model import BlockerThread, WaitsOn
from assistant.domain.calendar import iso_week_monday, weeks_back
from assistant.domain.models import CheckIn, Meeting, Person
from assistant.settings import get_settings

NOW = "2026-W49"  # CADENCE_TODAY 2026-12-02, a Wednesday


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setenv("CADENCE_TODAY", "2026-12-02")
    get_settings.cache_clear()


@pytest.fixture
def team(session):
    lead = Person(email="lead@c.test", name="Lena Lead", role="Operations lead", access="manager")
    session.add(lead)
    session.commit()
    ana = Person(email="ana@c.test", name="Ana Stock", role="Supply chain manager", manager_id=lead.id)
    ben = Person(email="ben@c.test", name="Ben Help", role="Customer support lead", manager_id=lead.id)
    session.add_all([ana, ben])
    session.commit()
    return lead, ana, ben


def meet(session, manager: Person, report: Person, week: str, status: str = "held", minutes: int = 30) -> Meeting:
    m = Meeting(manager_id=manager.id, report_id=report.id, date=iso_week_monday(week) + timedelta(days=1),
                status=status, minutes=minutes if status != "cancelled" else None)
    session.add(m)
    session.commit()
    return m


def weekly(session, manager: Person, report: Person, weeks: list[str], statuses: dict[str, str] | None = None):
    return [meet(session, manager, report, w, (statuses or {}).get(w, "held")) for w in weeks]


def test_the_numbers_over_the_lookback_with_dates_and_sources(session, team):
    lead, ana, _ = team
    weeks = weeks_back(NOW, 12)
    ms = weekly(session, lead, ana, weeks, {"2026-W40": "cancelled", "2026-W44": "rushed"})
    meet(session, lead, ana, "2026-W30")  # before the lookback: not counted
    session.add(Meeting(manager_id=lead.id, report_id=ana.id, date=iso_week_monday(NOW) + timedelta(days=3),
                        status="scheduled"))
    session.commit()
    c = cadence_reading(session, ana, NOW)
    assert (c.first_week, c.last_week, c.weeks) == ("2026-W38", NOW, 12)
    assert (c.held, c.cancelled, c.rushed) == (10, 1, 1)
    assert [m.date for m in c.meetings] == [m.date for m in ms] and c.meetings[2].status == "cancelled"
    assert c.last_held == ms[-1].date and c.last_status == "held" and c.weeks_since_held == 0
    assert c.interval_weeks == 1 and c.missed_in_a_row == 0 and not c.slipping
    assert c.sources == [f"meeting:{m.id}" for m in ms]


def test_one_missed_weekly_meeting_is_not_slipping_two_in_a_row_are(session, team):
    lead, ana, ben = team
    weekly(session, lead, ana, weeks_back("2026-W48", 8), {"2026-W48": "cancelled"})
    one = cadence_reading(session, ana, NOW)
    assert one.cancelled == 1 and one.weeks_since_held == 2 and one.missed_in_a_row == 1
    assert not one.slipping  # the W48 1:1 fell through once; this week's may still happen
    weekly(session, lead, ben, weeks_back("2026-W48", 8), {"2026-W47": "cancelled", "2026-W48": "cancelled"})
    two = cadence_reading(session, ben, NOW)
    assert two.weeks_since_held == 3 and two.missed_in_a_row == 2 and two.slipping


def test_this_weeks_1_1_on_record_as_cancelled_counts_as_missed(session, team):
    lead, ana, _ = team
    weekly(session, lead, ana, weeks_back(NOW, 8), {"2026-W48": "cancelled", NOW: "cancelled"})
    c = cadence_reading(session, ana, NOW)
    assert c.weeks_since_held == 2 and c.missed_in_a_row == 2 and c.slipping


def test_cancel_hold_cancel_is_slipping_without_a_streak(session, team):
    """Two of the last three weekly 1:1s cancelled, one held between them: no two missed in a row,
    only two cancelled in the quarter, and still a rhythm breaking (found reading an own org's brief)."""
    lead, ana, ben = team
    weekly(session, lead, ana, weeks_back("2026-W48", 8), {"2026-W46": "cancelled", "2026-W48": "cancelled"})
    c = cadence_reading(session, ana, NOW)
    assert c.cancelled == 2 and c.missed_in_a_row == 1 and c.slipping
    weekly(session, lead, ben, weeks_back("2026-W48", 8), {"2026-W43": "cancelled", "2026-W46": "cancelled"})
    assert not cadence_reading(session, ben, NOW).slipping  # two cancelled weeks apart: weeks off


def test_a_fortnightly_rhythm_skipped_once_is_not_slipping(session, team):
    lead, ana, _ = team
    for w in ("2026-W37", "2026-W39", "2026-W41", "2026-W43", "2026-W45", "2026-W47"):
        meet(session, lead, ana, w)
    assert usual_interval(recent_meetings(session, ana, NOW)) == 2
    # W49's 1:1 did not happen: in W50 that is one missed meeting, three weeks since the last.
    later = cadence_reading(session, ana, "2026-W50")
    assert later.weeks_since_held == 3 and later.missed_in_a_row == 1 and not later.slipping
    assert not cadence_reading(session, ana, "2026-W51").slipping  # W51's may still happen
    gone = cadence_reading(session, ana, "2026-W52")  # W49 and W51 both missed
    assert gone.weeks_since_held == 5 and gone.missed_in_a_row == 2 and gone.slipping


def test_cancelled_and_rushed_add_up_to_slipping(session, team):
    lead, ana, _ = team
    weekly(session, lead, ana, weeks_back(NOW, 12),
           {"2026-W39": "cancelled", "2026-W43": "rushed", "2026-W47": "cancelled"})
    c = cadence_reading(session, ana, NOW)
    assert (c.cancelled, c.rushed, c.weeks_since_held) == (2, 1, 0) and c.slipping


def test_a_rushed_meeting_took_place_and_says_so(session, team):
    lead, ana, _ = team
    weekly(session, lead, ana, ["2026-W46", "2026-W47"])
    rushed = meet(session, lead, ana, "2026-W48", "rushed", 7)
    c = cadence_reading(session, ana, NOW)
    assert c.last_held == rushed.date and c.last_status == "rushed" and c.weeks_since_held == 1


def test_the_streak_reaches_past_the_lookback_and_nothing_on_record_is_none(session, team):
    lead, ana, ben = team
    weekly(session, lead, ana, ["2026-W33", "2026-W34", "2026-W35"])
    c = cadence_reading(session, ana, NOW)
    assert c.held == 0 and c.meetings == [] and c.weeks_since_held == 14 and c.slipping
    assert c.sources  # the last 1:1 it counts from is cited, though older than the lookback
    # Eight cancelled in a row: the last 1:1 that happened is found behind them.
    weekly(session, lead, ben, weeks_back(NOW, 9), {w: "cancelled" for w in weeks_back(NOW, 8)})
    ben_c = cadence_reading(session, ben, NOW)
    assert ben_c.last_held == iso_week_monday("2026-W41") + timedelta(days=1) and ben_c.weeks_since_held == 8
    assert ben_c.cancelled == 8 and ben_c.slipping
    nobody = Person(email="cy@c.test", name="Cy New", role="Creative strategist", manager_id=lead.id)
    session.add(nobody)
    session.commit()
    none = cadence_reading(session, nobody, NOW)
    assert none.weeks_since_held is None and none.last_held is None and not none.slipping


def test_weeks_without_a_check_in_leave_out_the_running_week(session, team):
    _, ana, _ = team
    for w in ("2026-W44", "2026-W45", "2026-W47"):
        session.add(CheckIn(person_id=ana.id, week=w, wins="x"))
    session.commit()
    now = cadence_reading(session, ana, NOW)
    assert now.missing_checkin_weeks == ["2026-W46", "2026-W48"]  # not before the first; W49 is not over
    past = cadence_reading(session, ana, "2026-W48")  # a week asked for that is over
    assert past.missing_checkin_weeks == ["2026-W46", "2026-W48"]


def test_missed_since_counts_the_rhythm_not_the_weeks():
    assert [missed_since(n, 1) for n in (None, 0, 1, 2, 3, 5)] == [0, 0, 0, 1, 2, 4]
    assert [missed_since(n, 2) for n in (1, 2, 3, 4, 5)] == [0, 0, 1, 1, 2]


def thread(label: str, weeks: list[str], waits_on: Person | None, status: str = "open") -> BlockerThread:
    return BlockerThread(label=label, latest_text=label, first_week=weeks[0], last_week=weeks[-1], weeks=weeks,
                         times=len(weeks), weeks_open=len(weeks) - 1 if status == "open" else 0, status=status,
                         waits_on=[WaitsOn(person_id=waits_on.id, name=waits_on.name, is_manager=True)]
                         if waits_on else [], sources=[f"checkin:{i}" for i in range(len(weeks))])


def test_a_managers_rhythm_per_report_and_the_blockers_waiting_on_them(session, team):
    lead, ana, ben = team
    weekly(session, lead, ana, weeks_back(NOW, 12))
    weekly(session, lead, ben, weeks_back(NOW, 12), {"2026-W45": "cancelled"})
    fresh = {ana.id: [thread("Air-freight call for PO-2291", [NOW], lead)]}
    r = manager_rhythm(session, lead, NOW, fresh)
    assert [(x.name, x.held, x.cancelled, x.rushed, x.weeks_since_held) for x in r.reports] == [
        ("Ana Stock", 12, 0, 0, 0), ("Ben Help", 11, 1, 0, 0)]
    assert (r.held, r.cancelled, r.rushed) == (23, 1, 0)
    assert [(w.name, w.label) for w in r.waiting_on_them] == [("Ana Stock", "Air-freight call for PO-2291")]
    assert not r.poor  # one missed 1:1 and a blocker raised this week are not a failing rhythm
    waited = {ana.id: [thread("Air-freight call for PO-2291", ["2026-W47", "2026-W48", NOW], lead),
                       thread("Old supplier issue", ["2026-W40", "2026-W41"], lead, status="resolved"),
                       thread("Carrier slot", ["2026-W48", NOW], None)]}
    r = manager_rhythm(session, lead, NOW, waited)
    assert [w.weeks_open for w in r.waiting_on_them] == [2] and r.poor


def test_a_manager_whose_reports_1_1s_slip_is_poor_and_numbers_match_the_reports_own(session, team):
    lead, ana, ben = team
    weekly(session, lead, ana, weeks_back(NOW, 12), {w: "cancelled" for w in weeks_back(NOW, 5)})
    weekly(session, lead, ben, weeks_back(NOW, 12))
    r = manager_rhythm(session, lead, NOW)
    own = cadence_reading(session, ana, NOW)
    ana_row = r.reports[0]
    assert (ana_row.held, ana_row.cancelled, ana_row.weeks_since_held, ana_row.slipping) == (
        own.held, own.cancelled, own.weeks_since_held, own.slipping) == (7, 5, 5, True)
    assert r.poor and not r.reports[1].slipping
    assert manager_rhythm(session, ana, NOW) is None  # nobody reports to her
