"""Private notes on a 1:1 reach their author and nobody else, by any road.

Three people write a private note carrying a unique marker (the manager and the report of one
1:1, the report of another). Then every viewer of the small org requests every GET route of
the API and every web page (with each id the org has), drafts a brief and a feedback on
everyone, searches for the markers, and the org is exported through `cadence export`: no
response, page, draft, prompt, search result or export holds a marker that is not the
viewer's own. The authors do see their own, so the sweep is looking in the right places.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from datetime import date

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from assistant import retrieval
from assistant.app import create_app
from assistant.domain.meetings import add_action, add_agenda_item, record_meeting, update_meeting
from assistant.domain.models import CheckIn, Draft, Kpi, Meeting, Objective, Quarter
from assistant.domain.schemas import ActionItemCreate, AgendaItemCreate, MeetingCreate, MeetingUpdate
from assistant.retrieval import store
from tests.api.conftest import prompts
from tests.conftest import ROOT, auth
from tests.reliability.conftest import set_env
from tests.web.conftest import csrf_of, sign_in

MANAGER, REPORT, OTHER_REPORT = "growth-lead@t.test", "ppc@t.test", "warehouse-lead@t.test"


def routes(app) -> list[APIRoute]:  # noqa: ANN001
    """Every route of the app, the web pages' included routers unfolded."""
    def flat(items):  # noqa: ANN001, ANN202
        for r in items:
            if isinstance(r, APIRoute):
                yield r
            elif hasattr(r, "original_router"):
                yield from flat(r.original_router.routes)
            elif hasattr(r, "routes"):
                yield from flat(r.routes)
    return list(flat(app.routes))


def expand(path: str, ids: dict[str, list[str]]) -> list[str]:
    """``path`` with each of its parameters filled by every id of that kind."""
    names = re.findall(r"{(\w+)}", path)
    missing = [n for n in names if n not in ids]
    assert not missing, f"{path}: no ids for {missing}; add them to the sweep"
    urls = [path]
    for name in names:
        urls = [u.replace("{" + name + "}", v, 1) for u in urls for v in ids[name]]
    return urls


@pytest.fixture
def marked(session, org, monkeypatch):
    """Private notes with markers on two 1:1s, and everything else a 1:1 holds beside them."""
    set_env(monkeypatch, today="2026-09-16", draft_rate_limit=100000)
    marks = {email: f"pvt{uuid.uuid4().hex[:12]}" for email in (MANAGER, REPORT, OTHER_REPORT)}
    manager, report = org[MANAGER], org[REPORT]
    held = record_meeting(session, manager, MeetingCreate(report=REPORT, date=date(2026, 9, 15), minutes=30))
    coming = record_meeting(session, manager, MeetingCreate(report=REPORT, date=date(2026, 9, 22), status="scheduled"))
    update_meeting(session, manager, held.id, MeetingUpdate(notes="Shared: agreed to test a new bid rule."))
    add_action(session, manager, held.id, ActionItemCreate(text="Send the bid rule test plan", owner=REPORT,
                                                           due=date(2026, 9, 14)))
    add_action(session, manager, held.id, ActionItemCreate(text="Ask finance about the budget", owner=MANAGER))
    add_agenda_item(session, report, coming.id, AgendaItemCreate(text="Budget for the next push"))
    for email, meeting in ((MANAGER, held), (REPORT, held)):
        update_meeting(session, org[email], meeting.id, MeetingUpdate(private_notes=f"note {marks[email]} end"))
    other = session.exec(select(Meeting).where(Meeting.report_id == org[OTHER_REPORT].id)).one()
    update_meeting(session, org[OTHER_REPORT], other.id, MeetingUpdate(private_notes=f"mine {marks[OTHER_REPORT]}"))
    session.commit()
    return marks


def test_no_private_note_reaches_anyone_but_its_author(engine, session, org, tokens, marked, spy):
    leaks: list[str] = []
    failed: list[str] = []  # a page that fails cannot be swept: reported with the rest at the end
    seen_own: set[str] = set()

    def check(text: str, viewer: str | None, where: str) -> None:
        for email, mark in marked.items():
            if mark in text:
                if email == viewer:
                    seen_own.add(email)
                else:
                    leaks.append(f"{where}: {email}'s private note, seen by {viewer or 'anyone'}")

    store.reset_clients()
    retrieval.drain_all(engine)
    ids = {
        "person_id": [str(p.id) for p in org.values()],
        "key": list(session.exec(select(Kpi.key)).all()),
        "checkin_id": [str(i) for i in session.exec(select(CheckIn.id)).all()],
        "meeting_id": [str(i) for i in session.exec(select(Meeting.id)).all()],
        "quarter": list(session.exec(select(Quarter.id)).all()),
        "objective_id": [str(i) for i in session.exec(select(Objective.id)).all()],
        "section_id": ["gaming-acos-tacos"],
    }
    queries = {"/api/search": [f"?q={m}&k=20" for m in marked.values()]
               + [f"?q={m}&kind=playbook" for m in marked.values()]}
    app = create_app()
    gets = [r.path for r in routes(app) if "GET" in r.methods]
    assert "/api/meetings/{meeting_id}" in gets and "/meetings/{meeting_id}" in gets
    with TestClient(app, raise_server_exceptions=False) as client:
        # Drafts first, by every viewer on everyone, so the sweep below also reads them back.
        for viewer in org:
            h = auth(tokens[viewer])
            for subject in org:
                for kind in ("brief", "feedback"):
                    resp = client.post(f"/api/drafts/{kind}", json={"person": subject}, headers=h)
                    assert resp.status_code < 500, (viewer, kind, subject, resp.text[:300])
                    check(resp.text, None, f"{viewer} POST /api/drafts/{kind} on {subject}")
        with Session(engine) as fresh:
            ids["draft_id"] = [str(i) for i in fresh.exec(select(Draft.id)).all()]
        assert len(ids["draft_id"]) >= 10
        check(prompts(spy), None, "a prompt")
        assert "Send the bid rule test plan" in prompts(spy)  # the 1:1 record did reach the briefs

        for viewer in org:
            h = auth(tokens[viewer])
            sign_in(client, tokens[viewer])
            requested = 0
            for path in gets:
                for url in expand(path, ids):
                    for query in queries.get(path, [""]):
                        api = url.startswith("/api")
                        resp = client.get(url + query, headers=h if api else None)
                        if resp.status_code >= 500:
                            failed.append(f"{viewer} GET {url + query}: {resp.status_code}")
                        # search answers with its query (the marker itself): what it found is what counts
                        text = str(resp.json().get("hits")) if path == "/api/search" and resp.is_success else resp.text
                        check(text, viewer, f"GET {url + query}")
                        requested += 1
            assert requested > 100
            for meeting_id in ids["meeting_id"]:  # the writes answer with the 1:1 too
                resp = client.patch(f"/api/meetings/{meeting_id}", json={"minutes": 30}, headers=h)
                check(resp.text, viewer, f"PATCH /api/meetings/{meeting_id}")
            csrf = csrf_of(client.get("/week").text)
            for person_id in ids["person_id"]:
                resp = client.post(f"/people/{person_id}/brief", data={"csrf": csrf}, follow_redirects=True)
                assert resp.status_code < 500
                check(resp.text, viewer, f"web brief on person {person_id}")
            client.post("/signout", data={"csrf": csrf_of(client.get("/week").text)})
        check(prompts(spy), None, "a prompt")

    env = {k: v for k, v in os.environ.items() if not k.startswith("CADENCE_")}
    env["CADENCE_HOME"] = os.environ["CADENCE_HOME"]
    if os.environ.get("CADENCE_DATABASE_URL"):
        env["CADENCE_DATABASE_URL"] = os.environ["CADENCE_DATABASE_URL"]
    for args in (["export"], ["export", "--format", "json"], ["search", marked[REPORT], "--as", REPORT]):
        out = subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True, env=env,
                             cwd=ROOT, timeout=120)
        assert out.returncode == 0, out.stderr
        check(out.stdout + out.stderr, None, f"cadence {' '.join(args)}")
    with Session(engine) as fresh:
        stored = [f"{d.output} {d.facts} {d.meta}" for d in fresh.exec(select(Draft))]
    check("\n".join(stored), None, "a stored draft")

    assert not leaks, "\n".join(sorted(set(leaks))[:30])
    assert seen_own == set(marked), f"an author could not read their own note: {set(marked) - seen_own}"
    assert not failed, "\n".join(failed[:30])


def test_only_the_meetings_module_reads_private_notes():
    """The table is read in one function: no draft, page, export, search or eval code can reach
    another path to it (the sweep above tests behaviour; this keeps the door count at one)."""
    found = {}
    for path in (ROOT / "assistant").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if "PrivateNote" in text:
            found[str(path.relative_to(ROOT))] = text.count("PrivateNote")
    assert set(found) == {"assistant/domain/models.py", "assistant/domain/meetings.py"}, found
