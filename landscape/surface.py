"""Loss curves over w, their derivatives, and every local minimum in a window.

All functions take a :class:`~landscape.data.Dataset` or a precomputed
:class:`~landscape.spectrum.Spectrum` (build it once with
:func:`~landscape.spectrum.spectrum` to reuse it across windows).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import torch

from .checks import check_window
from .data import Dataset
from .spectrum import MAX_ABS_W, MAX_POINTS, Spectrum, check_points, spectrum

Source = Dataset | Spectrum

# float32 view: at most this many (point, sample) pairs per torch chunk (64 MB).
_F32_CHUNK = 1 << 24

# Grid points per shortest period of L' when scanning for minima. Critical
# points closer than 1/16 of that period could share a cell; on the datasets
# here none do (checked against a 64x finer brute-force scan in the tests).
_SCAN_DENSITY = 16


def as_spectrum(source: Source) -> Spectrum:
    """``source`` itself if it is a Spectrum, else the spectrum of the Dataset."""
    return source if isinstance(source, Spectrum) else spectrum(source)


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


def _float32_loss(data: Dataset, w: np.ndarray) -> np.ndarray:
    # Equal (x, y) pairs give equal float32 residuals: evaluate each once and
    # weight by its count (the mean then differs from torch's own reduction
    # order by ~1e-7 relative, far below the rounding this view exists to show).
    pairs, counts = np.unique(np.stack([data.x, data.y]), axis=1, return_counts=True)
    x = torch.from_numpy(pairs[0]).to(torch.float32)
    y = torch.from_numpy(pairs[1]).to(torch.float32)
    weights = torch.from_numpy(counts / data.n)
    w32 = torch.from_numpy(w).to(torch.float32)
    rows = max(1, _F32_CHUNK // x.numel())
    out = np.empty(w.size)
    with torch.no_grad():
        for start in range(0, w.size, rows):
            chunk = w32[start : start + rows, None]
            residual = torch.sin(chunk * x) ** 2 - y
            out[start : start + rows] = ((residual**2).double() @ weights).numpy()
    return out


def scan_step(data: Source) -> float:
    """Grid spacing used by :func:`minima`: 1/16 of the shortest period ``2 pi / (4 max|x|)``."""
    spec = as_spectrum(data)
    return 2 * np.pi / max(spec.max_omega, 1.0) / _SCAN_DENSITY


def minima(data: Source, lo: float, hi: float, *, max_iter: int = 100) -> np.ndarray:
    """Every local minimum of L strictly inside [lo, hi], ascending.

    Method: scan L' and L'' on a grid of spacing :func:`scan_step` (1/16 of the
    shortest period of L'). A minimum is a sign change of L' from negative to
    non-negative. Two roots of L' can share a cell (a shallow dip beside an
    inflection); then L' has an extremum in that cell, so L'' changes sign
    there: each such cell is searched for that extremum, and where L' has the
    opposite sign to the cell's ends the minimum's bracket is split off. Each
    bracket is then refined by a safeguarded Newton iteration on ``L' = 0``
    with the exact ``L''``, kept inside the bracket. (A cell could hide more
    only if L' had two extrema in 1/16 of its shortest period.)

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


def maxima(data: Source, lo: float, hi: float, *, max_iter: int = 100) -> np.ndarray:
    """Every local maximum of L strictly inside [lo, hi], ascending.

    The minima of -L, found exactly as :func:`minima` finds those of L (same
    scan, same search of cells that hide a pair, same refinement and cost).
    Neighbouring maxima bound a basin of attraction of gradient flow.
    """
    return _extrema(as_spectrum(data), lo, hi, -1.0, max_iter)


def _extrema(spec: Spectrum, lo: float, hi: float, sign: float, max_iter: int) -> np.ndarray:
    """Minima (sign = 1) or maxima (sign = -1) of L: the minima of sign * L."""
    lo, hi = check_window(lo, hi, MAX_ABS_W)
    if spec.max_omega == 0.0:
        return np.empty(0)
    step = scan_step(spec)
    count = int(np.ceil((hi - lo) / step)) + 1
    if count > MAX_POINTS:
        raise ValueError(
            f"window [{lo:g}, {hi:g}] needs {count} scan points at spacing {step:.3g}; at most "
            f"{MAX_POINTS} are allowed: narrow it to width {MAX_POINTS * step:.3g} or less"
        )
    grid = np.linspace(lo, hi, max(count, 3))
    slope = sign * spec.evaluate(grid, 1)
    left = np.flatnonzero((slope[:-1] < 0) & (slope[1:] >= 0))
    a, b = _hidden_brackets(spec, grid, slope, sign, max_iter)
    lows = np.concatenate([grid[left], a])
    highs = np.concatenate([grid[left + 1], b])
    return np.sort(_refine(spec, lows, highs, 1, max_iter, sign))


def _hidden_brackets(
    spec: Spectrum, grid: np.ndarray, slope: np.ndarray, sign: float, max_iter: int
) -> tuple[np.ndarray, np.ndarray]:
    """Brackets of minima of ``sign * L`` hidden in cells where its slope keeps its sign."""
    bend = sign * spec.evaluate(grid, 2)
    same = (np.sign(slope[:-1]) == np.sign(slope[1:])) & (slope[:-1] != 0)
    turns = np.flatnonzero(same & (np.sign(bend[:-1]) != np.sign(bend[1:])))
    if turns.size == 0:
        return np.empty(0), np.empty(0)
    # L'' rises through zero where L' has a minimum, falls where it has a maximum.
    rising = bend[turns] < 0
    lo, hi = grid[turns], grid[turns + 1]
    ext = np.empty(turns.size)
    for mask, turn in ((rising, sign), (~rising, -sign)):
        if mask.any():
            ext[mask] = _refine(spec, lo[mask], hi[mask], 2, max_iter, turn)
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
    max_iter: int,
    sign: float = 1.0,
) -> np.ndarray:
    """Safeguarded Newton on ``f = sign * L^(order) = 0`` in brackets with f(a) < 0 <= f(b)."""
    a, b = a.copy(), b.copy()
    x = 0.5 * (a + b)
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
    return x


def global_minima(
    data: Source, lo: float, hi: float, *, atol: float = 1e-10, found: np.ndarray | None = None
) -> np.ndarray:
    """The local minima in [lo, hi] whose loss is within ``atol`` of the lowest one.

    On parity data these are the exact solutions ``pi/2 + k pi`` in the window.
    ``found``, the result of ``minima(data, lo, hi)`` if the caller has it,
    saves computing it again.
    """
    spec = as_spectrum(data)
    found = minima(spec, lo, hi) if found is None else np.asarray(found, dtype=np.float64)
    if found.size == 0:
        return found
    values = spec.evaluate(found, 0)
    return found[values <= values.min() + atol]
