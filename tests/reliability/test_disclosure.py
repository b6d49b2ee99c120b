"""Cross-person disclosure: no viewer ever receives text of someone they may not see.

Generated orgs (founders, chains of managers, members), each person's check-ins, KPI and
goal carrying a unique canary. For every viewer and every subject: every API route, search,
every draft kind, the web pages, the prompts sent to the provider (a spy records them), the
error messages and the log lines are searched for canaries of people the viewer may not see.
"""

from __future__ import annotations

import logging
import re

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from assistant import retrieval
from assistant.app import create_app
from assistant.domain.auth import create_token
from assistant.retrieval import store
from tests.conftest import auth
from tests.reliability.conftest import GenPerson, build_org, expected_visible, figure, set_env, wipe
from tests.web.conftest import csrf_of, sign_in

CANARY = re.compile(r"cnry[a-z]{10}")


@st.composite
def orgs(draw, min_size: int, max_size: int):
    n = draw(st.integers(min_value=min_size, max_value=max_size))
    people = [GenPerson(0, "founder", None)]
    for i in range(1, n):
        manager = draw(st.integers(min_value=0, max_value=i - 1))
        access = draw(st.sampled_from(["member", "member", "manager", "manager", "founder"]))
        people.append(GenPerson(i, access, manager))
    # the tree may put members above people; a member with reports still sees only themself
    return people


def draft_routes(app) -> list[tuple[str, list[str]]]:  # noqa: ANN001
    """Every POST /api/drafts/<kind> route (brief, feedback, goals as they land) and its body fields."""
    schema = app.openapi()
    out = []
    for path, ops in schema["paths"].items():
        if path.startswith("/api/drafts/") and "{" not in path and "post" in ops:
            ref = ops["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            out.append((path, list(schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]["properties"])))
    return out


def draft_body(fields: list[str], subject_email: str) -> dict:
    body: dict = {}
    for name in fields:
        if name in ("person", "subject", "email"):
            body[name] = subject_email
        elif name == "quarter":
            body[name] = "2026-Q4"
    return body


class Checker:
    """Finds canaries of people hidden from the current viewer in any text."""

    def __init__(self, people: list[GenPerson]) -> None:
        self.owner = {p.canary: p.index for p in people}
        self.leaks: list[str] = []
        self.texts = 0

    def check(self, text: str, hidden: set[int], where: str) -> None:
        self.texts += 1
        for found in set(CANARY.findall(text)):
            if self.owner.get(found) in hidden:
                self.leaks.append(f"{where}: canary of person {self.owner[found]}")


def run_org(engine, people: list[GenPerson], seed: int, spy, caplog) -> tuple[int, list[str], int]:  # noqa: ANN001
    with Session(engine, expire_on_commit=False) as session:
        wipe(session)
        build_org(session, people, seed)
        tokens = {p.index: create_token(session, p.row) for p in people}
        session.commit()
    store.drop_collection(store.CHECKINS)  # last example's documents out; the outbox indexes this org
    retrieval.drain_all(engine)
    checker = Checker(people)
    everyone = {p.index for p in people}
    app = create_app()
    routes = draft_routes(app)
    assert routes, "no draft routes found"
    pairs = 0
    with TestClient(app, raise_server_exceptions=False) as client:
        for v in people:
            visible = expected_visible(people, v.index)
            hidden = everyone - visible
            h = auth(tokens[v.index])
            caplog.clear()
            spy.requests.clear()

            def get(url: str, h=h, hidden=hidden, v=v) -> None:  # noqa: ANN001
                resp = client.get(url, headers=h)
                assert resp.status_code < 500, (url, resp.status_code, resp.text[:300])
                checker.check(resp.text, hidden, f"viewer {v.index} GET {url}")

            for url in ("/api/people", "/api/people/me", "/api/checkins?limit=500", "/api/kpis", "/api/kpis/audit",
                        "/api/meetings", "/api/goals", "/api/drafts"):
                get(url)
            for s in people:
                pairs += 1
                sid = s.row.id
                for url in (f"/api/people/{sid}", f"/api/checkins?person_id={sid}", f"/api/kpis?owner_id={sid}",
                            f"/api/kpis/{s.kpi_key}", f"/api/kpis/{s.kpi_key}/values", f"/api/meetings?person_id={sid}",
                            f"/api/goals?person_id={sid}", f"/api/drafts?subject_id={sid}",
                            f"/api/kpis/audit?owner_id={sid}", f"/api/checkins/{s.checkin_ids[-1]}",
                            "/api/search?q=waiting+on+sign-off&k=20",
                            f"/api/search?q=supplier+shipment&person_id={sid}&k=20"):
                    get(url)
                for path, fields in routes:
                    resp = client.post(path, json=draft_body(fields, s.row.email), headers=h)
                    assert resp.status_code < 500, (path, resp.status_code, resp.text[:300])
                    checker.check(resp.text, hidden, f"viewer {v.index} POST {path} on {s.index}")
                    if resp.status_code == 201:
                        get(f"/api/drafts/{resp.json()['id']}")
            # the web pages, signed in as the viewer
            sign_in(client, tokens[v.index])
            for url in ("/week", "/team", "/drafts", "/plan", "/audit"):
                resp = client.get(url)
                assert resp.status_code < 500, (url, resp.status_code, resp.text[:300])
                checker.check(resp.text, hidden, f"viewer {v.index} page {url}")
            csrf = csrf_of(client.get("/week").text)
            for s in people:
                for url in (f"/people/{s.row.id}", f"/checkins/{s.checkin_ids[-1]}", f"/kpis/{s.kpi_key}"):
                    resp = client.get(url)
                    assert resp.status_code < 500, (url, resp.status_code, resp.text[:300])
                    checker.check(resp.text, hidden, f"viewer {v.index} page {url}")
                resp = client.post(f"/people/{s.row.id}/brief", data={"csrf": csrf}, follow_redirects=True)
                assert resp.status_code < 500, resp.text[:300]
                checker.check(resp.text, hidden, f"viewer {v.index} web brief on {s.index}")
            client.post("/signout", data={"csrf": csrf_of(client.get("/week").text)})
            for i, messages in enumerate(spy.requests):
                checker.check("\n".join(m["content"] for m in messages), hidden, f"viewer {v.index} prompt {i}")
            for record in caplog.records:
                checker.check(record.getMessage(), hidden, f"viewer {v.index} log {record.name}")
    return pairs, checker.leaks, checker.texts


def _check(engine, spy, caplog, min_size: int, max_size: int, examples: int, min_pairs: int, label: str):  # noqa: ANN001
    totals = {"pairs": 0, "texts": 0, "leaks": []}
    caplog.set_level(logging.DEBUG)
    store.reset_clients()

    @settings(max_examples=examples, deadline=None, database=None, derandomize=True, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(people=orgs(min_size, max_size), seed=st.integers(min_value=1, max_value=10**6))
    def one_org(people, seed):  # noqa: ANN001
        pairs, leaks, texts = run_org(engine, people, seed, spy, caplog)
        totals["pairs"] += pairs
        totals["texts"] += texts
        totals["leaks"] += leaks

    one_org()
    store.reset_clients()
    figure(label, "viewer-subject pairs checked", totals["pairs"])
    figure(label, "responses, prompts and log lines searched", totals["texts"])
    figure(label, "leaks found", len(totals["leaks"]))
    assert not totals["leaks"], "LEAKS: " + " | ".join(sorted(set(totals["leaks"]))[:30])
    assert totals["pairs"] >= min_pairs


@pytest.fixture
def _unlimited(monkeypatch):
    set_env(monkeypatch, draft_rate_limit=100000)


def test_disclosure_quick(engine, spy, caplog, _unlimited):
    """A small org in the fast suite; the full run (500+ pairs) is marked slow."""
    _check(engine, spy, caplog, 4, 4, 1, 16, "disclosure (quick)")


@pytest.mark.slow
def test_disclosure_full(engine, spy, caplog, _unlimited):
    _check(engine, spy, caplog, 10, 14, 5, 500, "disclosure")
