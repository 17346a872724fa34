"""Maps of where gradient descent goes: basins of w0, trainability over (w0, lr), chaos.

Every map runs the float64 swarm engine of :mod:`landscape.swarm` (real
:mod:`torch.optim` optimizers, exact gradients) and returns a small frozen
dataclass of numpy arrays.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import torch

from .checks import check_int, check_window
from .optim import MAX_LR, OptimizerSpec
from .spectrum import MAX_ABS_W, Spectrum
from .surface import Source, as_spectrum, global_minima, scan_step
from .swarm import (
    MAX_STARTS,
    MAX_SWARM_STEPS,
    MAX_WORK,
    LossOracle,
    Method,
    check_positive,
    check_starts,
    check_steps,
    chunked,
    descend,
    loss_oracle,
    swarm,
)

#: Label of a run that reached no global minimum.
NONE = -1

#: Most cells of a convergence map (500 x 500).
MAX_MAP_CELLS = 250_000

# Chaos fit window, see growth_window.
_GROWTH_FROM = 10.0
_GROWTH_TO = 1e-2
_GROWTH_BASIN_FRACTION = 0.1


@dataclass(frozen=True, eq=False)
class BasinMap:
    """Where each start of a window ends up (see :func:`basin_map`).

    Attributes
    ----------
    w0, w, exact_loss : ndarray, shape (n,)
        Starts, final weights, exact final losses (NaN where diverged).
    minimizers : ndarray, shape (M,)
        Global minimisers of L in the start window and every one a run
        reached, ascending (on parity data: ``pi/2 + k pi``).
    reached : ndarray of int, shape (n,)
        Index into ``minimizers`` of the minimiser within ``atol`` of the
        final w, or ``NONE`` (-1): stuck in a local minimum, still wandering,
        diverged, or (real x) ended outside the classified span.
    atol : float
    diverged_at : ndarray of int, shape (n,)
    """

    w0: np.ndarray
    w: np.ndarray
    exact_loss: np.ndarray
    minimizers: np.ndarray
    reached: np.ndarray
    atol: float
    diverged_at: np.ndarray


def period_minimizers(data: Source) -> np.ndarray:
    """Global minimisers of a pi-periodic L (whole-number x) in [0, pi), ascending.

    Found by :func:`landscape.surface.global_minima` on a window a little
    wider than one period, folded back modulo pi. Cost: that of
    :func:`~landscape.surface.minima` over one period (~0.5 s for the
    question's data).
    """
    spec = as_spectrum(data)
    if not spec.periodic:
        raise ValueError("period_minimizers needs whole-number x (a pi-periodic loss)")
    margin = 4 * scan_step(spec)
    found = np.mod(global_minima(spec, -margin, np.pi + margin), np.pi)
    found = np.sort(found)
    if found.size > 1:
        # The same minimiser seen on both sides of the fold.
        gaps = np.diff(np.append(found, found[0] + np.pi))
        found = found[gaps > 1e-6]
    return found


def _minimizers_in(spec: Spectrum, base: np.ndarray | None, lo: float, hi: float) -> np.ndarray:
    if base is None:
        return global_minima(spec, lo, hi)
    turns = np.arange(np.floor(lo / np.pi) - 1, np.ceil(hi / np.pi) + 1)
    every = (base[None, :] + np.pi * turns[:, None]).ravel()
    return np.sort(every[(every >= lo) & (every <= hi)])


def reference_minimizers(data: Source, lo: float, hi: float, atol: float) -> np.ndarray:
    """The global minimisers that :func:`classify` measures final weights against.

    Whole-number x: those of one period (:func:`period_minimizers`), repeated
    every pi by :func:`classify`. Real x: those of the span ``[lo - W - atol,
    hi + W + atol]`` (W = hi - lo). Independent of the runs, so a caller can find
    them, and meet the scan's refusal of a too-large max|x|, before any run.
    """
    spec = as_spectrum(data)
    if spec.periodic:
        return period_minimizers(spec)
    width = hi - lo
    return global_minima(spec, lo - width - atol, hi + width + atol)


def classify(
    data: Source,
    w: np.ndarray,
    lo: float,
    hi: float,
    atol: float,
    reference: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Which global minimiser each final ``w`` is within ``atol`` of.

    For whole-number x the global minimisers are ``w* + k pi`` over the
    global minimisers w* of one period (:func:`period_minimizers`). For real x
    "global" is relative to the span ``[lo - W, hi + W]`` (W = hi - lo) and
    finals outside that span are labelled ``NONE``. ``reference`` is
    :func:`reference_minimizers` of the same arguments, if already found.

    Returns
    -------
    minimizers : ndarray
        The global minimisers in [lo, hi] and every one that is reached, ascending.
    reached : ndarray of int
        Index into ``minimizers``, or ``NONE``.
    """
    spec = as_spectrum(data)
    if reference is None:
        reference = reference_minimizers(spec, lo, hi, atol)
    width = hi - lo
    ok = np.isfinite(w)
    if spec.periodic:
        span = (min(lo, np.min(w[ok], initial=lo)), max(hi, np.max(w[ok], initial=hi)))
        candidates = _minimizers_in(spec, reference, span[0] - atol, span[1] + atol)
    else:
        ok &= (w >= lo - width) & (w <= hi + width)
        candidates = reference
    reached = np.full(w.shape, NONE, dtype=np.int64)
    if candidates.size == 0:
        return candidates, reached
    at = np.where(ok, w, lo)
    pos = np.searchsorted(candidates, at)
    left = np.clip(pos - 1, 0, candidates.size - 1)
    right = np.clip(pos, 0, candidates.size - 1)
    nearest = np.where(np.abs(at - candidates[left]) <= np.abs(at - candidates[right]), left, right)
    hit = ok & (np.abs(at - candidates[nearest]) <= atol)
    keep = (candidates >= lo) & (candidates <= hi)
    keep[nearest[hit]] = True
    minimizers = candidates[keep]
    reached[hit] = np.searchsorted(minimizers, candidates[nearest[hit]])
    return minimizers, reached


def basin_map(
    data: Source | LossOracle,
    lo: float,
    hi: float,
    n: int = 1000,
    *,
    optimizer: str = "sgd",
    lr: float = 4e-4,
    steps: int = 1000,
    momentum: float = 0.0,
    nesterov: bool = False,
    betas: tuple[float, float] = (0.9, 0.999),
    weight_decay: float = 0.0,
    atol: float | None = None,
    gradient: Method = "auto",
) -> BasinMap:
    """Final w, final loss and global minimum reached, for n starts evenly spaced in [lo, hi].

    One float64 swarm (:func:`landscape.swarm.swarm`) of ``n`` starts; a run
    has reached the global minimiser w* when it ends within ``atol`` of it.

    Parameters
    ----------
    data : Dataset, Spectrum or LossOracle
    lo, hi : float
        Start window, ``lo < hi``, inside ``|w| <= MAX_ABS_W``.
    n : int
        Starts, 1 to ``MAX_STARTS``.
    optimizer, lr, steps, momentum, nesterov, betas, weight_decay, gradient
        As for :func:`landscape.swarm.swarm`.
    atol : float or None
        Default ``pi / (8 max|x|)``: a quarter of the width ``pi / (2 max|x|)``
        of the narrowest basin. On the question's data that is 3.9e-4, while
        the local minima next to pi/2 lie 4.0e-3 away (loss 0.30) and SGD that
        entered the pi/2 basin ends ~1e-6 from it after 1000 steps (the
        minimum is quartic, so the last approach is slow).

    Cost: the swarm (~0.1 s per 10^6 start-steps) plus one scan of L' over a
    period for the global minimisers (~0.5 s on the question's data). That
    scan needs ``32 max|x| <= MAX_POINTS`` for whole-number x (max|x| up to
    312 500); larger x raise ValueError, before the swarm runs.
    """
    lo, hi = check_window(lo, hi, MAX_ABS_W)
    spec = as_spectrum(data)
    w0 = np.linspace(lo, hi, check_int("n", n, 1, MAX_STARTS))
    if atol is None:
        atol = np.pi / (8 * max(spec.data.max_abs_x, 1.0))
    atol = check_positive("atol", atol, np.pi)
    # Before the swarm: the scan refuses a too-large max|x| at no cost.
    reference = reference_minimizers(spec, lo, hi, atol)
    run = swarm(
        data if isinstance(data, LossOracle) else spec,
        w0,
        optimizer=optimizer,
        lr=lr,
        steps=steps,
        momentum=momentum,
        nesterov=nesterov,
        betas=betas,
        weight_decay=weight_decay,
        record="final",
        gradient=gradient,
    )
    minimizers, reached = classify(spec, run.w, lo, hi, atol, reference)
    return BasinMap(w0, run.w, run.exact_loss, minimizers, reached, atol, run.diverged_at)


@dataclass(frozen=True, eq=False)
class ConvergenceMap:
    """Which (w0, lr) cells train within T steps (see :func:`convergence_map`).

    Attributes
    ----------
    w0 : ndarray, shape (n_w0,)
    lr : ndarray, shape (n_lr,)
        Log-spaced.
    reached : ndarray of bool, shape (n_lr, n_w0)
        L < tol at some step 0..steps.
    first_step : ndarray of int, shape (n_lr, n_w0)
        First such step, -1 if none.
    w : ndarray, shape (n_lr, n_w0)
        Final weights (NaN where diverged).
    final_loss : ndarray, shape (n_lr, n_w0)
        Exact loss after the last step (NaN where diverged): ``final_loss < tol``
        tells the runs that stayed from those that passed through.
    diverged_at : ndarray of int, shape (n_lr, n_w0)
    tol : float
    steps : int
    optimizer : OptimizerSpec
        ``lr`` in it is a placeholder; the rates are ``self.lr``.
    """

    w0: np.ndarray
    lr: np.ndarray
    reached: np.ndarray
    first_step: np.ndarray
    w: np.ndarray
    final_loss: np.ndarray
    diverged_at: np.ndarray
    tol: float
    steps: int
    optimizer: OptimizerSpec

    @property
    def fraction(self) -> np.ndarray:
        """Fraction of starts that reached L < tol, per learning rate, shape (n_lr,)."""
        return self.reached.mean(axis=1)


def _per_lr_optimizer(
    opt: OptimizerSpec, lrs: np.ndarray, n_w0: int
) -> tuple[Callable[[torch.Tensor], torch.optim.Optimizer], np.ndarray | None]:
    """How to give row i of the flat (n_lr * n_w0,) tensor the learning rate lrs[i].

    SGD (momentum, Nesterov, dampening 0, no weight decay): one optimizer with
    lr = 1 fed ``lr_i * L'`` (see :func:`convergence_map` for the proof).
    Anything else: one torch param group per learning rate, each with its own
    real ``lr``.
    """
    if opt.name == "sgd" and opt.weight_decay == 0.0:
        unit = replace(opt, lr=1.0)
        return (lambda flat: unit.build(chunked(flat))), np.repeat(lrs, n_w0)

    def groups(flat: torch.Tensor) -> torch.optim.Optimizer:
        rows = flat.split(n_w0)
        return opt.build(
            [{"params": chunked(row), "lr": float(r)} for row, r in zip(rows, lrs, strict=True)]
        )

    return groups, None


def convergence_map(
    data: Source,
    lo: float,
    hi: float,
    lr_lo: float = 1e-6,
    lr_hi: float = 1e-1,
    *,
    n_w0: int = 300,
    n_lr: int = 300,
    optimizer: str = "sgd",
    steps: int = 500,
    tol: float = 1e-3,
    momentum: float = 0.0,
    nesterov: bool = False,
    betas: tuple[float, float] = (0.9, 0.999),
    weight_decay: float = 0.0,
    gradient: Method = "auto",
) -> ConvergenceMap:
    """Trainability over a grid of starts w0 x learning rates (after Sohl-Dickstein, 2024).

    Cell (i, j) runs the optimizer from ``w0_j`` with learning rate ``lr_i``
    for ``steps`` steps; it is marked when the loss falls below ``tol``, with
    the first step at which it did. All ``n_lr * n_w0`` runs go in one float64
    swarm.

    Per-element learning rates, SGD: torch's SGD (momentum mu, dampening 0, no
    weight decay) keeps ``b_1 = g_1``, ``b_t = mu b_{t-1} + g_t`` and steps
    ``w_{t+1} = w_t - eta d_t`` with ``d_t = b_t`` (or ``g_t + mu b_t`` for
    Nesterov). Fed ``g~_t = eta g_t`` at the same ``w_t`` with lr = 1, it keeps
    ``b~_1 = eta b_1`` and ``b~_t = mu eta b_{t-1} + eta g_t = eta b_t``, so
    ``d~_t = eta d_t`` and ``w~_{t+1} = w_t - eta d_t``: by induction on t the
    two runs are the same, for every eta at once. In floating point ``eta g``
    is rounded before, not after, the momentum sum: a few ulps per step.
    Weight decay ``g + lambda w`` is not linear in the scaled gradient, and
    Adam, AdamW, RMSprop and Adagrad are invariant to the gradient's scale,
    so these run as one torch param group per learning rate, each with its
    real ``lr`` (slower: per-group overhead, ~5x per cell for 100 rates).

    Parameters
    ----------
    data : Dataset or Spectrum
    lo, hi : float
        w0 window; ``n_w0`` evenly spaced starts.
    lr_lo, lr_hi : float
        ``n_lr`` log-spaced learning rates in (0, MAX_LR], ``lr_lo <= lr_hi``.
    n_w0, n_lr : int
        ``n_w0 * n_lr <= MAX_MAP_CELLS`` and ``n_w0 * n_lr * steps <= MAX_WORK``.
    optimizer, momentum, nesterov, betas, weight_decay, gradient
        As for :func:`landscape.swarm.swarm`.
    steps : int
        T.
    tol : float
        Loss threshold in (0, 1]. Data that no w fits exactly (label noise)
        needs ``tol`` above its minimum loss.

    Cost: two table lookups (L' and L) per cell and step, ~30 ns, plus the
    optimizer: 300 x 300 x 500 SGD on the question's data took 2.1-3.8 s, and
    Adam (param groups) 4.9-6.2 s for 300 x 100 (2 busy cores;
    ``bench/swarm.py``).
    """
    lo, hi = check_window(lo, hi, MAX_ABS_W)
    n_w0 = check_int("n_w0", n_w0, 1, MAX_MAP_CELLS)
    n_lr = check_int("n_lr", n_lr, 1, MAX_MAP_CELLS)
    cells = n_w0 * n_lr
    if cells > MAX_MAP_CELLS:
        raise ValueError(f"n_w0 * n_lr = {cells}; at most {MAX_MAP_CELLS} cells are allowed")
    lr_lo = check_positive("lr_lo", lr_lo, MAX_LR)
    lr_hi = check_positive("lr_hi", lr_hi, MAX_LR)
    if lr_lo > lr_hi:
        raise ValueError(f"lr_lo must be at most lr_hi, got {lr_lo:g} > {lr_hi:g}")
    steps = check_steps(cells, steps)
    tol = check_positive("tol", tol, 1.0)
    opt = OptimizerSpec(
        optimizer,
        lr_lo,
        momentum=momentum,
        nesterov=nesterov,
        betas=betas,
        weight_decay=weight_decay,
    )
    w0 = np.linspace(lo, hi, n_w0)
    lrs = np.geomspace(lr_lo, lr_hi, n_lr)
    oracle = loss_oracle(data, gradient=gradient, with_loss=True)
    make, scale = _per_lr_optimizer(opt, lrs, n_w0)
    start = np.tile(w0, n_lr)
    first = np.where(oracle.loss(start) < tol, 0, -1)
    w, dead, diverged_at = start, np.zeros(cells, bool), np.full(cells, -1)
    for state in descend(oracle, start, steps, make, grad_scale=scale):
        w, dead, diverged_at = state.w, state.dead, state.diverged_at
        pending = np.flatnonzero((first < 0) & ~dead)
        if pending.size:
            hit = pending[oracle.loss(w[pending]) < tol]
            first[hit] = state.step
    final = np.where(dead, np.nan, w)
    loss = np.full(cells, np.nan)
    loss[~dead] = oracle.spec.evaluate(final[~dead], 0)
    shape = (n_lr, n_w0)
    return ConvergenceMap(
        w0,
        lrs,
        (first >= 0).reshape(shape),
        first.reshape(shape),
        final.reshape(shape),
        loss.reshape(shape),
        diverged_at.copy().reshape(shape),
        tol,
        steps,
        opt,
    )


@dataclass(frozen=True, eq=False)
class Chaos:
    """Two runs ``eps`` apart (see :func:`chaos`).

    Attributes
    ----------
    w : ndarray, shape (steps + 1, 2)
        Both trajectories (NaN from divergence on).
    distance : ndarray, shape (steps + 1,)
        ``|w_a - w_b|`` after each step (``distance[0]`` is eps as rounded).
    rate : float
        Least-squares slope of ``ln distance`` per step over ``window``: the
        finite-time Lyapunov exponent; NaN if the window has < 2 points.
    efold : float
        ``1 / rate`` steps to grow e-fold (inf if rate <= 0).
    window : (int, int)
        Steps ``[start, stop)`` of the fit.
    parted_at : int
        First step with ``distance > threshold``, -1 if none.
    eps, threshold : float
    """

    w: np.ndarray
    distance: np.ndarray
    rate: float
    efold: float
    window: tuple[int, int]
    parted_at: int
    eps: float
    threshold: float


def growth_window(distance: np.ndarray, eps: float, upper: float) -> tuple[int, int]:
    """The steps ``[start, stop)`` over which :func:`chaos` fits the exponential rate.

    ``start``: the first step where the distance reaches ``10 eps`` (past the
    transient in which the offset lines up with the growing direction), or 0
    if it never does (then the fit measures contraction). ``stop``: the first
    step after ``start`` where it exceeds ``upper`` or is not finite, else the
    end. :func:`chaos` takes ``upper = min(1e-2, 0.1 pi / (2 max|x|))``, a
    tenth of the narrowest basin: below it the two runs feel the same
    curvature, ``d_{t+1} ~ |1 - lr L''(w_t)| d_t`` for SGD (1.6e-4 on the
    question's data). Only points with distance > 0 enter the fit.
    """
    grown = np.flatnonzero(distance >= _GROWTH_FROM * eps)
    start = int(grown[0]) if grown.size else 0
    over = np.flatnonzero(~(distance[start:] <= upper))
    stop = start + int(over[0]) if over.size else distance.size
    return start, stop


def chaos(
    data: Source | LossOracle,
    w0: float,
    eps: float = 1e-7,
    *,
    optimizer: str = "sgd",
    lr: float = 4e-4,
    steps: int = 100,
    threshold: float = 1e-3,
    momentum: float = 0.0,
    nesterov: bool = False,
    betas: tuple[float, float] = (0.9, 0.999),
    weight_decay: float = 0.0,
    gradient: Method = "auto",
) -> Chaos:
    """Sensitivity to the start: two float64 runs from ``w0`` and ``w0 + eps``.

    The distance between them grows like ``exp(rate * step)`` while it is small;
    ``rate`` is fitted by least squares on ``ln distance`` over
    :func:`growth_window`. For SGD it is the mean of ``ln|1 - lr L''(w_t)|``
    along the run. On the question's setup (w0 = 1.5, lr = 4e-4) the two runs
    are 1.19e-6, 3.2e-6, 1.06e-5, 7.9e-5, 7.4e-4, 7.0e-3 apart after steps
    1..6 (rate 1.4 per step, e-folding in 0.7 steps, parted at step 6). The
    float32 script gives 1.5e-6, 4e-6, 1.6e-5, 1.2e-4, 1.2e-3: there 1.5 + 1e-7
    rounds to an offset of 1.19e-7.

    Parameters
    ----------
    data : Dataset or Spectrum
    w0 : float
        ``|w0| <= MAX_ABS_W``.
    eps : float
        Offset, in [1e-12, 1e-4] (below 1e-12 it is float64 rounding).
    threshold : float
        ``parted_at`` is the first step with a distance above it, in (0, 10].
    optimizer, lr, steps, momentum, nesterov, betas, weight_decay, gradient
        As for :func:`landscape.swarm.swarm`.

    Cost: a swarm of two, ~30 us per step on the table route.
    """
    if isinstance(eps, bool) or not isinstance(eps, int | float | np.floating | np.integer):
        raise ValueError(f"eps must be a number in [1e-12, 1e-4], got {eps!r}")
    if not 1e-12 <= eps <= 1e-4:
        raise ValueError(f"eps must be in [1e-12, 1e-4], got {eps!r}")
    threshold = check_positive("threshold", threshold, 10.0)
    start = check_starts("w0", [w0, w0 + eps], 2)
    run = swarm(
        data,
        start,
        optimizer=optimizer,
        lr=lr,
        steps=steps,
        momentum=momentum,
        nesterov=nesterov,
        betas=betas,
        weight_decay=weight_decay,
        record=1 if steps else "final",
        gradient=gradient,
    )
    distance = np.abs(run.history[:, 1] - run.history[:, 0])
    basin = np.pi / (2 * max(as_spectrum(data).data.max_abs_x, 1.0))
    window = growth_window(distance, float(eps), min(_GROWTH_TO, _GROWTH_BASIN_FRACTION * basin))
    steps_in = np.arange(*window)
    used = steps_in[distance[steps_in] > 0]
    rate = float(np.polyfit(used, np.log(distance[used]), 1)[0]) if used.size >= 2 else np.nan
    efold = np.nan if np.isnan(rate) else (1.0 / rate if rate > 0 else np.inf)
    parted = np.flatnonzero(distance > threshold)
    return Chaos(
        run.history,
        distance,
        rate,
        efold,
        window,
        int(parted[0]) if parted.size else -1,
        float(eps),
        threshold,
    )


def lr_range(lr: float) -> tuple[float, float]:
    """Learning rates a convergence map spans around ``lr``: 1e-6 .. 1e-1, widened to hold 10x.

    The span covers the rates that train on the question's data (below ~1e-3)
    and those that jump basins, and always ``lr / 10`` and ``10 lr``, within
    (1e-12, MAX_LR].
    """
    lr = check_positive("lr", lr, MAX_LR)
    return max(min(1e-6, lr / 10), 1e-12), min(max(1e-1, lr * 10), MAX_LR)


def map_steps(steps: int, cells: int) -> int:
    """The steps a map of ``cells`` runs can afford: ``steps``, within the swarm's work limit."""
    steps = check_int("steps", steps, 1, MAX_SWARM_STEPS)
    cells = check_int("cells", cells, 1, MAX_MAP_CELLS)
    return max(1, min(steps, MAX_WORK // cells))
