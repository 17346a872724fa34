"""Remedy speed: CPU seconds per remedy of the Fixes tab, against the baseline, in one run.

Run from the repository root:

    .venv/bin/python bench/remedies.py            # add --quick for one dataset, one repeat

The baseline is ``landscape/remedies.py`` as of commit 13ab5a1 (before the
closed-form surrogate gradient and the one-thread runs), loaded from git into
this process and run on the same data at the app's torch thread count of
that commit (two), as the app ran it; the new code runs at today's
``TORCH_THREADS``. The ratio thus holds both levers (one thread, and the
closed-form gradient). CPU is ``time.process_time`` (every
thread of this process, OpenMP/MKL workers included), not wall time: the
machine is shared. Each remedy runs baseline then new, alternating, best of
``--repeats``. Besides the per-remedy CPU the table prints, per dataset, the
cumulative CPU in the Fixes tab's order: the engine's share of "first result"
and "all results" on a new dataset.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as the app sets it, before torch loads

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from landscape import remedies
from landscape.data import Dataset, parity_data
from landscape.train import TORCH_THREADS

#: The commit whose remedies are the baseline, and the app's torch thread count then.
BASELINE_COMMIT = "13ab5a1"
BASELINE_THREADS = 2
ROOT = Path(__file__).resolve().parents[1]


def load_baseline() -> object:
    """``landscape/remedies.py`` at :data:`BASELINE_COMMIT`, as a module of the package."""
    source = subprocess.run(
        ["git", "show", f"{BASELINE_COMMIT}:landscape/remedies.py"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(source)
    name = "landscape._remedies_baseline"
    spec = importlib.util.spec_from_file_location(name, f.name)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    os.unlink(f.name)
    return module


def cpu(fn: Callable[..., object], *args: object, **kwargs: object) -> tuple[float, object]:
    start = time.process_time()
    out = fn(*args, **kwargs)
    return time.process_time() - start, out


def datasets(quick: bool) -> dict[str, Dataset]:
    out = {"question (seed 0)": parity_data(1000, 1000, 0)}
    if not quick:
        out["new dataset (seed 7)"] = parity_data(1000, 1000, 7)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one dataset, one repeat")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    repeats = 1 if args.quick else args.repeats
    baseline = load_baseline()
    warm = parity_data(50, 50, 1)
    baseline.adam(warm, epochs=5)  # torch.optim's first-use imports, outside the timings
    remedies.adam(warm, epochs=5)
    print(
        f"torch threads: baseline {BASELINE_THREADS}, new {TORCH_THREADS}; "
        f"CPU seconds, best of {repeats}"
    )
    for label, data in datasets(args.quick).items():
        print(f"\n{label}")
        print(f"{'remedy':28s} {'baseline':>9s} {'new':>7s} {'ratio':>6s}  same end, claim")
        totals = np.zeros(2)
        first = None
        for method, (name, kwargs) in remedies.VARIANTS.items():
            best = [np.inf, np.inf]
            ends = []
            for _ in range(repeats):
                for i, module in enumerate((baseline, remedies)):
                    torch.set_num_threads((BASELINE_THREADS, TORCH_THREADS)[i])
                    seconds, result = cpu(module.REMEDIES[name], data, 1.5, **kwargs)
                    best[i] = min(best[i], seconds)
                    if len(ends) < 2:
                        ends.append(result)
            totals += best
            first = best[1] if first is None else first
            same = abs(ends[0].final_w - ends[1].final_w) < 1e-12
            held = f"{ends[0].claim_holds} -> {ends[1].claim_holds}"
            print(
                f"{method:28s} {best[0]:9.3f} {best[1]:7.3f} {best[0] / best[1]:6.1f}x  "
                f"{'yes' if same else 'NO'}, {held}"
            )
        print(f"{'all seven':28s} {totals[0]:9.3f} {totals[1]:7.3f} {totals[0] / totals[1]:6.1f}x")
        print(f"engine CPU to the first result {first:.3f} s, to all {totals[1]:.3f} s")
    print(
        "\n'small x' now trains on the six samples of smallest |x| with their own labels "
        "(the baseline: x = 0..5 with parity labels), so its end differs by design; the "
        "surrogates' ends agree to ~1e-15 (closed-form gradient)."
    )


if __name__ == "__main__":
    main()
