"""Web fixtures: a signed-in TestClient, stored drafts to render, and a live server for Chromium."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlmodel import Session, select

from assistant.domain.models import CheckIn, Draft, Meeting, Person

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def live_server(home: Path, *, ready: str = "/signin", **settings: str) -> Iterator[str]:
    """A real uvicorn on a free loopback port over ``home``, for Chromium; yields its base URL.

    Only the given CADENCE_ settings reach it (none of the test run's own), and the wait for it
    to answer ``ready`` is bounded (30 s) and fails with the server's log if it dies first.
    """
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CADENCE_") and k != "OPENAI_API_KEY"}
    env.update(CADENCE_HOME=str(home), **settings)
    log = open(home / "server.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "assistant.app:create_app", "--factory",
                             "--host", "127.0.0.1", "--port", str(port)], cwd=ROOT, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(base + ready, timeout=1)  # noqa: S310 (loopback only)
                break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError((home / "server.log").read_text()) from None
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


def csrf_of(html: str) -> str:
    m = CSRF.search(html)
    assert m, "page has no CSRF field"
    return m.group(1)


def demo_home(home: Path, emails: tuple[str, ...]) -> tuple[dict[str, str], dict[str, int]]:
    """The demo org imported into a fresh migrated SQLite database in ``home``, for a live server:
    a sign-in token and the person id of each of ``emails``."""
    from assistant.core import db as dbmod
    from assistant.domain.auth import create_token
    from assistant.domain.orgfile import import_org, read_org_file

    engine = dbmod.make_engine(f"sqlite:///{home / 'cadence.db'}")
    dbmod.migrate(engine)
    with Session(engine, expire_on_commit=False) as session:
        import_org(session, read_org_file(ROOT / "demo" / "northwind.yaml"))
        session.commit()
        people = {p.email: p for p in session.exec(select(Person))}
        tokens = {email: create_token(session, people[email]) for email in emails}
        session.commit()
        ids = {email: people[email].id for email in emails}
    engine.dispose()
    return tokens, ids


def sign_in(client, token: str) -> None:  # noqa: ANN001
    """Sign the TestClient in through the form, like a browser."""
    form = client.get("/signin")
    resp = client.post("/signin", data={"csrf": csrf_of(form.text), "token": token, "next": "/"},
                       follow_redirects=False)
    assert resp.status_code == 303, resp.text


def post_form(client, page_url: str, action: str, data: dict | None = None, **kw):  # noqa: ANN001, ANN003
    """Load a page for its CSRF token, then post a form to ``action``."""
    token = csrf_of(client.get(page_url).text)
    return client.post(action, data={"csrf": token, **(data or {})}, follow_redirects=False, **kw)


def brief_content(session: Session, subject: Person, viewer: Person) -> dict:
    """A brief's three parts as the drafting pipeline stores them, citing real rows of ``subject``."""
    checkin = session.exec(select(CheckIn).where(CheckIn.person_id == subject.id).order_by(CheckIn.week)).first()
    meeting = session.exec(select(Meeting).where(Meeting.report_id == subject.id)).first()
    cid = checkin.id if checkin else 0
    srcs_meeting = [f"meeting:{meeting.id}"] if meeting else []
    output = {
        "sections": [
            {"title": "What moved", "items": [
                {"text": "ACOS fell to **27.5%** while TACOS rose.",
                 "sources": [f"checkin:{cid}", "kpi:ppc-acos@2026-09-14", "kpi:ppc-tacos@2026-09-14"]}]},
            {"title": "What to ask", "items": [
                {"text": "What happened to organic sales when broad match was cut?",
                 "sources": ["playbook:gaming-acos-tacos", *srcs_meeting]}]},
        ],
        "questions": ["Which campaigns did you pause, and why?"],
    }
    facts = {
        "week": "2026-W38",
        "flags": [{"kpi": "ppc-acos", "code": "gamed", "reason": "ACOS improved while its guardrail TACOS worsened"}],
        "recurring_blockers": [{"text": "Budget sign-off", "weeks": ["2026-W37"], "sources": [f"checkin:{cid}"]}],
        "self_report_mismatches": [{"kpi": "ppc-tacos", "week": "2026-W38", "said": "on_track", "actual": 10.5,
                                    "target": 10}],
        "cadence": {"meetings_held": 1, "meetings_cancelled": 0, "meetings_rushed": 0, "missing_checkin_weeks": []},
    }
    meta = {"kind": "brief", "subject": subject.email, "viewer": viewer.email, "period": "2026-W38",
            "provider": "offline", "model": "offline", "grounding": {"checked": 4, "ungrounded": [], "repaired": False},
            "usage": {"prompt_tokens": 0, "completion_tokens": 0}}
    return {"output": output, "facts": facts, "meta": meta}


def add_draft(session: Session, *, kind: str, subject: Person, viewer: Person, output: dict,
              facts: dict | None = None, meta: dict | None = None, period: str | None = None) -> Draft:
    draft = Draft(kind=kind, subject_id=subject.id, requested_by_id=viewer.id, period=period, provider="offline",
                  model="offline", output=output, facts=facts or {}, meta=meta or {"kind": kind}, sources=[],
                  usage={"prompt_tokens": 0})
    session.add(draft)
    session.commit()
    return draft


def goals_content(kpi: str = "ppc-tacos") -> dict:
    """A goals draft's parts with one suggestion, in the shape ``GoalsModelOut`` gives the output."""
    goal = {"title": "Hold TACOS at or under 9.5% through Q4", "objective": "margin", "kpi": kpi, "guardrail": None,
            "baseline": 10.5, "window": "the last 4 weekly values before the quarter",
            "statistic": "mean of the last 4 values", "trend_per_week": 0.0, "improvement": 1.0, "target": 9.5,
            "arithmetic": "latest TACOS 10.5%; 10.5% - 1.0 pt = 9.5%", "date": "2026-12-31",
            "rationale": "Stage: growth.", "sources": []}
    return {"output": {"goals": [goal], "retire": [], "notes": []},
            "facts": {"quarter": "2026-Q4", "stage": "growth", "objectives_quarter": "2026-Q4"},
            "meta": {"kind": "goals", "period": "2026-Q4"}}


@pytest.fixture
def brief(session, org):
    """A stored brief on ppc@ requested by growth-lead@ (the small org)."""
    subject, viewer = org["ppc@t.test"], org["growth-lead@t.test"]
    return add_draft(session, kind="brief", subject=subject, viewer=viewer, period="2026-W38",
                     **brief_content(session, subject, viewer))

