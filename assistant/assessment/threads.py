"""Blockers as threads: what it is, since when, waiting on whom, open or resolved, and whether it
is the person's own explanation for a guardrail's damage.

Linking across weeks is ``analysis.text.thread_blockers`` (by meaning, without chaining). Here:
- ``label``: the most shared of the thread's items (the one whose content words overlap the
  others most), cut to its first clause of at most LABEL_WORDS words: the person's own words.
- ``waits_on``: people the texts name (first or full name; "my manager"), roles (a role's own
  words after "waiting on", "from", "asked", ... or before "team", "to approve", ...: "waiting
  on finance" is the Finance manager) and outside parties (PARTIES: supplier, 3PL, carrier,
  agency, marketplace, bank or accountant, legal), latest mention first; an outside party has
  no person_id, is named by the word used ("vendor", "3PL", "Walmart") and carries its kind as
  ``role`` ("supplier"), one per kind.
- ``status``: resolved when the latest wording says so (``analysis.text.says_resolved``), or
  when it was not raised for STOPPED weeks and a later check-in was filed without it;
  otherwise open (with no check-in since, the last thing said still stands). ``weeks`` and
  ``times`` count the check-ins that raised it, not the one that says it is solved.
- ``explains_guardrail``: the key of a guardrail of the person's own KPIs that is worsening
  when a thread's text names that guardrail's KPI words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from sqlmodel import Session, col, select

from assistant.analysis.text import BlockerGroup, says_resolved, thread_blockers, trim, words
from assistant.assessment.model import BlockerThread, KpiReading, WaitsOn
from assistant.assessment.quality import name_terms, names_kpi
from assistant.core.embeddings import Embedder
from assistant.domain.calendar import weeks_apart
from assistant.domain.models import CheckIn, Person

LABEL_WORDS = 8
STOPPED = 2  # weeks without it, a later check-in filed, before a blocker reads as resolved

PARTIES = {
    "supplier": ("supplier", "vendor", "factory", "manufacturer", "co-?packer", "mill"),
    "3PL": ("3pl", "warehouse", "fulfil(?:l)?ment cent(?:re|er)", "prep cent(?:re|er)"),
    "carrier": ("carrier", "freight forwarder", "forwarder", "customs", "shipping line"),
    "agency": ("agency", "freelancer", "contractor", "photographer"),
    "marketplace": ("seller support", "amazon support", "brand registry", "walmart", "klaviyo support"),
    "finance partner": ("bank", "lender", "accountant", "bookkeeper"),
    "legal": ("lawyer", "solicitor", "legal(?= (?:team|counsel|has|hasn't|have|still|is|says))"),
}
_PARTY = {group: re.compile(r"\b(" + "|".join(ws) + r")s?\b", re.IGNORECASE) for group, ws in PARTIES.items()}
# Role words that are also everyday words ("need support", "sales growth") count only after a
# cue that says someone is waited on, never after "need", and never before a verb.
COMMON_ROLE_WORDS = {"support", "growth", "operations", "creative", "content", "supply", "account", "customer",
                     "product", "brand", "amazon", "chain", "sales", "design", "retention", "ppc", "marketing"}
ROLE_GENERIC = {"manager", "lead", "head", "of", "and", "the", "specialist", "senior", "junior", "chief", "officer",
                "director", "associate", "coordinator", "assistant", "executive", "strategist", "team", "vp",
                "principal", "owner"}
ROLE_ALIASES = {"operations": ("ops",), "finance": ("accounts", "accounting")}
_CUE = r"(?:waiting (?:on|for)|wait(?:s)? (?:on|for)|blocked (?:on|by)|depend(?:s|ing)? on|rel(?:y|ying) on|from|by|" \
       r"ask(?:ed)?|chas(?:e|ing))"
_NEED = r"(?:need|needs)"
_AFTER = r"(?:team|lead|side|folks|people)"
_VERB = r"(?:to (?:approve|sign|confirm|decide|send|reply|agree)|approves?|approved|signs? off|decides?|confirms?|" \
        r"has(?:n't| not)|have(?:n't| not)|won't|is still|still)"
_LEAD_IN = re.compile(r"^(?:also|separately|additionally|another thing|in addition|plus|still|again)[,:]?\s+",
                      re.IGNORECASE)


def label_of(text: str) -> str:
    """The blocker's first clause, a few words long, in the person's own words."""
    text = _LEAD_IN.sub("", " ".join(text.split()))
    first = re.split(r"(?<=[.;!?])\s|\s[-–—]\s", text, maxsplit=1)[0].rstrip(".;!?")
    if len(first.split()) > LABEL_WORDS:  # a long sentence: cut at its first comma past three words
        m = re.search(r"^(\S+(?:\s+\S+){2,}?),\s", first)
        first = m.group(1) if m else first
    ws = first.split()
    label = " ".join(ws[:LABEL_WORDS]) + ("…" if len(ws) > LABEL_WORDS else "")
    return label[:1].upper() + label[1:]


@lru_cache(maxsize=256)
def _role_patterns(role: str) -> tuple[re.Pattern[str], ...]:
    own = [w for w in re.findall(r"[a-z0-9]+", role.lower()) if w not in ROLE_GENERIC]
    out = [re.compile(rf"\b{re.escape(role)}\b", re.IGNORECASE)]
    for w in own + [a for o in own for a in ROLE_ALIASES.get(o, ())]:
        after = rf"{_AFTER}" if w in COMMON_ROLE_WORDS else rf"(?:{_AFTER}|{_VERB})"
        cues = _CUE if w in COMMON_ROLE_WORDS else rf"(?:{_CUE}|{_NEED})"
        out.append(re.compile(rf"\b{cues}\s+(?:the |our |my )?{w}\b(?! (?:tickets?|queue|costs?|issues?|levels?))",
                              re.IGNORECASE))
        out.append(re.compile(rf"(?<!their )\b{w}\s+{after}\b", re.IGNORECASE))
    return tuple(out)


def _closeness(person: Person, other: Person) -> int:
    """How near ``other`` sits to ``person`` in the org: manager, then teammates and reports."""
    if other.id == person.manager_id:
        return 0
    if other.manager_id is not None and other.manager_id in (person.manager_id, person.id):
        return 1
    return 2


def people_named(session: Session, person: Person, text: str, *, people: Sequence[Person] | None = None
                 ) -> list[WaitsOn]:
    """People, roles and outside parties ``text`` names, the person themself excluded."""
    people = list(people if people is not None else session.exec(select(Person)).all())
    others = [p for p in people if p.id != person.id]
    found: dict[int, Person] = {}
    for p in others:
        if p.name and re.search(rf"\b{re.escape(p.name)}\b", text, re.IGNORECASE):
            found[p.id] = p
    by_first: dict[str, list[Person]] = {}
    for p in others:
        if p.name and p.id not in found:
            by_first.setdefault(p.name.split()[0], []).append(p)
    for first, ps in by_first.items():
        if re.search(rf"\b{re.escape(first)}\b", text):  # a first name as written, capital included
            near = min(_closeness(person, p) for p in ps)
            found |= {p.id: p for p in ps if _closeness(person, p) == near}
    if person.manager_id is not None and re.search(r"\bmy (?:line )?(?:manager|boss|lead)\b", text, re.IGNORECASE):
        found |= {p.id: p for p in others if p.id == person.manager_id}
    for p in others:
        if p.id not in found and p.role and any(rx.search(text) for rx in _role_patterns(p.role)):
            found[p.id] = p
    out = [WaitsOn(person_id=p.id, name=p.name, role=p.role, is_manager=p.id == person.manager_id)
           for p in sorted(found.values(), key=lambda p: (_closeness(person, p), p.name))]
    for group, rx in _PARTY.items():
        if m := rx.search(text):
            word = m.group(1)
            out.append(WaitsOn(name=word if word.isupper() or group == "marketplace" else word.lower(), role=group))
    return out


def _label_item(group: BlockerGroup, raised: list[str]) -> str:
    """The raised item sharing the most content words with the others (ties: the earliest)."""
    texts = [i.text for i in group.items if i.week in raised]
    bags = [words(t) for t in texts]
    shared = [sum(len(b & o) for k, o in enumerate(bags) if k != j) for j, b in enumerate(bags)]
    return texts[max(range(len(texts)), key=lambda j: (shared[j], -j))]


def _waits_on(session: Session, person: Person, texts: list[str], people: Sequence[Person]) -> list[WaitsOn]:
    out: dict[tuple, WaitsOn] = {}
    for t in reversed(texts):  # latest mention first
        for w in people_named(session, person, t, people=people):
            key = (w.person_id,) if w.person_id is not None else ("party", w.role)
            out.setdefault(key, w)
    return list(out.values())


def explained_guardrail(texts: list[str], readings: Sequence[KpiReading]) -> str | None:
    """The key of a worsening guardrail of the person's KPIs that the texts name, if any."""
    for r in readings:
        g = r.guardrail
        if g is not None and g.worsened and any(names_kpi(t, name_terms(g.key, g.name)) for t in texts):
            return g.key
    return None


def thread_of(session: Session, person: Person, week: str, group: BlockerGroup, later_checkins: list[str],
              readings: Sequence[KpiReading], people: Sequence[Person]) -> BlockerThread | None:
    """The group as a thread as of ``week``; None when it was never more than its own resolution."""
    resolved_by_text = says_resolved(group.text_of(group.last_week))
    raised = group.weeks[:-1] if resolved_by_text else group.weeks
    if not raised:
        return None
    last = raised[-1]
    if resolved_by_text:
        status, resolved_week = "resolved", group.last_week
    else:
        after = [w for w in later_checkins if last < w <= week]
        stopped = weeks_apart(last, week) >= STOPPED and bool(after)
        status, resolved_week = ("resolved", after[0]) if stopped else ("open", None)
    texts = [i.text for i in group.items if i.week in raised]
    return BlockerThread(
        label=label_of(_label_item(group, raised)), latest_text=trim(group.text_of(group.last_week)),
        first_week=raised[0], last_week=last, weeks=raised, times=len(raised),
        weeks_open=weeks_apart(raised[0], week if status == "open" else last), status=status,
        resolved_week=resolved_week, waits_on=_waits_on(session, person, texts, people),
        explains_guardrail=explained_guardrail(texts, readings), sources=group.sources,
    )


def blocker_threads(session: Session, person: Person, week: str, readings: Sequence[KpiReading] = (), *,
                    embedder: Embedder | None = None) -> list[BlockerThread]:
    """The person's blocker threads as of ``week``, most recent first: every recurring one (open or
    resolved), a single one while open, and a single one the person says is solved."""
    groups = thread_blockers(session, person, week, embedder=embedder)
    if not groups:
        return []
    people = session.exec(select(Person)).all()
    filed = sorted(session.exec(select(CheckIn.week).where(CheckIn.person_id == person.id,
                                                           col(CheckIn.week) <= week)).all())
    out = []
    for g in groups:
        t = thread_of(session, person, week, g, filed, readings, people)
        if t is not None and (t.recurring or t.status == "open" or t.resolved_week == g.last_week):
            out.append(t)
    return sorted(out, key=lambda t: (t.status == "open", t.resolved_week or t.last_week, t.times), reverse=True)
