"""The page's budget: how much server work one rerun may do before it asks for a click.

A share link is opened by strangers; a link that asks for a minute of CPU must
not spin the page (and a core) for everyone. Every heavy computation of the
page has a cost model here, in the unit that drives its time, converted to
estimated seconds of server CPU by a rate measured on the app's machine. A tab
computes on its own only while the cost of what it still has to compute is
within :data:`BUDGET_SECONDS`; above it, it states the cost and offers a
button, and what was computed goes into the shared caches (:mod:`lab.cache`),
so the next visitor of the same link sees it at once.

Rates (``time.process_time`` or ``time.thread_time``, one torch thread as the
app runs, 2-core machine, parity data seed 0; estimates are good to a factor of ~4):

- float32 replay (:func:`landscape.train.train`): full batch, N = 1e5, 20 steps:
  0.013 s, **7e-9 s per sample-step** (6.6e-9 measured); the validation pass
  adds 2.8e-9 s per validation sample and epoch; N = 1000, 100 steps: 0.009 s,
  **8e-5 s per optimizer step** of fixed overhead (mini-batch runs also
  evaluate every state on all data, priced as sample-steps).
- remedies (one torch thread): complex surrogate, N = 2e4, 1000 steps: 2.5 s,
  **1.2e-7 s per sample-step** and 4.3e-5 s per step (N = 1; closed-form
  gradient; 2.3e-8 at N = 5000; N = 1000, 3000 steps: 0.2 s); normalised
  gradient, N = 2e4, 300 steps: 0.54 s, **9e-8 s per sample-step** and 1.2e-4
  s per step; global search, max|x| = 1e6: 5.4 s, max|x| = 1e3: 0.03 s,
  **5e-7 s per grid point or series mode**, which also prices locating each
  result's target (~8 max|x| points). On the question's data the seven
  remedies took 0.02-0.3 s each, 1.2 s in all (``bench/remedies.py``).
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
from dataclasses import dataclass, replace

import numpy as np

from landscape.data import Dataset
from landscape.i18n import N_
from landscape.remedies import REMEDIES, stage_bounds
from landscape.spectrum import Spectrum
from landscape.swarm import MAX_TABLE_SIZE, table_size

from .i18n import _, ngettext
from .state import REMEDY_VARIANTS, PlainRun, RemedyRun

#: Estimated seconds of server CPU a rerun may spend without a click.
BUDGET_SECONDS = 0.5

#: Seconds per sample-step of the float32 replay (one sample through forward and
#: backward, or one sample of the full-data evaluation of a state), at one torch
#: thread: 6.6e-9 measured at N = 1e5 (thread CPU time, best of 3).
SAMPLE_STEP_S = 7e-9
#: Seconds of fixed overhead per torch optimizer step (0.089 ms at N = 1000).
STEP_S = 8e-5
#: Seconds per sample of the validation pass, once per epoch (forward only:
#: 2.8e-9 measured at N = 1e5). A validation set has at most N samples (the
#: question's second draw has N; a held-out split fewer), which the estimate uses.
VALIDATION_SAMPLE_S = 3e-9
#: Seconds per sample-step of the complex surrogate (closed-form float64 gradient),
#: and per Adam step (measured at N = 2e4 and N = 1, one torch thread).
SURROGATE_SAMPLE_STEP_S = 1.2e-7
SURROGATE_STEP_S = 4.3e-5
#: Seconds per sample-step of the normalised-gradient remedy, and per step (as above).
NORMALISED_SAMPLE_STEP_S = 9e-8
NORMALISED_STEP_S = 1.2e-4
#: Seconds per grid point or series mode of one exact loss curve (global search).
CURVE_POINT_S = 5e-7
#: Seconds per series mode of a minima scan over an allowed window.
SCAN_MODE_S = 5e-6
#: Seconds per start-step of the swarm on the table route.
TABLE_START_STEP_S = 8e-8
#: Seconds per series mode and step of the swarm on the exact route.
EXACT_MODE_STEP_S = 1.2e-8

# Units are English msgids: a Part holds them translated, as its caller holds ``what``
# (a Cost is built on every run, in the page's language, and never cached).
SAMPLE_STEPS = N_("sample-steps")
GRID_POINTS_AND_MODES = N_("grid points and modes")


@dataclass(frozen=True)
class Part:
    """One computation's cost: ``work`` in ``unit``, and estimated seconds of server CPU.

    ``what`` and ``unit`` are words the page shows, in its language.
    """

    what: str
    work: float
    unit: str
    seconds: float

    def describe(self) -> str:
        return _("{what}: {work} {unit} (~{time})").format(
            what=self.what, work=f"{self.work:.1e}", unit=self.unit, time=_seconds(self.seconds)
        )


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
        parts = _("; ").join(p.describe() for p in self.parts)
        return _(
            "This is ~{time} of server time ({parts}); a link computes at most ~{budget} on "
            "its own ({steps} {unit} of replay)."
        ).format(
            time=_seconds(self.seconds),
            parts=parts,
            budget=_seconds(BUDGET_SECONDS),
            steps=f"{BUDGET_SECONDS / SAMPLE_STEP_S:.0e}",
            unit=_(SAMPLE_STEPS),
        )


def _seconds(s: float) -> str:
    """A duration as the page writes it: seconds below two minutes, else minutes."""
    if s < 120:
        return _("{s} s").format(s=f"{s:.2g}")
    return _("{m} min").format(m=f"{s / 60:.2g}")


def within_budget(cost: Cost) -> bool:
    """Whether ``cost`` may be computed without a click."""
    return cost.seconds <= BUDGET_SECONDS


def _replay(what: str, samples: int, steps: int, batch: int | None) -> Part:
    # A mini-batch step passes the batch, and every state is evaluated on all data.
    work = steps * samples + (0 if batch is None else steps * batch)
    return Part(what, float(work), _(SAMPLE_STEPS), work * SAMPLE_STEP_S + steps * STEP_S)


def replay_cost(data: Dataset, run: PlainRun) -> Cost:
    """A plain float32 replay: ``steps x (N + batch)`` sample-steps (``steps x N`` full batch)."""
    batch = run.batch or None
    steps = run.epochs * (1 if batch is None else -(-data.n // batch))
    what = ngettext("{steps} step of {opt}", "{steps} steps of {opt}", steps).format(
        steps=f"{steps:,}", opt=run.opt
    )
    part = _replay(what, data.n, steps, batch)
    # The validation pass, bounded by N samples an epoch (see VALIDATION_SAMPLE_S).
    validation = run.epochs * data.n * VALIDATION_SAMPLE_S
    return Cost((replace(part, seconds=part.seconds + validation),))


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
    what = _("remedy '{method}'").format(method=method)
    if name == "small x":
        part = _replay(what, min(int(kw["m"]), data.n), int(kw["epochs"]), None)
    elif name == "curriculum":
        steps = int(kw["steps_per_stage"])
        sizes = _stage_sizes(data, kw["m0"], kw["growth"])
        work = steps * sum(sizes)
        seconds = work * SAMPLE_STEP_S + steps * len(sizes) * STEP_S
        part = Part(what, float(work), _(SAMPLE_STEPS), seconds)
    elif name == "normalised gradient":
        steps = int(kw["epochs"])
        work = steps * data.n
        seconds = work * NORMALISED_SAMPLE_STEP_S + steps * NORMALISED_STEP_S
        part = Part(what, float(work), _(SAMPLE_STEPS), seconds)
    elif name == "adam":
        part = _replay(what, data.n, int(kw["epochs"]), None)
    elif name == "global search":
        points = 8 * data.max_abs_x * float(kw["half_window"]) / (math.pi / 2)
        work = points + _modes(data)
        part = Part(what, work, _(GRID_POINTS_AND_MODES), work * CURVE_POINT_S)
    else:  # the complex surrogate, in one run or grown
        steps = int(kw["steps"])
        start = kw["start_m"]
        sizes = [data.n] if start is None else _stage_sizes(data, start, kw["growth"])
        work = steps * sum(sizes)
        seconds = work * SURROGATE_SAMPLE_STEP_S + steps * len(sizes) * SURROGATE_STEP_S
        part = Part(what, float(work), _(SAMPLE_STEPS), seconds)
    # Every result locates its target minimum on the exact loss: a search grid of
    # ~8 max|x| points over a period (landscape.why.nearest_global_minimum), and the series.
    judged = 8 * data.max_abs_x + _modes(data)
    target = Part(
        _("{what}: its target").format(what=what),
        judged,
        _(GRID_POINTS_AND_MODES),
        judged * CURVE_POINT_S,
    )
    return Cost((part, target))


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
    part = Part(_("the landscape's minima"), float(modes), _("modes"), modes * SCAN_MODE_S)
    return Cost((part,))


def swarm_cost(what: str, spec: Spectrum, starts: int, steps: int) -> Cost:
    """A float64 swarm of ``starts`` x ``steps``: table lookups, or the exact series per step.

    ``what`` names the swarm as the page shows it (translated by the caller).
    """
    size = table_size(spec)
    if 0 < size <= MAX_TABLE_SIZE:
        work = float(starts * steps)
        return Cost((Part(what, work, _("start-steps"), work * TABLE_START_STEP_S),))
    modes = _modes(spec.data)
    work = float(steps * (modes + starts))
    return Cost((Part(what, work, _("mode-steps"), work * EXACT_MODE_STEP_S),))
