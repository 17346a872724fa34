"""The floor of a minimum against independent truths: long-double sums, known zeros, plain GD."""

import math

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference import direct_curvature, direct_grad, direct_loss

import landscape.floor as floor_module
from landscape.data import Dataset, parity_data, range_data, real_data, with_label_noise
from landscape.floor import (
    NOT_A_MINIMUM,
    QUADRATIC,
    QUARTIC,
    floor_label,
    half_pi_label,
    linear_halving_steps,
    locate,
    zero_multiples,
)
from landscape.spectrum import spectrum
from landscape.surface import maxima, minima
from landscape.why import nearest_global_minimum

HALF_PI = math.pi / 2
LD = np.longdouble
# The link: ?noise=1&data=consecutive+integers&start=0&stop=6 (seed 0).
NOISY_SIX = with_label_noise(range_data(0, 6), 1.0, 0)


def mp_derivative(x, y, w, order):
    """``d^p/dw^p mean_i (sin^2(w x_i) - y_i)^2`` in 40-digit arithmetic, term by term."""
    with mp.workdps(40):
        total = mp.mpf(0)
        for xi, yi in zip(x.tolist(), y.tolist(), strict=True):
            xi, yi = mp.mpf(xi), mp.mpf(yi)
            # (sin^2 t - y)^2 = (3/8 - y + y^2) + (y - 1/2) cos 2t + cos(4t)/8, t = w x:
            # derivatives of cosines in closed form, so nothing here is approximate.
            for amp, freq in ((yi - mp.mpf(1) / 2, 2 * xi), (mp.mpf(1) / 8, 4 * xi)):
                total += amp * freq**order * mp.cos(freq * mp.mpf(w) + order * mp.pi / 2)
            if order == 0:
                total += mp.mpf(3) / 8 - yi + yi**2
        return total / len(x)


def _trim(x, y):
    return Dataset(np.array(x, float), np.array(y[: len(x)], float))


whole_x = st.lists(st.integers(-300, 300), min_size=1, max_size=30).filter(any)
real_x = st.lists(st.floats(-50, 50).filter(lambda v: abs(v) > 1e-3), min_size=1, max_size=30)


@settings(max_examples=50, deadline=None)
@given(
    st.one_of(whole_x, real_x),
    st.lists(st.floats(-1, 2), min_size=30, max_size=30),
    st.floats(-20, 20),
    st.integers(0, 4),
)
def test_rounding_bound_bounds_the_error_of_direct_sums(xs, ys, w, order):
    # Whole x take the periodic (reduced-angle) path, real x the plain one.
    data = _trim(xs, ys)
    spec = spectrum(data)
    got = spec.evaluate(np.array([w]), order)[0]
    truth = mp_derivative(data.x, data.y, w, order)
    assert abs(mp.mpf(got) - truth) <= spec.rounding_bound(np.array([w]), order)[0]


def test_rounding_bound_covers_the_transform_on_many_points():
    spec = spectrum(parity_data(1000, 1000, 0))
    w = np.linspace(1.4, 1.7, 3001)
    for order in (1, 2):
        got = spec.evaluate(w, order)
        ref = (direct_grad if order == 1 else direct_curvature)(spec.data.x, spec.data.y, w)
        err = np.abs(got.astype(LD) - ref)
        assert np.all(err <= spec.rounding_bound(w, order))


# --- closed forms ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("j", "text"),
    [(0, "0"), (1, "π/2"), (-1, "−π/2"), (2, "π"), (3, "3π/2"), (-4, "−2π"), (7, "7π/2")],
)
def test_half_pi_labels(j, text):
    assert half_pi_label(j) == text


def test_known_zeros_are_read_exactly_from_the_data():
    assert zero_multiples(range_data(-3, 1)) == "odd"  # numpy: -3 % 2 == 1, the parity of |x|
    assert zero_multiples(parity_data(50, 100, 1)) == "odd"
    x = np.arange(1.0, 11.0)
    assert zero_multiples(Dataset(x, 1.0 - x % 2)) == ""  # reversed parity
    assert zero_multiples(Dataset(x + 0.5, (x + 0.5) % 2)) == ""  # not whole numbers
    assert zero_multiples(with_label_noise(range_data(0, 6), 0.1, 0)) == ""
    assert zero_multiples(Dataset(x, 0 * x)) == "even"
    assert zero_multiples(Dataset(x + 0.5, 0 * x)) == "zero"


@pytest.mark.parametrize(
    ("data", "zero", "label"),
    [
        (Dataset(np.array([13.0, 22.0]), np.zeros(2)), 0.0, "0"),
        (Dataset(np.array([-38.0, 4.0]), np.zeros(2)), math.pi, "π"),
        (Dataset(np.array([0.45, 8.8, -2.7]), np.zeros(3)), 0.0, "0"),
    ],
)
def test_zero_labels_give_exact_zeros_at_multiples_of_pi(data, zero, label):
    found = minima(data, zero - 0.2, zero + 0.2)
    g = float(found[np.argmin(np.abs(found - zero))])
    f = locate(data, g)
    # Truth: sin(k pi x) = 0 for whole x (and sin(0) = 0 for any), so every residual is 0.
    assert float(direct_loss(data.x, data.y, np.array([zero], dtype=LD))[0]) < 1e-25
    assert f.exact and f.where == zero and f.label == label and f.kind == QUARTIC
    assert f.quartic_coef == pytest.approx(np.mean(data.x**4))


def test_question_minimum_is_pi_half_exactly():
    data = parity_data(1000, 1000, 0)
    g, _ = nearest_global_minimum(data, 1.5)
    f = locate(data, g)
    # Every residual sin^2(pi/2 x) - (x mod 2) vanishes, so the loss is 0 there.
    assert float(np.max(np.abs(np.sin(HALF_PI * data.x) ** 2 - data.y))) < 1e-12
    assert f.exact and f.where == HALF_PI and f.label == "π/2" and f.kind == QUARTIC
    assert f.loss == 0.0 and f.curvature == 0.0 and f.third == 0.0
    # c4 = L''''/24 against a long-double finite difference of L(g + d) = c4 d^4 + O(d^6).
    d = 1e-5
    fd = float(direct_loss(data.x, data.y, np.array([HALF_PI + d], dtype=LD))[0]) / d**4
    assert f.quartic_coef == pytest.approx(fd, rel=1e-3)
    assert str(floor_label(f)) == "π/2 = 1.5707963268"


def test_located_quartic_minimum_bounds_its_own_error(monkeypatch):
    # Without the parity check the same minimum is a located one: its bound must
    # hold the true pi/2, its digits too, and L'' there is called zero, not a finding.
    monkeypatch.setattr(floor_module, "zero_multiples", lambda data: "")
    for data in (parity_data(1000, 1000, 0), range_data(0, 6)):
        g, _ = nearest_global_minimum(data, 1.5)
        f = locate(data, g)
        assert f.kind == QUARTIC and not f.exact
        assert abs(f.where - HALF_PI) <= f.bound
        assert abs(round(f.where, f.decimals) - HALF_PI) <= 1.5 * 10.0**-f.decimals
        assert abs(f.curvature) <= f.curvature_bound


def test_real_x_quartic_zero_is_found_numerically():
    # x = 0.5, 1.5 with y = 1: every residual and slope vanish at w = pi (not a
    # parity set: x is not whole), so the floor is quartic with c4 = mean(x^4).
    data = Dataset(np.array([0.5, 1.5]), np.array([1.0, 1.0]))
    g = minima(data, 2.5, 3.5)
    f = locate(data, float(g[np.argmin(np.abs(g - math.pi))]))
    assert f.kind == QUARTIC and not f.exact
    assert abs(f.where - math.pi) <= f.bound
    assert f.quartic_coef == pytest.approx(np.mean(data.x**4), rel=1e-6)


def test_quadratic_minimum_of_real_x_within_its_bound():
    data = real_data(50, 30.0, 0)
    for g in minima(data, 1.2, 1.9):
        f = locate(data, float(g))
        assert f.kind == QUADRATIC and not f.exact
        # The true zero of L', by bisection on a long-double direct sum.
        a, b = LD(g) - LD(10) * LD(f.bound + 1e-15), LD(g) + LD(10) * LD(f.bound + 1e-15)
        grad = lambda v: direct_grad(data.x, data.y, np.array([v], dtype=LD))[0]  # noqa: E731
        assert grad(a) < 0 < grad(b)
        for _ in range(80):
            m = (a + b) / 2
            a, b = (m, b) if grad(m) < 0 else (a, m)
        assert abs(LD(f.where) - a) <= f.bound
        curv = float(direct_curvature(data.x, data.y, np.array([f.where], dtype=LD))[0])
        assert abs(f.curvature - curv) <= f.curvature_bound


def test_noisy_six_samples_have_a_quadratic_floor_at_pi_half():
    g, _ = nearest_global_minimum(NOISY_SIX, 1.5)
    f = locate(NOISY_SIX, g)
    assert f.kind == QUADRATIC and f.exact and f.where == HALF_PI and f.label == "π/2"
    # L'(pi/2) = 0 for whole x (every sin(pi x) is 0); L'' from a long-double sum.
    assert float(direct_grad(NOISY_SIX.x, NOISY_SIX.y, np.array([HALF_PI], dtype=LD))[0]) == (
        pytest.approx(0.0, abs=1e-15)
    )
    curv = float(direct_curvature(NOISY_SIX.x, NOISY_SIX.y, np.array([HALF_PI], dtype=LD))[0])
    assert curv == pytest.approx(10.57, abs=0.005)
    assert f.curvature == pytest.approx(curv, abs=f.curvature_bound)


def test_a_maximum_is_not_a_minimum():
    data = parity_data(200, 200, 3)
    top = float(maxima(data, 1.40, 1.45)[0])
    f = locate(data, top)
    assert f.kind == NOT_A_MINIMUM
    assert float(direct_curvature(data.x, data.y, np.array([top], dtype=LD))[0]) < 0
    assert f.decimals is None  # no bound: the label says so instead of printing digits
    assert str(floor_label(f)) == f"{top:.6g} (located; its error is not bounded)"


# --- the law of a quadratic floor against plain float64 gradient descent -------------


def _gd_halving(data, g, gap, lr, most=100_000):
    """Steps of plain float64 GD on a direct sum from g + gap until |w - g| <= gap / 2."""
    x, y, w = data.x, data.y, g + gap
    for k in range(1, most + 1):
        t = w * x
        w -= lr * float(np.mean(2 * (np.sin(t) ** 2 - y) * np.sin(2 * t) * x))
        if abs(w - g) <= gap / 2:
            return k
    return math.inf


@pytest.mark.parametrize("lr", [4e-4, 1e-2, 0.1])
def test_linear_halving_steps_match_plain_gradient_descent(lr):
    f = locate(NOISY_SIX, 1.5707963)
    steps = linear_halving_steps(f.curvature, lr)
    # "Exact as the gap -> 0": from a small gap GD needs the next whole step.
    assert _gd_halving(NOISY_SIX, HALF_PI, 1e-6, lr) == math.ceil(steps)


def test_above_two_over_curvature_the_gap_grows():
    f = locate(NOISY_SIX, HALF_PI)
    lr = 2.2 / f.curvature
    assert linear_halving_steps(f.curvature, lr) == math.inf
    assert _gd_halving(NOISY_SIX, HALF_PI, 1e-6, lr, most=200) == math.inf


def test_bad_input():
    with pytest.raises(ValueError, match="g must"):
        locate(range_data(0, 6), 2e3)
    with pytest.raises(ValueError, match="order"):
        spectrum(range_data(0, 6)).rounding_bound(np.array([1.0]), 5)
