"""The direct float64 loss landscapes against a naive one-shot sum, in one run.

Run from the repository root:

    .venv/bin/python bench/losses.py

For each loss on the question's window: CPU seconds (``time.process_time``,
best of 5) of :func:`landscape.losses.loss_values` on the grid that
:func:`landscape.losses.direct_grid` picks, of the naive sum over every sample
in one (G, N) array on the same grid, their ratio, and the largest difference.
"""

from __future__ import annotations

import time

import numpy as np

from landscape.criteria import LOSSES
from landscape.data import parity_data
from landscape.losses import direct_grid, loss_values, pair_count


def cpu_seconds(fn) -> float:
    """CPU seconds of the fastest of five calls (other processes share the cores)."""
    times = []
    for _ in range(5):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return min(times)


def naive(x: np.ndarray, y: np.ndarray, w: np.ndarray, loss: str) -> np.ndarray:
    """Every sample, one (G, N) array, the formulas as torch's docs write them."""
    p = np.sin(np.outer(w, x)) ** 2
    r = p - y
    if loss == "mse":
        return (r**2).mean(axis=1)
    if loss == "l1":
        return np.abs(r).mean(axis=1)
    if loss == "huber":
        return np.where(np.abs(r) < 1, 0.5 * r**2, np.abs(r) - 0.5).mean(axis=1)
    with np.errstate(divide="ignore"):
        terms = y * np.maximum(np.log(p), -100) + (1 - y) * np.maximum(np.log(1 - p), -100)
    return -terms.mean(axis=1)


def main() -> None:
    data = parity_data()
    grid = direct_grid(data, 1.4, 1.75)
    print(f"question's window: {grid.kind} grid of {grid.w.size} points, {pair_count(data)} pairs")
    for loss in LOSSES:
        fast = cpu_seconds(lambda loss=loss: loss_values(data, grid.w, loss))
        slow = cpu_seconds(lambda loss=loss: naive(data.x, data.y, grid.w, loss))
        got, want = loss_values(data, grid.w, loss), naive(data.x, data.y, grid.w, loss)
        print(
            f"{loss:6s} loss_values {fast:.3f} s  naive {slow:.3f} s  ratio {slow / fast:.1f}  "
            f"max|diff| {np.max(np.abs(got - want)):.1e}"
        )


if __name__ == "__main__":
    main()
