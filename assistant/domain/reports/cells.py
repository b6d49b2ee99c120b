"""Cells as sellers' exports spell them: numbers, money, percentages and dates.

Numbers: ``1234.5``, ``1,234.56``, ``$1,234.56``, ``USD 1,234.56``, ``12.5%``, ``(12.50)``
for a negative, and a blank (or ``-``/``--``) for zero. A decimal comma (``1.234,56``) and
``1_000`` are refused rather than guessed. Dates: ISO (``2026-11-02``, with or without a
time after it), ``Nov 02, 2026``, ``2 Nov 2026``, ``02-Nov-2026`` and numeric ``11/2/2026``.
Whether a numeric date is month first or day first is decided once per file (see
``DateReader``), because one row alone cannot tell ``3/4/2026`` apart.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime

BLANKS = frozenset({"", "-", "--", "\u2013", "\u2014", "n/a", "N/A"})
SYMBOLS = {"$": "$", "US$": "USD", "CA$": "CAD", "C$": "CAD", "A$": "AUD", "AU$": "AUD", "MX$": "MXN",
           "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "R$": "BRL", "zł": "PLN", "kr": "SEK"}
"""A symbol in a money cell and the currency it names; a bare ``$`` names none on its own."""
_SYMBOL_RE = re.compile(r"US\$|CA\$|C\$|AU\$|A\$|MX\$|R\$|zł|kr|[$€£¥₹]")
CODES = ("USD", "CAD", "AUD", "NZD", "MXN", "BRL", "EUR", "GBP", "PLN", "SEK", "NOK", "DKK", "CHF", "TRY", "JPY",
         "CNY", "HKD", "SGD", "INR", "AED", "SAR", "EGP", "ZAR")
_CODE_RE = re.compile(rf"^({'|'.join(CODES)})\s*|\s*({'|'.join(CODES)})$")
_PLAIN = re.compile(r"^[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$|^[-+]?\.\d+$")
_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009")


class CellError(ValueError):
    """A cell that is not what its column needs; the parser adds the file, line and column."""


_FAST = re.compile(r"\s*(-?)\$?(\d+(?:\.\d+)?|\d{1,3}(?:,\d{3})+(?:\.\d+)?)\s*")
"""The shapes most cells have (``1234``, ``12.5``, ``$1,234.56``), read without the slow path."""


def number(cell: object) -> float:
    """A count, amount or percentage cell as a float (percent signs dropped: 12% -> 12.0)."""
    kind = type(cell)
    if kind is str:
        if cell.isdigit() and cell.isascii():  # type: ignore[union-attr]  # counts: most cells of a report
            return float(cell)  # type: ignore[arg-type]
        m = _FAST.fullmatch(cell)  # type: ignore[arg-type]
        if m is not None:
            digits = m.group(2)
            value = float(digits.replace(",", "") if "," in digits else digits)
            return -value if m.group(1) else value
    elif kind is float or kind is int:
        value = float(cell)  # type: ignore[arg-type]
        if math.isfinite(value):
            return value
        raise CellError(f"not a number: {cell!r}")
    if cell is None:
        return 0.0
    if not isinstance(cell, str):
        raise CellError(f"not a number: {cell!r}")
    text = cell.strip()
    if text in BLANKS:
        return 0.0
    try:
        value = float(text)
    except ValueError:
        return _messy(text)
    if "_" in text or not math.isfinite(value):
        raise CellError(f"not a number: {text!r}")
    return value


def _messy(text: str) -> float:
    negative = text.startswith("(") and text.endswith(")")
    core = text[1:-1] if negative else text
    core = _CODE_RE.sub("", core.strip())
    core = _SYMBOL_RE.sub("", core).translate(_SPACES).rstrip("%")
    if core.startswith("-") and negative:
        raise CellError(f"not a number: {text!r}")
    if not _PLAIN.match(core):
        hint = " (use a dot for decimals)" if re.search(r"\d,\d{1,2}$", core) else ""
        raise CellError(f"not a number: {text!r}{hint}")
    value = float(core.replace(",", ""))
    return -value if negative else value


def currency_of(cell: object) -> str | None:
    """The currency a money cell names (``EUR`` for ``€12``, ``$`` for a bare dollar sign), or None."""
    if not isinstance(cell, str):
        return None
    m = _SYMBOL_RE.search(cell)
    if m:
        return SYMBOLS[m.group(0)]
    m = _CODE_RE.search(cell.strip())
    if m and any(ch.isdigit() for ch in cell):
        return m.group(1) or m.group(2)
    return None


# ---------------------------------------------------------------- dates
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
_ISO = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:$|[ T])")
_NUMERIC = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})$")
_MONTH_FIRST = re.compile(r"^([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})$")
_DAY_FIRST = re.compile(r"^(\d{1,2})[ -]([A-Za-z]{3,9})\.?[ ,-]+(\d{4})$")
FIRST_YEAR, LAST_YEAR = 2000, 2099


def date_key(cell: object) -> object:
    """What rows are grouped by before their dates are read: a date, or the date text.

    Cheap on purpose (it runs once a row): a timestamp is cut to its ISO date, so the
    distinct keys of a file are its days, not its orders.
    """
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    if not isinstance(cell, str):
        return str(cell) if cell is not None else ""
    text = cell.strip()
    if len(text) > 10 and text[4:5] == "-" and text[:4].isdigit():
        return text[:10]
    return text


def _month(name: str) -> int | None:
    """1-12 for a month name or its abbreviation ('Nov', 'Sept', 'November'), else None."""
    lower = name.lower()
    return next((i + 1 for i, full in enumerate(MONTHS) if len(lower) >= 3 and full.startswith(lower)), None)


def _checked(year: int, month: int, day: int, text: str) -> date:
    if year < 100:
        year += 2000
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise CellError(f"date {text!r} is outside {FIRST_YEAR}-{LAST_YEAR}")
    try:
        return date(year, month, day)
    except ValueError:
        raise CellError(f"not a date: {text!r}") from None


class DateReader:
    """Reads the distinct date texts of one file, after the file has been read.

    Numeric dates are month first (``11/2/2026`` is 2 November, as US exports write it)
    unless one of the file's dates only reads day first (``13/11/2026``), or they use dots
    (``02.11.2026``); a file with both kinds of evidence is refused.
    """

    def __init__(self, texts: set[object]) -> None:
        day_first = month_first = False
        for text in texts:
            m = _NUMERIC.match(text) if isinstance(text, str) else None
            if m:
                a, sep, b = int(m[1]), m[2], int(m[3])
                day_first |= a > 12 or sep == "."
                month_first |= b > 12
        if day_first and month_first:
            raise CellError("the file mixes day-first and month-first dates; export it with ISO dates")
        self.day_first = day_first

    def read(self, text: object) -> date:
        if isinstance(text, datetime):
            return text.date()
        if isinstance(text, date):
            return text
        if not isinstance(text, str) or not text:
            raise CellError("a row has no date")
        m = _ISO.match(text)
        if m:
            return _checked(int(m[1]), int(m[2]), int(m[3]), text)
        m = _NUMERIC.match(text)
        if m:
            a, b = int(m[1]), int(m[3])
            day, month = (a, b) if self.day_first else (b, a)
            return _checked(int(m[4]), month, day, text)
        m = _MONTH_FIRST.match(text)
        if m and _month(m[1]):
            return _checked(int(m[3]), _month(m[1]) or 0, int(m[2]), text)
        m = _DAY_FIRST.match(text)
        if m and _month(m[2]):
            return _checked(int(m[3]), _month(m[2]) or 0, int(m[1]), text)
        raise CellError(f"not a date: {text!r}")


def read_date(cell: object) -> date:
    """One date on its own (a form field, a range bound): numeric dates read month first."""
    return DateReader({date_key(cell)}).read(date_key(cell))


def read_range(text: str | None) -> tuple[date, date] | None:
    """``2026-11-02..2026-11-08`` (the range of a report that names none), or None when blank."""
    if text is None or not text.strip():
        return None
    first, sep, last = text.strip().partition("..")
    try:
        if not sep:
            raise CellError("no '..' between the two dates")
        start, end = read_date(first.strip()), read_date(last.strip())
    except CellError as exc:
        raise CellError(f"dates: expected FIRST..LAST like 2026-11-02..2026-11-08 ({exc})") from None
    if end < start or (end - start).days > 366:
        raise CellError("dates: the range must run forwards and cover at most a year")
    return start, end
