"""The permission matrix: every viewer kind x every resource, 404 (never 403) for the unseen."""

from __future__ import annotations

import pytest
from sqlmodel import select

from assistant.domain.models import CheckIn, Kpi, Meeting, RoleGoal
from tests.conftest import auth

# Who each viewer may see in tests/fixtures/small_org.yaml.
VISIBLE = {
    "founder@t.test": {"founder@t.test", "growth-lead@t.test", "ppc@t.test", "am@t.test", "ops-lead@t.test",
                       "warehouse-lead@t.test", "picker@t.test"},
    "growth-lead@t.test": {"growth-lead@t.test", "ppc@t.test", "am@t.test"},
    "ops-lead@t.test": {"ops-lead@t.test", "warehouse-lead@t.test", "picker@t.test"},
    "warehouse-lead@t.test": {"warehouse-lead@t.test", "picker@t.test"},
    "ppc@t.test": {"ppc@t.test"},
    "picker@t.test": {"picker@t.test"},
}


@pytest.mark.parametrize("viewer", sorted(VISIBLE))
def test_people_list_and_get(client, tokens, org, viewer):
    h = auth(tokens[viewer])
    listed = {p["email"] for p in client.get("/api/people", headers=h).json()}
    assert listed == VISIBLE[viewer]
    for email, person in org.items():
        r = client.get(f"/api/people/{person.id}", headers=h)
        assert r.status_code == (200 if email in VISIBLE[viewer] else 404), (viewer, email)


@pytest.mark.parametrize("viewer", sorted(VISIBLE))
def test_checkins_matrix(client, tokens, org, session, viewer):
    h = auth(tokens[viewer])
    by_id = {p.id: e for e, p in org.items()}
    listed = client.get("/api/checkins", headers=h).json()
    assert {by_id[c["person_id"]] for c in listed} <= VISIBLE[viewer]
    for row in session.exec(select(CheckIn)):
        owner = by_id[row.person_id]
        r = client.get(f"/api/checkins/{row.id}", headers=h)
        assert r.status_code == (200 if owner in VISIBLE[viewer] else 404), (viewer, owner)
    expected = sum(1 for c in session.exec(select(CheckIn)) if by_id[c.person_id] in VISIBLE[viewer])
    assert len(listed) == expected


@pytest.mark.parametrize("viewer", sorted(VISIBLE))
def test_kpis_matrix(client, tokens, org, session, viewer):
    h = auth(tokens[viewer])
    by_id = {p.id: e for e, p in org.items()}
    for kpi in session.exec(select(Kpi)):
        owner = by_id.get(kpi.owner_id)
        # An unassigned (role) KPI is a founder's planning object.
        allowed = owner in VISIBLE[viewer] if owner else viewer == "founder@t.test"
        for path in (f"/api/kpis/{kpi.key}", f"/api/kpis/{kpi.key}/values"):
            assert client.get(path, headers=h).status_code == (200 if allowed else 404), (viewer, path)
    assert client.get("/api/kpis/no-such-kpi", headers=h).status_code == 404


@pytest.mark.parametrize("viewer", sorted(VISIBLE))
def test_meetings_and_goals_matrix(client, tokens, org, session, viewer):
    h = auth(tokens[viewer])
    by_id = {p.id: e for e, p in org.items()}
    meetings = client.get("/api/meetings", headers=h).json()
    visible_meetings = {m.id for m in session.exec(select(Meeting))
                        if by_id[m.report_id] in VISIBLE[viewer] or by_id[m.manager_id] == viewer}
    assert {m["id"] for m in meetings} == visible_meetings
    goals = client.get("/api/goals", headers=h).json()
    assert {g["id"] for g in goals} == {g.id for g in session.exec(select(RoleGoal))
                                        if by_id[g.person_id] in VISIBLE[viewer]}


def test_only_the_person_writes_their_checkin(client, tokens, org, session):
    body = {"week": "2026-W39", "wins": "x"}
    r = client.post("/api/checkins", json=body, headers=auth(tokens["growth-lead@t.test"]))
    assert r.status_code == 201 and r.json()["person_id"] == org["growth-lead@t.test"].id
    # There is no way to write for someone else: the body has no person field at all.
    r = client.post("/api/checkins", json=body | {"person": "ppc@t.test"}, headers=auth(tokens["founder@t.test"]))
    assert r.status_code == 422


def test_managers_record_meetings_only_for_their_reports(client, tokens):
    body = {"report": "ppc@t.test", "date": "2026-09-17", "status": "rushed", "minutes": 7}
    assert client.post("/api/meetings", json=body, headers=auth(tokens["growth-lead@t.test"])).status_code == 201
    assert client.post("/api/meetings", json=body, headers=auth(tokens["ops-lead@t.test"])).status_code == 404
    self_body = body | {"report": "ppc@t.test"}
    assert client.post("/api/meetings", json=self_body, headers=auth(tokens["ppc@t.test"])).status_code == 403


def test_goal_setting_rights(client, tokens):
    body = {"person": "am@t.test", "quarter": "2026-Q4", "title": "Lift conversion to 14%"}
    assert client.post("/api/goals", json=body, headers=auth(tokens["am@t.test"])).status_code == 403
    assert client.post("/api/goals", json=body, headers=auth(tokens["ops-lead@t.test"])).status_code == 404
    assert client.post("/api/goals", json=body, headers=auth(tokens["growth-lead@t.test"])).status_code == 201


def test_auth_required_everywhere_but_health(client, tokens):
    assert client.get("/api/health").status_code == 200
    for path in ("/api/people", "/api/people/me", "/api/checkins", "/api/kpis", "/api/meetings",
                 "/api/goals", "/api/drafts"):
        r = client.get(path)
        assert r.status_code == 401 and r.json()["error"] == "unauthorized"
        assert client.get(path, headers=auth("cad_not-a-token")).status_code == 401


def test_revoked_token_is_refused(client, tokens, session, org):
    from assistant.domain.auth import revoke_tokens

    h = auth(tokens["ppc@t.test"])
    assert client.get("/api/people/me", headers=h).status_code == 200
    revoke_tokens(session, org["ppc@t.test"])
    session.commit()
    assert client.get("/api/people/me", headers=h).status_code == 401


def test_signin_link_token_is_not_an_api_token(client, session, org):
    from assistant.web.signin import create_signin_link

    url = create_signin_link(session, org["ppc@t.test"], "http://127.0.0.1:8000")
    session.commit()
    token = url.split("t=", 1)[1]
    r = client.get("/api/people/me", headers=auth(token))
    assert r.status_code == 401 and "sign-in link" in r.json()["message"]
