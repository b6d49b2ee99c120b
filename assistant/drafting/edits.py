"""A person's edit of their own draft, checked before it is stored.

    size (at most MAX_EDIT_BYTES of JSON) -> the kind's output schema (422, nothing changes)
    -> the grounding guard again: every claim that is not one the draft already held verified
       is checked against the figures, weeks and ids the drafter's guard accepted
       (``Draft.meta['inputs']``); a claim that fails is kept, as the person wrote it, and
       listed in ``grounding.unverified`` so the page says "edited, not verified"
       instead of "all grounded".

Who may edit (the requester) is the domain's rule, ``drafts.set_status``.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlmodel import Session

from assistant.domain.drafts import changeable_draft, set_status
from assistant.domain.models import DRAFT_META_FIRST, DRAFT_META_INPUTS, Draft, DraftStatus, Person
from assistant.drafting.grounding import Facts, check_item
from assistant.drafting.kinds import brief, feedback, goals
from assistant.drafting.schemas import BriefModelOut, FeedbackModelOut, GoalsModelOut
from assistant.errors import InvalidInput, NotFound, TooLarge

MAX_EDIT_BYTES = 64 * 1024
"""A draft is a page of text; an edit far above that is not an edit (and every list would return it)."""

Claims = list[tuple[str, str, list[str], bool]]
KINDS: dict[str, tuple[type[BaseModel], Any]] = {
    "brief": (BriefModelOut, brief.claims),
    "feedback": (FeedbackModelOut, feedback.claims),
    "goals": (GoalsModelOut, goals.claims),
}
"""Each kind's output schema and the claims its guard checks (where, text, sources, needs a source)."""
GOAL_BOOKKEEPING = ("accepted_goal_id", "edited")
"""What accepting a goal suggestion records on it: the record's, not the editor's, to set."""


def _size(content: dict[str, Any]) -> int:
    try:
        return len(json.dumps(content, ensure_ascii=False).encode())
    except (TypeError, ValueError, RecursionError):
        raise InvalidInput("content: not a JSON object a draft can hold") from None


def _output_part(draft: Draft, content: dict[str, Any]) -> dict[str, Any]:
    """The output fields of a flat edit: facts, metadata and bookkeeping keys left out."""
    skip = set(draft.facts) | set(draft.meta) | set(DRAFT_META_FIRST) | {"grounding", "usage", "superseded_by"}
    out = {k: copy.deepcopy(v) for k, v in content.items() if k not in skip}
    if draft.kind == "goals" and isinstance(out.get("goals"), list):
        out["goals"] = [{k: v for k, v in g.items() if k not in GOAL_BOOKKEEPING} if isinstance(g, dict) else g
                        for g in out["goals"]]
    return out


def _validate(schema: type[BaseModel], output: dict[str, Any]) -> BaseModel:
    try:
        return schema.model_validate(output)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "content"
        raise InvalidInput(f"content: {where}: {err['msg']}", detail={"errors": exc.error_count()}) from None


def _basis(draft: Draft) -> Facts:
    inputs = draft.meta.get(DRAFT_META_INPUTS) or {}
    return Facts(numbers={float(n) for n in inputs.get("numbers") or []}, tokens=set(inputs.get("tokens") or []),
                 sources=set(inputs.get("sources") or []))


def _verified_before(draft: Draft, schema: type[BaseModel], claims: Any) -> set[tuple[str, tuple[str, ...]]]:
    """The (text, sources) of every claim the stored output holds that was not unverified."""
    try:
        before = claims(schema.model_validate(_output_part(draft, draft.output)))
    except ValidationError:
        return set()  # a draft stored in some older shape: every claim is checked afresh
    unverified = {u.get("where") for u in (draft.meta.get("grounding") or {}).get("unverified") or []
                  if isinstance(u, dict)}
    return {(text, tuple(sources)) for where, text, sources, _ in before if where not in unverified}


def unverified_claims(draft: Draft, parsed: BaseModel) -> list[dict[str, Any]]:
    """The claims of the edited output the grounding guard cannot trace, as {where, problems}."""
    schema, claims = KINDS[draft.kind]
    known = _verified_before(draft, schema, claims)
    facts = _basis(draft)
    out = []
    for where, text, sources, needs_source in claims(parsed):
        if (text, tuple(sources)) in known:
            continue
        verdict = check_item(text, sources, facts, needs_source=needs_source)
        if not verdict.ok:
            out.append({"where": where, "problems": verdict.kinds})
    return out


def _with_bookkeeping(draft: Draft, output: dict[str, Any]) -> dict[str, Any]:
    """A goals edit keeps which suggestion became which goal, matched by the suggestion's KPI."""
    if draft.kind != "goals":
        return output
    stored = {g.get("kpi"): g for g in draft.output.get("goals") or [] if isinstance(g, dict)}
    for g in output.get("goals") or []:
        g.update({k: stored[g["kpi"]][k] for k in GOAL_BOOKKEEPING if k in stored.get(g["kpi"], {})})
    return output


def edit_draft(session: Session, viewer: Person, draft_id: int, content: dict[str, Any]) -> Draft:
    """Store the viewer's edit of their draft (status ``edited``) after the checks above; the
    caller commits. ``content`` is the flat shape drafts are read in, or the output alone."""
    draft = changeable_draft(session, viewer, draft_id, DraftStatus.edited)
    if draft.kind not in KINDS:
        raise NotFound("draft not found")
    if _size(content) > MAX_EDIT_BYTES:
        raise TooLarge(f"content: an edit is at most {MAX_EDIT_BYTES // 1024} KB of JSON")
    schema, _ = KINDS[draft.kind]
    parsed = _validate(schema, _output_part(draft, content))
    output = _with_bookkeeping(draft, parsed.model_dump())
    return set_status(session, viewer, draft_id, DraftStatus.edited, output,
                      unverified=unverified_claims(draft, parsed))
