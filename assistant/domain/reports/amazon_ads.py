"""Amazon Ads performance reports (Sponsored Products campaign, advertised product, search term).

Daily reports carry a ``Date`` per row; summary reports carry ``Start Date`` and ``End Date``.
Either way the rows (one per campaign, ad group, product or search term) are summed by day
or range. The 7-day attribution columns are Sponsored Products'; Sponsored Brands and
Display reports name theirs "14 Day ...", which are read when no 7-day column is there.
"""

from __future__ import annotations

from assistant.domain.reports.parsed import Column, ParsedReport, Span, read_sums
from assistant.domain.reports.tables import Table

KIND = "amazon_ads"
LABEL = "Amazon Ads report"
COLUMNS = {
    "spend": Column("Spend", ("spend", "cost", "total cost"), money=True),
    "sales": Column("7 Day Total Sales", ("7 day total sales", "14 day total sales", "sales"), money=True),
    "orders": Column("7 Day Total Orders (#)", ("7 day total orders (#)", "14 day total orders (#)",
                                                "7 day total orders", "orders", "purchases")),
    "clicks": Column("Clicks", ("clicks",)),
    "impressions": Column("Impressions", ("impressions",)),
}
NEEDS = {q: c.label for q, c in COLUMNS.items()}


def matches(keys: set[str]) -> bool:
    return {"impressions", "clicks"} <= keys and bool(keys & {"spend", "cost", "total cost"})


def parse(table: Table, *, dates: Span | None = None) -> ParsedReport:
    if "entity" in table.keys and "operation" in table.keys:
        from assistant.errors import InvalidInput

        raise InvalidInput(f"{table.name}: this is a bulk operations file, not a performance report; "
                           "download a Sponsored Products report from the Reports page")
    return read_sums(table, KIND, COLUMNS, date_col=("date", "day"),
                     range_cols=(("start date",), ("end date",)), currency_col=("currency",), dates=dates,
                     missing_date="Export the report with a daily time unit, or as a summary with start and "
                                  "end dates.")
