"""The offline 1:1 brief: plain sentences around the assessment's findings.

It reads the context the prompt was rendered from (after the budget trimmed it), so it sees
what a model would. Figures come from the facts; the person's own words are quoted only
without their figures (a figure in a check-in is their claim, not data the guard can trace).
"""

from __future__ import annotations

from typing import Any

from assistant.core.templates import fmt_number as num
from assistant.drafting.context import RECOGNITION, cited_for
from assistant.drafting.offline import (
    Context,
    agreed_items,
    ids,
    kpi_units,
    numberless,
    quote,
    said,
    without_figures,
    wording,
)
from assistant.drafting.schemas import BriefModelOut, Item, Section

AGE_TITLE = "Before you start"



def kpi_line(k: dict[str, Any]) -> str:
    """'TACOS was 13.5% on 2026-10-05 against a target of 10% (off target), rising from 12.3% on 2026-09-14.'"""
    unit = k["unit"]
    status = "" if k["target"] is None else (f" against a target of {num(k['target'], unit)}"
                                             + (" (on target)" if k["on_target"] else " (off target)"))
    return f"{k['name']} was {num(k['value'], unit)} on {k['period']}{status}{trend_phrase(k['trend'], unit)}"


def trend_phrase(t: dict[str, Any], unit: str) -> str:
    start = t.get("from")
    if not start or t["label"] == "unknown":
        return ""
    if t["label"] == "flat":
        return f", flat since {start['period']} ({num(start['value'], unit)} then)"
    return f", {t['motion']} from {num(start['value'], unit)} on {start['period']}"


def run_phrase(k: dict[str, Any]) -> str:
    r = k.get("run")
    if not r or r["points"] < 3:
        return ""
    side = "on" if r["on_target"] else "off"
    return f" It has been {side} target for {r['points']} values in a row, since {r['since']}."


def weeks_ago(n: int | None) -> str:
    return "this week" if not n else "a week ago" if n == 1 else f"{n} weeks ago"


def waits_phrase(waits: list[dict[str, Any]], viewer: str, subject: str) -> str:
    if not waits:
        return ""
    names = []
    for w in waits[:2]:
        if w["name"] == viewer:
            names.append("you")
        elif w["is_manager"]:
            names.append(f"their manager {w['name']}")
        else:
            role = w.get("role")
            names.append(w["name"] + (f" ({role})" if role and role.lower() != w["name"].lower() else ""))
    return ", waiting on " + " and ".join(names)


def compose_brief(context: Context) -> BriefModelOut:
    """The data's age when it is old, what was agreed, their agenda, how a manager runs their
    team, what to watch, what the numbers say, what moved, what to recognise, and questions."""
    facts, playbook = context["facts"], ids(context["playbook"])
    viewer, subject = context["viewer_name"], context["subject_name"]
    threads = {t["thread"]: t for t in context.get("threads") or []}
    team = _team(facts, subject, {w["waiting"]: w for w in context.get("waiting") or []})
    sections = [
        Section(title=AGE_TITLE, items=_age(facts)),
        Section(title="What was agreed last time", items=agreed_items(context["actions"])),
        Section(title="On their agenda", items=[Item(text=f'{a["by"]} wants to talk about {wording(a["text"])}.',
                                                     sources=[a["meeting"]]) for a in context["agenda"]]),
    ]
    watch = Section(title="Watch", items=_watch(facts, threads, viewer, subject, playbook))
    # A skip-level reader (a founder on a manager's report) is told whose 1:1s they are.
    team_section = Section(title="How they run their team", items=team)
    # A manager's broken rhythm with their own reports leads: it is the failure the rest depends on.
    sections += [team_section, watch] if (facts.get("rhythm") or {}).get("poor") else [watch, team_section]
    sections += [
        Section(title="What the numbers say", items=_numbers(facts["kpis"])),
        Section(title="What moved", items=_moved(facts, context["checkins"], threads)),
        Section(title="Recognise", items=_recognise(facts, threads, cited_for(context, RECOGNITION))),
    ]
    for s in sections:
        for item in s.items:
            item.sources = list(dict.fromkeys(item.sources))
    return BriefModelOut(sections=[s for s in sections if s.items][:8], questions=_questions(facts, threads, viewer))


def _age(facts: dict[str, Any]) -> list[Item]:
    age, items = facts["data_age"], []
    if age["stale"]:
        items.append(Item(text=f"The record is behind the week of {facts['week']}: {'; '.join(age['notes'])}. "
                               "Ask for an update before judging the numbers.", sources=age.get("sources") or []))
    if facts.get("history_pending"):
        items.append(Item(text="Some of their check-ins are not indexed yet, so related older weeks may be "
                               "missing from this brief.", sources=[]))
    return items


def _team(facts: dict[str, Any], subject: str, waiting: dict[int, dict[str, Any]]) -> list[Item]:
    rhythm = facts.get("rhythm")
    if not rhythm:
        return []
    weeks = facts["cadence"]["weeks"]
    items = []
    for r in rhythm["reports"]:
        if not r["slipping"]:  # the assessment's rule for a report's rhythm, not one of its own
            continue
        last = (f"the last held on {r['last_held']}, {weeks_ago(r['weeks_since_held'])}" if r["last_held"]
                else "none held on record")
        items.append(Item(text=f"1:1s with {r['name']} over the last {weeks} weeks: {r['held']} held, "
                               f"{r['cancelled']} cancelled, {r['rushed']} rushed; {last}.",
                          sources=r["sources"] or []))
    for w in rhythm["waiting_on_them"]:
        label = without_figures(waiting.get(w["waiting"], {}).get("label", ""))
        what = f': "{label}"' if label else ""
        since = ("raised this week" if not w["weeks_open"]
                 else f"open for {weeks_ago(w['weeks_open']).replace(' ago', '')} (since {w['first_week']})")
        items.append(Item(text=f"{w['report']} has a blocker waiting on {subject}, {since}{what}.",
                          sources=w["sources"]))
    if not items and rhythm["reports"]:
        items.append(Item(text=f"Their 1:1s with {len(rhythm['reports'])} reports over the last {weeks} weeks: "
                               f"{rhythm['held']} held, {rhythm['cancelled']} cancelled, {rhythm['rushed']} rushed; "
                               "no report's blocker waits on them.",
                          sources=[s for r in rhythm["reports"] for s in r["sources"]][:8]))
    return [i for i in items if i.sources]


def _watch(facts: dict[str, Any], threads: dict[int, dict[str, Any]], viewer: str, subject: str,
           playbook: list[str]) -> list[Item]:
    """Gamed KPIs with their guardrail, self-report runs the data contradicts, open blockers,
    slipping 1:1s, missing check-ins, one vanity or other audit finding."""
    items = []
    for k in [k for k in facts["kpis"] if k["verdict"] == "gamed"][:3]:
        sources = k["sources"] + (k.get("guardrail") or {}).get("sources", [])
        items.append(Item(text=f"{k['audit_reason']} The headline number looks better while the business pays for "
                               "it: judge the process, not only the outcome.", sources=(sources + playbook[:1])[:8]))
    for r in facts["self_report_runs"][:2]:
        unit = r["unit"]
        stood = (f"it stood at {num(r['to_value'], unit)}" if r["weeks"] == 1 or r["from_value"] == r["to_value"]
                 else f"it went from {num(r['from_value'], unit)} to {num(r['to_value'], unit)}")
        when = (f"In {r['first_week']} the check-in" if r["weeks"] == 1
                else f"{r['weeks']} check-ins in a row ({r['first_week']} to {r['last_week']})")
        items.append(Item(text=f"{when} marked {r['kpi_name']} as {said(r['said'])}, but {stood} against a target "
                               f"of {num(r['target'], unit)}. Ask how they judge whether it is on track.",
                          sources=r["sources"][:8]))
    for t in [t for t in facts["blocker_threads"] if t["status"] == "open"][:2]:
        words = threads.get(t["thread"], {})
        label = without_figures(words.get("label", ""))
        what = f': "{label}"' if label else ""
        waits = waits_phrase(t["waits_on"], viewer, subject)
        if t["times"] >= 2:
            text = f"A blocker raised in {t['times']} check-ins since {t['first_week']} is still open{waits}{what}."
        elif t["last_week"] == facts["week"]:
            text = f"This week's blocker{waits}{what}."
        else:
            text = f"A blocker raised in {t['last_week']}{waits}{what}."
        if t["explains_guardrail"]:
            guard = next((k["guardrail"]["name"] for k in facts["kpis"] if (k.get("guardrail") or {}).get("key")
                          == t["explains_guardrail"]), None)
            text += (f" It is their explanation for {guard} worsening: ask what they will change."
                     if guard else " It explains a guardrail's damage: ask what they will change.")
        elif t["times"] >= 2:
            text += " Agree who decides and by when."
        items.append(Item(text=text, sources=t["sources"][-6:]))
    cad = facts["cadence"]
    if cad["slipping"]:
        last = (f" The last 1:1 held was on {cad['last_held']}, {weeks_ago(cad['weeks_since_held'])}."
                if cad["last_held"] and cad["weeks_since_held"] else "")
        manager = facts["subject"].get("manager")
        whose = f"Their 1:1s with {manager}" if manager and manager != viewer else "1:1s"
        advice = " Protect the next one." if whose == "1:1s" else f" Ask {manager} what keeps them from happening."
        items.append(Item(text=f"{whose} over the last {cad['weeks']} weeks ({cad['first_week']} to "
                               f"{cad['last_week']}): {cad['meetings_held']} held, {cad['meetings_cancelled']} "
                               f"cancelled and {cad['meetings_rushed']} rushed.{last}{advice}",
                          sources=cad["sources"][-8:]))
    if cad["missing_checkin_weeks"] and facts["checkin"]["sources"]:
        items.append(Item(text=f"No check-in was filed for {', '.join(cad['missing_checkin_weeks'])}.",
                          sources=facts["checkin"]["sources"]))
    if facts["checkin"]["empty"]:
        items.append(Item(text=f"The check-in for {facts['week']} has no wins or priorities written: ask what the "
                               "week was about.", sources=facts["checkin"]["sources"]))
    others = [(k, f) for k in facts["kpis"] for f in k.get("findings", []) if f["code"] != "gamed"]
    vanity = [k for k in facts["kpis"] if k["verdict"] == "vanity"]
    for k in vanity[:1]:
        advice = f" Suggestion: {k['suggestion']}" if k.get("suggestion") else ""
        items.append(Item(text=f"{k['audit_reason']}{advice}", sources=k["sources"] or playbook[:1]))
    if not vanity:
        for k, f in [(k, f) for k, f in others if f["severity"] == "critical"][:1]:
            items.append(Item(text=f["reason"], sources=f["sources"] or k["sources"]))
    return items


def _numbers(kpis: list[dict[str, Any]]) -> list[Item]:
    """Each KPI with a value: against its target, its trend between the points cited, its run,
    and the audit's verdict when it is not healthy."""
    items = []
    for k in [k for k in kpis if k["value"] is not None][:10]:
        text = kpi_line(k) + "." + run_phrase(k)
        if k["verdict"] == "gamed" and k.get("guardrail"):
            g = k["guardrail"]
            text += f" Read it with {g['name']}: the audit calls this KPI gamed."
        elif k["verdict"] == "vanity":
            text += " The audit calls it a vanity number: it is not a result on its own."
        items.append(Item(text=text, sources=k["sources"]))
    return items


def _moved(facts: dict[str, Any], checkins: list[dict[str, Any]], threads: dict[int, dict[str, Any]]) -> list[Item]:
    """Wins quoted from the two latest check-ins, priorities that became wins (or did not), goals."""
    items = []
    for c in checkins[:2]:
        words = numberless(c["wins"], facts)
        if words:
            items.append(Item(text=f'Wins reported for {c["week"]}: "{quote(words)}"', sources=[c["id"]]))
    for f in facts["follow_through"]:
        if f["verdict"] == "followed":
            text = (f"The priorities set for {f['week']} show up in the wins of {f['next_week']}: "
                    "plans are turning into results.")
        elif f["verdict"] == "not_followed":
            text = (f"The priorities set for {f['week']} do not show up in the wins of {f['next_week']}. "
                    "Ask what got in the way, or whether the priority changed.")
        else:
            continue
        items.append(Item(text=text, sources=f["sources"]))
    units = kpi_units(facts)
    for g in facts["goals"]:
        if g["on_track"] is None:
            continue
        broken = [c for c in g["conditions"] if c["holds"] is False]
        if g["on_track"]:
            text = f'Goal "{g["title"]}" is on track.'
        elif g["on_pace"] and not broken[1:] and all(c["kpi"] == g["kpi"] for c in broken):
            unit = units.get(g["kpi"], "")
            text = (f'Goal "{g["title"]}" is not met yet but on pace: {num(g["latest_value"], unit)} against the '
                    f'{num(g["expected"], unit)} a straight line to the target reaches by now.')
        else:
            parts = [f"{c['kpi_name']} at {num(c['value'], units.get(c['kpi'], ''))} against "
                     f"{num(c['bound'], units.get(c['kpi'], ''))}" for c in broken]
            text = f'Goal "{g["title"]}" is not on track: {"; ".join(parts)}.'
        if g["sources"]:
            items.append(Item(text=text, sources=g["sources"]))
    return items


def _recognise(facts: dict[str, Any], threads: dict[int, dict[str, Any]], advice: list[str]) -> list[Item]:
    """Only what the assessment calls worth recognising: a healthy KPI improving with its
    guardrail holding, a goal reached honestly, a blocker cleared."""
    kpis = {k["key"]: k for k in facts["kpis"]}
    items = []
    for w in facts["wins_worth_recognising"][:4]:
        k = kpis.get(w["kpi"]) if w["kpi"] else None
        if w["kind"] == "kpi" and k is not None:
            t = k["trend"]
            items.append(Item(text=f"{k['name']} improved from {num(t['from']['value'], k['unit'])} on "
                                   f"{t['from']['period']} to {num(t['to']['value'], k['unit'])} on {t['to']['period']}"
                                   f"{' and is on target' if k['on_target'] else ''}. Say specifically what they "
                                   "did that moved it.", sources=(k["sources"] + advice)[:8]))
        elif w["kind"] == "goal" and k is not None:
            target = f" against its {num(k['target'], k['unit'])} target" if k["target"] is not None else ""
            # the guardrail is spoken of only when the KPI has one the viewer can see
            guard = ", with its guardrail within bounds" if k.get("guardrail") else ""
            items.append(Item(text=f"{k['name']} reached its role goal: {num(k['value'], k['unit'])}{target}{guard}. "
                                   "Name what they did to get there.",
                              sources=w["sources"] or k["sources"]))
        elif w["kind"] == "blocker_cleared":
            t = next((t for t in facts["blocker_threads"] if t["sources"][-1:] == w["sources"]), None)
            label = without_figures(threads.get(t["thread"], {}).get("label", "")) if t else ""
            if t and label:
                items.append(Item(text=f'They cleared a blocker raised in {t["times"]} check-ins: "{label}".',
                                  sources=w["sources"]))
    return items


def _questions(facts: dict[str, Any], threads: dict[int, dict[str, Any]], viewer: str) -> list[str]:
    questions = [f"What happened to {k['guardrail']['name']} while {k['name']} improved, and which change drove "
                 "both?" for k in facts["kpis"] if k["verdict"] == "gamed" and k.get("guardrail")]
    questions += [f"How did you decide {r['kpi_name']} was {said(r['said'])} from {r['first_week']} to "
                  f"{r['last_week']}?" if r["weeks"] > 1 else
                  f"How did you decide {r['kpi_name']} was {said(r['said'])} in {r['first_week']}?"
                  for r in facts["self_report_runs"][:2]]
    if facts["one_on_one"]["overdue_actions"]:
        questions.append("What got in the way of the overdue action items, and is each one still worth doing?")
    open_threads = [t for t in facts["blocker_threads"] if t["status"] == "open" and t["times"] >= 2]
    if any(w["name"] == viewer for t in open_threads for w in t["waits_on"]):
        questions.append("What do you need from me to clear the blocker waiting on me, and by when?")
    elif open_threads:
        questions.append("This blocker keeps returning: what decision or support would clear it, and from whom?")
    if (facts.get("rhythm") or {}).get("poor"):
        questions.append("Which of your reports' 1:1s slipped, and what will you protect next week?")
    elif facts["cadence"]["slipping"]:
        manager = facts["subject"].get("manager")
        questions.append("Is the 1:1 slot still working for you, and what should we protect time for?"
                         if not manager or manager == viewer else
                         f"What has kept your 1:1s with {manager} from happening, and what would help?")
    questions.append("What is the one outcome that matters most next week?")
    return questions[:6]
