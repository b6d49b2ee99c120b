"""The demo org as ``cadence demo`` loads it: moved to the current week, with fresh access.

Each run imports the demo file moved so its latest week is this week (``shift``), revokes
the tokens and unspent sign-in links earlier runs printed for the demo's people, and makes
one new token for each of them, so valid demo credentials never pile up.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, col, select

from assistant.domain.auth import LINK_NAME, create_token, revoke_named_tokens
from assistant.domain.calendar import iso_week_monday
from assistant.domain.models import CheckIn, Person
from assistant.domain.orgfile.shift import Shift, shift_to_week
from assistant.domain.orgfile.transfer import import_org, read_org_file
from assistant.domain.team import person_by_email

DEMO_TOKEN = "demo"
"""Name of the API tokens the demo prints; the next run revokes them."""


@dataclass
class DemoLoad:
    shift: Shift
    counts: dict[str, int]
    people: list[Person]  # in the file's order: founder first in the demo
    tokens: dict[str, str]  # email -> the new API token (shown once)
    revoked: int  # earlier demo tokens and links revoked
    older_data_from: str | None = None  # a stored check-in week before the moved file's first: an earlier run's


def load_demo(session: Session, path: Path, week: str) -> DemoLoad:
    """Import the demo file at ``path`` moved so its latest week is ``week``; revoke the demo's
    earlier tokens and links and make a token per person. The caller commits."""
    org, shift = shift_to_week(read_org_file(path), week)
    counts = import_org(session, org)
    people = [person_by_email(session, p.email) for p in org.people]
    revoked = sum(revoke_named_tokens(session, p, (DEMO_TOKEN, LINK_NAME)) for p in people)
    tokens = {p.email: create_token(session, p, DEMO_TOKEN) for p in people}
    first_moved = min((c.week for c in org.checkins), key=iso_week_monday, default=None)
    first_stored = session.exec(select(func.min(CheckIn.week))
                                .where(col(CheckIn.person_id).in_([p.id for p in people]))).one()
    older = first_stored if first_moved and first_stored and first_stored < first_moved else None
    return DemoLoad(shift, counts, people, tokens, revoked, older)
