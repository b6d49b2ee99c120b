"""How the judgement scorers read a draft: its items, their sentences, which KPI a word is about.

Word lists, no model: a scorer that reads "ROAS rose" as a rise today reads it so next month.
The lists hold the plain English the draft kinds write (the offline composer's and an LLM's);
a judgement they miss is a word to add here, never a reason to loosen a case.

A direction word is about the KPI named nearest before it in the same sentence (or, when
none is named before it, the nearest after): "ROAS rose while new-customer share fell" reads
as ROAS rising and the share falling.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from assistant.domain.calendar import iso_week_sunday
from assistant.domain.orgfile import OrgFile, read_org_file


def _words(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])(?:" + "|".join(alternatives) + r")(?![\w-])", re.IGNORECASE)


MOTION_WORDS: dict[str, re.Pattern[str]] = {
    "rising": _words(r"rose", r"risen", r"rising", r"rises", r"climb(?:ed|ing|s)?", r"increas(?:ed|ing|es)",
                     r"grew", r"grown", r"growing", r"up (?:to|from)", r"went up", r"gain(?:ed|ing)?"),
    # bare "drop" is left out: "drop Brand Store page views" retires a KPI, it says nothing of a move
    "falling": _words(r"fell", r"fallen", r"falling", r"falls", r"dropped", r"dropping", r"declin(?:ed|ing|es)",
                      r"decreas(?:ed|ing|es)", r"slipp(?:ed|ing)", r"slid", r"down (?:to|from)", r"went down"),
    "improving": _words(r"improv(?:ed|ing|es|ement)"),
    "worsening": _words(r"worsen(?:ed|ing|s)?", r"worse", r"deteriorat(?:ed|ing|es)"),
    "flat": _words(r"flat", r"unchanged", r"stable", r"no change", r"(?:held|stayed|holding) steady",
                   r"steady at", r"barely moved", r"(?:has|did)(?: not|n't) move[d]?", r"not moved"),
}
NEGATION = re.compile(r"(?:\bnot|\bno|\bnever|n't)\s+(?:\w+\s+)?$", re.IGNORECASE)

PRAISE = _words(r"real result", r"right way", r"well done", r"great", r"nice work", r"good work", r"good job",
                r"strong (?:result|week|work|progress|number)", r"impressive", r"congrat\w*",
                r"worth (?:recognising|recognizing|celebrating)", r"keep it up", r"excellent",
                r"solid (?:result|work|progress)", r"a (?:real |big |genuine |clear )?win", r"nicely")
CONTRAST = _words(r"but", r"while", r"whereas", r"however", r"although", r"though", r"yet", r"at the expense of",
                  r"at a cost")
RECOGNITION = re.compile(r"recogni[sz]|encourag|praise|celebrat|kudos|credit|well done|shout", re.IGNORECASE)
RECORD_SECTION = re.compile(r"agenda|agreed|last time", re.IGNORECASE)
"""Sections that restate the 1:1 record (the report's own points first) rather than judge the week."""

OPEN = _words(r"open", r"still", r"unresolved", r"outstanding", r"pending", r"not (?:yet )?(?:resolved|solved|"
              r"cleared|fixed|decided|approved)", r"no decision(?: yet)?", r"waiting")
RESOLVED = _words(r"resolved", r"solved", r"cleared", r"fixed", r"closed", r"no longer", r"sorted(?: out)?")
CANCEL = _words(r"cancel(?:l?ed|l?ing|s|lations?)?", r"skipped")
EMPTY = _words(r"empty", r"blank", r"nothing (?:was )?(?:written|filed|entered|in it)", r"no wins",
               r"no priorities", r"(?:did not|didn't) (?:write|fill|say)", r"left (?:it |them )?(?:blank|empty)",
               r"not filled", r"without (?:any )?(?:wins|priorities)", r"no (?:answers|content)")
FORM_PRAISE = _words(r"names a result", r"says what you need", r"clearly written", r"thanks? (?:you )?for",
                     r"good (?:check-in|update)", r"clear (?:check-in|update|priorities|wins)")
AGE = _words(r"last", r"latest", r"since", r"ago", r"old", r"stale", r"no check-in", r"not checked in", r"silent",
             r"out of date")

NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                "twelve")
ORDINALS = ("zeroth", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
            "eleventh", "twelfth")
COUNT_NOUNS = r"(?:check-ins?|weeks?|times)"


@dataclass(frozen=True)
class Item:
    """One model-written claim: its section's title and position, and its text."""

    section: str
    position: int  # the section's index among the non-empty sections
    text: str

    @property
    def recognition(self) -> bool:
        return bool(RECOGNITION.search(self.section))


def items(output: dict[str, Any]) -> list[Item]:
    """Every item of a draft's model-written part, section by section, then its questions."""
    out: list[Item] = []
    sections = [s for s in output.get("sections") or [] if isinstance(s, dict) and s.get("items")]
    for i, s in enumerate(sections):
        for it in s["items"]:
            text = it.get("text", "") if isinstance(it, dict) else str(it)
            out.append(Item(str(s.get("title", "")), i, text))
    out += [Item("Questions", len(sections), q) for q in output.get("questions") or [] if isinstance(q, str)]
    return out


def sentences(text: str) -> list[str]:
    """Split at full stops, question marks and semicolons; a colon stays inside ("ROAS rose: a real result")."""
    return [s for s in re.split(r"(?<=[.!?;])\s+", text) if s.strip()]


def name_pattern(name: str) -> re.Pattern[str]:
    """A KPI or person named in text: its name before any parenthesis, as whole words."""
    core = name.split(" (")[0].strip()
    return re.compile(r"(?<![\w-])" + re.escape(core) + r"(?![\w-])", re.IGNORECASE)


def week_pattern(week: str) -> re.Pattern[str]:
    """2026-W43 written in full or as W43 (also in a range, "W40-W43"), never another year's W43."""
    year, w = week.split("-W")
    return re.compile(rf"(?:(?<![\w-]){year}-|(?<!\w)(?<!\d\d\d\d-))W{w}(?!\d)")


def says_count(text: str, n: int, *, nouns: str = COUNT_NOUNS) -> bool:
    """The text counts ``n``: "5 check-ins", "five weeks", "the fifth time"."""
    word = NUMBER_WORDS[n] if n < len(NUMBER_WORDS) else str(n)
    ordinal = ORDINALS[n] if n < len(ORDINALS) else f"{n}th"
    return bool(re.search(rf"\b(?:{n}|{word})\s+{nouns}|\b(?:{ordinal}|{n}(?:st|nd|rd|th))\s+(?:time|week|check-in)",
                          text, re.IGNORECASE))


def counts_said(text: str) -> list[int]:
    """Every count of check-ins or times the text states ("3 check-ins", "the third time")."""
    found = []
    for m in re.finditer(r"\b(\d+|[a-z]+)\s+(?:check-ins?|times)\b|\b([a-z]+|\d+(?:st|nd|rd|th))\s+time\b",
                         text, re.IGNORECASE):
        token = (m.group(1) or m.group(2) or "").lower()
        if token.isdigit():
            found.append(int(token))
        elif token in NUMBER_WORDS:
            found.append(NUMBER_WORDS.index(token))
        elif token in ORDINALS:
            found.append(ORDINALS.index(token))
        elif token[:-2].isdigit():
            found.append(int(token[:-2]))
    return found


def attributed(sentence: str, names: dict[str, re.Pattern[str]],
               kinds: dict[str, re.Pattern[str]] = MOTION_WORDS) -> list[tuple[str, str, str]]:
    """(name, kind, word) for each direction word in ``sentence``, about the KPI named nearest before it."""
    spans = sorted((m.start(), m.end(), label) for label, p in names.items() for m in p.finditer(sentence))
    if not spans:
        return []
    out = []
    for kind, pattern in kinds.items():
        for m in pattern.finditer(sentence):
            if NEGATION.search(sentence[max(0, m.start() - 24):m.start()]):
                continue
            if any(a <= m.start() < b for a, b, _ in spans):
                continue  # a word inside a KPI's own name is not about it
            before = [label for a, _, label in spans if a < m.start()]
            after = [label for a, _, label in spans if a > m.start()]
            out.append((before[-1] if before else after[0], kind, m.group(0)))
    return out


def praises(sentence: str) -> bool:
    """Praise with no contrast: "a real result", not "ROAS rose, but at the expense of new customers"."""
    return bool(PRAISE.search(sentence)) and not CONTRAST.search(sentence)


def excerpt(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


# ---------------------------------------------------------------- the fixture's own facts
@cache
def org(path: Path) -> OrgFile:
    return read_org_file(path)


@dataclass(frozen=True)
class KpiSeries:
    key: str
    name: str
    direction: str
    values: tuple[float, ...]  # up to the case's week, oldest first

    def moved_every_step(self, points: int = 4) -> str | None:
        """'rose' or 'fell' when each of the last ``points`` values moved the same way, else None."""
        v = self.values[-points:]
        if len(v) < points:
            return None
        steps = [b - a for a, b in zip(v, v[1:], strict=False)]
        if all(s > 0 for s in steps):
            return "rose"
        if all(s < 0 for s in steps):
            return "fell"
        return None


def kpis_in_view(org_file: OrgFile, subject: str | None, week: str | None) -> list[KpiSeries]:
    """The subject's KPIs and their guardrails (every KPI without a subject), with values up to the week."""
    until = iso_week_sunday(week) if week else None
    own = [k for k in org_file.kpis if subject is None or k.owner == subject]
    keys = {k.id for k in own} | {k.guardrail for k in own if k.guardrail}
    chosen = [k for k in org_file.kpis if k.id in keys] if subject else own
    return [KpiSeries(k.id, k.name, str(k.direction),
                      tuple(v.value for v in sorted(k.values, key=lambda v: v.period)
                            if until is None or v.period <= until)) for k in chosen]


def person_name(org_file: OrgFile, email: str | None) -> str | None:
    return next((p.name for p in org_file.people if p.email == (email or "").lower()), None)
