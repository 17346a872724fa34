"""Loss curves, derivatives and minima against direct long-double sums."""

from types import SimpleNamespace

import numpy as np
import pytest
import torch
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from reference import direct_curvature, direct_grad, direct_loss

from landscape import (
    Dataset,
    curvature_curve,
    global_minima,
    grad_curve,
    loss_curve,
    maxima,
    minima,
    parity_data,
    range_data,
    spectrum,
    surface,
)
from landscape.spectrum import MAX_ABS_W, MAX_POINTS
from landscape.surface import (
    SCAN_DENSITY,
    as_spectrum,
    count_minima,
    newton_path,
    scan_step,
    search_grid,
    search_step,
)

QUESTION = parity_data(1000, 1000, 0)
HALF_PI = np.pi / 2


@st.composite
def datasets(draw, max_x=10**6):
    n = draw(st.integers(1, 40))
    integer = draw(st.booleans())
    if integer:
        xs = draw(st.lists(st.integers(-max_x, max_x), min_size=n, max_size=n))
    else:
        xs = draw(st.lists(st.floats(-max_x, max_x, allow_nan=False), min_size=n, max_size=n))
    ys = draw(st.lists(st.floats(-2, 2, allow_nan=False), min_size=n, max_size=n))
    return Dataset(np.array(xs, dtype=float), np.array(ys))


@st.composite
def windows(draw, max_x):
    centre = draw(st.floats(-10, 10))
    # Real x: keep the window narrow enough for the transform's bandwidth bound.
    width = draw(st.floats(1e-6, min(3.0, 1e6 / max(max_x, 1.0))))
    count = draw(st.integers(1, 300))
    return np.linspace(centre - width / 2, centre + width / 2, count)


def phase_budget(ds, w):
    """Float64 rounding of the phases, which a direct float64 sum suffers too.

    Each phase omega w (omega = 2|x|, 4|x|) is rounded by up to 2^-53 of itself;
    for whole-number x the code measures w from the multiple of pi/2 nearest
    the window, so only that offset is rounded.
    """
    if ds.is_integer:
        centre = np.round(np.median(2 * w) / np.pi) * np.pi / 2
        reach = np.abs(w - centre).max() + 1e-300
    else:
        reach = np.abs(w).max()
    weight = np.mean(2 * np.abs(ds.x) * np.abs(ds.y - 0.5) + np.abs(ds.x) / 2)
    return 2.0**-52 * reach * weight


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_loss_matches_direct_sum(data):
    ds = data.draw(datasets())
    w = data.draw(windows(ds.max_abs_x))
    expected = direct_loss(ds.x, ds.y, w)
    atol = 1e-10 + phase_budget(ds, w)
    np.testing.assert_allclose(loss_curve(ds, w), expected.astype(float), rtol=0, atol=atol)


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_derivatives_match_direct_sums(data):
    ds = data.draw(datasets())
    w = data.draw(windows(ds.max_abs_x))
    scale = 4 * max(ds.max_abs_x, 1.0)
    atol = 1e-10 + phase_budget(ds, w)
    np.testing.assert_allclose(
        grad_curve(ds, w), direct_grad(ds.x, ds.y, w).astype(float), rtol=0, atol=atol * scale
    )
    np.testing.assert_allclose(
        curvature_curve(ds, w),
        direct_curvature(ds.x, ds.y, w).astype(float),
        rtol=0,
        atol=atol * scale**2,
    )


def test_question_data_many_points_uses_transform_and_stays_exact():
    w = np.linspace(1.4, 1.75, 4001)
    got = loss_curve(QUESTION, w)
    np.testing.assert_allclose(
        got, direct_loss(QUESTION.x, QUESTION.y, w).astype(float), atol=1e-12
    )


@pytest.mark.parametrize("integer", [True, False])
def test_large_x_transform_route_within_1e_10(integer):
    rng = np.random.default_rng(7)
    x = rng.integers(0, 10**6, 1000).astype(float) if integer else rng.uniform(-1e6, 1e6, 1000)
    ds = Dataset(x, rng.normal(0.5, 0.5, 1000))
    w = np.linspace(1.5707, 1.5709, 600)
    np.testing.assert_allclose(
        loss_curve(ds, w), direct_loss(ds.x, ds.y, w).astype(float), atol=1e-10
    )
    np.testing.assert_allclose(
        grad_curve(ds, w), direct_grad(ds.x, ds.y, w).astype(float), atol=1e-10 * 1e6
    )


def test_gradient_and_curvature_match_finite_differences():
    w = np.linspace(1.45, 1.65, 50)
    h = 1e-7
    loss = lambda v: direct_loss(QUESTION.x, QUESTION.y, v)  # noqa: E731
    fd_grad = (loss(w + h) - loss(w - h)) / (2 * h)
    fd_curv = (loss(w + h) - 2 * loss(w) + loss(w - h)) / h**2
    g = grad_curve(QUESTION, w)
    c = curvature_curve(QUESTION, w)
    # Truncation error h^2 L'''/6 ~ 1e-14 * 4000^3; rounding eps_ld / h^2 for the curvature.
    np.testing.assert_allclose(g, fd_grad.astype(float), rtol=1e-6, atol=1e-3)
    np.testing.assert_allclose(c, fd_curv.astype(float), rtol=1e-4, atol=5.0)


def test_float32_view_is_torchs_forward_pass():
    w = np.linspace(1.4, 1.75, 257)
    x = torch.tensor(QUESTION.x, dtype=torch.float32)
    y = torch.tensor(QUESTION.y, dtype=torch.float32)
    expected = [
        torch.nn.functional.mse_loss(
            torch.sin(x * torch.tensor(v, dtype=torch.float32)) ** 2, y
        ).item()
        for v in w
    ]
    np.testing.assert_allclose(loss_curve(QUESTION, w, precision="float32"), expected, rtol=1e-5)


def test_float32_view_differs_from_exact_where_phases_are_large():
    ds = Dataset(np.arange(10**6 - 1000, 10**6, dtype=float), np.arange(10**6 - 1000, 10**6) % 2.0)
    exact = loss_curve(ds, np.array([HALF_PI]))
    f32 = loss_curve(ds, np.array([HALF_PI]), precision="float32")
    assert exact[0] < 1e-9
    # float32(pi/2) is 4e-8 off and w x is rounded by up to 0.06 rad at 1.6e6:
    # residuals ~ (x d)^2 that no float32 weight can remove.
    assert f32[0] > 1e-6


def test_known_truths_on_parity_data():
    ks = np.arange(-3, 4)
    assert np.abs(loss_curve(QUESTION, HALF_PI + ks * np.pi)).max() < 1e-12
    w = np.linspace(0.1, 3.0, 997)
    np.testing.assert_allclose(loss_curve(QUESTION, -w), loss_curve(QUESTION, w), atol=1e-13)
    np.testing.assert_allclose(loss_curve(QUESTION, w + np.pi), loss_curve(QUESTION, w), atol=1e-12)
    assert np.abs(grad_curve(QUESTION, HALF_PI)) < 1e-9
    assert np.abs(curvature_curve(QUESTION, HALF_PI)) < 1e-5


def test_quartic_minimum_at_half_pi():
    c4 = np.mean(QUESTION.x**4)
    for d in (1e-6, 3e-6, 1e-5):
        ratio = loss_curve(QUESTION, HALF_PI + d) / d**4
        assert ratio == pytest.approx(c4, rel=0.05)


def test_minima_count_matches_brute_force_scan():
    lo, hi = 1.55, 1.60
    fine = np.linspace(lo, hi, int((hi - lo) / (scan_step(QUESTION) / 64)))
    values = direct_loss(QUESTION.x, QUESTION.y, fine)
    brute = np.flatnonzero((values[1:-1] < values[:-2]) & (values[1:-1] < values[2:])) + 1
    found = minima(QUESTION, lo, hi)
    assert found.size == brute.size
    np.testing.assert_allclose(found, fine[brute], atol=2 * (fine[1] - fine[0]))


def test_question_window_holds_118_minima_and_one_global():
    assert minima(QUESTION, 1.4, 1.75).size == 118
    best = global_minima(QUESTION, 1.4, 1.75)
    assert best.size == 1 and abs(best[0] - HALF_PI) < 1e-7


def test_minima_are_newton_converged_where_curvature_is_positive():
    found = minima(QUESTION, 1.45, 1.55)
    g = direct_grad(QUESTION.x, QUESTION.y, found)
    c = direct_curvature(QUESTION.x, QUESTION.y, found)
    assert (c > 0).all()
    assert (np.abs(g / c) < 1e-12).all()


def test_degenerate_minimum_bound():
    # L' ~ 4 mean(x^4) d^3 sinks into rounding noise e ~ 1e-11: |d| ~ (e / 4c)^(1/3) ~ 2e-8.
    found = minima(QUESTION, 1.5, 1.6)
    nearest = found[np.argmin(np.abs(found - HALF_PI))]
    assert abs(nearest - HALF_PI) < 1e-7


@settings(max_examples=25, deadline=None)
@given(stop=st.integers(2, 60), lo=st.floats(-3, 3), width=st.floats(0.05, 2))
@example(stop=41, lo=0.0, width=1.0)  # a 7e-10 deep dip beside an inflection, inside one scan cell
def test_minima_of_ranges_match_brute_force(stop, lo, width):
    ds = range_data(0, stop)
    hi = lo + width
    found = minima(ds, lo, hi)
    fine = np.linspace(lo, hi, 20001)
    values = direct_loss(ds.x, ds.y, fine).astype(float)
    brute = np.flatnonzero((values[1:-1] < values[:-2]) & (values[1:-1] <= values[2:])) + 1
    # Flat stretches (values equal to rounding) are not minima either side counts.
    strict = [
        i for i in brute if values[i - 1] - values[i] > 1e-15 and values[i + 1] - values[i] > 1e-15
    ]
    assert found.size >= len(strict)
    for i in strict:
        assert np.min(np.abs(found - fine[i])) < 2 * (fine[1] - fine[0])


def test_spectrum_is_reusable_across_windows():
    spec = spectrum(QUESTION)
    w = np.linspace(0.0, 1.0, 100)
    np.testing.assert_array_equal(loss_curve(spec, w), loss_curve(QUESTION, w))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"x": [], "y": []}, "x must hold at least one sample"),
        ({"x": [1.0, np.nan], "y": [0.0, 1.0]}, r"x must be finite; x\[1\]"),
        ({"x": [1.0, 2.0], "y": [0.0, np.inf]}, "y must be finite"),
        ({"x": [1.0, 2.0], "y": [0.0]}, "same length"),
        ({"x": [[1.0]], "y": [0.0]}, "x must be 1-D"),
        ({"x": ["a"], "y": [0.0]}, "x must be an array of real numbers"),
        ({"x": [1e12], "y": [0.0]}, r"\|x\| must be at most"),
    ],
)
def test_bad_datasets_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Dataset(**kwargs)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: loss_curve(QUESTION, [np.nan]), "w must be finite"),
        (lambda: loss_curve(QUESTION, [2 * MAX_ABS_W]), r"\|w\| must be at most"),
        (lambda: loss_curve(QUESTION, np.zeros(MAX_POINTS + 1)), "at most"),
        (lambda: loss_curve(QUESTION, [1.0], precision="float16"), "precision"),
        (lambda: minima(QUESTION, 2.0, 1.0), "lo must be less than hi"),
        (lambda: minima(QUESTION, np.nan, 1.0), "lo must be a finite number"),
        (lambda: minima(QUESTION, 1.0, np.inf), "hi must be a finite number"),
        (lambda: minima(parity_data(10, 10**6), 0.0, 100.0), "narrow it"),
        (lambda: spectrum("data"), "data must be a Dataset"),
    ],
)
def test_bad_arguments_are_refused(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_data_constructors_reproduce_the_questions_draw():
    np.random.seed(3)
    x = np.random.randint(0, 1000, 1000)
    ds = parity_data(1000, 1000, 3)
    np.testing.assert_array_equal(ds.x, x.astype(float))
    np.testing.assert_array_equal(ds.y, (x % 2).astype(float))
    six = range_data(0, 6)
    np.testing.assert_array_equal(six.x, [0, 1, 2, 3, 4, 5])
    np.testing.assert_array_equal(six.y, [0, 1, 0, 1, 0, 1])
    assert not ds.x.flags.writeable


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: parity_data(0), "n must be in"),
        (lambda: parity_data(10, high=0), "high must be in"),
        (lambda: parity_data(10, seed=-1), "seed must be in"),
        (lambda: parity_data(10.5), "n must be an integer"),
        (lambda: range_data(5, 5), "stop must be in"),
    ],
)
def test_bad_constructor_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@settings(max_examples=25, deadline=None)
@given(stop=st.integers(2, 60), lo=st.floats(-3, 3), width=st.floats(0.05, 2))
@example(stop=41, lo=0.0, width=1.0)
def test_maxima_match_brute_force_and_alternate_with_minima(stop, lo, width):
    ds = range_data(0, stop)
    hi = lo + width
    tops, bottoms = maxima(ds, lo, hi), minima(ds, lo, hi)
    fine = np.linspace(lo, hi, 20001)
    values = direct_loss(ds.x, ds.y, fine).astype(float)
    peaks = [
        i
        for i in range(1, fine.size - 1)
        if values[i] - values[i - 1] > 1e-15 and values[i] - values[i + 1] > 1e-15
    ]
    assert tops.size >= len(peaks)
    for i in peaks:
        assert np.min(np.abs(tops - fine[i])) < 2 * (fine[1] - fine[0])
    # Between two maxima lies exactly one minimum, and vice versa.
    both = np.concatenate([tops, bottoms])
    kinds = np.concatenate([np.ones(tops.size), np.zeros(bottoms.size)])[np.argsort(both)]
    assert np.all(np.diff(kinds) != 0)


# --- the one scan and the one Newton iteration ------------------------------------


def shortest_period(ds):
    """2 pi / (4 max|x|): the period of the fastest term of L."""
    return 2 * np.pi / (4 * ds.max_abs_x)


def test_scan_and_search_steps_divide_the_shortest_period():
    period = shortest_period(QUESTION)
    assert scan_step(QUESTION) == pytest.approx(period / SCAN_DENSITY, rel=1e-15)
    assert search_step(QUESTION) == pytest.approx(period / 4, rel=1e-15)
    lo, hi = 1.4, 1.75
    grid = search_grid(QUESTION, lo, hi)
    assert grid[0] == lo and grid[-1] == hi
    assert np.diff(grid).max() <= period / 4 * (1 + 1e-9)
    # Every basin (between neighbouring maxima of a dense direct scan) holds grid points.
    fine = np.linspace(lo, hi, 40001)
    values = direct_loss(QUESTION.x, QUESTION.y, fine)
    peaks = fine[np.flatnonzero((values[1:-1] > values[:-2]) & (values[1:-1] > values[2:])) + 1]
    held = np.histogram(grid, bins=peaks)[0]
    assert peaks.size > 100 and held.min() >= 1
    with pytest.raises(ValueError, match="narrow it"):
        search_grid(parity_data(10, 10**6), 0.0, 100.0)


def test_count_minima_in_pieces_matches_a_direct_scan(monkeypatch):
    # The upward sign changes of L' (long-double direct sums) on the scan grid,
    # np.linspace(lo, hi, n) with spacing at most period / SCAN_DENSITY.
    lo, hi = 1.4, 1.75
    n = int(np.ceil((hi - lo) / (shortest_period(QUESTION) / SCAN_DENSITY))) + 1
    g = direct_grad(QUESTION.x, QUESTION.y, np.linspace(lo, hi, n))
    expected = int(np.count_nonzero((g[:-1] < 0) & (g[1:] >= 0)))
    assert count_minima(QUESTION, lo, hi) == expected == 118
    monkeypatch.setattr(surface, "MAX_POINTS", 1000)  # now the scan runs in 4 pieces
    assert count_minima(QUESTION, lo, hi) == expected


@st.composite
def small_integer_data(draw):
    """Up to 25 samples with |x| <= 60 (either sign) and labels in [0, 1]."""
    n = draw(st.integers(1, 25))
    xs = draw(st.lists(st.integers(-60, 60), min_size=n, max_size=n))
    ys = draw(st.lists(st.floats(0, 1), min_size=n, max_size=n))
    assume(any(xs))
    return Dataset(np.array(xs, dtype=float), np.array(ys))


def direct_root(ds, a, b):
    """The root of L' in [a, b] (L'(a) < 0 < L'(b)) by long-double bisection on direct sums."""
    lo, hi = np.longdouble(a), np.longdouble(b)
    for _ in range(80):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if direct_grad(ds.x, ds.y, np.array([mid]))[0] < 0 else (lo, mid)
    return float((lo + hi) / 2)


@settings(max_examples=30, deadline=None)
@given(ds=small_integer_data(), centre=st.floats(-3, 3))
def test_newton_path_stays_in_its_bracket_and_ends_on_the_direct_root(ds, centre):
    # Bracket: the first upward crossing of L' on a dense direct-sum grid.
    grid = centre + shortest_period(ds) / 64 * np.arange(512)
    g = direct_grad(ds.x, ds.y, grid)
    up = np.flatnonzero((g[:-1] < 0) & (g[1:] > 0))
    assume(up.size > 0)
    a, b = grid[up[0]], grid[up[0] + 1]
    path = newton_path(ds, a, b, a)
    assert path[0] == a and np.all((path >= a) & (path <= b))
    root = direct_root(ds, a, b)
    curvature = float(direct_curvature(ds.x, ds.y, np.array([root]))[0])
    # Newton stops where L' is rounding noise, promised below 1e-10 max|x|:
    # the root is then off by that noise over L''.
    tol = 1e-10 * ds.max_abs_x / max(curvature, 1e-300) + 4 * np.spacing(abs(root))
    assert abs(path[-1] - root) <= tol


def test_newton_path_refuses_a_start_outside_its_bracket():
    with pytest.raises(ValueError, match="start"):
        newton_path(QUESTION, 1.5, 1.6, 1.7)
    with pytest.raises(ValueError, match="lo must be less than hi"):
        newton_path(QUESTION, 1.6, 1.5, 1.55)


@settings(max_examples=25, deadline=None)
@given(ds=small_integer_data(), lo=st.floats(-3, 3), width=st.floats(0.2, 2), real=st.booleans())
@example(ds=Dataset(np.array([49.0]), np.array([0.001953125])), lo=0.0, width=0.75, real=False)
def test_global_minima_reach_the_dense_minimum(ds, lo, width, real):
    if real:  # shift x off the integers: no period, no symmetry
        ds = Dataset(ds.x * 1.0137, ds.y)
    hi = lo + width
    grid = np.linspace(lo, hi, 20001)
    values = direct_loss(ds.x, ds.y, grid).astype(float)
    assume(0 < np.argmin(values) < grid.size - 1)  # L is lowest inside, at a local minimum
    found = global_minima(ds, lo, hi)
    assert found.size > 0
    loss = direct_loss(ds.x, ds.y, found).astype(float)
    assert loss.min() <= values.min() + 1e-12
    assert np.all(loss <= loss.min() + 1e-10 + 1e-12)
    # Pruning by the coarse grid loses nothing that scanning the whole window finds
    # (but a minimum at the atol threshold, which rounding puts either side).
    full = global_minima(ds, lo, hi, found=minima(ds, lo, hi))
    full_loss = direct_loss(ds.x, ds.y, full).astype(float)
    # Two minima closer than a scan step share a cell, and which of them a scan
    # finds depends on where its grid falls (the documented limit of minima): a
    # minimum of the full scan is matched to 1e-6, or else by one in its cell.
    for w, value in zip(full, full_loss, strict=True):
        at_threshold = abs(value - (loss.min() + 1e-10)) < 1e-12
        gap = np.min(np.abs(found - w))
        assert at_threshold or gap < 1e-6 or gap < scan_step(ds)


@pytest.mark.parametrize("integer", [True, False])
def test_sign_of_x_does_not_matter(integer):
    x = np.array([-7.0, 3, -40, 0, 12, -1, 29])
    x = x if integer else x * 1.37
    y = np.array([1.0, 0, 0.3, 1, 0, 1, 0.5])
    ds, mirrored = Dataset(x, y), Dataset(-x, y)
    for f in (minima, maxima, global_minima):
        np.testing.assert_array_equal(f(ds, -1.3, 2.2), f(mirrored, -1.3, 2.2))
    assert count_minima(ds, -1.3, 2.2) == count_minima(mirrored, -1.3, 2.2)
    assert scan_step(ds) == scan_step(mirrored) and search_step(ds) == search_step(mirrored)
    np.testing.assert_array_equal(
        newton_path(ds, 0.1, 0.2, 0.15), newton_path(mirrored, 0.1, 0.2, 0.15)
    )


def test_as_spectrum_takes_what_carries_a_spectrum_and_refuses_the_rest():
    spec = spectrum(QUESTION)
    assert as_spectrum(spec) is spec
    assert as_spectrum(SimpleNamespace(spec=spec)) is spec  # a swarm's LossOracle, say
    assert as_spectrum(QUESTION).max_omega == 4 * QUESTION.max_abs_x
    with pytest.raises(ValueError, match="data must be a Dataset or Spectrum"):
        as_spectrum(np.arange(3.0))
    constant = Dataset(np.zeros(3), np.ones(3))
    assert as_spectrum(constant).max_omega == 0.0
    with pytest.raises(ValueError, match="x != 0"):
        as_spectrum(constant, varying=True)
