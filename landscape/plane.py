"""Two parameters: the exact loss of ``sin^2(w x + b)`` and of ``a sin^2(w x)`` over a plane.

The question's model has one weight. With the bias of ``nn.Linear(1, 1,
bias=True)``, or a learned amplitude, the loss is a function of two
parameters, and both are sums of the same kind as the one-parameter loss
(:mod:`landscape.spectrum`), so one transform per window gives the whole plane.

**Bias** (``model="w,b"``). With ``t = w x + b``,
``(sin^2 t - y)^2 = (3/8 - y + y^2) + (y - 1/2) cos 2t + (1/8) cos 4t``, so

.. math::

    L(w, b) = c_0 + \\mathrm{Re}\\,(e^{2ib} A(w)) + \\mathrm{Re}\\,(e^{4ib} B(w)),

    c_0 = \\tfrac1N \\sum_i (3/8 - y_i + y_i^2),\\quad
    A(w) = \\tfrac1N \\sum_i (y_i - 1/2)\\, e^{2 i w x_i},\\quad
    B(w) = \\tfrac{1}{8N} \\sum_i e^{4 i w x_i}.

``A`` and ``B`` need the sign of x (a bias breaks the symmetry x -> -x). Every
row ``L(., b)`` then costs O(G) for G points in w. ``L`` has period pi in b.

**Amplitude** (``model="w,a"``). With ``s_i = sin^2(w x_i)``,
``L(w, a) = mean((a s_i - y_i)^2) = a^2 S_2(w) - 2 a S_y(w) + Y_2``, a
quadratic in a whose coefficients are cosine sums in w
(``s = (1 - cos 2wx)/2``, ``s^2 = (3 - 4 cos 2wx + cos 4wx)/8``):

.. math::

    S_2(w) = \\tfrac38 - \\tfrac{1}{2N}\\sum_i \\cos 2wx_i + \\tfrac{1}{8N}\\sum_i \\cos 4wx_i,
    \\quad
    S_y(w) = \\tfrac{1}{2N}\\sum_i y_i - \\tfrac{1}{2N}\\sum_i y_i \\cos 2wx_i,
    \\quad
    Y_2 = \\tfrac1N\\sum_i y_i^2 .

At each w the best amplitude is ``a*(w) = S_y / S_2`` and the lowest loss
(the profile) ``P(w) = Y_2 - S_y^2 / S_2``; ``P = 0`` exactly where y is
proportional to s (Cauchy-Schwarz). ``a = 1`` is the question's model.

Both sets of sums are ``T(w) = sum_i l_i e^{2 i w x_i} + q_i e^{4 i w x_i}``
(:func:`trig_sums`), evaluated by the non-uniform FFT of
:mod:`landscape.spectrum` (type 2 on ``theta = 2w`` for whole-number x,
type 3 otherwise) or directly when that is cheaper.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import finufft
import numpy as np
from scipy.optimize import minimize_scalar

from .checks import check_int, check_real, check_window
from .data import Dataset
from .losses import distinct_pairs
from .spectrum import (
    DIRECT_WORK,
    MAX_ABS_W,
    MAX_BANDWIDTH_SPAN,
    MAX_DEGREE,
    centred_angle,
    check_points,
    nufft_threads,
    nufft_tolerance,
    parity_sign,
)
from .window import ZERO_LOSS, dense_grid

#: The question's model (one weight), then the two with a second parameter.
MODEL_W = "w"
MODEL_BIAS = "w,b"
MODEL_AMPLITUDE = "w,a"
MODELS = (MODEL_W, MODEL_BIAS, MODEL_AMPLITUDE)
#: The models with a second parameter, and its name in each.
SECOND: Mapping[str, str] = MappingProxyType({MODEL_BIAS: "b", MODEL_AMPLITUDE: "a"})
#: The value of the second parameter at which each model is the question's.
QUESTION_VALUE: Mapping[str, float] = MappingProxyType({MODEL_BIAS: 0.0, MODEL_AMPLITUDE: 1.0})

#: Largest |b| or |a| of a plane or a start.
MAX_ABS_P = 1e3

#: Absolute error of :func:`trig_sums` for weights of l1 norm up to 1 (finufft's
#: promise at the tolerance of :mod:`landscape.spectrum`; measured ~1e-14).
SUM_ERROR = 1e-11

#: Differences of loss below this make no minimum of a :class:`Comb`: 100 times
#: the transforms' absolute error (~1e-11).
COMB_NOISE = 1e-9

#: Heatmap columns (each the minimum of its grid points in w) and default rows.
COLUMNS = 800
ROWS = 120
#: Most rows of a plane (a range of b wider than a period keeps the density of ROWS per pi).
MAX_ROWS = 480

# Points of the minimisation over b at one w: spacing pi / 2^14, so the loss
# found is within (4|A| + 16|B|) (pi / 2^15)^2 / 2 of the least (2e-8 for
# labels in [0, 1], where |A| <= 1/2 and |B| <= 1/8).
_B_SEARCH = 1 << 14

# Most grid minima refined when searching zeros (those low enough to hold one,
# lowest first: see _zeros).
_REFINED = 8


def check_model(model: object) -> str:
    """``model`` if it is a two-parameter model (a key of :data:`SECOND`), else ValueError."""
    allowed = tuple(SECOND)
    if model not in allowed:
        raise ValueError(f"model must be one of {', '.join(map(repr, allowed))}, got {model!r}")
    return str(model)


def trig_sums(data: Dataset, w: np.ndarray, lin: np.ndarray, quart: np.ndarray) -> np.ndarray:
    """``T_r(w) = sum_i lin[r, i] e^{2 i w x_i} + quart[r, i] e^{4 i w x_i}`` for each row r.

    Parameters
    ----------
    data : Dataset
        The samples; the sign of each x counts.
    w : ndarray, shape (G,)
        Finite, ``|w| <= MAX_ABS_W``.
    lin, quart : ndarray, shape (R, N)
        Real or complex weights of each sample's two waves.

    Returns
    -------
    ndarray, complex, shape (R, G)

    Notes
    -----
    Absolute error ~1e-11 times the weights' l1 norm (finufft at the
    tolerance of :mod:`landscape.spectrum`). Cost O(R (G + max|x| log max|x|))
    for whole-number x, O(R (G + N) log) otherwise, O(R G N) directly for tiny
    problems.
    """
    w = check_points(w).ravel()
    lin = np.atleast_2d(np.asarray(lin, dtype=np.complex128))
    quart = np.atleast_2d(np.asarray(quart, dtype=np.complex128))
    if lin.shape != quart.shape or lin.shape[1] != data.n:
        raise ValueError(
            f"lin and quart must both have shape (R, {data.n}), got {lin.shape}, {quart.shape}"
        )
    if w.size == 0:
        return np.zeros((lin.shape[0], 0), dtype=np.complex128)
    freqs = np.concatenate([2.0 * data.x, 4.0 * data.x])
    weights = np.concatenate([lin, quart], axis=1)
    if w.size * freqs.size <= DIRECT_WORK:
        return weights @ np.exp(1j * np.multiply.outer(freqs, w))
    if data.is_integer and 4 * data.max_abs_x <= MAX_DEGREE:
        return _sums_periodic(data, w, weights)
    span = float(w.max() - w.min())
    if 4 * data.max_abs_x * span > MAX_BANDWIDTH_SPAN:
        raise ValueError(
            f"w window of width {span:g} is too wide for real x up to {data.max_abs_x:g}: "
            f"max|x| * width must be at most {MAX_BANDWIDTH_SPAN / 4:g}"
        )
    eps = nufft_tolerance(weights, 4 * data.max_abs_x, 0)
    out = finufft.nufft1d3(freqs, weights, w, isign=1, eps=eps, nthreads=nufft_threads(freqs.size))
    return out.reshape(weights.shape[0], w.size)


def _sums_periodic(data: Dataset, w: np.ndarray, weights: np.ndarray) -> np.ndarray:
    # Whole-number x: e^{2 i w x} = e^{i m theta} with theta = 2w, m = x (and 2x
    # for the 4wx waves): a type-2 transform over the modes -D..D, theta moved
    # near 0 by a multiple k of pi, which flips the sign of odd modes.
    m = np.concatenate([data.x, 2.0 * data.x]).astype(np.int64)
    degree = int(np.abs(m).max())
    theta, k = centred_angle(2.0 * w)
    modes = np.zeros((weights.shape[0], 2 * degree + 1), dtype=np.complex128)
    for row, wt in enumerate(weights):
        modes[row] = np.bincount(m + degree, weights=wt.real, minlength=2 * degree + 1) + 1j * (
            np.bincount(m + degree, weights=wt.imag, minlength=2 * degree + 1)
        )
    modes *= parity_sign(np.arange(-degree, degree + 1), k)
    eps = nufft_tolerance(modes, 4 * data.max_abs_x, 0)
    out = finufft.nufft1d2(theta, modes, isign=1, eps=eps, nthreads=nufft_threads(modes.shape[1]))
    return out.reshape(weights.shape[0], w.size)


@dataclass(frozen=True, eq=False)
class PlaneTerms:
    """The loss of a two-parameter model at each w of a grid, as a function of the second one.

    ``model="w,b"``: ``L(w, b) = c0 + Re(e^{2ib} first) + Re(e^{4ib} second)``
    with ``first = A(w)``, ``second = B(w)`` (complex). ``model="w,a"``:
    ``L(w, a) = c0 - 2 a second + a^2 first`` with ``first = S_2(w)``,
    ``second = S_y(w)`` (real) and ``c0 = Y_2``. See the module docstring.

    Attributes
    ----------
    model : str
    w : ndarray, shape (G,)
    c0 : float
    first, second : ndarray, shape (G,)
    """

    model: str
    w: np.ndarray
    c0: float
    first: np.ndarray
    second: np.ndarray

    def loss(self, p: float | np.ndarray) -> np.ndarray:
        """``L(w, p)`` for every w of the grid and every p: shape ``np.shape(p) + (G,)``; O(G) per p."""
        p = np.asarray(p, dtype=np.float64)[..., None]
        if self.model == MODEL_BIAS:
            turn = np.exp(2j * p)
            return self.c0 + (turn * self.first).real + (turn**2 * self.second).real
        return self.c0 - 2.0 * p * self.second + p**2 * self.first

    def best(self, index: int) -> tuple[float, float]:
        """The second parameter that minimises L at ``w[index]``, and that least loss.

        Exact for the amplitude (``a* = S_y / S_2``, or 0 where ``S_2 = 0``);
        for the bias, the least of :data:`_B_SEARCH` points over one period
        [0, pi) (within 2e-8 of the minimum for labels in [0, 1]).
        """
        if self.model == MODEL_AMPLITUDE:
            s2, sy = float(self.first[index]), float(self.second[index])
            a = sy / s2 if s2 > 0 else 0.0
            return a, self.c0 - 2 * a * sy + a * a * s2
        b = np.arange(_B_SEARCH) * (np.pi / _B_SEARCH)
        one = PlaneTerms(
            self.model,
            self.w[index : index + 1],
            self.c0,
            self.first[index : index + 1],
            self.second[index : index + 1],
        )
        values = one.loss(b)[:, 0]
        j = int(np.argmin(values))
        return float(b[j]), float(values[j])

    def profile(self) -> np.ndarray:
        """``P(w) = min over a of L(w, a) = Y_2 - S_y^2 / S_2`` (amplitude model only), shape (G,)."""
        if self.model != MODEL_AMPLITUDE:
            raise ValueError(f"the profile is exact for model 'w,a' only, got {self.model!r}")
        with np.errstate(divide="ignore", invalid="ignore"):
            drop = np.where(self.first > 0, self.second**2 / self.first, 0.0)
        return np.maximum(self.c0 - drop, 0.0)

    def profile_error(self) -> np.ndarray:
        """A bound on the error of :meth:`profile` from that of the sums, shape (G,).

        With the sums' error ``e`` (:data:`SUM_ERROR`), ``Y_2 - S_y^2 / S_2``
        errs by at most ``(1 + 2 |a*| + a*^2) e`` to first order, ``a* = S_y / S_2``:
        large where ``S_2`` is near 0.
        """
        with np.errstate(divide="ignore", invalid="ignore"):
            a = np.abs(np.where(self.first > 0, self.second / self.first, np.inf))
        return (1 + 2 * a + a * a) * SUM_ERROR


def plane_terms(data: Dataset, model: str, w: np.ndarray) -> PlaneTerms:
    """The terms of ``L(w, .)`` at every w (module docstring): one call to :func:`trig_sums`.

    Raises
    ------
    ValueError
        For an unknown model or w outside ``|w| <= MAX_ABS_W``.
    """
    model = check_model(model)
    if not isinstance(data, Dataset):
        raise ValueError(f"data must be a Dataset, got {type(data).__name__}")
    w = check_points(w).ravel()
    n, y = data.n, data.y
    zero = np.zeros(n)
    if model == MODEL_BIAS:
        lin = np.stack([(y - 0.5) / n, zero])
        quart = np.stack([zero, np.full(n, 0.125 / n)])
        sums = trig_sums(data, w, lin, quart)
        c0 = float(np.mean(0.375 - y + y * y))
        return PlaneTerms(model, w, c0, sums[0], sums[1])
    lin = np.stack([np.full(n, -0.5 / n), -0.5 * y / n])
    quart = np.stack([np.full(n, 0.125 / n), zero])
    sums = trig_sums(data, w, lin, quart).real
    return PlaneTerms(model, w, float(np.mean(y * y)), 0.375 + sums[0], 0.5 * np.mean(y) + sums[1])


def direct_loss(data: Dataset, model: str, w: np.ndarray, p: np.ndarray) -> np.ndarray:
    """``L(w, p)`` at paired points by the plain float64 sum over samples: O(N) per point.

    The reference for single points (solutions, paths): ``mean((sin^2(w x + b) - y)^2)``
    or ``mean((a sin^2(w x) - y)^2)``. ``w`` and ``p`` broadcast together.
    """
    model = check_model(model)
    w, p = np.broadcast_arrays(np.asarray(w, dtype=np.float64), np.asarray(p, dtype=np.float64))
    out = np.empty(w.shape)
    flat_w, flat_p, flat_out = w.ravel(), p.ravel(), out.reshape(-1)
    rows = max(1, DIRECT_WORK // data.n)
    for start in range(0, flat_w.size, rows):
        ww, pp = flat_w[start : start + rows, None], flat_p[start : start + rows, None]
        if model == MODEL_BIAS:
            pred = np.sin(ww * data.x + pp) ** 2
        else:
            pred = pp * np.sin(ww * data.x) ** 2
        flat_out[start : start + rows] = np.mean((pred - data.y) ** 2, axis=1)
    return out


def _best_amplitude(pairs: np.ndarray, w: float) -> tuple[float, float]:
    """``(a*, P)`` at w by direct float64 sums over distinct ``(x, y, weight)`` columns.

    ``P = mean((a* s - y)^2)`` is free of the cancellation in ``Y_2 - S_y^2 / S_2``.
    """
    x, y, weight = pairs
    s = np.sin(w * x) ** 2
    s2 = float(weight @ (s * s))
    a = float(weight @ (s * y)) / s2 if s2 > 0 else 0.0
    return a, float(weight @ (a * s - y) ** 2)


@dataclass(frozen=True)
class Solutions:
    """Where the loss is zero in a rectangle of the plane (to :data:`~landscape.window.ZERO_LOSS`).

    Attributes
    ----------
    points : ndarray, shape (K, 2)
        Isolated solutions ``(w, p)``.
    lines : ndarray, shape (L, 2)
        Lines of solutions ``p = intercept + slope * w``, as rows ``(slope, intercept)``.
    verticals : ndarray, shape (V,)
        Lines of solutions ``w = const`` (any p).
    curve : (float, float) or None
        ``(x, y)`` when the solutions fill the curve ``a = y / sin^2(w x)``
        (amplitude model, every sample the same (x, y), x and y not 0).
    """

    points: np.ndarray
    lines: np.ndarray
    verticals: np.ndarray
    curve: tuple[float, float] | None = None

    @property
    def count(self) -> int:
        """Points, lines and curves of solutions."""
        sets = self.points.shape[0] + self.lines.shape[0] + self.verticals.size
        return int(sets + (self.curve is not None))


def _consistent_targets(data: Dataset) -> tuple[np.ndarray, np.ndarray] | None:
    """Distinct x and ``theta = arcsin(sqrt(y))`` when ``sin^2(w x + b) = y`` can hold for all samples.

    None if some y is outside [0, 1] or one x carries two labels.
    """
    if np.any((data.y < 0) | (data.y > 1)):
        return None
    xs, index = np.unique(data.x, return_inverse=True)
    ys = np.zeros(xs.size)
    ys[index] = data.y
    if np.any(ys[index] != data.y):
        return None
    return xs, np.arcsin(np.sqrt(ys))


def bias_solutions(data: Dataset, lo: float, hi: float, p_lo: float, p_hi: float) -> Solutions:
    """Every zero of ``L(w, b)`` in ``[lo, hi] x [p_lo, p_hi]``.

    ``L = 0`` needs ``sin^2(w x_i + b) = y_i`` for all i, i.e. ``w x_i + b = +-theta_i
    + k pi`` with ``theta_i = arcsin(sqrt(y_i))``: for each distinct x a family of
    parallel lines of slope ``-x``. One distinct x leaves those lines; two
    (``x_p != x_q``) cross at ``w = (r_p - r_q + m pi) / (x_p - x_q)``, and each
    crossing is kept if the direct float64 loss there is below ``ZERO_LOSS``.
    The pair with the closest x gives the fewest crossings: about
    ``4 (hi - lo) |x_p - x_q| / pi`` times the rows of b-periods.
    """
    lo, hi = check_window(lo, hi, MAX_ABS_W)
    p_lo, p_hi = check_window(p_lo, p_hi, MAX_ABS_P)
    none = Solutions(np.empty((0, 2)), np.empty((0, 2)), np.empty(0))
    found = _consistent_targets(data)
    if found is None:
        return none
    xs, theta = found

    def roots(i: int) -> np.ndarray:
        return np.unique([theta[i], -theta[i]])

    if xs.size == 1:
        x = float(xs[0])
        corners = [p + x * w for p in (p_lo, p_hi) for w in (lo, hi)]
        lines = [
            (-x, r + k * np.pi)
            for r in roots(0)
            for k in range(
                int(np.floor((min(corners) - r) / np.pi)),
                int(np.ceil((max(corners) - r) / np.pi)) + 1,
            )
        ]
        # +-theta coincide modulo pi when theta is 0 or pi/2: one line each.
        lines = _distinct(np.array(lines).reshape(-1, 2))
        ends = lines[:, 1:] + lines[:, :1] * np.array([lo, hi])
        crossing = (ends.min(axis=1) <= p_hi) & (ends.max(axis=1) >= p_lo)
        return Solutions(np.empty((0, 2)), lines[crossing], np.empty(0))
    j = int(np.argmin(np.diff(xs)))
    xp, xq = float(xs[j + 1]), float(xs[j])
    cands = []
    for rp in roots(j + 1):
        for rq in roots(j):
            m = np.arange(
                np.floor((lo * (xp - xq) - rp + rq) / np.pi),
                np.ceil((hi * (xp - xq) - rp + rq) / np.pi) + 1,
            )
            w = (rp - rq + m * np.pi) / (xp - xq)
            w = w[(w >= lo) & (w <= hi)]
            for wk in w:
                b0 = rp - wk * xp
                k = np.arange(np.ceil((p_lo - b0) / np.pi), np.floor((p_hi - b0) / np.pi) + 1)
                cands.extend((wk, b0 + kk * np.pi) for kk in k)
    if not cands:
        return none
    pts = _distinct(np.array(cands))
    keep = direct_loss(data, MODEL_BIAS, pts[:, 0], pts[:, 1]) < ZERO_LOSS
    return Solutions(pts[keep], np.empty((0, 2)), np.empty(0))


def _distinct(rows: np.ndarray) -> np.ndarray:
    """``rows`` without those equal to an earlier one to 1e-9, values untouched, sorted."""
    if rows.shape[0] == 0:
        return rows
    _, first = np.unique(np.round(rows, 9), axis=0, return_index=True)
    kept = rows[first]
    return kept[np.lexsort(kept.T[::-1])]


def _grid_minima(values: np.ndarray) -> np.ndarray:
    """Indices of the interior grid points lower than the left and not above the right neighbour."""
    inner = (values[1:-1] < values[:-2]) & (values[1:-1] <= values[2:])
    return np.flatnonzero(inner) + 1


def _zeros(
    w: np.ndarray, values: np.ndarray, direct: Callable[[float], float], curvature: float
) -> np.ndarray:
    """The w where a non-negative function f is zero, from its grid minima, refined.

    A zero w* is a minimum, so at the grid point nearest it ``f <= M2 h^2 / 8``
    with ``M2 = curvature``, a bound on ``|f''|`` near w*, and h the grid's
    largest spacing: only grid minima that low (the lowest :data:`_REFINED`)
    can be zeros, and only they are refined.
    """
    idx = _grid_minima(values)
    reach = curvature * float(np.max(np.diff(w), initial=0.0)) ** 2 / 8
    idx = idx[values[idx] <= reach + ZERO_LOSS]
    idx = idx[np.argsort(values[idx])[:_REFINED]]
    out = []
    for i in idx:
        # In the offset from w[i]: Brent's tolerance grows with sqrt(eps) |x|, which
        # at x = w would stop 2e-8 short of a quartic zero.
        res = minimize_scalar(
            lambda d, c=w[i]: direct(c + d),
            bounds=(w[i - 1] - w[i], w[i + 1] - w[i]),
            method="bounded",
            options={"xatol": 1e-15, "maxiter": 200},
        )
        if res.fun < ZERO_LOSS:
            out.append(float(w[i] + res.x))
    return _distinct(np.array(out).reshape(-1, 1))[:, 0]


def amplitude_solutions(data: Dataset, terms: PlaneTerms, p_lo: float, p_hi: float) -> Solutions:
    """Every zero of ``L(w, a)`` over ``terms.w`` (a dense grid) and ``[p_lo, p_hi]``.

    ``L(w, a) = 0`` needs ``y = a s``: if every y is 0, the line ``a = 0`` and
    the verticals where every ``s_i = 0`` (``S_2(w) = 0``); if every sample is
    the same (x, y) with x, y not 0, the curve ``a = y / sin^2(w x)``;
    otherwise the points ``(w, S_y / S_2)`` where the profile ``P(w) = 0``. Zeros are looked
    for among the lowest :data:`_REFINED` grid minima of ``P`` (or ``S_2``),
    refined by a bounded scalar minimisation of the direct float64 sum and
    kept if it is below ``ZERO_LOSS``. Cost: ~50 direct sums over the
    distinct (x, y) pairs per refined minimum.
    """
    p_lo, p_hi = check_window(p_lo, p_hi, MAX_ABS_P)
    if terms.model != MODEL_AMPLITUDE:
        raise ValueError(f"terms must be of model 'w,a', got {terms.model!r}")
    w = terms.w
    # Equal samples give equal terms: sum over distinct (x, y) with their weight.
    pairs = np.vstack(distinct_pairs(data))
    if not np.any(data.y):
        # S_2 = mean(sin^4(w x)) has |S_2''| <= 4 mean(x^2) (its series' sum |a_k| omega_k^2).
        m2 = 4 * float(pairs[2] @ pairs[0] ** 2)
        verticals = _zeros(
            w, terms.first, lambda v: float(pairs[2] @ np.sin(v * pairs[0]) ** 4), m2
        )
        lines = np.array([[0.0, 0.0]]) if p_lo <= 0.0 <= p_hi else np.empty((0, 2))
        return Solutions(np.empty((0, 2)), lines, verticals)
    if pairs.shape[1] == 1 and pairs[0, 0] != 0.0:
        curve = (float(pairs[0, 0]), float(pairs[1, 0]))
        return Solutions(np.empty((0, 2)), np.empty((0, 2)), np.empty(0), curve)
    # P(w) <= L(w, a*) near a zero (w*, a*), and |L_ww| <= 4 a^2 mean(x^2) + 4 |a| mean(|y| x^2)
    # (the series' sum |a_k| omega_k^2), with |a*| at most the range's largest |a|.
    big = max(abs(p_lo), abs(p_hi))
    x2 = pairs[2] * pairs[0] ** 2
    m2 = 4 * big**2 * float(np.sum(x2)) + 4 * big * float(x2 @ np.abs(pairs[1]))
    ws = _zeros(w, terms.profile(), lambda v: _best_amplitude(pairs, v)[1], m2)
    points = []
    for v in ws:
        a = _best_amplitude(pairs, v)[0]
        if p_lo <= a <= p_hi:
            points.append((v, a))
    return Solutions(np.array(points).reshape(-1, 2), np.empty((0, 2)), np.empty(0))


@dataclass(frozen=True)
class Comb:
    """The comb of a curve in w: its local minima on a grid that resolves every basin.

    Attributes
    ----------
    minima : int
        Local minima on the grid (lower than the left neighbour, not above the right).
    basin_width : float
        Median distance in w between neighbouring local maxima (NaN with fewer than two).
    """

    minima: int
    basin_width: float


def comb(w: np.ndarray, values: np.ndarray, noise: float = COMB_NOISE) -> Comb:
    """:class:`Comb` of ``values`` sampled at ascending ``w`` (e.g. a row of :meth:`PlaneTerms.loss`).

    Values are first rounded to multiples of ``noise``, so that rounding
    noise on a flat stretch (a profile that is 0 along a curve of
    solutions) makes no minima.
    """
    values = np.round(np.asarray(values, dtype=np.float64) / noise)
    tops = w[_run_minima(-values)]
    width = float(np.median(np.diff(tops))) if tops.size >= 2 else float("nan")
    return Comb(int(_run_minima(values).size), width)


def _run_minima(q: np.ndarray) -> np.ndarray:
    """Middles of the runs of equal values lower than the runs on both sides."""
    starts = np.flatnonzero(np.r_[True, q[1:] != q[:-1]])
    v = q[starts]
    inner = np.flatnonzero((v[1:-1] < v[:-2]) & (v[1:-1] < v[2:])) + 1
    ends = np.r_[starts[1:], q.size] - 1
    return (starts[inner] + ends[inner]) // 2


@dataclass(frozen=True, eq=False)
class PlaneView:
    """What a window of the plane shows, and what it says.

    Attributes
    ----------
    model : str
    lo, hi, p_lo, p_hi : float
        The rectangle ``[lo, hi] x [p_lo, p_hi]``.
    w : ndarray, shape (C,)
        Column centres.
    p : ndarray, shape (P,)
        Row values of the second parameter.
    loss : ndarray, shape (P, C)
        ``L`` at each row, each column the least of the grid points of the
        dense grid (:func:`~landscape.window.dense_grid`) that fall in it: no
        basin is lost between columns.
    best : tuple of float
        ``(w, p, L)``: the solution nearest the lowest point of the dense grid
        if there is one (L = 0), else that point with p refined exactly
        (:meth:`PlaneTerms.best`).
    solutions : Solutions
    question, at_best : Comb
        The comb of the slice at the question's value (b = 0, a = 1) and at the best p.
    profile : Comb or None
        The comb of ``min over a`` (amplitude only), where its error bound
        (:meth:`PlaneTerms.profile_error`) is at most :data:`COMB_NOISE`.
    terms : PlaneTerms
        On the dense grid (for slices at other p).
    """

    model: str
    lo: float
    hi: float
    p_lo: float
    p_hi: float
    w: np.ndarray
    p: np.ndarray
    loss: np.ndarray
    best: tuple[float, float, float]
    solutions: Solutions
    question: Comb
    at_best: Comb
    profile: Comb | None
    terms: PlaneTerms


def p_range(model: str, values: np.ndarray | list[float] = ()) -> tuple[float, float]:
    """The default rows of a plane, widened to hold ``values`` (a start, a path).

    Bias: one period ``[-pi/2, pi/2]``; amplitude: ``[0, 2]`` (0, the question's
    1 and as much above). Widened by 5% of the span beyond the values, within
    ``MAX_ABS_P``.
    """
    model = check_model(model)
    lo, hi = (-np.pi / 2, np.pi / 2) if model == MODEL_BIAS else (0.0, 2.0)
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size:
        pad = 0.05 * (max(hi, v.max()) - min(lo, v.min()))
        lo, hi = min(lo, v.min() - pad), max(hi, v.max() + pad)
    return max(float(lo), -MAX_ABS_P), min(float(hi), MAX_ABS_P)


def plane_view(
    data: Dataset,
    model: str,
    lo: float,
    hi: float,
    p_lo: float,
    p_hi: float,
    *,
    rows: int | None = None,
    columns: int = COLUMNS,
) -> PlaneView:
    """The exact loss over ``[lo, hi] x [p_lo, p_hi]``, its solutions and its comb.

    Parameters
    ----------
    data : Dataset
    model : {"w,b", "w,a"}
    lo, hi : float
        The window in w, ``|w| <= MAX_ABS_W``.
    p_lo, p_hi : float
        The range of b or a, ``|p| <= MAX_ABS_P``.
    rows : int, optional
        Rows in p, 2..MAX_ROWS; by default :data:`ROWS` per pi of b (at most
        MAX_ROWS), :data:`ROWS` for a.
    columns : int
        Heatmap columns, 2..10000.

    Notes
    -----
    Cost: one :func:`plane_terms` on the dense grid (G ~ 16000 points on the
    question's window), then O(G) per row, and the solution search (a few
    direct sums over the distinct (x, y) pairs). Measured (``bench/plane.py``,
    CPU): 0.01-0.02 s for the question's window at 120 rows, 0.65-1.1 s for
    N = 1e5 samples up to 1e6 (8e6 modes).
    """
    model = check_model(model)
    lo, hi = check_window(lo, hi, MAX_ABS_W)
    p_lo, p_hi = check_window(p_lo, p_hi, MAX_ABS_P)
    if rows is None:
        per = (p_hi - p_lo) / np.pi if model == MODEL_BIAS else 1.0
        rows = int(np.clip(round(ROWS * per), ROWS, MAX_ROWS))
    rows = check_int("rows", rows, 2, MAX_ROWS)
    columns = check_int("columns", columns, 2, 10_000)
    grid = dense_grid(data, lo, hi)
    terms = plane_terms(data, model, grid)
    p = np.linspace(p_lo, p_hi, rows)
    full = terms.loss(p)
    col = np.clip(((grid - lo) * (columns / (hi - lo))).astype(np.int64), 0, columns - 1)
    starts = np.flatnonzero(np.r_[True, col[1:] != col[:-1]])
    pooled = np.minimum.reduceat(full, starts, axis=1)
    centres = lo + (col[starts] + 0.5) * ((hi - lo) / columns)
    i = int(np.argmin(full.min(axis=0)))
    w_best, (p_best, l_best) = float(grid[i]), terms.best(i)
    if model == MODEL_BIAS:
        p_best += np.pi * np.round((0.5 * (p_lo + p_hi) - p_best) / np.pi)
        solutions = bias_solutions(data, lo, hi, p_lo, p_hi)
        profile = None
    else:
        solutions = amplitude_solutions(data, terms, p_lo, p_hi)
        # Only where the profile's rounding is below the comb's noise level.
        trusted = terms.profile_error() <= COMB_NOISE
        profile = comb(grid, np.where(trusted, terms.profile(), np.nan))
    if solutions.points.size:
        # A solution is exact: the best point is the one nearest the grid's lowest.
        near = solutions.points[np.argmin(np.abs(solutions.points[:, 0] - w_best))]
        w_best, p_best = float(near[0]), float(near[1])
        l_best = float(direct_loss(data, model, w_best, p_best))
    return PlaneView(
        model=model,
        lo=lo,
        hi=hi,
        p_lo=p_lo,
        p_hi=p_hi,
        w=centres,
        p=p,
        loss=pooled,
        best=(w_best, float(p_best), float(l_best)),
        solutions=solutions,
        question=comb(grid, terms.loss(QUESTION_VALUE[model])),
        at_best=comb(grid, terms.loss(p_best)),
        profile=profile,
        terms=terms,
    )


def check_p(name: str, value: object) -> float:
    """A start value of the second parameter (``b0`` or ``a0``), ``|value| <= MAX_ABS_P``."""
    return check_real(name, value, -MAX_ABS_P, MAX_ABS_P)
