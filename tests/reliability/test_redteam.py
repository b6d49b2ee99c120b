"""The red-team pass, repeated on every run: an org with a guardrail owned across teams and a
report who moved to another manager; every viewer x every subject x every read route, through
the API, the search and the web pages, and every prompt the drafts sent.

A leak is any text a viewer receives that holds the email or the name of someone they may
not see, or the hidden guardrail's key, name or figures (``tests/api/conftest.py``). The
drafts, 1:1s and pages exercised include the moved report's old manager's, the founder's
brief that cites the hidden guardrail, and feedback a manager asked for on a member.
Bounded: one org of 7 people, a fixed list of routes, the TestClient only (no network).
About 1,400 requests, 17 s on an idle two-core machine and 35 s under load, so it runs with the
slow suite; the per-item tests in tests/api (test_guardrail_privacy, test_draft_ownership) run
in the fast one. The two people in a 1:1 may read each other's name on its page.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from assistant import retrieval
from assistant.app import create_app
from assistant.domain.auth import create_token
from assistant.domain.models import CheckIn, Draft, Kpi, Meeting, Person
from assistant.retrieval import store
from tests.api.conftest import guardrail_leaks, import_redteam
from tests.reliability.conftest import figure, set_env
from tests.web.conftest import csrf_of, sign_in

MOVED, OLD, NEW = "am@t.test", "growth-lead@t.test", "ops-lead@t.test"
GUARD_OWNER = "picker@t.test"
SEARCHES = ("budget sign-off", "receiving backlog scanner", "hero keyword images")


def visible_to(people: dict[str, Person], viewer: Person) -> set[str]:
    """The permission rule, written again here from the manager links (not through team.py)."""
    if viewer.access == "founder":
        return set(people)
    seen = {viewer.email}
    if viewer.access == "manager":
        by_id = {p.id: p for p in people.values()}
        for p in people.values():
            boss = p.manager_id
            while boss is not None and boss in by_id:
                if boss == viewer.id:
                    seen.add(p.email)
                    break
                boss = by_id[boss].manager_id
    return seen


class Leaks:
    def __init__(self, people: dict[str, Person]) -> None:
        self.people = people
        self.found: list[str] = []
        self.texts = 0

    def check(self, text: str, hidden: set[str], where: str) -> None:
        self.texts += 1
        for email in hidden:
            person = self.people[email]
            for mark in (email, person.name):
                if re.search(rf"(?<![\w.@-]){re.escape(mark)}(?![\w])", text):
                    self.found.append(f"{where}: {mark}")
        if GUARD_OWNER in hidden:
            self.found += [f"{where}: guardrail {m}" for m in guardrail_leaks(text)]


def _prepare(engine) -> None:  # noqa: ANN001
    """Drafts and 1:1s made before am@ moves from growth-lead@ to ops-lead@."""
    app = create_app()
    with Session(engine, expire_on_commit=False) as session, TestClient(app) as client:
        people = import_redteam(session)
        h = {e: {"Authorization": f"Bearer {create_token(session, p)}"} for e, p in people.items()}
        session.commit()
        for who, path, body in ((OLD, "brief", {"person": MOVED, "week": "2026-W38"}),
                                (OLD, "feedback", {"person": MOVED, "week": "2026-W38"}),
                                (OLD, "feedback", {"person": "ppc@t.test", "week": "2026-W38"}),
                                ("founder@t.test", "brief", {"person": "ppc@t.test", "week": "2026-W38"}),
                                ("founder@t.test", "goals", {"person": MOVED, "quarter": "2026-Q4"})):
            r = client.post(f"/api/drafts/{path}", json=body, headers=h[who])
            assert r.status_code == 201, r.text
        r = client.post("/api/meetings", json={"report": MOVED, "date": "2026-09-18", "status": "rushed",
                                               "minutes": 9}, headers=h[OLD])
        assert r.status_code == 201, r.text
        import_redteam(session, am_manager=NEW)


@pytest.mark.slow
def test_redteam_every_viewer_subject_and_route(engine, spy, monkeypatch):
    set_env(monkeypatch, draft_rate_limit=100000)
    store.reset_clients()
    store.drop_collection(store.CHECKINS)
    _prepare(engine)
    retrieval.drain_all(engine)
    with Session(engine, expire_on_commit=False) as session:
        people = {p.email: p for p in session.exec(select(Person))}
        assert people[MOVED].manager_id == people[NEW].id
        tokens = {e: create_token(session, p) for e, p in people.items()}
        session.commit()
        kpis = list(session.exec(select(Kpi.key)))
        checkins = list(session.exec(select(CheckIn.id)))
        by_id = {p.id: p.email for p in people.values()}
        # The two people in a 1:1 know each other: its page may name the other one to either.
        meetings = {m.id: {by_id[m.manager_id], by_id[m.report_id]} for m in session.exec(select(Meeting))}
    leaks = Leaks(people)
    requests = pairs = 0
    app = create_app()
    with TestClient(app, raise_server_exceptions=False) as client:
        for email, viewer in sorted(people.items()):
            hidden = set(people) - visible_to(people, viewer)
            h = {"Authorization": f"Bearer {tokens[email]}"}
            spy.requests.clear()

            def get(url: str, *, web: bool = False, known: set[str] = frozenset(), h=h, hidden=hidden,  # noqa: ANN001
                    email=email) -> None:
                nonlocal requests
                requests += 1
                resp = client.get(url) if web else client.get(url, headers=h)
                assert resp.status_code < 500, (email, url, resp.status_code, resp.text[:300])
                leaks.check(resp.text, hidden - (known if email in known else set()), f"{email} GET {url}")

            with Session(engine) as session:
                drafts = list(session.exec(select(Draft.id)))
            for url in ("/api/people", "/api/people/me", "/api/checkins?limit=500", "/api/kpis", "/api/kpis/audit",
                        "/api/meetings", "/api/goals", "/api/drafts", *(f"/api/search?q={q}&k=20" for q in SEARCHES),
                        *(f"/api/kpis/{k}" for k in kpis), *(f"/api/kpis/{k}/values" for k in kpis),
                        *(f"/api/drafts/{d}" for d in drafts), *(f"/api/checkins/{c}" for c in checkins)):
                get(url)
            for subject in people.values():
                pairs += 1
                sid = subject.id
                for url in (f"/api/people/{sid}", f"/api/checkins?person_id={sid}", f"/api/kpis?owner_id={sid}",
                            f"/api/meetings?person_id={sid}", f"/api/goals?person_id={sid}",
                            f"/api/drafts?subject_id={sid}", f"/api/kpis/audit?owner_id={sid}",
                            f"/api/search?q=sign-off&person_id={sid}&k=20"):
                    get(url)
                for path, body in (("brief", {"person": subject.email, "week": "2026-W38"}),
                                   ("feedback", {"person": subject.email, "week": "2026-W38"}),
                                   ("goals", {"person": subject.email, "quarter": "2026-Q4"})):
                    requests += 1
                    resp = client.post(f"/api/drafts/{path}", json=body, headers=h)
                    assert resp.status_code < 500, (email, path, resp.status_code, resp.text[:300])
                    leaks.check(resp.text, hidden, f"{email} POST {path} on {subject.email}")
            sign_in(client, tokens[email])
            for url in ("/week", "/team", "/drafts", "/plan", "/audit", *(f"/kpis/{k}" for k in kpis),
                        *(f"/people/{p.id}" for p in people.values()), *(f"/checkins/{c}" for c in checkins),
                        *(u for d in drafts for u in (f"/drafts/{d}", f"/drafts/{d}/markdown"))):
                get(url, web=True)
            for mid, pair in meetings.items():
                get(f"/meetings/{mid}", web=True, known=pair)
                get(f"/api/meetings/{mid}", known=pair)
            client.post("/signout", data={"csrf": csrf_of(client.get("/week").text)})
            for i, messages in enumerate(spy.requests):
                leaks.check("\n".join(m["content"] for m in messages), hidden, f"{email} prompt {i}")
    store.reset_clients()
    figure("redteam", "requests", requests)
    figure("redteam", "viewer-subject pairs", pairs)
    figure("redteam", "texts searched (responses and prompts)", leaks.texts)
    figure("redteam", "leaks", len(leaks.found))
    assert not leaks.found, "LEAKS: " + " | ".join(sorted(set(leaks.found))[:40])
    assert pairs == len(people) ** 2 and requests > 500
