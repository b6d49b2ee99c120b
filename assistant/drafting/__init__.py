"""Drafting: every draft kind on one grounded pipeline (see pipeline.py).

    draft_brief(session, viewer, subject, week)      1:1 prep brief for a manager
    draft_feedback(session, viewer, subject, week)   check-in feedback for a team member
    draft_goals(session, viewer, subject, quarter)   next-quarter role goals for a founder

``DRAFTERS`` maps each kind to its drafter; the CLI, API, web, evals and benchmarks look a
kind up there instead of choosing a function themselves. ``request_draft`` is how a person's
request reaches it (the API's draft routes, check-in feedback, the web's buttons): one
per-user rate limit in front of every model call a request can cause. A drafter looked up there
writes amounts in the org's currency (``core.money``); the bare functions write them in USD.
"""

from collections.abc import Callable
from functools import wraps

from sqlmodel import select

from assistant.core.money import in_currency
from assistant.core.ratelimit import check_draft_rate
from assistant.domain.models import Company, Draft, Person
from assistant.drafting.kinds.brief import draft_brief
from assistant.drafting.kinds.feedback import draft_feedback
from assistant.drafting.kinds.goals import draft_goals

Drafter = Callable[..., Draft]
"""(session, viewer, subject, period, *, provider=None) -> the stored Draft. The period is an
ISO week for a brief or feedback (None: the subject's latest check-in week) and a quarter for goals."""



def in_org_currency(drafter: Drafter) -> Drafter:
    """``drafter`` writing every amount (its arithmetic, the offline text) in the org's currency."""
    @wraps(drafter)
    def run(session, *args, **kwargs) -> Draft:  # noqa: ANN001, ANN002, ANN003
        company = session.exec(select(Company)).first()
        with in_currency(company.currency if company else None):
            return drafter(session, *args, **kwargs)
    return run


DRAFTERS: dict[str, Drafter] = {kind: in_org_currency(f) for kind, f in
                                (("brief", draft_brief), ("feedback", draft_feedback), ("goals", draft_goals))}


def request_draft(kind: str, session, viewer: Person, subject: Person, period: str | None) -> Draft:  # noqa: ANN001
    """Draft ``kind`` for a person who asked: counted against their draft rate limit first
    (``RateLimited``, 429, past it), then ``DRAFTERS[kind]``. The CLI and the evals call
    DRAFTERS directly: they run on the operator's own machine, not on someone's request."""
    check_draft_rate(viewer.id)
    return DRAFTERS[kind](session, viewer, subject, period)


__all__ = ["DRAFTERS", "Drafter", "draft_brief", "draft_feedback", "draft_goals", "request_draft"]
