"""Claim checks: what a draft says about a KPI or a blocker must agree with the assessment.

The number guard (grounding.py) only asks whether a figure occurs somewhere in the facts, so
"ACOS was 13.5%" passes when 13.5% is TACOS's value, and "ACOS improved nicely" passes about
a gamed ACOS. These checks read each claim against the ``Assessment`` the draft was built from:

- a number written next to a KPI's name (same sentence, the nearest name before it, else the
  first after it) must not be another KPI's number unless it is also this KPI's; a value "on"
  a date must be the KPI's value on that date;
- a direction word about a KPI (improving, rose, fell, flat, on target...) must agree with its
  trend label, motion and target status ("fell" is improving for a down-is-good KPI: the label
  and the motion are checked separately, each against its own word);
- nothing in a recognition section rests on a gamed or vanity KPI (named, or cited by a kpi
  source id), and no praise word is attached to one anywhere;
- an item about a recurring blocker carries the blocker's own words, its count when it states
  one, and only the weeks the blocker was raised;
- weeks written in a claim belong to what the claim is about (the blocker's weeks, the missed
  check-ins, the follow-through pair, the self-report run, the 1:1 span).

Words inside double quotes are someone's own (a check-in, a goal title): they are not claims
of direction or praise. Every problem starts with ``claim:`` so the stored draft can say why
an item was dropped without quoting it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from pydantic import BaseModel

from assistant.assessment.model import Assessment, BlockerThread, KpiReading
from assistant.core.words import STOP_WORDS
from assistant.domain.calendar import WEEK_IN_TEXT
from assistant.drafting.grounding import _IDENTIFIERS, _NUMBER, _WORDS, Facts, number_ok

PREFIX = "claim: "
RECOGNITION = re.compile(r"recogni[sz]|encourag|wins? worth|praise", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?;])\s+(?=\S)")
# Between a word and a KPI named after it, one of these starts another clause ("Revenue was flat, but TACOS rose").
_CLAUSE = re.compile(r"[,;:]|\b(?:but|while|whereas|although|though|and)\b", re.IGNORECASE)
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”|(?<![\w'])'[^']+'(?![\w'])")
_WEEK = re.compile(WEEK_IN_TEXT, re.IGNORECASE)
_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
# A figure followed by one of these counts events, not a KPI ("3 check-ins", "12 weeks").
_COUNT_NOUN = re.compile(r"\s*(?:check-?ins?|weeks?|times|meetings?|1:1s?|months?|objectives?|values?|points?|"
                         r"people|reports?|days? ago|steps?)\b", re.IGNORECASE)
_NEGATION = re.compile(r"\b(?:not|no|never|nor|nothing|none|neither|without|isn't|wasn't|hasn't|didn't|doesn't|"
                       r"barely|hardly)\W+(?:\w+\W+){0,2}$", re.IGNORECASE)
_SAID = r"\b(?:marked|marks|marking|said|says|called|calls|reported|rated|decide|decided|judge|judged|think|thought)\b"
_SELF_REPORT = re.compile(_SAID + r"[^.,:;]{0,60}$", re.IGNORECASE)
_PRONOUN = re.compile(r"\s*(?:it|its|it's|this|that)\b", re.IGNORECASE)
_RUN = re.compile(r"\b(?P<side>on|off) target for (?P<n>\d+) values? in a row"
                  r"(?:,? since (?P<since>\d{4}-\d{2}-\d{2}))?", re.IGNORECASE)
_SELF_REPORT_ITEM = re.compile(r"\b(?:marked|marks|marking|said|says|called|decide|decided)\b", re.IGNORECASE)

# word -> (axis, value). label: the trend judged with the KPI's direction; motion: the raw move.
_DIRECTIONS: dict[str, tuple[str, str]] = {
    **dict.fromkeys(("improving", "improved", "improves", "better"), ("label", "improving")),
    **dict.fromkeys(("worsening", "worsened", "worsens", "worse", "deteriorating", "deteriorated"),
                    ("label", "worsening")),
    **dict.fromkeys(("flat", "steady", "unchanged", "stalled"), ("label", "flat")),
    **dict.fromkeys(("rising", "rose", "rises", "risen", "climbing", "climbed", "increased", "increasing",
                     "grew", "growing"), ("motion", "rising")),
    **dict.fromkeys(("falling", "fell", "falls", "fallen", "dropped", "dropping", "declined", "declining",
                     "decreased", "decreasing"), ("motion", "falling")),
    "on target": ("target", "on"), "on track": ("target", "on"),
    "off target": ("target", "off"), "off track": ("target", "off"),
}
_DIRECTION_RE = re.compile(
    r"\b(?:" + "|".join(sorted((re.escape(w) for w in _DIRECTIONS), key=len, reverse=True)) + r")\b"
    r"|\b(?:is|was|are|were|went|moved|ticked|came)\s+(?P<updown>up|down)\b"
    r"|\b(?P<updown2>up|down)\s+(?=from\b|to\b|by\b|\d)", re.IGNORECASE)
_COMPARED = re.compile(r"(?:\d%?|\bpoints?|\bis|\bwas|\bare|\bgot|\bgetting|\blooks?|\blooking|\bmuch|\bfar|"
                       r"\bslightly|\bno|\bany|\bgrew|\bgrown|\bbecame|\bbecoming)\s*$", re.IGNORECASE)
_HELD = re.compile(r"\b(?:held|holding|holds|stayed|stays|staying|is|was|remained|remains|been|kept)\s+$",
                   re.IGNORECASE)
_STATED = re.compile(r"\s*(?:\((?:[^()]|\([^()]*\))*\)\s*)?(?:was|is|stood at|stands at|sits at|at|reached|hit|"
                     r"came in at|ended at|landed at|fell to|rose to|dropped to|climbed to|improved to|worsened to)\s+"
                     r"[$€£]?(?P<num>\d[\d,]*(?:\.\d+)?)(?P<suf>\s?%)?"
                     r"(?!\s*(?:check-?ins?|weeks?|times|points?|days? ago))", re.IGNORECASE)
_PRAISE = re.compile(r"\b(?:great|nice|nicely|well done|excellent|impressive|strong result|good work|"
                     r"congratulations|kudos|a real result|keep doing what moved it|bravo)\b", re.IGNORECASE)
_BLOCKER = re.compile(r"\bblock(?:er|ers|ing)\b|\bstuck\b", re.IGNORECASE)
_RECURS_OR_COUNT = re.compile(r"keep(?:s|ing)? coming back|kept coming back|c[oa]me back|\bagain\b|recurr|"
                              r"\breturn(?:s|ing|ed)\b|\bback for\b|\bsame blocker\b|\bstill (?:open|there|stuck)\b|"
                              r"\b\w+ time\b|\braised\b|\bcleared\b|\bopen for\b|check-?ins", re.IGNORECASE)
_DESCRIBES_RETURN = re.compile(r"keep(?:s|ing)? coming back|kept coming back|c[oa]me back|\bsame blocker\b|"
                               r"\bback for the\b", re.IGNORECASE)
_RETURNS = re.compile(r"keep(?:s|ing)? coming back|kept coming back|c[oa]me back|\bagain\b|recurr|"
                      r"\breturn(?:s|ing|ed)\b|\bback for\b|\bsame blocker\b", re.IGNORECASE)
_SINCE = re.compile(r"\bsince\s+(" + WEEK_IN_TEXT + r"|\d{4}-\d{2}-\d{2})", re.IGNORECASE)
_ORDINAL_COUNT = re.compile(r"\b(second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\d+(?:st|nd|rd|th))\s+"
                            r"(?:time|check-?in)\b", re.IGNORECASE)
_ORDINALS = {"second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
             "ninth": 9, "tenth": 10}
_COUNT = re.compile(r"\b(?P<n>\d+|" + "|".join(w for w in _WORDS if _WORDS[w] >= 2) + r")\s+"
                    r"(?P<what>check-?ins|times|weeks)\b|\b(?P<twice>twice)\b", re.IGNORECASE)
_MISSED = re.compile(r"no check-?in|not filed|without a check-?in|missed|missing", re.IGNORECASE)
_FOLLOW = re.compile(r"priorit", re.IGNORECASE)
_GENERIC = {"rate", "score", "share", "orders", "order", "days", "time", "week", "weekly", "count", "total",
            "sales", "value", "per", "hero", "skus", "asins", "average", "level", "number", "ratio", "annualised"}


@dataclass
class Subject:
    """A KPI (or a guardrail outside the person's own KPIs) as the text may name it."""

    key: str
    name: str
    verdict: str
    patterns: list[re.Pattern[str]]
    numbers: set[float] = field(default_factory=set)
    by_date: dict[date, float] = field(default_factory=dict)
    reading: KpiReading | None = None
    guardrail: str | None = None


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z][a-z0-9'-]{2,}", text.lower()) if w not in STOP_WORDS}


def _aliases(name: str, others: list[str]) -> list[re.Pattern[str]]:
    """The full name, the name before its parenthesis, its acronyms, and its distinctive words."""
    head = name.split("(")[0].strip()
    forms = [name, head] if head and head != name else [name]
    forms += [w for w in re.findall(r"\b[A-Z][A-Z0-9-]{1,}\b", head) if w not in forms]
    taken = set().union(*(_words(o) for o in others)) if others else set()
    forms += sorted(w for w in _words(head) if w not in taken and w not in _GENERIC and len(w) >= 5)
    return [re.compile(r"(?<![\w-])" + re.escape(f) + r"(?![\w-])", re.IGNORECASE) for f in forms]


def _reading_numbers(k: KpiReading) -> set[float]:
    t = k.trend
    out = {k.value, k.target, k.gap, k.previous_value, t.change, t.change_pct, t.noise,
           t.start.value if t.start else None, t.end.value if t.end else None, *(p.value for p in k.series)}
    return {abs(float(x)) for x in out if x is not None}


def subjects(a: Assessment) -> list[Subject]:
    names = [k.name for k in a.kpis] + [k.guardrail.name for k in a.kpis if k.guardrail]
    out: dict[str, Subject] = {}
    for k in a.kpis:
        others = [n for n in names if n != k.name]
        s = Subject(key=k.key, name=k.name, verdict=k.verdict, patterns=_aliases(k.name, others),
                    numbers=_reading_numbers(k), by_date={p.period: p.value for p in k.series}, reading=k,
                    guardrail=k.guardrail.key if k.guardrail else None)
        if k.period is not None and k.value is not None:
            s.by_date.setdefault(k.period, k.value)
        if k.previous_period is not None and k.previous_value is not None:
            s.by_date.setdefault(k.previous_period, k.previous_value)
        for g in a.goals:
            for c in g.conditions:
                if c.kpi == k.key:
                    s.numbers |= {abs(x) for x in (c.bound, c.value) if x is not None}
            if g.kpi == k.key:
                s.numbers |= {abs(x) for x in (g.target, g.baseline_value, g.latest_value) if x is not None}
        for r in a.self_report:
            if r.kpi == k.key:
                s.numbers |= {abs(r.from_value), abs(r.to_value), abs(r.target)}
        out[k.key] = s
    for k in a.kpis:
        g = k.guardrail
        if g is None:
            continue
        nums = {abs(x) for x in (g.value, g.target, g.trend.change, g.trend.change_pct,
                                 g.trend.start.value if g.trend.start else None,
                                 g.trend.end.value if g.trend.end else None) if x is not None}
        if g.key not in out:
            others = [n for n in names if n != g.name]
            out[g.key] = Subject(key=g.key, name=g.name, verdict="healthy", patterns=_aliases(g.name, others),
                                 numbers=nums, by_date={g.period: g.value} if g.period and g.value is not None
                                 else {})
    return list(out.values())


# ---------------------------------------------------------------- reading a claim
@dataclass
class Mention:
    start: int
    end: int
    subject: Subject
    region: tuple[int, int] | None = None
    """The parenthesis it is written in: a name in "(guarded by TACOS)" owns nothing outside it."""


def mentions(text: str, found: list[Subject]) -> list[Mention]:
    """Non-overlapping KPI names in ``text``, longest first, in reading order."""
    spans: list[Mention] = []
    for s in found:
        for p in s.patterns:
            spans += [Mention(m.start(), m.end(), s) for m in p.finditer(text)]
    spans.sort(key=lambda m: (-(m.end - m.start), m.start))
    kept: list[Mention] = []
    for m in spans:
        if all(m.end <= k.start or m.start >= k.end for k in kept):
            kept.append(m)
    blanked = text
    for m in kept:  # a name's own parenthesis ("TACOS (ad spend / total sales)") is no aside
        blanked = blanked[:m.start] + " " * (m.end - m.start) + blanked[m.end:]
    asides = [(a.start(), a.end()) for a in re.finditer(r"\([^()]*\)", blanked)]
    for m in kept:
        m.region = next((a for a in asides if a[0] <= m.start < a[1]), None)
    return sorted(kept, key=lambda m: m.start)


def owner(pos: int, found: list[Mention], text: str | None = None) -> Subject | None:
    """The KPI a word at ``pos`` is about: the nearest name before it, else the first after it
    (with ``text``: only one in the same clause)."""
    eligible = [m for m in found if m.region is None or m.region[0] <= pos < m.region[1]]
    before = [m for m in eligible if m.end <= pos]
    if before:
        return before[-1].subject
    after = [m for m in eligible if m.start >= pos]
    if after and text is not None and _CLAUSE.search(text[pos:after[0].start]):
        return None
    return after[0].subject if after else None


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.split(text) if s.strip()]


def _blank(pattern: re.Pattern[str], text: str) -> str:
    return pattern.sub(lambda m: " " * len(m.group(0)), text)


def _has(numbers: set[float], num: str, suffix: str) -> bool:
    return number_ok(num, suffix, Facts(numbers=numbers))


def kpi_numbers(sentence: str, found: list[Mention]) -> Iterator[tuple[str, str, int, Subject]]:
    """(number, suffix, position, KPI) for every figure written next to a KPI's name."""
    plain = _blank(_IDENTIFIERS, _blank(_QUOTED, sentence))
    for m in _NUMBER.finditer(plain):
        if _COUNT_NOUN.match(plain, m.end()):
            continue
        if (s := owner(m.start(), found)) is not None:
            yield m.group("num"), m.group("suf") or "", m.start(), s


def directions(sentence: str, found: list[Mention]) -> Iterator[tuple[str, str, str, int, Subject]]:
    """(word, axis, value, position, KPI) for every direction word written about a KPI."""
    plain = _blank(_QUOTED, sentence)
    for m in _DIRECTION_RE.finditer(plain):
        if _NEGATION.search(plain[:m.start()]):
            continue
        updown = m.group("updown") or m.group("updown2")
        axis, value = (("motion", "rising" if updown.lower() == "up" else "falling") if updown
                       else _DIRECTIONS[m.group(0).lower()])
        if axis == "target" and _SELF_REPORT.search(plain[:m.start()]):
            continue  # "marked it as on track": what the person said, checked as a self-report
        word = m.group(0).lower()
        if word in ("better", "worse") and not _COMPARED.search(plain[:m.start()]) \
                and not re.match(r"\s+than\b", plain[m.end():]):
            continue  # "to understand it better" is no claim about the KPI's move
        if word == "steady" and not _HELD.search(plain[:m.start()]):
            continue  # "a steady rise" is a rise
        if (s := owner(m.start(), found, plain)) is not None:
            yield m.group(0), axis, value, m.start(), s


def _from_to(sentence: str, pos: int) -> float | None:
    """The sign of a "from X ... to Y" move written after ``pos`` in the same sentence."""
    m = re.search(r"\bfrom\s+[$€£]?(-?[\d,]*\.?\d+)[^.;]*?\bto\s+[$€£]?(-?[\d,]*\.?\d+)", sentence[pos:])
    if not m:
        return None
    a, b = (float(x.replace(",", "")) for x in m.groups())
    return b - a


# ---------------------------------------------------------------- the checks
def _check_numbers(sentence: str, found: list[Mention], subs: list[Subject], extra: dict[str, set[float]]) -> list[str]:
    problems = []
    for num, suf, _, s in kpi_numbers(sentence, found):
        own = s.numbers | extra.get(s.key, set())
        if _has(own, num, suf):
            continue
        theirs = [o.name for o in subs if o.key != s.key and _has(o.numbers, num, suf)]
        if theirs:
            problems.append(f"{PREFIX}{num}{suf.strip()} is written next to {s.name} but is {theirs[0]}'s number")
    plain = _blank(_QUOTED, sentence)
    for m in found:
        # "ACOS was 19%": a value stated as the KPI's own must be one of its values or its target.
        said = _STATED.match(plain, m.end)
        if said and m.region is None:
            own = m.subject.numbers | extra.get(m.subject.key, set())
            if not _has(own, said.group("num"), said.group("suf") or ""):
                problems.append(f"{PREFIX}{said.group('num')}{(said.group('suf') or '').strip()} is not a value "
                                f"of {m.subject.name}")
    for m in re.finditer(r"[$€£]?(?P<num>[\d,]*\.?\d+)(?P<suf>\s?%)?[^\d.;]{0,24}?\bon\s+(?P<d>\d{4}-\d{2}-\d{2})",
                         plain):
        s = owner(m.start(), found)
        if s is None or not s.by_date:
            continue
        day = date.fromisoformat(m.group("d"))
        if day not in s.by_date:
            problems.append(f"{PREFIX}{s.name} has no value on {day}")
        elif not _has({abs(s.by_date[day])}, m.group("num"), m.group("suf") or ""):
            problems.append(f"{PREFIX}{s.name} was not {m.group('num')} on {day}")
    return problems


def _check_directions(sentence: str, found: list[Mention], a: Assessment) -> list[str]:
    problems = []
    goal_quote = re.search(r"\bgoal\s+[\"“]([^\"”]+)[\"”]", sentence, re.IGNORECASE)
    for word, axis, value, pos, s in directions(sentence, found):
        k = s.reading
        goal_word = re.search(r"\bgoal\b", sentence[:pos], re.IGNORECASE)
        if axis == "target" and "track" in word.lower() and (goal_quote or goal_word):
            # A goal is on track when all its conditions hold: the goal's reading, not the KPI's target.
            title = goal_quote.group(1).strip().lower() if goal_quote else None
            g = next((g for g in a.goals if (g.title.strip().lower() == title if title else g.kpi == s.key)), None)
            if g is not None and g.on_track is not None and g.on_track != (value == "on"):
                problems.append(f"{PREFIX}the goal is {'on' if g.on_track else 'not on'} track, not '{word}'")
            continue
        if k is None:
            continue
        if axis == "label" and k.trend.label != "unknown" and k.trend.label != value:
            problems.append(f"{PREFIX}{k.name} is {k.trend.label} in the data, not '{word}'")
        elif axis == "motion" and k.trend.motion != "unknown" and k.trend.motion != value:
            move = _from_to(sentence, pos)
            if move is None or (move > 0) != (value == "rising") or move == 0:
                problems.append(f"{PREFIX}{k.name} is {k.trend.motion} in the data, not '{word}'")
        elif axis == "target" and k.on_target is not None and k.on_target != (value == "on"):
            problems.append(f"{PREFIX}{k.name} is {'on' if k.on_target else 'off'} target, not '{word}'")
    return problems


def _check_run(sentence: str, found: list[Mention]) -> list[str]:
    """"On target for 8 values in a row, since 2026-08-17" is the KPI's current run."""
    problems = []
    for m in _RUN.finditer(_blank(_QUOTED, sentence)):
        s = owner(m.start(), found)
        run = s.reading.run if s and s.reading else None
        if run is None:
            continue
        said = f"{m.group('side')} target for {m.group('n')}"
        if run.on_target != (m.group("side").lower() == "on") or run.points != int(m.group("n")):
            problems.append(f"{PREFIX}{s.name} has been {'on' if run.on_target else 'off'} target for "
                            f"{run.points} values in a row, not {said}")
        if m.group("since") and date.fromisoformat(m.group("since")) != run.since:
            problems.append(f"{PREFIX}{s.name}'s run began on {run.since}, not {m.group('since')}")
    return problems


def _check_praise(sentence: str, found: list[Mention]) -> list[str]:
    plain = _blank(_QUOTED, sentence)
    return [f"{PREFIX}praise ('{m.group(0)}') for {s.name}, a {s.verdict} KPI"
            for m in _PRAISE.finditer(plain)
            if (s := owner(m.start(), found, plain)) is not None and s.verdict in ("gamed", "vanity")]


def cited_kpis(sources: list[str]) -> set[str]:
    """The keys of the KPIs a claim cites a value of ("kpi:ppc-acos@2026-10-05" -> "ppc-acos")."""
    return {src.split(":", 1)[1].split("@", 1)[0] for src in sources if src.startswith("kpi:")}


def _check_recognition(text: str, sources: list[str], found: list[Mention], subs: list[Subject]) -> list[str]:
    cited = cited_kpis(sources)
    bad = {m.subject.name: m.subject.verdict for m in found if m.subject.verdict in ("gamed", "vanity")}
    bad |= {s.name: s.verdict for s in subs if s.key in cited and s.verdict in ("gamed", "vanity")}
    return [f"{PREFIX}recognition rests on {name}, a {verdict} KPI" for name, verdict in bad.items()]


# Words every item about a blocker may use: sharing one with the blocker's text says nothing of what it is.
_ABOUT_BLOCKERS = {"blocker", "blockers", "blocked", "blocking", "week", "weeks", "check-in", "check-ins", "still",
                   "again", "time", "times", "back", "raised", "open", "since", "came", "come", "coming", "keeps",
                   "cleared", "same", "stuck", "need", "needs", "support", "decision", "help", "issue", "problem"}


def _thread_for(text: str, threads: list[BlockerThread]) -> tuple[BlockerThread | None, int]:
    said = _words(_blank(_WEEK, text)) - _ABOUT_BLOCKERS
    scored = [(len(said & _words(f"{t.label} {t.latest_text}")), t) for t in threads]
    scored.sort(key=lambda x: (-x[0], -x[1].times))
    return (scored[0][1], scored[0][0]) if scored else (None, 0)


def _count_of(m: re.Match[str]) -> tuple[int, str]:
    if m.group("twice"):
        return 2, "times"
    n = m.group("n")
    value = int(n) if n.isdigit() else int(_WORDS[n.lower()])
    return value, "weeks" if m.group("what").lower().startswith("week") else "times"


def _count_problems(text: str, times: int, weeks_open: int | None, what: str) -> list[str]:
    """Counts of check-ins or times (and, when ``weeks_open`` is given, weeks) against the record's."""
    problems = []
    for m in _COUNT.finditer(_blank(_WEEK, text)):
        n, unit = _count_of(m)
        if unit == "weeks" and weeks_open is None:
            continue
        allowed = {times} | ({weeks_open, weeks_open + 1} if unit == "weeks" and weeks_open is not None else set())
        if n not in allowed:
            problems.append(f"{PREFIX}{what} {times} times, not {n}")
    for m in _ORDINAL_COUNT.finditer(text):
        n = _ORDINALS.get(m.group(1).lower()) or int(re.sub(r"\D", "", m.group(1)))
        if n != times:
            problems.append(f"{PREFIX}{what} {times} times, not the {m.group(1)}")
    return problems


def _check_blocker(text: str, a: Assessment, question: bool) -> list[str]:
    """A recurring blocker's item names the blocker, and its count and weeks are the thread's."""
    if not _BLOCKER.search(text):
        return []
    specific = bool(_COUNT.search(_blank(_WEEK, text)) or _ORDINAL_COUNT.search(text) or _WEEK.search(text)
                    or _SINCE.search(text) or re.search(r"\bopen for\b", text, re.IGNORECASE))
    descriptive = bool(_DESCRIBES_RETURN.search(text)) and not question
    if not (specific and _RECURS_OR_COUNT.search(text)) and not descriptive:
        return []  # advice about blockers in general ("turn the recurring blocker into a request")
    if _waiting_item(text, a):
        return []  # a report's blocker that waits on this manager: checked with the rhythm
    if not a.threads:
        return [f"{PREFIX}no blocker is on record"]
    thread, overlap = _thread_for(text, a.threads)
    if thread is None or overlap == 0:
        return [f"{PREFIX}the item does not say what the blocker is ({'; '.join(t.label for t in a.threads)})"]
    problems = [] if thread.recurring or not _RETURNS.search(text) else [
        f"{PREFIX}the blocker '{thread.label}' was raised once, in {thread.first_week}"]
    problems += _count_problems(text, thread.times, thread.weeks_open, f"the blocker '{thread.label}' was raised")
    known = {w.lower() for w in thread.weeks} | {w.lower() for w in (thread.resolved_week, thread.first_week,
                                                                     thread.last_week) if w}
    problems += [f"{PREFIX}the blocker '{thread.label}' was not raised in {w}" for w in _WEEK.findall(text)
                 if w.lower() not in known]
    problems += [f"{PREFIX}the blocker '{thread.label}' was first raised in {thread.first_week}, not {w}"
                 for w in _since(text) if _WEEK.fullmatch(w) and w.lower() != thread.first_week.lower()]
    return problems


def _waiting_item(text: str, a: Assessment) -> bool:
    return bool(a.rhythm and any(w.name.split()[0] in text for w in a.rhythm.waiting_on_them)
                and re.search(r"\bwait", text, re.IGNORECASE))


def _check_waiting(text: str, a: Assessment) -> list[str]:
    """A report's blocker waiting on this manager: its start and its weeks open are the rhythm's."""
    waits = [w for w in (a.rhythm.waiting_on_them if a.rhythm else []) if w.name.split()[0] in text]
    problems = [f"{PREFIX}the wait began in {', '.join(w.first_week for w in waits)}, not {s}" for s in _since(text)
                if all(s.lower() != w.first_week.lower() for w in waits)]
    for m in re.finditer(r"\bopen for (\d+) weeks?", text):
        if all(int(m.group(1)) not in (w.weeks_open, w.weeks_open + 1) for w in waits):
            problems.append(f"{PREFIX}the wait has been open {', '.join(str(w.weeks_open) for w in waits)} weeks")
    return problems


def _since(text: str) -> list[str]:
    return [m.group(1) for m in _SINCE.finditer(_blank(_QUOTED, text))]


def _week_pairs(a: Assessment) -> set[tuple[str, str]]:
    return {(f.week.lower(), f.next_week.lower()) for f in a.follow_through}


def _always(a: Assessment) -> set[str]:
    """Weeks any claim may name: the week in force, the clock's, the latest check-in's."""
    return {w.lower() for w in (a.week, a.age.week, a.age.current_week, a.age.last_checkin_week) if w}


def _check_self_report(text: str, found: list[Mention], a: Assessment) -> list[str] | None:
    keys = {m.subject.key for m in found}
    runs = [r for r in a.self_report if r.kpi in keys]
    if not runs or not _SELF_REPORT_ITEM.search(text):
        return None
    weeks = [w.lower() for w in _WEEK.findall(_blank(_QUOTED, text))]
    allowed = {w.lower() for r in runs for w in r.weeks}
    problems = [f"{PREFIX}no self-report mismatch in {w}" for w in weeks if w not in allowed]
    marked = re.search(r"\b(?:marked|marks|said|called)\b[^.]{0,80}?\bas\s+(on|off) track", text, re.IGNORECASE)
    if marked and all(r.said != f"{marked.group(1).lower()}_track" for r in runs):
        problems.append(f"{PREFIX}the check-ins marked it {', '.join(r.said.replace('_', ' ') for r in runs)}")
    span = re.search(r"(" + WEEK_IN_TEXT + r")\s+to\s+(" + WEEK_IN_TEXT + r")", text)
    if span and not any((r.first_week, r.last_week) == span.groups() for r in runs):
        problems.append(f"{PREFIX}the run is {', '.join(f'{r.first_week} to {r.last_week}' for r in runs)}")
    problems += [f"{PREFIX}the run began in {', '.join(r.first_week for r in runs)}, not {w}" for w in _since(text)
                 if _WEEK.fullmatch(w) and all(w != r.first_week for r in runs)]
    if len(runs) == 1:
        problems += _count_problems(text, len(runs[0].weeks), None, "the check-ins marked it this way")
    return problems


def _check_weeks(text: str, sources: list[str], found: list[Mention], a: Assessment) -> list[str]:
    """Weeks and dates written in a claim belong to what the claim is about."""
    problems = _check_record_dates(text, a)
    weeks = [w.lower() for w in _WEEK.findall(_blank(_QUOTED, text))]
    if (said := _check_self_report(text, found, a)) is not None:
        return problems + said
    if _waiting_item(text, a):
        return problems + _check_waiting(text, a)
    if _BLOCKER.search(text) and a.threads and _thread_for(text, a.threads)[1]:
        return problems  # checked with the blocker
    problems += [f"{PREFIX}nothing in the record starts in {w}" for w in _since(text) if w.lower() not in _starts(a)]
    last = re.search(r"last check-?in(?: was| filed)?(?: in| for)?\s+(" + WEEK_IN_TEXT + ")", text, re.IGNORECASE)
    if last and (a.age.last_checkin_week or "").lower() != last.group(1).lower():
        problems.append(f"{PREFIX}the last check-in is {a.age.last_checkin_week}, not {last.group(1)}")
    if not weeks:
        return problems
    if _MISSED.search(text):
        missed = {w.lower() for w in a.cadence.missing_checkin_weeks} | _always(a)
        return problems + [f"{PREFIX}a check-in was filed in {w}" for w in weeks if w not in missed]
    if re.search(r"\b1\s*(?::|-on-)\s*1s?\b", text) and len(weeks) == 2 and re.search(r"\bto\b", text):
        span = (a.cadence.first_week.lower(), a.cadence.last_week.lower())
        return problems + ([] if tuple(weeks) == span else [f"{PREFIX}the 1:1 record spans {span[0]} to {span[1]}"])
    if _FOLLOW.search(text) and len(weeks) == 2 and a.follow_through:
        pairs = _week_pairs(a)
        return problems + ([] if tuple(weeks) in pairs else [f"{PREFIX}no follow-through from {weeks[0]} to "
                                                               f"{weeks[1]}"])
    known = source_weeks(a)
    cited = [known[s] for s in sources if s in known]
    if cited and len(cited) == len([s for s in sources if s.startswith(("checkin:", "meeting:"))]):
        allowed = {w.lower() for ws in cited for w in ws}
        problems += [f"{PREFIX}{w} is not the week of the record it cites" for w in weeks if w not in allowed]
    elif any(s.startswith("checkin:") for s in sources):
        # A check-in of unknown week: at least not one the record says was never filed, nor after the last.
        missed = {w.lower() for w in a.cadence.missing_checkin_weeks}
        last = (a.age.last_checkin_week or "").lower()
        problems += [f"{PREFIX}no check-in was filed in {w}" for w in weeks if w in missed or (last and w > last)]
    return problems


def _starts(a: Assessment) -> set[str]:
    """Every week or date a run, thread or wait in the assessment began."""
    out = {t.first_week for t in a.threads} | {r.first_week for r in a.self_report}
    out |= {w.first_week for w in (a.rhythm.waiting_on_them if a.rhythm else [])}
    out |= {k.run.since.isoformat() for k in a.kpis if k.run}
    out |= {k.trend.start.period.isoformat() for k in a.kpis if k.trend.start}
    out |= {a.age.last_kpi_period.isoformat()} if a.age.last_kpi_period else set()
    return {w.lower() for w in out} | _always(a)


def _check_record_dates(text: str, a: Assessment) -> list[str]:
    """The last held 1:1's date is the cadence's."""
    m = re.search(r"last (?:1:1 )?held(?: 1:1)?(?: was)? on (\d{4}-\d{2}-\d{2})", text, re.IGNORECASE)
    if not m:
        return []
    named = [r for r in (a.rhythm.reports if a.rhythm else []) if r.name and r.name.split()[0] in text]
    held = named[0].last_held if named else a.cadence.last_held
    day = date.fromisoformat(m.group(1))
    return [] if day == held else [f"{PREFIX}the last held 1:1 was on {held}, not {day}"]


def source_weeks(a: Assessment) -> dict[str, set[str]]:
    """The weeks the assessment knows each check-in and meeting source for."""
    out: dict[str, set[str]] = {}
    if a.quality.checkin_id is not None:
        out.setdefault(f"checkin:{a.quality.checkin_id}", set()).add(a.week)
    for t in a.threads:
        if len(t.sources) == len(t.weeks):
            for s, w in zip(t.sources, t.weeks, strict=True):
                out.setdefault(s, set()).add(w)
    for f in a.follow_through:
        if len(f.sources) == 2:
            out.setdefault(f.sources[0], set()).add(f.week)
            out.setdefault(f.sources[1], set()).add(f.next_week)
    for m in a.cadence.meetings:
        out.setdefault(m.source, set()).add(m.week)
    return out


# ---------------------------------------------------------------- a whole draft
@dataclass
class Claim:
    where: str
    text: str
    sources: list[str]
    section: str = ""
    numbers: dict[str, set[float]] = field(default_factory=dict)
    """Numbers a KPI owns in this claim beyond the assessment's (a goal's computed baseline)."""
    dates: set[date] = field(default_factory=set)


def claims_of(output: BaseModel) -> list[Claim]:
    """Every claim of a parsed draft, addressed as the pipeline's checks address them."""
    out: list[Claim] = []
    for i, s in enumerate(getattr(output, "sections", None) or []):
        out += [Claim(f"sections[{i}].items[{j}]", it.text, list(it.sources), s.title) for j, it in enumerate(s.items)]
    out += [Claim(f"questions[{i}]", q, []) for i, q in enumerate(getattr(output, "questions", None) or [])]
    for i, g in enumerate(getattr(output, "goals", None) or []):
        own = {abs(x) for x in (g.baseline, g.target, g.improvement, g.trend_per_week)}
        due = {date.fromisoformat(g.date)} if _DATE.fullmatch(g.date or "") else set()
        out.append(Claim(f"goals[{i}]", g.title, list(g.sources), numbers={g.kpi: own}, dates=due))
    out += [Claim(f"retire[{i}]", f"{r.reason} {r.replacement or ''}", list(r.sources))
            for i, r in enumerate(getattr(output, "retire", None) or [])]
    out += [Claim(f"notes[{i}]", n.text, list(n.sources)) for i, n in enumerate(getattr(output, "notes", None) or [])]
    return out


def check_claim(claim: Claim, a: Assessment, subs: list[Subject] | None = None) -> list[str]:
    subs = subjects(a) if subs is None else subs
    problems: list[str] = []
    every: list[Mention] = []
    parts = [(sentence, mentions(sentence, subs)) for sentence in sentences(claim.text)]
    cited = cited_kpis(claim.sources)
    only = [s for s in subs if s.key in cited] if len(cited) == 1 and not any(f for _, f in parts) else []
    last: Subject | None = None
    for sentence, found in parts:
        # A claim that names no KPI but cites one ("it stood at 4.1%") is about the one it cites;
        # "It has been on target..." after a sentence about TACOS is about TACOS.
        found = found or [Mention(0, 0, only[0])] if only else found
        if not found and last is not None and _PRONOUN.match(sentence):
            found = [Mention(0, 0, last)]
        last = found[-1].subject if found else last
        every += found
        problems += _check_run(sentence, found)
        problems += _check_numbers(sentence, found, subs, claim.numbers)
        problems += _check_directions(sentence, found, a)
        problems += _check_praise(sentence, found)
    if claim.section and RECOGNITION.search(claim.section):
        problems += _check_recognition(claim.text, claim.sources, every, subs)
    problems += _check_blocker(claim.text, a, question=claim.where.startswith("questions"))
    problems += _check_weeks(claim.text, claim.sources, every, a)
    if claim.dates:
        for m in _DATE.finditer(claim.text):
            day = date.fromisoformat(m.group(0))
            if day not in claim.dates and not any(day in s.by_date for s in subs):
                problems.append(f"{PREFIX}{day} is not the goal's date")
    return list(dict.fromkeys(problems))


def check_claims(output: BaseModel, assessment: Assessment, kind: str) -> dict[str, list[str]]:
    """where -> problems, for every claim of ``output`` (a ``kind`` draft) that the assessment contradicts."""
    subs = subjects(assessment)
    found = {c.where: check_claim(c, assessment, subs) for c in claims_of(output)}
    return {where: problems for where, problems in found.items() if problems}


def shift_week(week: str, weeks: int) -> str:
    """``week`` moved by ``weeks`` (ISO weeks, "2026-W41" form)."""
    y, w = week.upper().split("-W")
    monday = date.fromisocalendar(int(y), int(w), 1) + timedelta(weeks=weeks)
    iso = monday.isocalendar()
    return f"{iso[0]}-W{iso[1]:02d}"


__all__ = ["PREFIX", "RECOGNITION", "Claim", "check_claim", "check_claims", "cited_kpis", "claims_of", "mentions",
           "owner",
           "sentences", "shift_week", "subjects"]
