"""Request bodies past their limit are refused with 413 before they are read whole."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlmodel import func, select

from assistant.domain.models import CheckIn
from tests.conftest import auth

LIMIT = 4096


@pytest.fixture
def limited(monkeypatch):
    monkeypatch.setenv("CADENCE_MAX_BODY_BYTES", str(LIMIT))
    monkeypatch.setenv("CADENCE_REPORT_MAX_MB", "1")
    from assistant.settings import get_settings

    get_settings.cache_clear()


def _asgi_post(app, path: str, headers: list[tuple[bytes, bytes]], chunks: int, size: int = 1024):  # noqa: ANN001
    """POST a chunked body (no Content-Length) straight into the ASGI app, counting the chunks it pulls."""
    pulled = 0
    sent: list[dict] = []

    async def receive() -> dict:
        nonlocal pulled
        if pulled >= chunks:
            return {"type": "http.disconnect"}
        pulled += 1
        return {"type": "http.request", "body": b"x" * size, "more_body": pulled < chunks}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"testserver"), *headers], "client": ("127.0.0.1", 1),
             "server": ("testserver", 80)}
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], body, pulled


def test_a_declared_length_over_the_limit_is_413_and_nothing_is_read(client, tokens, session, limited):
    h = auth(tokens["ppc@t.test"]) | {"Content-Type": "application/json"}
    body = json.dumps({"week": "2026-W40", "wins": "x" * (LIMIT + 10)})
    resp = client.post("/api/checkins", content=body, headers=h)
    assert resp.status_code == 413 and resp.json()["error"] == "too_large"
    assert "CADENCE_MAX_BODY_BYTES" in resp.json()["message"]
    csv = "kpi,period,value\n" + "ppc-acos,2026-09-28,1\n" * 500
    resp = client.post("/api/kpis/values", content=csv, headers=h | {"Content-Type": "text/csv"})
    assert resp.status_code == 413 and resp.json()["error"] == "too_large"
    assert session.exec(select(func.count()).select_from(CheckIn).where(CheckIn.week == "2026-W40")).one() == 0
    ok = client.post("/api/checkins", json={"week": "2026-W40", "wins": "small"}, headers=h)
    assert ok.status_code == 201


def test_a_streamed_body_is_cut_off_at_the_limit_before_the_handler_runs(engine, tokens, limited, monkeypatch):
    from assistant.app import create_app

    calls = []
    monkeypatch.setattr("assistant.api.checkins.submit_checkin", lambda *a, **k: calls.append(a))
    app = create_app()
    headers = [(b"authorization", f"Bearer {tokens['ppc@t.test']}".encode()), (b"content-type", b"application/json")]
    status, body, pulled = _asgi_post(app, "/api/checkins", headers, chunks=10_000)  # 10 MB offered
    assert status == 413 and json.loads(body)["error"] == "too_large"
    assert pulled <= LIMIT // 1024 + 1, f"read {pulled} KB of a {LIMIT // 1024} KB limit"
    assert calls == []
    # the same through a web form: cut off while the form is parsed, an HTML page says why
    status, body, pulled = _asgi_post(app, "/week", [(b"content-type", b"application/x-www-form-urlencoded")],
                                      chunks=10_000)
    assert status == 413 and pulled <= LIMIT // 1024 + 1 and b"<html" in body.lower()


def test_the_seller_report_upload_has_its_own_larger_limit(client, tokens, limited):
    h = auth(tokens["growth-lead@t.test"])
    csv = ("Date,Campaign Name,Spend\n" + "2026-09-28,Hero,1.00\n" * 400).encode()  # ~8 KB: over 4 KB, under 1 MB
    resp = client.post("/api/reports", files={"files": ("ads.csv", csv, "text/csv")}, data={"dry_run": "true"},
                       headers=h)
    assert resp.status_code != 413, resp.text
    big = b"x" * (1024 * 1024 + 10)
    resp = client.post("/api/reports", files={"files": ("ads.csv", big, "text/csv")}, headers=h)
    assert resp.status_code == 413 and resp.json()["error"] == "too_large"
