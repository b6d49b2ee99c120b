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
