"""Datasets from uploaded CSV text: two numeric columns, x then y.

Uploads are untrusted: the bytes are decoded and parsed here, in memory, with
no pickle, eval or file writes, and every way they can be wrong is a
``ValueError`` that says what is wrong and where.
"""

from __future__ import annotations

import csv
import io

import numpy as np

from .data import Dataset

#: Largest upload accepted, in bytes (about a million rows of two numbers).
MAX_BYTES = 32 * 1024 * 1024

#: Most data rows accepted; the loss of 10^6 samples still evaluates in a second.
MAX_ROWS = 1_000_000


def _decode(raw: bytes) -> str:
    if b"\x00" in raw[:4096]:
        raise ValueError("the file is binary, not CSV text (it contains NUL bytes)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"the file is not UTF-8 text (byte {exc.start} cannot be decoded)"
        ) from None


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _rows(text: str) -> list[list[str]]:
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t ")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True)
    rows = []
    try:
        for row in reader:
            cells = [c.strip() for c in row if c.strip() != ""]
            if cells:
                rows.append(cells)
            if len(rows) > MAX_ROWS + 1:
                raise ValueError(
                    f"the file has more than {MAX_ROWS:,} rows; at most {MAX_ROWS:,} are allowed"
                )
    except csv.Error as exc:
        raise ValueError(f"the file is not valid CSV (line {reader.line_num}: {exc})") from None
    return rows


def parse_csv(raw: bytes, name: str = "upload") -> Dataset:
    """Parse CSV bytes into a :class:`Dataset`.

    Accepts comma, semicolon, tab or space separated values, with or without a
    header row (a first row that is not all numbers is taken as the header);
    columns beyond the second are ignored. Cost O(bytes).

    Raises
    ------
    ValueError
        Empty or binary file, over ``MAX_BYTES`` or ``MAX_ROWS``, fewer than
        two columns, a non-numeric cell (row and column named), NaN or inf,
        or anything :class:`Dataset` refuses.
    """
    if len(raw) > MAX_BYTES:
        raise ValueError(
            f"the file is {len(raw) / 2**20:.1f} MB; at most {MAX_BYTES // 2**20} MB are allowed"
        )
    rows = _rows(_decode(raw))
    if not rows:
        raise ValueError("the file is empty: expected two columns, x and y")
    header = not all(_is_number(c) for c in rows[0][:2])
    body = rows[1:] if header else rows
    if not body:
        raise ValueError("the file has a header but no data rows")
    if len(body) > MAX_ROWS:
        raise ValueError(f"the file has {len(body):,} rows; at most {MAX_ROWS:,} are allowed")
    first = 2 if header else 1
    values = np.empty((len(body), 2))
    for i, row in enumerate(body):
        if len(row) < 2:
            raise ValueError(f"row {i + first} has {len(row)} column; two are needed (x and y)")
        for j in (0, 1):
            try:
                values[i, j] = float(row[j])
            except ValueError:
                col = "xy"[j]
                raise ValueError(
                    f"row {i + first}, column {col}: {row[j][:20]!r} is not a number"
                ) from None
    bad = ~np.isfinite(values)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise ValueError(
            f"row {i + first}, column {'xy'[j]}: {values[i, j]} is not a finite number"
        )
    return Dataset(values[:, 0], values[:, 1], name=name)
