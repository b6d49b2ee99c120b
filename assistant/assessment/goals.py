"""Role goals in force and their progress, compound conditions included.

A goal's own condition is its KPI's target (the goal's, else the KPI's) against the KPI's
value as of the week in force, counted only when that value falls inside the goal's quarter.

A title that binds another KPI adds a condition for it ("Cut ACOS to 22% without TACOS
rising above 11%", "lift units sold to 900 without contribution margin falling below 25%",
"... while keeping new-to-brand share above 28%", "... with return rate under 4%"). Such a
clause is a connector (without, while, with, and, but, keeping, holding), the KPI's name, an
optional verb (rising, falling, staying...), a comparator (above, over, below, under, at
least, at most, no more than...) and a number. The comparator names the side the KPI must
stay on; after "without", "never" or "not" it names the side it must not reach, so
"without TACOS rising above 11%" binds TACOS to at most 11. "At" names no side ("keeping
first-time buyers at 55% of orders"): "or more" / "or less" after the number gives one, else
("or better", or nothing) the KPI's own direction decides. The name is matched by its words
against the person's KPIs and their guardrails (a bound written with % only against a
percent KPI); a clause naming nothing the viewer can read stays a condition that cannot be
read, and a clause about the goal's own KPI ("and hold it above 15%", "without dropping
below 22%") adds nothing: its target already decides.

``on_track`` is True only when the goal has a condition of its own and every condition
holds; False when any condition fails; None when one cannot be read and none fails.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from assistant.analysis.kpi import goal_progress
from assistant.assessment.model import GoalCondition, GoalReading, KpiReading
from assistant.core.words import STOP_WORDS
from assistant.domain.calendar import iso_week_monday, iso_week_sunday, quarter_bounds, quarter_of
from assistant.domain.goals import elapsed_share, pace
from assistant.domain.models import Person
from assistant.domain.sources import kpi_source
from assistant.kpi_audit.catalog import tokens

# Comparators, longest first, with the side of the bound they name.
_HIGH = ("at or above", "at least", "no less than", "no lower than", "not below", "not under", "above", "over",
         "more than", "higher than", "greater than", "beyond", "past", "exceeding", "exceeds", "exceed", ">=", ">",
         "≥")
_LOW = ("at or below", "at most", "no more than", "no higher than", "not above", "not over", "below", "under",
        "less than", "lower than", "beneath", "<=", "<", "≤")
_SIDE = {c: "up" for c in _HIGH} | {c: "down" for c in _LOW}
# "at 55%" names no side of its own: "or better" after the number gives one, else the KPI's direction does.
_AT = "at"
_CMP = "|".join(re.escape(c) for c in sorted([*_SIDE, _AT], key=len, reverse=True))
_OR_SIDE = {"better": "", "more": "up", "higher": "up", "above": "up", "greater": "up", "over": "up",
            "less": "down", "lower": "down", "below": "down", "fewer": "down", "under": "down"}
_BOUND = re.compile(rf"(?<![a-z])(?P<cmp>{_CMP})\s*(?P<cur>[$£€])?\s*(?P<num>\d[\d,]*(?:\.\d+)?)\s*"
                    r"(?P<pct>%|percent\b|pct\b)?"
                    rf"(?:\s*or\s+(?P<or>{'|'.join(_OR_SIDE)})\b)?")
_CONNECTOR = re.compile(r"\b(without|while|whilst|with|and|but|keeping|holding)\b")
_NEGATION = {"without", "never", "not", "no"}
# Words around a KPI's name in such a clause that are not part of it.
_FILLER = {tokens(w)[0] for w in (
    "keeping keep holding hold maintaining maintain letting let allowing allow ensuring making sure staying stay "
    "stays remaining remain remains rising rise rises going go goes climbing climb creeping drifting growing "
    "increasing falling fall falls dropping drop drops slipping slip sliding slide dipping dip declining "
    "decreasing getting get held kept never not no don't it its their our overall"
).split()} | STOP_WORDS
_OWN = {"it", "its", "that", "this"}


@dataclass(frozen=True)
class Bound:
    """A guardrail bound read from a goal's title."""

    words: str  # the KPI's name as the title writes it
    direction: str  # up: value >= bound; down: value <= bound; "": the KPI's own direction ("at 55%", "or better")
    bound: float
    percent: bool
    own: bool  # the clause points back at the goal's own KPI ("hold it above 15%")


@dataclass(frozen=True)
class Candidate:
    key: str
    name: str
    unit: str
    value: float | None
    period: date | None
    direction: str = "up"


def title_bounds(title: str) -> list[Bound]:
    """The guardrail bounds ``title`` names after its main clause, in the order written."""
    text = title.lower().replace("’", "'")
    out, done = [], 0
    for m in _BOUND.finditer(text):
        before = text[done:m.start()]
        conns = list(_CONNECTOR.finditer(before))
        done = m.end()
        if not conns:
            continue  # the main clause: the goal's own target
        conn = conns[-1]
        body = before[conn.end():]
        words = re.findall(r"[a-z0-9'-]+", body)
        negated = conn.group(1) == "without" or any(w in _NEGATION for w in words)
        side = _SIDE.get(m.group("cmp")) or _OR_SIDE.get(m.group("or") or "", "")
        direction = {"up": "down", "down": "up", "": ""}[side] if negated else side
        name = " ".join(w for w in words if w not in _FILLER and tokens(w) and tokens(w)[0] not in _FILLER)
        own = not name and any(w in _OWN for w in words)
        if not name and not own:  # the name after the number: "with no more than 2 escalations a week"
            after = re.split(r"[,;.]|" + _CONNECTOR.pattern, text[m.end():], maxsplit=1)[0]
            name = " ".join(w for w in re.findall(r"[a-z0-9'-]+", after)[:4] if w not in _FILLER)
        # no name at all ("... at 25% without dropping below 22%"): the clause is about the goal's own KPI
        out.append(Bound(words=name, direction=direction, bound=float(m.group("num").replace(",", "")),
                         percent=m.group("pct") is not None, own=own or not name))
    return out


def _words(text: str) -> set[str]:
    return {t for t in tokens(text.replace("-", " ")) if t not in _FILLER}


def match_kpi(words: str, candidates: list[Candidate], *, percent: bool) -> Candidate | None:
    """The candidate whose name covers most of ``words`` (at least half of them), by name words."""
    want = _words(words)
    if not want:
        return None
    best, best_score = None, (0.5, 0.0)
    for c in candidates:
        if percent and c.unit != "percent":
            continue
        have = _words(c.name) | _words(c.key)
        hit = len(want & have)
        score = (hit / len(want), hit / len(have) if have else 0.0)
        if hit and score >= best_score and (best is None or score > best_score):
            best, best_score = c, score
    return best


def _holds(value: float | None, bound: float, direction: str) -> bool | None:
    if value is None:
        return None
    return value <= bound if direction == "down" else value >= bound


def _in_quarter(value: float | None, period: date | None, start: date) -> tuple[float | None, date | None]:
    return (value, period) if period is not None and period >= start else (None, None)


def candidates(readings: list[KpiReading]) -> list[Candidate]:
    """The person's KPIs and their guardrails, as of the week, each once."""
    out: dict[str, Candidate] = {}
    for r in readings:
        out.setdefault(r.key, Candidate(r.key, r.name, r.unit, r.value, r.period, r.direction))
    for r in readings:
        if (g := r.guardrail) is not None:
            out.setdefault(g.key, Candidate(g.key, g.name, g.unit, g.value, g.period, g.direction))
    return list(out.values())


def condition(c: Candidate, bound: float, direction: str, start: date) -> GoalCondition:
    value, period = _in_quarter(c.value, c.period, start)
    return GoalCondition(kpi=c.key, kpi_name=c.name, bound=bound, direction=direction, value=value, period=period,
                         holds=_holds(value, bound, direction),
                         sources=[kpi_source(c.key, period)] if period else [])


def on_track(conditions: list[GoalCondition], *, own: bool) -> bool | None:
    """True when the goal's own condition and every bound hold; False when any fails; else None."""
    if any(c.holds is False for c in conditions):
        return False
    if not own or any(c.holds is None for c in conditions):
        return None
    return True


def goal_readings(session: Session, person: Person, week: str, readings: list[KpiReading]) -> list[GoalReading]:
    """The quarter's goals for ``person``: the goal's KPI target and each bound its title names,
    read as of the end of ``week``."""
    quarter = quarter_of(iso_week_monday(week))
    start = quarter_bounds(quarter)[0]
    cands = candidates(readings)
    by_key = {c.key: c for c in cands}
    out = []
    for g in goal_progress(session, person, quarter):
        conds = []
        # the goal's KPI as the viewer may read it (a goal on a KPI outside their view reads as unknown)
        own = by_key.get(g.kpi) if g.kpi else None
        has_own = own is not None and g.target is not None and g.direction is not None
        if has_own:
            conds.append(condition(own, g.target, g.direction, start))
        for b in title_bounds(g.title):
            if b.own:
                continue
            hit = match_kpi(b.words, cands, percent=b.percent)
            if (hit is not None and hit.key == g.kpi) or (hit is None and b.bound == g.target):
                continue  # the goal's own KPI, or its own target after a "with" ("with new images to above 15%")
            if hit is not None:
                conds.append(condition(hit, b.bound, b.direction or hit.direction, start))
            else:  # a side the title leaves to the KPI stays "up" only as a placeholder: nothing is read
                conds.append(GoalCondition(kpi="", kpi_name=b.words, bound=b.bound, direction=b.direction or "up"))
        main = conds[0] if has_own else None
        ahead = None
        if main is not None and main.value is not None and g.baseline_value is not None and g.target is not None:
            ahead = pace(g.baseline_value, g.target, main.value,
                         elapsed_share(iso_week_sunday(week), *quarter_bounds(quarter)), g.direction or "up")
        out.append(GoalReading(goal_id=g.goal_id, title=g.title, quarter=quarter, kpi=g.kpi, objective=g.objective,
                               status=g.status, target=g.target, baseline_value=g.baseline_value,
                               baseline_period=g.baseline_period,
                               latest_value=main.value if main else None, latest_period=main.period if main else None,
                               conditions=conds, on_track=on_track(conds, own=has_own),
                               expected=ahead.expected if ahead else None, on_pace=ahead.on_pace if ahead else None,
                               sources=([kpi_source(own.key, g.baseline_period)] if own and g.baseline_period else [])
                               + [s for c in conds for s in c.sources]))
    return out
