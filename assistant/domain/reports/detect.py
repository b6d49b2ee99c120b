"""Which report a file is, told from its header, and the parser that reads it.

The header is the first of the file's first rows that some family recognises, so a line
or two of preamble above it does no harm. A file two families both claim, or none, is
refused with a sentence that lists what is supported; ``kind`` forces one family.
"""

from __future__ import annotations

from types import ModuleType
from typing import BinaryIO

from assistant.domain.reports import amazon_ads, business_report, fba_inventory, shopify_orders, shopify_sessions
from assistant.domain.reports.parsed import ParsedReport, Span
from assistant.domain.reports.tables import HEADER_SEARCH_ROWS, Table, norm, rows_of
from assistant.errors import InvalidInput

PARSERS: dict[str, ModuleType] = {m.KIND: m for m in (amazon_ads, business_report, shopify_orders,
                                                       shopify_sessions, fba_inventory)}
KINDS = tuple(PARSERS)
LABELS = {kind: m.LABEL for kind, m in PARSERS.items()}
# Exports sellers mistake for the ones above: said plainly instead of "unknown file".
NOT_SUPPORTED = (
    ({"afn-fulfillable-quantity"}, "an FBA Manage Inventory report has no snapshot date or sales; download the "
                                   "FBA Inventory (inventory planning) report instead"),
    ({"settlement-id"}, "a settlement report holds payouts, not sales or traffic"),
)


def supported() -> str:
    return "; ".join(f"{kind} ({label})" for kind, label in LABELS.items())


def kinds_of(keys: set[str]) -> list[str]:
    """Every family whose signature columns the header has."""
    return [kind for kind, module in PARSERS.items() if module.matches(keys)]


def open_report(name: str, stream: BinaryIO, *, kind: str | None = None) -> tuple[str, Table]:
    """The file's kind and its table positioned after the header."""
    if kind is not None and kind not in PARSERS:
        raise InvalidInput(f"unknown report kind {kind!r}; the kinds are {', '.join(KINDS)}")
    rows = rows_of(name, stream)
    for _ in range(HEADER_SEARCH_ROWS):
        try:
            _, cells = next(rows)
        except StopIteration:
            break
        keys = {norm(c) for c in cells}
        for signature, why in NOT_SUPPORTED:
            if signature <= keys:
                raise InvalidInput(f"{name}: {why}")
        found = kinds_of(keys)
        if kind is not None and kind in found:
            return kind, Table(name, [str(c) if c is not None else "" for c in cells], rows)
        if kind is None and len(found) == 1:
            return found[0], Table(name, [str(c) if c is not None else "" for c in cells], rows)
        if kind is None and len(found) > 1:
            raise InvalidInput(f"{name}: the header fits several kinds ({', '.join(found)}); choose one with --kind")
    if kind is not None:
        raise InvalidInput(f"{name}: no header of a {LABELS[kind]} found in its first {HEADER_SEARCH_ROWS} rows")
    raise InvalidInput(f"{name}: not a report Cadence reads. Supported: {supported()}")


def parse_report(name: str, stream: BinaryIO, *, kind: str | None = None,
                 dates: Span | None = None) -> ParsedReport:
    """Detect (or take) the kind, then sum the file; every problem is an InvalidInput naming the file."""
    found, table = open_report(name, stream, kind=kind)
    parsed = PARSERS[found].parse(table, dates=dates)
    if not parsed.rows:
        raise InvalidInput(f"{name}: the {LABELS[found]} has a header but no rows")
    parsed.detected = kind is None
    return parsed
