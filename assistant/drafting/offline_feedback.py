"""The offline check-in feedback: each answer judged on its content, from the assessment.

A win that rests on a KPI the audit calls gamed is named as such, with the guardrail's
damage; an empty check-in is said to be empty; a blocker is judged by whether it names who
can clear it (matched against the org, not guessed from capital letters); encouragement is
given only when the data earns it. The check-in's own words are never copied.
"""

from __future__ import annotations

from typing import Any

from assistant.core.templates import fmt_number as num
from assistant.drafting.context import RECOGNITION, cited_for
from assistant.drafting.offline import ORDINALS, Context, kpi_units, own_action_items, said, without_figures
from assistant.drafting.schemas import FEEDBACK_WORD_CAP, FeedbackItem, FeedbackModelOut, FeedbackSection

OWN_ACTIONS_SHOWN = 2  # of the person's open action items, overdue first

TASK_LIST = "Your priorities read as a task list. Turn the most important one into a measurable outcome for next week."
VAGUE = "Your priorities have no measure or date. Say what will be true by the end of next week."
EMPTY = ("This check-in has no wins or priorities written. Write what changed this week and the one outcome you "
         "will finish next week")



def moved(t: dict[str, Any], unit: str) -> str:
    """'fell from 24.3% to 21.9%' between the two points the trend cites."""
    verb = {"rising": "rose", "falling": "fell"}.get(t["motion"], "held")
    return f"{verb} from {num(t['from']['value'], unit)} to {num(t['to']['value'], unit)}"


def compose_feedback(context: Context) -> FeedbackModelOut:
    facts = context["facts"]
    ref = [facts["checkin_id"]]
    q = facts["checkin"]
    kpis = {k["key"]: k for k in facts["kpis"]}
    gamed = [k for k in facts["kpis"] if k["verdict"] == "gamed" and k.get("guardrail")]
    # Each mark with its KPI's figures (facts carry them once, under kpis); a KPI the budget
    # trimmed away is not judged.
    checks = [{**m, "kpi_name": k["name"], "value": k["value"], "target": k["target"], "unit": k["unit"],
               "on_target": k["on_target"], "sources": k["sources"][:1]}
              for m in facts["metric_check"] if (k := kpis.get(m["kpi"])) is not None]
    wrong = [m for m in checks if m["agrees"] is False]
    threads = {t["thread"]: t for t in context.get("threads") or []}
    recurring = [t for t in facts["blocker_threads"] if t["times"] >= 2 and t["status"] == "open"
                 and facts["week"] in t["weeks"]]

    def section(title: str, *items: FeedbackItem | None) -> FeedbackSection:
        kept = [i.model_copy(update={"sources": list(dict.fromkeys(i.sources))}) for i in items if i is not None]
        return FeedbackSection(title=title, items=kept[:3])

    def on_checkin(text: str | None) -> FeedbackItem | None:
        return FeedbackItem(text=text, sources=ref) if text else None

    sections = []
    if q["empty"]:
        sections.append(section("Wins", on_checkin(EMPTY + (", so your manager can help." if q["has_manager"]
                                                             else ", so the team knows where you stand."))))
    else:
        sections.append(section("Wins", _wins(q, kpis, gamed, ref)))
        sections.append(section("Priorities", on_checkin(_priorities(q, kpis))))
    sections.append(section("Blockers", _blockers(facts, q, threads, ref)))
    if q["has_kpis"]:
        # The owner of a gamed KPI hears about its guardrail once: in Wins when they counted it as one.
        said_in_wins = any(k in (q.get("wins_kpis") or []) for k in (g["key"] for g in gamed))
        sections.append(section("Metric check", *([] if said_in_wins else _gamed(gamed)), *_vanity(facts),
                                *_metric_check(facts, checks, wrong, ref)))
    sections.append(section("Goals", *_goals(facts)))
    sections.append(section("Patterns", *_patterns(facts, recurring, threads)))
    sections.append(section("Action items", *own_action_items(context["own_actions"][:OWN_ACTIONS_SHOWN])))
    if not facts["goals"]:
        advice = ("Raise it with your manager so you know which outcomes are yours." if q["has_manager"]
                  else "Set them in the quarter plan so the team knows which outcomes are whose.")
        sections.append(section("Role goals", on_checkin(f"No role goals are set for {facts['quarter']}, so this "
                                                         f"check-in is hard to judge against them. {advice}")))
    sections.append(section("Sharpen next week", _sharpen(facts, q, gamed, wrong, recurring, ref)))
    sections.append(section("Encouragement", _encourage(facts, kpis, threads, cited_for(context, RECOGNITION))))
    # Action items give way to the word cap first, then patterns: the judgements come first.
    for title in ("Action items", "Patterns", "Goals"):
        part = next(s for s in sections if s.title == title)
        while part.items and sum(len(i.text.split()) for s in sections for i in s.items) > FEEDBACK_WORD_CAP:
            part.items.pop()
    return FeedbackModelOut(sections=[s for s in sections if s.items])


def _wins(q: dict[str, Any], kpis: dict[str, Any], gamed: list[dict[str, Any]], ref: list[str]) -> FeedbackItem:
    named = [kpis[k] for k in q.get("wins_kpis") or [] if k in kpis]
    on_gamed = [k for k in named if k["verdict"] == "gamed" and k.get("guardrail")]
    if on_gamed:
        k = on_gamed[0]
        g = k["guardrail"]
        return FeedbackItem(text=f"Your win counts {k['name']} moving, but the audit calls it gamed: "
                                 f"{g['name']} {moved(g['trend'], g['unit'])} over the same weeks. A win is a "
                                 "result the business keeps.", sources=(ref + k["sources"] + g["sources"])[:6])
    if q["wins"] == "outcome":
        healthy = [k for k in named if k["verdict"] == "healthy"]
        text = ("Your wins name a result and the KPI it moved." if healthy
                else "Your wins name a result. Say which of your KPIs it moved." if q["has_kpis"]
                else "Your wins name a result.")
        return FeedbackItem(text=text, sources=ref)
    if q["wins"] == "activity":
        return FeedbackItem(text="Your wins describe activity. Say what changed because of it: a number that moved "
                                 "or a decision made.", sources=ref)
    return FeedbackItem(text="No wins this week. Even a small result or a decision is worth naming.", sources=ref)


def _priorities(q: dict[str, Any], kpis: dict[str, Any]) -> str | None:
    label = q["priorities"]
    names = ", ".join(kpis[k]["name"] for k in q.get("priorities_kpis") or [] if k in kpis)
    if label == "tied_and_dated":
        return f"Your priorities are tied to {names} and say how much or by when." if names else \
            "Your priorities are tied to your KPIs and say how much or by when."
    if label == "tied_to_kpi":
        return f"Your priorities name {names or 'your KPIs'} but no number or date: say what will be true by when."
    if label == "dated":
        return ("Your priorities have a number or a date but do not say which of your KPIs they should move."
                if q["has_kpis"] else "Your priorities say how much or by when.")
    if label == "task_list":
        return TASK_LIST
    if label == "empty":
        return "No priorities written. Name the one outcome you will finish next week."
    return VAGUE


def _blockers(facts: dict[str, Any], q: dict[str, Any], threads: dict[int, dict[str, Any]],
              ref: list[str]) -> FeedbackItem | None:
    label, who = q["blockers"], ", ".join(q.get("blocker_names") or [])
    current = next((t for t in facts["blocker_threads"] if t["last_week"] == facts["week"]), None)
    if current is not None and current["explains_guardrail"]:
        g = next((k["guardrail"] for k in facts["kpis"]
                  if (k.get("guardrail") or {}).get("key") == current["explains_guardrail"]), None)
        if g is not None:
            return FeedbackItem(text=f"Your blocker explains {g['name']} worsening, but that guardrail is yours: "
                                     "say what you will change to bring it back.",
                                sources=ref + g.get("sources", [])[:2])
    if label == "none":
        return None
    if label == "names_person_and_decision":
        text = f"Your blocker says what you need and from {who}: that makes it easy to clear."
    elif label == "names_person":
        text = f"Your blocker names {who} but not the decision or help you need from them. Say it in one line."
    elif label == "decision_without_person":
        text = "Your blocker says what you need but not who can decide. Name the person."
    elif label == "names_party":
        text = f"Your blocker names {who}: say what you need from them by when, and who here chases it."
    else:
        text = "Your blocker describes the problem but not the decision or support you need, or from whom."
    return FeedbackItem(text=text, sources=ref)


def _gamed(gamed: list[dict[str, Any]]) -> list[FeedbackItem]:
    """The owner of a gamed KPI hears what its guardrail paid, whatever they marked."""
    items = []
    for k in gamed[:1]:
        g = k["guardrail"]
        items.append(FeedbackItem(text=f"{k['name']} {moved(k['trend'], k['unit'])}, but {g['name']} "
                                       f"{moved(g['trend'], g['unit'])} over the same weeks. The audit calls "
                                       f"{k['name']} gamed: judge it together with {g['name']}.",
                                  sources=(k["sources"] + g["sources"])[:6]))
    return items


def _vanity(facts: dict[str, Any]) -> list[FeedbackItem]:
    """A vanity KPI's owner hears that it is not a result on its own, and what to track beside it."""
    vanity = [k for k in facts["kpis"] if k["verdict"] == "vanity"]
    if not vanity:
        return []
    names = " and ".join(k["name"] for k in vanity[:2])
    advice = f" {vanity[0]['suggestion']}" if vanity[0].get("suggestion") else ""
    return [FeedbackItem(text=f"{names} count activity, not results: the audit calls "
                              f"{'them vanity numbers' if len(vanity) > 1 else 'it a vanity number'}.{advice}",
                         sources=[s for k in vanity[:2] for s in k["sources"][:1]])]


def _metric_check(facts: dict[str, Any], checks: list[dict[str, Any]], wrong: list[dict[str, Any]],
                  ref: list[str]) -> list[FeedbackItem]:
    """KPIs marked against their data (with the run they are part of); else unmarked; else agreement."""
    runs = {r["kpi"]: r for r in facts["self_report_runs"] if r["last_week"] == facts["week"]}
    if wrong:
        items = []
        for m in wrong[:2]:
            run = runs.get(m["kpi"])
            streak = (f" It is the {ORDINALS.get(run['weeks'], str(run['weeks']) + 'th')} check-in in a row marked "
                      f"this way (since {run['first_week']})." if run and run["weeks"] >= 2 else "")
            items.append(FeedbackItem(text=f"You marked {m['kpi_name']} as {said(m['said'])}, but the data has it at "
                                           f"{num(m['value'], m['unit'])} against a target of "
                                           f"{num(m['target'], m['unit'])}.{streak}",
                                      sources=(ref + m["sources"] + (run["sources"][-2:] if run else []))[:6]))
        return items
    unmarked = [m for m in checks if m["said"] in ("unclear", "not_reported")]
    if unmarked:
        return [FeedbackItem(text="Mark each KPI on track or off track from its latest number; "
                                  f"{', '.join(m['kpi_name'] for m in unmarked)} had no clear status.",
                             sources=(ref + [s for m in unmarked for s in m["sources"]])[:6])]
    checked = [m for m in checks if m["agrees"] is True]
    if not checked:
        return []
    return [FeedbackItem(text="Your marks agree with the KPI data.",
                         sources=(ref + [s for m in checked for s in m["sources"]])[:6])]


def _goals(facts: dict[str, Any]) -> list[FeedbackItem]:
    units = kpi_units(facts)
    items = []
    for g in [g for g in facts["goals"] if g["on_track"] is not None and g["sources"]][:2]:
        broken = [c for c in g["conditions"] if c["holds"] is False]
        if g["on_track"]:
            text = f'Goal "{g["title"]}": on track.'
        elif g["on_pace"] and all(c["kpi"] == g["kpi"] for c in broken):
            unit = units.get(g["kpi"], "")
            text = (f'Goal "{g["title"]}": not there yet, but on pace ({num(g["latest_value"], unit)} against '
                    f'{num(g["expected"], unit)} expected by now).')
        else:
            parts = "; ".join(f"{c['kpi_name']} is at {num(c['value'], units.get(c['kpi'], ''))} against "
                              f"{num(c['bound'], units.get(c['kpi'], ''))}" for c in broken)
            text = f'Goal "{g["title"]}": not on track ({parts}).'
        items.append(FeedbackItem(text=text, sources=g["sources"]))
    return items


def _patterns(facts: dict[str, Any], recurring: list[dict[str, Any]],
              threads: dict[int, dict[str, Any]]) -> list[FeedbackItem]:
    items = []
    for t in recurring[:1]:
        label = without_figures(threads.get(t["thread"], {}).get("label", ""))
        what = f' ("{label}")' if label else ""
        waits = f", waiting on {t['waits_on'][0]['name']}" if t["waits_on"] else ""
        times = ORDINALS.get(t["times"], f"{t['times']}th")
        items.append(FeedbackItem(text=f"This blocker{what} is back for the {times} time ({', '.join(t['weeks'])})"
                                       f"{waits}. Ask for a decision and a date, not more time.",
                                  sources=t["sources"][-6:]))
    follow = facts["follow_through"]
    missed = sum(1 for f in follow if f["verdict"] == "not_followed")
    if missed >= 2 and not any(f["verdict"] == "followed" for f in follow):
        items.append(FeedbackItem(text=f"Your priorities have not shown up in the next week's wins {missed} times "
                                       f"in the last {len(follow)} weeks checked. Pick fewer, smaller outcomes you "
                                       "can finish.", sources=[s for f in follow for s in f["sources"]][-6:]))
    return items


def _sharpen(facts: dict[str, Any], q: dict[str, Any], gamed: list[dict[str, Any]], wrong: list[dict[str, Any]],
             recurring: list[dict[str, Any]], ref: list[str]) -> FeedbackItem:
    """The one thing to do differently: the most serious gap first."""
    if wrong:
        m = wrong[0]
        text = (f"Before marking a KPI on track, check it against its number: {m['kpi_name']} is off target."
                if not m["on_target"] else
                f"Before marking a KPI off track, check it against its number: {m['kpi_name']} is on target.")
        return FeedbackItem(text=text, sources=ref + m["sources"])
    if gamed:
        g = gamed[0]["guardrail"]
        return FeedbackItem(text=f"Report {g['name']} beside {gamed[0]['name']} next week, and say what you will "
                                 "change to bring it back.", sources=(ref + g["sources"])[:6])
    if recurring:
        return FeedbackItem(text="Turn the recurring blocker into a request: the decision you need, from whom, "
                                 "by when.", sources=ref + recurring[0]["sources"][-2:])
    if q["empty"]:
        text = "Next week, write at least one result and one measurable priority."
    elif q["wins"] != "outcome":
        text = "Write each win as a result: what changed, and which number it moved."
    elif q["priorities"] in ("vague", "task_list", "tied_to_kpi", "empty"):
        text = "Give next week's top priority a number or a date, so you can tell whether it happened."
    elif q["blockers"] in ("vague", "names_person", "decision_without_person"):
        text = "Say who can clear your blocker and what you need from them."
    else:
        text = "Keep the same shape next week and link each priority to the KPI it should move."
    return FeedbackItem(text=text, sources=ref)


def _encourage(facts: dict[str, Any], kpis: dict[str, Any], threads: dict[int, dict[str, Any]],
               advice: list[str]) -> FeedbackItem | None:
    """One encouragement, only when the assessment found something worth recognising."""
    # A goal reached honestly first, then a KPI improving with its guardrail holding, then a cleared blocker.
    order = {"goal": 0, "kpi": 1, "blocker_cleared": 2}
    for w in sorted(facts["wins_worth_recognising"], key=lambda w: order.get(w["kind"], 3)):
        k = kpis.get(w["kpi"]) if w["kpi"] else None
        if w["kind"] == "goal" and k is not None and k["value"] is not None:
            target = f" against its {num(k['target'], k['unit'])} target" if k["target"] is not None else ""
            guard = ", with its guardrail within bounds" if k.get("guardrail") else ""  # only one the viewer sees
            return FeedbackItem(text=f"{k['name']} reached your role goal: {num(k['value'], k['unit'])}{target}"
                                     f"{guard}. Keep doing what got it there.",
                                sources=(w["sources"] or k["sources"])[:4] + advice)
        if w["kind"] == "kpi" and k is not None:
            return FeedbackItem(text=f"{k['name']} {moved(k['trend'], k['unit'])} with its guardrail holding: "
                                     "keep doing what moved it.", sources=(k["sources"][:2] + advice))
        if w["kind"] == "blocker_cleared":
            t = next((t for t in facts["blocker_threads"] if t["sources"][-1:] == w["sources"]), None)
            label = without_figures(threads.get(t["thread"], {}).get("label", "")) if t else ""
            if label:
                return FeedbackItem(text=f'The blocker you raised in {t["times"]} check-ins ("{label}") has not come '
                                         "back since: well cleared.", sources=w["sources"])
    this_week = next((f for f in facts["follow_through"] if f["next_week"] == facts["week"]), None)
    if this_week is not None and this_week["verdict"] == "followed":
        return FeedbackItem(text="Last week's priorities showed up in this week's wins: you finish what you plan.",
                            sources=this_week["sources"])
    return None
