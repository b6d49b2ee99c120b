"""Check-in quality on content: empty is a signal, a blocker names who or what decision, a priority
is tied to a KPI or a date; no KPI or no manager is said so."""

from __future__ import annotations

import pytest

from assistant.assessment.model import KpiReading
from assistant.assessment.quality import checkin_quality, near_empty
from assistant.assessment.threads import people_named
from assistant.domain.models import CheckIn, Person

TACOS = KpiReading(key="ppc-tacos", name="TACOS (ad spend / total sales)", unit="percent", direction="down",
                   tier="primary")
NTB = KpiReading(key="ppc-ntb", name="New-to-brand share of ad orders", unit="percent", direction="up",
                 tier="secondary")


@pytest.fixture
def org(session):
    founder = Person(email="f@q.test", name="Maya Lind", role="Founder and CEO", access="founder")
    session.add(founder)
    session.flush()
    fin = Person(email="fin@q.test", name="Sam Ortiz", role="Finance manager", manager_id=founder.id)
    lead = Person(email="lead@q.test", name="Daniel Okafor", role="Head of Growth", manager_id=founder.id)
    session.add_all([fin, lead])
    session.flush()
    ppc = Person(email="ppc@q.test", name="Tomás Herrera", role="PPC specialist", manager_id=lead.id)
    session.add(ppc)
    session.flush()
    return {"founder": founder, "ppc": ppc}


def judge(session, person, readings=(TACOS, NTB), week="2026-W45", **fields):
    c = CheckIn(person_id=person.id, week=week, **fields)
    session.add(c)
    session.flush()
    return checkin_quality(session, person, c, list(readings), people_named(session, person, c.blockers or ""))


@pytest.mark.parametrize("wins,priorities", [("", ""), ("-", "n/a"), ("Busy week", "Same as last week"),
                                             ("Stuff", "Working on it")])
def test_an_empty_or_near_empty_checkin_is_a_signal(session, org, wins, priorities):
    q = judge(session, org["ppc"], wins=wins, priorities=priorities, blockers="")
    assert q.filed and q.empty
    assert (q.wins.label, q.priorities.label, q.blockers.label) == ("empty", "empty", "none")


def test_a_checkin_with_content_is_not_empty(session, org):
    q = judge(session, org["ppc"], wins="Cut TACOS to 11.8% by pausing the broad bakeware campaigns.",
              priorities="Get TACOS under 11% by Friday\nTest two new-to-brand audiences", blockers="")
    assert not q.empty and q.wins.label == "outcome" and q.wins.kpis == ["ppc-tacos"]
    assert q.priorities.label == "tied_and_dated" and q.priorities.kpis == ["ppc-tacos", "ppc-ntb"]
    assert not near_empty("Shipped PO-2291") and near_empty("ok")


@pytest.mark.parametrize("wins,label", [
    ("Dutch oven now #14 for 'enameled dutch oven' (was #19).", "outcome"),  # a figure against an earlier one
    ("Days-of-cover sheet live and shared.", "outcome"),
    ("Answered tickets and attended the planning meetings.", "activity"),
    ("ACOS 21.9%, the lowest we have ever had.", "flagged_kpi"),  # a result on a gamed KPI is no result to praise
    ("ACOS down to 22% and TACOS down to 11%.", "outcome"),  # a healthy KPI moved too
])
def test_wins_judged_on_what_they_rest_on(session, org, wins, label):
    acos = KpiReading(key="ppc-acos", name="ACOS (ad spend / ad-attributed sales)", unit="percent",
                      direction="down", tier="primary", verdict="gamed")
    q = judge(session, org["ppc"], readings=(acos, TACOS), wins=wins, priorities="Holiday bids")
    assert q.wins.label == label


@pytest.mark.parametrize("blockers,label,who", [
    ("Need Sam to approve the Q4 budget.", "names_person_and_decision", "Sam Ortiz"),
    ("Waiting on finance for the invoice numbers.", "names_person", "Sam Ortiz"),
    ("Need a decision on the holiday bids from my manager.", "names_person_and_decision", "Daniel Okafor"),
    ("Blocked on Bakeware listing changes.", "vague", None),  # "on" + a capital is nobody
    ("Need a decision on the holiday bids.", "decision_without_person", None),
    ("The agency is late with the new video.", "names_party", "agency"),
    ("Everything is slow.", "vague", None),
    ("The portal upgrade is still parked with Daniel. Could we get 20 minutes this week?",
     "names_person_and_decision", "Daniel Okafor"),  # asking for time is asking for help
])
def test_blocker_names_a_person_or_decision(session, org, blockers, label, who):
    q = judge(session, org["ppc"], wins="Launched the holiday campaigns.", priorities="Holiday bids", blockers=blockers)
    assert q.blockers.label == label and q.blockers.detail == who


@pytest.mark.parametrize("priorities,label", [
    ("Bring TACOS back to 12%", "tied_to_kpi"),
    ("Finish the bakeware audit by Thursday", "dated"),
    ("Finish the audit before the end of the month", "dated"),
    ("Audit PO-2291 and 5.5 qt listings", "vague"),  # a figure is not a date
    ("Audit bakeware\nRename campaigns\nClean negatives", "task_list"),
    ("Set a Q4 stretch for the bakeware bids", "vague"),  # naming a quarter sets no deadline
    ("Ship the holiday images in Q4", "dated"),
])
def test_priorities_tied_to_a_kpi_or_a_date(session, org, priorities, label):
    assert judge(session, org["ppc"], wins="Launched the holiday campaigns.", priorities=priorities).priorities.label \
        == label


def test_no_kpis_no_manager_and_not_filed(session, org):
    q = judge(session, org["founder"], readings=(), wins="Closed the Q4 loan.", priorities="Hire a CFO by Jan 15")
    assert (q.has_kpis, q.has_manager, q.priorities.label) == (False, False, "dated")
    q = checkin_quality(session, org["ppc"], None, [TACOS], [])
    assert (q.filed, q.has_kpis, q.has_manager, q.empty) == (False, True, True, False)


def test_kpi_named_by_the_words_sellers_use(session, org):
    usp = KpiReading(key="am-usp", name="Unit session percentage (hero ASINs)", unit="percent", direction="up",
                     tier="primary")
    creatives = KpiReading(key="cr-creatives", name="New ad creatives shipped per week", unit="count",
                           direction="up", tier="primary")
    q = judge(session, org["ppc"], readings=(usp, creatives), wins="Hired our first in-house designer.",
              priorities="Hold conversion above 13%")
    assert (q.wins.label, q.priorities.label, q.priorities.kpis) == ("outcome", "tied_to_kpi", ["am-usp"])
    q = judge(session, org["ppc"], readings=(usp, creatives), wins="-", priorities="Ship 12 by Friday",
              week="2026-W46")
    assert q.priorities.label == "tied_and_dated" and q.priorities.kpis == ["cr-creatives"]


def test_a_person_named_only_as_the_viewer_may_know_them_is_still_a_person(session, org):
    """The member's own view names their manager "your manager" (no id): their blocker names a
    person, not an outside party and not nobody (found reading a member's feedback on an own org)."""
    from assistant.assessment.build import as_seen

    c = CheckIn(person_id=org["ppc"].id, week="2026-W45", wins="Launched the holiday campaigns.",
                priorities="Holiday bids", blockers="Still parked with Daniel: need his sign-off on the bids.")
    session.add(c)
    session.flush()
    seen = as_seen(people_named(session, org["ppc"], c.blockers), visible={org["ppc"].id})
    q = checkin_quality(session, org["ppc"], c, [TACOS, NTB], seen)
    assert q.blockers.label == "names_person_and_decision" and q.blockers.detail == "your manager"
