"""Check-in text signals: did priorities become wins, which blockers keep coming back.

Similarity is the cosine of MiniLM sentence embeddings (``assistant.core.embeddings``); when
the embedder is unavailable a keyword overlap takes its place, with its own thresholds.
The thresholds were calibrated on the demo org (demo/northwind.yaml); the figures are in
the comments next to each constant.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from assistant.core.embeddings import Embedder, get_embedder
from assistant.core.words import CHECKIN_STOP_WORDS, fold_plural
from assistant.domain.calendar import iso_week_monday, next_week, weeks_back
from assistant.domain.models import CheckIn, Person
from assistant.domain.sources import checkin_source
from assistant.domain.vectors import vectors_for

log = logging.getLogger(__name__)

# Follow-through: each priority item is scored by its best cosine against the next week's
# win sentences (and the wins as a whole). Demo figures: clear follow-through scores
# 0.40-0.86 (am@ 10 of 11 pairs >= 0.40), unrelated pairs -0.08-0.24 (support@ W39->W40
# 0.09, creative@ W36->W37 0.07).
FOLLOWED = 0.40  # every priority item at or above this: followed
PARTLY = 0.25  # at least one item at or above this: partly; else not_followed
# Keyword fallback: share of a priority item's content words found in the wins. Demo
# figures: followed pairs 0.4-0.67 (am@ W31 0.54), unrelated 0.0-0.17.
FOLLOWED_KW = 0.4
PARTLY_KW = 0.2

# Blocker threads. A check-in's blockers are split into items (lines, bullets, or a sentence
# opening with "Also" / "Separately" / "Another issue" ...), so two blockers written in one
# check-in can be followed apart (a cue word must open the sentence: "Second slip this year."
# goes on with the sentence before it). Two items of the same person LINK when
#  - they are at most NEAR_WEEKS apart and their cosine is >= NEAR_COSINE, or
#  - they are further apart (within the lookback) and their cosine is >= FAR_COSINE.
# Figures (same-person check-ins): demo supply@'s PO-2291 thread W33-W34 0.305 (its weakest
# needed link), W35-W37 0.314, W34-W36 0.593, W36-W37 0.649; the highest unrelated near pairs
# are evals signals' variety@ W38-W40 0.292 (finance to approve a budget vs a decision on a
# supplier), demo support@ W36-W39 0.288, W39-W41 0.270 and creative@ W30-W32 0.259
# (stoneware samples late vs freelancer late): NEAR_COSINE sits between 0.292 and 0.305.
# Far apart, support@ W31 (refund limit) vs W41 (staffing time with the manager) reaches
# 0.489: an unrelated pair sharing "waiting on Priya", so distance raises the bar; ops-lead@'s
# 3PL migration returns after six weeks at 0.605.
#
# A blocker written as several sentences may share only one of them with the week before:
# supply@'s W35 (the manufacturer's backlog, then "Air freight decision still open.") is
# about W34's "I need Priya to approve the air freight spend" at 0.452 sentence to sentence
# but 0.275 as whole texts. So two items at most NEAR_WEEKS apart also link when their best
# pair of sentences reaches SENTENCE_COSINE. Figures (near pairs whose whole texts do not
# link, demo and every evals fixture): that pair is the only one above 0.40; the highest
# unrelated ones are copperline's sunita W38-W42 0.314 (PHX7 inbound vs the factory slot),
# demo support@ W36-W39 0.309 and W32-W38 0.303 (refund limit vs backorder tickets). Far
# apart it does not apply: short sentences naming one person score high whatever the
# matter (support@ W32 "Asked Priya twice." vs W41 "Need 30 minutes with Priya on
# staffing" 0.564), and a single-sentence item's best pair is its whole text.
#
# Links do not chain (see ``thread_blockers``). Items are taken oldest first; an item joins a
# thread only when it links to the thread's latest week or to at least MOST (half) of its
# weeks, and joins one thread only. A later pass merges two threads only when at least MOST
# of their cross pairs of weeks link. So a blocker that drifts week by week stays one thread
# (each week links to the one before), while an item resembling two running threads joins the
# better one instead of welding them together as union-find did: in the bridge fixture
# (tests/assessment/test_threads.py) the dock printer (W40) and the 3PL invoice (W41) cross at
# 0.09, the W42 item naming both links them at 0.54 and 0.56, and the result is two threads
# (2 and 3 weeks; their cross pairs link 2 of 6) where union-find made one of 5. With only
# three items such a bridge cannot be told from a drifting thread; later weeks decide.
# Figures: supply@'s W35 (the manufacturer's backlog) links W34 by its air freight sentence
# (whole texts 0.275 and 0.256 to W33 link nothing; without the sentence link it would start
# alone and stay apart at W36, linking 1 of the other 3 weeks); the five-phrasings
# fixture links each week to the one before at 0.39-0.75; two blockers written together each
# week, split into items, cross at most 0.30 and each item links its own thread's at 0.44-0.81.
NEAR_WEEKS = 4
NEAR_COSINE = 0.30
FAR_COSINE = 0.55
SENTENCE_COSINE = 0.40  # best sentence pair, near only
MOST = 0.5
# Keyword fallback (also used alongside the embedder): Jaccard of content words.
NEAR_JACCARD = 0.25
FAR_JACCARD = 0.4
TEXT_CHARS = 200

_EMPTY = {"", "none", "n/a", "na", "nothing", "no", "no blockers", "nope", "-", "--", "nil", "all good"}
_TOKEN = re.compile(r"[a-z0-9][a-z0-9'+]*")


class FollowThrough(BaseModel):
    week: str = Field(description="Week whose priorities are judged.")
    next_week: str = Field(description="Week whose wins are compared.")
    priorities: str
    wins: str
    score: float = Field(description="Mean over priority items of the best similarity to the wins.")
    items: list[float] = Field(description="Best similarity per priority item, in order.")
    verdict: Literal["followed", "partly", "not_followed"]
    method: Literal["embedding", "keywords"]
    priorities_checkin_id: int
    wins_checkin_id: int
    sources: list[str]


class RecurringBlocker(BaseModel):
    text: str = Field(description="The most recent blocker of the group, trimmed.")
    weeks: list[str]
    sources: list[str]
    first_week: str
    last_week: str
    weakest_link: float = Field(description="Lowest similarity among the links that joined the group.")
    method: Literal["embedding", "keywords"]


# ---------------------------------------------------------------- helpers
def words(text: str) -> set[str]:
    """Content words: lower-case tokens (hyphens split) minus stop words, plurals folded."""
    out = set()
    for t in _TOKEN.findall(text.lower()):
        if t in CHECKIN_STOP_WORDS or len(t) < 2:
            continue
        out.add(fold_plural(t))
    return out


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def coverage(item: set[str], other: set[str]) -> float:
    return len(item & other) / len(item) if item else 0.0


def trim(text: str, limit: int = TEXT_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def is_empty(text: str | None) -> bool:
    return not text or text.strip().strip(".!").strip().lower() in _EMPTY


def priority_items(text: str) -> list[str]:
    """A priority list split into its items (lines or bullets); prose stays one item."""
    items = [line.strip().lstrip("-*•").strip() for line in text.splitlines()]
    items = [i for i in items if len(i) > 2]
    return items or [text.strip()]


def sentences(text: str) -> list[str]:
    parts = [p.strip().lstrip("-*•").strip() for p in re.split(r"\n+|(?<=[.!?;])\s+", text)]
    return [p for p in parts if len(p) > 2]


def embed(texts: Sequence[str], embedder: Embedder | None = None, *,
          session: Session | None = None) -> np.ndarray | None:
    """Normalised vectors for ``texts``, or None when no embedder can run (the caller falls back).

    With a ``session`` the vectors stored when the check-ins were indexed are read (one query)
    and only texts missing there are embedded; ``analysis_units`` is what the index stores."""
    if not texts:
        return np.zeros((0, 0))
    try:
        embedder = embedder or get_embedder()
        if session is not None:
            return vectors_for(session, list(texts), embedder)
        return np.asarray(embedder.embed(list(texts)), dtype=np.float64)
    except Exception as exc:  # noqa: BLE001 - any failure means "use the keyword fallback"
        log.warning("embeddings unavailable, using keyword overlap: %s", exc)
        return None


def history_query(blockers: str, priorities: str) -> str:
    """What a draft asks the check-in index about a check-in: its blockers and priorities."""
    return f"{blockers} {priorities}"


def _checkins(session: Session, person: Person, weeks: Sequence[str]) -> list[CheckIn]:
    return list(session.exec(
        select(CheckIn).where(CheckIn.person_id == person.id, col(CheckIn.week).in_(list(weeks)))
        .order_by(CheckIn.week)
    ).all())


# ---------------------------------------------------------------- follow-through
def _verdict(items: list[float], followed: float, partly: float) -> str:
    if items and min(items) >= followed:
        return "followed"
    return "partly" if items and max(items) >= partly else "not_followed"


def priority_follow_through(session: Session, person: Person, weeks: list[str], *,
                            embedder: Embedder | None = None) -> list[FollowThrough]:
    """Week N's priorities against week N+1's wins, for each such pair of check-ins in ``weeks``.

    Only calendar-consecutive weeks are paired. Priorities are split into items (lines or
    bullets); each item gets its best cosine against the next week's win sentences and the
    wins as a whole; ``score`` is their mean. Verdict: ``followed`` when every item reaches
    FOLLOWED, ``partly`` when at least one reaches PARTLY, else ``not_followed``. Without
    an embedder the item score is the share of its content words found in the wins
    (thresholds FOLLOWED_KW, PARTLY_KW). Empty priorities are skipped; empty wins score 0.
    """
    by_week = {c.week: c for c in _checkins(session, person, weeks)}
    pairs = [(c, by_week[next_week(w)]) for w, c in sorted(by_week.items())
             if next_week(w) in by_week and not is_empty(c.priorities)]
    if not pairs:
        return []
    items = [priority_items(a.priorities) for a, _ in pairs]
    wins = [win_units(b.wins) for _, b in pairs]
    flat = [t for group in items for t in group] + [t for group in wins for t in group]
    vecs = embed(flat, embedder, session=session)
    method = "embedding" if vecs is not None else "keywords"
    out, i, j = [], 0, sum(len(g) for g in items)
    for (a, b), its, ws in zip(pairs, items, wins, strict=True):
        if not ws:
            scores = [0.0] * len(its)
        elif vecs is not None:
            sims = vecs[i : i + len(its)] @ vecs[j : j + len(ws)].T
            scores = [float(s) for s in sims.max(axis=1)]
        else:
            win_words = words(b.wins)
            scores = [coverage(words(t), win_words) for t in its]
        i, j = i + len(its), j + len(ws)
        hi, lo = (FOLLOWED, PARTLY) if vecs is not None else (FOLLOWED_KW, PARTLY_KW)
        scores = [round(s, 3) + 0.0 for s in scores]
        out.append(FollowThrough(
            week=a.week, next_week=b.week, priorities=trim(a.priorities, 300), wins=trim(b.wins, 300),
            score=round(sum(scores) / len(scores), 3), items=scores, verdict=_verdict(scores, hi, lo), method=method,
            priorities_checkin_id=a.id, wins_checkin_id=b.id, sources=[checkin_source(a.id), checkin_source(b.id)],
        ))
    return out


# ---------------------------------------------------------------- blocker threads
_ITEM_CUE = re.compile(r"(?<=[.!?;])\s+(?=(?:also|separately|additionally|in addition|on top of that|unrelated(?:ly)?|"
                       r"secondly|plus|(?:another|a second|one more) (?:thing|issue|blocker|problem))\b)",
                       re.IGNORECASE)


_RESOLVED = re.compile(r"\b(solved|resolved|cleared|unblocked|sorted(?: out)?|fixed|no longer|not an issue any ?more|"
                       r"went through|all done|back on (?:schedule|track)|came through)\b", re.IGNORECASE)
_NEGATION = re.compile(r"\b(not|never|no|still|yet|cannot|won't|until|unless|before|once|if|when|to be|needs?)\b|"
                       r"n't\b", re.IGNORECASE)
_NONE_BUT = re.compile(r"^\W*(?:none|no blockers?|nothing|n/a)\s*[:\-–—,]", re.IGNORECASE)


def says_resolved(text: str) -> bool:
    """The text says the blocker is solved: "None: the film arrived", or a resolution word (solved,
    fixed, cleared, "no longer"...) with no negation or condition earlier in its clause."""
    if _NONE_BUT.search(text):
        return True
    for m in _RESOLVED.finditer(text):
        if m.group(1).lower() == "no longer":
            return True
        clause = re.split(r"[,;:.!?]|\s[-–—]\s", text[: m.start()])[-1]
        if not _NEGATION.search(clause):
            return True
    return False


class BlockerItem(BaseModel):
    week: str
    checkin_id: int
    text: str = Field(description="The item as written, whitespace normalised.")
    source: str
    resolves: bool = Field(False, description="The item says it is solved (``says_resolved``): it closes its thread.")


class BlockerGroup(BaseModel):
    """One blocker followed across the weeks it was written (a thread), one week or more."""

    items: list[BlockerItem] = Field(description="Oldest first; two items of one check-in may share a thread.")
    weeks: list[str]
    sources: list[str]
    first_week: str
    last_week: str
    weakest_link: float | None = Field(description="Lowest similarity among the links that joined the group "
                                                   "(None for a single item).")
    method: Literal["embedding", "keywords"]

    def text_of(self, week: str) -> str:
        return " ".join(i.text for i in self.items if i.week == week)


def blocker_items(text: str) -> list[str]:
    """A check-in's blockers split into items: lines or bullets, and a sentence that opens a new
    blocker ("Also ...", "Separately ...", "Another issue ..."); prose without such a cue stays one
    item ("Second slip this year." continues the sentence before it)."""
    out = []
    for line in text.splitlines():
        line = " ".join(line.strip().lstrip("-*•").split())
        if is_empty(line) or len(line) <= 2 or (line.endswith(":") and len(line.split()) <= 3):
            continue  # an empty bullet or a heading such as "Two things:"
        out += [p.strip() for p in _ITEM_CUE.split(line) if p.strip()]
    return out


def blocker_sentences(item: str) -> list[str]:
    """The sentences of a blocker item that ``thread_blockers`` compares pair by pair."""
    return sentences(item) or [item]


def win_units(wins: str) -> list[str]:
    """What follow-through compares a priority item against: each win sentence and the wins whole."""
    return sentences(wins) + [wins.strip()] if not is_empty(wins) else []


def analysis_units(checkin: CheckIn) -> list[str]:
    """Every text the analysis embeds for ``checkin``, distinct, in order: its blocker items and
    their sentences (``thread_blockers``), its priority items and its win units
    (``priority_follow_through``). The index embeds and stores exactly these when it writes the
    check-in, so the analysis reads them instead of embedding at request time; both sides call
    this one function, so they cannot disagree about what a unit is."""
    out: list[str] = []
    if not is_empty(checkin.blockers):
        for item in blocker_items(checkin.blockers):
            out += [item, *blocker_sentences(item)]
    if not is_empty(checkin.priorities):
        out += priority_items(checkin.priorities)
    out += win_units(checkin.wins)
    return list(dict.fromkeys(out))


def _week_distance(a: str, b: str) -> int:
    return abs((iso_week_monday(a) - iso_week_monday(b)).days) // 7


def link_score(cos: float | None, jac: float, weeks_apart: int, sentence: float | None = None) -> float | None:
    """The similarity that links two blockers this far apart, or None when they stay apart.

    ``cos`` is the cosine of the whole texts, ``sentence`` that of their best pair of sentences
    (near pairs only: SENTENCE_COSINE), ``jac`` the keyword overlap."""
    near = weeks_apart <= NEAR_WEEKS
    if cos is not None and cos >= (NEAR_COSINE if near else FAR_COSINE):
        return cos
    if near and sentence is not None and sentence >= SENTENCE_COSINE:
        return sentence
    if jac >= (NEAR_JACCARD if near else FAR_JACCARD):
        return jac
    return None


def thread_blockers(session: Session, person: Person, until_week: str, *, lookback: int = 12,
                    embedder: Embedder | None = None) -> list[BlockerGroup]:
    """``person``'s blockers over the ``lookback`` weeks ending with ``until_week``, as threads.

    Items (``blocker_items``) are taken oldest first; two items link by their whole texts or, near
    each other, by their best pair of sentences (``link_score``). An item joins the existing thread it
    links to best (``link_score``) among those where it links to the thread's latest week or
    to at least MOST of its weeks, unless the thread's latest item says it is solved (a blocker
    raised again after that is a new thread); otherwise it starts a thread. Then two threads merge when
    at least MOST of their cross pairs of weeks link, best-linked pair first; threads that
    share a week (two items written apart in one check-in) never merge. So a blocker that
    drifts week by week stays one thread, and an item resembling two threads joins one of
    them instead of welding them together. Returns every thread, single weeks included,
    most recent first.
    """
    rows = [c for c in _checkins(session, person, weeks_back(until_week, lookback)) if not is_empty(c.blockers)]
    items = [BlockerItem(week=c.week, checkin_id=c.id, text=t, source=checkin_source(c.id), resolves=says_resolved(t))
             for c in rows for t in blocker_items(c.blockers)]
    if not items:
        return []
    parts = [blocker_sentences(i.text) for i in items]
    ends = np.cumsum([0] + [len(p) for p in parts])
    vecs = embed([i.text for i in items] + [t for p in parts for t in p], embedder, session=session)
    sims = sent = None
    if vecs is not None:
        whole, each = vecs[: len(items)], vecs[len(items):]
        sims, sent = whole @ whole.T, each @ each.T
    bags = [words(i.text) for i in items]

    def link(a: int, b: int) -> float | None:
        cos = best = None
        if sims is not None:
            cos = float(sims[a, b])
            best = float(sent[ends[a]:ends[a + 1], ends[b]:ends[b + 1]].max())
        return link_score(cos, jaccard(bags[a], bags[b]), _week_distance(items[a].week, items[b].week), best)

    def closed_before(members: list[int], weeks: set[str]) -> bool:
        """The thread was closed as solved before some of ``weeks``: what came later is another matter."""
        last = max(members, key=lambda k: (items[k].week, k))
        return items[last].resolves and items[last].week < max(weeks)

    def week_links(us: list[int], members: list[int]) -> dict[str, float]:
        """Per week of ``members``: the best link any of ``us`` makes to it (weeks with no link left out)."""
        out: dict[str, float] = {}
        for m in members:
            for u in us:
                score = link(u, m)
                if score is not None and score > out.get(items[m].week, -1.0):
                    out[items[m].week] = score
        return out

    threads: list[list[int]] = []
    joins: list[list[float]] = []
    for u, item in enumerate(items):
        best: tuple[float, int] | None = None
        for t, members in enumerate(threads):
            before = [m for m in members if items[m].week < item.week]
            if not before or items[before[-1]].resolves:
                continue  # started by another item of this same check-in, or closed as solved
            weeks = sorted({items[m].week for m in before})
            linked = week_links([u], before)
            if (weeks[-1] in linked or len(linked) >= MOST * len(weeks)) and linked:
                score = max(linked.values())
                best = max(best or (score, t), (score, t))
        if best is None:
            threads.append([u])
            joins.append([])
        else:
            threads[best[1]].append(u)
            joins[best[1]].append(best[0])

    while True:
        merge: tuple[float, float, int, int] | None = None
        for a in range(len(threads)):
            for b in range(a + 1, len(threads)):
                wa, wb = {items[m].week for m in threads[a]}, {items[m].week for m in threads[b]}
                if wa & wb or closed_before(threads[a], wb) or closed_before(threads[b], wa):
                    continue
                pairs = [week_links([u for u in threads[a] if items[u].week == w], threads[b]) for w in wa]
                linked = [s for p in pairs for s in p.values()]
                density = len(linked) / (len(wa) * len(wb))
                if linked and density >= MOST:
                    merge = max(merge or (density, max(linked), a, b), (density, max(linked), a, b))
        if merge is None:
            break
        _, score, a, b = merge
        threads[a] += threads.pop(b)
        joins[a] += joins.pop(b) + [score]

    out = []
    for members, scores in zip(threads, joins, strict=True):
        members.sort(key=lambda k: (items[k].week, k))
        weeks = sorted({items[k].week for k in members})
        out.append(BlockerGroup(
            items=[items[k] for k in members], weeks=weeks,
            sources=list(dict.fromkeys(items[k].source for k in members)), first_week=weeks[0], last_week=weeks[-1],
            weakest_link=round(min(scores), 3) if scores else None,
            method="embedding" if sims is not None else "keywords",
        ))
    return sorted(out, key=lambda g: (g.last_week, len(g.weeks)), reverse=True)


def recurring_blockers(session: Session, person: Person, until_week: str, *, lookback: int = 12,
                       embedder: Embedder | None = None) -> list[RecurringBlocker]:
    """Blockers that return across two or more weeks, however they are phrased (``thread_blockers``
    with at least two weeks), most recent first; ``text`` is the latest week's wording."""
    return [RecurringBlocker(text=trim(g.text_of(g.last_week)), weeks=g.weeks, sources=g.sources,
                             first_week=g.first_week, last_week=g.last_week, weakest_link=g.weakest_link or 0.0,
                             method=g.method)
            for g in thread_blockers(session, person, until_week, lookback=lookback, embedder=embedder)
            if len(g.weeks) >= 2]
