"""Every metric of the vocabulary against weekly values worked out here from the raw figures."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest

from assistant.domain.reports.metrics import METRICS, period_bounds, periods_between
from tests.domain.reports import samples as s
from tests.domain.reports.conftest import key_of, run, upload, values


def _ratio(a: float, b: float, scale: float = 1.0) -> float | None:
    return scale * a / b if b else None


def expected_weekly() -> dict[str, dict[date, float]]:
    """metric -> {Monday: value}: sums per ISO week first, then one ratio per week."""
    ads = s.weekly(s.ads_rows(), ("spend", "sales", "orders", "clicks", "impressions"))
    biz = s.weekly(s.business_rows(), ("sales", "units", "sessions", "page_views"))
    live = [dict(o, n=1.0) for o in s.order_rows() if not o["cancelled"]]
    orders = s.weekly(live, ("n", "subtotal", "discount", "refunded", "total"))
    ses = s.weekly(s.session_rows(), ("sessions", "cart", "completed"))
    out: dict[str, dict[date, float | None]] = defaultdict(dict)
    for w, a in ads.items():
        out["amazon.ad_spend"][w] = a["spend"]
        out["amazon.ad_sales"][w] = a["sales"]
        out["amazon.ad_orders"][w] = a["orders"]
        out["amazon.ad_clicks"][w] = a["clicks"]
        out["amazon.ad_impressions"][w] = a["impressions"]
        out["amazon.acos"][w] = _ratio(a["spend"], a["sales"], 100)
        out["amazon.roas"][w] = _ratio(a["sales"], a["spend"])
        out["amazon.cpc"][w] = _ratio(a["spend"], a["clicks"])
        out["amazon.ctr"][w] = _ratio(a["clicks"], a["impressions"], 100)
        out["amazon.ad_conversion_rate"][w] = _ratio(a["orders"], a["clicks"], 100)
        out["amazon.tacos"][w] = _ratio(a["spend"], biz[w]["sales"], 100)
    for w, b in biz.items():
        out["amazon.total_sales"][w] = b["sales"]
        out["amazon.units_ordered"][w] = b["units"]
        out["amazon.sessions"][w] = b["sessions"]
        out["amazon.page_views"][w] = b["page_views"]
        out["amazon.unit_session_percentage"][w] = _ratio(b["units"], b["sessions"], 100)
    for w, o in orders.items():
        out["shopify.orders"][w] = o["n"]
        out["shopify.average_order_value"][w] = _ratio(o["subtotal"], o["n"])
        out["shopify.discount_rate"][w] = _ratio(o["discount"], o["subtotal"] + o["discount"], 100)
        out["shopify.refund_rate"][w] = _ratio(o["refunded"], o["total"], 100)
    for w, x in ses.items():
        out["shopify.sessions"][w] = x["sessions"]
        out["shopify.conversion_rate"][w] = _ratio(x["completed"], x["sessions"], 100)
        out["shopify.add_to_cart_rate"][w] = _ratio(x["cart"], x["sessions"], 100)
    # Inventory: each week takes its latest snapshot (Nov 6 in W45, Nov 13 in W46).
    fba = s.fba_rows()
    for w in {s.monday(r["date"]) for r in fba}:
        latest = max(r["date"] for r in fba if s.monday(r["date"]) == w)
        snap = [r for r in fba if r["date"] == latest]
        aged = sum(sum(r["ages"][2:]) for r in snap)  # the bands from 181 days on
        selling = [r for r in snap if r["shipped_t30"] > 0]
        out["amazon.units_available"][w] = sum(r["available"] for r in snap)
        out["amazon.aged_inventory_share"][w] = _ratio(aged, sum(sum(r["ages"]) for r in snap), 100)
        out["amazon.weeks_of_cover"][w] = _ratio(sum(r["available"] + r["inbound"] for r in snap),
                                                 sum(r["shipped_t30"] for r in selling) / 30 * 7)
        out["amazon.stockout_share"][w] = _ratio(sum(1 for r in selling if r["available"] == 0), len(selling), 100)
    return {m: {w: v for w, v in by_week.items() if v is not None} for m, by_week in out.items()}


def all_files() -> list:
    return [upload("sp_campaigns.csv", s.ads_file(s.ads_rows())),
            upload("BusinessReport-11-23-26.csv", s.business_file(s.business_rows())),
            upload("orders_export.csv", s.orders_file(s.order_rows())),
            upload("sessions_over_time.csv", s.sessions_file(s.session_rows())),
            upload("inventory_planning.txt", s.fba_file(s.fba_rows()))]


def test_every_metric_matches_the_weekly_value_worked_out_from_the_rows(session, mapped):
    result = run(session, all_files())
    expected = expected_weekly()
    assert set(expected) == set(METRICS), "the test must cover the whole vocabulary"
    for name in METRICS:
        got = values(session, mapped[key_of(name)])
        assert set(got) == set(expected[name]), name
        for week, value in expected[name].items():
            assert got[week] == pytest.approx(value, rel=1e-9, abs=1e-6), (name, week)
    assert {f.kind for f in result.files} == {"amazon_ads", "business_report", "shopify_orders", "shopify_sessions",
                                              "fba_inventory"}
    assert all(f.detected for f in result.files)


def test_monthly_values_wait_for_the_whole_month(session, mapped):
    """Three weeks of November are not November: the monthly KPIs are left out, with a note."""
    result = run(session, all_files())
    assert values(session, mapped[key_of("amazon.acos", "monthly")]) == {}
    assert any(n.startswith("m-amazon-acos 2026-11-01: left out, only 21 of 30 days") for n in result.notes)


def test_a_monthly_value_is_the_calendar_month_from_its_sums():
    rows = s.ads_rows(span=s.days(30, date(2026, 11, 1)))
    spend, sales = sum(r["spend"] for r in rows), sum(r["sales"] for r in rows)
    daily_mean = sum(100 * r["spend"] / r["sales"] for r in rows if r["sales"]) / sum(1 for r in rows if r["sales"])
    assert METRICS["amazon.acos"].value({"amazon_ads.spend": spend, "amazon_ads.sales": sales}) == pytest.approx(
        100 * spend / sales)
    assert abs(100 * spend / sales - daily_mean) > 0.01  # the mean of daily ratios would be another number


def test_period_bounds():
    assert period_bounds(date(2026, 11, 8), "weekly") == (date(2026, 11, 2), date(2026, 11, 8))
    assert period_bounds(date(2026, 2, 14), "monthly") == (date(2026, 2, 1), date(2026, 2, 28))
    assert period_bounds(date(2026, 12, 31), "monthly") == (date(2026, 12, 1), date(2026, 12, 31))
    assert period_bounds(date(2026, 11, 8), "quarterly") == (date(2026, 10, 1), date(2026, 12, 31))
    assert period_bounds(date(2026, 11, 8), "yearly") == (date(2026, 1, 1), date(2026, 12, 31))
    # ISO week 1 of 2027 starts on Monday 2027-01-04; 2026-12-31 (a Thursday) is in 2026-W53
    assert period_bounds(date(2027, 1, 3), "weekly") == (date(2026, 12, 28), date(2027, 1, 3))
    assert [p[0] for p in periods_between(date(2026, 11, 30), date(2026, 12, 14), "weekly")] == [
        date(2026, 11, 30), date(2026, 12, 7), date(2026, 12, 14)]
