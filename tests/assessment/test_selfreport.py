"""Self-report vs data as runs: five weeks marked on track while off target are one run, not two weeks."""

from __future__ import annotations

from assistant.assessment.kpis import kpi_readings
from assistant.assessment.selfreport import self_report_runs
from assistant.domain.team import person_by_email
from tests.assessment.kpi_org import LEAD, ME, kpi, load, load_demo

NOW = "2026-W42"
TACOS = [9.8, 10.0, 11.8, 12.1, 12.5, 12.8, 13.1]  # W36..W42: off target from W38


def _runs(session, marks: dict[str, str], values=TACOS, *, viewer=None, **kw):
    who = load(session, kpis=[kpi("tacos", "TACOS (ad spend / total sales)", values, direction="down", target=10,
                                  until=NOW)],
               checkins=[{"week": w, "wins": "Moved budget to exact match", "metrics": {"tacos": said}}
                         for w, said in marks.items()])
    me = who()
    viewer = (viewer or (lambda w: w()))(who)
    return self_report_runs(session, me, NOW, kpi_readings(session, me, NOW, viewer), **kw)


def test_five_weeks_marked_on_track_are_one_run(session):
    weeks = ["2026-W38", "2026-W39", "2026-W40", "2026-W41", "2026-W42"]
    (run,) = _runs(session, {w: "on_track" for w in weeks})
    assert (run.kpi, run.said, run.kind) == ("tacos", "on_track", "optimistic")
    assert (run.first_week, run.last_week, run.weeks) == ("2026-W38", "2026-W42", weeks)
    assert (run.from_value, run.to_value, run.target, run.unit) == (11.8, 13.1, 10, "percent")
    assert len([s for s in run.sources if s.startswith("checkin:")]) == 5
    assert "kpi:tacos@2026-09-14" in run.sources and "kpi:tacos@2026-10-12" in run.sources


def test_a_week_without_a_checkin_splits_the_run(session):
    runs = _runs(session, {w: "on_track" for w in ("2026-W38", "2026-W39", "2026-W41", "2026-W42")})
    assert [(r.first_week, r.last_week, r.from_value, r.to_value) for r in runs] == [
        ("2026-W41", "2026-W42", 12.8, 13.1), ("2026-W38", "2026-W39", 11.8, 12.1)]  # the latest first


def test_an_honest_mark_splits_the_run_and_on_track_weeks_are_no_mismatch(session):
    marks = {"2026-W36": "on_track", "2026-W37": "on_track", "2026-W38": "on_track", "2026-W39": "on_track",
             "2026-W40": "off_track", "2026-W41": "on_track", "2026-W42": "on_track"}
    runs = _runs(session, marks)
    # W36 (9.8) and W37 (10.0, on the target) were on track; W40 was marked off track, as it was
    assert [(r.first_week, r.last_week) for r in runs] == [("2026-W41", "2026-W42"), ("2026-W38", "2026-W39")]


def test_pessimistic_and_unclear_runs(session):
    values = [12.0, 11.5, 9.0, 8.8, 8.6, 8.5, 8.4]  # on target from W38
    marks = {"2026-W38": "off_track", "2026-W39": "off_track", "2026-W40": "off_track"}
    (run,) = _runs(session, marks, values)
    assert (run.kind, run.first_week, run.last_week, run.from_value, run.to_value) == (
        "pessimistic", "2026-W38", "2026-W40", 9.0, 8.6)


def test_unclear_counts_only_when_asked(session):
    marks = {"2026-W40": "unclear", "2026-W41": "unclear", "2026-W42": "on_track"}
    assert [r.kind for r in _runs(session, marks)] == ["optimistic"]


def test_unclear_runs_when_asked(session):
    marks = {"2026-W40": "unclear", "2026-W41": "unclear", "2026-W42": "on_track"}
    runs = _runs(session, marks, include_unclear=True)
    assert sorted((r.kind, r.first_week, r.last_week) for r in runs) == [
        ("optimistic", "2026-W42", "2026-W42"), ("unclear", "2026-W40", "2026-W41")]


def test_only_kpis_in_the_readings_are_read(session):
    """The readings are what the viewer may see: a KPI left out of them has no run either."""
    marks = {"2026-W41": "on_track", "2026-W42": "on_track"}
    assert len(_runs(session, marks, viewer=lambda who: who(LEAD))) == 1  # the manager sees it
    me = person_by_email(session, ME)
    assert self_report_runs(session, me, NOW, []) == []


def test_the_demo_runs(session):
    support = load_demo(session)("support@northwind.test")
    runs = self_report_runs(session, support, "2026-W41", kpi_readings(session, support, "2026-W41", support))
    fcr = [r for r in runs if r.kpi == "support-fcr"]
    assert [(r.first_week, r.last_week, r.from_value, r.to_value, r.target) for r in fcr] == [
        ("2026-W40", "2026-W40", 61.0, 61.0, 75.0)]
