"""Where the maps' float64 path and the script's float32 replay of one start part ways.

The maps (:mod:`landscape.maps`) run every start with the float64 swarm engine;
the Landscape tab replays the student's float32 script (:mod:`landscape.train`).
Both follow the same optimizer from the same w0, but they round differently
(float32 keeps ~7 significant digits, float64 ~16), and gradient descent on this
landscape is chaotic: a difference of one float32 spacing can grow by orders of
magnitude within a few steps. So a start that a map colours "reaches w*" can end
elsewhere in the replay. This module finds the step where the two paths part.
"""

from __future__ import annotations

import math

import numpy as np

from .checks import check_int, check_real
from .surface import Source, as_spectrum
from .swarm import MAX_SWARM_STEPS, LossOracle, swarm


def part_tolerance(data: Source) -> float:
    """The distance beyond which two paths count as parted: ``pi / (8 max|x|)``.

    A quarter of the narrowest basin's width ``pi / (2 max|x|)`` (the basin of
    the sample with the largest |x|), the tolerance with which the basin map
    judges that a run reached a global minimum. Paths closer than this can
    still share a basin; farther apart, they can sit in different ones.
    """
    return math.pi / (8 * max(as_spectrum(data).data.max_abs_x, 1.0))


def parting_step(a: np.ndarray, b: np.ndarray, tol: float) -> int | None:
    """The first step k with ``|a[k] - b[k]| > tol``, or None if the paths never part.

    Parameters
    ----------
    a, b : array_like, shape (K,) and (M,)
        Weights after each step of two runs from the same start; compared over
        their common length ``min(K, M)`` (a diverged run is shorter). A NaN in
        either counts as parted.
    tol : float
        Positive distance.

    Cost O(min(K, M)).
    """
    tol = check_real("tol", tol, 0.0, math.inf, lo_open=True, hi_open=True)
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError(f"a and b must be 1-D, got shapes {a.shape} and {b.shape}")
    k = min(a.size, b.size)
    apart = ~(np.abs(a[:k] - b[:k]) <= tol)
    hits = np.flatnonzero(apart)
    return int(hits[0]) if hits.size else None


def float64_path(
    data: Source | LossOracle,
    w0: float,
    steps: int,
    *,
    optimizer: str = "sgd",
    lr: float = 4e-4,
    momentum: float = 0.0,
    nesterov: bool = False,
) -> np.ndarray:
    """The path a map computes for one start: w after each of ``steps`` float64 steps.

    The basin and convergence maps' engine (:func:`landscape.swarm.swarm`,
    full batch, exact float64 gradient from the same table, the same
    ``torch.optim`` optimizer) run from the single start ``w0`` with every step
    recorded.

    A prebuilt :func:`~landscape.swarm.loss_oracle` as ``data`` saves its
    ~0.1 s table build on repeated calls.

    Returns
    -------
    ndarray, shape (steps + 1,)
        ``w`` after 0, 1, ..., ``steps`` steps (w0 unrounded first); NaN from
        the step on which the run left ``|w| <= MAX_ABS_W``.

    Raises
    ------
    ValueError
        For ``steps`` outside ``[0, MAX_SWARM_STEPS]`` or an invalid optimizer
        argument or start (the message names it).

    Cost: the oracle's table build unless given (~0.1 s) plus ~25 us per step.
    """
    steps = check_int("steps", steps, 0, MAX_SWARM_STEPS)
    run = swarm(
        data if isinstance(data, LossOracle) else as_spectrum(data),
        np.array([w0], dtype=np.float64),
        optimizer=optimizer,
        lr=lr,
        steps=steps,
        momentum=momentum,
        nesterov=nesterov,
        record=1,
    )
    return run.history[:, 0].copy()
