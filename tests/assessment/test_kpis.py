"""KPI readings: the audit's verdict on every reading, a gamed KPI's guardrail beside it, the run on
or off target, and one trend rule shared with the KPI status the pages read."""

from __future__ import annotations

import re

from sqlmodel import select

from assistant.analysis.kpi import kpi_status
from assistant.assessment.kpis import current_run, kpi_readings
from assistant.assessment.wins import kpi_win
from assistant.domain.models import Person
from tests.assessment.kpi_org import FOUNDER, LEAD, WEEK, kpi, load, load_demo, monday
from tests.assessment.test_trend import pts

DEMO_WEEK = "2026-W41"


def test_every_demo_reading_carries_its_audit_verdict(session):
    who = load_demo(session)
    ppc, creative = who("ppc@northwind.test"), who("creative@northwind.test")
    acos = {r.key: r for r in kpi_readings(session, ppc, DEMO_WEEK, ppc)}["ppc-acos"]
    assert acos.verdict == "gamed" and "gamed" in acos.flags
    assert acos.trend.label == "improving"  # the number did improve: the verdict says what it is worth
    # the guardrail's movement beside it: worsening, with the points it cites
    g = acos.guardrail
    assert g is not None and g.key == "ppc-tacos" and g.worsened and g.trend.label == "worsening"
    assert (g.trend.start.value, g.trend.end.value) == (12.3, 13.5) and g.value == 13.5
    assert g.sources == ["kpi:ppc-tacos@2026-09-14", "kpi:ppc-tacos@2026-10-05"]
    assert not kpi_win(acos)
    impressions = {r.key: r for r in kpi_readings(session, creative, DEMO_WEEK, creative)}["creative-impressions"]
    assert impressions.verdict == "vanity" and impressions.audit_reason and impressions.suggestion
    assert impressions.trend.label == "improving" and not kpi_win(impressions)


def test_the_gamed_reason_states_the_change_between_its_cited_points(session):
    ppc = load_demo(session)("ppc@northwind.test")
    acos = {r.key: r for r in kpi_readings(session, ppc, DEMO_WEEK, ppc)}["ppc-acos"]
    reason = acos.audit_reason
    assert "fell from 32.1% on 2026-07-20 to 21.9% on 2026-10-05 (31.8% better)" in reason
    assert "TACOS (ad spend / total sales) rose from 9% to 13.5% (50.0% worse)" in reason
    # every percentage in it is the change between the two values it cites
    for a, b, p in re.findall(r"from ([\d.]+)%(?: on \S+)? to ([\d.]+)%(?: on \S+)? \(([\d.]+)%", reason):
        assert abs(100 * abs(float(b) - float(a)) / float(a) - float(p)) < 0.05
    finding = next(f for f in acos.findings if f.code == "gamed")
    assert "kpi:ppc-acos@2026-07-20" in finding.sources and "kpi:ppc-tacos@2026-10-05" in finding.sources


def test_a_healthy_kpi_with_a_guardrail_holding(session):
    who = load(session, role="Amazon account manager", kpis=[
        kpi("cvr", "Listing conversion rate", [11.5, 11.8, 11.6, 12.0, 12.4, 12.9, 13.5, 14.0], target=13,
            guardrail="rr"),
        kpi("rr", "Return rate", [3.9, 4.1, 4.0, 3.9, 4.0, 3.9, 4.1, 4.0], direction="down", target=4.5,
            tier="secondary"),
    ])
    me = who()
    cvr, rr = kpi_readings(session, me, WEEK, me)
    assert (cvr.key, rr.key) == ("cvr", "rr")  # primary first
    assert cvr.verdict == "healthy" and cvr.trend.label == "improving"
    assert cvr.guardrail.key == "rr" and cvr.guardrail.trend.label == "flat" and not cvr.guardrail.worsened
    assert kpi_win(cvr)
    assert cvr.sources == ["kpi:cvr@2026-11-09", "kpi:cvr@2026-10-19"]  # latest and the trend's start


def test_the_run_on_or_off_target():
    run = current_run("k", pts(9, 11, 12, 12.5, 13), 10, "down")
    assert (run.on_target, run.points, run.since) == (False, 4, pts(9, 11)[1].period)
    assert run.sources == ["kpi:k@2026-07-13", "kpi:k@2026-08-03"]
    run = current_run("k", pts(12, 11, 9, 8), 10, "down")
    assert (run.on_target, run.points) == (True, 2)
    assert current_run("k", pts(1, 2), None, "up") is None and current_run("k", [], 3, "up") is None
    assert current_run("k", pts(5, 5, 5), 5, "up").points == 3  # meeting the target exactly is on it


def test_the_reading_and_the_run_are_as_of_the_week(session):
    who = load(session, kpis=[kpi("tacos", "TACOS", [9.0, 9.5, 10.5, 11.0, 11.8, 12.4], direction="down",
                                  target=10)])
    me = who()
    (r,) = kpi_readings(session, me, "2026-W44", me)  # two weeks before the last value
    assert (r.value, r.period) == (11.0, monday("2026-W44"))
    assert r.series[-1].period == monday("2026-W44") and r.run.points == 2 and r.run.on_target is False


def test_a_kpi_outside_the_viewers_view_is_not_read(session):
    who = load(session, kpis=[kpi("mine", "ACOS", [30, 28], direction="down", target=25),
                              kpi("lead-cm", "Contribution margin", [20, 21], owner=LEAD, target=22)])
    me, lead = who(), who(LEAD)
    assert [r.key for r in kpi_readings(session, lead, WEEK, me)] == []  # a member cannot see their manager's
    assert [r.key for r in kpi_readings(session, lead, WEEK, who(FOUNDER))] == ["lead-cm"]
    assert [r.key for r in kpi_readings(session, me, WEEK, lead)] == ["mine"]


def test_the_kpi_status_pages_read_uses_the_same_trend(session):
    """Nothing labels a move by another rule: the status each page shows is the assessment's label."""
    load_demo(session)
    words = {"improving": "better", "worsening": "worse", "flat": "flat"}
    people = session.exec(select(Person)).all()
    seen = set()
    for week in ("2026-W36", "2026-W39", DEMO_WEEK):
        for p in people:
            readings = {r.key: r for r in kpi_readings(session, p, week, p)}
            for st in kpi_status(session, p, week):
                r = readings[st.key]
                assert st.trend == words.get(r.trend.label), (week, st.key)
                if r.trend.start is not None:
                    assert (st.change_from_period, st.change_from_value) == (r.trend.start.period,
                                                                             r.trend.start.value)
                    assert st.change == r.trend.change and st.change_pct == r.trend.change_pct
                seen.add(r.trend.label)
    assert {"improving", "worsening", "flat"} <= seen


def test_the_verdict_is_as_of_the_week_too(session):
    """The audit of an earlier week reads only the values up to it: two weeks of ACOS cannot show gaming."""
    ppc = load_demo(session)("ppc@northwind.test")
    early = {r.key: r for r in kpi_readings(session, ppc, "2026-W31", ppc)}["ppc-acos"]
    assert len(early.series) == 2 and early.verdict != "gamed" and early.audit_reason is None
    assert {r.key: r for r in kpi_readings(session, ppc, DEMO_WEEK, ppc)}["ppc-acos"].verdict == "gamed"
