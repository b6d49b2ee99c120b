"""Live smoke test: real drafts from a real model server through the openai and langchain providers.

    cadence llm serve &                     # the bundled SmolLM2 on 127.0.0.1:8088, or
    export CADENCE_LLM_BASE_URL=... CADENCE_LLM_MODEL=... [CADENCE_LLM_API_KEY=...]
    .venv/bin/pytest -m live tests/llm/test_live.py

Not in the default run (``-m 'not slow and not live'``). It starts nothing: it skips, with the
reason, unless ``CADENCE_LLM_BASE_URL`` is set or the local server answers. On the demo org it
drafts a brief, feedback and goals per provider, then checks that each draft's output validates
against its kind's schema, that the claims it kept plus those the grounding guard dropped are no
more than the guard checked, and that each draft finished within what its timeouts allow. The
figures (seconds, claims, tokens) are printed for every draft.
"""

from __future__ import annotations

import os
import time

import httpx
import pytest
from sqlmodel import Session

from assistant.domain.orgfile import import_org, read_org_file
from assistant.domain.team import person_by_email
from assistant.drafting import draft_brief, draft_feedback, draft_goals
from assistant.drafting.kinds import brief, feedback, goals
from assistant.llm.local import MODEL_ALIAS
from assistant.settings import get_settings
from tests.conftest import ROOT

pytestmark = pytest.mark.live

# Read at import: the autouse cadence_env fixture clears CADENCE_* before each test.
BASE_URL = os.environ.get("CADENCE_LLM_BASE_URL")
MODEL = os.environ.get("CADENCE_LLM_MODEL") or (None if BASE_URL else MODEL_ALIAS)
KEY = os.environ.get("CADENCE_LLM_API_KEY") or os.environ.get("OPENAI_API_KEY")
LOCAL_URL = f"http://127.0.0.1:{os.environ.get('CADENCE_LOCAL_PORT', '8088')}/v1"
TIMEOUT = float(os.environ.get("CADENCE_LLM_TIMEOUT", "180"))  # SmolLM2 on a loaded 2-core box is slow
RETRIES = int(os.environ.get("CADENCE_LLM_MAX_RETRIES", "1"))
CALLS_PER_DRAFT = 4  # first answer + its repair, the guard's repair + its repair

DEMO = ROOT / "demo" / "northwind.yaml"
DRAFTS = [  # (kind, its output schema, its claims, the draft function, viewer, subject, period)
    ("brief", brief.BriefOut, brief.claims, draft_brief, "growth-lead@northwind.test", "ppc@northwind.test", None),
    ("feedback", feedback.FeedbackOut, feedback.claims, draft_feedback, "ppc@northwind.test", "ppc@northwind.test",
     "2026-W41"),
    ("goals", goals.GoalsOut, goals.claims, draft_goals, "founder@northwind.test", "ppc@northwind.test", "2027-Q1"),
]


@pytest.fixture
def _no_network():
    """Replaces the suite's network guard for this module: the configured server may be remote."""


@pytest.fixture
def server() -> str:
    """The base URL to draft against, or a skip saying why there is none."""
    if BASE_URL:
        return BASE_URL
    try:
        if httpx.get(f"{LOCAL_URL}/models", timeout=2.0).status_code == 200:
            return LOCAL_URL
    except httpx.TransportError:
        pass
    pytest.skip(f"no model server: start `cadence llm serve` (probed {LOCAL_URL}) or set CADENCE_LLM_BASE_URL")


@pytest.mark.parametrize("provider", ["openai", "langchain"])
def test_live_drafts_are_valid_grounded_and_on_time(provider, server, engine, monkeypatch, capsys):
    model = MODEL if provider == "openai" else f"openai:{MODEL}"
    for name, value in {"LLM": provider, "LLM_BASE_URL": server, "LLM_MODEL": model,
                        "LLM_TIMEOUT": str(TIMEOUT), "LLM_MAX_RETRIES": str(RETRIES)}.items():
        monkeypatch.setenv(f"CADENCE_{name}", value)
    if KEY:
        monkeypatch.setenv("CADENCE_LLM_API_KEY", KEY)
    get_settings.cache_clear()

    with Session(engine, expire_on_commit=False) as session:
        import_org(session, read_org_file(DEMO))
        session.commit()
        for kind, schema, claims, draft, viewer, subject, period in DRAFTS:
            started = time.perf_counter()
            stored = draft(session, person_by_email(session, viewer), person_by_email(session, subject), period)
            seconds = time.perf_counter() - started
            output = schema.model_validate(stored.output)  # the model's part, as stored after the guard
            grounding, usage = stored.meta["grounding"], stored.meta["usage"]
            checked, dropped, kept = grounding["checked"], len(grounding["ungrounded"]), len(claims(output))
            with capsys.disabled():
                print(f"live {provider:9} {kind:8} {seconds:6.1f}s  claims checked {checked:2}, kept {kept:2}, "
                      f"dropped {dropped:2}, repaired {grounding['repaired']!s:5}  "
                      f"tokens {usage['prompt_tokens']}+{usage['completion_tokens']}  model {stored.model}")
            assert stored.provider == provider
            # Every claim the guard failed was removed: what is left plus what was dropped is at
            # most what it checked (one dropped item may hold several claims, so not always equal).
            assert kept + dropped <= checked, f"{kind}: {kept} kept + {dropped} dropped > {checked} checked"
            assert seconds <= CALLS_PER_DRAFT * TIMEOUT * (1 + RETRIES), f"{kind} took {seconds:.0f}s"
