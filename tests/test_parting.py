"""Where the maps' float64 path and the float32 replay part, against independent loops.

The float64 reference is plain gradient descent written here with the direct
float64 gradient sum; the float32 path is the replay (``landscape.train``,
itself bit-exact against the question's loop in test_train.py).
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from landscape.data import parity_data, range_data
from landscape.maps import basin_map
from landscape.parting import float64_path, part_tolerance, parting_step
from landscape.train import train

QUESTION = parity_data(1000, 1000, 0)


def plain_float64_sgd(x, y, w0, lr, steps):
    """w <- w - lr * mean_i 2 (sin^2(w x_i) - y_i) sin(2 w x_i) x_i, in float64."""
    w, out = float(w0), [float(w0)]
    for _ in range(steps):
        t = w * x
        w -= lr * float(np.mean(2 * (np.sin(t) ** 2 - y) * np.sin(2 * t) * x))
        out.append(w)
    return np.array(out)


def test_float64_path_is_plain_float64_gradient_descent():
    data = range_data(0, 6)
    path = float64_path(data, 1.2, 200, lr=0.05)
    ref = plain_float64_sgd(data.x, data.y, 1.2, 0.05, 200)
    assert path.shape == (201,)
    np.testing.assert_allclose(path, ref, rtol=0, atol=1e-9)


def test_the_question_map_start_parts_where_an_independent_loop_does():
    # Issue 10 item 7: a start the basin map colours from its float64 run; the
    # float32 replay of the same start parts from it within a few steps.
    w0, steps = 1.5265, 100
    tol = math.pi / (8 * 999)
    assert part_tolerance(QUESTION) == pytest.approx(tol, rel=1e-15)
    ref = plain_float64_sgd(QUESTION.x, QUESTION.y, w0, 4e-4, steps)
    replay = train(QUESTION, w0, lr=4e-4, epochs=steps).w
    expected = int(np.flatnonzero(np.abs(ref - replay) > tol)[0])
    path = float64_path(QUESTION, w0, steps)
    # The map's engine (gradients from an interpolation table, ~1e-10 off)
    # follows the independent float64 loop far more closely than the replay
    # does, past the parting step; chaos then parts those two as well.
    np.testing.assert_allclose(path[: expected + 3], ref[: expected + 3], rtol=0, atol=1e-6)
    assert parting_step(path, replay, tol) == expected
    assert 0 < expected < 20


def test_the_tolerance_is_the_basin_maps_own():
    bm = basin_map(QUESTION, 1.5, 1.6, 3, steps=1)
    assert part_tolerance(QUESTION) == bm.atol


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(-10, 10), min_size=1, max_size=30),
    st.lists(st.floats(-1, 1), min_size=1, max_size=30),
    st.floats(1e-6, 1.0),
)
def test_parting_step_is_the_first_step_beyond_the_tolerance(a, noise, tol):
    a = np.array(a)
    b = a[: len(noise)] + np.array(noise[: a.size])
    k = parting_step(a, b, tol)
    gaps = np.abs(a[: b.size] - b)
    if k is None:
        assert np.all(gaps <= tol)
    else:
        assert gaps[k] > tol and np.all(gaps[:k] <= tol)


def test_nan_counts_as_parted_and_bad_tolerances_are_refused():
    assert parting_step([1.0, 1.0, 1.0], [1.0, np.nan, 1.0], 0.1) == 1
    assert parting_step([1.0, 2.0], [1.0, 2.0, 3.0], 0.1) is None
    for tol in (0.0, -1.0, math.inf, math.nan):
        with pytest.raises(ValueError, match="tol"):
            parting_step([1.0], [1.0], tol)
    with pytest.raises(ValueError, match="steps"):
        float64_path(QUESTION, 1.5, -1)
