from __future__ import annotations

from tests.conftest import auth


def test_bulk_upload_csv_and_json(client, tokens):
    h = auth(tokens["growth-lead@t.test"])
    csv_body = "kpi,period,value\nppc-acos,2026-09-21,26\nppc-acos,2026-09-14,27.5\n"
    r = client.post("/api/kpis/values", content=csv_body, headers=h | {"Content-Type": "text/csv"})
    assert r.status_code == 200 and r.json() == {"inserted": 1, "updated": 0, "unchanged": 1}
    r = client.post("/api/kpis/values", json=[{"kpi": "ppc-tacos", "period": "2026-09-21", "value": 11}], headers=h)
    assert r.json() == {"inserted": 1, "updated": 0, "unchanged": 0}
    values = client.get("/api/kpis/ppc-acos/values", headers=h).json()
    assert [v["value"] for v in values] == [30, 27.5, 26]


def test_bulk_upload_is_all_or_nothing(client, tokens):
    h = auth(tokens["growth-lead@t.test"])
    bad = "kpi,period,value\nppc-acos,2026-09-28,25\nppc-acos,not-a-date,1\n"
    r = client.post("/api/kpis/values", content=bad, headers=h | {"Content-Type": "text/csv"})
    assert r.status_code == 422 and "line 3" in r.json()["message"]
    # A KPI outside the viewer's team is unknown to them, and the whole upload is refused.
    mixed = [{"kpi": "ppc-acos", "period": "2026-09-28", "value": 25},
             {"kpi": "ops-turnover", "period": "2026-09-28", "value": 5}]
    r = client.post("/api/kpis/values", json=mixed, headers=h)
    assert r.status_code == 422 and "ops-turnover" in r.json()["message"]
    periods = [v["period"] for v in client.get("/api/kpis/ppc-acos/values", headers=h).json()]
    assert "2026-09-28" not in periods


def test_kpi_definition_shape(client, tokens):
    k = client.get("/api/kpis/ppc-acos", headers=auth(tokens["ppc@t.test"])).json()
    assert k["guardrail"] == "ppc-tacos" and k["owner"] == "ppc@t.test" and k["direction"] == "down"
