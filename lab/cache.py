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

from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from landscape import plots
from landscape.data import Dataset, Recipe
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
from landscape.remedies import REMEDIES, RemedyResult
from landscape.spectrum import Spectrum, spectrum
from landscape.surface import minima
from landscape.train import Trajectory, train
from landscape.why import WhyNumbers, why_numbers
from landscape.window import targets

from .state import REMEDY_VARIANTS, PlainRun, RemedyRun
from .store import Upload, UploadStore

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
    """The process's one store of uploaded samples, with its lock (see :mod:`lab.store`)."""
    return UploadStore()


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
    return train(dataset(key), run.w0, **run.train_kwargs(), progress=progress)


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
def get_base_figure(key: DataKey, lo: float, hi: float, logy: bool, f32: bool) -> go.Figure:
    found = get_targets(key, lo, hi)
    return plots.landscape_figure(get_spectrum(key), lo, hi, log_y=logy, float32=f32, found=found)


@st.cache_resource(max_entries=16, show_spinner=False)
def get_landscape_figure(
    key: DataKey, run: RunKey, lo: float, hi: float, logy: bool, f32: bool
) -> go.Figure:
    base = get_base_figure(key, lo, hi, logy, f32)
    return plots.add_run(base, get_spectrum(key), get_run(key, run))


@st.cache_resource(max_entries=16, show_spinner=False)
def get_history_figure(key: DataKey, run: RunKey, lo: float, hi: float) -> go.Figure:
    result = get_run(key, run)
    found = get_targets(key, lo, hi)
    spec = get_spectrum(key)
    if isinstance(result, RemedyResult):
        stages = list(zip(result.stage_starts, result.stage_labels, strict=True))
        return plots.history_figure(
            spec,
            result,
            lo=lo,
            hi=hi,
            found=found,
            loss_name="full-data loss (exact)",
            stages=stages,
        )
    return plots.history_figure(spec, result, lo=lo, hi=hi, found=found)


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
