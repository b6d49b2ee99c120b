"""Shopify analytics: sessions over time, one row per day (or several, by device or channel)."""

from __future__ import annotations

from assistant.domain.reports.parsed import Column, ParsedReport, Span, read_sums
from assistant.domain.reports.tables import Table

KIND = "shopify_sessions"
LABEL = "Shopify sessions export"
COLUMNS = {
    "sessions": Column("Sessions", ("sessions",)),
    "cart_sessions": Column("Sessions with cart additions", ("sessions with cart additions", "added to cart")),
    "checkout_sessions": Column("Sessions that reached checkout", ("sessions that reached checkout",
                                                                   "reached checkout")),
    "completed_sessions": Column("Sessions that completed checkout", ("sessions that completed checkout",
                                                                      "sessions converted")),
}
NEEDS = {q: c.label for q, c in COLUMNS.items()}


def matches(keys: set[str]) -> bool:
    return "sessions" in keys and bool(keys & {"day", "date"}) and "impressions" not in keys


def parse(table: Table, *, dates: Span | None = None) -> ParsedReport:
    return read_sums(table, KIND, COLUMNS, date_col=("day", "date"), dates=dates,
                     missing_date="Export sessions over time by day.")
