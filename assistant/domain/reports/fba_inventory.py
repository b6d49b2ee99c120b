"""FBA inventory planning report: one row per SKU, as of its ``snapshot-date``.

A snapshot is a stock level, not a flow: a period's value comes from its latest snapshot
(see ``metrics``), never from a sum of snapshots. Per snapshot the parser keeps the units
available and inbound, the units by age (any ``inv-age-A-to-B-days`` / ``inv-age-A-plus-days``
column; older files end at 365-plus, newer ones at 456-plus), the units shipped in the last
30 days, and how many SKUs sold in those 30 days and how many of them have nothing available.
"""

from __future__ import annotations

import re

from assistant.domain.reports.cells import CellError, date_key, number
from assistant.domain.reports.parsed import Column, ParsedReport, Span, Sums, cell_error
from assistant.domain.reports.tables import Table
from assistant.errors import InvalidInput

KIND = "fba_inventory"
LABEL = "FBA inventory report"
AGED_AFTER_DAYS = 180
COLUMNS = {
    "available": Column("available", ("available",)),
    "inbound": Column("inbound-quantity", ("inbound-quantity",)),
    "shipped_t30": Column("units-shipped-t30", ("units-shipped-t30", "units-shipped-last-30-days")),
}
NEEDS = {"available": "available", "inbound": "inbound-quantity", "aged_over_180": "inv-age-... (by age)",
         "aged_total": "inv-age-... (by age)", "shipped_t30": "units-shipped-t30",
         "skus_selling": "units-shipped-t30", "skus_stocked_out": "available and units-shipped-t30"}
"""The column each quantity is read from, for the message that says one is missing."""
_AGE = re.compile(r"^inv-age-(\d+)-(?:to-\d+|plus)-days$")


def matches(keys: set[str]) -> bool:
    return "snapshot-date" in keys and bool(keys & {"available", "inv-age-0-to-90-days"})


def parse(table: Table, *, dates: Span | None = None) -> ParsedReport:
    day_col = table.column("snapshot-date")
    if day_col is None:
        raise InvalidInput(f"{table.name}: no 'snapshot-date' column; download the FBA Inventory report "
                           "(inventory planning)")
    available, inbound, shipped = (table.column(*COLUMNS[q].aliases) for q in ("available", "inbound", "shipped_t30"))
    ages = [(i, int(m[1]) > AGED_AFTER_DAYS) for i, key in enumerate(table.keys) if (m := _AGE.match(key))]
    fields: list[str] = []
    fields += ["available"] if available is not None else []
    fields += ["inbound"] if inbound is not None else []
    fields += ["aged_over_180", "aged_total"] if ages else []
    fields += ["shipped_t30", "skus_selling"] if shipped is not None else []
    fields += ["skus_stocked_out"] if shipped is not None and available is not None else []
    sums = Sums(tuple(fields))
    rows = line = 0
    where = [day_col]  # the column being read, for the error message
    try:
        for line, cells in table.rows:
            values: list[float] = []
            avail = _cell(cells, available, where)
            values += [avail] if available is not None else []
            values += [_cell(cells, inbound, where)] if inbound is not None else []
            if ages:
                aged = [(_cell(cells, i, where), old) for i, old in ages]
                values += [sum(v for v, old in aged if old), sum(v for v, _ in aged)]
            if shipped is not None:
                sold = _cell(cells, shipped, where)
                values += [sold, 1.0 if sold > 0 else 0.0]
                values += [1.0 if sold > 0 and avail <= 0 else 0.0] if available is not None else []
            where[0] = day_col
            sums.add(date_key(cells[day_col] if day_col < len(cells) else ""), values, line)
            rows += 1
    except CellError as exc:
        raise cell_error(table, line, where[0], exc) from None
    return ParsedReport(name=table.name, kind=KIND, rows=rows, quantities=tuple(fields),
                        spans=sums.spans(table.name, fill_gaps=False), stock=True)


def _cell(cells: list[object], index: int | None, where: list[int]) -> float:
    if index is None or index >= len(cells):
        return 0.0
    where[0] = index
    return number(cells[index])
