"""Uploaded CSV: every way it can be wrong gets a message that says where."""

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from landscape.csvdata import MAX_BYTES, MAX_ROWS, parse_csv


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
    with pytest.raises(ValueError, match="rows; at most"):
        parse_csv(b"1,0\n" * (MAX_ROWS + 2))


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
