"""The offline drafts' shared wording, and the goals composer (the brief's and the feedback's
are offline_brief.py and offline_feedback.py): each kind's output composed in Python from the
facts its prompt shows.

A composer reads the same context the prompt was rendered from (after the budget trimmed
it), so the offline draft sees exactly what a model would. It writes plain sentences around
figures copied from the facts, never from check-in text, and builds the kind's output
schema. The pipeline hands it to the provider, whose reply then goes through the same
parsing and grounding guard as any model's: the offline draft is checked, not trusted.
"""

from __future__ import annotations

import re
from typing import Any

from assistant.drafting.grounding import Facts, check_text
from assistant.drafting.schemas import (
    FeedbackItem,
    GoalsModelOut,
    GoalSuggestion,
    Item,
    Retirement,
)

Context = dict[str, Any]

QUOTE_CHARS = 220
"""How much of a check-in's wins a brief quotes (a few characters more pass uncut)."""
QUOTE_LEEWAY = 5


def ids(blocks: list[dict[str, Any]]) -> list[str]:
    return [b["id"] for b in blocks]


def said(mark: str) -> str:
    return mark.replace("_", " ")


def kpi_units(facts: dict[str, Any]) -> dict[str, str]:
    """Units by KPI key: the person's KPIs and the guardrails beside them (a goal may bind either)."""
    units = {k["key"]: k["unit"] for k in facts["kpis"]}
    units.update({k["guardrail"]["key"]: k["guardrail"]["unit"] for k in facts["kpis"] if k.get("guardrail")})
    return units


def numberless(text: str, facts: dict[str, Any] | None = None) -> str:
    """The sentences of ``text`` safe to quote: those whose figures the record holds (every one
    traceable in ``facts``), or with no ``facts`` those that carry no digits at all. A figure in
    a check-in is the writer's claim: "ACOS down to 21.9%" is quoted when 21.9% is ACOS's
    stored value, an injected "FCR is 99%" never is."""
    known = Facts()
    known.add_numbers_from(facts)
    sentences = re.split(r"(?<=[.!?])\s+", text.strip())
    return " ".join(s for s in sentences if s and (not check_text(s, known) if facts is not None
                                                  else not re.search(r"\d", s)))


def without_figures(text: str) -> str:
    """``text`` without the words that carry digits ("waiting on PO-2291 sign-off" -> "waiting on
    sign-off"): a label in the person's words, with no figure the guard would have to trace."""
    return " ".join(w for w in text.split() if not re.search(r"\d", w)).strip(" ,;:-")


def quote(text: str, limit: int = QUOTE_CHARS) -> str:
    """``text`` cut at the last word break before ``limit``, unless it is only a little over."""
    if len(text) > limit + QUOTE_LEEWAY:
        text = text[:limit].rsplit(" ", 1)[0]
    return text.strip()


# ---------------------------------------------------------------- the 1:1 brief
def wording(text: str, limit: int = QUOTE_CHARS) -> str:
    """An agenda or action item's words in quotes, or a pointer to the 1:1 when they carry a
    figure, a number word or a date (someone's claim, not data the guard can trace)."""
    if check_text(text, Facts()):
        return "an item whose wording has figures (read it on the 1:1 page)"
    return f'"{quote(" ".join(text.split()), limit)}"'


def agreed_items(actions: list[dict[str, Any]]) -> list[Item]:
    """Open action items (the facts list them overdue first) with owner and due date, then the done ones."""
    items = []
    for a in actions:
        if a["done"]:
            text = f"Done since the last 1:1: {a['owner']}, {wording(a['text'])}. Acknowledge it."
        elif a["overdue"]:
            text = (f"Overdue (due {a['due']}): {a['owner']}, {wording(a['text'])} (agreed on {a['agreed_on']}). "
                    "Ask what got in the way, and agree a new date or drop it.")
        else:
            due = f"due {a['due']}" if a["due"] else "no due date"
            text = f"Open, {due}: {a['owner']}, {wording(a['text'])} (agreed on {a['agreed_on']})."
        items.append(Item(text=text, sources=[a["meeting"]]))
    return items


# ---------------------------------------------------------------- check-in feedback
ORDINALS = {2: "second", 3: "third", 4: "fourth", 5: "fifth"}
ACTION_QUOTE = 150  # characters of an action item quoted in feedback (an item holds 320)


def own_action_items(actions: list[dict[str, Any]]) -> list[FeedbackItem]:
    """The person's open action items from their 1:1s, overdue first, each with its due date."""
    items = []
    for a in actions:
        if a["overdue"]:
            text = (f"Overdue (due {a['due']}): {wording(a['text'], ACTION_QUOTE)}, from your 1:1 on "
                    f"{a['agreed_on']}. Finish it or agree a new date.")
        else:
            due = f"Due {a['due']}" if a["due"] else "Open, with no due date"
            text = f"{due}: {wording(a['text'], ACTION_QUOTE)}, from your 1:1 on {a['agreed_on']}."
        items.append(FeedbackItem(text=text, sources=[a["meeting"]]))
    return items


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
