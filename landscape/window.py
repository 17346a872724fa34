"""What a window of w shows: a grid that resolves every basin, its envelope, the lowest minima.

The numbers behind every landscape figure and export. A screen is ~2000 pixels
wide, so a dense curve is computed on a grid fine enough to resolve every basin
(:func:`dense_grid`) and reduced to a min/max *envelope* of a few thousand
points (:func:`envelope`) that keeps every minimum exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from .checks import check_window
from .deferred import Message
from .floor import floor_label, known_zero, locate, zero_multiples
from .spectrum import MAX_ABS_W, MAX_POINTS, Spectrum
from .surface import Source, as_spectrum, float32_pairs, global_minima, loss_curve, scan_step

#: Pixel columns of the envelope: a laptop screen's width is ~2000 px at most.
COLUMNS = 2000


#: Fewest points of a dense grid, so that smooth landscapes are smooth too.
MIN_GRID = 8 * COLUMNS


#: A minimum whose loss is below this is a global one: no loss is negative.
ZERO_LOSS = 1e-10


#: Most (point x distinct sample) pairs of the float32 overlay's grid.
F32_BUDGET = 10_000_000


class Run(Protocol):
    """A training run as the builders read it: weights ``w[k]`` after k steps."""

    w: np.ndarray


def envelope(
    w: np.ndarray, values: np.ndarray, lo: float, hi: float, columns: int = COLUMNS
) -> tuple[np.ndarray, np.ndarray]:
    """The points of a dense curve that a ``columns``-pixel-wide plot can show.

    Splits [lo, hi] into ``columns`` equal columns and keeps, in each, the
    point with the lowest and the one with the highest value, in their
    original order: every minimum deeper than its neighbours within one pixel
    survives, exactly (no interpolation). Cost O(G) for G points; returns at
    most ``2 * columns`` points.

    Parameters
    ----------
    w : ndarray
        Ascending abscissae, shape (G,).
    values : ndarray
        Shape (G,).
    """
    lo, hi = check_window(lo, hi, MAX_ABS_W)
    w, values = np.asarray(w, dtype=np.float64), np.asarray(values, dtype=np.float64)
    if w.shape != values.shape or w.ndim != 1:
        raise ValueError(f"w and values must be 1-D of equal length, got {w.shape}, {values.shape}")
    if not isinstance(columns, int) or columns < 1:
        raise ValueError(f"columns must be a positive integer, got {columns!r}")
    if w.size <= 2 * columns:
        return w, values
    if np.any(np.diff(w) < 0):
        raise ValueError("w must be ascending")
    col = np.clip(((w - lo) * (columns / (hi - lo))).astype(np.int64), 0, columns - 1)
    starts = np.flatnonzero(np.r_[True, col[1:] != col[:-1]])
    index = np.arange(w.size)
    size = np.diff(np.r_[starts, w.size])

    def first_where(hit: np.ndarray) -> np.ndarray:
        # The first index of each column where ``hit`` holds (there is one).
        return w.size - np.maximum.reduceat(np.where(hit, w.size - index, 0), starts)

    lowest = first_where(values == np.repeat(np.minimum.reduceat(values, starts), size))
    highest = first_where(values == np.repeat(np.maximum.reduceat(values, starts), size))
    keep = np.unique(np.concatenate([lowest, highest]))
    return w[keep], values[keep]


def dense_grid(data: Source, lo: float, hi: float) -> np.ndarray:
    """A grid over [lo, hi] that resolves every basin: spacing 1/16 of the shortest period.

    At least :data:`MIN_GRID` points, at most ``MAX_POINTS`` (ValueError if the
    window needs more: narrow it).
    """
    lo, hi = check_window(lo, hi, MAX_ABS_W)
    count = max(MIN_GRID, int(np.ceil((hi - lo) / scan_step(as_spectrum(data)))) + 1)
    if count > MAX_POINTS:
        raise ValueError(
            f"window [{lo:g}, {hi:g}] needs {count} points to resolve every basin; at most "
            f"{MAX_POINTS} are allowed: narrow it"
        )
    return np.linspace(lo, hi, count)


def landscape_line(
    data: Source,
    lo: float,
    hi: float,
    *,
    precision: str = "float64",
    columns: int = COLUMNS,
    extra: Sequence[float] = (),
) -> tuple[np.ndarray, np.ndarray]:
    """The envelope (:func:`envelope`) of ``L(w)`` on :func:`dense_grid`, ready to draw.

    ``precision="float32"`` evaluates the student's float32 forward pass
    instead (``loss_curve(..., precision="float32")``), on a grid thinned to
    :data:`F32_BUDGET` (point x distinct sample) pairs. ``extra`` points (e.g.
    the exact minimisers) are added to the grid so that the curve touches them.
    Cost: that of :func:`~landscape.surface.loss_curve` on the grid.
    """
    spec = as_spectrum(data)
    grid = dense_grid(spec, lo, hi)
    if precision == "float32":
        pairs = float32_pairs(spec.data)[0].size
        count = int(np.clip(F32_BUDGET // pairs, min(columns, grid.size), grid.size))
        grid = np.linspace(grid[0], grid[-1], count)
    if len(extra):
        grid = np.union1d(grid, np.clip(np.asarray(extra, dtype=np.float64), lo, hi))
    return envelope(grid, loss_curve(spec, grid, precision=precision), lo, hi, columns)


def exact_loss(data: Source, w: np.ndarray) -> np.ndarray:
    """``L(w)`` along a run, NaN where the series does not reach (|w| > MAX_ABS_W, non-finite).

    A diverged run can leave ``|w| <= MAX_ABS_W``, where
    :func:`~landscape.surface.loss_curve` refuses; those points have no loss to draw.
    """
    w = np.asarray(w, dtype=np.float64)
    inside = np.abs(w) <= MAX_ABS_W
    out = np.full(w.shape, np.nan)
    out[inside] = loss_curve(as_spectrum(data), w[inside])
    return out


def targets(
    data: Source, lo: float, hi: float, minima: np.ndarray | None = None
) -> tuple[np.ndarray, bool]:
    """The lowest minima of L in [lo, hi], and whether they are certainly global.

    Exact where the data give them in closed form: a located minimum that is a
    known zero of the loss (:func:`~landscape.floor.known_zero`: ``pi/2 + k pi``
    for whole x with labels ``|x| mod 2``, ``k pi`` for whole x with labels 0,
    checked on the data) is replaced by the float64 nearest it. They are
    global when their loss is below :data:`ZERO_LOSS` (no loss is negative);
    otherwise they are only the lowest in the window.
    :func:`target_labels` writes them as the page should. Cost: one
    :func:`~landscape.surface.global_minima` call, or a few evaluations when
    ``minima`` (all local minima in the window) is given.
    """
    spec = as_spectrum(data)
    found = global_minima(spec, lo, hi, found=minima)
    multiples = zero_multiples(spec.data)
    if multiples:
        found = np.unique([_known_or_located(spec, g, multiples) for g in found])
    is_global = bool(found.size) and bool(np.all(spec.evaluate(found, 0) < ZERO_LOSS))
    return found, is_global


def _known_or_located(spec: Spectrum, g: float, multiples: str) -> float:
    known = known_zero(spec, float(g), multiples)
    return float(g) if known is None else known[0]


def target_labels(data: Source, found: np.ndarray) -> list[Message]:
    """Each minimum of ``found`` (e.g. from :func:`targets`) as text a page may print.

    A closed-form minimum as its form and 10 decimals ("π/2 =
    1.5707963268"); any other to the decimals its location bound supports, with
    the bound ("1.5312284307538 (± 5e-15)"), from :func:`~landscape.floor.locate`.
    Deferred messages (:func:`~landscape.floor.floor_label`): ``str()`` translates
    each into the language of the page that shows it, so a cache may share them.
    Cost: one membership test per minimum at known zeros, else ten direct sums
    over the spectrum's frequencies per minimum.
    """
    spec = as_spectrum(data)
    return [floor_label(locate(spec, float(g))) for g in np.asarray(found, dtype=np.float64)]
