"""Web fixtures: a signed-in TestClient, stored drafts to render, and a live server for Chromium."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from assistant.domain.models import CheckIn, Draft, Meeting, Person

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    m = CSRF.search(html)
    assert m, "page has no CSRF field"
    return m.group(1)


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
    """A brief in the shape the drafting pipeline stores, citing real rows of ``subject``."""
    checkin = session.exec(select(CheckIn).where(CheckIn.person_id == subject.id).order_by(CheckIn.week)).first()
    meeting = session.exec(select(Meeting).where(Meeting.report_id == subject.id)).first()
    cid = checkin.id if checkin else 0
    srcs_meeting = [f"meeting:{meeting.id}"] if meeting else []
    return {
        "kind": "brief", "subject": subject.email, "viewer": viewer.email, "provider": "offline", "model": "offline",
        "sections": [
            {"title": "What moved", "items": [
                {"text": "ACOS fell to **27.5%** while TACOS rose.",
                 "sources": [f"checkin:{cid}", "kpi:ppc-acos@2026-09-14", "kpi:ppc-tacos@2026-09-14"]}]},
            {"title": "What to ask", "items": [
                {"text": "What happened to organic sales when broad match was cut?",
                 "sources": ["playbook:gaming-acos-tacos", *srcs_meeting]}]},
        ],
        "flags": [{"kpi": "ppc-acos", "code": "gamed", "reason": "ACOS improved while its guardrail TACOS worsened"}],
        "recurring_blockers": [{"text": "Budget sign-off", "weeks": ["2026-W37"], "sources": [f"checkin:{cid}"]}],
        "self_report_mismatches": [{"kpi": "ppc-tacos", "week": "2026-W38", "said": "on_track", "actual": 10.5,
                                    "target": 10}],
        "cadence": {"meetings_held": 1, "meetings_cancelled": 0, "meetings_rushed": 0, "missing_checkin_weeks": []},
        "questions": ["Which campaigns did you pause, and why?"],
        "grounding": {"checked": 4, "ungrounded": []},
        "usage": {"prompt_tokens": 0, "completion_tokens": 0},
    }


def add_draft(session: Session, *, kind: str, subject: Person, viewer: Person, content: dict,
              period: str | None = None) -> Draft:
    draft = Draft(kind=kind, subject_id=subject.id, requested_by_id=viewer.id, period=period, provider="offline",
                  model="offline", content=content, sources=[], usage={"prompt_tokens": 0})
    session.add(draft)
    session.commit()
    return draft


def goals_content(kpi: str = "ppc-tacos") -> dict:
    return {"kind": "goals", "quarter": "2026-Q4", "goals": [
        {"title": "Hold TACOS at or under 9.5% through Q4", "kpi": kpi, "target": 9.5, "objective": "margin",
         "arithmetic": "latest TACOS 10.5%; 10.5% - 1.0 pt = 9.5%", "rationale": "Stage: growth."}]}


@pytest.fixture
def brief(session, org):
    """A stored brief on ppc@ requested by growth-lead@ (the small org)."""
    subject, viewer = org["ppc@t.test"], org["growth-lead@t.test"]
    return add_draft(session, kind="brief", subject=subject, viewer=viewer, period="2026-W38",
                     content=brief_content(session, subject, viewer))

