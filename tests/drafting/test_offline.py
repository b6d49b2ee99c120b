"""The offline composers, called on the context a kind's ``gather()`` builds from an assessment
made by hand (no prompt, no database), and their path through the pipeline: the context they
read is the trimmed one, and what they write is guarded like a model's reply."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from assistant.assessment.model import (
    AnswerQuality,
    FollowThrough,
    GoalCondition,
    GoalReading,
    ManagerRhythm,
    ReportRhythm,
    Run,
    SelfReportRun,
    WaitingOnManager,
    Win,
)
from assistant.drafting.kinds.brief import gather as gather_brief
from assistant.drafting.kinds.feedback import gather as gather_feedback
from assistant.drafting.offline import compose_goals, numberless
from assistant.drafting.offline_brief import AGE_TITLE, compose_brief
from assistant.drafting.offline_feedback import EMPTY, compose_feedback
from assistant.drafting.pipeline import run
from assistant.drafting.schemas import FEEDBACK_WORD_CAP, Item, Section
from assistant.llm.offline import OfflineProvider
from assistant.settings import get_settings
from tests.drafting.composing import (
    MONDAY,
    PLAYBOOK,
    SUBJECT,
    VIEWER,
    WEEK,
    age,
    assessment,
    brief_context,
    cadence,
    every_text,
    feedback_context,
    gamed,
    improving,
    kpi,
    quality,
    texts,
    thread,
    titles,
    trend,
    waits,
)

VANITY = "Impressions is a vanity count: it rises with spend whatever the ads earn."


def vanity(**over: Any) -> Any:
    return improving("impr", verdict="vanity", flags=["vanity"], audit_reason=VANITY,
                     suggestion="Track TACOS instead.", **over)


def self_report(weeks: list[str], kpi_key: str = "acos", **over: Any) -> SelfReportRun:
    row: dict[str, Any] = {"kpi": kpi_key, "kpi_name": kpi_key.upper(), "said": "on_track", "kind": "optimistic",
                           "first_week": weeks[0], "last_week": weeks[-1], "weeks": weeks, "from_value": 12.0,
                           "to_value": 12.5, "target": 10.0, "unit": "percent",
                           "sources": [f"checkin:{i}" for i in range(1, len(weeks) + 1)]}
    return SelfReportRun(**(row | over))


def rhythm(poor: bool, waiting: bool = False) -> ManagerRhythm:
    """A manager's 1:1s with their report Lee: slipping when ``poor``, with Lee's blocker waiting on them."""
    lee = (ReportRhythm(person_id=5, name="Lee Chen", held=1, cancelled=2, rushed=1, last_held=date(2026, 9, 14),
                        weeks_since_held=3, slipping=True, sources=["meeting:1", "meeting:2"]) if poor else
           ReportRhythm(person_id=5, name="Lee Chen", held=4, cancelled=0, rushed=0, last_held=MONDAY,
                        weeks_since_held=0, sources=["meeting:3", "meeting:4"]))
    wait = [WaitingOnManager(person_id=5, name="Lee Chen", label="Need PO-2291 sign-off on the hero bundle",
                             first_week="2026-W39", weeks_open=3, sources=["checkin:40"])] if waiting else []
    return ManagerRhythm(reports=[lee], held=lee.held, cancelled=lee.cancelled, rushed=lee.rushed,
                         waiting_on_them=wait, poor=poor or waiting, sources=lee.sources)


def section_of(out: Any, needle: str) -> str | None:
    """The title of the section whose items mention ``needle``."""
    return next((s.title for s in out.sections for i in s.items if needle in i.text), None)


# ---------------------------------------------------------------- brief
def test_an_empty_record_gives_no_empty_sections_and_the_one_standing_question():
    out = compose_brief(brief_context(assessment()))
    assert out.sections == []
    assert out.questions == ["What is the one outcome that matters most next week?"]


def test_a_kpi_is_stated_against_its_target_and_the_trend_between_the_points_it_cites():
    a = assessment(kpis=[kpi("acos"), kpi("ntb", target=None, on_target=None, value=1200.0, unit="currency",
                                          trend=trend("ntb", "unknown", "unknown", 1100.0, 1200.0)),
                         kpi("roas", value=None, period=None)])
    out = compose_brief(brief_context(a))
    assert titles(out) == ["What the numbers say"]
    assert texts(out, "What the numbers say") == [
        "ACOS was 12.5% on 2026-10-05 against a target of 10% (off target), rising from 11% on 2026-09-14.",
        "NTB was $1,200 on 2026-10-05.",  # no target, no trend label: nothing more is claimed
    ]  # ROAS has no value: nothing to state


def test_flat_is_said_only_when_the_trend_label_is_flat():
    a = assessment(kpis=[kpi("acos", trend=trend("acos", "flat", "rising", 12.4, 12.5)),
                         kpi("roas", trend=trend("roas", "worsening", "rising", 12.4, 12.5)),
                         kpi("cvr", trend=trend("cvr", "unknown", "rising", 11.0, 12.5))])
    numbers = texts(compose_brief(brief_context(a)), "What the numbers say")
    assert numbers[0].endswith("(off target), flat since 2026-09-14 (12.4% then).")
    assert numbers[1].endswith("(off target), rising from 12.4% on 2026-09-14.")
    assert numbers[2].endswith("(off target).")  # a motion without a label is no trend
    assert sum("flat" in t for t in numbers) == 1


def test_a_run_of_three_values_on_one_side_of_the_target_is_stated():
    sources = [f"kpi:acos@2026-09-{d}" for d in (21, 28)] + ["kpi:acos@2026-10-05"]
    a = assessment(kpis=[kpi("acos", run=Run(on_target=False, points=3, since=date(2026, 9, 21), sources=sources)),
                         kpi("roas", run=Run(on_target=True, points=2, since=date(2026, 9, 28)))])
    numbers = texts(compose_brief(brief_context(a)), "What the numbers say")
    assert numbers[0].endswith(" It has been off target for 3 values in a row, since 2026-09-21.")
    assert "in a row" not in numbers[1]  # two values are not a run worth naming


def test_stale_data_leads_the_brief_and_fresh_data_adds_nothing():
    note = "last check-in 2026-W38, three weeks ago"
    a = assessment(kpis=[kpi("acos")], age=age(True, last_checkin_week="2026-W38", checkin_weeks_ago=3, notes=[note]))
    out = compose_brief(brief_context(a))
    assert titles(out)[0] == AGE_TITLE == "Before you start"
    assert out.sections[0].items[0].text == (f"The record is behind the week of {WEEK}: {note}. Ask for an update "
                                             "before judging the numbers.")
    assert AGE_TITLE not in titles(compose_brief(brief_context(assessment(kpis=[kpi("acos")]))))


def test_check_ins_not_indexed_yet_are_said_before_anything_else():
    out = compose_brief(brief_context(assessment(kpis=[kpi("acos")]), history_pending=2))
    assert titles(out)[0] == AGE_TITLE
    assert texts(out, AGE_TITLE) == ["Some of their check-ins are not indexed yet, so related older weeks may be "
                                     "missing from this brief."]


def test_a_gamed_kpi_is_watched_asked_about_and_never_recognised():
    a = assessment(kpis=[gamed("acos"), improving("cvr")], wins=[Win(kind="kpi", label="CVR", kpi="cvr",
                                                                     sources=["kpi:cvr@2026-10-05"])])
    out = compose_brief(brief_context(a))
    watch = out.sections[0]
    assert watch.title == "Watch" and watch.items[0].text.startswith(gamed().audit_reason + " The headline number")
    assert watch.items[0].sources == ["kpi:acos@2026-10-05", "kpi:sales@2026-10-05", "playbook:gaming"]
    numbers = texts(out, "What the numbers say")
    assert numbers[0].endswith("Read it with Total sales: the audit calls this KPI gamed.")
    recognise = next(s for s in out.sections if s.title == "Recognise")
    assert [i.text for i in recognise.items] == [
        "CVR improved from 14% on 2026-09-14 to 9% on 2026-10-05 and is on target. Say specifically what they did "
        "that moved it."]
    assert recognise.items[0].sources == ["kpi:cvr@2026-10-05", "playbook:praise"]  # what the praise question found
    assert out.questions[0] == "What happened to Total sales while ACOS improved, and which change drove both?"


def test_recognition_cites_the_praise_section_only_while_the_budget_left_it_in():
    """Trimmed from the end, the playbook's last section is another question's: citing it for
    praise would send the reader to advice about something else."""
    win = Win(kind="kpi", label="CVR", kpi="cvr", sources=["kpi:cvr@2026-10-05"])
    a = assessment(kpis=[improving("cvr")], wins=[win])
    brief = compose_brief(brief_context(a, playbook=PLAYBOOK[:1]))
    assert next(s for s in brief.sections if s.title == "Recognise").items[0].sources == ["kpi:cvr@2026-10-05"]
    feedback = compose_feedback(feedback_context(a, playbook=PLAYBOOK[:1]))
    assert "playbook:gaming" not in {src for s in feedback.sections for i in s.items for src in i.sources}


def test_a_vanity_kpi_is_named_with_its_suggestion_and_never_recognised():
    out = compose_brief(brief_context(assessment(kpis=[vanity()])))
    assert texts(out, "Watch") == [f"{VANITY} Suggestion: Track TACOS instead."]
    assert texts(out, "What the numbers say")[0].endswith(
        "The audit calls it a vanity number: it is not a result on its own.")
    assert "Recognise" not in titles(out)


def test_a_self_report_run_is_shown_as_a_run_and_a_single_week_as_that_week():
    a = assessment(kpis=[kpi("acos"), kpi("roas")],
                   self_report=[self_report(["2026-W38", "2026-W39", "2026-W40"]),
                                self_report([WEEK], "roas", from_value=12.5, to_value=12.5, sources=["checkin:7"])])
    out = compose_brief(brief_context(a))
    assert texts(out, "Watch") == [
        "3 check-ins in a row (2026-W38 to 2026-W40) marked ACOS as on track, but it went from 12% to 12.5% against "
        "a target of 10%. Ask how they judge whether it is on track.",
        f"In {WEEK} the check-in marked ROAS as on track, but it stood at 12.5% against a target of 10%. Ask how "
        "they judge whether it is on track."]
    assert out.questions[:2] == ["How did you decide ACOS was on track from 2026-W38 to 2026-W40?",
                                 f"How did you decide ROAS was on track in {WEEK}?"]


def test_a_blocker_thread_carries_its_label_count_and_who_it_waits_on():
    waiting_on_viewer = thread("Waiting on PO-2291 sign-off from Sam", ["2026-W39", "2026-W40", WEEK],
                               waits_on=[waits(VIEWER, is_manager=True)])
    out = compose_brief(brief_context(assessment(threads=[waiting_on_viewer])))
    assert texts(out, "Watch") == [
        'A blocker raised in 3 check-ins since 2026-W39 is still open, waiting on you: "Waiting on sign-off from '
        'Sam". Agree who decides and by when.']
    assert "What do you need from me to clear the blocker waiting on me, and by when?" in out.questions
    # Someone else reading it (a founder) is told whose it is.
    founder = compose_brief(brief_context(assessment(threads=[waiting_on_viewer]), viewer="Alex Founder"))
    assert ", waiting on their manager Sam Reyes:" in texts(founder, "Watch")[0]
    assert ("This blocker keeps returning: what decision or support would clear it, and from whom?"
            in founder.questions)
    agency = thread("Agency has not sent the report", [WEEK], waits_on=[waits("Brightline", "agency")])
    assert texts(compose_brief(brief_context(assessment(threads=[agency]))), "Watch") == [
        'This week\'s blocker, waiting on Brightline (agency): "Agency has not sent the report".']


def test_a_blocker_raised_once_last_week_is_not_called_this_weeks():
    a = assessment(threads=[thread("Supplier late on the reorder", ["2026-W40"], ids=[3])])
    watch = texts(compose_brief(brief_context(a)), "Watch")
    assert len(watch) == 1 and "This week's" not in watch[0] and "2026-W40" in watch[0]


def test_a_resolved_thread_is_not_shown_as_open_and_its_clearing_is_recognised():
    cleared = thread("Old stock stuck at the warehouse", ["2026-W38", "2026-W39"], status="resolved",
                     resolved_week="2026-W40", ids=[1, 2])
    a = assessment(threads=[cleared], wins=[Win(kind="blocker_cleared", label=cleared.label, sources=["checkin:2"])])
    out = compose_brief(brief_context(a))
    assert "Watch" not in titles(out) and "still open" not in every_text(out)
    assert texts(out, "Recognise") == ['They cleared a blocker raised in 2 check-ins: "Old stock stuck at the '
                                       'warehouse".']
    assert not any("blocker" in q for q in out.questions)


def test_a_blocker_that_explains_a_guardrail_asks_what_they_will_change():
    t = thread("Paused the broad campaigns for budget", ["2026-W40", WEEK], explains_guardrail="sales")
    out = compose_brief(brief_context(assessment(kpis=[gamed()], threads=[t])))
    assert texts(out, "Watch")[1].endswith("It is their explanation for Total sales worsening: ask what they will "
                                           "change.")


def test_a_managers_poor_rhythm_comes_before_watch_and_a_good_one_after():
    a = assessment(access="manager", kpis=[gamed()], rhythm=rhythm(poor=True, waiting=True))
    out = compose_brief(brief_context(a))
    assert titles(out)[:2] == ["How they run their team", "Watch"]
    assert texts(out, "How they run their team") == [
        "1:1s with Lee Chen over the last 4 weeks: 1 held, 2 cancelled, 1 rushed; the last held on 2026-09-14, "
        "3 weeks ago.",
        f'Lee Chen has a blocker waiting on {SUBJECT}, open for 3 weeks (since 2026-W39): "Need sign-off on the '
        'hero bundle".']
    assert "Which of your reports' 1:1s slipped, and what will you protect next week?" in out.questions
    good = compose_brief(brief_context(assessment(access="manager", kpis=[gamed()], rhythm=rhythm(poor=False))))
    assert titles(good)[:2] == ["Watch", "How they run their team"]
    assert texts(good, "How they run their team") == [
        "Their 1:1s with 1 reports over the last 4 weeks: 4 held, 0 cancelled, 0 rushed; no report's blocker "
        "waits on them."]


def test_slipping_meetings_missing_and_empty_check_ins_are_watched():
    a = assessment(cadence=cadence(held=2, cancelled=1, rushed=1, slipping=True, last_held=date(2026, 9, 21),
                                   weeks_since_held=2, missing_checkin_weeks=["2026-W39"],
                                   sources=[f"meeting:{i}" for i in range(12)]),
                   quality=quality(empty=True, wins=AnswerQuality(label="empty"),
                                   priorities=AnswerQuality(label="empty"), blockers=AnswerQuality(label="none")))
    out = compose_brief(brief_context(a))
    watch = next(s for s in out.sections if s.title == "Watch").items
    assert watch[0].text == ("1:1s over the last 4 weeks (2026-W38 to 2026-W41): 2 held, 1 cancelled and 1 rushed. "
                             "The last 1:1 held was on 2026-09-21, 2 weeks ago. Protect the next one.")
    assert len(watch[0].sources) == 8  # the schema's cap
    assert watch[1].text == "No check-in was filed for 2026-W39." and watch[1].sources == ["checkin:7"]
    assert watch[2].text == f"The check-in for {WEEK} has no wins or priorities written: ask what the week was about."
    assert "Recognise" not in titles(out)
    assert "Is the 1:1 slot still working for you, and what should we protect time for?" in out.questions
    # Read by someone who is not their manager, the slipping 1:1s are the manager's to explain.
    founder = compose_brief(brief_context(a, viewer="Alex Founder"))
    assert texts(founder, "Watch")[0].startswith(f"Their 1:1s with {VIEWER} over the last 4 weeks")
    assert texts(founder, "Watch")[0].endswith(f"Ask {VIEWER} what keeps them from happening.")
    assert f"What has kept your 1:1s with {VIEWER} from happening, and what would help?" in founder.questions


def test_wins_are_quoted_without_their_figures_and_cut_at_a_word():
    assert numberless("ACOS 22.6%. Restarted the bakeware test! Cut 40 terms.") == "Restarted the bakeware test!"
    long = "Shipped the refresh " + "and then the next listing " * 12
    rows = [{"id": "checkin:3", "week": WEEK, "wins": long},
            {"id": "checkin:2", "week": "2026-W40", "wins": "Sales up 9%. The supplier agreed to terms."},
            {"id": "checkin:1", "week": "2026-W39", "wins": "Signed the agency."}]
    out = compose_brief(brief_context(assessment(), checkins=rows))
    moved = texts(out, "What moved")
    quoted = moved[0].split('"')[1]
    assert len(quoted) <= 220 and long.startswith(quoted) and not quoted.endswith(" ")
    assert moved[1] == 'Wins reported for 2026-W40: "The supplier agreed to terms."'
    assert len(moved) == 2  # the two latest check-ins only
    only_figures = [{"id": "checkin:3", "week": WEEK, "wins": "Cut 40 terms."}]
    assert compose_brief(brief_context(assessment(), checkins=only_figures)).sections == []


def test_follow_through_and_goals_say_what_moved():
    follow = [FollowThrough(week="2026-W38", next_week="2026-W39", verdict="followed", sources=["checkin:1"]),
              FollowThrough(week="2026-W39", next_week="2026-W40", verdict="partly", sources=["checkin:2"]),
              FollowThrough(week="2026-W40", next_week=WEEK, verdict="not_followed", sources=["checkin:3"])]
    goal = GoalReading(goal_id=1, title="ACOS under 10%", quarter="2026-Q4", kpi="acos", target=10.0, on_track=False,
                       conditions=[GoalCondition(kpi="acos", kpi_name="ACOS", bound=10.0, direction="down",
                                                 value=12.5, holds=False)], sources=["goal:1"])
    moved = texts(compose_brief(brief_context(assessment(kpis=[kpi("acos")], follow_through=follow,
                                                         goals=[goal]))), "What moved")
    assert moved == [
        "The priorities set for 2026-W38 show up in the wins of 2026-W39: plans are turning into results.",
        f"The priorities set for 2026-W40 do not show up in the wins of {WEEK}. Ask what got in the way, or whether "
        "the priority changed.",
        'Goal "ACOS under 10%" is not on track: ACOS at 12.5% against 10%.']


def test_what_was_agreed_and_their_agenda_open_the_brief():
    actions = [{"meeting": "meeting:1", "agreed_on": "2026-09-28", "owner": SUBJECT, "due": "2026-10-02",
                "overdue": True, "done": False, "text": "Send the bid rule test plan"},
               {"meeting": "meeting:1", "agreed_on": "2026-09-28", "owner": VIEWER, "due": None, "overdue": False,
                "done": True, "text": "Ask finance about the budget"}]
    agenda = [{"meeting": "meeting:2", "by": SUBJECT, "text": "Hiring a second PPC specialist"}]
    facts = {"last_meeting": None, "next_meeting": None, "open_actions": [], "done_actions": [],
             "overdue_actions": 1, "agenda_items": 1}
    out = compose_brief(brief_context(assessment(kpis=[kpi("acos")]), actions=actions, agenda=agenda,
                                      one_on_one=facts))
    assert titles(out)[:2] == ["What was agreed last time", "On their agenda"]
    assert texts(out, "What was agreed last time") == [
        f'Overdue (due 2026-10-02): {SUBJECT}, "Send the bid rule test plan" (agreed on 2026-09-28). Ask what got in '
        "the way, and agree a new date or drop it.",
        f'Done since the last 1:1: {VIEWER}, "Ask finance about the budget". Acknowledge it.']
    assert texts(out, "On their agenda") == [f'{SUBJECT} wants to talk about "Hiring a second PPC specialist".']
    assert "What got in the way of the overdue action items, and is each one still worth doing?" in out.questions


# ---------------------------------------------------------------- feedback
def test_a_good_check_in_is_told_so_answer_by_answer():
    a = assessment(kpis=[improving("cvr")], wins=[Win(kind="kpi", label="CVR", kpi="cvr",
                                                      sources=["kpi:cvr@2026-10-05"])],
                   quality=quality(wins=AnswerQuality(label="outcome", kpis=["cvr"]),
                                   priorities=AnswerQuality(label="tied_and_dated", kpis=["cvr"])))
    out = compose_feedback(feedback_context(a, marks={"cvr": "on_track"}))
    assert titles(out) == ["Wins", "Priorities", "Blockers", "Metric check", "Role goals", "Sharpen next week",
                           "Encouragement"]
    assert [s.items[0].text for s in out.sections[:4]] == [
        "Your wins name a result and the KPI it moved.",
        "Your priorities are tied to CVR and say how much or by when.",
        f"Your blocker says what you need and from {VIEWER}: that makes it easy to clear.",
        "Your marks agree with the KPI data.",
    ]
    assert texts(out, "Encouragement") == ["CVR fell from 14% to 9% with its guardrail holding: keep doing "
                                           "what moved it."]
    assert out.sections[-1].items[0].sources == ["kpi:cvr@2026-10-05", "playbook:praise"]


@pytest.mark.parametrize(("labels", "wins", "priorities", "sharpen"), [
    (("activity", "dated", "vague"), "Your wins describe activity", "do not say which of your KPIs",
     "Write each win as a result"),
    (("empty", "task_list", "none"), "No wins this week", "read as a task list", "Write each win as a result"),
    (("outcome", "vague", "none"), "Your wins name a result", "have no measure or date",
     "Give next week's top priority a number or a date"),
    (("outcome", "tied_and_dated", "decision_without_person"), "Your wins name a result", "say how much or by when",
     "Say who can clear your blocker"),
])
def test_each_label_has_its_own_sentence_and_the_first_gap_is_the_one_to_sharpen(labels, wins, priorities, sharpen):
    q = quality(wins=AnswerQuality(label=labels[0]), priorities=AnswerQuality(label=labels[1]),
                blockers=AnswerQuality(label=labels[2]), names=[])
    by_title = {s.title: s.items[0].text for s in compose_feedback(feedback_context(
        assessment(kpis=[kpi("acos")], quality=q), marks={"acos": "off_track"})).sections}
    assert wins in by_title["Wins"] and priorities in by_title["Priorities"]
    assert ("Blockers" in by_title) == (labels[2] != "none")
    assert by_title["Sharpen next week"].startswith(sharpen)


def test_the_owner_of_a_gamed_kpi_hears_what_its_guardrail_paid_and_is_never_praised_for_it():
    wins = [Win(kind="kpi", label="CVR", kpi="cvr", sources=["kpi:cvr@2026-10-05"])]
    counted = assessment(kpis=[gamed("acos"), improving("cvr")], wins=wins,
                         quality=quality(wins=AnswerQuality(label="outcome", kpis=["acos"])))
    out = compose_feedback(feedback_context(counted, marks={"acos": "on_track", "cvr": "on_track"}))
    assert texts(out, "Wins") == ["Your win counts ACOS moving, but the audit calls it gamed: Total sales fell from "
                                  "$52,000 to $41,000 over the same weeks. A win is a result the business keeps."]
    assert "ACOS gamed" not in " ".join(texts(out, "Metric check"))  # said once, in Wins
    assert texts(out, "Sharpen next week")[0].startswith("Report Total sales beside ACOS next week")
    assert [t.split(" ")[0] for t in texts(out, "Encouragement")] == ["CVR"]
    # Not counted as a win, it is still named, in the metric check.
    quiet = assessment(kpis=[gamed("acos")], quality=quality())
    out = compose_feedback(feedback_context(quiet, marks={"acos": "on_track"}))
    assert texts(out, "Metric check")[0] == (
        "ACOS fell from 14% to 9%, but Total sales fell from $52,000 to $41,000 over the same weeks. The audit calls "
        "ACOS gamed: judge it together with Total sales.")
    assert "Encouragement" not in titles(out) and "keep doing" not in every_text(out)


def test_a_vanity_kpis_owner_hears_what_it_is_and_is_never_praised_for_it():
    a = assessment(kpis=[vanity()], quality=quality(wins=AnswerQuality(label="outcome", kpis=["impr"])))
    out = compose_feedback(feedback_context(a, marks={"impr": "on_track"}))
    assert texts(out, "Metric check")[0] == ("IMPR count activity, not results: the audit calls it a vanity number. "
                                             "Track TACOS instead.")
    assert "Encouragement" not in titles(out) and "keep doing" not in every_text(out)
    assert texts(out, "Wins") == ["Your wins name a result. Say which of your KPIs it moved."]  # not "the KPI it moved"


def test_an_empty_check_in_is_named_and_never_praised():
    q = quality(empty=True, wins=AnswerQuality(label="empty"), priorities=AnswerQuality(label="empty"),
                blockers=AnswerQuality(label="none"), names=[])
    out = compose_feedback(feedback_context(assessment(kpis=[kpi("acos")], quality=q), marks={}))
    assert texts(out, "Wins") == [EMPTY + ", so your manager can help."]
    assert "Priorities" not in titles(out) and "Encouragement" not in titles(out)
    assert texts(out, "Sharpen next week") == ["Next week, write at least one result and one measurable priority."]
    assert "name a result" not in every_text(out)


def test_a_founder_with_no_manager_is_never_told_to_raise_it_with_one():
    q = quality(has_manager=False, has_kpis=False, blockers=AnswerQuality(label="none"), names=[])
    out = compose_feedback(feedback_context(assessment(access="founder", manager=None, quality=q), marks={}))
    assert texts(out, "Role goals") == [
        "No role goals are set for 2026-Q4, so this check-in is hard to judge against them. Set them in the quarter "
        "plan so the team knows which outcomes are whose."]
    assert "manager" not in every_text(out) and "Metric check" not in titles(out)


def test_a_founders_empty_check_in_is_not_told_of_a_manager():
    q = quality(empty=True, has_manager=False, has_kpis=False, wins=AnswerQuality(label="empty"),
                priorities=AnswerQuality(label="empty"), blockers=AnswerQuality(label="none"), names=[])
    out = compose_feedback(feedback_context(assessment(access="founder", manager=None, quality=q), marks={}))
    assert "manager" not in every_text(out)


def test_a_kpi_marked_against_its_data_is_named_with_both_figures_and_its_run():
    a = assessment(kpis=[kpi("acos"), kpi("cvr"), kpi("roas"), improving("ntb")],
                   self_report=[self_report(["2026-W39", "2026-W40", WEEK], sources=["checkin:5", "checkin:6"]),
                                self_report([WEEK], "cvr", sources=["checkin:7"])])
    out = compose_feedback(feedback_context(a, marks={"acos": "on_track", "cvr": "on_track", "roas": "on_track",
                                                      "ntb": "on_track"}))
    metric = next(s for s in out.sections if s.title == "Metric check")
    assert [i.text for i in metric.items] == [
        "You marked ACOS as on track, but the data has it at 12.5% against a target of 10%. It is the third check-in "
        "in a row marked this way (since 2026-W39).",
        "You marked CVR as on track, but the data has it at 12.5% against a target of 10%.",
    ]  # ROAS has no run behind it: the assessment did not call it contradicted
    assert metric.items[0].sources == ["checkin:7", "kpi:acos@2026-10-05", "checkin:5", "checkin:6"]
    sharpen = next(s for s in out.sections if s.title == "Sharpen next week").items[0]
    assert sharpen.text.endswith("ACOS is off target.") and sharpen.sources == ["checkin:7", "kpi:acos@2026-10-05"]


def test_a_kpi_on_target_marked_off_track_is_not_called_off_target():
    a = assessment(kpis=[improving("acos")], quality=quality(),
                   self_report=[self_report([WEEK], said="off_track", kind="pessimistic", from_value=9.0, to_value=9.0,
                                            sources=["checkin:7"])])
    out = compose_feedback(feedback_context(a, marks={"acos": "off_track"}))
    assert texts(out, "Metric check") == ["You marked ACOS as off track, but the data has it at 9% against a target "
                                          "of 10%."]
    assert "off target" not in " ".join(texts(out, "Sharpen next week"))


def test_kpis_without_a_clear_mark_are_listed():
    a = assessment(kpis=[kpi("acos"), kpi("ntb"), improving("cvr")], quality=quality())
    item = next(s for s in compose_feedback(feedback_context(a, marks={"ntb": "unclear", "cvr": "on_track"})).sections
                if s.title == "Metric check").items[0]
    assert item.text == "Mark each KPI on track or off track from its latest number; ACOS, NTB had no clear status."
    assert item.sources == ["checkin:7", "kpi:acos@2026-10-05", "kpi:ntb@2026-10-05"]


def test_a_recurring_blocker_thread_is_a_pattern_with_its_label_count_and_who_it_waits_on():
    t = thread("Waiting on PO-2291 sign-off from Sam", ["2026-W38", "2026-W40", WEEK], waits_on=[waits(VIEWER)],
               ids=[1, 2, 3])
    out = compose_feedback(feedback_context(assessment(threads=[t], quality=quality()), marks={}))
    patterns = next(s for s in out.sections if s.title == "Patterns")
    assert [i.text for i in patterns.items] == [
        f'This blocker ("Waiting on sign-off from Sam") is back for the third time (2026-W38, 2026-W40, 2026-W41), '
        f"waiting on {VIEWER}. Ask for a decision and a date, not more time."]
    assert patterns.items[0].sources == ["checkin:1", "checkin:2", "checkin:3"]
    assert texts(out, "Sharpen next week")[0].startswith("Turn the recurring blocker into a request")
    six = thread("Same blocker", [f"2026-W{w}" for w in range(36, 42)], ids=list(range(1, 7)))
    out = compose_feedback(feedback_context(assessment(threads=[six], quality=quality()), marks={}))
    assert "for the 6th time (2026-W36, 2026-W37, 2026-W38, 2026-W39, 2026-W40, 2026-W41)" in texts(out, "Patterns")[0]


def test_a_resolved_or_older_thread_is_no_pattern():
    cleared = thread("Old stock stuck", ["2026-W38", "2026-W39"], status="resolved", resolved_week="2026-W40")
    earlier = thread("Not raised this week", ["2026-W38", "2026-W40"])
    a = assessment(threads=[cleared, earlier], quality=quality(),
                   wins=[Win(kind="blocker_cleared", label=cleared.label, sources=cleared.sources[-1:])])
    out = compose_feedback(feedback_context(a, marks={}))
    assert "Patterns" not in titles(out)
    assert texts(out, "Encouragement") == ['The blocker you raised in 2 check-ins ("Old stock stuck") has not come '
                                           "back since: well cleared."]


def test_a_blocker_that_explains_a_guardrail_is_the_owners_to_fix():
    t = thread("Paused the broad campaigns for budget", [WEEK], explains_guardrail="sales", ids=[7])
    out = compose_feedback(feedback_context(assessment(kpis=[gamed()], threads=[t], quality=quality()),
                                            marks={"acos": "on_track"}))
    assert texts(out, "Blockers") == ["Your blocker explains Total sales worsening, but that guardrail is yours: say "
                                      "what you will change to bring it back."]


def test_priorities_that_never_turn_into_wins_are_a_pattern_and_a_followed_week_is_encouraged():
    missed = [FollowThrough(week=w, next_week=n, verdict="not_followed", sources=[f"checkin:{i}"])
              for i, (w, n) in enumerate((("2026-W38", "2026-W39"), ("2026-W39", "2026-W40"), ("2026-W40", WEEK)))]
    out = compose_feedback(feedback_context(assessment(follow_through=missed, quality=quality()), marks={}))
    assert "2 times" not in " ".join(texts(out, "Patterns"))
    assert texts(out, "Patterns")[0].startswith("Your priorities have not shown up in the next week's wins 3 times in "
                                                "the last 3 weeks checked.")
    followed = missed[:2] + [missed[2].model_copy(update={"verdict": "followed"})]
    item = next(s for s in compose_feedback(feedback_context(assessment(follow_through=followed, quality=quality()),
                                                             marks={})).sections if s.title == "Encouragement")
    assert item.items[0].text.startswith("Last week's priorities showed up") and item.items[0].sources == ["checkin:2"]


def test_the_word_cap_holds_however_much_is_found():
    goals = [GoalReading(goal_id=i, title=f"Bring ACOS under 10% while Total sales stay above $40,000, goal {i}",
                         quarter="2026-Q4", kpi="acos", target=10.0, on_track=False,
                         conditions=[GoalCondition(kpi="acos", kpi_name="ACOS", bound=10.0, direction="down",
                                                   value=12.5, holds=False)], sources=[f"goal:{i}"])
             for i in range(3)]
    label = "Waiting on the agency to send the revised search-term report and the negative keyword list"
    a = assessment(kpis=[gamed("acos"), gamed("tacos"), kpi("roas"), kpi("cvr"), vanity()], goals=goals,
                   self_report=[self_report(["2026-W39", "2026-W40", WEEK], k) for k in ("roas", "cvr")],
                   threads=[thread(label, ["2026-W39", "2026-W40", WEEK], waits_on=[waits("Brightline", "agency")])],
                   follow_through=[FollowThrough(week="2026-W40", next_week=WEEK, verdict="not_followed",
                                                 sources=["checkin:6"])] * 3,
                   quality=quality(wins=AnswerQuality(label="outcome", kpis=["acos"]),
                                   priorities=AnswerQuality(label="task_list"),
                                   blockers=AnswerQuality(label="names_person"), names=[waits("Brightline")]))
    actions = [{"meeting": "meeting:1", "agreed_on": "2026-10-07", "owner": SUBJECT, "due": "2026-10-10",
                "overdue": True, "done": False, "text": "word " * 30}] * 3
    out = compose_feedback(feedback_context(a, marks=dict.fromkeys(("acos", "roas", "cvr"), "on_track"),
                                            own_actions=actions))
    assert sum(len(i.text.split()) for s in out.sections for i in s.items) <= FEEDBACK_WORD_CAP
    # The judgements stay; the action items and patterns give way first.
    assert titles(out)[:4] == ["Wins", "Priorities", "Blockers", "Metric check"]
    assert "Action items" not in titles(out) and "Sharpen next week" in titles(out)


# ---------------------------------------------------------------- goals
def candidate(key: str, guardrail: dict[str, Any] | None) -> dict[str, Any]:
    return {"kpi": key, "title": f"Bring down {key} from 12.93% to 11.64% by 2027-03-31", "objective": "margin",
            "guardrail": guardrail, "baseline": 12.93, "window": "the last 4 weekly values",
            "statistic": "mean of the last 4 values", "trend_per_week": 0.421, "improvement": 1.29,
            "target": 11.64, "arithmetic": "baseline 12.93% ...", "date": "2027-03-31",
            "rationale": "A ratio that matters at any stage.", "sources": [f"kpi:{key}@2026-10-05"],
            "projected": 11.64, "cap": 8.55}


def test_goals_copy_the_computed_candidates_unchanged():
    facts = {"candidates": [candidate("tacos", {"key": "sales", "name": "Total sales", "tracked": True}),
                            candidate("esc", {"key": None, "name": "CSAT", "tracked": False}),
                            candidate("fcr", None)],
             "retire": [{"kpi": "impr", "kpi_name": "Impressions", "action": "retire", "reason": "A vanity count.",
                         "replacement": "TACOS", "sources": ["kpi:impr@2026-10-05"]},
                        {"kpi": "days", "kpi_name": "Days", "action": "demote", "reason": "No objective.",
                         "replacement": "", "sources": []}],
             "notes": ["No objectives are planned for 2027-Q1 yet."]}
    out = compose_goals({"facts": facts, "playbook": PLAYBOOK})
    assert [g.guardrail for g in out.goals] == ["Total sales", "CSAT (not tracked yet: add it)", None]
    first = out.goals[0]
    assert (first.baseline, first.trend_per_week, first.improvement, first.target) == (12.93, 0.421, 1.29, 11.64)
    assert first.title == facts["candidates"][0]["title"] and first.sources == ["kpi:tacos@2026-10-05"]
    assert [(r.kpi, r.action, r.replacement) for r in out.retire] == [("impr", "retire", "TACOS"),
                                                                      ("days", "demote", None)]
    assert out.notes == [Item(text="No objectives are planned for 2027-Q1 yet.", sources=[])]
    empty = compose_goals({"facts": {"candidates": [], "retire": [], "notes": []}, "playbook": []})
    assert (empty.goals, empty.retire, empty.notes) == ([], [], [])


# ---------------------------------------------------------------- through the pipeline
def test_the_hand_built_contexts_have_the_shape_gather_gives(session, demo):
    """Otherwise these tests would pass on contexts no draft ever sees."""
    manager, report = demo("growth-lead@northwind.test"), demo("ppc@northwind.test")
    for job, built in ((gather_brief(session, manager, report, WEEK), brief_context(assessment())),
                       (gather_feedback(session, report, report, WEEK), feedback_context())):
        assert set(built) == set(job.context), job.kind
        assert set(built["facts"]) == set(job.context["facts"]), job.kind


def test_the_composer_reads_the_trimmed_context_and_is_guarded_like_a_model(session, demo, monkeypatch):
    monkeypatch.setenv("CADENCE_PROMPT_BUDGET", "1200")
    get_settings.cache_clear()
    job = gather_brief(session, demo("growth-lead@northwind.test"), demo("ppc@northwind.test"), "2026-W41")
    untrimmed = copy.deepcopy(job.context)
    seen: list[dict[str, Any]] = []

    def invents_a_benchmark(context: dict[str, Any]):  # noqa: ANN202
        seen.append(copy.deepcopy(context))
        out = compose_brief(context)
        extra = Section(title="Benchmarks", items=[Item(text="The industry benchmark for TACOS is 7.5%.",
                                                        sources=["kpi:ppc-tacos@2026-10-05"])])
        return out.model_copy(update={"sections": [*out.sections, extra]})

    job.compose = invents_a_benchmark
    content = run(session, job, OfflineProvider()).content
    assert content["usage"]["context_trims"] > 0
    assert seen[0] == job.context != untrimmed  # what the trimmed prompt showed, not the gathered facts
    invented = f"sections[{len(compose_brief(seen[0]).sections)}].items[0]"
    # Untraceable, and a number next to TACOS that is none of TACOS's: both checks catch it.
    assert content["grounding"]["ungrounded"] == [{"where": invented, "problems": ["untraceable number",
                                                                                 "disagrees with the assessment"]}]
    assert content["grounding"]["repaired"] and seen == [seen[0], seen[0]]  # the repair asked the composer again
    assert "7.5" not in str(content["sections"])
    assert content["provider"] == "offline" and content["model"] == "offline-templates-v1"
