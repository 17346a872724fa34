"""The Fixes tab's figures: CPU per build, plain data against Plotly's validating API, in one run.

Run from the repository root:

    .venv/bin/python bench/remedy_figures.py          # add --quick for fewer calls

The baseline is ``landscape/plots/remedies.py`` as of commit 13ab5a1
(``go.Figure()``, ``add_scatter`` and ``base_layout``: every property validated,
the template looked up by name), loaded from git into this process; the new
builders are today's (:func:`landscape.plots._style.figure`, no validation).
Both draw seven stand-in runs of the Fixes tab's shape (1000 steps each, near
pi/2) on the question's data. CPU is ``time.thread_time`` (this thread only),
not wall time: the machine is shared. Builders alternate, best of ``--repeats``
means over ``--calls`` calls. "as sent" adds ``plotly.io.to_json``, the
serialisation the page pays for either figure. The last column says whether
both figures are the same once validated (``go.Figure(fig.to_dict())``), words
aside: hover texts and titles changed since (``tests/test_style.py`` checks
them, words included, against the validating API).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from types import ModuleType, SimpleNamespace

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from landscape.data import parity_data
from landscape.plots import landscape_figure, remedies
from landscape.plots._style import frame_steps
from landscape.spectrum import Spectrum, spectrum
from landscape.window import exact_loss, targets

#: The commit whose figure builders are the baseline.
BASELINE_COMMIT = "13ab5a1"
ROOT = Path(__file__).resolve().parents[1]
RUNS = 7
STEPS = 1000


def load_baseline() -> ModuleType:
    """``landscape/plots/remedies.py`` at :data:`BASELINE_COMMIT`, as a module of the package."""
    where = f"{BASELINE_COMMIT}:landscape/plots/remedies.py"
    source = subprocess.check_output(["git", "-C", str(ROOT), "show", where], text=True)
    module = ModuleType("landscape.plots._remedies_baseline")
    module.__package__ = "landscape.plots"  # its relative imports resolve to today's package
    exec(compile(source, where, "exec"), module.__dict__)  # the repository's own code, from git
    return module


def mean_cpu(build: Callable[[], object], calls: int, send: bool) -> float:
    """Mean CPU seconds of ``build()`` (and its figure's JSON if ``send``) over ``calls`` calls."""
    start = time.thread_time()
    for _ in range(calls):
        out = build()
        if send:
            pio.to_json(out)
    return (time.thread_time() - start) / calls


def exact_losses(spec: Spectrum, runs: list[SimpleNamespace]) -> list[np.ndarray]:
    """The remedies figure's own numerics: the exact loss at each run's kept iterates."""
    return [exact_loss(spec, r.w[frame_steps(r.w.size - 1, 400)]) for r in runs]


def validated(fig: go.Figure) -> object:
    """``fig`` through Plotly's validation, as JSON data, without its words (see :data:`WORDS`)."""
    return unworded(json.loads(pio.to_json(go.Figure(fig.to_dict()))))


#: Keys whose text changed since the baseline (|w - g| became |w − w*|, translations).
WORDS = {"hovertemplate", "text"}


def unworded(node: object) -> object:
    if isinstance(node, dict):
        return {k: "" if k in WORDS else unworded(v) for k, v in node.items()}
    if isinstance(node, list):
        return [unworded(v) for v in node]
    return node


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer calls, one repeat")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--calls", type=int, default=20)
    args = ap.parse_args()
    repeats, calls = (1, 5) if args.quick else (args.repeats, args.calls)
    baseline = load_baseline()
    spec = spectrum(parity_data(1000, 1000, 0))
    found = targets(spec, 1.4, 1.75)
    rng = np.random.default_rng(0)
    runs = [
        SimpleNamespace(w=1.5 + np.cumsum(np.r_[0.0, rng.normal(0, 1e-4, STEPS)]))
        for _ in range(RUNS)
    ]
    names = [f"remedy {i}" for i in range(RUNS)]
    goals = [np.pi / 2] * RUNS
    figures = {
        "remedies_figure": lambda m: m.remedies_figure(spec, 1.4, 1.75, runs, names, found=found),
        "progress_figure": lambda m: m.progress_figure(runs, names, goals),
    }
    print(f"{RUNS} runs of {STEPS} steps; CPU ms per figure, best of {repeats} x {calls} calls")
    print(f"{'figure':28s} {'baseline':>9s} {'new':>7s} {'ratio':>6s}  same once validated")
    for label, build in figures.items():
        same = validated(build(baseline)) == validated(build(remedies))
        for send in (False, True):
            best = [np.inf, np.inf]
            for _ in range(repeats):
                for i, module in enumerate((baseline, remedies)):
                    seconds = mean_cpu(partial(build, module), calls, send)
                    best[i] = min(best[i], seconds)
            name = label + (", as sent" if send else "")
            print(
                f"{name:28s} {1e3 * best[0]:9.2f} {1e3 * best[1]:7.2f} "
                f"{best[0] / best[1]:6.1f}x  {'yes' if same else 'NO'}"
            )
    shared = [
        ("landscape_figure", partial(landscape_figure, spec, 1.4, 1.75, found=found)),
        ("exact loss of the kept iterates", partial(exact_losses, spec, runs)),
    ]
    for label, work in shared:
        seconds = min(mean_cpu(work, calls, False) for _ in range(repeats))
        print(f"  {label:35s} {1e3 * seconds:7.2f} ms of both remedies_figure columns")


if __name__ == "__main__":
    main()
