"""The claim checks: a draft's words about a KPI or a blocker must agree with the assessment."""

from __future__ import annotations

import json
from datetime import date

import pytest

from assistant.assessment.model import (
    Assessment,
    BlockerThread,
    CadenceReading,
    CheckinQuality,
    DataAge,
    GuardrailReading,
    KpiReading,
    Point,
    Run,
    SelfReportRun,
    TrendReading,
)
from assistant.drafting.claims import Claim, check_claim, check_claims
from assistant.drafting.kinds.brief import draft_brief
from assistant.drafting.schemas import BriefModelOut
from assistant.llm.fake import FakeProvider

WEEKS = [date(2026, 9, 14), date(2026, 9, 21), date(2026, 9, 28), date(2026, 10, 5)]


def _reading(key: str, name: str, direction: str, values: list[float], target: float, label: str, motion: str,
             verdict: str = "healthy", guardrail: GuardrailReading | None = None) -> KpiReading:
    series = [Point(period=d, value=v, source=f"kpi:{key}@{d}") for d, v in zip(WEEKS, values, strict=True)]
    change = round(values[-1] - values[0], 2)
    good = values[-1] <= target if direction == "down" else values[-1] >= target
    return KpiReading(key=key, name=name, unit="percent", direction=direction, tier="primary", target=target,
                      value=values[-1], period=WEEKS[-1], previous_value=values[-2], previous_period=WEEKS[-2],
                      gap=round(values[-1] - target, 2), on_target=good, verdict=verdict, guardrail=guardrail,
                      trend=TrendReading(label=label, motion=motion, start=series[0], end=series[-1], change=change,
                                         change_pct=round(100 * change / values[0], 1), steps=3, consistent=True),
                      series=series, sources=[p.source for p in series])


def ppc_assessment() -> Assessment:
    """A PPC specialist's week: TACOS rising off target, ACOS gamed, new-to-brand improving, one recurring blocker."""
    tacos = _reading("ppc-tacos", "TACOS (ad spend / total sales)", "down", [11.8, 12.3, 13.1, 13.5], 10,
                     "worsening", "rising")
    guard = GuardrailReading(key="ppc-tacos", name=tacos.name, unit="percent", direction="down", value=13.5,
                             period=WEEKS[-1], target=10, trend=tacos.trend, worsened=True)
    acos = _reading("ppc-acos", "ACOS (ad spend / ad-attributed sales)", "down", [26.2, 24.3, 23.0, 21.9], 25,
                    "improving", "falling", verdict="gamed", guardrail=guard)
    ntb = _reading("ppc-ntb", "New-to-brand share of ad orders", "up", [18.0, 19.5, 20.4, 22.1], 20,
                   "improving", "rising")
    thread = BlockerThread(label="Waiting on Priya for the refund limit",
                           latest_text="Still waiting on Priya to raise the refund limit past $40.",
                           first_week="2026-W36", last_week="2026-W40", weeks=["2026-W36", "2026-W38", "2026-W40"],
                           times=3, weeks_open=5, status="open", sources=["checkin:7", "checkin:9", "checkin:11"])
    fresh = BlockerThread(label="TACOS keeps climbing and I cannot say why",
                          latest_text="TACOS keeps climbing and I cannot say why.", first_week="2026-W41",
                          last_week="2026-W41", weeks=["2026-W41"], times=1, weeks_open=0, status="open",
                          sources=["checkin:12"])
    return Assessment(person_id=1, name="Tomás Herrera", role="PPC specialist", access="member", week="2026-W41",
                      window=["2026-W38", "2026-W39", "2026-W40", "2026-W41"],
                      age=DataAge(week="2026-W41", current_week="2026-W41", last_checkin_week="2026-W41"),
                      kpis=[tacos, acos, ntb], threads=[fresh, thread],
                      cadence=CadenceReading(first_week="2026-W30", last_week="2026-W41", weeks=12),
                      quality=CheckinQuality(filed=True, checkin_id=12))


@pytest.fixture
def assessment() -> Assessment:
    return ppc_assessment()


def problems(a: Assessment, text: str, section: str = "What the numbers say", sources: list[str] | None = None):
    return check_claim(Claim("sections[0].items[0]", text, sources or [], section), a)


@pytest.mark.parametrize("text", [
    "ACOS was 21.9% on 2026-10-05 against a target of 25%.",
    "TACOS rose from 11.8% to 13.5% while ACOS fell to 21.9%.",
    "ACOS (guarded by TACOS) fell to 21.9%.",   # a name in an aside owns nothing outside it
    "TACOS is 3.5 points above its 10% target.",
    "ACOS fell from 26.2% to 21.9% (16.4% better) while its guardrail TACOS rose to 13.5% (14.4% worse).",
])
def test_a_kpis_own_numbers_pass(assessment, text):
    assert problems(assessment, text) == []


@pytest.mark.parametrize("text,owner", [
    ("ACOS was 13.5% this week.", "TACOS"),
    ("New-to-brand share of ad orders reached 21.9%.", "ACOS"),
    ("TACOS stood at 22.1% against a 10% target.", "New-to-brand"),
    ("ACOS: 13.5% (target 25%).", "TACOS"),
])
def test_another_kpis_number_is_caught(assessment, text, owner):
    found = problems(assessment, text)
    assert found and owner in found[0], found


def test_a_value_stated_as_the_kpis_own_is_one_of_its_values(assessment):
    # 7 may be traceable (a count) and is no other KPI's value, yet not ACOS's.
    assert "not a value of ACOS" in problems(assessment, "ACOS was 7% this week.")[0]
    assert problems(assessment, "ACOS (ad spend / ad-attributed sales) stood at 21.9%.") == []
    assert problems(assessment, "TACOS at 13.5% is above its target.") == []


def test_a_sentence_going_on_with_it_is_about_the_kpi_before(assessment):
    assessment.kpi("ppc-tacos").run = Run(on_target=False, points=4, since=WEEKS[0])
    ok = "TACOS was 13.5% on 2026-10-05. It has been off target for 4 values in a row, since 2026-09-14."
    assert problems(assessment, ok) == []
    assert "off target" in problems(assessment, ok.replace("off target for", "on target for"))[0]
    assert "4 values" in problems(assessment, ok.replace("for 4 values", "for 5 values"))[0]
    assert "2026-09-14" in " ".join(problems(assessment, ok.replace("since 2026-09-14", "since 2026-09-21")))


def test_what_the_check_ins_said_is_the_self_report_run(assessment):
    assessment.self_report = [SelfReportRun(kpi="ppc-tacos", kpi_name="TACOS", said="on_track", kind="optimistic",
                                            first_week="2026-W40", last_week="2026-W41",
                                            weeks=["2026-W40", "2026-W41"], from_value=13.1, to_value=13.5,
                                            target=10, unit="percent")]
    ok = "2 check-ins in a row (2026-W40 to 2026-W41) marked TACOS as on track, but it went from 13.1% to 13.5%."
    assert problems(assessment, ok) == []
    assert "marked it on track" in problems(assessment, ok.replace("as on track", "as off track"))[0]
    assert problems(assessment, ok.replace("2026-W40 to", "2026-W39 to"))
    assert problems(assessment, ok.replace("2 check-ins", "3 check-ins"))


def test_a_value_on_a_date_is_that_dates_value(assessment):
    assert problems(assessment, "TACOS was 13.5% on 2026-10-05.") == []
    assert "was not 13.5" in problems(assessment, "TACOS was 13.5% on 2026-09-28.")[0]
    assert "no value" in problems(assessment, "TACOS was 13.5% on 2026-10-12.")[0]


@pytest.mark.parametrize("text,ok", [
    ("ACOS fell to 21.9%.", True),
    ("ACOS improved to 21.9%.", True),      # down is good: falling is improving
    ("ACOS worsened to 21.9%.", False),
    ("ACOS rose to 21.9%.", False),
    ("TACOS was flat at 13.5%.", False),    # a rise every week is never flat
    ("TACOS held steady this month.", False),
    ("TACOS is rising and off target.", True),
    ("TACOS is on target.", False),
    ("TACOS is not improving.", True),
    ("Shopify-style wording: TACOS went up from 11.8% to 13.5%.", True),
    ("The check-in marked TACOS as on track, but it stood at 13.5% against a target of 10%.", True),
    ("New-to-brand share of ad orders rose with nothing it guards worsening.", True),
    ("Revenue was flat, but TACOS rose.", True),        # 'flat' is about revenue, in its own clause
    ("Ask how TACOS is computed to understand it better.", True),
    ("TACOS shows a steady rise.", True),
    ("ACOS fell from 26.2% to 21.9% (16.4% better).", True),
    ("TACOS got better this month.", False),
])
def test_direction_words_agree_with_the_reading(assessment, text, ok):
    assert (problems(assessment, text) == []) is ok, problems(assessment, text)


def test_praise_and_recognition_never_rest_on_a_gamed_kpi(assessment):
    assert "gamed" in problems(assessment, "ACOS improved nicely.", section="Watch")[0]
    assert "gamed" in problems(assessment, "Great work on ACOS this week.", section="Watch")[0]
    # By name or by the KPI source it cites, in any recognition section.
    assert problems(assessment, "ACOS fell to 21.9%.", section="Recognise")
    assert problems(assessment, "A real drop in ad cost this week.", section="Encouragement",
                    sources=["kpi:ppc-acos@2026-10-05"])
    assert problems(assessment, "New-to-brand share of ad orders rose to 22.1%.", section="Recognise",
                    sources=["kpi:ppc-ntb@2026-10-05"]) == []
    # The guardrail named beside the gamed KPI in a Watch item is the point, not praise.
    assert problems(assessment, "ACOS fell to 21.9% while its guardrail TACOS rose to 13.5%: ask what drove both.",
                    section="Watch") == []


def test_a_recurring_blocker_carries_its_content_count_and_weeks(assessment):
    right = "The refund limit blocker has come back in 3 check-ins (2026-W36, 2026-W38, 2026-W40)."
    assert problems(assessment, right) == []
    assert "3 times, not 4" in problems(assessment, right.replace("3 check-ins", "4 check-ins"))[0]
    assert "2026-W37" in problems(assessment, right.replace("2026-W38", "2026-W37"))[0]
    assert "does not say what the blocker is" in problems(assessment, "The same blocker came back in 3 check-ins.")[0]
    assert "not the second" in problems(assessment, "The refund limit blocker is back for the second time.")[0]
    assert "first raised in 2026-W36" in problems(assessment, "The refund limit blocker, open since 2026-W38, "
                                                              "keeps coming back.")[0]
    # Words any blocker item uses ("still", "back", "week") do not say which blocker it is.
    assert problems(assessment, "The same blocker is still back this week, raised in 3 check-ins.")
    # This week's blocker, raised once, named with its week; but it has not come back.
    assert problems(assessment, 'A blocker raised in 2026-W41: "TACOS keeps climbing and I cannot say why".') == []
    assert "raised once" in problems(assessment, "The TACOS climbing blocker came back in 2026-W41.")[0]
    # Advice about blockers in general is not a claim about this one.
    assert problems(assessment, "Turn the recurring blocker into a request: who, what, by when.") == []


def test_check_claims_addresses_items_as_the_pipeline_does(assessment):
    out = BriefModelOut.model_validate({
        "sections": [{"title": "Watch", "items": [{"text": "TACOS rose to 13.5%.", "sources": []},
                                                  {"text": "ACOS was 13.5%.", "sources": []}]},
                     {"title": "Recognise", "items": [{"text": "ACOS improved nicely.", "sources": []}]}],
        "questions": ["Why was TACOS flat?"]})
    assert set(check_claims(out, assessment, "brief")) == {"sections[0].items[1]", "sections[1].items[0]",
                                                           "questions[0]"}


# ---------------------------------------------------------------- through the pipeline, any provider
def _brief(*items: tuple[str, list[str]], title: str = "Watch") -> dict:
    return {"sections": [{"title": title, "items": [{"text": t, "sources": s} for t, s in items]}], "questions": []}


ACOS = ["kpi:ppc-acos@2026-10-05"]
TACOS = ["kpi:ppc-tacos@2026-10-05"]


@pytest.mark.parametrize("bad,title", [
    ("ACOS (ad spend / ad-attributed sales) improved nicely.", "Recognise"),  # praise of a gamed KPI
    ("TACOS (ad spend / total sales) was flat this month.", "What the numbers say"),  # a clear rise called flat
    ("ACOS (ad spend / ad-attributed sales) was 13.5% this week.", "What the numbers say"),  # TACOS's number
])
def test_a_models_wrong_claim_is_repaired_once_then_dropped_and_counted(session, demo, bad, title):
    good = ("TACOS (ad spend / total sales) rose to 13.5% against a target of 10%.", TACOS)
    reply = _brief((bad, ACOS if bad.startswith("ACOS") else TACOS), good, title=title)
    fake = FakeProvider().enqueue(reply, reply)
    draft = draft_brief(session, demo("growth-lead@northwind.test"), demo("ppc@northwind.test"), "2026-W41",
                        provider=fake)
    g = draft.content["grounding"]
    assert len(fake.requests) == 2 and g["repaired"] is True
    assert g["ungrounded"] == [{"where": "sections[0].items[0]", "problems": ["disagrees with the assessment"]}]
    assert g["claims_disagreeing"] == 1
    texts = [i["text"] for s in draft.content["sections"] for i in s["items"]]
    assert bad not in texts and good[0] in texts
    assert "claim:" in fake.requests[1][-1]["content"]  # the repair request says what disagreed


def test_a_repair_that_agrees_with_the_assessment_is_kept(session, demo):
    fake = FakeProvider().enqueue(
        _brief(("ACOS (ad spend / ad-attributed sales) improved nicely.", ACOS), title="Recognise"),
        _brief(("ACOS (ad spend / ad-attributed sales) fell to 21.9% while TACOS (ad spend / total sales) rose "
                "to 13.5%: ask what drove both.", [*ACOS, *TACOS])))
    content = draft_brief(session, demo("growth-lead@northwind.test"), demo("ppc@northwind.test"), "2026-W41",
                          provider=fake).content
    assert content["grounding"]["ungrounded"] == [] and content["grounding"]["claims_disagreeing"] == 0
    assert "ask what drove both" in json.dumps(content["sections"])
