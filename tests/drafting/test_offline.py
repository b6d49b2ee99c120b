"""The offline composers, called directly on hand-built contexts (no prompt, no database), and
their path through the pipeline: the context they read is the trimmed one, and what they write
is guarded like a model's reply."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from assistant.drafting.kinds.brief import gather as gather_brief
from assistant.drafting.offline import compose_brief, compose_feedback, compose_goals, numberless
from assistant.drafting.pipeline import run
from assistant.drafting.schemas import Item, Section
from assistant.llm.offline import OfflineProvider
from assistant.settings import get_settings

PLAYBOOK = [{"id": "playbook:gaming", "title": "Gaming", "text": "..."},
            {"id": "playbook:praise", "title": "Praise", "text": "..."}]


def kpi(key: str, **over: Any) -> dict[str, Any]:
    row = {"key": key, "name": key.upper(), "unit": "percent", "value": 12.5, "period": "2026-10-05",
           "target": 10.0, "on_target": False, "trend": "worse", "change_from_value": 11.0,
           "change_from_period": "2026-09-28", "sources": [f"kpi:{key}@2026-10-05"]}
    return row | over


def flag(kpi_key: str, code: str, severity: str = "warning", **over: Any) -> dict[str, Any]:
    row = {"kpi": kpi_key, "kpi_name": kpi_key.upper(), "code": code, "severity": severity,
           "reason": f"{kpi_key.upper()} is {code}.", "suggestion": None,
           "evidence": {"guardrail": {"name": "Total sales"}}, "sources": [f"kpi:{kpi_key}@2026-10-05"]}
    return row | over


def cadence(**over: Any) -> dict[str, Any]:
    row = {"first_week": "2026-W38", "last_week": "2026-W41", "weeks": 4, "meetings_held": 4,
           "meetings_cancelled": 0, "meetings_rushed": 0, "missing_checkin_weeks": [], "sources": []}
    return row | over


NO_ONE_ON_ONE = {"last_meeting": None, "next_meeting": None, "open_actions": [], "done_actions": [],
                 "overdue_actions": 0, "agenda_items": 0}


def brief_context(**facts: Any) -> dict[str, Any]:
    base = {"kpis": [], "flags": [], "self_report_mismatches": [], "recurring_blockers": [],
            "follow_through": [], "cadence": cadence(), "one_on_one": NO_ONE_ON_ONE}
    blocks = {k: facts.pop(k, []) for k in ("checkins", "actions", "agenda", "meeting_notes")}
    return {"facts": base | facts, "history": [], "playbook": PLAYBOOK, **blocks}


def titles(out: Any) -> list[str]:
    return [s.title for s in out.sections]


# ---------------------------------------------------------------- brief
def test_an_empty_record_gives_no_empty_sections_and_the_one_standing_question():
    out = compose_brief(brief_context())
    assert out.sections == []
    assert out.questions == ["What is the one outcome that matters most next week?"]


def test_a_kpi_is_stated_against_its_target_and_its_last_move():
    out = compose_brief(brief_context(kpis=[kpi("acos"), kpi("ntb", target=None, change_from_value=None,
                                                              value=1200.0, unit="currency")]))
    assert titles(out) == ["What the numbers say"]
    assert [i.text for i in out.sections[0].items] == [
        "ACOS was 12.5% on 2026-10-05 against a target of 10% (off target), worsening from 11% on 2026-09-28.",
        "NTB was $1,200 on 2026-10-05.",
    ]


def test_a_gamed_kpi_is_watched_asked_about_and_never_recognised():
    gamed = kpi("acos", on_target=True, trend="better")
    honest = kpi("cvr", on_target=True, trend="better", value=15.2)
    out = compose_brief(brief_context(kpis=[gamed, honest], flags=[flag("acos", "gamed")]))
    watch = out.sections[0]
    assert watch.title == "Watch" and watch.items[0].text.startswith("ACOS is gamed. The headline number")
    assert watch.items[0].sources == ["kpi:acos@2026-10-05", "playbook:gaming"]  # the first playbook id
    recognise = out.sections[-1]
    assert recognise.title == "Recognise" and [i.text.split(" ")[0] for i in recognise.items] == ["CVR"]
    assert recognise.items[0].sources == ["kpi:cvr@2026-10-05", "playbook:praise"]  # the last one
    assert out.questions[0] == "What happened to Total sales while ACOS improved, and which change drove both?"


def test_watch_holds_three_gamed_kpis_and_one_more_finding_critical_first():
    flags = [flag(f"k{i}", "gamed") for i in range(4)]
    flags += [flag("vain", "vanity", suggestion="Track TACOS."), flag("bad", "stale", "critical", sources=[])]
    out = compose_brief(brief_context(flags=flags))
    texts = [i.text for i in out.sections[0].items]
    assert len(texts) == 4 and all("is gamed" in t for t in texts[:3])
    assert texts[3] == "BAD is stale." and out.sections[0].items[3].sources == ["playbook:gaming"]
    out = compose_brief(brief_context(flags=flags[-2:]))
    assert [i.text for i in out.sections[0].items] == ["BAD is stale."]
    out = compose_brief(brief_context(flags=flags[-2:-1]))
    assert [i.text for i in out.sections[0].items] == ["VAIN is vanity. Suggestion: Track TACOS."]


def test_a_mismatch_prints_both_figures_in_the_kpis_unit():
    mismatch = {"kpi": "ret", "kpi_name": "Return rate", "week": "2026-W38", "said": "on_track", "actual": 4.1,
                "target": 4.0, "sources": ["checkin:21", "kpi:ret@2026-09-14"]}
    out = compose_brief(brief_context(kpis=[kpi("ret")], self_report_mismatches=[mismatch]))
    assert out.sections[0].items[0].text == (
        "In 2026-W38 the check-in marked Return rate as on track, but it stood at 4.1% against a target of 4%. "
        "Worth asking how they judge whether it is on track.")
    assert "How did you decide Return rate was on track in 2026-W38?" in out.questions


def test_slipping_meetings_and_missing_check_ins_are_watched():
    checkins = [{"id": "checkin:9", "week": "2026-W41", "wins": "Cut 40 terms.", "priorities": "", "blockers": ""}]
    out = compose_brief(brief_context(cadence=cadence(meetings_cancelled=1, missing_checkin_weeks=["2026-W39"],
                                                      sources=[f"meeting:{i}" for i in range(12)]),
                                      checkins=checkins))
    watch = out.sections[0].items
    assert watch[0].text.startswith("1:1s over the last 4 weeks (2026-W38 to 2026-W41): 4 held, 1 cancelled")
    assert len(watch[0].sources) == 8  # the schema's cap
    assert watch[1].text == "No check-in was filed for 2026-W39." and watch[1].sources == ["checkin:9"]
    assert "Is the 1:1 slot still working for you, and what should we protect time for?" in out.questions
    assert titles(out) == ["Watch"]  # the only wins sentence carries a figure: nothing quoted


def test_wins_are_quoted_without_their_figures_and_cut_at_a_word():
    assert numberless("ACOS 22.6%. Restarted the bakeware test! Cut 40 terms.") == "Restarted the bakeware test!"
    long = "Shipped the refresh " + "and then the next listing " * 12
    rows = [{"id": "checkin:2", "week": "2026-W41", "wins": long},
            {"id": "checkin:1", "week": "2026-W40", "wins": "Sales up 9%. The supplier agreed to terms."},
            {"id": "checkin:0", "week": "2026-W39", "wins": "Signed the agency."}]
    out = compose_brief(brief_context(checkins=rows))
    moved = [i.text for i in out.sections[0].items]
    quoted = moved[0].split('"')[1]
    assert len(quoted) <= 220 and long.startswith(quoted) and not quoted.endswith(" ")
    assert moved[1] == 'Wins reported for 2026-W40: "The supplier agreed to terms."'
    assert len(moved) == 2  # the two latest check-ins only


def test_follow_through_says_which_priorities_became_wins():
    follow = [{"week": "2026-W39", "next_week": "2026-W40", "verdict": "followed", "sources": ["checkin:1"]},
              {"week": "2026-W40", "next_week": "2026-W41", "verdict": "partly", "sources": ["checkin:2"]},
              {"week": "2026-W41", "next_week": "2026-W42", "verdict": "not_followed", "sources": ["checkin:3"]}]
    texts = [i.text for i in compose_brief(brief_context(follow_through=follow)).sections[0].items]
    assert len(texts) == 2 and "show up in the wins of 2026-W40" in texts[0]
    assert "do not show up in the wins of 2026-W42" in texts[1]


# ---------------------------------------------------------------- feedback
def feedback_context(wins: str = "outcome", priorities: str = "measurable", names_kpis: bool = True,
                     blockers: str = "clear_ask", **facts: Any) -> dict[str, Any]:
    base = {
        "checkin_id": "checkin:7",
        "answers": {"wins": {"label": wins, "names_kpis": []},
                    "priorities": {"label": priorities, "items": 2, "names_kpis": ["acos"] if names_kpis else []},
                    "blockers": {"label": blockers}},
        "metric_check": [], "kpis": [], "flags": [], "goals": [],
        "role_goals": {"quarter": "2026-Q4", "clear": True, "problem": None},
        "patterns": {"recurring_blockers": [],
                     "follow_through": {"pairs": 0, "followed": 0, "partly": 0, "not_followed": 0,
                                        "this_week": None, "this_week_sources": [], "never_turn_into_wins": False,
                                        "sources": []}},
    }
    own = facts.pop("own_actions", [])
    return {"facts": base | facts | {"own_actions": own}, "checkins": [], "history": [], "playbook": PLAYBOOK,
            "own_actions": own}


def check(key: str, said: str, agrees: bool | None) -> dict[str, Any]:
    return {"kpi": key, "kpi_name": key.upper(), "said": said, "value": 14.0, "target": 10.0, "unit": "percent",
            "on_target": False, "agrees": agrees, "sources": [f"kpi:{key}@2026-10-05"]}


def test_a_good_check_in_is_told_so_answer_by_answer():
    out = compose_feedback(feedback_context())
    assert titles(out) == ["Wins", "Priorities", "Blockers", "Metric check", "Sharpen next week", "Encouragement"]
    assert [s.items[0].text for s in out.sections[:3]] == [
        "Your wins name a result, which is what a win should do.",
        "Your priorities are specific and tied to your KPIs.",
        "Your blocker says what you need and from whom: that makes it easy to clear.",
    ]
    assert all(i.sources == ["checkin:7"] for s in out.sections for i in s.items)


@pytest.mark.parametrize(("labels", "wins", "priorities", "sharpen"), [
    (("activity", "measurable", False, "no_ask"), "Your wins describe activity", "does not say which of your KPIs",
     "Write each win as a result"),
    (("empty", "task_list", False, "none"), "No wins this week", "read as a task list", "Write each win as a result"),
    (("outcome", "not_measurable", False, "none"), "Your wins name a result", "have no measure or date",
     "Give next week's top priority a number or a date"),
    (("outcome", "measurable", True, "ask_without_owner"), "Your wins name a result", "tied to your KPIs",
     "Say who can clear your blocker"),
])
def test_each_label_has_its_own_sentence_and_the_first_gap_is_the_one_to_sharpen(labels, wins, priorities, sharpen):
    out = compose_feedback(feedback_context(*labels))
    by_title = {s.title: s.items[0].text for s in out.sections}
    assert wins in by_title["Wins"] and priorities in by_title["Priorities"]
    assert ("Blockers" in by_title) == (labels[3] != "none")
    assert by_title["Sharpen next week"].startswith(sharpen)


def test_a_kpi_marked_against_its_data_is_named_with_both_figures():
    checks = [check("acos", "on_track", False), check("ntb", "off_track", True), check("cvr", "on_track", False),
              check("roas", "on_track", False)]
    out = compose_feedback(feedback_context(metric_check=checks))
    metric = next(s for s in out.sections if s.title == "Metric check")
    assert [i.text for i in metric.items] == [
        "You marked ACOS as on track, but the data has it at 14% against a target of 10%.",
        "You marked CVR as on track, but the data has it at 14% against a target of 10%.",
    ]
    assert metric.items[0].sources == ["checkin:7", "kpi:acos@2026-10-05"]
    sharpen = next(s for s in out.sections if s.title == "Sharpen next week").items[0]
    assert sharpen.text.endswith("ACOS is off target.") and sharpen.sources == ["checkin:7", "kpi:acos@2026-10-05"]


def test_kpis_without_a_clear_mark_are_listed_unclear_first():
    checks = [check("acos", "not_reported", None), check("ntb", "unclear", None), check("cvr", "on_track", True)]
    item = next(s for s in compose_feedback(feedback_context(metric_check=checks)).sections
                if s.title == "Metric check").items[0]
    assert item.text == ("Mark each KPI on track or off track from its latest number; NTB, ACOS had no clear "
                         "status.")
    assert item.sources == ["checkin:7", "kpi:ntb@2026-10-05", "kpi:acos@2026-10-05"]
    agree = next(s for s in compose_feedback(feedback_context(metric_check=checks[2:])).sections
                 if s.title == "Metric check").items[0]
    assert agree.text == "Your metric check agrees with the KPI data."


def test_goals_patterns_and_unclear_role_goals_get_their_sections():
    goals = [{"goal": "Cut ACOS", "kpi": "acos", "moved_this_week": "worse", "previous_value": 11.0, "value": 12.5,
              "unit": "percent", "mentioned_in_checkin": False, "sources": ["kpi:acos@2026-10-05"]},
             {"goal": "No KPI", "kpi": None, "moved_this_week": None, "previous_value": None, "value": None,
              "unit": "", "mentioned_in_checkin": False, "sources": []}]
    blocker = {"weeks": ["2026-W36", "2026-W38", "2026-W41"], "times": 3,
               "sources": [f"checkin:{i}" for i in range(8)]}
    ctx = feedback_context(goals=goals, role_goals={"quarter": "2026-Q4", "clear": False,
                                                    "problem": "no role goals are set for 2026-Q4"})
    ctx["facts"]["patterns"]["recurring_blockers"] = [blocker]
    ctx["facts"]["patterns"]["follow_through"] |= {"pairs": 4, "not_followed": 3, "never_turn_into_wins": True,
                                                   "sources": ["checkin:1", "checkin:2"]}
    by_title = {s.title: s.items for s in compose_feedback(ctx).sections}
    assert [i.text for i in by_title["Goals"]] == [
        'Goal "Cut ACOS": the number went the wrong way this week (11% to 12.5%), and your check-in does not '
        "mention it."]
    patterns = by_title["Patterns"]
    assert patterns[0].text.startswith("This blocker is back for the third time (2026-W36, 2026-W38, 2026-W41).")
    assert patterns[0].sources == blocker["sources"][-6:]
    assert "3 times in the last 4 weeks checked" in patterns[1].text
    assert by_title["Role goals"][0].text.startswith("This check-in is hard to answer well because no role goals")
    assert by_title["Sharpen next week"][0].text.startswith("Turn the recurring blocker into a request")
    blocker["times"] = 6
    patterns = next(s for s in compose_feedback(ctx).sections if s.title == "Patterns")
    assert "for the 6th time" in patterns.items[0].text


def test_encouragement_is_earned_and_never_rests_on_a_flagged_kpi():
    good, flagged = kpi("cvr", on_target=True, trend="better", value=15.2), kpi("acos", on_target=True, trend="better")
    ctx = feedback_context(kpis=[flagged, good], flags=[flag("acos", "gamed")])
    last = compose_feedback(ctx).sections[-1]
    assert last.title == "Encouragement" and last.items[0].text.startswith("CVR is on target at 15.2%")
    assert last.items[0].sources == ["kpi:cvr@2026-10-05", "playbook:praise"]
    ctx = feedback_context("activity", blockers="no_ask", kpis=[flagged], flags=[flag("acos", "gamed")])
    assert compose_feedback(ctx).sections[-1].items[0].text.startswith("You filed your check-in for the week")
    ctx["facts"]["patterns"]["follow_through"] |= {"this_week": "followed", "this_week_sources": ["checkin:6"]}
    item = compose_feedback(ctx).sections[-1].items[0]
    assert item.text.startswith("Last week's priorities showed up") and item.sources == ["checkin:6"]


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
    assert content["grounding"]["ungrounded"] == [{"where": invented, "problems": ["untraceable number"]}]
    assert content["grounding"]["repaired"] and seen == [seen[0], seen[0]]  # the repair asked the composer again
    assert "7.5" not in str(content["sections"])
    assert content["provider"] == "offline" and content["model"] == "offline-templates-v1"
