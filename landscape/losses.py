"""The loss landscape of ``x -> sin^2(w x)`` under each torch loss, in float64, and its comb.

The student tried other loss functions; this module answers whether one would
help. With ``p_i(w) = sin^2(w x_i)`` and labels ``y_i``, the landscapes are

- ``mse``: ``mean_i (p_i - y_i)^2`` (``nn.MSELoss``), evaluated by the exact
  cosine series of :mod:`landscape.spectrum`;
- ``l1``: ``mean_i |p_i - y_i|`` (``nn.L1Loss``);
- ``huber``: ``mean_i h(p_i - y_i)`` with ``h(r) = r^2 / 2`` for
  ``|r| < delta``, else ``delta (|r| - delta / 2)`` (``nn.HuberLoss``,
  ``delta =`` :data:`~landscape.criteria.HUBER_DELTA`, torch's default); for
  labels in [0, 1] every ``|r| <= 1``, so it is exactly half the MSE;
- ``bce``: ``-mean_i [y_i max(log p_i, -100) + (1 - y_i) max(log(1 - p_i), -100)]``
  (``nn.BCELoss`` on ``sin^2``; torch clamps each log at
  :data:`~landscape.criteria.BCE_LOG_FLOOR`; like torch, it needs labels in [0, 1]).
  ``1 - p_i`` is computed as ``cos^2(w x_i)``, which keeps its relative
  accuracy where ``p_i`` is close to 1.

The three without a series are summed directly in float64 over the distinct
``(x, y)`` pairs: O(G x pairs) for G points, so a landscape is capped at
:data:`MAX_PAIR_POINTS` (point, pair) evaluations and says which grid it used
(:class:`LossLandscape`). Every term of every loss oscillates with period
``pi / |x_i|`` in w, whatever the loss does to the residual, so every landscape
is a comb whose teeth are set by the model's frequencies (:class:`Comb`
measures it): MSE, L1 and Huber have minima about ``pi / max|x|`` apart; BCE
adds a pole wherever a model output ``sin^2(w x_i)`` reaches 0 or 1 against
its label (``w = k pi / |x_i|`` where ``y_i != 0``, ``(k + 1/2) pi / |x_i|`` where
``y_i != 1``), with a minimum between every two poles.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .checks import check_window
from .criteria import BCE_LOG_FLOOR, HUBER_DELTA, LOSSES, Criterion
from .data import Dataset
from .spectrum import MAX_ABS_W, check_points
from .surface import as_spectrum, minima, scan_step
from .window import dense_grid

#: Most (grid point x distinct (x, y) pair) evaluations of one direct landscape:
#: ~0.16 s of CPU per loss at the ~4e-8 s per evaluation measured here (the
#: rate the Notebook tab budgets with: lab.tabs.notebook.LOSS_PAIR_POINT_S).
MAX_PAIR_POINTS = 4_000_000

#: Most BCE poles (counted with multiplicity) that :func:`bce_poles` lists.
MAX_POLES = 5_000_000

# (point, pair) evaluations per chunk: 512 kB per float64 intermediate, so that the
# several temporaries of a loss stay in cache (16 MB chunks were ~1.5x slower here).
_CHUNK = 1 << 16

# Golden-section rounds shrink a bracket by 0.618 each; the refined minimum is
# then certified on a ladder of offsets h 10^-k (see locate_minima).
_INVPHI = (np.sqrt(5.0) - 1.0) / 2.0
_LADDER = 10.0 ** -np.arange(-2, 13)
# Ulps to either side at which the rounding noise of L is sampled.
_JITTER = 8


def check_loss(loss: object, delta: object = HUBER_DELTA, data: Dataset | None = None) -> Criterion:
    """The :class:`~landscape.criteria.Criterion` of ``loss`` (and ``delta``), checked.

    The names, delta's range and the label rule are the criterion's: ``bce``
    refuses labels of ``data`` outside [0, 1], as ``torch.nn.BCELoss`` does.
    """
    if not isinstance(loss, str) or loss not in LOSSES:
        raise ValueError(f"loss must be one of {', '.join(LOSSES)}; got {loss!r}")
    criterion = Criterion(loss, delta)
    if data is not None:
        criterion.check_labels(data.y)
    return criterion


def usable_losses(data: Dataset) -> tuple[str, ...]:
    """The losses of :data:`~landscape.criteria.LOSSES` that take ``data``'s labels, in order.

    All but ``bce`` take any labels; ``bce`` needs every label in [0, 1]
    (:meth:`landscape.criteria.Criterion.check_labels`).
    """
    usable = []
    for name in LOSSES:
        try:
            Criterion(name).check_labels(data.y)
        except ValueError:
            continue
        usable.append(name)
    return tuple(usable)


def distinct_pairs(data: Dataset) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct ``(x, y)`` pairs and their weights ``count / N``: equal pairs give equal terms.

    Returns ``(x, y, weight)``, each of shape (pairs,), ordered by x then y.
    Raises ValueError if ``data`` is not a Dataset. Cost: one sort, O(N log N).
    """
    if not isinstance(data, Dataset):
        raise ValueError(f"data must be a landscape.data.Dataset, got {type(data).__name__}")
    pairs, counts = np.unique(np.stack([data.x, data.y]), axis=1, return_counts=True)
    return pairs[0], pairs[1], counts / data.n


def pair_count(data: Dataset) -> int:
    """Distinct ``(x, y)`` pairs of ``data``: the per-point cost of a direct landscape."""
    return int(distinct_pairs(data)[0].size)


def _log_clamped(values: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.maximum(np.log(values), BCE_LOG_FLOOR)


def _terms(criterion: Criterion, t: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per-sample losses at phases ``t = w x`` (any shape broadcasting with ``y``)."""
    loss, delta = criterion.name, criterion.delta
    s = np.sin(t)
    p = s * s
    if loss == "bce":
        c = np.cos(t)
        # y * clamp(log p): y = 0 times the clamp is 0, as in torch.
        return -(y * _log_clamped(p) + (1.0 - y) * _log_clamped(c * c))
    r = np.abs(p - y)
    if loss == "l1":
        return r
    if loss == "huber":
        # 0.5 r^2 below delta, delta (r - delta / 2) above: one expression for both.
        inner = np.minimum(r, delta)
        return 0.5 * inner * inner + delta * np.maximum(r - delta, 0.0)
    return r * r


def loss_values(data: Dataset, w: np.ndarray, loss: str, delta: float = HUBER_DELTA) -> np.ndarray:
    """``L(w)`` of ``loss`` (Huber: with ``delta``) at every point of ``w`` (any shape), float64.

    ``mse`` comes from the exact series (:func:`landscape.surface.loss_curve`'s
    route, O(G + max|x| log max|x|)); the others are direct sums over the
    distinct ``(x, y)`` pairs, O(G x pairs), with rounding error ~1e-16 x
    |w x| per term (~2e-13 for the question's |w x| ~ 1500).

    Raises
    ------
    ValueError
        For an unknown loss, or ``w`` outside ``|w| <= MAX_ABS_W``, not finite, or too many points.
    """
    criterion = check_loss(loss, delta, data)
    points = check_points(w)
    if criterion.name == "mse":
        return as_spectrum(data).evaluate(points, 0)
    x, y, weight = distinct_pairs(data)
    flat = points.ravel()
    out = np.empty(flat.size)
    rows = max(1, _CHUNK // x.size)
    for start in range(0, flat.size, rows):
        t = np.multiply.outer(flat[start : start + rows], x)
        out[start : start + rows] = _terms(criterion, t, y) @ weight
    return out.reshape(points.shape)


@dataclass(frozen=True)
class Grid:
    """The grid a direct landscape is drawn and scanned on, and why.

    Attributes
    ----------
    w : ndarray
        Ascending points over [lo, hi].
    kind : str
        ``"dense"`` (:func:`landscape.window.dense_grid`, the Landscape tab's
        resolution), ``"scan"`` (spacing :func:`landscape.surface.scan_step`,
        1/16 of the shortest period: every basin holds points) or
        ``"thinned"`` (capped by :data:`MAX_PAIR_POINTS`: basins may be missed,
        so no minima are counted).
    """

    w: np.ndarray
    kind: str

    @property
    def resolves_basins(self) -> bool:
        """Whether the spacing is at most the scan step, so that minima may be counted."""
        return self.kind != "thinned"

    @property
    def step(self) -> float:
        """The spacing."""
        return float(self.w[1] - self.w[0])


def direct_grid(data: Dataset, lo: float, hi: float, cap: int = MAX_PAIR_POINTS) -> Grid:
    """The finest of dense, scan-resolution and thinned grids whose direct sum fits ``cap``.

    ``cap`` counts (point x distinct pair) evaluations. The thinned grid has
    ``cap // pairs`` points (at least 3). Raises ValueError for a bad window.
    """
    lo, hi = check_window(lo, hi, MAX_ABS_W)
    pairs = pair_count(data)
    dense = dense_grid(data, lo, hi)
    if dense.size * pairs <= cap:
        return Grid(dense, "dense")
    count = max(int(np.ceil((hi - lo) / scan_step(data))) + 1, 3)
    if count * pairs <= cap:
        return Grid(np.linspace(lo, hi, count), "scan")
    return Grid(np.linspace(lo, hi, max(cap // pairs, 3)), "thinned")


@dataclass(frozen=True, eq=False)
class LossLandscape:
    """One loss over a window: its values on a grid and its local minima.

    Attributes
    ----------
    loss : str
        One of :data:`~landscape.criteria.LOSSES`.
    grid : Grid
        Where ``values`` were computed (for ``mse``, the dense grid: the series is cheap).
    values : ndarray
        ``L(w)`` on ``grid.w``.
    minima : ndarray
        The local minima strictly inside the window, ascending: for ``mse``
        those of :func:`landscape.surface.minima` (Newton on the exact series);
        otherwise the grid points lower than both neighbours (each brackets a
        local minimum within one grid step; refine them with
        :func:`locate_minima`). Empty when the grid is thinned.
    complete : bool
        Whether ``minima`` holds every local minimum of the window: the grid
        resolves every basin and the loss has no feature narrower than a grid
        step. True for mse and huber, and for l1 when every label is 0 or 1
        (then ``|p - y|`` is ``sin^2`` or ``cos^2``). False for bce (poles,
        :func:`bce_poles`) and for l1 with a label strictly between 0 and 1
        (a kink wherever ``sin^2(w x_i) = y_i``): ``minima`` is then a lower bound.
    """

    loss: str
    grid: Grid
    values: np.ndarray
    minima: np.ndarray
    complete: bool


def grid_minima(w: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Indices ``i`` (not the ends) with ``values[i-1] > values[i] <= values[i+1]``."""
    v = np.asarray(values, dtype=np.float64)
    return np.flatnonzero((v[1:-1] < v[:-2]) & (v[1:-1] <= v[2:])) + 1


def loss_landscape(
    data: Dataset,
    lo: float,
    hi: float,
    loss: str,
    delta: float = HUBER_DELTA,
    *,
    found: np.ndarray | None = None,
) -> LossLandscape:
    """``loss``'s landscape (Huber: with ``delta``) over [lo, hi], with its local minima.

    ``mse``: the series on :func:`landscape.window.dense_grid` and the minima
    of :func:`landscape.surface.minima` (pass them as ``found`` if you have
    them). The others: :func:`loss_values` on :func:`direct_grid` and the
    grid's discrete minima (none when thinned). Cost: the direct sum on the
    grid, at most :data:`MAX_PAIR_POINTS` evaluations, or the series' minima
    scan for ``mse``.

    Raises
    ------
    ValueError
        For an unknown loss, labels the loss refuses, a bad window, or data
        whose x are all 0 (then no loss depends on w).
    """
    loss = check_loss(loss, delta, data).name
    lo, hi = check_window(lo, hi, MAX_ABS_W)
    if data.max_abs_x == 0:
        raise ValueError("data must hold a sample with x != 0: otherwise L is constant in w")
    if loss == "mse":
        spec = as_spectrum(data)
        grid = Grid(dense_grid(spec, lo, hi), "dense")
        at = minima(spec, lo, hi) if found is None else np.asarray(found, dtype=np.float64)
        return LossLandscape(loss, grid, spec.evaluate(grid.w, 0), at, True)
    grid = direct_grid(data, lo, hi)
    values = loss_values(data, grid.w, loss, delta)
    found = grid.w[grid_minima(grid.w, values)] if grid.resolves_basins else np.empty(0)
    smooth = loss == "huber" or (loss == "l1" and bool(np.all((data.y == 0) | (data.y == 1))))
    return LossLandscape(loss, grid, values, found, grid.resolves_basins and smooth)


@dataclass(frozen=True, eq=False)
class Located:
    """Refined local minima and how far each is certified.

    Attributes
    ----------
    w : ndarray
        The refined minimisers.
    loss : ndarray
        ``L`` there.
    within : ndarray
        For each, the smallest offset ``d`` of the ladder ``h 10^-k``, k =
        -2..12 (h the grid step), such that ``L(w - d')`` and ``L(w + d')`` both exceed
        ``L(w)`` by more than its measured rounding noise, for ``d' = d`` and
        every larger rung down from the widest that passes: a local minimum
        of ``L`` lies in ``(w - d, w + d)``. NaN where no rung passed.
    """

    w: np.ndarray
    loss: np.ndarray
    within: np.ndarray

    def digits(self, i: int) -> int:
        """Decimal places of ``w[i]`` that ``within[i]`` supports (0 if none)."""
        d = float(self.within[i])
        return max(0, int(np.floor(-np.log10(d)))) if np.isfinite(d) and d > 0 else 0


def _golden(f: Callable[[np.ndarray], np.ndarray], a: np.ndarray, b: np.ndarray, tol: float):
    """Vectorised golden-section search: each bracket [a, b] shrunk below ``tol``."""
    a, b = a.astype(np.float64).copy(), b.astype(np.float64).copy()
    c, d = b - _INVPHI * (b - a), a + _INVPHI * (b - a)
    fc, fd = f(c), f(d)
    width = float(np.max(b - a)) if a.size else 0.0
    rounds = int(np.ceil(np.log(tol / width) / np.log(_INVPHI))) if width > tol else 0
    for _ in range(rounds):
        left = fc <= fd
        # Keep [a, d] (the minimum is left of d) or [c, b]; one new point each.
        b, a = np.where(left, d, b), np.where(left, a, c)
        new = np.where(left, b - _INVPHI * (b - a), a + _INVPHI * (b - a))
        fnew = f(new)
        c, d, fc, fd = (
            np.where(left, new, d),
            np.where(left, c, new),
            np.where(left, fnew, fd),
            np.where(left, fc, fnew),
        )
    return np.where(fc <= fd, c, d)


def locate_minima(
    data: Dataset,
    loss: str,
    near: np.ndarray,
    step: float,
    *,
    delta: float = HUBER_DELTA,
    tol: float = 1e-13,
    refine: bool = True,
) -> Located:
    """Refine minima found on a grid: golden-section search in ``[m - step, m + step]``.

    Parameters
    ----------
    data : Dataset
    loss : str
        One of :data:`~landscape.criteria.LOSSES`.
    near : array_like
        Grid minima (:attr:`LossLandscape.minima`), each lower than the grid
        points ``step`` to either side.
    step : float
        The grid spacing, > 0.
    delta : float
        Huber's delta.
    tol : float
        Bracket width at which the search stops (absolute, in w).
    refine : bool
        False to certify ``near`` as given (minima already refined, e.g.
        :func:`landscape.surface.minima`'s Newton iterates for ``mse``).

    Returns
    -------
    Located
        With the certificate ``within``: golden-section compares float64
        values, which stop discriminating where ``L(m + d) - L(m)`` falls
        below their rounding (a flat quartic minimum: far from ``tol``), so
        the digits stated are those the ladder test passes, not ``tol``'s.

    Cost: ``log(2 step / tol) / 0.48`` rounds plus 30 ladder and 17 jitter
    points, each one :func:`loss_values` evaluation per minimum.
    """
    check_loss(loss, delta, data)
    near = check_points(near).ravel()
    if not (np.isfinite(step) and step > 0):
        raise ValueError(f"step must be a positive number, got {step!r}")
    if near.size == 0:
        return Located(near, near.copy(), near.copy())
    lo = np.maximum(near - step, -MAX_ABS_W)
    hi = np.minimum(near + step, MAX_ABS_W)

    def value(w: np.ndarray) -> np.ndarray:
        return loss_values(data, w, loss, delta)

    found = _golden(value, lo, hi, tol) if refine else near
    offsets = step * _LADDER
    ulps = np.spacing(np.abs(found))[:, None] * np.arange(-_JITTER, _JITTER + 1)
    # One call for every point of a minimum: a series takes one route and one
    # reference angle per call, so its rounding is comparable across them.
    points = np.hstack([found[:, None] + ulps, found[:, None] - offsets, found[:, None] + offsets])
    values = value(points)
    jitter, left, right = np.split(values, [ulps.shape[1], ulps.shape[1] + offsets.size], axis=1)
    at = jitter[:, _JITTER]
    # L changes by far less than its rounding within a few ulps of a minimum
    # (L' ~ 0 there): four times the spread of those values, plus 8 eps |L|,
    # is the rise that counts.
    margin = 4.0 * np.ptp(jitter, axis=1) + 8.0 * np.finfo(np.float64).eps * np.abs(at)
    rise = (at + margin)[:, None]
    holds = (left > rise) & (right > rise)
    # From the widest passing rung down, without a gap: a wider rung may fail
    # by reaching into the next basin (BCE's poles lie closer than a step).
    first = np.argmax(holds, axis=1)
    after = np.arange(offsets.size) >= first[:, None]
    run = np.cumprod(holds | ~after, axis=1).sum(axis=1)
    within = np.where(holds.any(axis=1), offsets[np.maximum(run - 1, 0)], np.nan)
    return Located(found, at, within)


@dataclass(frozen=True)
class Comb:
    """How a landscape's minima are spaced, beside the model's own periods.

    For ``bce`` the teeth are the poles (:func:`bce_poles`): every gap
    between two neighbouring poles holds a minimum, so ``count`` is the
    number of distinct poles minus one (a lower bound on the minima) and the
    spacings are those of the poles; a grid cannot resolve them.

    Attributes
    ----------
    loss : str
    count : int
        Local minima in the window (a lower bound unless ``complete``).
    mean_spacing : float
        ``(last - first) / (count - 1)`` over the minima (bce: the poles);
        NaN with fewer than two.
    median_spacing : float
        Median gap between neighbours; NaN with fewer than two.
    model_period : float
        ``pi / max|x|``: the period in w of the fastest sample's
        ``sin^2(w x)``; MSE adds half of it, ``pi / (2 max|x|)``.
    """

    loss: str
    count: int
    mean_spacing: float
    median_spacing: float
    model_period: float
    complete: bool

    @property
    def ratio(self) -> float:
        """``mean_spacing / model_period``."""
        return self.mean_spacing / self.model_period


def bce_poles(data: Dataset, lo: float, hi: float) -> np.ndarray:
    """The distinct w in [lo, hi] where a BCE term's log hits zero: its poles, ascending.

    Where ``sin(w x_i) = 0`` (``w = k pi / |x_i|``) for a sample with
    ``y_i != 0``, and where ``cos(w x_i) = 0`` (``w = (k + 1/2) pi / |x_i|``)
    for one with ``y_i != 1``, the term ``-y log p`` or ``-(1 - y) log(1 - p)``
    has a logarithmic spike (cut at 100 |y| by torch's clamp). These are the
    zeros of the model's own outputs: their positions depend on x only.
    Equal ratios ``k / x`` give equal (correctly rounded) floats, so
    coincident poles are merged exactly.

    Raises
    ------
    ValueError
        If the window holds more than :data:`MAX_POLES` poles (counted with
        multiplicity; narrow it).
    """
    lo, hi = check_window(lo, hi, MAX_ABS_W)
    x, y, _ = distinct_pairs(data)
    keep = x != 0
    x, y = np.abs(x[keep]), y[keep]
    ratios = []
    for half, has in ((0.0, y != 0), (0.5, y != 1)):
        ax = np.unique(x[has])
        first = np.ceil(lo * ax / np.pi - half)
        last = np.floor(hi * ax / np.pi - half)
        count = np.maximum(last - first + 1, 0).astype(np.int64)
        if int(count.sum()) > MAX_POLES:
            raise ValueError(
                f"window [{lo:g}, {hi:g}] holds more than {MAX_POLES} BCE poles: narrow it"
            )
        k = np.repeat(first, count) + _ranks(count)
        ratios.append((k + half) / np.repeat(ax, count))
    return np.pi * np.unique(np.concatenate(ratios))


def _ranks(count: np.ndarray) -> np.ndarray:
    """``0, 1, ..., c - 1`` for each c in ``count``, concatenated."""
    starts = np.repeat(np.cumsum(count) - count, count)
    return np.arange(int(count.sum())) - starts


def comb(data: Dataset, landscape: LossLandscape, lo: float, hi: float) -> Comb:
    """The spacing of ``landscape``'s minima (bce: poles), measured, beside ``pi / max|x|``."""
    period = float(np.pi / data.max_abs_x) if data.max_abs_x else np.inf
    if landscape.loss == "bce":
        teeth = bce_poles(data, lo, hi)
        count = max(teeth.size - 1, 0)
    else:
        teeth = landscape.minima
        count = teeth.size
    if teeth.size < 2:
        return Comb(landscape.loss, int(count), np.nan, np.nan, period, landscape.complete)
    mean = float((teeth[-1] - teeth[0]) / (teeth.size - 1))
    median = float(np.median(np.diff(teeth)))
    return Comb(landscape.loss, int(count), mean, median, period, landscape.complete)
