"""Provider faults: 100 consecutive failures (timeouts, 500/503/429, garbage) while check-ins are filed.

The provider is the real OpenAI-compatible adapter over an in-process transport, so the
SDK's own bounded retries run. Check-ins never wait on it; drafts answer 503 with
Retry-After; attempts stay within (1 + max_retries) per call; recovery makes one draft each.
"""

from __future__ import annotations

import itertools
import json

import httpx2
import pytest
from sqlmodel import func, select

from assistant.domain.models import CheckIn, Draft
from assistant.llm.openai import OpenAIProvider
from tests.conftest import auth
from tests.reliability.conftest import figure, set_env

FAULTS = ("timeout", 500, 503, 429, "garbage")
GOOD = {"sections": [{"title": "What moved", "items": [{"text": "Check-ins are in.", "sources": []}]}],
        "questions": ["What is next?"]}


class FlakyServer:
    """Fails ``fail_for`` requests in a row, cycling through the fault kinds, then answers well."""

    def __init__(self, fail_for: int) -> None:
        self.fail_for = fail_for
        self.attempts = 0
        self.kinds = itertools.cycle(FAULTS)

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.attempts += 1
        if self.attempts <= self.fail_for:
            kind = next(self.kinds)
            if kind == "timeout":
                raise httpx2.ReadTimeout("timed out", request=request)
            if kind == "garbage":
                return httpx2.Response(200, content=b"<html>502 Bad Gateway</html>",
                                       headers={"content-type": "text/html"})
            return httpx2.Response(kind, json={"error": {"message": "overloaded"}},
                                   headers={"retry-after-ms": "1", "retry-after": "1"})
        return httpx2.Response(200, json={
            "id": "c", "object": "chat.completion", "created": 0, "model": "m",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": json.dumps(GOOD)}}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})


@pytest.fixture
def flaky(monkeypatch):
    set_env(monkeypatch, llm_max_retries=2, draft_rate_limit=10000)
    server = FlakyServer(fail_for=100)
    provider = OpenAIProvider(model="m", base_url="http://127.0.0.1:9/v1", max_retries=2, timeout=5,
                              http_client=httpx2.Client(transport=httpx2.MockTransport(server)))
    monkeypatch.setattr("assistant.drafting.pipeline.get_provider", lambda settings=None: provider)
    # retrieval is beside the point here and the slowest part of a draft's reads
    monkeypatch.setattr("assistant.drafting.context.playbook_blocks", lambda *a, **k: [])
    monkeypatch.setattr("assistant.drafting.context.history_blocks", lambda *a, **k: [])
    return server


def test_provider_down_checkins_saved_drafts_503(client, tokens, session, flaky):
    member, lead = auth(tokens["ppc@t.test"]), auth(tokens["growth-lead@t.test"])
    statuses: list[int] = []
    checkin_codes: list[int] = []
    calls = 0
    week = 0
    while flaky.attempts < flaky.fail_for:
        week += 1
        resp = client.post("/api/checkins", json={"week": f"2025-W{week:02d}", "wins": f"win {week}"}, headers=member)
        checkin_codes.append(resp.status_code)
        before = flaky.attempts
        draft = client.post("/api/drafts/brief", json={"person": "ppc@t.test"}, headers=lead)
        calls += 1
        statuses.append(draft.status_code)
        assert draft.status_code == 503, draft.text
        assert int(draft.headers["retry-after"]) >= 1
        assert draft.json()["error"] == "provider_unavailable"
        assert flaky.attempts - before <= 1 + 2, "attempts per draft request exceed 1 + max_retries"
    session.rollback()  # a fresh snapshot: the requests committed in other sessions
    drafts_during = session.exec(select(func.count()).select_from(Draft)).one()
    # recovery: the provider answers again; the first request drafts, the same request again
    # returns that draft (nothing changed in between) rather than storing a copy
    answers = [client.post("/api/drafts/brief", json={"person": "ppc@t.test"}, headers=lead) for _ in range(3)]
    assert [r.status_code for r in answers] == [201, 200, 200], answers[0].text
    assert len({r.json()["id"] for r in answers}) == 1
    session.rollback()
    saved = session.exec(select(func.count()).select_from(CheckIn).where(CheckIn.week.like("2025-W%"))).one()
    drafts_after = session.exec(select(func.count()).select_from(Draft)).one()
    label = "provider faults"
    figure(label, "consecutive failed provider requests", flaky.fail_for)
    figure(label, "check-ins filed during the outage / saved with 2xx", f"{len(checkin_codes)}/"
           f"{sum(200 <= c < 300 for c in checkin_codes)}")
    figure(label, "draft requests during the outage / answered 503 with Retry-After",
           f"{calls}/{statuses.count(503)}")
    figure(label, "provider attempts / bound (requests x (1 + max_retries))", f"{flaky.attempts - 1}/{calls * 3}")
    figure(label, "drafts stored during the outage", drafts_during)
    figure(label, "drafts after recovery for 3 requests", drafts_after)
    assert all(200 <= c < 300 for c in checkin_codes) and saved == len(checkin_codes)
    assert drafts_during == 0 and drafts_after == 1


def test_every_llm_call_has_max_tokens_and_timeout(client, tokens, monkeypatch):
    """Through the adapter: every request body carries max_tokens; every call gets a timeout."""
    set_env(monkeypatch, draft_rate_limit=10000, llm_timeout=7, llm_max_tokens=900)
    server = FlakyServer(fail_for=0)
    seen: list[dict] = []

    def transport(request: httpx2.Request) -> httpx2.Response:
        seen.append({"body": json.loads(request.content), "timeout": request.extensions.get("timeout")})
        return server(request)

    provider = OpenAIProvider(model="m", base_url="http://127.0.0.1:9/v1", max_retries=0,
                              http_client=httpx2.Client(transport=httpx2.MockTransport(transport)))
    monkeypatch.setattr("assistant.drafting.pipeline.get_provider", lambda settings=None: provider)
    resp = client.post("/api/drafts/brief", json={"person": "ppc@t.test"}, headers=auth(tokens["growth-lead@t.test"]))
    assert resp.status_code == 201, resp.text
    assert seen and all(s["body"].get("max_tokens") == 900 for s in seen)
    assert all(s["timeout"] and all(v == 7 for v in s["timeout"].values() if v is not None) for s in seen)
    figure("bounds", "LLM requests without max_tokens or timeout", 0)
