"""Benchmark: exact loss curves against the naive forward pass per grid point.

    .venv/bin/python bench/loss_curves.py         # the table in the README
    .venv/bin/python bench/loss_curves.py --quick # smaller naive subsets

The naive baseline is what loss-landscape tools do: for each w on the grid, a
float32 torch forward pass over all the data (chunked over grid points so that
torch vectorises it; 2^16 elements a chunk was the fastest size measured, 7x
faster than 2^24, so the baseline is no straw man). Where the full naive run would take minutes, it is timed
on a subset of the grid and extrapolated linearly (its cost is exactly linear
in the number of grid points); the output says so. Errors are the largest
absolute difference from a long-double direct sum on 200 of the grid points.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

import numpy as np
import torch

from landscape import Dataset, loss_curve, parity_data, real_data


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def naive_float32(data: Dataset, w: np.ndarray, chunk_elems: int = 1 << 16) -> np.ndarray:
    x = torch.tensor(data.x, dtype=torch.float32)
    y = torch.tensor(data.y, dtype=torch.float32)
    rows = max(1, chunk_elems // x.numel())
    out = []
    with torch.no_grad():
        for start in range(0, w.size, rows):
            ws = torch.tensor(w[start : start + rows, None], dtype=torch.float32)
            out.append(((torch.sin(ws * x) ** 2 - y) ** 2).mean(dim=1).numpy())
    return np.concatenate(out)


def reference_error(data: Dataset, w: np.ndarray, values: np.ndarray) -> float:
    pick = np.linspace(0, w.size - 1, 200).astype(int)
    ld = np.longdouble
    phases = np.multiply.outer(w[pick].astype(ld), data.x.astype(ld))
    ref = np.mean((np.sin(phases) ** 2 - data.y.astype(ld)) ** 2, axis=1)
    return float(np.abs(values[pick] - ref).max())


def run_case(label: str, data: Dataset, grid: int, naive_points: int) -> dict:
    w = np.linspace(np.pi / 2 - 0.17, np.pi / 2 + 0.17, grid)
    loss_curve(data, w[:1000])  # warm the transform library
    fast = median_time(lambda: loss_curve(data, w), repeat=5)
    values = loss_curve(data, w)
    sub = w[:naive_points]
    naive_sub = median_time(
        lambda: naive_float32(data, sub), repeat=1 if naive_points < grid else 3
    )
    naive = naive_sub * grid / sub.size
    return {
        "case": label,
        "fast": fast,
        "naive": naive,
        "extrapolated": sub.size < grid,
        "error": reference_error(data, w, values),
    }


def peak_memory_case_b() -> float:
    """Peak RSS (GB) of a fresh process that evaluates case (b) once.

    Read from VmHWM, which starts afresh at exec (ru_maxrss would inherit this
    process's peak through fork).
    """
    code = (
        "import numpy as np;"
        "from landscape import loss_curve, parity_data;"
        "d = parity_data(10**6, 10**6, 0);"
        "loss_curve(d, np.linspace(1.4, 1.75, 10**6));"
        "print([l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    return int(out.stdout.strip()) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller naive subsets")
    args = parser.parse_args()
    torch.set_num_threads(2)
    scale = 4 if args.quick else 1
    question = parity_data(1000, 1000, 0)
    big = parity_data(10**6, 10**6, 0)
    real = real_data(10**5, 1000.0, 0)
    rows = [
        run_case("(a) question data, G=1e5", question, 10**5, 10**5 // scale),
        run_case("(a) question data, G=1e6", question, 10**6, 10**5 // scale),
        run_case("(b) N=1e6 ints < 1e6, G=1e6", big, 10**6, 40 // scale),
        run_case("(c) N=1e5 real x, G=1e5", real, 10**5, 2000 // scale),
    ]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; medians of 5 (fast)\n")
    print("| case | loss_curve | naive f32 torch | speed-up | max abs error |")
    print("|---|---|---|---|---|")
    for r in rows:
        star = " (extrapolated)" if r["extrapolated"] else ""
        print(
            f"| {r['case']} | {r['fast'] * 1e3:.1f} ms | {r['naive']:.3g} s{star} "
            f"| {r['naive'] / r['fast']:,.0f}x | {r['error']:.1e} |"
        )
    print(f"\npeak RSS of a process evaluating case (b): {peak_memory_case_b():.2f} GB")


if __name__ == "__main__":
    main()
