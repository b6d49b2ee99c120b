"""The offline drafts: each kind's output composed in Python from the facts its prompt shows.

A composer reads the same context the prompt was rendered from (after the budget trimmed
it), so the offline draft sees exactly what a model would. It writes plain sentences around
figures copied from the facts, never from check-in text, and builds the kind's output
schema. The pipeline hands it to the provider, whose reply then goes through the same
parsing and grounding guard as any model's: the offline draft is checked, not trusted.
"""

from __future__ import annotations

import re
from typing import Any

from assistant.core.templates import fmt_number as num
from assistant.drafting.grounding import Facts, check_text
from assistant.drafting.schemas import (
    FEEDBACK_WORD_CAP,
    BriefModelOut,
    FeedbackItem,
    FeedbackModelOut,
    FeedbackSection,
    GoalsModelOut,
    GoalSuggestion,
    Item,
    Retirement,
    Section,
)

Context = dict[str, Any]

QUOTE_CHARS = 220
"""How much of a check-in's wins a brief quotes (a few characters more pass uncut)."""
QUOTE_LEEWAY = 5


def _ids(blocks: list[dict[str, Any]]) -> list[str]:
    return [b["id"] for b in blocks]


def _said(mark: str) -> str:
    return mark.replace("_", " ")


def numberless(text: str) -> str:
    """The sentences of ``text`` that carry no digits: safe to quote, since a figure in a
    check-in is the writer's claim, not data the grounding guard can trace."""
    sentences = re.split(r"(?<=[.!?])\s+", text.strip())
    return " ".join(s for s in sentences if s and not re.search(r"\d", s))


def _quote(text: str, limit: int = QUOTE_CHARS) -> str:
    """``text`` cut at the last word break before ``limit``, unless it is only a little over."""
    if len(text) > limit + QUOTE_LEEWAY:
        text = text[:limit].rsplit(" ", 1)[0]
    return text.strip()


# ---------------------------------------------------------------- the 1:1 brief
TREND_WORDS = {"better": "improving", "worse": "worsening", "flat": "flat"}


def compose_brief(context: Context) -> BriefModelOut:
    """What was agreed last time and the report's agenda, then watch, what the numbers say, what
    moved, what to recognise, and the questions to ask."""
    facts, checkins, playbook = context["facts"], context["checkins"], _ids(context["playbook"])
    gamed = [f for f in facts["flags"] if f["code"] == "gamed"]
    sections = [
        Section(title="What was agreed last time", items=_agreed(context["actions"])),
        Section(title="On their agenda", items=[Item(text=f'{a["by"]} wants to talk about {_wording(a["text"])}.',
                                                     sources=[a["meeting"]]) for a in context["agenda"]]),
        Section(title="Watch", items=_watch(facts, checkins, playbook, gamed)),
        Section(title="What the numbers say", items=_numbers(facts["kpis"])),
        Section(title="What moved", items=_moved(facts["follow_through"], checkins)),
        Section(title="Recognise", items=_recognise(facts["kpis"], playbook, {f["kpi"] for f in gamed})),
    ]
    return BriefModelOut(sections=[s for s in sections if s.items], questions=_questions(facts, gamed))


def _wording(text: str, limit: int = QUOTE_CHARS) -> str:
    """An agenda or action item's words in quotes, or a pointer to the 1:1 when they carry a
    figure, a number word or a date (someone's claim, not data the guard can trace)."""
    if check_text(text, Facts()):
        return "an item whose wording has figures (read it on the 1:1 page)"
    return f'"{_quote(" ".join(text.split()), limit)}"'


def _agreed(actions: list[dict[str, Any]]) -> list[Item]:
    """Open action items (the facts list them overdue first) with owner and due date, then the done ones."""
    items = []
    for a in actions:
        if a["done"]:
            text = f"Done since the last 1:1: {a['owner']}, {_wording(a['text'])}. Acknowledge it."
        elif a["overdue"]:
            text = (f"Overdue since {a['due']}: {a['owner']}, {_wording(a['text'])} (agreed on {a['agreed_on']}). "
                    "Ask what got in the way, and agree a new date or drop it.")
        else:
            due = f"due {a['due']}" if a["due"] else "no due date"
            text = f"Open, {due}: {a['owner']}, {_wording(a['text'])} (agreed on {a['agreed_on']})."
        items.append(Item(text=text, sources=[a["meeting"]]))
    return items


def _watch(facts: dict[str, Any], checkins: list[dict[str, Any]], playbook: list[str],
           gamed: list[dict[str, Any]]) -> list[Item]:
    """Gamed KPIs, check-ins the data contradicts, returning blockers, slipping 1:1s, gaps."""
    units = {k["key"]: k["unit"] for k in facts["kpis"]}
    cad = facts["cadence"]
    items = [Item(text=f"{f['reason']} The headline number looks better while the business pays for it: "
                       "judge the process, not only the outcome.", sources=f["sources"] + playbook[:1])
             for f in gamed[:3]]
    for m in facts["self_report_mismatches"][:2]:
        unit = units.get(m["kpi"], "")
        items.append(Item(text=f"In {m['week']} the check-in marked {m['kpi_name']} as {_said(m['said'])}, but it "
                               f"stood at {num(m['actual'], unit)} against a target of {num(m['target'], unit)}. "
                               "Worth asking how they judge whether it is on track.", sources=m["sources"]))
    for b in facts["recurring_blockers"][:2]:
        items.append(Item(text=f"The same blocker has come back in {len(b['weeks'])} check-ins "
                               f"({', '.join(b['weeks'])}). Something outside their control is stuck: "
                               "agree who decides and by when.", sources=b["sources"][:8]))
    if cad["meetings_cancelled"] or cad["meetings_rushed"]:
        items.append(Item(text=f"1:1s over the last {cad['weeks']} weeks ({cad['first_week']} to {cad['last_week']}): "
                               f"{cad['meetings_held']} held, {cad['meetings_cancelled']} cancelled and "
                               f"{cad['meetings_rushed']} rushed. A meeting that keeps slipping tells the person it "
                               "does not matter; protect the next one.", sources=cad["sources"][:8]))
    if cad["missing_checkin_weeks"] and checkins:
        items.append(Item(text=f"No check-in was filed for {', '.join(cad['missing_checkin_weeks'])}.",
                          sources=_ids(checkins)[:1]))
    # One more audit finding at most: a critical one first, else a vanity KPI or a missing guardrail.
    others = [f for f in facts["flags"] if f["code"] != "gamed"]
    worst = [f for f in others if f["severity"] == "critical"]
    worst += [f for f in others if f["code"] in ("vanity", "no_guardrail") and f["severity"] != "critical"]
    for f in worst[:1]:
        advice = f" Suggestion: {f['suggestion']}" if f["suggestion"] else ""
        items.append(Item(text=f"{f['reason']}{advice}", sources=f["sources"] or playbook[:1]))
    return items


def _numbers(kpis: list[dict[str, Any]]) -> list[Item]:
    """Each KPI with a value: against its target, and how it moved since the previous value."""
    items = []
    for k in [k for k in kpis if k["value"] is not None][:10]:
        unit = k["unit"]
        status = "" if k["target"] is None else (f" against a target of {num(k['target'], unit)}"
                                                 + (" (on target)" if k["on_target"] else " (off target)"))
        move = "" if k["change_from_value"] is None else (
            f", {TREND_WORDS.get(k['trend'], 'moving')} from {num(k['change_from_value'], unit)}"
            f" on {k['change_from_period']}")
        items.append(Item(text=f"{k['name']} was {num(k['value'], unit)} on {k['period']}{status}{move}.",
                          sources=k["sources"]))
    return items


def _moved(follow_through: list[dict[str, Any]], checkins: list[dict[str, Any]]) -> list[Item]:
    """Wins quoted from the two latest check-ins, then whether priorities became wins."""
    items = []
    for c in checkins[:2]:
        # Quoted without the sentences that carry figures: those are claims the guard cannot trace.
        words = numberless(c["wins"])
        if words:
            items.append(Item(text=f'Wins reported for {c["week"]}: "{_quote(words)}"', sources=[c["id"]]))
    for f in follow_through:
        if f["verdict"] == "followed":
            text = (f"The priorities set for {f['week']} show up in the wins of {f['next_week']}: "
                    "plans are turning into results.")
        elif f["verdict"] == "not_followed":
            text = (f"The priorities set for {f['week']} do not show up in the wins of {f['next_week']}. "
                    "Ask what got in the way, or whether the priority changed.")
        else:
            continue
        items.append(Item(text=text, sources=f["sources"]))
    return items


def _recognise(kpis: list[dict[str, Any]], playbook: list[str], gamed_kpis: set[str]) -> list[Item]:
    """KPIs on target and still improving, unless the audit found them gamed."""
    earned = [k for k in kpis if k["on_target"] and k["trend"] == "better" and k["key"] not in gamed_kpis]
    return [Item(text=f"{k['name']} is on target and still improving ({num(k['value'], k['unit'])} on "
                      f"{k['period']}). Say specifically what they did that moved it.",
                 sources=k["sources"] + playbook[-1:]) for k in earned[:4]]


def _questions(facts: dict[str, Any], gamed: list[dict[str, Any]]) -> list[str]:
    cad = facts["cadence"]
    questions = [f"What happened to {f['evidence']['guardrail']['name']} while {f['kpi_name']} improved, "
                 "and which change drove both?" for f in gamed]
    questions += [f"How did you decide {m['kpi_name']} was {_said(m['said'])} in {m['week']}?"
                  for m in facts["self_report_mismatches"][:2]]
    if facts["one_on_one"]["overdue_actions"]:
        questions.append("What got in the way of the overdue action items, and is each one still worth doing?")
    if facts["recurring_blockers"]:
        questions.append("This blocker keeps returning: what decision or support would clear it, and from whom?")
    if cad["meetings_cancelled"] or cad["meetings_rushed"]:
        questions.append("Is the 1:1 slot still working for you, and what should we protect time for?")
    questions.append("What is the one outcome that matters most next week?")
    return questions


# ---------------------------------------------------------------- check-in feedback
WINS = {
    "outcome": "Your wins name a result, which is what a win should do.",
    "activity": "Your wins describe activity. Say what changed because of it: a KPI that moved or a decision made.",
}
NO_WINS = "No wins this week. Even a small result or a decision is worth naming."
MEASURABLE = {  # by whether the priorities name one of the person's KPIs
    True: "Your priorities are specific and tied to your KPIs.",
    False: "Your priority is specific, but it does not say which of your KPIs it should move.",
}
TASK_LIST = "Your priorities read as a task list. Turn the most important one into a measurable outcome for next week."
UNMEASURED = "Your priorities have no measure or date. Say what will be true by the end of next week."
BLOCKERS = {
    "clear_ask": "Your blocker says what you need and from whom: that makes it easy to clear.",
    "ask_without_owner": "Your blocker says what you need but not from whom. Name the person who can decide.",
    "no_ask": "Your blocker describes the problem but not the support or decision you need, or from whom.",
}
MOVED = {"better": "this week moved it the right way", "worse": "the number went the wrong way this week"}
ORDINALS = {2: "second", 3: "third", 4: "fourth", 5: "fifth"}
OWN_ACTIONS_SHOWN = 2  # of the person's open action items, overdue first
ACTION_QUOTE = 150  # characters of an action item quoted in feedback (an item holds 320)


def compose_feedback(context: Context) -> FeedbackModelOut:
    """Each answer judged from its label, the metric check, goals, patterns, one thing to sharpen
    and one earned encouragement. The check-in's own words are never copied."""
    facts, playbook = context["facts"], _ids(context["playbook"])
    answers, ref = facts["answers"], [facts["checkin_id"]]
    wrong = [m for m in facts["metric_check"] if m["agrees"] is False]
    recurring = [b for b in facts["patterns"]["recurring_blockers"] if b["times"] >= 2]

    def section(title: str, *items: FeedbackItem) -> FeedbackSection:
        return FeedbackSection(title=title, items=list(items))

    def on_checkin(*texts: str | None) -> list[FeedbackItem]:
        return [FeedbackItem(text=t, sources=ref) for t in texts if t]

    sections = [
        section("Wins", *on_checkin(WINS.get(answers["wins"]["label"], NO_WINS))),
        section("Priorities", *on_checkin(_priorities(answers["priorities"]))),
        section("Blockers", *on_checkin(BLOCKERS.get(answers["blockers"]["label"]))),
        section("Metric check", *_metric_check(facts["metric_check"], wrong, ref)),
        section("Goals", *_goals_moved(facts["goals"])),
        section("Patterns", *_patterns(recurring, facts["patterns"]["follow_through"])),
        section("Action items", *_own_actions(context["own_actions"][:OWN_ACTIONS_SHOWN])),
    ]
    if not facts["role_goals"]["clear"]:
        sections.append(section("Role goals", *on_checkin(
            f"This check-in is hard to answer well because {facts['role_goals']['problem']}. "
            "Raise it with your manager so you know which outcomes are yours.")))
    sections.append(section("Sharpen next week", _sharpen(answers, wrong, recurring, ref)))
    sections.append(section("Encouragement", _encourage(facts, answers, playbook, ref)))
    # Action items are the part that gives way to the word cap: the judgements come first.
    actions = next(s for s in sections if s.title == "Action items")
    while actions.items and sum(len(i.text.split()) for s in sections for i in s.items) > FEEDBACK_WORD_CAP:
        actions.items.pop()
    return FeedbackModelOut(sections=[s for s in sections if s.items])


def _priorities(priorities: dict[str, Any]) -> str:
    if priorities["label"] == "measurable":
        return MEASURABLE[bool(priorities["names_kpis"])]
    return TASK_LIST if priorities["label"] == "task_list" else UNMEASURED


def _metric_check(checks: list[dict[str, Any]], wrong: list[dict[str, Any]], ref: list[str]) -> list[FeedbackItem]:
    """Up to two KPIs marked against their data; else the KPIs with no clear mark; else agreement."""
    if wrong:
        return [FeedbackItem(text=f"You marked {m['kpi_name']} as {_said(m['said'])}, but the data has it at "
                                  f"{num(m['value'], m['unit'])} against a target of {num(m['target'], m['unit'])}.",
                             sources=ref + m["sources"]) for m in wrong[:2]]
    unmarked = [m for m in checks if m["said"] == "unclear"] + [m for m in checks if m["said"] == "not_reported"]
    if unmarked:
        return [FeedbackItem(text="Mark each KPI on track or off track from its latest number; "
                                  f"{', '.join(m['kpi_name'] for m in unmarked)} had no clear status.",
                             sources=(ref + [s for m in unmarked for s in m["sources"]])[:6])]
    return [FeedbackItem(text="Your metric check agrees with the KPI data.",
                         sources=(ref + [s for m in checks for s in m["sources"]])[:6])]


def _goals_moved(goals: list[dict[str, Any]]) -> list[FeedbackItem]:
    """The first two role goals whose KPI moved this week, and whether the check-in says so."""
    items = []
    for g in [g for g in goals if g["kpi"] and g["moved_this_week"]][:2]:
        moved = MOVED.get(g["moved_this_week"], "the number did not move this week")
        ending = "." if g["mentioned_in_checkin"] else ", and your check-in does not mention it."
        items.append(FeedbackItem(text=f'Goal "{g["goal"]}": {moved} ({num(g["previous_value"], g["unit"])} to '
                                       f'{num(g["value"], g["unit"])}){ending}', sources=g["sources"]))
    return items


def _patterns(recurring: list[dict[str, Any]], follow: dict[str, Any]) -> list[FeedbackItem]:
    """A blocker raised again, and priorities that keep not turning into wins."""
    items = []
    for b in recurring[:1]:
        times = ORDINALS.get(b["times"], f"{b['times']}th")
        items.append(FeedbackItem(text=f"This blocker is back for the {times} time ({', '.join(b['weeks'])}). "
                                       "Ask for a decision and a date, not more time.", sources=b["sources"][-6:]))
    if follow["never_turn_into_wins"]:
        items.append(FeedbackItem(text=f"Your priorities have not shown up in the next week's wins "
                                       f"{follow['not_followed']} times in the last {follow['pairs']} weeks checked. "
                                       "Pick fewer, smaller outcomes you can finish.", sources=follow["sources"][-6:]))
    return items


def _own_actions(actions: list[dict[str, Any]]) -> list[FeedbackItem]:
    """The person's open action items from their 1:1s, overdue first, each with its due date."""
    items = []
    for a in actions:
        if a["overdue"]:
            text = (f"Overdue since {a['due']}: {_wording(a['text'], ACTION_QUOTE)}, from your 1:1 on "
                    f"{a['agreed_on']}. Finish it or agree a new date.")
        else:
            due = f"Due {a['due']}" if a["due"] else "Open, with no due date"
            text = f"{due}: {_wording(a['text'], ACTION_QUOTE)}, from your 1:1 on {a['agreed_on']}."
        items.append(FeedbackItem(text=text, sources=[a["meeting"]]))
    return items


def _sharpen(answers: dict[str, Any], wrong: list[dict[str, Any]], recurring: list[dict[str, Any]],
             ref: list[str]) -> FeedbackItem:
    """The one thing to do differently: the most serious gap first."""
    if wrong:
        return FeedbackItem(text="Before marking a KPI on track, check it against its number: "
                                 f"{wrong[0]['kpi_name']} is off target.", sources=ref + wrong[0]["sources"])
    if recurring:
        return FeedbackItem(text="Turn the recurring blocker into a request: the decision you need, from whom, "
                                 "by when.", sources=ref + recurring[0]["sources"][-2:])
    if answers["wins"]["label"] != "outcome":
        text = "Write each win as a result: what changed, and which KPI it moved."
    elif answers["priorities"]["label"] != "measurable":
        text = "Give next week's top priority a number or a date, so you can tell whether it happened."
    elif answers["blockers"]["label"] in ("no_ask", "ask_without_owner"):
        text = "Say who can clear your blocker and what you need from them."
    else:
        text = "Keep the same shape next week and link each priority to the KPI it should move."
    return FeedbackItem(text=text, sources=ref)


def _encourage(facts: dict[str, Any], answers: dict[str, Any], playbook: list[str],
               ref: list[str]) -> FeedbackItem:
    """One earned encouragement: a KPI on target and improving (and not flagged) comes first."""
    flagged = {f["kpi"] for f in facts["flags"]}
    earned = [k for k in facts["kpis"] if k["on_target"] is True and k["trend"] == "better" and k["key"] not in flagged]
    follow = facts["patterns"]["follow_through"]
    if earned:
        k = earned[0]
        return FeedbackItem(text=f"{k['name']} is on target at {num(k['value'], k['unit'])} and still improving: "
                                 "keep doing what moved it.", sources=k["sources"][:2] + playbook[-1:])
    if follow["this_week"] == "followed":
        return FeedbackItem(text="Last week's priorities showed up in this week's wins: you finish what you plan.",
                            sources=follow["this_week_sources"])
    if answers["wins"]["label"] == "outcome":
        text = "You named a real result this week; that is the habit that makes check-ins useful."
    elif answers["blockers"]["label"] == "clear_ask":
        text = "You asked for exactly the help you need: that is how blockers get cleared early."
    else:
        text = "You filed your check-in for the week; the next step is making each answer sharper."
    return FeedbackItem(text=text, sources=ref)


# ---------------------------------------------------------------- next-quarter role goals
def compose_goals(context: Context) -> GoalsModelOut:
    """The computed candidates, retirements and notes, copied as they are: every figure is the
    kind's own arithmetic, so the offline draft adds only the guardrail's wording."""
    facts = context["facts"]
    goals = [GoalSuggestion(title=c["title"], objective=c["objective"], kpi=c["kpi"],
                            guardrail=_guardrail(c["guardrail"]), baseline=c["baseline"], window=c["window"],
                            statistic=c["statistic"], trend_per_week=c["trend_per_week"],
                            improvement=c["improvement"], target=c["target"], arithmetic=c["arithmetic"],
                            date=c["date"], rationale=c["rationale"], sources=c["sources"])
             for c in facts["candidates"]]
    retire = [Retirement(kpi=r["kpi"], action=r["action"], reason=r["reason"], replacement=r["replacement"] or None,
                         sources=r["sources"]) for r in facts["retire"]]
    return GoalsModelOut(goals=goals, retire=retire, notes=[Item(text=n) for n in facts["notes"]])


def _guardrail(guardrail: dict[str, Any] | None) -> str | None:
    if not guardrail:
        return None
    return guardrail["name"] + ("" if guardrail["tracked"] else " (not tracked yet: add it)")
