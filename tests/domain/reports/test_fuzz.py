"""Fuzzing the report readers: any input gives a clear error or a correct import, never a traceback."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.domain.reports.detect import parse_report
from assistant.errors import InvalidInput
from tests.domain.reports import samples as s

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
START = date(2026, 11, 2)
ADS_COLUMNS = ["Date", "Impressions", "Clicks", "Spend ", "7 Day Total Sales ", "Campaign Name", "Notes"]

cents = st.integers(min_value=0, max_value=5_000_000)
ads_row = st.fixed_dictionaries({
    "day": st.integers(min_value=0, max_value=20), "impressions": st.integers(0, 10**7),
    "clicks": st.integers(0, 10**5), "spend": cents, "sales": cents,
    "blank": st.sets(st.sampled_from(["impressions", "clicks", "spend", "sales"])),
    "style": st.sampled_from(["plain", "dollar", "grouped"]),
    "date_style": st.sampled_from(["iso", "mon"]),
})
junk_cell = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)


def _money(c: int, style: str) -> str:
    v = c / 100
    return {"plain": f"{v:.2f}", "dollar": f"${v:.2f}", "grouped": f"${v:,.2f}"}[style]


def _cell(row: dict, column: str) -> str:
    d = START + timedelta(days=row["day"])
    if column == "Date":
        return d.isoformat() if row["date_style"] == "iso" else f"{d:%b %d, %Y}"
    if column in ("Campaign Name", "Notes"):
        return "Hero, exact"
    field = {"Impressions": "impressions", "Clicks": "clicks", "Spend ": "spend", "7 Day Total Sales ": "sales"}[column]
    if field in row["blank"]:
        return ""
    return _money(row[field], row["style"]) if field in ("spend", "sales") else str(row[field])


@FUZZ
@given(rows=st.lists(ads_row, min_size=1, max_size=25), order=st.permutations(ADS_COLUMNS),
       junk=st.lists(st.tuples(st.integers(0, 30), st.lists(junk_cell, max_size=8)), max_size=3),
       blank_lines=st.integers(0, 3))
def test_ads_reports_in_any_shape(rows, order, junk, blank_lines):
    lines = [[_cell(r, c) for c in order] for r in rows] + [[""] * len(order)] * blank_lines
    for pos, cells in junk:
        lines.insert(min(pos, len(lines)), cells)
    buf = io.StringIO(newline="")
    csv.writer(buf).writerows([order, *lines])
    try:
        report = parse_report("fuzz.csv", io.BytesIO(buf.getvalue().encode("utf-8")))
    except InvalidInput as exc:
        assert exc.message.startswith("fuzz.csv")
        return
    # Accepted: then every figure is the sum of the rows (junk was blank, or a footer it skipped).
    for field in ("impressions", "clicks", "spend", "sales"):
        want = sum(0 if field in r["blank"] else r[field] for r in rows)
        got = sum(v[field] for v in report.spans.values())
        if field in ("spend", "sales"):
            assert abs(got - want / 100) < 1e-6 * max(1, want)
        else:
            assert got == want
    assert report.first == START + timedelta(days=min(r["day"] for r in rows))


KNOWN = sorted({*ADS_COLUMNS, "Start Date", "End Date", "Currency", "Sessions - Total", "Sessions – Total – B2B",
                "Units Ordered", "Ordered Product Sales", "Name", "Created at", "Cancelled at", "Subtotal", "Total",
                "Discount Amount", "Refunded Amount", "Lineitem quantity", "Financial Status", "Day", "Sessions",
                "Sessions with cart additions", "Sessions that completed checkout", "snapshot-date", "available",
                "inbound-quantity", "units-shipped-t30", "inv-age-0-to-90-days", "inv-age-181-to-270-days"})
value = st.one_of(junk_cell, st.integers(-10, 10**6).map(str), st.sampled_from(
    ["2026-11-02", "11/2/2026", "Nov 02, 2026", "13/11/2026", "$1,234.56", "12%", "", "-", "total", "1_000",
     "2026-11-02 10:00:00 -0500", "9999-01-01", "(3.00)", "€5", "USD"]))


@FUZZ
@given(header=st.lists(st.sampled_from(KNOWN), min_size=1, max_size=10),
       body=st.lists(st.lists(value, max_size=12), max_size=12),
       ext=st.sampled_from([".csv", ".tsv", ".txt"]), delimiter=st.sampled_from([",", "\t", ";"]))
def test_any_mix_of_known_columns_and_cells(header, body, ext, delimiter):
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=delimiter).writerows([header, *body])
    try:
        report = parse_report("mix" + ext, io.BytesIO(buf.getvalue().encode("utf-8")))
    except InvalidInput as exc:
        assert exc.message
        return
    assert report.rows >= 1 and all(isinstance(v, float) for vals in report.spans.values() for v in vals.values())


@FUZZ
@given(data=st.binary(max_size=2000), ext=st.sampled_from([".csv", ".txt", ".xlsx"]))
def test_random_bytes(data, ext):
    try:
        parse_report("raw" + ext, io.BytesIO(data))
    except InvalidInput:
        pass


@FUZZ
@given(cut=st.integers(min_value=1, max_value=4000))
def test_truncated_workbooks_fail_clearly(cut):
    book = s.ads_xlsx(s.ads_rows(span=s.days(7)))
    try:
        parse_report("cut.xlsx", io.BytesIO(book[: cut % len(book)]))
    except InvalidInput:
        pass
