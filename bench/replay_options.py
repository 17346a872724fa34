"""CPU cost of the question's float32 replay with a loss, a schedule and validation.

Run from the repository root:

    .venv/bin/python bench/replay_options.py     # add --quick for a short smoke run

Each variant of the question's run (1000 samples, 100 full-batch SGD epochs)
is timed with ``time.process_time`` (the machine is shared), best of
``--repeats`` rounds of ``--runs`` replays, at ``landscape.train.TORCH_THREADS``.
The ratio is against the plain replay (MSE, no schedule, no validation)
measured in the same run, alternating variants round by round.
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as the app sets it

import time

import torch

from landscape.data import Recipe
from landscape.train import TORCH_THREADS, train


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    repeats, runs = (2, 3) if args.quick else (args.repeats, args.runs)
    torch.set_num_threads(TORCH_THREADS)
    recipe = Recipe()
    data, val = recipe.build(), recipe.validation()
    variants = {
        "plain (mse, no schedule)": {},
        "+ validation (notebook's)": {"val": val},
        "l1 + validation": {"loss": "l1", "val": val},
        "huber + validation": {"loss": "huber", "val": val},
        "bce + validation": {"loss": "bce", "val": val},
        "cosine schedule": {"schedule": "cosine"},
        "step schedule + validation": {"schedule": "step", "val": val},
    }
    train(data, 1.5)  # torch.optim's lazy imports
    best = dict.fromkeys(variants, float("inf"))
    for _ in range(repeats):
        for name, kwargs in variants.items():
            start = time.process_time()
            for _ in range(runs):
                train(data, 1.5, **kwargs)
            best[name] = min(best[name], (time.process_time() - start) / runs)
    base = best["plain (mse, no schedule)"]
    print(f"threads={TORCH_THREADS}, best of {repeats} x {runs} replays, CPU per replay")
    for name, seconds in best.items():
        print(f"{name:30s} {seconds * 1e3:7.2f} ms  x{seconds / base:.2f}")


if __name__ == "__main__":
    main()
