"""Reading real exports: detection, the messy spellings, every file format."""

from __future__ import annotations

import io
from datetime import date

import pytest

from assistant.domain.reports.cells import CellError, currency_of, number, read_date, read_range
from assistant.domain.reports.detect import parse_report
from assistant.errors import InvalidInput
from tests.domain.reports import samples as s


def parse(name: str, data: bytes | str, **kw):  # noqa: ANN003, ANN201
    return parse_report(name, io.BytesIO(data.encode() if isinstance(data, str) else data), **kw)


def week_sums(report, quantity: str) -> dict[date, float]:  # noqa: ANN001
    out: dict[date, float] = {}
    for (start, _), values in report.spans.items():
        out[s.monday(start)] = out.get(s.monday(start), 0.0) + values[quantity]
    return out


@pytest.mark.parametrize(("name", "data", "kind"), [
    ("a.csv", s.ads_file(s.ads_rows()), "amazon_ads"),
    ("b.csv", s.business_file(s.business_rows()), "business_report"),
    ("o.csv", s.orders_file(s.order_rows()), "shopify_orders"),
    ("x.csv", s.sessions_file(s.session_rows()), "shopify_sessions"),
    ("i.txt", s.fba_file(s.fba_rows()), "fba_inventory"),
    ("a.xlsx", s.ads_xlsx(s.ads_rows()), "amazon_ads"),
])
def test_the_kind_comes_from_the_header(name, data, kind):
    report = parse(name, data)
    assert report.kind == kind and report.detected and report.rows > 0


def test_an_unknown_file_says_what_is_supported():
    with pytest.raises(InvalidInput) as err:
        parse("budget.csv", "Month,Budget\nNov,100\n")
    assert "budget.csv: not a report Cadence reads" in err.value.message
    for kind in ("amazon_ads", "business_report", "shopify_orders", "shopify_sessions", "fba_inventory"):
        assert kind in err.value.message


def test_lookalike_exports_are_named():
    with pytest.raises(InvalidInput, match="Manage Inventory report has no snapshot date"):
        parse("inv.txt", "sku\tfnsku\tafn-fulfillable-quantity\nA\tX\t3\n")
    with pytest.raises(InvalidInput, match="bulk operations file"):
        parse("bulk.csv", "Product,Entity,Operation,Campaign Name,Impressions,Clicks,Spend\nSP,Campaign,,A,1,1,1\n")


def test_kind_can_be_forced_and_must_fit():
    report = parse("a.csv", s.ads_file(s.ads_rows()), kind="amazon_ads")
    assert not report.detected
    with pytest.raises(InvalidInput, match="no header of a Business Report"):
        parse("a.csv", s.ads_file(s.ads_rows()), kind="business_report")
    with pytest.raises(InvalidInput, match="unknown report kind 'ads'"):
        parse("a.csv", s.ads_file(s.ads_rows()), kind="ads")


@pytest.mark.parametrize("style", ["mon", "us", "iso"])
def test_every_date_spelling_gives_the_same_sums(style):
    rows = s.ads_rows()
    report = parse("a.csv", s.ads_file(rows, date_style=style))
    assert week_sums(report, "spend") == pytest.approx({w: v["spend"] for w, v in s.weekly(rows, ("spend",)).items()})


def test_totals_never_read_the_b2b_columns():
    rows = s.business_rows()
    for dash in ("-", "\u2013", "\u2014"):
        report = parse("b.csv", s.business_file(rows, dash=dash))
        assert week_sums(report, "sessions") == {w: v["sessions"] for w, v in s.weekly(rows, ("sessions",)).items()}
    only_b2b = "Date,Sessions - Total - B2B,Ordered Product Sales,Units Ordered\n11/2/2026,5,$10.00,1\n"
    report = parse("b.csv", only_b2b)
    assert report.quantities == ("sales", "units")  # the B2B sessions are not mistaken for the total


def test_header_spacing_case_bom_delimiters_and_preamble():
    text = ("Report: Sponsored Products, 11/02/2026 - 11/03/2026\n\n"
            "  DATE ;campaign name;IMPRESSIONS ;Clicks;Spend  ;7 day total sales ;"
            "Total Advertising Cost of Sales (ACOS)\n"
            "2026-11-02;A;100;10;$1.234,00;;0%\n")
    with pytest.raises(InvalidInput, match="use a dot for decimals"):
        parse("semi.csv", text)
    text = text.replace("$1.234,00", "$1,234.00")
    report = parse("semi.csv", "\ufeff" + text)
    assert report.spans == {(date(2026, 11, 2),) * 2: {"spend": 1234.0, "sales": 0.0, "clicks": 10.0,
                                                      "impressions": 100.0}}
    tsv = "Date\tImpressions\tClicks\tSpend\n2026-11-02\t10\t2\t3.50\n"
    assert parse("r.tsv", tsv).spans[(date(2026, 11, 2),) * 2]["spend"] == 3.5


def test_windows_1252_export():
    text = "Date,Campaign Name,Impressions,Clicks,Spend\n2026-11-02,Caf\xe9 \u2013 brand,10,2,\u20ac3.50\n"
    data = text.encode("cp1252")
    report = parse("eu.csv", data)
    assert report.spans[(date(2026, 11, 2),) * 2]["spend"] == 3.5 and report.currency == "EUR"


def test_xlsx_cells_are_dates_and_numbers():
    rows = s.ads_rows()
    report = parse("a.xlsx", s.ads_xlsx(rows))
    assert report.currency == "USD"
    assert week_sums(report, "sales") == pytest.approx({w: v["sales"] for w, v in s.weekly(rows, ("sales",)).items()})


def test_a_corrupt_workbook_is_a_clear_error():
    with pytest.raises(InvalidInput, match="not a readable .xlsx workbook"):
        parse("a.xlsx", b"PK\x03\x04 not really a zip")
    with pytest.raises(InvalidInput, match="old .xls workbooks"):
        parse("a.xls", b"\xd0\xcf\x11\xe0")


def test_shopify_orders_count_first_rows_and_skip_cancelled():
    rows = s.order_rows()
    report = parse("o.csv", s.orders_file(rows))
    live = [r for r in rows if not r["cancelled"]]
    assert sum(v["orders"] for v in report.spans.values()) == len(live)
    assert sum(v["subtotal"] for v in report.spans.values()) == pytest.approx(sum(r["subtotal"] for r in live))
    assert report.currency == "USD"


def test_days_without_rows_inside_the_range_are_zero():
    text = "Date,Impressions,Clicks,Spend\n2026-11-02,10,1,1.00\n2026-11-05,10,1,1.00\n"
    report = parse("a.csv", text)
    assert len(report.spans) == 4 and report.spans[(date(2026, 11, 3),) * 2]["spend"] == 0.0


def test_day_first_files_and_mixed_files():
    text = "Date,Impressions,Clicks,Spend\n02/11/2026,1,1,1\n13/11/2026,1,1,1\n"
    assert {s for s, _ in parse("uk.csv", text).spans} >= {date(2026, 11, 2), date(2026, 11, 13)}
    mixed = "Date,Impressions,Clicks,Spend\n13/11/2026,1,1,1\n11/14/2026,1,1,1\n"
    with pytest.raises(InvalidInput, match="mixes day-first and month-first"):
        parse("mixed.csv", mixed)


def test_overlapping_ranges_in_one_file_are_refused():
    text = ("Start Date,End Date,Impressions,Clicks,Spend\n11/02/2026,11/08/2026,1,1,1\n"
            "11/05/2026,11/11/2026,1,1,1\n")
    with pytest.raises(InvalidInput, match="overlap"):
        parse("a.csv", text)


def test_a_header_without_rows_is_refused():
    with pytest.raises(InvalidInput, match="has a header but no rows"):
        parse("a.csv", "Date,Impressions,Clicks,Spend\n")


@pytest.mark.parametrize(("cell", "value"), [
    ("1234.5", 1234.5), ("$1,234.56", 1234.56), ("USD 1,234.56", 1234.56), ("1,234.56 EUR", 1234.56),
    ("12.5%", 12.5), ("", 0.0), ("  ", 0.0), ("-", 0.0), ("--", 0.0), (None, 0.0), ("(12.50)", -12.5),
    ("-$3.00", -3.0), ("£0.99", 0.99), ("1\u00a0234.00", 1234.0), (7, 7.0), (2.5, 2.5), (".5", 0.5),
])
def test_numbers(cell, value):
    assert number(cell) == value


@pytest.mark.parametrize("cell", ["1_000", "nan", "inf", "1.234,56", "12,5", "abc", "1,23", "$", "(-1)",
                                  float("nan")])
def test_not_numbers(cell):
    with pytest.raises(CellError):
        number(cell)


def test_dates_and_ranges():
    assert read_date("Nov 02, 2026") == read_date("11/2/2026") == read_date("2026-11-02") == date(2026, 11, 2)
    assert read_date("2 November 2026") == read_date("02-Nov-2026") == read_date("2026-11-02 14:03:11 -0500")
    assert read_range("2026-11-02..2026-11-08") == (date(2026, 11, 2), date(2026, 11, 8))
    assert read_range("  ") is None
    for bad in ("2026-11-08..2026-11-02", "2026-11-02", "2026-11-02..2028-01-01", "x..y"):
        with pytest.raises(CellError):
            read_range(bad)
    with pytest.raises(CellError, match="outside"):
        read_date("1/1/1970")
    assert currency_of("€1.00") == "EUR" and currency_of("$5") == "$" and currency_of("12") is None
