"""/api/quarters: founders plan any quarter's objectives and confirm which objective each KPI serves."""

from __future__ import annotations

from tests.conftest import auth

NEXT_Q = "2027-Q1"


def _add(client, token, key, title, quarter=NEXT_Q):  # noqa: ANN001, ANN202
    return client.post(f"/api/quarters/{quarter}/objectives", json={"key": key, "title": title}, headers=auth(token))


def test_quarters_list_current_and_next_before_they_have_objectives(client, tokens, monkeypatch):
    monkeypatch.setenv("CADENCE_TODAY", "2026-11-20")
    from assistant.settings import get_settings

    get_settings.cache_clear()
    rows = client.get("/api/quarters", headers=auth(tokens["ppc@t.test"])).json()
    by_id = {r["id"]: r for r in rows}
    assert by_id[NEXT_Q] == {"id": NEXT_Q, "current": False, "next": True, "objectives": 0}
    assert by_id["2026-Q4"]["current"] and by_id["2026-Q4"]["objectives"] == 2
    assert [r["id"] for r in rows] == sorted(by_id, reverse=True)


def test_founder_creates_edits_and_retires_objectives(client, tokens):
    founder = tokens["founder@t.test"]
    r = _add(client, founder, "gm35", "Gross margin back above 35%")
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["quarter"] == NEXT_Q and made["retired"] is False
    assert _add(client, founder, "gm35", "again").status_code == 409
    r = client.patch(f"/api/quarters/{NEXT_Q}/objectives/{made['id']}", json={"title": "Gross margin above 36%"},
                     headers=auth(founder))
    assert r.status_code == 200 and r.json()["title"] == "Gross margin above 36%"
    r = client.patch(f"/api/quarters/{NEXT_Q}/objectives/{made['id']}", json={"retired": True}, headers=auth(founder))
    assert r.json()["retired"] is True
    listed = client.get(f"/api/quarters/{NEXT_Q}/objectives", headers=auth(founder)).json()
    assert listed == []
    everything = client.get(f"/api/quarters/{NEXT_Q}/objectives?retired=true", headers=auth(founder)).json()
    assert [o["key"] for o in everything] == ["gm35"]
    # The objective id belongs to its quarter: asked through another quarter it does not exist.
    assert client.get(f"/api/quarters/2026-Q4/objectives/{made['id']}", headers=auth(founder)).status_code == 404


def test_only_founders_write_and_bad_input_is_422(client, tokens):
    assert _add(client, tokens["growth-lead@t.test"], "x", "Something").status_code == 403
    assert _add(client, tokens["ppc@t.test"], "x", "Something").status_code == 403
    founder = tokens["founder@t.test"]
    assert _add(client, founder, "Bad Key!", "Something").status_code == 422
    assert _add(client, founder, "ok", "").status_code == 422
    assert _add(client, founder, "ok", "Fine", quarter="2027-Q5").status_code == 422
    assert _add(client, founder, "ok", "Fine", quarter="1999-Q1").status_code == 422
    r = client.post(f"/api/quarters/{NEXT_Q}/objectives", json={"key": "ok", "title": "t", "extra": 1},
                    headers=auth(founder))
    assert r.status_code == 422
    # Nothing was written by any refused request.
    assert client.get(f"/api/quarters/{NEXT_Q}/objectives", headers=auth(founder)).json() == []


def test_links_are_suggested_then_confirmed_per_quarter(client, tokens):
    founder = tokens["founder@t.test"]
    _add(client, founder, "gm35", "Gross margin back above 35%")
    _add(client, founder, "stock", "No stock-outs on the top 20 SKUs")
    links = {r["kpi"]: r for r in client.get(f"/api/quarters/{NEXT_Q}/links", headers=auth(founder)).json()}
    assert links["ops-turnover"]["objective"] == "stock" and links["ops-turnover"]["status"] == "suggested"
    assert links["brand-margin"]["objective"] == "gm35"
    assert 0 < links["brand-margin"]["confidence"] <= 1 and "margin" in links["brand-margin"]["reason"]
    # A member cannot confirm; a founder can, and may say "none of them".
    r = client.put(f"/api/quarters/{NEXT_Q}/links/ppc-acos", json={"objective": "stock"},
                   headers=auth(tokens["ppc@t.test"]))
    assert r.status_code == 403
    r = client.put(f"/api/quarters/{NEXT_Q}/links/ppc-acos", json={"objective": "stock"}, headers=auth(founder))
    assert r.status_code == 200 and r.json()["status"] == "confirmed" and r.json()["objective"] == "stock"
    r = client.put(f"/api/quarters/{NEXT_Q}/links/ppc-tacos", json={"objective": None}, headers=auth(founder))
    assert r.json()["objective"] is None and "none" in r.json()["reason"]
    assert client.put(f"/api/quarters/{NEXT_Q}/links/ppc-acos", json={"objective": "margin"},
                      headers=auth(founder)).status_code == 422  # last quarter's key is not this quarter's
    assert client.put(f"/api/quarters/{NEXT_Q}/links/nope", json={"objective": "stock"},
                      headers=auth(founder)).status_code == 404
    links = {r["kpi"]: r for r in client.get(f"/api/quarters/{NEXT_Q}/links", headers=auth(founder)).json()}
    assert links["ppc-acos"]["objective"] == "stock" and links["ppc-acos"]["confidence"] == 1
    # The confirmation belongs to 2027-Q1 only.
    q4 = {r["kpi"]: r for r in client.get("/api/quarters/2026-Q4/links", headers=auth(founder)).json()}
    assert q4["ppc-acos"]["status"] == "suggested" and q4["ppc-acos"]["objective"] == "margin"


def test_links_show_only_visible_kpis(client, tokens):
    _add(client, tokens["founder@t.test"], "gm35", "Gross margin back above 35%")
    keys = {r["kpi"] for r in client.get(f"/api/quarters/{NEXT_Q}/links", headers=auth(tokens["ppc@t.test"])).json()}
    assert "ops-turnover" not in keys and "ppc-acos" in keys


def test_goals_draft_defaults_to_next_quarter_past_the_midpoint(client, tokens, monkeypatch):
    from assistant.settings import get_settings

    monkeypatch.setenv("CADENCE_TODAY", "2026-11-20")
    get_settings.cache_clear()
    r = client.post("/api/drafts/goals", json={"person": "ppc@t.test"}, headers=auth(tokens["founder@t.test"]))
    assert r.status_code == 201, r.text
    assert r.json()["period"] == NEXT_Q
