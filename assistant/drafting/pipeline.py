"""One pipeline for every draft kind: budget, prompt, provider, parse, guard, store.

    facts -> prompt (prompts/<kind>.j2, within budget) -> provider.complete(schema)
          -> grounding guard: numbers trace to the facts, claims agree with the assessment
             (one repair try for failing items, then drop and count)
          -> Draft row (output, computed facts and metadata apart; sources, usage) -> returned

Preparing the same draft again (same requester, kind, subject, period and inputs) returns the
unedited draft already stored; a draft from changed inputs supersedes the earlier ones.

The reads that built the facts happen before this runs; the Draft is written in a short
write transaction of its own after the model answers, so a slow model never holds a lock,
and a failed call stores nothing half-written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session

from assistant.assessment.model import Assessment
from assistant.core import money
from assistant.core.db import begin_write
from assistant.core.token_count import count_tokens
from assistant.domain.drafts import reusable_draft, store_superseding
from assistant.domain.models import DRAFT_META_INPUTS, Draft, Person
from assistant.domain.sources import cited, parse_source
from assistant.drafting.budget import Fitted, TrimStep, fit
from assistant.drafting.claims import PREFIX as CLAIM
from assistant.drafting.claims import check_claims
from assistant.drafting.grounding import Facts, Verdict, check_item, check_text
from assistant.drafting.prompt import render
from assistant.errors import DraftInvalid
from assistant.llm import Message, Provider, Usage, get_provider
from assistant.llm.base import Composer, json_instructions
from assistant.settings import get_settings


@dataclass
class DraftJob:
    """Everything one draft needs, gathered by the kind's module (brief.py, feedback.py...)."""

    kind: str
    subject: Person
    viewer: Person
    period: str
    template: str
    context: dict[str, Any]
    schema: type[BaseModel]
    facts: Facts
    computed: dict[str, Any] = field(default_factory=dict)
    """The computed facts stored beside the model's output (``Draft.facts``): flags, cadence..."""
    trim_steps: list[TrimStep] = field(default_factory=list)
    checks: Callable[[BaseModel], list[tuple[str, str, list[str], bool]]] | None = None
    """Yields (where, text, sources, needs_source) for every claim in the parsed output."""
    verify: Callable[[BaseModel], dict[str, list[str]]] | None = None
    """Kind-specific consistency beyond traceable numbers (a goal's baseline must equal the
    computed one, not merely some number in the facts): where -> problems."""
    compose: Callable[[dict[str, Any]], BaseModel] | None = None
    """The kind's offline composer: its output written from ``context`` without a model."""
    assessment: Assessment | None = None
    """The assessment the draft was written from: what its claims are checked against."""


@dataclass
class Outcome:
    parsed: BaseModel
    dropped: list[dict[str, Any]]
    checked: int
    repaired: bool
    disagreed: int = 0
    """Dropped items that (also) contradicted the assessment."""


# What the chat format adds around each message, in tokens: ChatML (SmolLM2, Qwen, llama.cpp's
# default) wraps one as "<|im_start|>role\n ... <|im_end|>\n", 5 tokens, and primes the reply
# with "<|im_start|>assistant\n", 3 more; OpenAI's own count is 3 a message and 3 for the reply.
# The larger is taken, so the budget holds for either.
MESSAGE_TOKENS = 5
REPLY_TOKENS = 3


@lru_cache(maxsize=8)
def _system_tokens(system: str, schema: type[BaseModel]) -> int:
    # The reply's JSON Schema reaches the model with every structured mode: json_mode (SmolLM2,
    # llama.cpp) appends it to the system message, tools and json_schema send it beside the
    # messages. The system message is counted as json_mode sends it, by the very function that
    # writes it, so the count follows whatever the providers send; the other modes carry the same
    # schema without the instruction's words around it.
    return count_tokens(json_instructions([Message(role="system", content=system)], schema)[0]["content"])


@dataclass
class Prompt:
    messages: list[Message]
    fitted: Fitted
    system_tokens: int
    """The system message as the model reads it: the system prompt and the reply's schema."""


def fit_messages(job: DraftJob, budget: int) -> Prompt:
    """The system and user messages within ``budget`` tokens, counted as the model reads them:
    the system prompt with the reply's schema, the user prompt and the chat format's marks.
    Trims ``job.context`` in place (``fit``); the offline composer reads that trimmed context
    too, so the budget is the same whichever provider answers."""
    system = render("system.j2")
    system_tokens = _system_tokens(system, job.schema)
    fixed = system_tokens + 2 * MESSAGE_TOKENS + REPLY_TOKENS
    fitted = fit(lambda ctx: render(job.template, **ctx), job.context, budget, job.trim_steps, fixed=fixed)
    messages = [Message(role="system", content=system), Message(role="user", content=fitted.prompt)]
    return Prompt(messages, fitted, system_tokens)


def build_messages(job: DraftJob, budget: int) -> tuple[list[Message], int, int]:
    """(messages, tokens the model reads, trims made) for ``job`` within ``budget``."""
    p = fit_messages(job, budget)
    return p.messages, p.fitted.tokens, p.fitted.trims


def composer(job: DraftJob) -> Composer | None:
    """What a composing provider (the offline one) answers with. Called after
    ``build_messages``, it reads the context as the budget trimmed it (``fit`` trims in
    place), so the offline draft sees what a model would."""
    return None if job.compose is None else partial(job.compose, job.context)


def _problems(job: DraftJob, parsed: BaseModel) -> tuple[dict[str, Verdict], int]:
    failing: dict[str, Verdict] = {}
    claims = job.checks(parsed) if job.checks else []
    for where, text, sources, needs_source in claims:
        verdict = check_item(text, sources, job.facts, needs_source=needs_source)
        if not verdict.ok:
            failing[where] = verdict
    found = job.verify(parsed) if job.verify else {}
    # Every provider's answer, the offline composer's included, is read against the assessment.
    for where, problems in (check_claims(parsed, job.assessment, job.kind) if job.assessment else {}).items():
        found[where] = [*found.get(where, []), *problems]
    for where, problems in found.items():
        if problems:
            known = failing.get(where)
            failing[where] = Verdict(ok=False, problems=(known.problems if known else []) + problems)
    return failing, len(claims)


def problem_kinds(verdict: Verdict) -> list[str]:
    """What a stored draft may show of why an item was dropped (no figures quoted)."""
    numbers = Verdict(ok=False, problems=[p for p in verdict.problems if not p.startswith(CLAIM)])
    claims = ["disagrees with the assessment"] if len(numbers.problems) < len(verdict.problems) else []
    return (numbers.kinds if numbers.problems else []) + claims


def guard(job: DraftJob, provider: Provider, messages: list[Message], first: Any,
          *, max_tokens: int, timeout: float, compose: Composer | None = None) -> tuple[Outcome, Usage]:
    """Check every claim; one repair request for the failures; drop what still fails."""
    parsed, usage, repaired = first.parsed, first.usage, False
    failing, checked = _problems(job, parsed)
    if failing:
        problems = [f"{where}: {'; '.join(v.problems)}" for where, v in failing.items()]
        repair = [*messages, Message(role="assistant", content=first.raw),
                  Message(role="user", content=render("repair_grounding.j2", problems=problems))]
        try:
            second = provider.complete(repair, job.schema, max_tokens=max_tokens, timeout=timeout, compose=compose)
        except DraftInvalid:
            second = None  # keep the first answer; its failing items are dropped below
        if second is not None:
            usage = usage + second.usage
            parsed, repaired = second.parsed, True
            failing, checked = _problems(job, parsed)
    # Stored without the offending figures: an untraceable number never reaches the reader.
    dropped = [{"where": where, "problems": problem_kinds(v)} for where, v in failing.items()]
    disagreed = sum(1 for v in failing.values() if any(p.startswith(CLAIM) for p in v.problems))
    return Outcome(parsed=drop(parsed, set(failing)), dropped=dropped, checked=checked,
                   repaired=repaired, disagreed=disagreed), usage


def drop(parsed: BaseModel, wheres: set[str]) -> BaseModel:
    """A copy of the output without the failing claims (addressed as 'sections[i].items[j]' etc.)."""
    data = parsed.model_dump()
    for key, value in data.items():
        if not isinstance(value, list):
            continue
        keep = []
        for i, element in enumerate(value):
            if f"{key}[{i}]" in wheres:
                continue
            if isinstance(element, dict):
                for sub, inner in element.items():
                    if isinstance(inner, list):
                        element[sub] = [x for j, x in enumerate(inner) if f"{key}[{i}].{sub}[{j}]" not in wheres]
            keep.append(element)
        data[key] = keep
    return type(parsed).model_validate(data)


def fingerprint(job: DraftJob, provider: Provider, budget: int) -> str:
    """A hash of everything a draft is written from: who asks about whom for which period, the
    context the prompt shows (before the budget trims it), the computed facts, the template,
    the schema and the model. The same fingerprint means preparing again would add nothing."""
    basis = {"kind": job.kind, "subject": job.subject.id, "viewer": job.viewer.id, "period": job.period,
             "template": job.template, "schema": job.schema.__name__, "context": job.context,
             "computed": job.computed, "provider": provider.name, "model": provider.model, "budget": budget}
    if money.current() != money.DEFAULT:  # amounts are written in it; a USD draft keeps the fingerprint it had
        basis["currency"] = money.current()
    return hashlib.sha256(json.dumps(basis, sort_keys=True, default=str).encode()).hexdigest()


def inputs_record(job: DraftJob, fp: str) -> dict[str, Any]:
    """What the stored draft keeps of its inputs (``Draft.meta['inputs']``, never shown): the
    fingerprint, the KPIs it rests on (whoever may not see one of them may not read the draft)
    and what the guard accepted, so an edit is checked against the same figures and ids."""
    kpis = {k for s in job.facts.sources if (k := parse_source(s).kpi_key)}
    kpis |= {f["kpi"] for f in job.computed.get("flags") or [] if isinstance(f, dict) and f.get("kpi")}
    return {"fingerprint": fp, "kpis": sorted(kpis), "numbers": sorted(job.facts.numbers),
            "tokens": sorted(job.facts.tokens), "sources": sorted(job.facts.sources)}


def run(session: Session, job: DraftJob, provider: Provider | None = None) -> Draft:
    """Draft, guard and store; raises ProviderUnavailable / DraftInvalid with nothing stored.

    The viewer's unedited draft from the same inputs is returned instead of a new one (no model
    call); a new draft supersedes the viewer's earlier ones of the same kind, subject and period.
    """
    settings = get_settings()
    provider = provider or get_provider(settings)
    fp = fingerprint(job, provider, settings.prompt_budget)
    key = {"kind": job.kind, "subject_id": job.subject.id, "period": job.period, "fingerprint": fp}
    if (same := reusable_draft(session, job.viewer, **key)) is not None:
        return same
    prompt = fit_messages(job, settings.prompt_budget)
    messages, prompt_tokens, fitted = prompt.messages, prompt.fitted.tokens, prompt.fitted
    kwargs = dict(max_tokens=settings.llm_max_tokens, timeout=settings.llm_timeout, compose=composer(job))
    first = provider.complete(messages, job.schema, **kwargs)
    outcome, usage = guard(job, provider, messages, first, **kwargs)
    output = outcome.parsed.model_dump()
    meta: dict[str, Any] = {
        "kind": job.kind, "subject": job.subject.email, "viewer": job.viewer.email, "period": job.period,
        "provider": provider.name, "model": first.model or provider.model,
        "grounding": {"checked": outcome.checked, "ungrounded": outcome.dropped, "repaired": outcome.repaired,
                      "claims_disagreeing": outcome.disagreed},
        # The offline provider reports no usage of its own: the counted prompt stands in.
        "usage": {"prompt_tokens": usage.prompt_tokens or prompt_tokens, "completion_tokens": usage.completion_tokens,
                  "prompt_budget": settings.prompt_budget, "prompt_tokens_counted": prompt_tokens,
                  "system_tokens": prompt.system_tokens, "context_trims": fitted.trims,
                  # What the trims left out, in words: the draft tells its reader (budget.notes).
                  "left_out": fitted.left_out, "shortened": fitted.shortened,
                  "over_budget": fitted.over_budget, **({"kept": fitted.kept} if fitted.over_budget else {})},
        DRAFT_META_INPUTS: inputs_record(job, fp),
    }
    draft = Draft(kind=job.kind, subject_id=job.subject.id, requested_by_id=job.viewer.id, period=job.period,
                  provider=provider.name, model=meta["model"], output=output, facts=dict(job.computed), meta=meta,
                  sources=sorted(cited([output, job.computed])), usage=meta["usage"])
    session.commit()  # end the read transaction the facts came from; nothing is pending in it
    begin_write(session)
    if (same := reusable_draft(session, job.viewer, **key)) is not None:
        session.commit()  # the same prepare, pressed twice at once: the first one stored counts
        return same
    store_superseding(session, draft)
    session.commit()
    return draft


__all__ = ["DraftJob", "check_text", "run"]
