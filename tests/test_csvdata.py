"""Uploaded CSV: every way it can be wrong gets a message that says where."""

import unicodedata
from unittest import mock

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from landscape import csvdata
from landscape.csvdata import (
    MAX_BYTES,
    MAX_NAME_CHARS,
    MAX_ROW_CHARS,
    MAX_ROWS,
    clean_name,
    parse_csv,
)
from landscape.data import MAX_ABS_X


def test_header_and_numbers():
    ds = parse_csv(b"x,y\n0,0\n1,1\n2,0\n")
    np.testing.assert_array_equal(ds.x, [0, 1, 2])
    np.testing.assert_array_equal(ds.y, [0, 1, 0])


@pytest.mark.parametrize("sep", [",", ";", "\t", " "])
def test_separators_without_header(sep):
    text = f"3{sep}1\n4{sep}0\n5.5{sep}0.25\n".encode()
    ds = parse_csv(text)
    np.testing.assert_array_equal(ds.x, [3, 4, 5.5])
    np.testing.assert_array_equal(ds.y, [1, 0, 0.25])


def test_extra_columns_are_ignored_and_bom_is_skipped():
    ds = parse_csv("\ufeffx,y,comment\n1,1,odd\n2,0,even\n".encode())
    np.testing.assert_array_equal(ds.x, [1, 2])


def test_a_million_rows_parse():
    x = np.arange(MAX_ROWS)
    text = "x,y\n" + "\n".join(f"{v},{v % 2}" for v in x)
    ds = parse_csv(text.encode())
    assert ds.n == MAX_ROWS
    assert ds.y[-1] == (MAX_ROWS - 1) % 2


@pytest.mark.parametrize(
    ("raw", "match"),
    [
        (b"", "empty"),
        (b"\n\n  \n", "empty"),
        (b"x,y\n", "header but no data"),
        (b"x\n1\n2\n", "two are needed"),
        (b"1,0\n2\n", "row 2 has 1 column"),
        (b"x,y\n1,0\n2,abc\n", r"row 3, column y: 'abc' is not a number"),
        (b"1,nan\n", "not a finite number"),
        (b"inf,1\n", "row 1, column x: inf is not a finite number"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary"),
        (b"\xff\xfe1,2\n", "not UTF-8"),
        (b"1e12,0\n", r"\|x\| must be at most"),
    ],
)
def test_bad_files_are_refused_with_a_reason(raw, match):
    with pytest.raises(ValueError, match=match):
        parse_csv(raw)


def test_size_limits():
    with pytest.raises(ValueError, match="MB; at most"):
        parse_csv(b"0" * (MAX_BYTES + 1))
    with pytest.raises(ValueError, match=f"more than {MAX_ROWS:,} rows; at most {MAX_ROWS:,}"):
        parse_csv(b"1,0\n" * (MAX_ROWS + 1))


def test_the_row_limit_counts_data_rows_and_stops_at_once():
    # The header and blank lines are not data rows.
    x, y = csvdata._columns(b"x,y\n\n1,0\n\n2,1\n3,0\n\n", max_rows=3)
    np.testing.assert_array_equal(x, [1, 2, 3])
    np.testing.assert_array_equal(y, [0, 1, 0])
    # The fourth row is refused before the broken fifth is read.
    with pytest.raises(ValueError, match=r"more than 3 rows; at most 3 are allowed: upload"):
        csvdata._columns(b"1,0\n2,1\n3,0\n4,1\n5,abc\n", max_rows=3)


@pytest.mark.parametrize(
    "raw",
    [
        b"1," * (MAX_ROW_CHARS // 2 + 1),  # one long line
        b"1," * 2_000_000,  # longer than a decoded piece, without a line break
        "é,".encode() * 400_000,  # the same, cut between two bytes of a character
        # A quoted field may hold a line break, so a row of short lines can be long.
        b'"' + b'",1,1,1,1,1,1,1,1,1,1,"\n' * (MAX_ROW_CHARS // 20),
    ],
)
def test_a_row_over_the_length_limit_is_refused(raw):
    with pytest.raises(ValueError, match=f"row is longer than {MAX_ROW_CHARS:,} characters"):
        parse_csv(raw)


def test_undecodable_bytes_are_located_in_the_file():
    with pytest.raises(ValueError, match="byte 40 cannot"):
        parse_csv(b"1,0\n" * 10 + b"\xff\n")
    with pytest.raises(ValueError, match="byte 7 cannot"):
        parse_csv(b"\xef\xbb\xbf1,0\n\xff\n")  # the BOM counts
    with pytest.raises(ValueError, match="byte 1200000 cannot"):
        parse_csv(b"1,0\n" * 300_000 + b"\xff\n")  # in the second decoded piece


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(st.tuples(st.integers(0, 999), st.integers(0, 1)), min_size=1, max_size=40),
    ends=st.lists(st.sampled_from(["\n", "\r", "\r\n"]), min_size=1),
    piece=st.integers(7, 16),
)
def test_pieces_cut_anywhere_between_lines_parse_the_same(rows, ends, piece):
    # Decoded a few bytes at a time (each piece still holds a whole line of at most
    # 7 bytes), no line, "\r\n" or UTF-8 character may be split.
    lines = ["é,ü", *(f"{x},{y}" for x, y in rows)]
    raw = "".join(line + ends[i % len(ends)] for i, line in enumerate(lines)).encode()
    with mock.patch.object(csvdata, "_PIECE_BYTES", piece):
        x, y = csvdata._columns(raw, MAX_ROWS)
    np.testing.assert_array_equal(x, [r[0] for r in rows])
    np.testing.assert_array_equal(y, [r[1] for r in rows])


def test_old_mac_line_ends_beyond_one_piece():
    ds = parse_csv(b"1,0\r" * 300_000)
    assert ds.n == 300_000


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
@example(b"\r\x01")  # a bare carriage return inside a field once escaped as csv.Error
def test_arbitrary_bytes_parse_or_raise_value_error(raw):
    try:
        ds = parse_csv(raw)
    except ValueError as exc:
        assert str(exc)
    else:
        assert np.isfinite(ds.x).all() and np.isfinite(ds.y).all()


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(-(10**6), 10**6), st.floats(-5, 5, allow_nan=False)),
        min_size=1,
        max_size=30,
    )
)
def test_round_trip(pairs):
    text = "x,y\n" + "\n".join(f"{x},{y!r}" for x, y in pairs)
    ds = parse_csv(text.encode())
    np.testing.assert_array_equal(ds.x, [p[0] for p in pairs])
    np.testing.assert_array_equal(ds.y, [p[1] for p in pairs])


@settings(max_examples=100, deadline=None)
@given(
    x=st.lists(st.floats(-MAX_ABS_X, MAX_ABS_X, allow_nan=False), min_size=1, max_size=40),
    y=st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=40, max_size=40),
    sep=st.sampled_from([",", ";", "\t", " "]),
    header=st.booleans(),
)
def test_any_finite_floats_round_trip(x, y, sep, header):
    y = y[: len(x)]
    text = f"x{sep}y\n" * header + "".join(f"{a!r}{sep}{b!r}\n" for a, b in zip(x, y, strict=True))
    ds = parse_csv(text.encode())
    np.testing.assert_array_equal(ds.x, x)
    np.testing.assert_array_equal(ds.y, y)


@pytest.mark.parametrize(
    ("name", "cleaned"),
    [
        ("data.csv", "data.csv"),
        ("evil\nimport os.csv", "evil import os.csv"),
        ("a\r\n\tb.csv", "a b.csv"),
        ("nul\x00byte.csv", "nulbyte.csv"),
        ("invoice\u202excs.exe", "invoicexcs.exe"),  # a bidi override reverses what follows
        ("zero\u200bwidth\ufeff.csv", "zerowidth.csv"),
        ("line\u2028sep\u2029par.csv", "line sep par.csv"),
        ("  spaced \x0b\x0c out  ", "spaced out"),
        ("", "upload"),
        ("\n\x00\u202e \t", "upload"),
        ("mesures été.csv", "mesures été.csv"),
    ],
)
def test_names_lose_control_characters(name, cleaned):
    assert clean_name(name) == cleaned


def test_long_names_are_cut_with_an_ellipsis():
    name = clean_name("x" * 10_000 + ".csv")
    assert name == "x" * (MAX_NAME_CHARS - 1) + "…"


def test_the_dataset_carries_the_cleaned_name():
    assert parse_csv(b"1,0\n", "my\nfile\u202e.csv").name == "my file.csv"


def test_a_name_that_is_not_text_is_refused():
    with pytest.raises(ValueError, match="name must be a string"):
        clean_name(b"data.csv")


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(exclude_categories=()), max_size=300))
def test_any_name_becomes_one_short_printable_line(text):
    name = clean_name(text)
    assert 1 <= len(name) <= MAX_NAME_CHARS
    assert not any(unicodedata.category(c) in {"Cc", "Cf", "Cs", "Zl", "Zp"} for c in name)
    assert name == name.strip() and "  " not in name
    assert all(c == " " or not c.isspace() for c in name)
    assert clean_name(name) == name
