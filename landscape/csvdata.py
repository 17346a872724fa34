"""Datasets from uploaded CSV text: two numeric columns, x then y.

Uploads are untrusted: the bytes are decoded and parsed here, in memory, with
no pickle, eval or file writes, and every way they can be wrong is a
``ValueError`` that says what is wrong and where. The text is read as a stream
(about a megabyte decoded at a time, one row at a time through ``csv.reader``)
and only the two numbers of each row are kept, as float64: memory grows with
the rows kept, not with Python objects per cell, and a file over the row limit
is refused as soon as the limit is passed.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from array import array
from collections.abc import Iterable, Iterator
from itertools import chain

import numpy as np

from .data import Dataset

#: Largest upload accepted, in bytes (about a million rows of two numbers).
MAX_BYTES = 32 * 1024 * 1024

#: Most data rows accepted; the loss of 10^6 samples still evaluates in a second.
MAX_ROWS = 1_000_000

#: Most characters in one row (a quoted field may span lines). Two numbers take
#: a few dozen; the bound keeps the cells ``csv.reader`` builds for a row small.
MAX_ROW_CHARS = 65_536

#: Longest name kept by :func:`clean_name`, in characters.
MAX_NAME_CHARS = 80

# Bytes decoded at a time; at least 4 * MAX_ROW_CHARS, so a piece with no line
# break in it is a row too long, refused before csv.reader sees it.
_PIECE_BYTES = 1 << 20

# Characters that must not reach a caption or a script: controls, format
# characters (zero-width, bidi overrides), lone surrogates, line separators.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})

# Only the start of a name is read, so a huge name costs no more than a short one.
_NAME_SCAN_CHARS = 16 * MAX_NAME_CHARS


def clean_name(text: str) -> str:
    """``text`` made safe to show as one line: a label for captions and exports.

    Whitespace (newlines and tabs included) collapses to single spaces; every
    other control or format character (Unicode categories Cc, Cf, Cs, Zl, Zp:
    NUL, zero-width characters, bidi overrides such as U+202E) is removed. A
    result longer than ``MAX_NAME_CHARS`` is cut and ends with an ellipsis;
    an empty one becomes ``"upload"``. Cost O(min(len(text), 1280)).

    Raises
    ------
    ValueError
        If ``text`` is not a string.
    """
    if not isinstance(text, str):
        raise ValueError(f"name must be a string, got {type(text).__name__}")
    kept = "".join(
        c
        for c in text[:_NAME_SCAN_CHARS]
        if c.isspace() or unicodedata.category(c) not in _UNSAFE_CATEGORIES
    )
    name = " ".join(kept.split())
    if len(name) > MAX_NAME_CHARS:
        name = name[: MAX_NAME_CHARS - 1].rstrip() + "…"
    return name or "upload"


def _piece_end(raw: bytes, start: int) -> int:
    """Where the piece of ``raw`` starting at ``start`` ends: after a line break."""
    stop = start + _PIECE_BYTES
    if stop >= len(raw):
        return len(raw)
    cut = raw.rfind(b"\n", start, stop)
    if cut < 0:
        cut = raw.rfind(b"\r", start, stop)  # old Mac line ends; keep a "\r\n" whole
        if cut >= 0 and raw[cut + 1 : cut + 2] == b"\n":
            cut += 1
    if cut >= 0:
        return cut + 1
    # No line break at all: cut between UTF-8 characters; the row is refused as too long.
    while stop > start + _PIECE_BYTES - 3 and raw[stop] & 0xC0 == 0x80:
        stop -= 1
    return stop


def _pieces(raw: bytes) -> Iterator[str]:
    """The UTF-8 text of ``raw`` (a leading BOM skipped) in pieces of whole lines."""
    if b"\x00" in raw[:4096]:
        raise ValueError("the file is binary, not CSV text (it contains NUL bytes)")
    start = len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0
    while start < len(raw):
        stop = _piece_end(raw, start)
        try:
            piece = raw[start:stop].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError(
                f"the file is not UTF-8 text (byte {start + exc.start} cannot be decoded)"
            ) from None
        yield piece
        start = stop


class _Lines:
    """The lines of the pieces for ``csv.reader``, refusing a row over ``MAX_ROW_CHARS``.

    The reader asks for lines only until a row is complete, so the characters
    read since ``row_chars`` was last set to 0 are the current row's.
    """

    def __init__(self, pieces: Iterable[str]) -> None:
        self._pieces = pieces
        self.row_chars = 0

    def __iter__(self) -> Iterator[str]:
        lines = chain.from_iterable(io.StringIO(p, newline="") for p in self._pieces)
        for number, line in enumerate(lines, 1):
            self.row_chars += len(line)
            if self.row_chars > MAX_ROW_CHARS:
                raise ValueError(
                    f"line {number:,}: a row is longer than {MAX_ROW_CHARS:,} characters; "
                    "expected one row of x and y per line"
                )
            yield line


def _delimiter(sample: str) -> str:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t ").delimiter
    except csv.Error:
        return ","


def _rows(raw: bytes) -> Iterator[list[str]]:
    """The rows of the CSV text in ``raw``, one at a time, as ``csv.reader`` splits them."""
    pieces = _pieces(raw)
    head = next(pieces, "")
    lines = _Lines(chain([head], pieces))
    reader = csv.reader(lines, delimiter=_delimiter(head[:4096]), skipinitialspace=True)
    try:
        for row in reader:
            lines.row_chars = 0
            yield row
    except csv.Error as exc:
        raise ValueError(f"the file is not valid CSV (line {reader.line_num}: {exc})") from None


def _cells(row: list[str]) -> list[str]:
    """The non-empty cells of a row, stripped: the first two are x and y."""
    return [c for c in map(str.strip, row) if c]


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _pair(cells: list[str], number: int) -> tuple[float, float]:
    """x and y from the cells of row ``number``, or the reason they are not numbers."""
    if len(cells) < 2:
        raise ValueError(f"row {number} has {len(cells)} column; two are needed (x and y)")
    for col, cell in zip("xy", cells, strict=False):
        if not _is_number(cell):
            raise ValueError(f"row {number}, column {col}: {cell[:20]!r} is not a number")
    return float(cells[0]), float(cells[1])


def _columns(raw: bytes, max_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """The x and y columns of the CSV text ``raw``, at most ``max_rows`` data rows.

    Rows without a cell are skipped; row numbers count the others, from 1.
    """
    rows = _rows(raw)
    head = next(filter(None, map(_cells, rows)), None)
    if head is None:
        raise ValueError("the file is empty: expected two columns, x and y")
    header = not all(_is_number(c) for c in head[:2])
    xs, ys = array("d"), array("d")
    if not header:
        x, y = _pair(head, 1)
        xs.append(x)
        ys.append(y)
    first = 2 if header else 1  # the row number of ys[0]
    for row in rows:
        try:  # the common row: x and y in its first two cells
            x, y = float(row[0]), float(row[1])
        except (ValueError, IndexError):
            cells = _cells(row)
            if not cells:
                continue
            x, y = _pair(cells, len(ys) + first)
        if len(ys) == max_rows:
            raise ValueError(
                f"the file has more than {max_rows:,} rows; at most {max_rows:,} are allowed: "
                f"upload the first {max_rows:,} rows or a sample of them"
            )
        xs.append(x)
        ys.append(y)
    if not ys:
        raise ValueError("the file has a header but no data rows")
    x, y = np.frombuffer(xs), np.frombuffer(ys)
    bad = ~(np.isfinite(x) & np.isfinite(y))
    if bad.any():
        i = int(np.argmax(bad))
        col, value = ("x", x[i]) if not np.isfinite(x[i]) else ("y", y[i])
        raise ValueError(f"row {i + first}, column {col}: {value} is not a finite number")
    return x, y


def parse_csv(raw: bytes, name: str = "upload") -> Dataset:
    """Parse CSV bytes into a :class:`Dataset` named ``clean_name(name)``.

    Accepts UTF-8 text with comma, semicolon, tab or space separated values,
    with or without a header row (a first row that is not all numbers is taken
    as the header); empty cells are skipped and columns beyond the second are
    ignored. Rows are counted without the header and without blank lines.
    Cost O(bytes) time; memory O(rows) float64 beyond ``raw`` itself.

    Raises
    ------
    ValueError
        Empty or binary file, over ``MAX_BYTES``, ``MAX_ROWS`` or (one row)
        ``MAX_ROW_CHARS``, fewer than two columns, a non-numeric cell (row and
        column named), NaN or inf, or anything :class:`Dataset` refuses.
    """
    if len(raw) > MAX_BYTES:
        raise ValueError(
            f"the file is {len(raw) / 2**20:.1f} MB; at most {MAX_BYTES // 2**20} MB are allowed"
        )
    x, y = _columns(raw, MAX_ROWS)
    return Dataset(x, y, name=clean_name(name))
