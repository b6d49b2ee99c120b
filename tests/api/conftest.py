"""The red-team org (tests/fixtures/redteam_org.yaml): a guardrail owned across teams, a report
that moves, and what a viewer must never read about them."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from assistant.domain.models import Person
from assistant.domain.orgfile import import_org, parse_org_text
from tests.conftest import ROOT

REDTEAM_ORG = ROOT / "tests" / "fixtures" / "redteam_org.yaml"
GUARDRAIL_KEY, GUARDRAIL_NAME = "ops-zrefunds", "Zephyr refunds"
GUARDRAIL_FIGURES = (7613, 7958, 8341, 8777, 9204, 9655, 7477)
HIDDEN_GUARDRAIL = "a guardrail owned by another team"


def guardrail_marks() -> list[str]:
    """Every spelling of the hidden guardrail a text could carry: key, name, each figure with
    and without a thousands separator."""
    marks = [GUARDRAIL_KEY, GUARDRAIL_NAME, "Zephyr"]
    for n in GUARDRAIL_FIGURES:
        marks += [str(n), f"{n:,}"]
    return marks


def guardrail_leaks(text: str) -> list[str]:
    return [m for m in guardrail_marks() if re.search(rf"(?<![\w.,]){re.escape(m)}(?![\w])", text)]


def import_redteam(session, *, am_manager: str = "growth-lead@t.test") -> dict[str, Person]:  # noqa: ANN001
    """Import the org file (again); ``am_manager`` moves am@ to another manager."""
    text = REDTEAM_ORG.read_text(encoding="utf-8")
    if am_manager != "growth-lead@t.test":
        old = "role: Amazon account manager, manager: growth-lead@t.test}"
        assert old in text
        text = text.replace(old, f"role: Amazon account manager, manager: {am_manager}}}")
    import_org(session, parse_org_text(text))
    session.commit()
    return {p.email: p for p in session.exec(select(Person))}


@pytest.fixture
def rt_org(session):
    return import_redteam(session)


@pytest.fixture
def rt_tokens(session, rt_org):
    """Bearer headers per person of the red-team org: {email: headers}."""
    from assistant.domain.auth import create_token

    out = {email: {"Authorization": f"Bearer {create_token(session, p)}"} for email, p in rt_org.items()}
    session.commit()
    return out


@pytest.fixture
def spy(monkeypatch):
    """Every draft goes through one provider that records its prompts (the offline composer)."""
    from tests.reliability.conftest import SpyProvider

    provider = SpyProvider()
    monkeypatch.setattr("assistant.drafting.pipeline.get_provider", lambda settings=None: provider)
    return provider


def prompts(spy) -> str:  # noqa: ANN001
    return "\n".join(m["content"] for messages in spy.requests for m in messages)
