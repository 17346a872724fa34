"""Loss curves over w, their derivatives, and every local minimum in a window.

All functions take a :class:`~landscape.data.Dataset` or a precomputed
:class:`~landscape.spectrum.Spectrum` (build it once with
:func:`~landscape.spectrum.spectrum` to reuse it across windows).

Critical points come from one scan and one Newton iteration, shared by every
search in the package: L' is sampled every :func:`scan_step` (``SCAN_DENSITY``
points per shortest period), cells where it rises through zero bracket a
minimum (of L, or of -L for maxima), and a safeguarded Newton iteration with
the exact next derivative refines each bracket. :func:`minima`,
:func:`maxima` and :func:`count_minima` are that scan; :func:`global_minima`
runs it only where a coarser grid of L values (:func:`search_grid`) can hold
a global minimum; :func:`newton_path` exposes the iteration itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal, Protocol

import numpy as np
import torch

from .checks import check_real, check_window
from .data import Dataset
from .spectrum import MAX_ABS_W, MAX_POINTS, Spectrum, check_points, spectrum

#: What every curve and search accepts: the samples, or their precomputed spectrum.
Source = Dataset | Spectrum

#: Scan points per shortest period ``2 pi / (4 max|x|)`` of L and its
#: derivatives, for the scan of L' behind :func:`minima` (see :func:`scan_step`).
#: Critical points closer than 1/16 of that period could share a cell; on the
#: datasets here none do (checked against a 64x finer brute-force scan in the tests).
SCAN_DENSITY = 16

# Points per shortest period of the grid of L values that global searches read
# (search_step). At spacing h = period / 4 the Taylor margin M2 h^2 / 8 of
# global_minima is at most (pi/2)^2 / 8 ~ 0.31 of sum|a_k|: few runs to scan.
_SEARCH_DENSITY = 4

# Newton rounds per bracket: bisection alone closes a scan cell to a few ulps
# of w in about 50 rounds (|w| not near 0), so the cap only stops iterations
# that rounding noise keeps going.
_NEWTON_ROUNDS = 100

# Runs of low search-grid points closer than this many cells share one scan:
# its fixed cost dominates on large x.
_MERGE_GAP = 256

# float32 view: at most this many (point, sample) pairs per torch chunk (64 MB).
_F32_CHUNK = 1 << 24


class CarriesSpectrum(Protocol):
    """Anything built on a spectrum that it keeps as ``spec`` (a swarm's LossOracle)."""

    spec: Spectrum


def as_spectrum(source: Source | CarriesSpectrum, *, varying: bool = False) -> Spectrum:
    """The spectrum behind ``source``.

    ``source`` itself if it is a Spectrum, the ``spec`` it carries (a swarm's
    :class:`~landscape.swarm.LossOracle`), else the spectrum of the Dataset
    (O(N + max|x|), :func:`~landscape.spectrum.spectrum`).

    Raises
    ------
    ValueError
        If ``source`` is none of these, or if ``varying`` and every x is 0
        (then L is constant in w and has no minima to explain).
    """
    if isinstance(source, Dataset):
        spec = spectrum(source)
    elif isinstance(source, Spectrum):
        spec = source
    elif isinstance(getattr(source, "spec", None), Spectrum):
        spec = source.spec
    else:
        raise ValueError(f"data must be a Dataset or Spectrum, got {type(source).__name__}")
    if varying and spec.max_omega == 0.0:
        raise ValueError("data must hold a sample with x != 0: otherwise L is constant in w")
    return spec


def loss_curve(
    data: Source, w: np.ndarray, *, precision: Literal["float64", "float32"] = "float64"
) -> np.ndarray:
    """Mean squared error ``L(w) = mean_i (sin^2(w x_i) - y_i)^2`` at every w.

    Parameters
    ----------
    data : Dataset or Spectrum
    w : array_like
        Any shape and spacing; finite, ``|w| <= MAX_ABS_W``, at most
        ``MAX_POINTS`` points.
    precision : {"float64", "float32"}
        ``"float64"``: the exact series, absolute error below 1e-10 for
        |x| up to 1e6 (measured ~1e-13 on the question's data), cost
        O(G + max|x| log max|x|). ``"float32"``: what the student's float32
        torch forward pass returns, rounding of ``w x`` and all; cost
        O(G x distinct (x, y) pairs).

    Returns
    -------
    ndarray
        Same shape as ``w``, float64.
    """
    if precision == "float64":
        return as_spectrum(data).evaluate(w, 0)
    if precision == "float32":
        points = check_points(w)
        source = data.data if isinstance(data, Spectrum) else data
        return _float32_loss(source, points.ravel()).reshape(points.shape)
    raise ValueError(f"precision must be 'float64' or 'float32', got {precision!r}")


def grad_curve(data: Source, w: np.ndarray) -> np.ndarray:
    """``dL/dw = mean_i 2 (sin^2(w x_i) - y_i) sin(2 w x_i) x_i`` at every w (float64).

    Error below ``1e-10 * max|x|``; same cost as :func:`loss_curve`.
    """
    return as_spectrum(data).evaluate(w, 1)


def curvature_curve(data: Source, w: np.ndarray) -> np.ndarray:
    """``d^2L/dw^2 = mean_i 2 x_i^2 [sin^2(2 w x_i) + 2 (sin^2(w x_i) - y_i) cos(2 w x_i)]``.

    Error below ``1e-10 * max|x|^2``; same cost as :func:`loss_curve`.
    """
    return as_spectrum(data).evaluate(w, 2)


def float32_pairs(data: Dataset) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct ``(|x|, y)`` pairs and weights ``count / N``: the float32 loss's terms.

    Equal ``(|x|, y)`` give equal float32 residuals (float32 sin is odd, the
    square even, and ``w * -x = -(w * x)`` exactly), so the float32 loss
    evaluates each pair once; its cost per point is the number of pairs.
    """
    pairs, counts = np.unique(np.stack([np.abs(data.x), data.y]), axis=1, return_counts=True)
    return pairs[0], pairs[1], counts / data.n


def _float32_loss(data: Dataset, w: np.ndarray) -> np.ndarray:
    # Each float32_pairs term once, weighted by its count, so mirrored x give
    # the same sum in the same order (the mean then differs from torch's own
    # reduction order by ~1e-7 relative, far below the rounding this view
    # exists to show).
    abs_x, label, weight = float32_pairs(data)
    x = torch.from_numpy(abs_x).to(torch.float32)
    y = torch.from_numpy(label).to(torch.float32)
    weights = torch.from_numpy(weight)
    w32 = torch.from_numpy(w).to(torch.float32)
    rows = max(1, _F32_CHUNK // x.numel())
    out = np.empty(w.size)
    with torch.no_grad():
        for start in range(0, w.size, rows):
            chunk = w32[start : start + rows, None]
            residual = torch.sin(chunk * x) ** 2 - y
            out[start : start + rows] = ((residual**2).double() @ weights).numpy()
    return out


def _shortest_period(spec: Spectrum) -> float:
    """``2 pi / (4 max|x|)``, the period of L's fastest term (2 pi for constant L)."""
    return 2 * np.pi / max(spec.max_omega, 1.0)


def scan_step(data: Source) -> float:
    """Grid spacing of the scan of L' behind :func:`minima`: ``2 pi / (4 max|x|) / SCAN_DENSITY``."""
    return _shortest_period(as_spectrum(data)) / SCAN_DENSITY


def search_step(data: Source) -> float:
    """Grid spacing of :func:`search_grid`: a quarter of the shortest period ``2 pi / (4 max|x|)``.

    Four scan steps; fine enough that a basin as wide as half the shortest
    period holds grid points.
    """
    return _shortest_period(as_spectrum(data)) / _SEARCH_DENSITY


def _grid_size(lo: float, hi: float, step: float) -> int:
    """Points of the uniform grid over [lo, hi] with spacing at most ``step`` (at least 3)."""
    return max(int(np.ceil((hi - lo) / step)) + 1, 3)


def _check_grid_size(lo: float, hi: float, step: float) -> int:
    count = _grid_size(lo, hi, step)
    if count > MAX_POINTS:
        raise ValueError(
            f"window [{lo:g}, {hi:g}] needs {count} grid points at spacing {step:.3g}; at most "
            f"{MAX_POINTS} are allowed: narrow it to width {MAX_POINTS * step:.3g} or less"
        )
    return count


def search_grid(data: Source, lo: float, hi: float) -> np.ndarray:
    """Uniform grid over [lo, hi] (ends included) with spacing at most :func:`search_step`.

    The grid on which a global search reads L: a basin at least half the
    shortest period wide holds some of its points. At least 3 points, at most ``MAX_POINTS`` (a wider window
    raises ValueError); ``lo < hi`` inside ``|w| <= MAX_ABS_W``.
    """
    lo, hi = check_window(lo, hi, MAX_ABS_W)
    return np.linspace(lo, hi, _check_grid_size(lo, hi, search_step(data)))


def minima(data: Source, lo: float, hi: float, *, max_iter: int = _NEWTON_ROUNDS) -> np.ndarray:
    """Every local minimum of L strictly inside [lo, hi], ascending.

    Method: scan L' and L'' on a grid of spacing :func:`scan_step` (1/16 of the
    shortest period of L'). A minimum is a sign change of L' from negative to
    non-negative. Two roots of L' can share a cell (a shallow dip beside an
    inflection); then L' has an extremum in that cell, so L'' changes sign
    there: each such cell is searched for that extremum, and where L' has the
    opposite sign to the cell's ends the minimum's bracket is split off. Each
    bracket is then refined by a safeguarded Newton iteration on ``L' = 0``
    with the exact ``L''``, kept inside the bracket (:func:`newton_path`). (A
    cell could hide more only if L' had two extrema in 1/16 of its shortest
    period.)

    Accuracy: where ``L'' > 0`` the minimiser is found to ~1e-15 relative
    (Newton converges quadratically; the last step is below 1e-12). At a
    degenerate minimum such as the quartic one at pi/2 on parity data,
    ``L'(pi/2 + d) ~ 4 mean(x^4) d^3`` drowns in the rounding noise ``e`` of L'
    at ``|d| ~ (e / (4 mean(x^4)))^(1/3)``: a few times 1e-9 for the
    question's data (mean(x^4) ~ 2e11), 6e-7 for the six samples 0..5
    (mean(x^4) = 163), which is as tight as float64 allows.

    Cost: the scan is ``(hi - lo) / scan_step`` points (at most ``MAX_POINTS``;
    a wider window raises ValueError), then a few evaluations per minimum.
    """
    return _extrema(as_spectrum(data), lo, hi, 1.0, max_iter)


def maxima(data: Source, lo: float, hi: float, *, max_iter: int = _NEWTON_ROUNDS) -> np.ndarray:
    """Every local maximum of L strictly inside [lo, hi], ascending.

    The minima of -L, found exactly as :func:`minima` finds those of L (same
    scan, same search of cells that hide a pair, same refinement and cost).
    Neighbouring maxima bound a basin of attraction of gradient flow.
    """
    return _extrema(as_spectrum(data), lo, hi, -1.0, max_iter)


def count_minima(data: Source, lo: float, hi: float) -> int:
    """A lower bound on the number of local minima of L in ``[lo, hi]``, without refining any.

    Counts the sign changes of L' from < 0 to >= 0 on the grid of
    :func:`minima` (spacing :func:`scan_step`); each holds at least one minimum.
    It misses a minimum hidden with a neighbouring maximum inside one cell,
    which ``minima`` finds by also scanning L'': measured 1 of 2246 at
    max|x| = 1e5 and 41 of 21740 at 1e6 (parity data, between 1.5 and pi/2),
    and such pairs occur at small x too. Unlike ``minima`` it takes windows of
    any width. Cost: ``(hi - lo) / scan_step`` evaluations of L' in chunks of
    at most ``MAX_POINTS`` and nothing else: 0.75 s where ``minima`` takes
    117 s (21740 minima at max|x| = 1e6).
    """
    spec = as_spectrum(data)
    lo, hi = check_window(lo, hi, MAX_ABS_W)
    if spec.max_omega == 0.0:
        return 0
    return int(_brackets(spec, lo, hi, 1.0, hidden=False)[0].size)


def _extrema(spec: Spectrum, lo: float, hi: float, sign: float, max_iter: int) -> np.ndarray:
    """Minima (sign = 1) or maxima (sign = -1) of L: the minima of sign * L."""
    lo, hi = check_window(lo, hi, MAX_ABS_W)
    if spec.max_omega == 0.0:
        return np.empty(0)
    _check_grid_size(lo, hi, scan_step(spec))
    a, b = _brackets(spec, lo, hi, sign, max_iter=max_iter)
    found = np.sort(_refine(spec, a, b, 1, sign, max_iter=max_iter))
    # A flat inflection (L' touching zero without crossing it, e.g. at pi/6 for
    # some parity sets) can be bracketed when L' rounds to +0 at a grid point:
    # keep only points where sign * L' really goes from negative to positive.
    d = scan_step(spec) / 64
    crossing = (sign * spec.evaluate(found - d, 1) < 0) & (sign * spec.evaluate(found + d, 1) > 0)
    return found[crossing]


def _scan_grids(lo: float, hi: float, step: float) -> Iterator[np.ndarray]:
    """The scan grid over [lo, hi] (``np.linspace``'s points) in pieces of at most
    ``MAX_POINTS`` points, each sharing its first point with the last piece's end."""
    count = _grid_size(lo, hi, step)
    h = (hi - lo) / (count - 1)
    for first in range(0, count - 1, MAX_POINTS - 1):
        j = np.arange(first, min(first + MAX_POINTS, count))
        grid = j * h + lo
        if j[-1] == count - 1:
            grid[-1] = hi
        yield grid


def _brackets(
    spec: Spectrum,
    lo: float,
    hi: float,
    sign: float,
    *,
    hidden: bool = True,
    max_iter: int = _NEWTON_ROUNDS,
) -> tuple[np.ndarray, np.ndarray]:
    """Brackets ``[a, b]`` of the minima of ``sign * L`` in [lo, hi], ``sign * L'(a) < 0``.

    The scan cells where ``sign * L'`` rises through zero, then (if ``hidden``)
    brackets split off the cells that hide a minimum beside a maximum.
    """
    lows, highs = [], []
    for grid in _scan_grids(lo, hi, scan_step(spec)):
        slope = sign * spec.evaluate(grid, 1)
        left = np.flatnonzero((slope[:-1] < 0) & (slope[1:] >= 0))
        lows.append(grid[left])
        highs.append(grid[left + 1])
        if hidden:
            a, b = _hidden_brackets(spec, grid, slope, sign, max_iter)
            lows.append(a)
            highs.append(b)
    return np.concatenate(lows), np.concatenate(highs)


def _hidden_brackets(
    spec: Spectrum, grid: np.ndarray, slope: np.ndarray, sign: float, max_iter: int
) -> tuple[np.ndarray, np.ndarray]:
    """Brackets of minima of ``sign * L`` hidden in cells where its slope keeps its sign."""
    bend = sign * spec.evaluate(grid, 2)
    same = (np.sign(slope[:-1]) == np.sign(slope[1:])) & (slope[:-1] != 0)
    turns = np.flatnonzero(same & (np.sign(bend[:-1]) != np.sign(bend[1:])))
    # At the extremum of L' (L'' = 0) Taylor gives |L'(end) - L'(ext)| <= S3 d^2 / 2
    # with S3 = sum |a_k| omega_k^3 >= max|L'''| and d <= h / 2 to the nearer end:
    # a cell whose ends both have |L'| above S3 h^2 / 8 (doubled for rounding)
    # cannot hide a crossing, so its search is skipped (most cells; same result).
    s3 = float(np.sum(np.abs(spec.amp) * spec.omega**3))
    reach = 0.25 * s3 * (grid[turns + 1] - grid[turns]) ** 2
    turns = turns[(np.abs(slope[turns]) <= reach) | (np.abs(slope[turns + 1]) <= reach)]
    if turns.size == 0:
        return np.empty(0), np.empty(0)
    # L'' rises through zero where L' has a minimum, falls where it has a maximum.
    rising = bend[turns] < 0
    lo, hi = grid[turns], grid[turns + 1]
    ext = np.empty(turns.size)
    for mask, turn in ((rising, sign), (~rising, -sign)):
        if mask.any():
            ext[mask] = _refine(spec, lo[mask], hi[mask], 2, turn, max_iter=max_iter)
    at_ext = sign * spec.evaluate(ext, 1)
    positive = slope[turns] > 0
    # Ends positive with a negative dip: the minimum is the dip's upward crossing;
    # ends negative with a positive bump: it is the bump's first, upward crossing.
    dip = positive & (at_ext < 0)
    bump = ~positive & (at_ext > 0)
    a = np.concatenate([ext[dip], lo[bump]])
    b = np.concatenate([hi[dip], ext[bump]])
    return a, b


def _refine(
    spec: Spectrum,
    a: np.ndarray,
    b: np.ndarray,
    order: int,
    sign: float,
    *,
    start: np.ndarray | None = None,
    max_iter: int = _NEWTON_ROUNDS,
    path: list[np.ndarray] | None = None,
) -> np.ndarray:
    """Safeguarded Newton on ``f = sign * L^(order) = 0`` in brackets with f(a) < 0 <= f(b).

    Starts at ``start`` (default the brackets' midpoints); appends the start
    and the iterates after every round that moved one to ``path`` if given.
    """
    a, b = a.copy(), b.copy()
    x = 0.5 * (a + b) if start is None else start.copy()
    if path is not None:
        path.append(x.copy())
    active = np.ones(x.size, dtype=bool)
    tiny = 4 * np.finfo(float).eps
    for _ in range(max_iter):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        xi = x[idx]
        f = sign * spec.evaluate(xi, order)
        df = sign * spec.evaluate(xi, order + 1)
        a[idx] = np.where(f < 0, xi, a[idx])
        b[idx] = np.where(f > 0, xi, b[idx])
        with np.errstate(divide="ignore", invalid="ignore"):
            step = f / df
        newton = xi - step
        inside = (df > 0) & (newton > a[idx]) & (newton < b[idx])
        # Converged: a Newton step below rounding (it may land on the bracket's
        # end, which is xi itself), a root hit exactly, or a collapsed bracket.
        done = (
            ((df > 0) & (np.abs(step) <= tiny * np.abs(xi)))
            | (f == 0)
            | (b[idx] - a[idx] <= tiny * np.abs(xi))
        )
        nxt = np.where(inside, newton, 0.5 * (a[idx] + b[idx]))
        x[idx] = np.where(done, xi, nxt)
        active[idx[done]] = False
        if path is not None and not done.all():
            path.append(x.copy())
    return x


def newton_path(
    data: Source, lo: float, hi: float, start: float, *, max_iter: int = _NEWTON_ROUNDS
) -> np.ndarray:
    """The iterates of the safeguarded Newton iteration on ``L'(w) = 0`` from ``start``.

    The iteration that :func:`minima` refines every bracket with:
    ``w <- w - L'(w) / L''(w)`` with the exact series, the bracket ``[lo, hi]``
    shrunk to ``[w, hi]`` where ``L'(w) < 0`` and to ``[lo, w]`` where
    ``L'(w) > 0``, and bisection of the bracket whenever Newton would leave it
    or ``L''(w) <= 0``. It stops when the Newton step is below 4 ulps of w,
    ``L'(w) = 0`` exactly, or the bracket is 4 ulps wide; or after
    ``max_iter`` rounds. With ``L'(lo) < 0 <= L'(hi)`` it converges to a
    minimum of L in [lo, hi] (quadratically where ``L'' > 0``, linearly, at
    ``d -> 2d/3``, at a quartic minimum, until the rounding of L' stops it).

    Parameters
    ----------
    data : Dataset or Spectrum
    lo, hi : float
        The bracket, ``lo < hi`` inside ``|w| <= MAX_ABS_W``.
    start : float
        First iterate, in [lo, hi].
    max_iter : int
        Most rounds.

    Returns
    -------
    ndarray
        ``start`` and then every new iterate; the last is the answer.
        Cost: two evaluations of the series per round.
    """
    spec = as_spectrum(data)
    lo, hi = check_window(lo, hi, MAX_ABS_W)
    start = check_real("start", start, lo, hi)
    path: list[np.ndarray] = []
    bracket = np.array([lo]), np.array([hi])
    _refine(spec, *bracket, 1, 1.0, start=np.array([start]), max_iter=max_iter, path=path)
    return np.array([x[0] for x in path])


def global_minima(
    data: Source, lo: float, hi: float, *, atol: float = 1e-10, found: np.ndarray | None = None
) -> np.ndarray:
    """The local minima in [lo, hi] whose loss is within ``atol`` of the lowest one.

    On parity data these are the exact solutions ``pi/2 + k pi`` in the window.
    ``found``, the result of ``minima(data, lo, hi)`` if the caller has it,
    is filtered instead of searching again.

    Method (without ``found``): L on :func:`search_grid`, spacing ``h`` (a
    quarter of the shortest period). Taylor's bound
    ``|L(m + d) - L(m)| <= M2 d^2 / 2`` at a minimum m, with
    ``M2 = sum_k |a_k| omega_k^2 >= max |L''|``, puts a grid value within
    ``M2 h^2 / 8`` of every minimum's loss, so every minimum within ``atol`` of
    the lowest lies next to a grid point below ``min(grid) + atol + M2 h^2 / 8``;
    :func:`minima` searches each run of such points and its two neighbours.

    Cost: one evaluation of ``(hi - lo) / search_step`` points (0.003 s for
    max|x| = 999 over a period, ~2 s for 1e6) plus a :func:`minima` scan of
    the runs: on parity data a few basins per solution.
    """
    spec = as_spectrum(data)
    if found is None:
        found = _low_minima(spec, lo, hi, atol)
    else:
        found = np.asarray(found, dtype=np.float64)
    if found.size == 0:
        return found
    values = spec.evaluate(found, 0)
    return found[values <= values.min() + atol]


def _low_minima(spec: Spectrum, lo: float, hi: float, atol: float) -> np.ndarray:
    """The minima of the stretches of [lo, hi] where L can come within ``atol`` of its lowest."""
    grid = search_grid(spec, lo, hi)
    if spec.max_omega == 0.0:
        return np.empty(0)
    values = spec.evaluate(grid, 0)
    h = grid[1] - grid[0]
    margin = atol + float(np.sum(np.abs(spec.amp) * spec.omega**2)) * h * h / 8
    low = np.flatnonzero(values <= values.min() + margin)
    breaks = np.flatnonzero(np.diff(low) > _MERGE_GAP)
    first = low[np.r_[0, breaks + 1]]
    last = low[np.r_[breaks, low.size - 1]]
    starts = np.maximum(first - 1, 0)
    ends = np.minimum(last + 1, grid.size - 1)
    runs = zip(grid[starts], grid[ends], strict=True)
    return np.concatenate([_extrema(spec, a, b, 1.0, _NEWTON_ROUNDS) for a, b in runs])


def minima_between(found: np.ndarray, a: float, b: float) -> int:
    """How many of the minima ``found`` lie strictly between ``a`` and ``b`` (either order).

    With ``found = minima(data, lo, hi)`` and ``a``, ``b`` in ``[lo, hi]``: the
    wrong basins a run must cross from ``a`` to reach ``b``. Cost O(len(found)).
    """
    low, high = min(a, b), max(a, b)
    found = np.asarray(found, dtype=np.float64)
    return int(np.count_nonzero((found > low) & (found < high)))
