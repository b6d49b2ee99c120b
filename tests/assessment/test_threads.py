"""Blocker threads: one blocker however it is phrased, two blockers apart, no chaining, open or
resolved, who it waits on, and whether it explains the person's own guardrail."""

from __future__ import annotations

import numpy as np
import pytest
from sqlmodel import select

from assistant.analysis import text as T
from assistant.analysis.text import says_resolved
from assistant.assessment.model import GuardrailReading, KpiReading, TrendReading
from assistant.assessment.threads import blocker_threads, explained_guardrail, label_of, people_named
from assistant.core.embeddings import OnnxEmbedder
from assistant.domain.models import CheckIn, Person
from assistant.domain.orgfile import import_org, read_org_file
from tests.conftest import ROOT

WEEKS = ["2026-W40", "2026-W41", "2026-W42", "2026-W43", "2026-W44"]
FIVE_WAYS = ["Waiting on Sam in finance to approve the Q4 ad budget.",
             "Still no budget sign-off for Q4 ads; Sam says end of the week.",
             "Can't launch the holiday campaigns until finance approves the spend.",
             "The Q4 advertising budget is stuck with finance, third week now.",
             "Holiday ad spend still unapproved, so campaigns stay paused."]
PRINTER = ["The label printer at the receiving dock keeps jamming.",
           "Dock label printer broke again, pallets waiting to be labelled.",
           "Still printing receiving labels by hand because the printer is down.",
           "Receiving dock printer replacement hasn't arrived."]
INVOICE = ["The 3PL has not sent the October storage invoice.",
           "No storage invoice from the 3PL yet, so I can't close the month.",
           "Month-end close blocked: 3PL invoice still missing.",
           "The warehouse still owes us the October invoice."]


@pytest.fixture(scope="module")
def embedder():
    return OnnxEmbedder()


@pytest.fixture
def org(session):
    founder = Person(email="f@t.test", name="Maya Lind", role="Founder and CEO", access="founder")
    session.add(founder)
    session.flush()
    lead = Person(email="lead@t.test", name="Priya Raman", role="Operations lead", access="manager",
                  manager_id=founder.id)
    finance = Person(email="fin@t.test", name="Sam Ortiz", role="Finance manager", manager_id=founder.id)
    session.add_all([lead, finance])
    session.flush()
    ana = Person(email="ana@t.test", name="Ana Stock", role="Supply chain manager", manager_id=lead.id)
    ben = Person(email="ben@t.test", name="Ben Help", role="Customer support lead", manager_id=lead.id)
    session.add_all([ana, ben])
    session.flush()
    return {"founder": founder, "lead": lead, "finance": finance, "ana": ana, "ben": ben}


def file(session, person, week, blockers, **fields):
    session.add(CheckIn(person_id=person.id, week=week, blockers=blockers, **fields))
    session.flush()


def test_one_blocker_five_ways_is_one_thread(session, org, embedder):
    for week, text in zip(WEEKS, FIVE_WAYS, strict=True):
        file(session, org["ana"], week, text)
    (t,) = blocker_threads(session, org["ana"], "2026-W44", embedder=embedder)
    assert (t.times, t.weeks, t.first_week, t.last_week) == (5, WEEKS, "2026-W40", "2026-W44")
    assert t.status == "open" and t.resolved_week is None and t.weeks_open == 4
    assert t.latest_text == FIVE_WAYS[-1]
    assert any(t.label.rstrip("…") in text for text in FIVE_WAYS)  # the person's own words
    assert [w.name for w in t.waits_on if w.person_id] == ["Sam Ortiz"]  # by first name and by role
    ids = {c.week: c.id for c in session.exec(select(CheckIn).where(CheckIn.person_id == org["ana"].id))}
    assert t.sources == [f"checkin:{ids[w]}" for w in WEEKS]
    # the third week's view counts three, not two
    (t3,) = blocker_threads(session, org["ana"], "2026-W42", embedder=embedder)
    assert t3.times == 3 and t3.weeks == WEEKS[:3]


def test_two_blockers_in_the_same_weeks_are_two_threads(session, org, embedder):
    for i, (week, a, b) in enumerate(zip(WEEKS, PRINTER, INVOICE, strict=False)):
        file(session, org["ana"], week, f"{a}\n{b}" if i % 2 else f"{a} Also, {b[0].lower()}{b[1:]}")
    threads = blocker_threads(session, org["ana"], "2026-W43", embedder=embedder)
    assert sorted(t.times for t in threads) == [4, 4]
    printer = next(t for t in threads if "printer" in t.label.lower() or "label" in t.label.lower())
    invoice = next(t for t in threads if t is not printer)
    assert printer.latest_text == PRINTER[3] and invoice.latest_text == INVOICE[3]
    assert [w.role for w in invoice.waits_on] == ["3PL"] and printer.waits_on == []
    # written as one text each week, the two would read as one blocker: the split is what keeps them apart
    vecs = np.asarray(embedder.embed([f"{a} {b}" for a, b in zip(PRINTER, INVOICE, strict=True)]))
    assert (vecs @ vecs.T).min() > T.NEAR_COSINE


def test_a_bridging_blocker_does_not_weld_two_threads(session, org, embedder):
    texts = [PRINTER[0], INVOICE[0], "Receiving is slow: the dock printer jams and the 3PL invoice is still missing.",
             PRINTER[1], INVOICE[1]]
    for week, text in zip(WEEKS, texts, strict=True):
        file(session, org["ana"], week, text)
    vecs = np.asarray(embedder.embed(texts))
    sims = vecs @ vecs.T
    # union-find would chain them: the bridge links both, the two blockers do not link each other
    assert sims[0, 2] >= T.NEAR_COSINE and sims[1, 2] >= T.NEAR_COSINE and sims[0, 1] < T.NEAR_COSINE
    threads = blocker_threads(session, org["ana"], "2026-W44", embedder=embedder)
    assert sorted(t.times for t in threads) == [2, 3]
    printer = next(t for t in threads if t.times == 2)
    assert printer.weeks == ["2026-W40", "2026-W43"]


def test_a_blocker_sharing_one_sentence_with_last_week_joins_it(session, org, embedder):
    # written up with a new matter each week, the blocker itself is one sentence of each text
    first = ("Klaviyo flows stopped sending after the template migration, three days of abandoned carts lost. "
             "I need Sam to approve the agency retainer.")
    second = ("The product photos for the spring catalogue are two weeks late from the studio, so the PDP refresh "
              "slipped. Agency retainer decision still open.")
    vecs = np.asarray(embedder.embed([first, second, *T.sentences(first), *T.sentences(second)]))
    assert vecs[0] @ vecs[1] < T.NEAR_COSINE  # the whole texts do not link
    assert vecs[3] @ vecs[5] >= T.SENTENCE_COSINE  # the retainer sentences do
    file(session, org["ana"], "2026-W40", first)
    file(session, org["ana"], "2026-W41", second)
    (t,) = blocker_threads(session, org["ana"], "2026-W41", embedder=embedder)
    assert t.weeks == ["2026-W40", "2026-W41"]
    # weeks apart a shared sentence is not enough: the whole texts must link
    file(session, org["ben"], "2026-W40", first)
    file(session, org["ben"], "2026-W46", second)
    assert [t.weeks for t in blocker_threads(session, org["ben"], "2026-W46", embedder=embedder)] == [
        ["2026-W46"]]


def test_resolved_weeks_ago_is_not_current(session, org, embedder):
    for week, text in zip(WEEKS[:3], FIVE_WAYS, strict=False):
        file(session, org["ana"], week, text)
    file(session, org["ana"], "2026-W43", "")
    file(session, org["ana"], "2026-W44", "None.")
    (t,) = blocker_threads(session, org["ana"], "2026-W46", embedder=embedder)
    assert (t.status, t.resolved_week, t.times, t.weeks_open) == ("resolved", "2026-W43", 3, 2)
    # one week without it is not yet resolved
    (t,) = blocker_threads(session, org["ana"], "2026-W43", embedder=embedder)
    assert t.status == "open"


def test_the_person_says_it_is_solved(session, org, embedder):
    for week, text in zip(WEEKS[:3], FIVE_WAYS, strict=False):
        file(session, org["ana"], week, text)
    file(session, org["ana"], "2026-W43", "Q4 ad budget finally approved by finance, so this is no longer blocking.")
    (t,) = blocker_threads(session, org["ana"], "2026-W43", embedder=embedder)
    assert (t.status, t.resolved_week, t.times, t.last_week) == ("resolved", "2026-W43", 3, "2026-W42")
    assert t.latest_text.startswith("Q4 ad budget finally approved") and len(t.sources) == 4
    assert says_resolved("Printer fixed.") and says_resolved("The 3PL issue is sorted out")
    assert not says_resolved("Backorder tickets can't be solved in one touch")
    assert not says_resolved("Still not fixed") and not says_resolved("Unresolved since June")
    assert says_resolved("None: the co-packer's bag film arrived and the run is back on schedule.")
    assert not says_resolved("The booking is on hold until the rate card is cleared by finance.")


def test_a_solved_item_closes_its_thread(session, org, embedder):
    """Written as already fixed, an item starts nothing later weeks can join; raised again after a
    fix, a blocker is counted afresh."""
    file(session, org["ana"], "2026-W40", "Walmart rejected the 30-lb bag images once for spec; fixed.")
    file(session, org["ana"], "2026-W41", "Walmart wants our rollback price on the 30-lb bag and I need Priya's call.")
    file(session, org["ana"], "2026-W42", "Still need Priya's call on the Walmart rollback price for the 30-lb bag.")
    texts = [c.blockers for c in session.exec(select(CheckIn).order_by(CheckIn.week))]
    vecs = np.asarray(embedder.embed(texts))
    assert float(vecs[0] @ vecs[1]) >= T.NEAR_COSINE  # by meaning alone the fixed one would join
    (t,) = blocker_threads(session, org["ana"], "2026-W42", embedder=embedder)
    assert (t.times, t.first_week, t.status) == (2, "2026-W41", "open")
    assert [(w.name, w.role) for w in t.waits_on] == [("Priya Raman", "Operations lead"), ("Walmart", "marketplace")]


def test_people_roles_and_parties_named(session, org):
    ana, named = org["ana"], (lambda text: [(w.name, w.is_manager) for w in people_named(session, org["ana"], text)])
    assert named("Waiting on finance for the PO") == [("Sam Ortiz", False)]
    assert named("Need Priya to approve the air freight") == [("Priya Raman", True)]
    assert named("Asked my manager twice") == [("Priya Raman", True)]
    assert named("Ben's team keeps reopening tickets") == [("Ben Help", False)]
    assert named("The 3PL is slow; can you call their support lead?")[:1] == [("3PL", False)]  # theirs, not ours
    assert named("Backorder tickets need a firm date from support") == [("Ben Help", False)]
    assert named("I need support on this, and sales growth is flat") == []  # everyday words, not roles
    assert named("Blocked on Monday's call with Ana Stock") == []  # not "on" + a capital; and not oneself
    assert [(w.name, w.role, w.person_id) for w in people_named(session, ana, "The vendor and the 3PL are late")] \
        == [("vendor", "supplier", None), ("3PL", "3PL", None)]
    assert label_of("Also, the VAs in Manila can't refund above $40, so anything bigger gets escalated to me.") \
        == "The VAs in Manila can't refund above $40"


def _reading(worsened: bool) -> KpiReading:
    guard = GuardrailReading(key="ppc-tacos", name="TACOS (ad spend / total sales)", unit="percent",
                             direction="down", worsened=worsened, trend=TrendReading())
    return KpiReading(key="ppc-acos", name="ACOS", unit="percent", direction="down", tier="primary",
                      guardrail=guard)


def test_explains_guardrail_only_when_named_and_worsening():
    text = ["TACOS keeps climbing but I think that is the organic drop, not the ads."]
    assert explained_guardrail(text, [_reading(True)]) == "ppc-tacos"
    assert explained_guardrail(text, [_reading(False)]) is None
    assert explained_guardrail(["Freelancer is late on the skillet video."], [_reading(True)]) is None


def test_demo_threads(session, embedder):
    from assistant.assessment.kpis import kpi_readings

    import_org(session, read_org_file(ROOT / "demo" / "northwind.yaml"))
    session.commit()
    people = {p.email.split("@")[0]: p for p in session.exec(select(Person))}
    (po,) = blocker_threads(session, people["supply"], "2026-W41", embedder=embedder)
    assert (po.times, po.first_week, po.status, po.resolved_week) == (5, "2026-W33", "resolved", "2026-W38")
    assert {w.role for w in po.waits_on if w.person_id is None} == {"supplier"}
    assert [w.name for w in po.waits_on if w.is_manager] == ["Priya Raman"]
    # W35 (the manufacturer's backlog, then the air freight decision) links W34 by that sentence
    (w36,) = blocker_threads(session, people["supply"], "2026-W36", embedder=embedder)
    assert w36.weeks == ["2026-W33", "2026-W34", "2026-W35", "2026-W36"] and w36.times == 4
    (open_po,) = blocker_threads(session, people["supply"], "2026-W37", embedder=embedder)
    assert open_po.status == "open" and open_po.times == 5 and open_po.weeks_open == 4
    ppc = people["ppc"]
    (tacos,) = blocker_threads(session, ppc, "2026-W41", kpi_readings(session, ppc, "2026-W41", ppc),
                               embedder=embedder)
    assert tacos.times == 3 and tacos.status == "open" and tacos.explains_guardrail == "ppc-tacos"
    support = blocker_threads(session, people["support"], "2026-W41", embedder=embedder)
    assert [(t.weeks[0], t.times, t.status) for t in support] == [
        ("2026-W41", 1, "open"), ("2026-W36", 2, "resolved"), ("2026-W30", 3, "resolved")]
    assert [w.name for w in support[1].waits_on] == ["Aisha Bello"]  # "from Aisha", "from supply"


def test_blocker_items():
    assert T.blocker_items("Two things:\n- Printer down\n- 3PL invoice missing\n-") == ["Printer down",
                                                                                       "3PL invoice missing"]
    assert T.blocker_items("Printer down again. Also, the 3PL invoice is missing.") == [
        "Printer down again.", "Also, the 3PL invoice is missing."]
    assert T.blocker_items("PO-2291 slipped to Aug 28. Second slip this year.") == [
        "PO-2291 slipped to Aug 28. Second slip this year."]
    assert T.blocker_items("Printer down; another issue: the 3PL invoice.") == [
        "Printer down;", "another issue: the 3PL invoice."]
    assert T.blocker_items("The factory moved the date. It is the third slip.") == [
        "The factory moved the date. It is the third slip."]
