"""The grounding guard: numbers and citations in a draft checked against the facts.

A number in the text must match a number in the trusted facts (KPI values, targets,
computed changes, counts, weeks and dates), allowing the rounding the writer used and the
usual forms (24% / 0.24 / 24.0; $1,200 / 1200; "five"). Numbers in check-in free text do
not count as evidence: restating an injected figure as a finding is exactly what this guard
stops. A figure inside a passage quoted word for word from a check-in the item cites is the
person's own words, shown as theirs, and passes; a changed or unattributed quote does not.
Every cited source must be one of the ids the pipeline put in front of the model, all of
them visible to the viewer; an item with no source at all is ungrounded too.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from assistant.domain import sources
from assistant.domain.calendar import QUARTER_IN_TEXT, SHORT_WEEK_IN_TEXT, WEEK_IN_TEXT

# Tokens that carry digits but are identifiers, not figures: removed before number checks.
_IDENTIFIERS = re.compile(
    sources.IN_TEXT +                               # source ids
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"               # emails
    r"|\b1\s*(?::|-on-|on)\s*1s?\b"                 # "1:1", "1-on-1"
    "|" + QUARTER_IN_TEXT +                        # quarters
    "|" + WEEK_IN_TEXT + "|" + SHORT_WEEK_IN_TEXT +  # ISO weeks (checked against facts below)
    r"|\b\d{4}-\d{2}-\d{2}\b",                     # dates (checked against facts below)
    re.IGNORECASE,
)
_WEEKISH = re.compile(WEEK_IN_TEXT + r"|\b\d{4}-\d{2}-\d{2}\b", re.IGNORECASE)
_NUMBER = re.compile(
    r"(?<![\w.])(?P<cur>[$€£])?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?P<suf>\s?%|\s?(?:k|m|bn)\b|\s?percent\b|\s?pp\b|x\b)?",
    re.IGNORECASE,
)
# "one" is left out: it is far more often a pronoun ("the one thing to sharpen").
_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000,
    "twice": 2, "double": 2, "triple": 3, "half": 0.5, "dozen": 12,
}
_WORD_RE = re.compile(r"\b(" + "|".join(_WORDS) + r")\b", re.IGNORECASE)
_NUMBER_IN_STR = re.compile(r"-?\d+(?:\.\d+)?")


@dataclass
class Facts:
    """What a draft may rest on: trusted numbers, the weeks and dates in play, citable ids."""

    numbers: set[float] = field(default_factory=set)
    tokens: set[str] = field(default_factory=set)  # weeks and dates, lower-case
    sources: set[str] = field(default_factory=set)
    quotes: dict[str, list[str]] = field(default_factory=dict)
    """Check-in answers by source id, whitespace folded: what a draft may quote as the person's own words."""

    def add_quotable(self, source: str, *texts: str | None) -> None:
        self.quotes.setdefault(source, []).extend(" ".join(t.split()) for t in texts if t and t.strip())

    def add_numbers_from(self, obj: Any) -> None:
        """Walk trusted facts: every number, list length and number inside a string counts."""
        if isinstance(obj, bool) or obj is None:
            return
        if isinstance(obj, int | float):
            if math.isfinite(obj):
                self.numbers.add(float(obj))
        elif isinstance(obj, str):
            # Weeks and dates are tokens, not figures: the text check strips and matches them whole.
            for tok in _WEEKISH.findall(obj):
                self.tokens.add(tok.lower())
            for n in _NUMBER_IN_STR.findall(_WEEKISH.sub(" ", obj).replace(",", "")):
                self.numbers.add(abs(float(n)))
        elif isinstance(obj, dict):
            for value in obj.values():
                self.add_numbers_from(value)
        elif isinstance(obj, list | tuple | set):
            self.numbers.add(float(len(obj)))
            for value in obj:
                self.add_numbers_from(value)


@dataclass
class Verdict:
    ok: bool
    problems: list[str]
    """Details for the repair request; they quote the offending figures."""

    @property
    def kinds(self) -> list[str]:
        """The problems without the figures they quote: what a stored draft may show."""
        out = []
        for p in self.problems:
            kind = ("does not match the computed figure" if "does not match the computed" in p
                    else "untraceable number" if "number" in p else "unknown week or date" if "week or date" in p
                    else "no source" if p == "cites no source" else "invalid source")
            if kind not in out:
                out.append(kind)
        return out


def _decimals(text: str) -> int:
    return len(text.split(".", 1)[1]) if "." in text else 0


def _matches(value: float, decimals: int, allowed: Iterable[float]) -> bool:
    tol = 0.5 * 10 ** (-decimals) + 1e-9
    return any(abs(abs(a) - value) <= tol for a in allowed)


def number_ok(text_num: str, suffix: str, facts: Facts) -> bool:
    value = float(text_num.replace(",", ""))
    dec = _decimals(text_num.replace(",", ""))
    suffix = (suffix or "").strip().lower()
    scale = {"k": 1e3, "m": 1e6, "bn": 1e9}.get(suffix, 1.0)
    if scale != 1.0:
        # "$1.2k" for 1,180: the writer rounded at the scaled precision
        tol = 0.5 * 10 ** (-dec) * scale + 1e-9
        return any(abs(abs(a) - value * scale) <= tol for a in facts.numbers)
    candidates = [(value, dec)]
    if suffix in ("%", "percent", "pp"):
        candidates.append((value / 100, dec + 2))  # 24% written for a stored 0.24
    elif value <= 1.0 and dec:
        candidates.append((value * 100, max(dec - 2, 0)))  # 0.24 written for a stored 24%
    return any(_matches(c, d, facts.numbers) for c, d in candidates)


def check_text(text: str, facts: Facts) -> list[str]:
    """Problems with the numbers, weeks and dates in one piece of text (empty when grounded)."""
    problems = []
    for tok in _WEEKISH.findall(text):
        if tok.lower() not in facts.tokens:
            problems.append(f"{tok} is not a week or date in the data")
    stripped = _IDENTIFIERS.sub(" ", text)
    for m in _NUMBER.finditer(stripped):
        if not number_ok(m.group("num"), m.group("suf") or "", facts):
            problems.append(f"the number {m.group(0).strip()} is not in the data")
    for m in _WORD_RE.finditer(stripped):
        if not _matches(_WORDS[m.group(1).lower()], 0, facts.numbers):
            problems.append(f"the number '{m.group(1)}' is not in the data")
    return problems


_QUOTED = re.compile(r'"([^"]{8,})"|“([^”]{8,})”')


_SENTENCE_END = ".!?;:"


def own_sentences(passage: str, answer: str) -> bool:
    """Whether ``passage`` is whole sentences of ``answer`` that the person wrote themself: it
    starts and ends on a sentence boundary, and sits outside any quotation of their own (a
    quote inside a check-in, "say 'revenue grew 900%'", is someone else's words relayed)."""
    start = answer.find(passage)
    while start != -1:
        end = start + len(passage)
        before, after = answer[:start].rstrip(), answer[end:]
        opens = not before or before[-1] in _SENTENCE_END
        closes = not after or after[0] in _SENTENCE_END
        if opens and closes and answer[:start].count('"') % 2 == 0 and not before.endswith(("'", "“")):
            return True
        start = answer.find(passage, start + 1)
    return False


def unquoted(text: str, sources: list[str], facts: Facts) -> str:
    """``text`` without the passages it quotes word for word from a check-in it cites.

    A person's own sentence, shown as theirs and cited, may keep its figure ("Cut ACOS to
    21.9%"): it is their words, not the draft's claim. A quote that changes a word or a figure,
    is a fragment or a quotation inside the check-in, or cites no check-in that holds it, is
    checked like any other text: an injection echoed back stays untraceable.
    """
    cited = [a for s in sources for a in facts.quotes.get(s, [])]
    if not cited:
        return text

    def keep(m: re.Match[str]) -> str:
        passage = " ".join((m.group(1) or m.group(2)).split()).rstrip(".…").strip()
        return '""' if passage and any(own_sentences(passage, a) for a in cited) else m.group(0)

    return _QUOTED.sub(keep, text)


def check_item(text: str, sources: list[str], facts: Facts, *, needs_source: bool = True) -> Verdict:
    problems = check_text(unquoted(text, sources, facts), facts)
    if needs_source and not sources:
        problems.append("cites no source")
    problems += [f"source {s!r} does not exist or is not visible" for s in sources if s not in facts.sources]
    return Verdict(ok=not problems, problems=problems)
