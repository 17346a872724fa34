"""The two-parameter plane against its naive evaluation and against the 1-D landscape, in one run.

Run from the repository root:

    .venv/bin/python bench/plane.py            # add --quick for the small cases only

For each dataset and window, prints CPU seconds (``time.process_time``, best of
a few repeats) of:

- ``plane``: :func:`landscape.plane.plane_view` (the transform on the dense
  grid, every row of 120, the zeros and the combs);
- ``naive``: the same 120 rows by direct float64 sums over the samples (timed
  on ~2e7 sample-points of one row and scaled: what the transform replaces);
- ``1-D``: :func:`landscape.window.landscape_line`, the baseline of the same window;
- ``replay``: 100 full-batch SGD steps of :func:`landscape.plane_train.train_plane`.

and the ratios naive/plane and plane/1-D.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from landscape.data import parity_data
from landscape.plane import ROWS, p_range, plane_view
from landscape.plane_train import train_plane
from landscape.train import TORCH_THREADS
from landscape.window import dense_grid, landscape_line


def best_cpu(fn, repeats: int) -> float:
    best = np.inf
    for _ in range(repeats):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def naive_row(data, w: np.ndarray, b: float) -> None:
    for start in range(0, w.size, 64):
        chunk = w[start : start + 64, None]
        np.mean((np.sin(chunk * data.x + b) ** 2 - data.y) ** 2, axis=1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(TORCH_THREADS)
    cases = [(1000, 1000, 1.40, 1.75), (100_000, 1000, 1.40, 1.75)]
    if not args.quick:
        cases.append((100_000, 1_000_000, 1.5705, 1.5715))
    print(
        f"{'N':>8} {'max|x|':>8} {'model':>5} {'plane':>8} {'naive':>8} {'1-D':>8} "
        f"{'replay':>8} {'naive/plane':>12} {'plane/1-D':>10}"
    )
    for n, high, lo, hi in cases:
        data = parity_data(n, high, 0)
        repeats = 3 if n * high < 1e9 else 1
        line = best_cpu(lambda: landscape_line(data, lo, hi), repeats)  # noqa: B023
        grid = dense_grid(data, lo, hi)
        sample = grid[:: max(1, grid.size * n // 20_000_000)]  # ~2e7 sample-points timed
        naive = best_cpu(lambda: naive_row(data, sample, 0.3), 1)  # noqa: B023
        naive *= ROWS * grid.size / sample.size
        for model in ("w,b", "w,a"):
            p_lo, p_hi = p_range(model)
            plane = best_cpu(lambda: plane_view(data, model, lo, hi, p_lo, p_hi), repeats)  # noqa: B023
            replay = best_cpu(lambda: train_plane(data, model, 1.5, 0.3), repeats)  # noqa: B023
            print(
                f"{n:>8} {high:>8} {model:>5} {plane:>8.3f} {naive:>8.2f} {line:>8.3f} "
                f"{replay:>8.3f} {naive / plane:>12.0f} {plane / line:>10.2f}"
            )


if __name__ == "__main__":
    main()
