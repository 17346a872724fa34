"""Torch thread count: server CPU per unit of work at 1 and 2 intra-op threads, and
whether the float32 replay gives the same weights at both, in one run.

Run from the repository root:

    .venv/bin/python bench/threads.py            # add --quick for a short smoke run

CPU is ``time.process_time`` (all threads of this process, MKL/OpenMP workers
included), not wall time: the machine is shared. Each workload runs at 1 and at 2
threads, alternating, best of ``--repeats``; the ratio is 2-thread CPU / 1-thread CPU.
The replay check compares every weight of runs at 1 and 2 threads on several
setups (a different weight at any step means the thread count is part of the
bit-exact contract on this CPU).
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as the app sets it

import time
from collections.abc import Callable

import numpy as np
import torch

from landscape.data import parity_data
from landscape.maps import basin_map, chaos
from landscape.remedies import REMEDIES
from landscape.spectrum import spectrum
from landscape.train import train


def cpu(fn: Callable[[], object], threads: int) -> float:
    torch.set_num_threads(threads)
    start = time.process_time()
    fn()
    return time.process_time() - start


def workloads(quick: bool) -> dict[str, Callable[[], object]]:
    data = parity_data(1000, 1000, 0)
    spec = spectrum(data)
    epochs = 100 if quick else 1000
    return {
        f"replay, question, {epochs} steps": lambda: train(data, 1.5, epochs=epochs),
        "replay, batch 32, 10 epochs": lambda: train(data, 1.5, epochs=10, batch_size=32),
        "basin map, 1000 starts x 100 steps": lambda: basin_map(spec, 1.4, 1.75, 1000, steps=100),
        "chaos, 100 steps": lambda: chaos(spec, 1.5, 1e-7, steps=100),
        "remedy: curriculum": lambda: REMEDIES["curriculum"](data, 1.5),
        "remedy: adam": lambda: REMEDIES["adam"](data, 1.5),
        "remedy: complex surrogate": lambda: REMEDIES["complex surrogate"](data, 1.5),
    }


def replay_agreement(quick: bool) -> list[tuple[str, int | None]]:
    """Per setup, the first step whose weight differs between 1 and 2 threads (None: none)."""
    setups = [
        ("question (seed 0, lr 4e-4, 1000 epochs)", 0, {"epochs": 1000}),
        ("seed 7, lr 1e-3, 1000 epochs", 7, {"epochs": 1000, "lr": 1e-3}),
        ("adam lr 1e-2, 500 epochs", 0, {"epochs": 500, "optimizer": "adam", "lr": 1e-2}),
        ("sgd momentum 0.9, 500 epochs", 3, {"epochs": 500, "momentum": 0.9}),
        ("batch 32, 20 epochs", 0, {"epochs": 20, "batch_size": 32}),
    ]
    if quick:
        setups = setups[:2]
    out = []
    for label, seed, kwargs in setups:
        data = parity_data(1000, 1000, seed)
        runs = []
        for threads in (1, 2):
            torch.set_num_threads(threads)
            runs.append(train(data, 1.5, **kwargs).w)
        differ = np.flatnonzero(runs[0] != runs[1])
        out.append((label, int(differ[0]) if differ.size else None))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(torch.__config__.parallel_info().splitlines()[3:6])
    print(f"{'workload':40} {'1 thread':>10} {'2 threads':>10} {'2/1':>6}")
    for label, fn in workloads(args.quick).items():
        fn()  # warm-up
        best = {1: np.inf, 2: np.inf}
        for _ in range(args.repeats):
            for threads in (1, 2):
                best[threads] = min(best[threads], cpu(fn, threads))
        print(f"{label:40} {best[1]:9.3f}s {best[2]:9.3f}s {best[2] / best[1]:6.2f}")
    for label, step in replay_agreement(args.quick):
        verdict = "identical at 1 and 2 threads" if step is None else f"part at step {step}"
        print(f"replay {label}: {verdict}")


if __name__ == "__main__":
    main()
