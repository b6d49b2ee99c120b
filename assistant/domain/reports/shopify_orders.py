"""Shopify orders export: one row per line item, the order's own fields on its first row only.

An order is counted once, on the day of its ``Created at`` (the shop's local date as the
export writes it); a cancelled order (any ``Cancelled at``) is left out entirely, refunds
included. Money is summed from the first row of each order, never from line items.
"""

from __future__ import annotations

from assistant.domain.reports.cells import CellError, date_key, number
from assistant.domain.reports.parsed import Column, ParsedReport, Span, Sums, cell_error
from assistant.domain.reports.tables import Table
from assistant.errors import InvalidInput

KIND = "shopify_orders"
LABEL = "Shopify orders export"
COLUMNS = {
    "subtotal": Column("Subtotal", ("subtotal",), money=True),
    "discount": Column("Discount Amount", ("discount amount",), money=True),
    "refunded": Column("Refunded Amount", ("refunded amount",), money=True),
    "total": Column("Total", ("total",), money=True),
}
NEEDS = {"orders": "Name and Created at", **{q: c.label for q, c in COLUMNS.items()}}
"""``orders`` needs no figure column: it counts first rows, found by ``Name`` and ``Created at``."""


def matches(keys: set[str]) -> bool:
    return "lineitem quantity" in keys or {"created at", "financial status"} <= keys


def parse(table: Table, *, dates: Span | None = None) -> ParsedReport:
    name_col, created_col = table.column("name"), table.column("created at")
    if name_col is None or created_col is None:
        missing = "Name" if name_col is None else "Created at"
        raise InvalidInput(f"{table.name}: no {missing!r} column; export orders from Shopify's Orders page")
    cancelled_col = table.column("cancelled at")
    currency_col = table.column("currency")
    found = {q: i for q, c in COLUMNS.items() if (i := table.column(*c.aliases)) is not None}
    fields = ("orders", *found)
    indexes = list(found.values())
    sums = Sums(fields)
    seen: set[str] = set()
    rows = line = 0
    index = created_col
    try:
        for line, cells in table.rows:
            rows += 1
            width = len(cells)
            order = str(cells[name_col]).strip() if name_col < width and cells[name_col] is not None else ""
            if not order or order in seen:
                continue  # a further line item of an order already counted
            seen.add(order)
            created = cells[created_col] if created_col < width else None
            if created is None or (isinstance(created, str) and not created.strip()):
                raise CellError(f"order {order} has no Created at on its first row")
            if cancelled_col is not None and cancelled_col < width and str(cells[cancelled_col] or "").strip():
                continue
            values = [1.0]
            for index in indexes:
                values.append(number(cells[index]) if index < width else 0.0)
            if len(seen) <= 50 or not len(seen) % 997:
                for index in indexes:
                    if index < width:
                        sums.note_currency(cells[index])
                if currency_col is not None and currency_col < width and str(cells[currency_col] or "").strip():
                    sums.currencies.add(str(cells[currency_col]).strip().upper())
            index = created_col
            sums.add(date_key(created), values, line)
    except CellError as exc:
        raise cell_error(table, line, index, exc) from None
    return ParsedReport(name=table.name, kind=KIND, rows=rows, quantities=fields,
                        spans=sums.spans(table.name, fill_gaps=True), currency=sums.currency(table.name))
