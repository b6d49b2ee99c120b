"""The prompt budget: what the model reads is what is counted, least relevant context goes
first, the search for the fewest trims equals trimming one at a time, and a draft says what
its model did not see."""

from __future__ import annotations

import copy
import json

import pytest

from assistant.core.token_count import count_tokens
from assistant.drafting import draft_brief
from assistant.drafting.budget import fit, notes, pop_last, pop_last_fact, shorten_series, shorten_text
from assistant.drafting.kinds import brief, feedback, goals
from assistant.drafting.kinds.brief import gather
from assistant.drafting.markdown import to_markdown
from assistant.drafting.pipeline import MESSAGE_TOKENS, REPLY_TOKENS, build_messages, fit_messages
from assistant.drafting.prompt import render as render_prompt
from assistant.drafting.schemas import GoalsModelOut, GoalSuggestion
from assistant.llm.base import json_instructions, schema_text
from assistant.settings import get_settings
from assistant.web.draftview import grounding_notes


def _render(ctx):
    return json.dumps(ctx, sort_keys=True)


def _context():
    return {"history": [{"text": f"older week {i} " * 20} for i in range(6)],
            "notes": [{"text": "a long note about the supplier and the bottles " * 30}],
            "facts": {"kpis": [{"key": f"k{i}", "history": list(range(12))} for i in range(4)],
                      "cadence": {"meetings": [{"week": f"W{i}"} for i in range(8)]}}}


STEPS = [pop_last("history", keep=1), shorten_text("notes", ("text",), floor=80),
         shorten_series("kpis", field="history", floor=2), pop_last_fact("cadence", "meetings", keep=2),
         pop_last_fact("kpis", keep=1)]


def _one_at_a_time(ctx, budget, steps, fixed=0):
    trims = 0
    while fixed + count_tokens(_render(ctx)) > budget and any(step(ctx) for step in steps):
        trims += 1
    return trims


@pytest.mark.parametrize("budget", [10_000, 1200, 900, 600, 400, 250, 50])
def test_the_search_trims_as_one_step_at_a_time_would(budget):
    ctx, plain = _context(), _context()
    original = copy.deepcopy(ctx)
    got = fit(_render, ctx, budget, STEPS, fixed=40)
    assert got.trims == _one_at_a_time(plain, budget, STEPS, fixed=40)
    assert ctx == plain and got.prompt == _render(ctx) and got.tokens == 40 + count_tokens(got.prompt)
    assert got.over_budget == (got.tokens > budget)
    if got.trims == 0:
        assert ctx == original


def test_tokens_sent_beside_the_prompt_count_against_the_budget():
    size = count_tokens(_render(_context()))
    alone = fit(_render, _context(), size, STEPS)
    assert alone.trims == 0 and alone.tokens == size
    beside = fit(_render, _context(), size, STEPS, fixed=100)
    assert beside.trims > 0 and beside.tokens <= size


def test_what_was_left_out_is_said_in_words():
    got = fit(_render, _context(), 50, STEPS)
    assert got.over_budget and got.tokens > 50
    # Most dropped first; each step taken drops one item (or one point of a series).
    assert got.left_out == ["40 oldest KPI values", "6 1:1 meeting records", "5 related earlier check-ins", "3 KPIs"]
    assert got.shortened == ["notes"]
    assert got.kept == ["1 related earlier check-in", "2 1:1 meeting records", "1 KPI"]
    said = notes({"left_out": got.left_out, "over_budget": True, "kept": got.kept,
                  "prompt_tokens_counted": got.tokens, "prompt_budget": 50})
    assert said[0] == ("Some context was left out to fit the model's budget: 40 oldest KPI values, "
                       "6 1:1 meeting records, 5 related earlier check-ins, 3 KPIs.")
    assert said[1] == (f"Even trimmed as far as it goes, the prompt is over the model's budget ({got.tokens} tokens "
                       "for 50); it still holds 1 related earlier check-in, 2 1:1 meeting records, 1 KPI.")
    fits = fit(_render, _context(), 900, STEPS)
    assert not fits.over_budget and fits.trims > 0 and fits.kept == []
    assert notes({"left_out": [], "over_budget": False}) == []


def test_a_step_that_does_not_say_what_it_changes_gets_the_whole_context_copied():
    def drop_a_kpi(ctx):
        kpis = ctx["facts"]["kpis"]
        return bool(kpis) and kpis.pop() is not None

    steps = [drop_a_kpi, *STEPS]
    ctx, plain = _context(), _context()
    got = fit(_render, ctx, 600, steps)
    assert got.trims == _one_at_a_time(plain, 600, steps) and ctx == plain


def test_the_system_prompt_alone_can_decide_a_trim(session, demo):
    ppc = demo("ppc@northwind.test")
    job = gather(session, demo("growth-lead@northwind.test"), ppc, "2026-W41")
    user = count_tokens(render_prompt(job.template, **job.context))
    system = count_tokens(render_prompt("system.j2"))
    assert system > 100
    # Room for the user prompt, not for the system prompt beside it: the old count fitted it untrimmed.
    messages, tokens, trims = build_messages(job, user + 10)
    assert trims > 0 and tokens <= user + 10
    # Counted as json_mode sends it: the reply's schema in the system message.
    sent = json_instructions(messages, job.schema)
    assert tokens == sum(count_tokens(m["content"]) for m in sent) + 2 * MESSAGE_TOKENS + REPLY_TOKENS


@pytest.mark.parametrize("kind", ["brief", "feedback", "goals"])
def test_the_replys_schema_counts_against_the_budget(session, demo, kind):
    viewer, subject = {"brief": ("growth-lead", "ppc"), "feedback": ("ppc", "ppc"), "goals": ("founder", "ppc")}[kind]
    gather = {"brief": brief.gather, "feedback": feedback.gather, "goals": goals.gather}[kind]
    period = {"brief": "2026-W41", "feedback": "2026-W41", "goals": None}[kind]
    job = gather(session, demo(f"{viewer}@northwind.test"), demo(f"{subject}@northwind.test"), period)
    prompt = fit_messages(job, 100_000)
    schema = count_tokens(schema_text(job.schema))
    assert prompt.system_tokens >= count_tokens(render_prompt("system.j2")) + schema
    assert prompt.fitted.tokens == prompt.system_tokens + count_tokens(prompt.messages[1]["content"]) \
        + 2 * MESSAGE_TOKENS + REPLY_TOKENS


def test_the_schema_the_model_reads_says_each_thing_once():
    # A property's title repeats its key; a nullable number is one list of types; constraints stay.
    text = schema_text(goals.GoalsOut)
    suggestion = goals.GoalsOut.model_json_schema()["$defs"]["GoalSuggestion"]["properties"]
    assert '"title":"Title"' not in text and '"default":null' not in text
    assert suggestion["baseline"] == {"type": ["number", "null"]}
    assert suggestion["title"]["maxLength"] == 240 and suggestion["kpi"]["anyOf"][0]["maxLength"] == 64
    assert count_tokens(text) < 750
    with pytest.raises(ValueError):
        goals.GoalsOut.model_validate({"goals": [{"title": "x" * 241, "objective": "o", "arithmetic": "",
                                                   "date": "2027-03-31", "rationale": ""}]})


def test_a_draft_over_its_budget_says_what_was_left_out(session, demo, monkeypatch):
    monkeypatch.setenv("CADENCE_PROMPT_BUDGET", "1500")
    get_settings.cache_clear()
    draft = draft_brief(session, demo("growth-lead@northwind.test"), demo("ppc@northwind.test"), "2026-W41")
    usage = draft.meta["usage"]
    assert usage["over_budget"] is True and usage["prompt_budget"] == 1500
    assert usage["prompt_tokens_counted"] > 1500 and usage["kept"] and usage["left_out"]
    assert "playbook sections" in " ".join(usage["left_out"])
    content = draft.content
    shown = grounding_notes(content)
    assert any(n.startswith("Some context was left out to fit the model's budget: ") for n in shown)
    assert any(n.startswith("Even trimmed as far as it goes, the prompt is over the model's budget (") for n in shown)
    md = to_markdown(content)
    assert "_Some context was left out to fit the model's budget: " in md
    assert "left_out" not in md and "over_budget" not in md  # words, not keys


def test_a_draft_that_fits_says_nothing_of_the_budget(session, demo, monkeypatch):
    monkeypatch.setenv("CADENCE_PROMPT_BUDGET", "100000")
    get_settings.cache_clear()
    draft = draft_brief(session, demo("growth-lead@northwind.test"), demo("ppc@northwind.test"), "2026-W41")
    usage = draft.meta["usage"]
    assert usage["context_trims"] == 0 and usage["left_out"] == [] and usage["over_budget"] is False
    assert "budget" not in to_markdown(draft.content).split("---")[-1]
    assert not any("budget" in n for n in grounding_notes(draft.content))


def test_the_least_important_goal_candidate_goes_last_and_the_draft_says_so(session, demo):
    from assistant.drafting import draft_goals

    ppc = demo("ppc@northwind.test")
    job = goals.gather(session, demo("founder@northwind.test"), ppc, None)
    everything = list(job.context["facts"]["candidates"])
    assert len(everything) == 3
    prompt = fit_messages(job, 3000)
    assert prompt.fitted.tokens <= 3000 and not prompt.fitted.over_budget
    # Every other step went first; the two most important candidates stay.
    assert prompt.fitted.left_out[-1] == "1 goal candidate"
    assert job.context["facts"]["candidates"] == everything[:2]
    # verify still knows every computed candidate: a goal on the third is not an invented one.
    third = GoalSuggestion(**{k: everything[2][k] for k in (
        "title", "objective", "kpi", "baseline", "window", "statistic", "trend_per_week", "improvement", "target",
        "arithmetic", "date", "rationale")})
    assert job.verify(GoalsModelOut(goals=[third])) == {}
    draft = draft_goals(session, demo("founder@northwind.test"), ppc, None)
    assert len(draft.content["goals"]) == 2 and len(draft.content["computed_goals"]) == 3
    assert any("1 goal candidate" in n for n in grounding_notes(draft.content))
