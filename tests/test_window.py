"""The numbers behind every landscape figure: dense grids, envelopes, lowest minima.

Checked against the long-double direct sums of ``reference.py`` and against
brute-force computations written here.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference import direct_loss

from landscape.data import Dataset, parity_data, range_data, real_data, with_label_noise
from landscape.surface import scan_step
from landscape.window import (
    COLUMNS,
    dense_grid,
    envelope,
    landscape_line,
    target_labels,
    targets,
)

QUESTION = parity_data(1000, 1000, 0)
HALF_PI = np.pi / 2


def values(arr):
    return np.asarray(arr, dtype=np.float64)


@settings(max_examples=50, deadline=None)
@given(
    st.integers(1, 3000),
    st.integers(1, 60),
    st.integers(0, 2**31),
)
def test_envelope_keeps_each_columns_extremes_in_order(size, columns, seed):
    rng = np.random.default_rng(seed)
    w = np.sort(rng.uniform(0.0, 1.0, size))
    y = rng.normal(size=size).round(1)  # ties on purpose
    ew, ey = envelope(w, y, 0.0, 1.0, columns)
    # A subsequence of the input, in order.
    index = np.searchsorted(w, ew)
    assert np.all(np.diff(index) > 0) and np.array_equal(w[index], ew)
    assert np.array_equal(y[index], ey)
    assert ew.size <= max(2 * columns, size)
    if size > 2 * columns:
        for c in range(columns):
            inside = (
                (w >= c / columns) & (w < (c + 1) / columns)
                if c < columns - 1
                else w >= c / columns
            )
            if inside.any():
                kept = ey[(ew >= w[inside][0]) & (ew <= w[inside][-1])]
                assert kept.min() == y[inside].min() and kept.max() == y[inside].max()


def test_envelope_rejects_bad_input():
    with pytest.raises(ValueError, match="equal length"):
        envelope(np.arange(3.0), np.arange(4.0), 0, 1)
    with pytest.raises(ValueError, match="lo < hi"):
        envelope(np.arange(3.0), np.arange(3.0), 1, 1)
    with pytest.raises(ValueError, match="columns"):
        envelope(np.arange(3.0), np.arange(3.0), 0, 1, 0)


# --- the landscape line -------------------------------------------------------------


def test_dense_grid_resolves_every_basin():
    grid = dense_grid(QUESTION, 1.4, 1.75)
    assert grid[0] == 1.4 and grid[-1] == 1.75
    assert np.diff(grid).max() <= scan_step(QUESTION) * (1 + 1e-9)
    with pytest.raises(ValueError, match="narrow"):
        dense_grid(parity_data(10, 1_000_000, 0), 0.0, 500.0)


def test_landscape_line_lies_on_the_exact_loss_and_touches_zero():
    w, loss = landscape_line(QUESTION, 1.4, 1.75, extra=[HALF_PI])
    assert w.size <= 2 * COLUMNS
    pick = np.linspace(0, w.size - 1, 40).astype(int)
    ref = direct_loss(QUESTION.x, QUESTION.y, w[pick]).astype(np.float64)
    np.testing.assert_allclose(loss[pick], ref, atol=1e-11)
    assert HALF_PI in w and abs(loss[w == HALF_PI][0]) < 1e-11


def test_every_local_minimum_survives_the_envelope():
    # Brute force, independent of the code: every local minimum of a fine grid
    # must be drawn, within a pixel column, as deep as it is (to the grids'
    # discretisation, ~L'' h^2 / 2 < 1e-6 here).
    lo, hi, columns = 1.50, 1.53, 100
    fine = np.linspace(lo, hi, 6001)
    ref = direct_loss(QUESTION.x, QUESTION.y, fine).astype(np.float64)
    w, loss = landscape_line(QUESTION, lo, hi, columns=columns)
    pixel = (hi - lo) / columns
    dips = np.flatnonzero((ref[1:-1] < ref[:-2]) & (ref[1:-1] < ref[2:])) + 1
    assert dips.size >= 5
    for i in dips:
        near = np.abs(w - fine[i]) <= pixel
        assert loss[near].min() <= ref[i] + 1e-6


def test_float32_line_is_the_float32_forward_pass():
    data = range_data(0, 50)
    w, loss = landscape_line(data, 1.0, 2.0, precision="float32", columns=50)
    x = data.x.astype(np.float32)
    y = data.y.astype(np.float32)
    ref = [np.mean((np.sin(np.float32(v) * x) ** 2 - y) ** 2, dtype=np.float64) for v in w]
    np.testing.assert_allclose(loss, ref, rtol=1e-5, atol=1e-6)


def test_targets_are_global_only_at_zero_loss():
    found, is_global = targets(QUESTION, 1.4, 1.75)
    assert is_global and found.size == 1 and abs(found[0] - HALF_PI) < 1e-7
    noisy = with_label_noise(QUESTION, 0.1, 0)
    found, is_global = targets(noisy, 1.4, 1.75)
    assert not is_global and found.size == 1
    found, is_global = targets(QUESTION, 1.4, 1.5)
    assert not is_global  # pi/2 is outside: only the lowest in the window


def test_parity_targets_are_exact_odd_multiples_of_half_pi():
    # Whole x labelled |x| mod 2 (negative x too): every residual vanishes at pi/2 + k pi.
    for data in (QUESTION, range_data(-5, 4)):
        found, is_global = targets(data, -5.0, 5.0)
        truth = np.pi / 2 + np.pi * np.arange(-2, 2)  # -3pi/2 .. 3pi/2 inside [-5, 5]
        assert is_global
        assert np.array_equal(found, truth)  # the float64 values, not located ones
        assert np.all(direct_loss(data.x, data.y, found) < 1e-20)
        assert list(map(str, target_labels(data, found))) == [
            "−3π/2 = -4.7123889804",
            "−π/2 = -1.5707963268",
            "π/2 = 1.5707963268",
            "3π/2 = 4.7123889804",
        ]


def test_other_targets_are_printed_to_the_digits_their_bound_supports():
    noisy = with_label_noise(QUESTION, 0.1, 0)
    found, _ = targets(noisy, 1.4, 1.75)
    # Not a parity set, but whole x: L'(pi/2) = 0 (every sin(pi x) is 0) and the floor
    # there is proved quadratic, so the located minimum is pi/2.
    assert list(map(str, target_labels(noisy, found))) == ["π/2 = 1.5707963268"]
    data = real_data(50, 30.0, 0)
    found, _ = targets(data, 0.0, 3.0)
    label = str(*target_labels(data, found))
    value, bound = label.split(" (± ")
    # Each printed digit is backed: the bound holds the located value to its last digit.
    assert len(value.split(".")[1]) == int(np.floor(-np.log10(float(bound[:-1]))))
    # Not a parity set, so never a closed form.
    assert "π" not in label and not Dataset(data.x, data.y).is_integer
