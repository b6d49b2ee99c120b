"""POST /api/reports, the metric vocabulary, and mapping a KPI to a metric over the API."""

from __future__ import annotations

from assistant.domain.reports.metrics import METRICS
from assistant.settings import get_settings
from tests.conftest import auth
from tests.domain.reports import samples as s


def _map(client, token, key, metric):  # noqa: ANN001, ANN202
    return client.patch(f"/api/kpis/{key}", json={"metric": metric}, headers=auth(token))


def _files(*names: str) -> list:
    data = {"ads.csv": s.ads_file(s.ads_rows()), "biz.csv": s.business_file(s.business_rows())}
    return [("files", (n, data[n], "text/csv")) for n in names]


def test_map_kpis_then_upload_preview_and_commit(client, tokens):
    ppc = tokens["ppc@t.test"]
    r = _map(client, ppc, "ppc-acos", "amazon.acos")
    assert r.status_code == 200 and r.json()["metric"] == "amazon.acos"
    assert _map(client, ppc, "ppc-tacos", "amazon.tacos").status_code == 200

    preview = client.post("/api/reports", files=_files("ads.csv", "biz.csv"), data={"dry_run": "true"},
                          headers=auth(ppc))
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert body["dry_run"] and body["import_id"] is None
    assert [f["kind"] for f in body["files"]] == ["amazon_ads", "business_report"]
    assert {(c["kpi"], c["period"]) for c in body["changes"]} == {
        (k, d) for k in ("ppc-acos", "ppc-tacos") for d in ("2026-11-02", "2026-11-09", "2026-11-16")}
    assert "2026-11-02" not in [v["period"] for v in client.get("/api/kpis/ppc-acos/values", headers=auth(ppc)).json()]

    done = client.post("/api/reports", files=_files("ads.csv", "biz.csv"), headers=auth(ppc))
    assert done.status_code == 200 and done.json()["import_id"] and done.json()["changes"] == body["changes"]
    series = {v["period"]: v["value"] for v in client.get("/api/kpis/ppc-acos/values", headers=auth(ppc)).json()}
    week = s.weekly(s.ads_rows(), ("spend", "sales"))[s.MONDAY]
    assert abs(series["2026-11-02"] - 100 * week["spend"] / week["sales"]) < 1e-6
    assert series["2026-09-07"] == 30  # a hand-entered week the reports do not cover
    again = client.post("/api/reports", files=_files("ads.csv", "biz.csv"), headers=auth(ppc)).json()
    assert again["changes"] == [] and again["unchanged"] == 6


def test_upload_errors(client, tokens):
    ppc, am = tokens["ppc@t.test"], tokens["am@t.test"]
    _map(client, ppc, "ppc-acos", "amazon.acos")
    r = client.post("/api/reports", files=[("files", ("notes.csv", b"a,b\n1,2\n", "text/csv"))], headers=auth(ppc))
    assert r.status_code == 422 and "Supported: amazon_ads" in r.json()["message"]
    r = client.post("/api/reports", files=_files("ads.csv"), headers=auth(am))  # no KPI of theirs is fed
    assert r.status_code == 403 and r.json()["error"] == "forbidden"
    r = client.post("/api/reports", files=_files("ads.csv"), data={"kind": "nope"}, headers=auth(ppc))
    assert r.status_code == 422 and "unknown report kind" in r.json()["message"]
    r = client.post("/api/reports", files=_files("ads.csv"), data={"dates": "last week"}, headers=auth(ppc))
    assert r.status_code == 422 and "FIRST..LAST" in r.json()["message"]
    assert client.post("/api/reports", files=_files("ads.csv")).status_code == 401
    assert client.post("/api/reports", headers=auth(ppc)).status_code == 422  # no files at all


def test_a_body_over_the_limit_is_413_before_it_is_read(client, tokens, monkeypatch):
    monkeypatch.setenv("CADENCE_REPORT_MAX_MB", "1")
    get_settings.cache_clear()
    big = [("files", ("ads.csv", b"Date,Impressions,Clicks,Spend\n" + b"2026-11-02,1,1,1\n" * 80_000, "text/csv"))]
    r = client.post("/api/reports", files=big, headers=auth(tokens["ppc@t.test"]))
    assert r.status_code == 413 and r.json()["error"] == "too_large" and "1 MB" in r.json()["message"]


def test_mapping_rules(client, tokens):
    r = _map(client, tokens["ppc@t.test"], "ppc-acos", "amazon.acoss")
    assert r.status_code == 422 and "did you mean 'amazon.acos'" in r.json()["message"]
    assert _map(client, tokens["ppc@t.test"], "ops-turnover", "amazon.acos").status_code == 404  # not visible
    assert _map(client, tokens["growth-lead@t.test"], "ppc-acos", "amazon.acos").status_code == 200  # the manager
    r = _map(client, tokens["founder@t.test"], "ppc-acos", None)
    assert r.status_code == 200 and r.json()["metric"] is None
    assert client.patch("/api/kpis/ppc-acos", json={"metric": "amazon.acos", "x": 1},
                        headers=auth(tokens["ppc@t.test"])).status_code == 422


def test_the_vocabulary(client, tokens):
    r = client.get("/api/reports/metrics", headers=auth(tokens["ppc@t.test"]))
    assert r.status_code == 200
    listed = {m["name"]: m for m in r.json()}
    assert set(listed) == set(METRICS)
    assert listed["amazon.tacos"]["reports"] == ["amazon_ads", "business_report"]
    assert "x 100" in listed["amazon.acos"]["formula"]
