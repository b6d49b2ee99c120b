"""A goal needs its quarter planned first, and the quarter in force stays the calendar's;
accepting one goal suggestion twice (or at once) stores one goal."""

from __future__ import annotations

from sqlmodel import func, select

from assistant.domain.models import Quarter, RoleGoal
from assistant.settings import get_settings
from tests.conftest import auth


def _no_objective_flags(client, headers) -> int:  # noqa: ANN001
    audit = client.get("/api/kpis/audit", headers=headers).json()
    return sum(f["code"] == "no_objective" for k in audit["kpis"] for f in k["flags"])


def test_a_goal_in_an_unplanned_quarter_is_refused_and_changes_no_plan(client, tokens, session, monkeypatch):
    monkeypatch.setenv("CADENCE_TODAY", "2027-01-15")  # in 2027-Q1, which nobody planned: 2026-Q4's plan holds
    get_settings.cache_clear()
    founder = auth(tokens["founder@t.test"])
    flags_before = _no_objective_flags(client, founder)
    resp = client.post("/api/goals", json={"person": "ppc@t.test", "quarter": "2027-Q1", "title": "Hold TACOS"},
                       headers=founder)
    assert resp.status_code == 422 and resp.json()["error"] == "invalid_input"
    assert "2027-Q1" in resp.json()["message"] and "plan" in resp.json()["message"]
    session.expire_all()
    assert session.get(Quarter, "2027-Q1") is None
    assert session.exec(select(func.count()).select_from(RoleGoal).where(RoleGoal.quarter_id == "2027-Q1")).one() == 0
    # the audit still reads the objectives of the plan in force: no KPI lost its objective
    assert _no_objective_flags(client, founder) == flags_before
    # once the quarter is planned, the same goal is stored
    planned = client.post("/api/quarters/2027-Q1/objectives", json={"key": "margin", "title": "Margin 25%"},
                          headers=founder)
    assert planned.status_code == 201, planned.text
    again = client.post("/api/goals", json={"person": "ppc@t.test", "quarter": "2027-Q1", "title": "Hold TACOS"},
                        headers=founder)
    assert again.status_code == 201, again.text


def test_closing_a_quarter_judges_its_goals_on_their_final_value(client, tokens, session, monkeypatch):
    founder = auth(tokens["founder@t.test"])
    monkeypatch.setenv("CADENCE_TODAY", "2026-11-20")
    get_settings.cache_clear()
    early = client.post("/api/quarters/2026-Q4/close", headers=founder)
    assert early.status_code == 422 and "ends on 2026-12-31" in early.json()["message"]
    assert client.post("/api/quarters/2026-Q4/close", headers=auth(tokens["growth-lead@t.test"])).status_code == 403
    monkeypatch.setenv("CADENCE_TODAY", "2027-01-04")
    get_settings.cache_clear()
    resp = client.post("/api/quarters/2026-Q4/close", headers=founder)
    assert resp.status_code == 200, resp.text
    (tacos,) = resp.json()
    # TACOS has no value dated inside 2026-Q4 (its last is 14 Sep): the goal stays open and says why.
    assert tacos["status"] == "active" and tacos["final_value"] is None and "no value dated in 2026-Q4" in tacos["note"]
    added = client.post("/api/kpis/values", json=[{"kpi": "ppc-tacos", "period": "2026-12-14", "value": 9.4}],
                        headers=founder)
    assert added.status_code == 200, added.text
    (tacos,) = client.post("/api/quarters/2026-Q4/close", headers=founder).json()
    assert (tacos["status"], tacos["final_value"], tacos["gap"]) == ("achieved", 9.4, 0.6)
    session.expire_all()
    assert session.exec(select(RoleGoal.status).where(RoleGoal.quarter_id == "2026-Q4")).all() == ["achieved"]
