"""Why-numbers against brute force: dense direct sums, finite differences, plain GD loops."""

import dataclasses

import numpy as np
import pytest
import torch
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from reference import direct_curvature, direct_grad, direct_loss

from landscape.data import Dataset, parity_data, range_data
from landscape.surface import count_minima, minima
from landscape.why import (
    basin,
    float32_max_x,
    float32_phase_error,
    max_stable_lr,
    nearest_global_minimum,
    quartic_halving_steps,
    quartic_max_gap,
    sample_gradients,
    sample_periods,
    why_numbers,
)

QUESTION = parity_data(1000, 1000, 0)
HALF_PI = np.pi / 2
LD = np.longdouble


@pytest.fixture(scope="module")
def at_start():
    return why_numbers(QUESTION, 1.5, 4e-4)


def dense_loss(x, y, grid):
    """mean_i (sin^2(w x_i) - y_i)^2 on a grid, float64, chunked."""
    out = np.empty(grid.size)
    rows = max(1, 2_000_000 // x.size)
    for s in range(0, grid.size, rows):
        r = np.sin(np.multiply.outer(grid[s : s + rows], x)) ** 2 - y
        out[s : s + rows] = np.mean(r * r, axis=1)
    return out


def grad64(x, y, w):
    """mean_i 2 (sin^2(w x_i) - y_i) sin(2 w x_i) x_i for each w, float64."""
    t = np.multiply.outer(np.atleast_1d(w), x)
    return np.mean(2 * (np.sin(t) ** 2 - y) * np.sin(2 * t) * x, axis=-1)


def vertices(grid, values, kind):
    """Parabolic vertices of the discrete local minima ("min") or maxima ("max")."""
    v = values if kind == "min" else -values
    i = np.flatnonzero((v[1:-1] < v[:-2]) & (v[1:-1] <= v[2:])) + 1
    h = grid[1] - grid[0]
    curv = v[i - 1] - 2 * v[i] + v[i + 1]
    return grid[i] + h * (v[i - 1] - v[i + 1]) / (2 * np.where(curv > 0, curv, np.inf))


def brute_between(data, w, g, step):
    """Local minima strictly between w and g, other than g, on a dense direct grid."""
    lo, hi = min(w, g) - 4 * step, max(w, g) + 4 * step
    grid = np.arange(lo, hi, step)
    found = vertices(grid, dense_loss(data.x, data.y, grid), "min")
    inside = (found > min(w, g)) & (found < max(w, g)) & (np.abs(found - g) > 4 * step)
    return int(np.count_nonzero(inside))


def brute_maxima_around(data, m, half, step):
    """The discrete-grid local maxima of L nearest m on each side."""
    grid = np.arange(m - half, m + half, step)
    peaks = vertices(grid, dense_loss(data.x, data.y, grid), "max")
    return peaks[peaks < m].max(), peaks[peaks > m].min()


# --- per-sample numbers -------------------------------------------------------------


def test_sample_periods_are_each_terms_smallest_period():
    data = Dataset(np.array([0.0, 1, 3, 7, 250, -40, 2.5]), np.array([0.0, 1, 1, 1, 0, 0, 0.3]))
    p = sample_periods(data)
    assert p[0] == np.inf
    term = lambda w, i: (np.sin(LD(w) * LD(data.x[i])) ** 2 - LD(data.y[i])) ** 2  # noqa: E731
    rng = np.random.default_rng(1)
    for i in range(1, data.n):
        ws = rng.uniform(-2, 2, 5)
        shifted = [float(term(w + p[i], i) - term(w, i)) for w in ws]
        half = [float(term(w + p[i] / 2, i) - term(w, i)) for w in ws]
        assert np.max(np.abs(shifted)) < 1e-12
        assert np.max(np.abs(half)) > 1e-3  # no shorter period: half of it is not one
    assert np.isclose(p[1:].min(), np.pi / 250)


def test_sample_gradients_are_each_terms_derivative_over_n():
    data = parity_data(40, 500, 2)
    w, h = 1.53, LD(1e-8)
    g = sample_gradients(data, w)
    xl, yl = data.x.astype(LD), data.y.astype(LD)
    term = lambda v: (np.sin(v * xl) ** 2 - yl) ** 2  # noqa: E731
    fd = (term(LD(w) + h) - term(LD(w) - h)) / (2 * h) / data.n
    np.testing.assert_allclose(g, fd.astype(float), rtol=1e-6, atol=1e-9)
    assert np.isclose(g.sum(), float(direct_grad(data.x, data.y, np.array([w]))[0]), rtol=1e-12)


def test_grad_ratio_compares_largest_to_small_x_samples(at_start):
    t = 1.5 * QUESTION.x
    g = 2 * (np.sin(t) ** 2 - QUESTION.y) * np.sin(2 * t) * QUESTION.x / QUESTION.n
    small = QUESTION.x <= 5
    assert small.any()
    assert np.isclose(at_start.grad_ratio, np.abs(g).max() / np.abs(g[small]).max(), rtol=1e-9)
    assert at_start.grad_ratio > 100  # the large inputs shout
    assert np.isclose(at_start.finest_period, np.pi / 999)


# --- the comb: target, basins, minima on the way --------------------------------------


def test_question_target_and_minima_on_the_way(at_start):
    assert abs(at_start.target - HALF_PI) < 1e-7
    assert at_start.target_loss < 1e-12
    step = at_start.finest_period / 200
    assert at_start.minima_between == brute_between(QUESTION, 1.5, HALF_PI, step)
    assert 20 <= at_start.minima_between <= 40  # "dozens" of wrong basins on the way


def test_question_basins_are_the_neighbouring_maxima(at_start):
    step = at_start.finest_period / 400
    lo, hi = brute_maxima_around(QUESTION, HALF_PI, 0.01, step)
    assert at_start.target_basin == pytest.approx((lo, hi), abs=1e-6)
    m = at_start.current_minimum
    grid = np.arange(1.49, 1.51, step)
    mins = vertices(grid, dense_loss(QUESTION.x, QUESTION.y, grid), "min")
    lo_c, hi_c = brute_maxima_around(QUESTION, m, 0.01, step)
    assert lo_c < 1.5 < hi_c
    # The only brute-force minimum between the brute-force maxima around w is m.
    assert mins[(mins > lo_c) & (mins < hi_c)] == pytest.approx([m], abs=1e-6)
    assert at_start.current_basin == pytest.approx((lo_c, hi_c), abs=1e-6)
    assert at_start.current_basin_width == pytest.approx(hi_c - lo_c, abs=2e-6)
    # The target basin is a few times the finest period wide, as the comb suggests.
    assert 0.5 < at_start.target_basin_width / at_start.finest_period < 3


def test_gradient_flow_from_inside_the_target_basin_reaches_it(at_start):
    a, b = at_start.target_basin
    starts = np.array([a + 1e-5, b - 1e-5, a - 1e-5, b + 1e-5])
    w = starts.copy()
    for _ in range(3000):  # explicit Euler steps, lr * max|L''| < 1, follow the flow
        w -= 2e-7 * grad64(QUESTION.x, QUESTION.y, w)
    assert np.all(np.abs(w[:2] - HALF_PI) < 2e-4)
    assert np.all(np.abs(w[2:] - HALF_PI) > (b - a) / 2)


def test_count_minima_matches_minima_and_notes():
    # NOTES section 1: 118 local minima in [1.4, 1.75] for the question's data.
    assert count_minima(QUESTION, 1.4, 1.75) == minima(QUESTION, 1.4, 1.75).size == 118


@st.composite
def parity_sets(draw):
    xs = draw(st.lists(st.integers(0, 60), min_size=1, max_size=25))
    x = np.array([1, *xs], dtype=float)  # x = 1 pins the global minima to pi/2 + k pi
    return Dataset(x, x % 2)


@settings(max_examples=25, deadline=None)
@given(data=parity_sets(), w=st.floats(0.05, 3.1))
# The basin's right edge once skipped a maximum that shared a scan cell with a minimum.
@example(data=Dataset(np.array([1.0, 9, 39, 50, 52]), np.array([1.0, 1, 1, 0, 0])), w=0.984375)
# A flat inflection at pi/6 (L' touches zero without crossing) once counted as a minimum.
@example(
    data=Dataset(
        np.array([1.0, 2, 4, 5, 8, 8, 14, 19, 25, 26, 28, 37, 46, 47, 50]),
        np.array([1.0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 1, 0, 1, 0]),
    ),
    w=0.5,
)
def test_property_minima_between_and_basin_by_brute_force(data, w):
    g_exact = HALF_PI + np.pi * np.round((w - HALF_PI) / np.pi)
    assume(abs(w - g_exact) < HALF_PI - 0.05)  # nearest solution unambiguous
    nums = why_numbers(data, w, 1e-3)
    assert abs(nums.target - g_exact) < 1e-5
    step = np.pi / data.max_abs_x / 400
    assume(np.abs(np.array(nums.current_basin) - w).min() > 4 * step)
    brute = brute_between(data, w, g_exact, step)
    # A near-inflection dip can hide from a grid; compare only where a grid 8x
    # finer agrees (hypothesis found one 2e-6 wide at max x = 46).
    assume(brute == brute_between(data, w, g_exact, step / 8))
    assert nums.minima_between == brute
    assert nums.minima_between_exact
    lo, hi = brute_maxima_around(data, g_exact, 0.75 * np.pi, step)
    assert nums.target_basin == pytest.approx((lo, hi), abs=1e-5)
    assert nums.target_basin[0] < nums.target < nums.target_basin[1]
    assert nums.current_basin[0] < w < nums.current_basin[1]


@settings(max_examples=20, deadline=None)
@given(w=st.floats(-3.0, 3.0))
def test_property_nearest_global_minimum_is_nearest_solution(w):
    data = parity_data(60, 200, 5)
    g, window = nearest_global_minimum(data, w)
    nearest = HALF_PI + np.pi * np.round((w - HALF_PI) / np.pi)
    assume(abs(abs(w - nearest) - HALF_PI) > 1e-6)  # not a tie between two solutions
    assert abs(g - nearest) < 1e-6
    assert window[0] <= g <= window[1]


def test_nearest_global_minimum_of_real_x_is_the_dense_argmin():
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 40, 30)
    data = Dataset(x, np.floor(x) % 2)
    g, (lo, hi) = nearest_global_minimum(data, 1.0)
    grid = np.linspace(lo, hi, 400_001)
    values = dense_loss(data.x, data.y, grid)
    assert abs(g - grid[np.argmin(values)]) < 1e-4
    assert float(direct_loss(data.x, data.y, np.array([g]))[0]) <= values.min() + 1e-12


def test_sign_of_x_changes_no_figure():
    # Each term depends on |x| only: mirrored inputs give the same comb and numbers.
    data = parity_data(60, 200, 5)
    mirrored = Dataset(-data.x, data.y)
    a, b = why_numbers(data, 1.4, 1e-3), why_numbers(mirrored, 1.4, 1e-3)
    for field in dataclasses.fields(a):
        if field.name != "x":
            np.testing.assert_array_equal(getattr(a, field.name), getattr(b, field.name))


# --- curvature and the largest stable learning rate -----------------------------------


def test_loss_grad_curvature_match_direct_sums(at_start):
    w = np.array([1.5])
    assert at_start.loss == pytest.approx(float(direct_loss(QUESTION.x, QUESTION.y, w)[0]))
    assert at_start.grad == pytest.approx(float(direct_grad(QUESTION.x, QUESTION.y, w)[0]))
    curv = float(direct_curvature(QUESTION.x, QUESTION.y, w)[0])
    assert at_start.curvature == pytest.approx(curv, rel=1e-9)
    assert curv < 0 and at_start.max_stable_lr == np.inf  # concave here: no finite bound
    assert at_start.step == pytest.approx(4e-4 * abs(at_start.grad))
    assert at_start.step_in_basins == pytest.approx(at_start.step / at_start.current_basin_width)
    assert at_start.step_in_basins > 1  # the question's first step leaps out of its basin


def _gd(data, w, lr, steps):
    path = [w]
    for _ in range(steps):
        w = w - lr * float(grad64(data.x, data.y, w)[0])
        path.append(w)
    return np.array(path, dtype=float)


def test_max_stable_lr_is_the_edge_of_stability(at_start):
    m = at_start.current_minimum  # a wrong basin's minimum, with L'' > 0
    nums = why_numbers(QUESTION, m, 4e-4)
    curv = float(direct_curvature(QUESTION.x, QUESTION.y, np.array([m]))[0])
    assert curv > 0 and nums.max_stable_lr == pytest.approx(2 / curv, rel=1e-8)
    stable = _gd(QUESTION, m + 1e-6, 0.9 * nums.max_stable_lr, 60)
    unstable = _gd(QUESTION, m + 1e-6, 1.1 * nums.max_stable_lr, 60)
    assert abs(stable[-1] - m) < 1e-9
    assert np.abs(unstable - m).max() > 1e-4
    assert max_stable_lr(-1.0) == np.inf and max_stable_lr(0.0) == np.inf


# --- the flat, quartic minimum --------------------------------------------------------


def test_quartic_coefficient_is_mean_x4_by_finite_differences(at_start):
    x, y = QUESTION.x.astype(LD), QUESTION.y.astype(LD)
    d = LD(3e-6)
    loss = lambda v: np.mean((np.sin(v * x) ** 2 - y) ** 2)  # noqa: E731
    half_pi = LD(np.pi) / 2 + LD(6.123233995736766e-17)  # pi/2 to long double accuracy
    ratio = float((loss(half_pi + d) - loss(half_pi)) / d**4)
    mean_x4 = float(np.mean(x**4))
    assert ratio == pytest.approx(mean_x4, rel=1e-3)  # the identity itself
    assert at_start.quartic_coef == pytest.approx(mean_x4, rel=1e-6)
    assert abs(at_start.target_curvature) < 1e-3  # L"(pi/2) = 0 up to rounding (scale 1e6)


@settings(max_examples=15, deadline=None)
@given(data=parity_sets())
def test_property_quartic_coefficient_is_mean_x4(data):
    nums = why_numbers(data, 1.4, 1e-3)
    assert nums.quartic_coef == pytest.approx(np.mean(data.x**4), rel=1e-6)


@pytest.mark.parametrize(
    ("c4", "d", "lr"), [(2e11, 3e-6, 1e-4), (163.0, 0.05, 0.01), (1.0, 1.0, 0.001)]
)
def test_quartic_halving_steps_bound_the_map(c4, d, lr):
    predicted = quartic_halving_steps(c4, d, lr)
    z, k = d, 0
    while abs(z) > d / 2:
        z -= 4 * lr * c4 * z**3
        k += 1
    assert predicted >= k - 1
    assert k >= 0.95 * predicted  # tight once many steps are needed
    assert quartic_halving_steps(c4, 0.0, lr) == 0.0


def test_quartic_max_gap_is_where_the_map_stops_shrinking():
    c4, lr = 2e11, 4e-4
    gap = quartic_max_gap(c4, lr)
    step = lambda z: z - 4 * lr * c4 * z**3  # noqa: E731
    assert abs(step(0.99 * gap)) < 0.99 * gap
    assert abs(step(1.01 * gap)) > 1.01 * gap
    assert quartic_halving_steps(c4, 1.01 * gap, lr) == np.inf
    assert quartic_max_gap(-1.0, lr) == np.inf


def test_halving_steps_predict_real_gradient_descent_near_pi_half():
    d0, lr = 3e-6, 1e-4
    nums = why_numbers(QUESTION, HALF_PI + d0, lr)
    path = _gd(QUESTION, HALF_PI + d0, lr, int(1.2 * nums.halving_steps))
    k = int(np.argmax(np.abs(path - HALF_PI) <= d0 / 2))
    assert k > 0
    assert k == pytest.approx(nums.halving_steps, rel=0.05)


# --- float32 -----------------------------------------------------------------------


def test_float32_spacing_and_phase_error_bound_float32_products(at_start):
    g32 = np.float32(at_start.target)
    assert at_start.float32_spacing == float(np.nextafter(g32, np.float32(2)) - g32)
    for top in (999, 10**6):
        x = np.random.default_rng(0).integers(top // 2, top + 1, 100_000)
        exact = float(g32) * x.astype(np.float64)  # exact: 24 + 20 bits < 53
        err = np.abs((g32 * x.astype(np.float32)).astype(np.float64) - exact)
        bound = float32_phase_error(at_start.target, top)
        assert err.max() <= bound * (1 + 1e-6)
        assert err.max() >= bound / 4  # and it is nearly attained
    assert at_start.float32_phase_error == pytest.approx(float32_phase_error(HALF_PI, 999))


def test_float32_max_x_is_where_the_shift_reaches_the_fraction():
    top = float32_max_x(HALF_PI, 0.1)
    assert 9e5 < top < 1.2e6
    g32 = np.float32(HALF_PI)
    x = np.arange(int(top) - 200_000, int(top) + 1)
    shift = (
        np.abs((g32 * x.astype(np.float32)).astype(np.float64) - float(g32) * x.astype(np.float64))
        / x
    )  # each term's displacement in w
    assert shift.max() * top <= 0.1 * (1 + 1e-6)
    assert shift.max() * top > 0.05


def test_float32_loss_at_target_matches_a_float32_forward_pass(at_start):
    def f32_loss(data, w):
        x = torch.tensor(data.x, dtype=torch.float32)
        y = torch.tensor(data.y, dtype=torch.float32)
        return float(((torch.sin(torch.tensor(w, dtype=torch.float32) * x) ** 2 - y) ** 2).mean())

    assert at_start.float32_loss_at_target == pytest.approx(
        f32_loss(QUESTION, HALF_PI), rel=1e-3, abs=1e-15
    )
    assert at_start.float32_loss_at_target < 1e-12
    big = parity_data(200, 10**6, 1)
    nums = why_numbers(big, 1.5707, 1e-12, half_window=0.001)
    assert abs(nums.target - HALF_PI) < 1e-7
    assert nums.float32_loss_at_target == pytest.approx(f32_loss(big, nums.target), rel=1e-3)
    assert nums.float32_loss_at_target > 1e-7  # float32 cannot sit at the solution
    assert nums.float32_phase_error > 0.05  # radians: a visible fraction of a period


# --- bad input ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"w": np.inf}, "w"),
        ({"w": "1.5"}, "w"),
        ({"w": True}, "w"),
        ({"w": 2e3}, "w"),
        ({"lr": 0.0}, "lr"),
        ({"lr": np.nan}, "lr"),
        ({"lr": -1e-3}, "lr"),
        ({"small_x": 0}, "small_x"),
        ({"half_window": -1.0}, "half_window"),
        ({"float32_fraction": 0.0}, "float32_fraction"),
        ({"data": np.arange(5)}, "data"),
        ({"data": Dataset(np.zeros(3), np.ones(3))}, "data"),
    ],
)
def test_bad_input_names_the_argument(kwargs, name):
    args = {"data": range_data(0, 6), "w": 1.5, "lr": 1e-3, **kwargs}
    with pytest.raises(ValueError, match=name):
        why_numbers(**args)


def test_bad_input_in_helpers():
    with pytest.raises(ValueError, match="reach"):
        basin(QUESTION, 1.5, reach=0.0)
    with pytest.raises(ValueError, match="lo"):
        count_minima(QUESTION, 1.6, 1.5)
    with pytest.raises(ValueError, match="lr"):
        quartic_max_gap(1.0, 0.0)
    with pytest.raises(ValueError, match="fraction"):
        float32_max_x(HALF_PI, -1.0)
