"""A stored draft on its page: the editable parts, a form edit applied back, the guard's notes.

What a reader sees of its sources (names and dates, never ids, emails or addresses) is
``assistant.drafting.reader``, shared with the CLI's markdown.

Drafts are dicts in the shape the drafting pipeline stores (sections of items with sources,
questions, ...). Edits change only the wording a person may change; sources stay attached.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from assistant.drafting.budget import notes as budget_notes

TEXT_LIMIT = 4000
# Top-level lists of plain strings a reader may reword: of the kinds' schemas
# (assistant/drafting/schemas.py), only the brief's questions are one.
EDITABLE_LISTS = ("questions",)


def sections(content: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for s in content.get("sections") or []:
        if isinstance(s, dict):
            items = [i if isinstance(i, dict) else {"text": str(i), "sources": []} for i in s.get("items") or []]
            out.append({"title": str(s.get("title", "")), "items": items})
    return out


def string_lists(content: dict[str, Any]) -> dict[str, list[str]]:
    return {k: [str(x) for x in content[k]] for k in EDITABLE_LISTS
            if isinstance(content.get(k), list) and all(isinstance(x, str) for x in content[k])}


def apply_edit(content: dict[str, Any], form: dict[str, str]) -> dict[str, Any]:
    """A copy of ``content`` with the form's rewordings: fields ``item-<s>-<i>`` and ``<list>-<i>``.

    An emptied item is removed; unknown fields are ignored; each text is capped at TEXT_LIMIT.
    """
    new = copy.deepcopy(content)
    for si, s in enumerate(new.get("sections") or []):
        if not isinstance(s, dict):
            continue
        kept = []
        for ii, item in enumerate(s.get("items") or []):
            field = f"item-{si}-{ii}"
            if field in form:
                text = form[field].strip()[:TEXT_LIMIT]
                if not text:
                    continue
                item = dict(item) if isinstance(item, dict) else {"text": str(item), "sources": []}
                item["text"] = text
            kept.append(item)
        s["items"] = kept
    for key, values in string_lists(content).items():
        edited = [form.get(f"{key}-{i}", v).strip()[:TEXT_LIMIT] for i, v in enumerate(values)]
        new[key] = [v for v in edited if v]
    return new


_WHERE_ITEM = re.compile(r"sections\[(\d+)\]\.items\[(\d+)\]")
_WHERE_LIST = re.compile(r"([a-z_]+)\[(\d+)\]")


def grounding_notes(content: dict[str, Any]) -> list[str]:
    """The grounding guard's dropped and unverified claims as a reader reads them: the section
    and point ("Watch, point 1: disagrees with the assessment"), not a path into the JSON."""
    grounding = content.get("grounding") or {}
    titles = [str(s.get("title", "")) if isinstance(s, dict) else "" for s in content.get("sections") or []]
    notes = []
    for u in list(grounding.get("ungrounded") or []) + list(grounding.get("unverified") or []):
        if not isinstance(u, dict):
            notes.append(str(u))
            continue
        where = str(u.get("where", ""))
        if m := _WHERE_ITEM.fullmatch(where):
            si = int(m[1])
            place = f"{titles[si] if si < len(titles) and titles[si] else 'A section'}, point {int(m[2]) + 1}"
        elif m := _WHERE_LIST.fullmatch(where):
            place = f"{m[1].replace('_', ' ').capitalize()}, {int(m[2]) + 1}"
        else:
            place = "A claim"
        notes.append(f"{place}: " + "; ".join(str(p) for p in u.get("problems") or []))
    # What the model did not see bears on what the draft rests on: said beside the guard's notes.
    return notes + (budget_notes(content["usage"]) if isinstance(content.get("usage"), dict) else [])
