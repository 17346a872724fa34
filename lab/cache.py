"""Every computation the page shows, cached and shared by all sessions of the process.

Each getter is keyed by small frozen dataclasses (a :class:`~landscape.data.Recipe`
or an :class:`~lab.store.Upload` for the data, a :class:`~lab.state.PlainRun` or
:class:`~lab.state.RemedyRun` for the run) and scalars, never by arrays or
positional tuples: Streamlit hashes them cheaply, and equal settings in any
session hit the same entry. Results are the same for everyone who asks with the
same key; nothing personal (an upload's file name) is cached here.

The heavy getters take two unhashed arguments (Streamlit skips parameters
named with a leading underscore): ``_probe=True`` answers from the cache or
raises :class:`NotCachedError` without computing (see :func:`cached`), and
``_given`` stores a result computed outside the cache, with a progress bar, by
the same engine call the getter would make (see :func:`compute_run`). A
cached function must not draw: Streamlit would replay the drawing on every hit.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from landscape import plots
from landscape.accuracy import Verdict, verdict
from landscape.criteria import HUBER_DELTA
from landscape.data import Dataset, Recipe
from landscape.deferred import Message
from landscape.floor import known_zero
from landscape.losses import (
    Comb,
    Located,
    LossLandscape,
    comb,
    locate_minima,
    loss_landscape,
    usable_losses,
)
from landscape.maps import (
    BasinMap,
    Chaos,
    ConvergenceMap,
    basin_map,
    chaos,
    convergence_map,
    lr_range,
    map_steps,
)
from landscape.parting import float64_path, part_tolerance, parting_step
from landscape.plane import PlaneView, p_range, plane_view
from landscape.plane_train import PlaneTrajectory, plane_verdict, train_plane
from landscape.plots.landscape import Path, add_runs, basin_edges, path_label
from landscape.plots.plane import plane_figure
from landscape.remedies import REMEDIES, RemedyResult
from landscape.spectrum import MAX_ABS_W, Spectrum, spectrum
from landscape.surface import maxima, minima, minima_between
from landscape.swarm import LossOracle, loss_oracle
from landscape.train import Trajectory, train
from landscape.why import WhyNumbers, basin, nearest_global_minimum, why_numbers
from landscape.window import ZERO_LOSS, target_labels, targets

from .i18n import _
from .state import REMEDY_VARIANTS, PlainRun, RemedyRun
from .store import DiskStore, Upload, UploadStore, store_dir

DataKey = Recipe | Upload
RunKey = PlainRun | RemedyRun
Run = Trajectory | RemedyResult

#: Starts of the basin map.
BASIN_STARTS = 1000
#: (w0, lr) cells of the convergence map.
MAP_W0, MAP_LR = 120, 60
#: The two starts of the chaos section are this far apart ...
CHAOS_EPS = 1e-7
#: ... and followed for at most this many steps.
CHAOS_STEPS = 100
#: Session-state key of the session's own uploaded dataset (name included).
UPLOAD_STATE = "_upload_data"

T = TypeVar("T")
Progress = Callable[[int, int], None]


class NotCachedError(LookupError):
    """A probed getter has no cached value for its key."""


def cached(getter: Callable[..., T], *args: Any) -> T | None:
    """``getter(*args)`` if the shared cache holds it, else None; never computes."""
    try:
        return getter(*args, _probe=True)
    except NotCachedError:
        return None


def _supplied(probe: bool, given: T | None) -> T | None:
    # The first line of every probe-able getter: a probe that reaches the body missed.
    if probe:
        raise NotCachedError
    return given


@st.cache_resource(max_entries=1)
def upload_store() -> UploadStore:
    """The process's one store of uploaded samples, with its lock and disk store (:mod:`lab.store`)."""
    root = store_dir()
    return UploadStore(disk=None if root is None else DiskStore(root))


def session_upload() -> Dataset | None:
    """This session's uploaded dataset, with the name it was uploaded under, if any."""
    return st.session_state.get(UPLOAD_STATE)


def dataset(key: DataKey) -> Dataset:
    """The training data of ``key`` (an upload is re-inserted from its session if evicted)."""
    if isinstance(key, Upload):
        return upload_store().get(key, session_upload)
    return _drawn(key)


@st.cache_data(max_entries=16, show_spinner=False)
def _drawn(recipe: Recipe) -> Dataset:
    return recipe.build()


@st.cache_resource(max_entries=16, show_spinner=False)
def get_spectrum(key: DataKey) -> Spectrum:
    return spectrum(dataset(key))


@st.cache_data(max_entries=32, show_spinner=False)
def get_run(key: DataKey, run: RunKey, _probe: bool = False, _given: Run | None = None) -> Run:
    """The Landscape tab's run: a plain torch.optim run, or a remedy's."""
    if (given := _supplied(_probe, _given)) is not None:
        return given
    return _compute_run(key, run, None)


def _compute_run(key: DataKey, run: RunKey, progress: Progress | None) -> Run:
    if isinstance(run, RemedyRun):
        return get_remedy(key, run)
    kwargs = run.replay_kwargs() | {"val": validation(key)}
    return train(dataset(key), run.w0, **kwargs, progress=progress)


def validation(key: DataKey) -> Dataset | None:
    """The validation set of ``key``: a recipe's (second draw or held out); none for uploads."""
    return _validation(key) if isinstance(key, Recipe) else None


@st.cache_data(max_entries=16, show_spinner=False)
def _validation(recipe: Recipe) -> Dataset | None:
    return recipe.validation()


def validation_note(key: DataKey) -> str:
    """The sentence saying which validation set the replay uses, for the page."""
    if isinstance(key, Recipe):
        return key.validation_note()
    return _("No validation set: uploaded data are trained on whole (no holdout).")


@st.cache_data(max_entries=64, show_spinner=False)
def get_verdict(key: DataKey, w: float, held_out: bool = False) -> Verdict:
    """:func:`landscape.accuracy.verdict` at ``w`` on the training data of ``key``, or with
    ``held_out`` on its validation set: a float32 pass over every sample (~30 ms at 1e5)."""
    return verdict(validation(key) if held_out else dataset(key), w)


def compute_run(key: DataKey, run: RunKey, progress: Progress) -> Run:
    """:func:`get_run`, computed here with ``progress(done, total)`` calls, and cached for all."""
    return get_run(key, run, _given=_compute_run(key, run, progress))


@st.cache_data(max_entries=32, show_spinner=False)
def get_remedy(key: DataKey, run: RemedyRun, _probe: bool = False) -> RemedyResult:
    _supplied(_probe, None)
    name, kwargs = REMEDY_VARIANTS[run.method]
    return REMEDIES[name](dataset(key), run.w0, **kwargs)


@st.cache_data(max_entries=32, show_spinner=False)
def get_minima(key: DataKey, lo: float, hi: float, _probe: bool = False) -> np.ndarray:
    _supplied(_probe, None)
    return minima(get_spectrum(key), lo, hi)


@st.cache_data(max_entries=32, show_spinner=False)
def get_targets(key: DataKey, lo: float, hi: float) -> tuple[np.ndarray, bool]:
    return targets(get_spectrum(key), lo, hi, get_minima(key, lo, hi))


# Figures are cached as objects (cache_resource): a pickled Figure re-validates
# every trace when unpickled, 0.1-0.4 s for the animated one. Nothing mutates them.
@st.cache_resource(max_entries=16, show_spinner=False)
def get_base_figure(
    key: DataKey, lo: float, hi: float, logy: bool, f32: bool, lang: str
) -> go.Figure:
    """The landscape over [lo, hi], its words in ``lang`` (the language this run speaks).

    Every figure getter takes the page's ``lang``: cached figures are shared by
    all sessions, and a key without it would show one session's language to another.
    """
    found = get_targets(key, lo, hi)
    return plots.landscape_figure(get_spectrum(key), lo, hi, log_y=logy, float32=f32, found=found)


@st.cache_resource(max_entries=16, show_spinner=False)
def get_landscape_figure(
    key: DataKey, run: RunKey, lo: float, hi: float, logy: bool, f32: bool, lang: str
) -> go.Figure:
    base = get_base_figure(key, lo, hi, logy, f32, lang)
    return plots.add_run(base, get_spectrum(key), get_run(key, run))


@st.cache_resource(max_entries=16, show_spinner=False)
def get_history_figure(key: DataKey, run: RunKey, lo: float, hi: float, lang: str) -> go.Figure:
    return _history(key, run, lo, hi)


@st.cache_data(max_entries=64, show_spinner=False)
def get_nearest_global(key: DataKey, w: float) -> tuple[float, bool]:
    """The global minimum w* nearest ``w`` (within pi/2), and whether its loss is 0."""
    spec = get_spectrum(key)
    g, _ = nearest_global_minimum(spec, w)
    known = known_zero(spec, g) if math.isfinite(g) else None
    g = g if known is None else known[0]  # exact where the data give it in closed form
    return g, bool(math.isfinite(g) and spec.evaluate(np.array([g]), 0)[0] < ZERO_LOSS)


@st.cache_data(max_entries=64, show_spinner=False)
def get_end_facts(
    key: DataKey, w: float, window: tuple[float, float] | None = None
) -> tuple[float, Message | str, bool, float, float, int]:
    """Where a run that ends at ``w`` stands: w* (see :func:`get_nearest_global`) and its
    label (:func:`landscape.window.target_labels`, deferred: ``str()`` translates it;
    "" without w*), whether it is global, the basin ``(a, b)`` of w
    (:func:`landscape.why.basin`), and the local minima between w and w*.

    ``window``, one whose :func:`get_minima` the page has, supplies those minima
    when w and w* lie strictly inside it: ``minima`` lists every one strictly
    inside its window, so the window's, cut to (w, w*), are the same set."""
    g, is_global = get_nearest_global(key, w)
    spec = get_spectrum(key)
    a, b = basin(spec, w)
    # Minima strictly between w and w*, less w*'s own (a located copy of an exact w*).
    lo, hi = min(w, g), max(w, g)
    ga, gb = get_basin(key, g) if math.isfinite(g) else (g, g)
    if window is not None and window[0] < lo and hi < window[1]:
        found = get_minima(key, *window)
    else:
        found = minima(spec, lo, hi) if hi > lo else np.empty(0)
    between = minima_between(found[(found <= ga) | (found >= gb)], lo, hi)
    label = target_labels(spec, np.array([g]))[0] if math.isfinite(g) else ""
    return g, label, is_global, a, b, between


@st.cache_data(max_entries=64, show_spinner=False)
def get_basin(key: DataKey, w: float) -> tuple[float, float]:
    """The basin of ``w`` (:func:`landscape.why.basin`); w* is shared by many runs' ends."""
    return basin(get_spectrum(key), w)


@st.cache_data(max_entries=32, show_spinner=False)
def get_maxima(key: DataKey, lo: float, hi: float) -> np.ndarray:
    """The local maxima of L in [lo, hi]: the basin edges."""
    return maxima(get_spectrum(key), lo, hi)


def _history(key: DataKey, run: RunKey, lo: float, hi: float, **extra: Any) -> go.Figure:
    result = get_run(key, run)
    spec = get_spectrum(key)
    # The target line: the global minimum nearest the run's end, wherever it is
    # (one sample has one every pi/(2|x|) or so, most of them outside the window).
    end = float(result.w[-1])
    found = get_targets(key, lo, hi)
    if abs(end) <= MAX_ABS_W:
        g, is_global = get_nearest_global(key, end)
        if math.isfinite(g):
            found = (np.array([g]), is_global)
    if isinstance(result, RemedyResult):
        stages = list(zip(result.stage_starts, result.stage_labels, strict=True))
        return plots.history_figure(
            spec,
            result,
            lo=lo,
            hi=hi,
            found=found,
            loss_name=_("full-data loss (exact)"),
            stages=stages,
            **extra,
        )
    return plots.history_figure(spec, result, lo=lo, hi=hi, found=found, **extra)


@st.cache_data(max_entries=16, show_spinner=False)
def get_float64_path(key: DataKey, run: PlainRun, _probe: bool = False) -> np.ndarray:
    """The path the maps' float64 engine computes for this run's start (full batch)."""
    _supplied(_probe, None)
    return float64_path(get_oracle(key), run.w0, run.epochs, **run.swarm_kwargs())


@st.cache_resource(max_entries=4, show_spinner=False)
def get_oracle(key: DataKey) -> LossOracle:
    """The float64 swarm engine's gradient table for the data (built once, ~0.1 s)."""
    return loss_oracle(get_spectrum(key))


@st.cache_resource(max_entries=16, show_spinner=False)
def get_view_figures(
    key: DataKey,
    view: RunView,
    lo: float,
    hi: float,
    logy: bool,
    f32: bool,
    edges: bool,
    lang: str,
) -> tuple[go.Figure, go.Figure]:
    """The Landscape tab's two figures for several runs: the landscape and the history.

    ``view`` names the runs (see :class:`RunView`); ``edges`` marks the basin
    edges (local maxima of L) of the window; ``lang`` is the page's language.
    """
    spec = get_spectrum(key)
    base = get_base_figure(key, lo, hi, logy, f32, lang)
    if edges:
        base = basin_edges(base, get_maxima(key, lo, hi))
    paths = view_paths(key, view)
    part = view_part(key, view)
    return add_runs(base, spec, paths, part=part), _history(
        key, view.run, lo, hi, others=paths[1:], part=part
    )


@dataclass(frozen=True)
class RunView:
    """The runs the Landscape tab draws: its run, and optionally the float64 path or a second run."""

    run: RunKey
    second: PlainRun | None = None
    float64: bool = False


def view_paths(key: DataKey, view: RunView) -> list[Path]:
    """The paths of ``view``, the tab's run first, labelled for the legends."""
    first = get_run(key, view.run)
    w = np.asarray(first.w, dtype=np.float64)
    if view.float64:
        label = _("float32 replay ({n} steps)").format(n=w.size - 1)
    else:
        label = path_label(w.size - 1)
    paths = [Path(w, label)]
    if view.float64 and isinstance(view.run, PlainRun):
        w64 = get_float64_path(key, view.run)
        label = _("float64 path, as the maps run it ({n} steps)").format(n=w64.size - 1)
        paths.append(Path(w64, label))
    if view.second is not None:
        second = get_run(key, view.second)
        s = view.second
        if s.loss == "mse":
            label = _("second run: {opt}, lr {lr}, w₀ {w0}")
        else:
            label = _("second run: {opt}, lr {lr}, w₀ {w0}, {loss} loss")
        label = label.format(opt=s.opt, lr=f"{s.lr:g}", w0=f"{s.w0:g}", loss=s.loss)
        paths.append(Path(second.w, label, second.float32_loss))
    return paths


def view_part(key: DataKey, view: RunView) -> int | None:
    """The step where the replay and the float64 path part, if both are drawn and they do."""
    if not (view.float64 and isinstance(view.run, PlainRun)):
        return None
    w32 = np.asarray(get_run(key, view.run).w, dtype=np.float64)
    return parting_step(get_float64_path(key, view.run), w32, part_tolerance(get_spectrum(key)))


@st.cache_data(max_entries=16, show_spinner=False)
def get_chaos(key: DataKey, run: PlainRun, _probe: bool = False) -> Chaos:
    _supplied(_probe, None)
    steps = min(run.epochs, CHAOS_STEPS)
    return chaos(get_spectrum(key), run.w0, CHAOS_EPS, steps=steps, **run.swarm_kwargs())


@st.cache_data(max_entries=8, show_spinner=False)
def get_basin_map(
    key: DataKey, run: PlainRun, lo: float, hi: float, _probe: bool = False
) -> BasinMap:
    _supplied(_probe, None)
    spec = get_spectrum(key)
    return basin_map(spec, lo, hi, BASIN_STARTS, steps=run.epochs, **run.swarm_kwargs())


@st.cache_data(max_entries=8, show_spinner=False)
def get_convergence_map(
    key: DataKey, run: PlainRun, lo: float, hi: float, _probe: bool = False
) -> ConvergenceMap:
    _supplied(_probe, None)
    lr_lo, lr_hi = lr_range(run.lr)
    kwargs = {k: v for k, v in run.swarm_kwargs().items() if k != "lr"}
    return convergence_map(
        get_spectrum(key),
        lo,
        hi,
        lr_lo,
        lr_hi,
        n_w0=MAP_W0,
        n_lr=MAP_LR,
        steps=map_steps(run.epochs, MAP_W0 * MAP_LR),
        **kwargs,
    )


@st.cache_data(max_entries=16, show_spinner=False)
def get_why(key: DataKey, w: float, lr: float, _probe: bool = False) -> WhyNumbers:
    _supplied(_probe, None)
    return why_numbers(get_spectrum(key), w, lr)


@st.cache_data(max_entries=16, show_spinner=False)
def get_plane_run(
    key: DataKey,
    run: PlainRun,
    model: str,
    p0: float,
    _probe: bool = False,
    _given: PlaneTrajectory | None = None,
) -> PlaneTrajectory:
    """The two-parameter replay of ``model`` from (run.w0, p0) with the run's optimizer."""
    if (given := _supplied(_probe, _given)) is not None:
        return given
    return train_plane(dataset(key), model, run.w0, p0, **run.train_kwargs())


@st.cache_data(max_entries=32, show_spinner=False)
def get_plane_verdict(key: DataKey, model: str, w: float, p: float) -> Verdict:
    """:func:`landscape.plane_train.plane_verdict` of ``(w, p)``: a float32 torch forward
    pass over every sample (~40 ms at 1e5), once for all reruns."""
    return plane_verdict(dataset(key), model, w, p)


def compute_plane_run(
    key: DataKey, run: PlainRun, model: str, p0: float, progress: Progress
) -> PlaneTrajectory:
    """:func:`get_plane_run`, computed here with ``progress(done, total)`` calls, and cached."""
    result = train_plane(dataset(key), model, run.w0, p0, **run.train_kwargs(), progress=progress)
    return get_plane_run(key, run, model, p0, _given=result)


@st.cache_resource(max_entries=16, show_spinner=False)
def get_plane_view(
    key: DataKey,
    model: str,
    lo: float,
    hi: float,
    p_lo: float,
    p_hi: float,
    _probe: bool = False,
) -> PlaneView:
    """The exact loss over [lo, hi] x [p_lo, p_hi], its solutions and combs (shared, read-only)."""
    _supplied(_probe, None)
    return plane_view(dataset(key), model, lo, hi, p_lo, p_hi)


def plane_rows(run: PlaneTrajectory, model: str, p0: float) -> tuple[float, float]:
    """The rows of the plane drawn around ``run``: the model's range widened to its path."""
    return p_range(model, [*run.p, p0])


@st.cache_resource(max_entries=16, show_spinner=False)
def get_plane_figure(
    key: DataKey,
    run: PlainRun,
    model: str,
    p0: float,
    lo: float,
    hi: float,
    lang: str,
    _probe: bool = False,
) -> tuple[PlaneView, go.Figure]:
    """The plane around the run (rows widened to its path) and its figure, in ``lang``.

    ``lang`` is the language :func:`landscape.i18n.speak` set for this run: the
    figure's words are in it, so each language has its own cached figure.
    """
    _supplied(_probe, None)
    result = get_plane_run(key, run, model, p0)
    view = get_plane_view(key, model, lo, hi, *plane_rows(result, model, p0))
    return view, plane_figure(view, result)


@st.cache_data(max_entries=16, show_spinner=False)
def get_loss_landscapes(
    key: DataKey, lo: float, hi: float, delta: float, _probe: bool = False
) -> tuple[tuple[LossLandscape, Comb, Located], ...]:
    """Each loss's float64 landscape over [lo, hi], its comb and its lowest minimum, refined.

    The losses that take the data's labels (bce needs them in [0, 1]); Huber with ``delta``.
    """
    _supplied(_probe, None)
    data = dataset(key)
    out = []
    for name in usable_losses(data):
        d = delta if name == "huber" else HUBER_DELTA
        found = get_minima(key, lo, hi) if name == "mse" else None
        land = loss_landscape(data, lo, hi, name, d, found=found)
        lowest = land.minima[np.argsort(np.interp(land.minima, land.grid.w, land.values))[:1]]
        # mse's minima are Newton iterates on the exact series already.
        located = locate_minima(data, name, lowest, land.grid.step, delta=d, refine=name != "mse")
        out.append((land, comb(data, land, lo, hi), located))
    return tuple(out)
