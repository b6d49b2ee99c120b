"""A draft as its reader sees it: people by name, KPIs by name, sources in words.

The stored content names people by email and cites records by id (``checkin:14``,
``kpi:social-roas@2026-11-23``); whatever a person reads or pastes elsewhere (the web's draft
page, its markdown download and copy, ``cadence draft ... --format md``) says instead "Kofi's
check-in, W47", "Paid social ROAS on 2026-11-23", "1:1 of 2026-11-18". ``source_labels`` is the
one place a source id becomes words; ``reader_content`` turns a whole draft into what a reader
may keep, its sources as numbered footnotes.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from sqlmodel import Session

from assistant.domain.checkins import get_visible_checkin
from assistant.domain.kpis import visible_kpis
from assistant.domain.meetings import get_visible_meeting
from assistant.domain.models import Person
from assistant.domain.sources import IN_TEXT, parse_source
from assistant.errors import NotFound
from assistant.retrieval.playbook import load_sections

_IN_TEXT = re.compile(r"\[?(" + IN_TEXT + r")\]?")
"""A source id written into prose, with the brackets a model may put around it."""


def _short(name: str) -> str:
    """A KPI's name without its gloss: "TACOS (ad spend / total sales)" -> "TACOS"."""
    return name.split(" (", 1)[0].strip() or name


def source_labels(session: Session, viewer: Person, sources: list[str]) -> dict[str, str]:
    """Each source id as a reader names it: "Tomás's check-in, W44", "TACOS on 2026-11-30",
    "1:1 of 2026-11-30", the playbook section's title. Ids the viewer may not open, or that
    name nothing, are left out (the page falls back to a generic label)."""
    kpis = {k.key: _short(k.name) for k in visible_kpis(session, viewer)}
    playbook: dict[str, str] | None = None
    labels: dict[str, str] = {}
    for source in sources:
        src = parse_source(source)
        try:
            if src.kind == "checkin" and src.record_id is not None:
                row = get_visible_checkin(session, viewer, src.record_id)
                person = session.get(Person, row.person_id)
                first = person.name.split()[0] if person and person.name else "their"
                labels[source] = f"{first}'s check-in, {row.week.rsplit('-', 1)[-1]}"
            elif src.kind == "meeting" and src.record_id is not None:
                labels[source] = f"1:1 of {get_visible_meeting(session, viewer, src.record_id).date.isoformat()}"
        except NotFound:
            continue
        if src.kind == "kpi" and src.kpi_key in kpis:
            labels[source] = kpis[src.kpi_key] + (f" on {src.day}" if src.day else "")
        elif src.kind == "playbook":
            playbook = playbook if playbook is not None else {s.id: s.title for s in load_sections()}
            if src.ref in playbook:
                labels[source] = f"Playbook: {playbook[src.ref]}"
    return labels


def kpi_names(session: Session, viewer: Person) -> dict[str, str]:
    """KPI key -> its short name, for the KPIs the viewer may see."""
    return {k.key: _short(k.name) for k in visible_kpis(session, viewer)}


def reader_content(content: dict[str, Any], labels: dict[str, str], *, subject: str | None, requester: str | None,
                   kpis: dict[str, str], drafted_on: str) -> tuple[dict[str, Any], list[str]]:
    """A copy of a draft's content for a person to paste elsewhere, and its footnotes.

    People by name (the stored content names them by email), KPIs by name, and every source
    as a numbered footnote ``[^n]`` after the text that rests on it (the ids inside prose
    too), so no internal id or address reaches the reader. Who drafted it is "Cadence".
    """
    new = copy.deepcopy(content)
    notes: dict[str, int] = {}

    def mark(source: str) -> str:
        n = notes.setdefault(source, len(notes) + 1)
        return f"[^{n}]"

    def inline(m: re.Match) -> str:
        source = m[1].rstrip(".")  # a sentence's full stop is not part of the id
        return mark(source) + m[1][len(source):]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            cited = node.get("sources")
            for key in ("text", "rationale", "reason"):
                if isinstance(node.get(key), str):
                    node[key] = _IN_TEXT.sub(inline, node[key])
            if isinstance(cited, list) and cited:
                key = next((k for k in ("text", "rationale", "reason") if isinstance(node.get(k), str)), None)
                if key is not None:
                    node[key] = node[key].rstrip() + " " + "".join(mark(str(s)) for s in cited)
                    node["sources"] = []
            for key in ("kpi", "guardrail", "replacement"):
                if isinstance(node.get(key), str) and node[key] in kpis:
                    node[key] = kpis[node[key]]
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(new.get("sections"))
    for key in ("questions",):
        if isinstance(new.get(key), list):
            new[key] = [_IN_TEXT.sub(inline, q) if isinstance(q, str) else q for q in new[key]]
    for key in ("goals", "retire", "notes"):
        walk(new.get(key))
    new["subject"] = subject or "this person"
    if requester:
        new["viewer"] = requester
    else:
        new.pop("viewer", None)
    new["provider"], new["model"] = "Cadence", drafted_on
    footnotes = [f"[^{n}]: {labels.get(s) or _generic(s)}" for s, n in notes.items()]
    return new, footnotes


def _generic(source: str) -> str:
    """A source the viewer may not open: what kind of record it is, without its id."""
    return {"checkin": "a check-in", "meeting": "a 1:1", "kpi": "a KPI value", "playbook": "the playbook"}.get(
        parse_source(source).kind, "a record")
