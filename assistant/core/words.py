"""Word normalisation for the lexical checks: stop words, plural folding, ending stripping.

Three places compare words: the KPI catalog (a KPI's name against catalog aliases), the
check-in text heuristics (priorities against next week's wins, blockers against blockers)
and the search reranker (a query against a hit). They share one stop-word core and one
plural rule, and differ where their text differs:

- Check-ins are full of weekly filler ("next week I still need to get ..."), so the check-in
  list also drops those words; a query is a question, so the search list drops question
  words ("how", "why", "where") instead.
- The catalog and the check-in heuristics fold plurals only (``fold_plural``); search also
  strips tense and agent endings (``strip_endings``: delays / delayed / delaying -> delay),
  because a query and a check-in rarely use the same form of a verb.
"""

from __future__ import annotations

STOP_WORDS = frozenset(
    "a an and are as at be been but by can did do does for from had has have i in into is it its my "
    "no not of on or our so than that the their them then there these this to was we were what when "
    "which who will with you your".split()
)
"""Function words none of the three comparisons should count as shared content."""

SEARCH_STOP_WORDS = STOP_WORDS | {"about", "how", "they", "those", "where", "why"}
"""Stop words for search queries and the texts they rerank."""

CHECKIN_STOP_WORDS = STOP_WORDS | frozenset(
    "could done get got if just me need needs next now out over still too up us week weeks while "
    "would yet".split()
)
"""Stop words for check-in text, where weekly filler would make any two weeks look alike."""


def fold_plural(word: str) -> str:
    """A plural folded to its singular (priorities -> priority, orders -> order, class stays)."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "'s")):
        return word[:-1]
    return word


_ENDINGS = ("ings", "ing", "ers", "er", "ies", "ied", "es", "ed", "ly", "s")


def strip_endings(word: str) -> str:
    """Plural and tense endings off (delays / delayed -> delay), leaving at least three letters;
    keeps supply apart from supplier."""
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word
