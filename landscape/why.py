"""Why-numbers: the handful of figures that explain, for one dataset and one w,
why gradient descent on ``L(w) = mean_i (sin^2(w x_i) - y_i)^2`` fails.

Every number is computed from the data (the exact cosine series of
:mod:`landscape.spectrum` and the minima of :mod:`landscape.surface`), never
typed in, and gathered by :func:`why_numbers` into a :class:`WhyNumbers` the
app turns into sentences.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .checks import check_real
from .data import Dataset
from .floor import QUADRATIC, QUARTIC, Floor, linear_halving_steps, linear_rate, locate
from .spectrum import MAX_ABS_W, MAX_POINTS, Spectrum
from .surface import (
    Source,
    as_spectrum,
    count_minima,
    global_minima,
    loss_curve,
    maxima,
    minima,
    scan_step,
    search_step,
)

#: Relative rounding of one float32 operation (half a unit in the last place).
FLOAT32_UNIT_ROUNDOFF = 2.0**-24

# Grid points of the first outward scan for a local maximum; the scan doubles
# its reach until it finds one, so wide basins (small x) cost a few rounds more.
_FIRST_SCAN = 64

# Longest scan (points) over which minima between w and g are counted exactly
# by minima(): its refinement costs ~0.5 s at this size on max|x| ~ 1e4, and
# ~100 s for the 7e5 points between 1.5 and pi/2 at max|x| = 1e6.
_EXACT_COUNT_POINTS = 1 << 15

# The default search window's half-width over half the period.
_PAST_HALF_PERIOD = 1.001


@dataclass(frozen=True, eq=False)
class WhyNumbers:
    """The figures behind "why does gradient descent fail here?", at one w.

    Notation: ``L`` the float64 loss, ``g`` the global minimum nearest ``w``
    (:attr:`target`), ``N`` the number of samples, ``X = max_i |x_i|``.

    Attributes
    ----------
    w, lr : float
        The point and the learning rate the figures refer to.
    abs_x : ndarray
        ``|x_i|``, to plot :attr:`periods` and :attr:`sample_grads` against: the
        loss, each term's period and each share of ``L'`` depend on x only
        through ``|x|``.
    periods : ndarray
        ``pi / |x_i|``: the period in w of sample i's loss term (inf for x = 0).
    finest_period : float
        ``pi / X``, the shortest period: the teeth of the comb are this fine.
    sample_grads : ndarray
        ``2 (sin^2(w x_i) - y_i) sin(2 w x_i) x_i / N``: sample i's share of ``L'(w)``.
    grad_ratio : float
        ``max_i |sample_grads_i|`` over ``max |sample_grads_j|`` among samples
        with ``|x_j| <= small_x`` (the question's working set is x = 0..5):
        how much louder the large inputs are. nan if no such sample or 0/0.
    loss, grad, curvature : float
        ``L(w)``, ``L'(w)``, ``L''(w)`` from the exact series.
    max_stable_lr : float
        ``2 / L''(w)``: gradient descent on the local quadratic converges only
        for smaller learning rates. inf when ``L''(w) <= 0``: w is not in a
        convex region, and no learning rate makes gradient descent settle here.
    step : float
        ``lr |L'(w)|``, the length of the next full-batch step.
    step_in_basins : float
        :attr:`step` divided by :attr:`current_basin_width`.
    target : float
        ``g``, the global minimum nearest w (lowest minimum in :attr:`search_window`,
        within 1e-10 in loss): ``floor.where``, exact where the data give it
        in closed form (``floor.label``), else located within ``floor.bound``.
    target_loss : float
        ``L(g)`` (0 exactly at a closed-form zero).
    floor : Floor
        g's floor (:func:`~landscape.floor.locate`): quadratic, quartic, not a
        minimum, or undecided, with the derivatives and their bounds.
    minima_between : int
        Local minima strictly between w and g: the wrong basins on the way.
    minima_between_exact : bool
        True when that count comes from :func:`~landscape.surface.minima`
        (up to 2^15 scan points: |w - g| max|x| below ~3200); False when it is
        the cheaper lower bound :func:`~landscape.surface.count_minima` (0.2%
        low at max|x| = 1e6).
    target_basin : tuple of float
        ``(a, b)``, the local maxima of L either side of g: gradient flow from any
        point inside reaches g.
    target_basin_width : float
        ``b - a``.
    current_minimum : float
        The local minimum gradient flow reaches from w (nan if none is found).
    current_basin : tuple of float
        The local maxima either side of w (w's own basin of attraction).
    current_basin_width : float
        Their distance.
    target_curvature : float
        ``L''(g)`` (``floor.curvature``); zero at a quartic floor (exactly at a
        closed-form zero, else within ``floor.curvature_bound``: rounding, not a finding).
    quartic_coef : float
        ``c4 = L''''(g) / 24``, so ``L(g + d) ~ L(g) + c4 d^4`` when
        ``L''(g) = 0``; ``mean(x^4)`` on parity data at pi/2.
    rate : float
        Quadratic floor: ``1 - lr L''(g)``, the factor a step scales a small gap
        by (:func:`~landscape.floor.linear_rate`). nan for other floors.
    quartic_max_gap : float
        Quartic floor: ``sqrt(1 / (2 lr c4))``: gradient descent on ``c4 d^4``,
        ``d <- d - 4 lr c4 d^3``, shrinks ``|d|`` only from gaps below this.
        nan for other floors.
    halving_steps : float
        Quadratic floor: ``ln 2 / -ln|1 - lr L''|`` steps halve a small gap
        (exact as the gap -> 0; inf from ``lr >= 2 / L''``). Quartic floor: the
        steps ``d <- d - 4 lr c4 d^3`` need to halve ``d = |w - g|``, at most
        ``3 / (8 lr c4 d^2)`` (exact as d -> 0; inf if ``d >= quartic_max_gap``,
        0 if ``d = 0``), each further halving four times longer. nan for
        other floors (no rate can be stated).
    halving_tolerance : float
        How far :attr:`halving_steps` may be from the steps plain gradient
        descent from w takes to halve ``d = w - g``, relative (plus one whole
        step): from the largest error ``E`` of the law's slope (``L'' d`` or
        ``4 c4 d^3``) against the exact ``L'`` between ``d`` and ``d / 2``,
        ``E / (1 - E)``, plus for the quartic law ``4 lr c4 d^2`` (its step map
        against its flow), plus the float64 rounding of w over the steps.
        Read on 33 points, so an estimate, checked against
        plain loops in the tests. 0 at ``d = 0``, nan for other floors; at
        or above 1 (E itself) the law does not describe the way from w.
    float32_spacing : float
        Distance between adjacent float32 numbers at g: the nearest float32 w
        may lie up to half of it away from g.
    float32_phase_error : float
        ``2^-24 |g| X``: worst rounding (radians) of the float32 phase ``g x``.
        Divided by x it is the shift in w of each term, ``2^-24 |g|``; over
        the nominal basin width ``1 / X`` it is the same number, so near 1 the
        float32 loss no longer resolves the minimiser.
    float32_shift_in_basins : float
        ``2^-24 |g| / target_basin_width``: that shift against the measured basin.
    float32_max_x : float
        ``float32_fraction * 2^24 / |g|``: the largest X for which
        :attr:`float32_phase_error` stays below ``float32_fraction`` (the shift
        below that fraction of ``1 / X``).
    float32_loss_at_target : float
        The float32 loss (the student's forward pass) at g rounded to float32:
        what float32 training sees at the exact solution.
    search_window : tuple of float
        ``(lo, hi)`` searched for g: one whole period ``[w - pi/2, w + pi/2]``
        unless ``half_window`` or the grid limit narrowed it (or ``|w|`` near
        ``MAX_ABS_W`` slid it inwards).
    """

    w: float
    lr: float
    abs_x: np.ndarray
    periods: np.ndarray
    finest_period: float
    sample_grads: np.ndarray
    grad_ratio: float
    loss: float
    grad: float
    curvature: float
    max_stable_lr: float
    step: float
    step_in_basins: float
    target: float
    target_loss: float
    floor: Floor
    minima_between: int
    minima_between_exact: bool
    target_basin: tuple[float, float]
    target_basin_width: float
    current_minimum: float
    current_basin: tuple[float, float]
    current_basin_width: float
    target_curvature: float
    quartic_coef: float
    rate: float
    quartic_max_gap: float
    halving_steps: float
    halving_tolerance: float
    float32_spacing: float
    float32_phase_error: float
    float32_shift_in_basins: float
    float32_max_x: float
    float32_loss_at_target: float
    search_window: tuple[float, float]


def _check_positive(name: str, value: object) -> float:
    return check_real(name, value, 0.0, np.inf, lo_open=True, hi_open=True)


def _check_w(w: object, name: str = "w") -> float:
    return check_real(name, w, -MAX_ABS_W, MAX_ABS_W)


def sample_periods(data: Dataset) -> np.ndarray:
    """``pi / |x_i|`` per sample (inf for x = 0): the period of sample i's loss term in w.

    Term i, ``(sin^2(w x_i) - y_i)^2``, depends on w only through ``sin^2(w x_i)``,
    whose period is ``pi / |x_i|``. O(N).
    """
    with np.errstate(divide="ignore"):
        return np.pi / np.abs(data.x)


def sample_gradients(data: Dataset, w: float) -> np.ndarray:
    """Each sample's share of ``L'(w)``: ``2 (sin^2(w x_i) - y_i) sin(2 w x_i) x_i / N``.

    Their sum is ``L'(w)``. Direct float64, O(N); the phase ``w x_i`` carries a
    relative rounding of 1.1e-16, so an absolute one of ``1e-16 |w x_i|``.
    """
    w = _check_w(w)
    t = w * data.x
    return 2.0 * (np.sin(t) ** 2 - data.y) * np.sin(2.0 * t) * data.x / data.n


def max_stable_lr(curvature: float) -> float:
    """``2 / L''``: gradient descent on ``L''/2 d^2`` converges iff lr is below it.

    The step maps ``d -> (1 - lr L'') d``, which shrinks iff ``0 < lr L'' < 2``.
    Returns inf for ``L'' <= 0`` (a concave or flat point: no lr makes it stable;
    read it as "no finite bound", not "any lr is fine").
    """
    return 2.0 / curvature if curvature > 0 else np.inf


def quartic_max_gap(quartic_coef: float, lr: float) -> float:
    """``sqrt(1 / (2 lr c4))``: gradient descent on ``c4 d^4`` shrinks ``|d|`` only below it.

    The step is ``d -> d (1 - 4 lr c4 d^2)``, and ``|1 - 4 lr c4 d^2| < 1`` iff
    ``d^2 < 1 / (2 lr c4)``. inf when ``c4 <= 0``.
    """
    lr = _check_positive("lr", lr)
    return float(np.sqrt(1.0 / (2.0 * lr * quartic_coef))) if quartic_coef > 0 else np.inf


def quartic_halving_steps(quartic_coef: float, gap: float, lr: float) -> float:
    """Steps of ``d <- d - 4 lr c4 d^3`` (gradient descent on ``c4 d^4``) to halve ``|d|``.

    Since ``1/d^2`` grows by at least ``8 lr c4`` per step while ``4 lr c4 d^2 < 1``
    (and by ``8 lr c4 (1 + O(lr c4 d^2))``), halving from ``d`` takes at most
    ``(4 - 1) / (8 lr c4 d^2)`` steps, the exact count as ``d -> 0``; so each
    halving takes four times as long as the last. Returns 0 for ``d = 0`` and
    inf when the map does not shrink ``d`` (``d >= quartic_max_gap`` or
    ``c4 <= 0``). O(1).
    """
    gap = abs(float(gap))
    if gap == 0.0:
        return 0.0
    if quartic_coef <= 0 or gap >= quartic_max_gap(quartic_coef, lr):
        return np.inf
    rate = 8.0 * lr * quartic_coef * gap**2
    # A gap near float64's smallest numbers: the count overflows, not the map.
    return 3.0 / rate if rate > 0 else np.inf


def float32_phase_error(w: float, max_abs_x: float) -> float:
    """``2^-24 |w| max|x|``: the worst rounding, in radians, of a float32 product ``w x``.

    A float32 multiply rounds to half a unit in the last place, at most
    ``2^-24`` relative. Dividing by x gives each term's shift in w,
    ``2^-24 |w|``, to compare with a basin about ``1 / max|x|`` wide.
    """
    return FLOAT32_UNIT_ROUNDOFF * abs(w) * max_abs_x


def float32_max_x(w: float, fraction: float = 0.1) -> float:
    """The max|x| at which the float32 phase shift ``2^-24 |w|`` is ``fraction / max|x|``.

    Solving ``2^-24 |w| = fraction / X`` gives ``X = fraction 2^24 / |w|``;
    about 1.07e6 at ``w = pi/2`` for a tenth of a basin.
    """
    fraction = _check_positive("fraction", fraction)
    return fraction / (FLOAT32_UNIT_ROUNDOFF * abs(w)) if w != 0 else np.inf


def _search_window(spec: Spectrum, w: float, half_window: float | None) -> tuple[float, float]:
    # L has period pi for whole-number x, so [w - pi/2, w + pi/2] holds a
    # nearest global minimum; a real |x| < 1 has the longer period pi/|x|, so
    # the default widens to half the slowest term's period. The dense grid of
    # the search caps the width.
    ax = np.abs(spec.data.x)
    slowest = np.pi / (2 * ax[ax > 0].min()) if np.any(ax > 0) else np.pi / 2
    # A hair over half a period: a minimum exactly half a period away (at both
    # ends of the window) stays strictly inside it.
    default = max(np.pi / 2, slowest) * _PAST_HALF_PERIOD
    half = default if half_window is None else _check_positive("half_window", half_window)
    half = min(half, 0.5 * (MAX_POINTS - 2) * search_step(spec), MAX_ABS_W)
    # Near |w| = MAX_ABS_W slide the window inwards rather than cut it, so that
    # it still spans a whole period.
    shift = max(0.0, -MAX_ABS_W - (w - half)) - max(0.0, w + half - MAX_ABS_W)
    return max(w - half + shift, -MAX_ABS_W), min(w + half + shift, MAX_ABS_W)


#: Times the default window of :func:`nearest_global_minimum` may double when it
#: holds no local minimum (real x: L need not repeat within it).
_MAX_WIDENINGS = 6


def nearest_global_minimum(
    data: Source, w: float, *, half_window: float | None = None, atol: float = 1e-10
) -> tuple[float, tuple[float, float]]:
    """The global minimum of L nearest ``w`` within a window, and that window.

    The global minima of the window ``[w - half_window, w + half_window]``
    (:func:`~landscape.surface.global_minima`: L on a grid of a quarter of the
    shortest period ``2 pi / (4 max|x|)``, then
    :func:`~landscape.surface.minima` next to every grid point that can lie
    within ``atol`` of the lowest), and of those the nearest to w.

    The default ``half_window`` is pi/2: a whole period for whole-number x, so
    the answer is the nearest global minimum of L; for real x it is the best in
    the window (widened to ``pi / (2 min|x|)`` when the smallest non-zero
    |x| is below 1, so that the slowest term's whole period fits; doubled, up
    to six times, while it holds no local minimum). The grid
    is at most ``MAX_POINTS`` points, which narrows the window for max|x|
    above ~1.2e6.

    Cost: one evaluation of ~``8 max|x| * 2 half_window / pi`` points (0.003 s
    for max|x| = 999, ~2 s for 1e6) plus a small minima() per candidate run.
    """
    spec = as_spectrum(data, varying=True)
    w = _check_w(w)
    window = _search_window(spec, w, half_window)
    best = global_minima(spec, *window, atol=atol)
    # Real x need not make L periodic within the default window, and L may fall
    # monotonically across it (x = 1 and 2.5 repeat only every 2 pi): widen it.
    widenings = 0
    while best.size == 0 and half_window is None and widenings < _MAX_WIDENINGS:
        widenings += 1
        half = 0.5 * (window[1] - window[0]) * 2
        wider = _search_window(spec, w, half)
        if wider == window:
            break  # at the grid's or the weight's limit
        window = wider
        best = global_minima(spec, *window, atol=atol)
    if best.size == 0:
        raise ValueError(f"L has no local minimum inside the window {window}: widen half_window")
    return float(best[np.argmin(np.abs(best - w))]), window


def _maximum_beyond(spec: Spectrum, start: float, direction: int, reach: float) -> float:
    """The nearest local maximum of L from ``start`` in ``direction`` (+1/-1), or +-inf.

    Found by :func:`~landscape.surface.maxima` on stretches that double in
    length (so that a maximum near ``start`` costs little), each overlapping
    the last by one scan cell so that none falls between two stretches.
    """
    step = scan_step(spec)
    last = min(reach, MAX_ABS_W - direction * start) / step
    done, count = 0.0, float(_FIRST_SCAN)
    while done < last:
        near, far = (
            start + direction * step * max(done - 1, 0),
            start + direction * step * min(done + count, last),
        )
        found = maxima(spec, min(near, far), max(near, far))
        ahead = found[found > start] if direction > 0 else found[found < start][::-1]
        if ahead.size:
            return float(ahead[0])
        done, count = done + count, min(2 * count, MAX_POINTS - 2)
    return direction * np.inf


def basin(data: Source, w: float, *, reach: float = np.pi) -> tuple[float, float]:
    """The basin of attraction of gradient flow around ``w``: the nearest local maxima of L.

    Returns ``(a, b)`` with ``a < w < b`` (or ``a <= w`` when w is itself a
    maximum); gradient flow ``dw/dt = -L'(w)`` started anywhere inside ends at
    the one local minimum between them. A side with no maximum within ``reach``
    is +-inf (for whole-number x a period, pi, always holds one). Found by
    :func:`~landscape.surface.maxima`, which also finds a maximum that shares
    a scan cell with a minimum; cost about ``(b - a) / scan_step`` evaluations.
    """
    spec = as_spectrum(data, varying=True)
    w = _check_w(w)
    reach = _check_positive("reach", reach)
    return _maximum_beyond(spec, w, -1, reach), _maximum_beyond(spec, w, +1, reach)


def _minima_between(
    spec: Spectrum,
    w: float,
    current: tuple[float, float],
    current_min: float,
    target: float,
    target_basin: tuple[float, float],
) -> tuple[int, bool]:
    """Local minima strictly between w and g, and whether the count is exact.

    Whole basins between w's and g's, plus w's own minimum if it lies between
    (never g's). Exact through ``minima`` while its scan is at most
    ``_EXACT_COUNT_POINTS`` points; beyond, the lower bound of
    :func:`~landscape.surface.count_minima`.
    """
    if target_basin[0] < w < target_basin[1]:
        return 0, True
    ahead = (current_min > w) if target > w else (current_min < w)
    near, far = (current[1], target_basin[0]) if target > w else (target_basin[1], current[0])
    # An edge past the scan's reach (real x only) falls back to w or g itself.
    near = near if np.isfinite(near) else (w if target > w else target)
    far = far if np.isfinite(far) else (target if target > w else w)
    if not near < far:
        return int(bool(ahead)), True
    if (far - near) / scan_step(spec) <= _EXACT_COUNT_POINTS:
        return minima(spec, near, far).size + int(bool(ahead)), True
    return count_minima(spec, near, far) + int(bool(ahead)), False


def _grad_ratio(sample_grads: np.ndarray, x: np.ndarray, small_x: float) -> float:
    small = np.abs(x) <= small_x
    if not small.any():
        return np.nan
    top, base = np.abs(sample_grads).max(), np.abs(sample_grads[small]).max()
    if base == 0.0:
        return np.inf if top > 0 else np.nan
    return float(top / base)


def _basin_minimum(spec: Spectrum, edges: tuple[float, float], w: float) -> float:
    """The lowest local minimum between a basin's edges (nan if none, as on a maximum)."""
    lo = max(edges[0], w - np.pi, -MAX_ABS_W)
    hi = min(edges[1], w + np.pi, MAX_ABS_W)
    inside = minima(spec, lo, hi) if lo < hi else np.empty(0)
    return float(inside[np.argmin(spec.evaluate(inside, 0))]) if inside.size else np.nan


def _halving_steps(floor: Floor, gap: float, lr: float) -> float:
    """Steps to halve the gap under the floor's own law (nan where no law is known)."""
    if floor.kind == QUADRATIC:
        return linear_halving_steps(floor.curvature, lr)
    if floor.kind == QUARTIC:
        return quartic_halving_steps(floor.quartic_coef, gap, lr)
    return np.nan


def _halving_tolerance(spec: Spectrum, floor: Floor, gap: float, lr: float) -> float:
    """The relative error of the halving count from ``g + gap``, from its law's slope error.

    The true slope is the law's times ``1 + e`` with ``|e| <= E``, read on 33
    points each side of g between ``|gap| / 2`` and ``|gap|`` (an overshooting
    step lands on the far side). Quadratic law: each step scales the gap by
    ``1 - lr L'' (1 + e)``, so the count lies between those of the extreme
    factors. Quartic law: the time to halve is within ``1 / (1 - E)`` of the
    law's, ``E / (1 - E)``, plus ``4 lr c4 d^2`` for the step map against its
    flow. Both add ``N spacing(g) / gap``: N float64 steps each rounding w by
    up to half its spacing, against the half gap. Returns E itself (>= 1), or
    inf, when the law does not describe the way.
    """
    if floor.kind not in (QUADRATIC, QUARTIC):
        return np.nan
    if gap == 0.0:
        return 0.0
    half = np.linspace(abs(gap) / 2, abs(gap), 33)
    d = np.concatenate([-half, half])
    c4 = floor.quartic_coef
    model = floor.curvature * d if floor.kind == QUADRATIC else 4.0 * c4 * d**3
    if np.any(model == 0.0):  # the law's slope underflows: nothing to compare
        return np.inf
    worst = float(np.max(np.abs(spec.evaluate(floor.where + d, 1) / model - 1.0)))
    if worst >= 1.0:
        return worst
    stated = _halving_steps(floor, gap, lr)
    # Each float64 step rounds w by up to half its spacing; N of them against the gap.
    rounding = stated * float(np.spacing(abs(floor.where))) / abs(gap)
    if floor.kind == QUARTIC:
        return worst / (1.0 - worst) + 4.0 * lr * c4 * gap**2 + rounding
    extremes = [linear_halving_steps(floor.curvature * (1 + e), lr) for e in (-worst, worst)]
    if not all(np.isfinite(extremes)):
        return np.inf
    law = max(abs(n / stated - 1.0) for n in extremes) if stated > 0 else 0.0
    return law + rounding


def _at(spec: Spectrum, w: float, order: int) -> float:
    return float(spec.evaluate(np.array([w]), order)[0])


def why_numbers(
    data: Source,
    w: float,
    lr: float,
    *,
    small_x: float = 5.0,
    half_window: float | None = None,
    float32_fraction: float = 0.1,
) -> WhyNumbers:
    """Every figure of :class:`WhyNumbers` for ``data`` at ``w`` with learning rate ``lr``.

    Parameters
    ----------
    data : Dataset or Spectrum
        Needs a sample with x != 0.
    w : float
        Finite, ``|w| <= MAX_ABS_W``.
    lr : float
        Finite, > 0: the learning rate to compare with ``2 / L''(w)``.
    small_x : float
        Samples with ``|x| <= small_x`` form the baseline of :attr:`~WhyNumbers.grad_ratio`.
    half_window : float, optional
        Half-width of the window searched by :func:`nearest_global_minimum`
        (default pi/2, a whole period for whole-number x; wider for real
        |x| < 1, see :func:`nearest_global_minimum`).
    float32_fraction : float
        The fraction of a basin at which float32 rounding is deemed to matter.

    Cost: one dense grid over the window (:func:`nearest_global_minimum`) and
    one scan of L' between w and the target: ~0.05 s on the question's data
    (1000 samples, max x = 999), a few seconds for max|x| = 1e6.
    """
    spec = as_spectrum(data, varying=True)
    source = spec.data
    w, lr = _check_w(w), _check_positive("lr", lr)
    small_x = _check_positive("small_x", small_x)
    float32_fraction = _check_positive("float32_fraction", float32_fraction)
    located, window = nearest_global_minimum(spec, w, half_window=half_window)
    floor = locate(spec, located)
    g = floor.where
    target_basin, current_basin = basin(spec, g), basin(spec, w)
    current_minimum = _basin_minimum(spec, current_basin, w)
    current_width = current_basin[1] - current_basin[0]
    target_width = target_basin[1] - target_basin[0]
    between, exact = _minima_between(spec, w, current_basin, current_minimum, g, target_basin)
    grad, curvature = _at(spec, w, 1), _at(spec, w, 2)
    c4 = floor.quartic_coef
    grads = sample_gradients(source, w)
    periods = sample_periods(source)
    abs_x = np.abs(source.x)
    for arr in (grads, periods, abs_x):
        arr.setflags(write=False)
    x_max = source.max_abs_x
    return WhyNumbers(
        w=w,
        lr=lr,
        abs_x=abs_x,
        periods=periods,
        finest_period=np.pi / x_max,
        sample_grads=grads,
        grad_ratio=_grad_ratio(grads, abs_x, small_x),
        loss=_at(spec, w, 0),
        grad=grad,
        curvature=curvature,
        max_stable_lr=max_stable_lr(curvature),
        step=lr * abs(grad),
        step_in_basins=lr * abs(grad) / current_width if current_width > 0 else np.inf,
        target=g,
        target_loss=floor.loss,
        floor=floor,
        minima_between=between,
        minima_between_exact=exact,
        target_basin=target_basin,
        target_basin_width=target_width,
        current_minimum=current_minimum,
        current_basin=current_basin,
        current_basin_width=current_width,
        target_curvature=floor.curvature,
        quartic_coef=c4,
        rate=linear_rate(floor.curvature, lr) if floor.kind == QUADRATIC else np.nan,
        quartic_max_gap=quartic_max_gap(c4, lr) if floor.kind == QUARTIC else np.nan,
        halving_steps=_halving_steps(floor, w - g, lr),
        halving_tolerance=_halving_tolerance(spec, floor, w - g, lr),
        float32_spacing=float(np.spacing(np.float32(abs(g)))),
        float32_phase_error=float32_phase_error(g, x_max),
        float32_shift_in_basins=float32_phase_error(g, 1.0) / target_width,
        float32_max_x=float32_max_x(g, float32_fraction),
        float32_loss_at_target=float(loss_curve(source, np.array([g]), precision="float32")[0]),
        search_window=window,
    )


def sample_extremes(data: Dataset) -> tuple[float, float]:
    """The smallest and the largest non-zero ``|x|``: the slowest and the fastest wave
    of the comb (periods ``pi/|x|``).

    Sizes, not signed x: a sample's loss term depends on ``|x|`` only, so
    mirroring any x changes neither.

    Raises
    ------
    ValueError
        When every x is 0 (the loss does not depend on w).
    """
    x = np.asarray(data.x)
    size = np.abs(x)
    if not np.any(size):
        raise ValueError("data must hold a non-zero x; every x is 0")
    return float(size[size > 0].min()), float(size.max())
