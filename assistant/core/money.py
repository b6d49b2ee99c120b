"""An amount of money as drafts and pages write it: in the org's own currency.

An org keeps one currency (``Company.currency``, an ISO code). Every formatter that writes a
``currency`` figure (``core.templates.fmt_number`` for drafts, ``web.charts.fmt_value`` for
pages) asks ``money`` for its symbol, so a draft on a GBP org never reads "$4.24" beside the
person's own "£4.24". The code in force is set once around a whole draft or request
(``in_currency``) rather than threaded through every formatter's callers; outside one it is USD.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

DEFAULT = "USD"
SYMBOLS = {"USD": "$", "GBP": "£", "EUR": "€"}
"""Codes written as a symbol before the figure; any other code is written before it with a space
("CHF 4.24"), which no one misreads."""

_CODE: ContextVar[str] = ContextVar("cadence_currency", default=DEFAULT)


def money(text: str, code: str | None = None) -> str:
    """``text`` (a formatted figure) as an amount: "£4.24", "$1,200", "CHF 4.24"."""
    code = (code or _CODE.get()).upper()
    symbol = SYMBOLS.get(code)
    return f"{symbol}{text}" if symbol else f"{code} {text}"


def current() -> str:
    """The ISO code amounts are written in here."""
    return _CODE.get()


@contextmanager
def in_currency(code: str | None) -> Iterator[None]:
    """Write amounts in ``code`` (USD when None: an org that never named its currency) inside."""
    token = _CODE.set((code or DEFAULT).upper())
    try:
        yield
    finally:
        _CODE.reset(token)
