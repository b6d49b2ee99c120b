"""`cadence search/reindex` on the demo org, and GET /api/search, end to end."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from assistant import retrieval
from assistant.retrieval import store
from tests.conftest import ROOT, auth

DEMO = ROOT / "demo" / "northwind.yaml"


def cadence(*args: str, home) -> subprocess.CompletedProcess:  # noqa: ANN001
    env = {k: v for k, v in os.environ.items() if not k.startswith("CADENCE_")}
    env["CADENCE_HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=300)


@pytest.fixture(autouse=True)
def _fresh_chroma():
    store.reset_clients()
    yield
    store.reset_clients()


def _health(home) -> dict:  # noqa: ANN001
    code = ("import json; from assistant.core.db import session_scope; from assistant.retrieval import index_health\n"
            "with session_scope() as s: print(json.dumps(index_health(s)))")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CADENCE_")}
    env["CADENCE_HOME"] = str(home)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not DEMO.exists(), reason="demo org not present")
def test_demo_done_when(tmp_path):
    home = tmp_path / "home"
    r = cadence("import", str(DEMO), home=home)
    assert r.returncode == 0, r.stderr
    r = cadence("search", "supplier delays", "--as", "ops-lead@northwind.test", "--format", "json", home=home)
    assert r.returncode == 0, r.stderr
    hits = json.loads(r.stdout)["hits"]
    people = json.loads(cadence("export", "--format", "json", home=home).stdout)["people"]
    reports = {p["email"] for p in people if p.get("manager") == "ops-lead@northwind.test"}
    # map person ids back to emails through the check-ins the search returned
    weeks_by_email = _weeks_of_hits(home, hits)
    assert set(weeks_by_email) <= reports | {"ops-lead@northwind.test"}  # nothing of other teams
    supply_weeks = set(weeks_by_email.get("supply@northwind.test", []))
    assert len(supply_weeks & {"2026-W33", "2026-W34", "2026-W35", "2026-W36", "2026-W37"}) >= 2
    growth = json.loads(cadence("search", "supplier delays", "--as", "growth-lead@northwind.test",
                                "--format", "json", home=home).stdout)["hits"]
    assert "supply@northwind.test" not in _weeks_of_hits(home, growth)

    # delete the Chroma folder; reindex restores parity
    shutil.rmtree(home / "chroma")
    r = cadence("reindex", home=home)
    assert r.returncode == 0, r.stderr
    assert "Indexing check-ins" in r.stderr  # the progress bar
    result = json.loads(r.stdout.strip().splitlines()[-1])
    health = _health(home)
    assert health["parity"] and health["checkins_indexed"] == health["checkins_sql"] == result["checkins"]
    playbook = cadence("search", "ACOS went down but TACOS went up", "--as", "founder@northwind.test",
                       "--kind", "playbook", home=home)
    assert "playbook:gaming-acos-tacos" in playbook.stdout


def _weeks_of_hits(home, hits) -> dict[str, list[str]]:  # noqa: ANN001
    code = ("import json,sys; from assistant.core.db import session_scope; from assistant.domain.models import Person\n"
            "ids=json.loads(sys.argv[1])\n"
            "with session_scope() as s: print(json.dumps({str(i): s.get(Person, i).email for i in ids}))")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CADENCE_")}
    env["CADENCE_HOME"] = str(home)
    ids = sorted({h["person_id"] for h in hits})
    out = subprocess.run([sys.executable, "-c", code, json.dumps(ids)], capture_output=True, text=True, env=env,
                         cwd=ROOT, timeout=120)
    emails = json.loads(out.stdout.strip().splitlines()[-1])
    by_email: dict[str, list[str]] = {}
    for h in hits:
        by_email.setdefault(emails[str(h["person_id"])], []).append(h["week"])
    return by_email


def test_api_search_is_viewer_filtered(client, tokens, org, engine):
    retrieval.drain_all(engine)
    r = client.get("/api/search", params={"q": "receiving backlog scanner"}, headers=auth(tokens["ops-lead@t.test"]))
    assert r.status_code == 200, r.text
    body = r.json()
    allowed = {org[e].id for e in ("ops-lead@t.test", "warehouse-lead@t.test", "picker@t.test")}
    assert body["hits"] and {h["person_id"] for h in body["hits"]} <= allowed
    assert all(h["source_id"].startswith("checkin:") for h in body["hits"])
    member = client.get("/api/search", params={"q": "ACOS"}, headers=auth(tokens["am@t.test"])).json()
    assert {h["person_id"] for h in member["hits"]} <= {org["am@t.test"].id}
    other = client.get("/api/search", params={"q": "ACOS", "person_id": org["ppc@t.test"].id},
                       headers=auth(tokens["am@t.test"])).json()
    assert other["hits"] == []
    pb = client.get("/api/search", params={"q": "vanity metrics", "kind": "playbook", "k": 3},
                    headers=auth(tokens["am@t.test"])).json()
    assert pb["hits"][0]["source_id"] == "playbook:vanity-metrics" and len(pb["hits"]) <= 3
    assert client.get("/api/search", params={"q": "x"}).status_code == 401
    assert client.get("/api/search", params={"q": "x", "kind": "nope"},
                      headers=auth(tokens["am@t.test"])).status_code == 422


def test_health_route_reports_the_index(client, tokens, org, engine):
    retrieval.drain_all(engine)
    body = client.get("/api/health").json()
    assert body["index"]["parity"] is True and body["index"]["outbox_pending"] == 0
