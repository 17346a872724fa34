"""Swarm and map speed against naive batched torch autograd, in one run.

Run from the repository root:

    .venv/bin/python bench/swarm.py            # add --quick for a short smoke run

Prints wall times (best of a few repeats), the naive/swarm ratio, the table's
interpolation error against a long-double direct sum, the chaos figures of the
question's setup and the 300 x 300 x 500 convergence-map time.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import torch

from landscape.data import parity_data
from landscape.maps import chaos, convergence_map
from landscape.swarm import loss_oracle, swarm


def best_time(fn, repeats: int) -> tuple[float, object]:
    best, out = np.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def naive_step_time(x: np.ndarray, y: np.ndarray, w0: np.ndarray, make, steps: int) -> float:
    """Seconds per step of float32 autograd on the question's model batched over K starts."""
    xt = torch.tensor(x, dtype=torch.float32)[None, :]
    yt = torch.tensor(y, dtype=torch.float32)[None, :]
    w = torch.tensor(w0, dtype=torch.float32)[:, None].requires_grad_()
    opt = make([w])

    def step() -> None:
        opt.zero_grad()
        # sum over starts of each start's mean loss: start k's gradient is its own
        loss = ((torch.sin(w * xt) ** 2 - yt) ** 2).mean(dim=1).sum()
        loss.backward()
        opt.step()

    step()  # warm-up
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - start) / steps


def table_error(data, n: int = 4000) -> tuple[float, float, float]:
    """Max |L' error| of the table and of the exact (finufft) route against a
    long-double direct sum at n random points of one period, and max |L'|."""
    w = np.random.default_rng(1).uniform(-np.pi / 2, np.pi / 2, n)
    ld = np.longdouble
    t = np.multiply.outer(w.astype(ld), data.x.astype(ld))
    ref = np.mean(2 * (np.sin(t) ** 2 - data.y) * np.sin(2 * t) * data.x.astype(ld), axis=1)
    ref = ref.astype(float)
    oracle = loss_oracle(data)
    table = np.abs(oracle.grad(w) - ref).max()
    exact = np.abs(oracle.spec.evaluate(w, 1) - ref).max()
    return float(table), float(exact), float(np.abs(ref).max())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer starts and steps")
    args = parser.parse_args()
    k, steps, naive_steps = (1000, 200, 5) if args.quick else (10_000, 1000, 10)
    grid, map_steps = (60, 100) if args.quick else (300, 500)
    repeats = 1 if args.quick else 3

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} cores")
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    data = parity_data(1000, 1000, 0)
    w0 = np.random.default_rng(0).uniform(1.4, 1.75, k)

    # First use of torch.optim imports torch._dynamo (seconds, once per process).
    start = time.perf_counter()
    swarm(data, [1.5], optimizer="adam", steps=2)
    print(f"warm-up (first torch.optim step in the process): {time.perf_counter() - start:.2f} s")

    build, oracle = best_time(lambda: loss_oracle(data), repeats)
    print(f"gradient table build (G = {oracle.grad_table.size}): {build:.3f} s")
    table, exact, scale = table_error(data)
    print(
        f"L' error vs long-double direct sum, 4000 points of a period: table {table:.2e}, "
        f"exact series (finufft) {exact:.2e}; max|L'| = {scale:.0f}"
    )

    print(f"\nswarm, question's data, K = {k} starts x {steps} steps (float64, table route)")
    cases = [
        ("SGD lr 4e-4", {"optimizer": "sgd", "lr": 4e-4}, lambda p: torch.optim.SGD(p, lr=4e-4)),
        ("Adam lr 1e-3", {"optimizer": "adam", "lr": 1e-3}, lambda p: torch.optim.Adam(p, lr=1e-3)),
    ]
    for label, kwargs, make in cases:
        fast, _ = best_time(lambda kw=kwargs: swarm(data, w0, steps=steps, **kw), repeats)
        per_step = naive_step_time(data.x, data.y, w0, make, naive_steps)
        naive = per_step * steps
        print(f"  {label:13s} swarm {fast:7.3f} s (incl. table build)")
        print(
            f"  {'':13s} naive f32 autograd {naive:8.1f} s "
            f"(extrapolated from {naive_steps} steps x {steps // naive_steps})"
        )
        print(f"  {'':13s} ratio {naive / fast:8.0f}x")

    c = chaos(data, 1.5)
    print("\nchaos, w0 = 1.5 vs 1.5 + 1e-7, SGD lr 4e-4 (float64):")
    print("  distance after steps 1..6: " + ", ".join(f"{d:.2e}" for d in c.distance[1:7]))
    print(f"  rate {c.rate:.2f}/step over steps {c.window}, e-folding {c.efold:.2f} steps")
    print(f"  parted (> {c.threshold:g}) at step {c.parted_at}")

    print(f"\nconvergence map, question's data, {grid} x {grid} (w0 x lr) x {map_steps} steps")
    for opt in ("sgd",):
        elapsed, cm = best_time(
            lambda o=opt: convergence_map(
                data, 1.4, 1.75, 1e-6, 1e-1, n_w0=grid, n_lr=grid, steps=map_steps, optimizer=o
            ),
            1,
        )
        print(
            f"  {opt}: {elapsed:.2f} s; cells reaching L < {cm.tol:g}: {cm.reached.mean():.3f}, "
            f"diverged: {(cm.diverged_at >= 0).mean():.3f}"
        )
    small = grid // 3
    elapsed, cm = best_time(
        lambda: convergence_map(
            data, 1.4, 1.75, 1e-5, 1e-1, n_w0=grid, n_lr=small, steps=map_steps, optimizer="adam"
        ),
        1,
    )
    print(f"  adam ({grid} x {small}, one param group per lr): {elapsed:.2f} s")
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
