"""Seller Central Business Report: Detail Page Sales and Traffic.

By date, a row per day. By parent or child item the file covers a date range that is not
written in it, so the importer is told the range (``--dates``); every row then counts for
that range. Each figure also comes as a " - B2B" column, which is never read in place of
the total: columns match by their whole normalised name.
"""

from __future__ import annotations

from assistant.domain.reports.parsed import Column, ParsedReport, Span, read_sums
from assistant.domain.reports.tables import Table

KIND = "business_report"
LABEL = "Business Report"
COLUMNS = {
    "sales": Column("Ordered Product Sales", ("ordered product sales",), money=True),
    "units": Column("Units Ordered", ("units ordered",)),
    "sessions": Column("Sessions - Total", ("sessions - total", "sessions")),
    "page_views": Column("Page Views - Total", ("page views - total", "page views")),
}
NEEDS = {q: c.label for q, c in COLUMNS.items()}


def matches(keys: set[str]) -> bool:
    return "ordered product sales" in keys or {"sessions - total", "units ordered"} <= keys


def parse(table: Table, *, dates: Span | None = None) -> ParsedReport:
    return read_sums(table, KIND, COLUMNS, date_col=("date",), dates=dates,
                     missing_date="A report by ASIN covers a range it does not name: give that range "
                                  "(--dates 2026-11-02..2026-11-08, or the upload form's dates), or "
                                  "download the report by date.")
