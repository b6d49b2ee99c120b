"""What a parser makes of one export: per-day (or per-range) sums of the quantities it read.

Every report family reduces to the same shape, ``{(first day, last day): {quantity: sum}}``,
so the metrics and the importer never look at rows again. Rows are grouped by their date
*text* while the file streams, and the few distinct texts are read as dates at the end,
when the whole file can say whether ``3/4/2026`` is March or April (see ``cells``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from assistant.domain.reports.cells import CellError, DateReader, currency_of, date_key, number
from assistant.domain.reports.tables import Table
from assistant.errors import InvalidInput

Span = tuple[date, date]
MAX_DAYS = 3700
"""Ten years of days: a file spanning more is a broken date column, not a report."""
TOTAL_ROWS = frozenset({"total", "totals", "grand total", "summary"})
"""A date cell that names a footer row of sums: skipped, since the days are summed anyway."""


@dataclass(frozen=True)
class Column:
    """A quantity a report carries: the name sellers see, and the spellings it goes by."""

    label: str
    aliases: tuple[str, ...]
    money: bool = False


@dataclass
class ParsedReport:
    """One file's sums. ``quantities`` are the fields its header had (others are absent, not zero)."""

    name: str
    kind: str
    rows: int
    quantities: tuple[str, ...]
    spans: dict[Span, dict[str, float]]
    currency: str | None = None
    detected: bool = True
    stock: bool = False
    """True for snapshots (inventory): a period takes its latest snapshot instead of a sum."""

    @property
    def first(self) -> date | None:
        return min((s for s, _ in self.spans), default=None)

    @property
    def last(self) -> date | None:
        return max((e for _, e in self.spans), default=None)


def cell_error(table: Table, line: int, index: int, exc: Exception) -> InvalidInput:
    column = table.headers[index].strip() if index < len(table.headers) else f"column {index + 1}"
    return InvalidInput(f"{table.name}: line {line}, column {column!r}: {exc}")


@dataclass
class Sums:
    """Running sums of ``fields`` per date key (a date text, or a (start, end) pair of them)."""

    fields: tuple[str, ...]
    by_key: dict[object, list[float]] = field(default_factory=dict)
    currencies: set[str] = field(default_factory=set)
    lines: dict[object, int] = field(default_factory=dict)
    """The first line of each key, so a date that cannot be read is reported where it is."""

    def add(self, key: object, values: list[float], line: int = 0) -> None:
        acc = self.by_key.get(key)
        if acc is None:
            self.by_key[key] = list(values)
            self.lines[key] = line
            return
        for i, v in enumerate(values):
            acc[i] += v

    def note_currency(self, cell: object) -> None:
        """Remember a money cell's currency (the caller samples cells; every row would be slow)."""
        found = currency_of(cell)
        if found:
            self.currencies.add(found)

    def spans(self, name: str, *, fill_gaps: bool) -> dict[Span, dict[str, float]]:
        """The sums by (first, last) day; with ``fill_gaps`` a day inside the file's range
        without rows is a day of zeros (ads reports leave out days without impressions)."""
        texts: set[object] = set()
        for key in self.by_key:
            texts.update(key if isinstance(key, tuple) else (key,))
        try:
            reader = DateReader(texts)
        except CellError as exc:
            raise InvalidInput(f"{name}: {exc}") from None
        out: dict[Span, list[float]] = {}
        for key, values in self.by_key.items():
            try:
                start, end = (reader.read(key[0]), reader.read(key[1])) if isinstance(key, tuple) else (
                    (reader.read(key),) * 2)
                if end < start:
                    raise CellError(f"the row ends ({end}) before it starts ({start})")
            except CellError as exc:
                raise InvalidInput(f"{name}: line {self.lines.get(key, '?')}: {exc}") from None
            acc = out.setdefault((start, end), [0.0] * len(self.fields))
            for i, v in enumerate(values):
                acc[i] += v
        _check_overlaps(name, list(out))
        if out and max(e for _, e in out) - min(s for s, _ in out) > timedelta(days=MAX_DAYS):
            raise InvalidInput(f"{name}: the dates span more than ten years; check the date column")
        if fill_gaps and out:
            covered = {s + timedelta(days=i) for s, e in out for i in range((e - s).days + 1)}
            day, last = min(s for s, _ in out), max(e for _, e in out)
            while day <= last:
                if day not in covered:
                    out[(day, day)] = [0.0] * len(self.fields)
                day += timedelta(days=1)
        return {span: dict(zip(self.fields, out[span], strict=True)) for span in sorted(out)}

    def currency(self, name: str) -> str | None:
        return single_currency(name, self.currencies)


def single_currency(name: str, found: set[str]) -> str | None:
    """The file's one currency: a code beats a bare ``$``; two codes are refused."""
    codes = {c for c in found if c != "$"}
    if len(codes) > 1:
        raise InvalidInput(f"{name}: the file mixes currencies ({', '.join(sorted(codes))}); "
                           "export one marketplace at a time")
    return next(iter(codes), "$" if "$" in found else None)


def _check_overlaps(name: str, spans: list[Span]) -> None:
    ordered = sorted(spans)
    for (s1, e1), (s2, e2) in zip(ordered, ordered[1:], strict=False):
        if s2 <= e1:
            raise InvalidInput(f"{name}: rows for {s1}..{e1} and {s2}..{e2} overlap; export daily rows "
                               "or one date range per row that does not overlap another")


def columns_of(table: Table, columns: dict[str, Column]) -> dict[str, int]:
    """Which quantities the header has, by column index."""
    found = {}
    for quantity, col in columns.items():
        index = table.column(*col.aliases)
        if index is not None:
            found[quantity] = index
    return found


def read_sums(table: Table, kind: str, columns: dict[str, Column], *, date_col: tuple[str, ...],
              range_cols: tuple[tuple[str, ...], tuple[str, ...]] | None = None,
              currency_col: tuple[str, ...] = (), dates: Span | None = None, fill_gaps: bool = True,
              missing_date: str = "") -> ParsedReport:
    """The common parser: rows of numbers keyed by a date column (or a start/end pair).

    ``dates`` stands in for a file with no date column at all (a report for one range).
    """
    found = columns_of(table, columns)
    fields = tuple(found)
    indexes = [found[f] for f in fields]
    money = [i for f, i in zip(fields, indexes, strict=True) if columns[f].money]
    day = table.column(*date_col)
    start = end = None
    if day is None and range_cols is not None:
        start, end = table.column(*range_cols[0]), table.column(*range_cols[1])
        if start is None or end is None:
            start = end = None
    if day is None and start is None and dates is None:
        raise InvalidInput(f"{table.name}: no {date_col[0].title()!r} column. {missing_date}".rstrip())
    cur = table.column(*currency_col) if currency_col else None
    sums = Sums(fields)
    rows = line = 0
    fixed_key = dates if day is None and start is None else None
    width = 1 + max([*indexes, *(i for i in (day, start, end, cur) if i is not None)], default=-1)
    pad = [""] * width
    cells: list[object] = []
    try:
        for line, cells in table.rows:
            if len(cells) < width:
                cells = cells + pad[len(cells):]
            if fixed_key is not None:
                key: object = fixed_key
            elif day is not None:
                key = cells[day]
                if type(key) is str:
                    key = key.strip()
                    if len(key) > 10 and key[4:5] == "-":
                        key = key[:10]
                    elif key.lower() in TOTAL_ROWS:
                        continue
                else:
                    key = date_key(key)
            else:
                key = (date_key(cells[start]), date_key(cells[end]))  # type: ignore[index]
                if isinstance(key[0], str) and key[0].lower() in TOTAL_ROWS:
                    continue
            values = [number(cells[i]) for i in indexes]
            if rows < 50 or not rows % 997:
                for i in money:
                    sums.note_currency(cells[i])
                if cur is not None and isinstance(cells[cur], str) and cells[cur].strip():  # type: ignore[union-attr]
                    sums.currencies.add(cells[cur].strip().upper())  # type: ignore[union-attr]
            sums.add(key, values, line)
            rows += 1
    except CellError as exc:
        bad = next((i for i in indexes if not _reads(cells[i])), indexes[0] if indexes else 0)
        raise cell_error(table, line, bad, exc) from None
    if fixed_key is not None:
        spans = {fixed_key: dict(zip(fields, sums.by_key.get(fixed_key, [0.0] * len(fields)), strict=True))}
    else:
        spans = sums.spans(table.name, fill_gaps=fill_gaps)
    return ParsedReport(name=table.name, kind=kind, rows=rows, quantities=fields, spans=spans,
                        currency=sums.currency(table.name))


def _reads(cell: object) -> bool:
    try:
        number(cell)
    except CellError:
        return False
    return True
