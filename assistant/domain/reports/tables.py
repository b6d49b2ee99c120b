"""Reading an export as a header and a stream of rows: CSV, TSV/TXT or XLSX.

Rows stream (a 100,000-row report never sits in memory as a whole): CSV through the
``csv`` module over a decoding wrapper, XLSX through openpyxl's read-only mode. The text
encoding is UTF-8 (a BOM is dropped) unless the file's start is not valid UTF-8, in which
case it is read as Windows-1252, as older Seller Central downloads are. The delimiter
follows the extension (tab for .tsv/.txt) and, for .csv, whichever of comma, tab or
semicolon the first line holds most of.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from assistant.errors import InvalidInput

EXTENSIONS = (".csv", ".tsv", ".txt", ".xlsx")
HEADER_SEARCH_ROWS = 20
"""A header may follow a few lines of preamble ("Report generated on ..."); it is looked for here."""
SNIFF_BYTES = 64 * 1024
_DASHES = re.compile(r"[\u2010-\u2015\u2212]")
_SPACED_DASH = re.compile(r"\s+-\s*|\s*-\s+")
_SPACE = re.compile(r"\s+")

csv.field_size_limit(1 << 20)  # a product title is long, but a 1 MB cell is a broken file


def norm(header: object) -> str:
    """A header as columns are matched: lower case, one space, every dash a hyphen.

    ``'Sessions – Total '`` and ``'sessions - total'`` match; ``'Sessions - Total - B2B'``
    stays a different column, because matching is by the whole name.
    """
    text = str(header if header is not None else "").replace("\ufeff", "").strip().lower()
    text = _DASHES.sub("-", _SPACE.sub(" ", text))
    return _SPACED_DASH.sub(" - ", text)


@dataclass
class Table:
    """One export, opened: its header (as written and normalised) and its remaining rows."""

    name: str
    headers: list[str]
    rows: Iterator[tuple[int, list[object]]]
    """(line number, cells) for every row after the header; blank rows are skipped."""
    keys: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.keys = [norm(h) for h in self.headers]

    def column(self, *aliases: str) -> int | None:
        """Index of the first alias present (aliases are normalised names), or None.

        A name the header holds twice is refused: which of the two is the total?
        """
        for alias in aliases:
            hits = [i for i, key in enumerate(self.keys) if key == alias]
            if len(hits) > 1:
                raise InvalidInput(f"{self.name}: the column {self.headers[hits[0]].strip()!r} appears twice")
            if hits:
                return hits[0]
        return None


def _encoding(head: bytes) -> str:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)  # a character cut at the sniff boundary is not an error
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8-sig"


def _delimiter(name: str, head: str) -> str:
    """Tab for .tsv/.txt; otherwise the delimiter some early line (the header) holds most of."""
    if name.lower().endswith((".tsv", ".txt")):
        return "\t"
    lines = head.split("\n")[:HEADER_SEARCH_ROWS]
    counts = {d: max(line.count(d) for line in lines) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_rows(name: str, stream: BinaryIO) -> Iterator[tuple[int, list[object]]]:
    head = stream.read(SNIFF_BYTES)
    if b"\x00" in head[:4096]:
        raise InvalidInput(f"{name}: this is not a text export (UTF-16 or binary); save it as CSV UTF-8")
    stream.seek(0)
    text = io.TextIOWrapper(stream, encoding=_encoding(head), errors="replace", newline="")
    reader = csv.reader(text, delimiter=_delimiter(name, head.decode("utf-8", errors="replace")))
    try:
        for row in reader:
            if "".join(row).strip():
                yield reader.line_num, row  # type: ignore[misc]
    except csv.Error as exc:
        raise InvalidInput(f"{name}: line {reader.line_num}: not valid CSV: {exc}") from None


def _xlsx_rows(name: str, stream: BinaryIO) -> Iterator[tuple[int, list[object]]]:
    from openpyxl import load_workbook  # noqa: PLC0415 - only .xlsx uploads pay for the import

    try:
        book = load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
        raise InvalidInput(f"{name}: not a readable .xlsx workbook ({type(exc).__name__})") from None
    try:
        sheet = book.worksheets[0]
        for line, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = list(row)
            if any(c is not None and str(c).strip() for c in cells):
                yield line, cells
    except InvalidInput:
        raise
    except Exception as exc:  # noqa: BLE001 - a corrupt sheet can fail anywhere in the stream
        raise InvalidInput(f"{name}: the workbook could not be read ({type(exc).__name__})") from None
    finally:
        book.close()


def rows_of(name: str, stream: BinaryIO) -> Iterator[tuple[int, list[object]]]:
    """Every non-blank row of the file, header included, as (line number, cells)."""
    lower = name.lower()
    if lower.endswith(".xls"):
        raise InvalidInput(f"{name}: old .xls workbooks are not read; save it as .xlsx or CSV")
    start = stream.read(4)
    stream.seek(0)
    if lower.endswith(".xlsx") or start == b"PK\x03\x04":
        return _xlsx_rows(name, stream)
    if not lower.endswith(EXTENSIONS):
        raise InvalidInput(f"{name}: unsupported file type; use {', '.join(EXTENSIONS)}")
    return _csv_rows(name, stream)
