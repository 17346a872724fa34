"""The page's budget: how much server work one rerun may do before it asks for a click.

A share link is opened by strangers; a link that asks for a minute of CPU must
not spin the page (and a core) for everyone. Every heavy computation of the
page has a cost model here, in the unit that drives its time, converted to
estimated seconds of server CPU by a rate measured on the app's machine. A tab
computes on its own only while the cost of what it still has to compute is
within :data:`BUDGET_SECONDS`; above it, it states the cost and offers a
button, and what was computed goes into the shared caches (:mod:`lab.cache`),
so the next visitor of the same link sees it at once.

Rates (``time.process_time``, two torch threads, 2-core machine, load ~2,
parity data seed 0; estimates are good to a factor of ~4):

- float32 replay (:func:`landscape.train.train`): full batch, N = 1e5, 20 steps:
  0.055 s, **2.7e-8 s per sample-step** (sgd and adam alike); mini-batch,
  N = 2e4, batch 10, 2000 steps: 0.97 s, 2.4e-8 s per state and sample (the
  full-data evaluation of every state dominates); N = 1, 3000 steps: 0.23 s,
  **7.7e-5 s per optimizer step** of fixed overhead.
- remedies: complex surrogate, N = 2e4, 100 steps: 1.78 s, **8.9e-7 s per
  sample-step** (complex128 ``pow``; 4.3e-7 at N = 1000, 3000 steps: 1.28 s);
  normalised gradient, N = 2e4, 100 steps: 1.90 s, **9.5e-7 s per
  sample-step** (2.6e-7 at N = 1000); global search, max|x| = 1e6: 5.4 s,
  max|x| = 1e3: 0.03 s, **5e-7 s per grid point or series mode**. On the
  question's data the seven remedies took 0.01-1.3 s each, 2.8 s in all.
- landscape minima (:func:`landscape.surface.minima`): max|x| = 1e6, window
  1e-3 or 2e-4: 9.4 s and 10.5 s; the question's window (max|x| = 1e3): 0.08 s:
  **5e-6 s per series mode** (2 max|x| modes for whole numbers, N otherwise),
  whatever the window (allowed windows hold at most ~300 minima).
- float64 swarm (basin map, chaos, convergence map): the table route (max|x|
  <= 2048), 1000 starts x 1000 steps: 0.08 s, **8e-8 s per start-step**; the
  exact route (max|x| = 1e6), chaos, 2 starts x 20 steps: 0.46 s, **1.2e-8 s
  per mode and step**; a basin map also classifies its ends like a minima scan.

So :data:`BUDGET_SECONDS` = 0.5 s is ~2e7 sample-steps of replay: the question's
run (1e5 sample-steps) is far inside, ``n=100000&epochs=1&batch=5`` (2e9) is not.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from landscape.data import Dataset
from landscape.remedies import REMEDIES, stage_bounds
from landscape.spectrum import Spectrum
from landscape.swarm import MAX_TABLE_SIZE, table_size

from .state import REMEDY_VARIANTS, PlainRun, RemedyRun

#: Estimated seconds of server CPU a rerun may spend without a click.
BUDGET_SECONDS = 0.5

#: Seconds per sample-step of the float32 replay (one sample through forward and
#: backward, or one sample of the full-data evaluation of a state).
SAMPLE_STEP_S = 2.7e-8
#: Seconds of fixed overhead per torch optimizer step.
STEP_S = 7.7e-5
#: Seconds per sample-step of the complex surrogate (complex128).
SURROGATE_SAMPLE_STEP_S = 8.9e-7
#: Seconds per sample-step of the normalised-gradient remedy.
NORMALISED_SAMPLE_STEP_S = 9.5e-7
#: Seconds per grid point or series mode of one exact loss curve (global search).
CURVE_POINT_S = 5e-7
#: Seconds per series mode of a minima scan over an allowed window.
SCAN_MODE_S = 5e-6
#: Seconds per start-step of the swarm on the table route.
TABLE_START_STEP_S = 8e-8
#: Seconds per series mode and step of the swarm on the exact route.
EXACT_MODE_STEP_S = 1.2e-8

SAMPLE_STEPS = "sample-steps"


@dataclass(frozen=True)
class Part:
    """One computation's cost: ``work`` in ``unit``, and estimated seconds of server CPU."""

    what: str
    work: float
    unit: str
    seconds: float

    def describe(self) -> str:
        return f"{self.what}: {self.work:.1e} {self.unit} (~{_seconds(self.seconds)})"


@dataclass(frozen=True)
class Cost:
    """The cost of what a tab still has to compute: its parts, summed in seconds."""

    parts: tuple[Part, ...] = ()

    @property
    def seconds(self) -> float:
        return sum(p.seconds for p in self.parts)

    def __add__(self, other: Cost) -> Cost:
        return Cost(self.parts + other.parts)

    def describe(self) -> str:
        """One sentence: the cost, the estimated time, and the budget."""
        parts = "; ".join(p.describe() for p in self.parts)
        return (
            f"This is ~{_seconds(self.seconds)} of server time ({parts}); a link computes at "
            f"most ~{_seconds(BUDGET_SECONDS)} on its own "
            f"({BUDGET_SECONDS / SAMPLE_STEP_S:.0e} {SAMPLE_STEPS} of replay)."
        )


def _seconds(s: float) -> str:
    return f"{s:.2g} s" if s < 120 else f"{s / 60:.2g} min"


def within_budget(cost: Cost) -> bool:
    """Whether ``cost`` may be computed without a click."""
    return cost.seconds <= BUDGET_SECONDS


def _replay(what: str, samples: int, steps: int, batch: int | None) -> Part:
    # A mini-batch step passes the batch, and every state is evaluated on all data.
    work = steps * samples + (0 if batch is None else steps * batch)
    return Part(what, float(work), SAMPLE_STEPS, work * SAMPLE_STEP_S + steps * STEP_S)


def replay_cost(data: Dataset, run: PlainRun) -> Cost:
    """A plain float32 replay: ``steps x (N + batch)`` sample-steps (``steps x N`` full batch)."""
    batch = run.batch or None
    steps = run.epochs * (1 if batch is None else -(-data.n // batch))
    return Cost((_replay(f"{steps:,} steps of {run.opt}", data.n, steps, batch),))


def _remedy_kwargs(method: str) -> tuple[str, Mapping[str, object]]:
    # The remedy's own defaults, with the variant's overrides: defined once, there.
    name, overrides = REMEDY_VARIANTS[method]
    params = inspect.signature(REMEDIES[name]).parameters
    defaults = {k: p.default for k, p in params.items() if p.default is not inspect.Parameter.empty}
    return name, defaults | dict(overrides)


def _stage_sizes(data: Dataset, first: float, growth: float) -> list[int]:
    """Samples per stage of a grown remedy (its stages: landscape.remedies.stage_bounds)."""
    ax = np.abs(data.x)
    bounds = stage_bounds(data, first, growth)
    return [data.n if m > data.max_abs_x else int(np.count_nonzero(ax < m)) for m in bounds]


def remedy_cost(data: Dataset, method: str) -> Cost:
    """One remedy of :data:`~lab.state.REMEDY_VARIANTS` on ``data``, with its own settings."""
    name, kw = _remedy_kwargs(method)
    what = f"remedy '{method}'"
    if name == "small x":
        part = _replay(what, int(kw["m"]), int(kw["epochs"]), None)
    elif name == "curriculum":
        steps = int(kw["steps_per_stage"])
        sizes = _stage_sizes(data, kw["m0"], kw["growth"])
        work = steps * sum(sizes)
        seconds = work * SAMPLE_STEP_S + steps * len(sizes) * STEP_S
        part = Part(what, float(work), SAMPLE_STEPS, seconds)
    elif name == "normalised gradient":
        work = int(kw["epochs"]) * data.n
        part = Part(what, float(work), SAMPLE_STEPS, work * NORMALISED_SAMPLE_STEP_S)
    elif name == "adam":
        part = _replay(what, data.n, int(kw["epochs"]), None)
    elif name == "global search":
        points = 8 * data.max_abs_x * float(kw["half_window"]) / (math.pi / 2)
        work = points + _modes(data)
        part = Part(what, work, "grid points and modes", work * CURVE_POINT_S)
    else:  # the complex surrogate, in one run or grown
        steps = int(kw["steps"])
        start = kw["start_m"]
        sizes = [data.n] if start is None else _stage_sizes(data, start, kw["growth"])
        work = steps * sum(sizes)
        part = Part(what, float(work), SAMPLE_STEPS, work * SURROGATE_SAMPLE_STEP_S)
    return Cost((part,))


def run_cost(data: Dataset, run: PlainRun | RemedyRun) -> Cost:
    """The Landscape tab's run: a plain replay or a remedy."""
    if isinstance(run, RemedyRun):
        return remedy_cost(data, run.method)
    return replay_cost(data, run)


def _modes(data: Dataset) -> int:
    """Terms of the loss series: 2 max|x| + 1 cosines for whole numbers, ~N frequencies else."""
    return int(2 * data.max_abs_x + 1) if data.is_integer else data.n


def scan_cost(data: Dataset) -> Cost:
    """Locating the minima of an allowed window: ~proportional to the series' modes."""
    modes = _modes(data)
    return Cost((Part("the landscape's minima", float(modes), "modes", modes * SCAN_MODE_S),))


def swarm_cost(what: str, spec: Spectrum, starts: int, steps: int) -> Cost:
    """A float64 swarm of ``starts`` x ``steps``: table lookups, or the exact series per step."""
    size = table_size(spec)
    if 0 < size <= MAX_TABLE_SIZE:
        work = float(starts * steps)
        return Cost((Part(what, work, "start-steps", work * TABLE_START_STEP_S),))
    modes = _modes(spec.data)
    work = float(steps * (modes + starts))
    return Cost((Part(what, work, "mode-steps", work * EXACT_MODE_STEP_S),))
