"""Landscape Lab: why gradient descent cannot learn w in x -> sin(w x)**2 on parity data.

    streamlit run app.py

The page is a thin shell: every number comes from ``landscape`` (exact loss
curves, real torch.optim runs, why-numbers), every figure from
``landscape.plots``, every setting's key, range and default from
``landscape.settings``. Widgets are bound to the URL, so the address bar is
always a share link.
"""

from __future__ import annotations

import os

# Before torch loads OpenMP: idle worker threads sleep instead of spinning. With
# the two threads pinned below and other sessions or processes busy, spinning
# made each training step ~10x slower (0.30 s vs 0.03 s for the question's run).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import dataclasses
import hashlib
import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from urllib.parse import urlencode

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch

from landscape import export, plots
from landscape.csvdata import MAX_BYTES, MAX_ROWS, parse_csv
from landscape.data import Dataset
from landscape.maps import BasinMap, Chaos, ConvergenceMap, basin_map, chaos, convergence_map
from landscape.remedies import REMEDIES, RemedyResult
from landscape.settings import (
    DATA_KEYS,
    DATA_RANGE,
    METHOD_NONE,
    PARAMS,
    REMEDY_VARIANTS,
    SPECS,
    TAB_BASINS,
    TAB_EXPORT,
    TAB_FIXES,
    TAB_LANDSCAPE,
    TAB_WHY,
    TABS,
    TRAIN_KEYS,
    Settings,
    make_dataset,
    preset_base,
    resolve,
    train_kwargs,
)
from landscape.spectrum import Spectrum, spectrum
from landscape.surface import minima
from landscape.swarm import MAX_LR, MAX_WORK
from landscape.train import Trajectory, train
from landscape.why import WhyNumbers, why_numbers

# Sessions run in threads of one process: keep torch from spawning more
# threads than the 2 cores have. Two, not one: see export.TORCH_THREADS (a
# single thread rounds the question's gradient differently from the student's
# machine and the replay departs after 15 steps).
torch.set_num_threads(export.TORCH_THREADS)

# Keys that the control panel holds; "preset" sets the defaults of the others.
PANEL_KEYS = tuple(p.key for p in PARAMS if p.key not in ("preset", "tab", "locked"))
FALLBACK_URL = "http://localhost:8501/"
# Map resolutions: starts of the basin map; w0 x lr cells of the convergence map.
BASIN_STARTS = 1000
MAP_W0, MAP_LR = 120, 60

DataKey = tuple  # the DATA_KEYS values in order, or ("dataset", hash): see dataset_key
GIVEN_DATASETS = 8
GIVEN_LOCK = threading.Lock()
TrainKey = tuple  # the TRAIN_KEYS values, in order
RunKey = tuple  # ("none", *TrainKey) for a plain run, (method, w0) for a remedy


# --- cached computations (scalar arguments only) ----------------------------


@st.cache_resource(max_entries=1)
def given_datasets() -> OrderedDict[str, Dataset]:
    """Datasets handed in whole (see :func:`dataset_key`), newest last, shared by sessions."""
    return OrderedDict()


def dataset_key(data: Dataset) -> DataKey:
    """The cache key of any Dataset, e.g. one read from an uploaded CSV (issue 5).

    Every cached computation takes a DataKey; this one names the dataset by the
    hash of its samples and keeps the newest ``GIVEN_DATASETS`` of them.
    """
    digest = hashlib.sha256(data.x.tobytes() + b"|" + data.y.tobytes()).hexdigest()
    store = given_datasets()
    with GIVEN_LOCK:
        store[digest] = data
        store.move_to_end(digest)
        while len(store) > GIVEN_DATASETS:
            store.popitem(last=False)
    return ("dataset", digest)


@st.cache_data(max_entries=16, show_spinner=False)
def get_data(data_key: DataKey) -> Dataset:
    if data_key[0] == "dataset":
        return given_datasets()[data_key[1]]
    return make_dataset(*data_key)


@st.cache_resource(max_entries=16, show_spinner=False)
def get_spectrum(data_key: DataKey) -> Spectrum:
    return spectrum(get_data(data_key))


@st.cache_data(max_entries=32, show_spinner=False)
def get_run(data_key: DataKey, run_key: RunKey) -> Trajectory | RemedyResult:
    """The Landscape tab's run: a plain torch.optim run, or a remedy's (see :func:`run_key`)."""
    method, *rest = run_key
    if method == METHOD_NONE:
        w0, kwargs = train_kwargs(*rest)
        return train(get_data(data_key), w0, **kwargs)
    return get_remedy(data_key, method, *rest)


@st.cache_data(max_entries=32, show_spinner=False)
def get_remedy(data_key: DataKey, method: str, w0: float) -> RemedyResult:
    name, kwargs = REMEDY_VARIANTS[method]
    return REMEDIES[name](get_data(data_key), w0, **kwargs)


@st.cache_data(max_entries=32, show_spinner=False)
def get_targets(data_key: DataKey, lo: float, hi: float) -> tuple[np.ndarray, bool]:
    return plots.targets(get_spectrum(data_key), lo, hi, get_minima(data_key, lo, hi))


@st.cache_data(max_entries=32, show_spinner=False)
def get_minima(data_key: DataKey, lo: float, hi: float) -> np.ndarray:
    return minima(get_spectrum(data_key), lo, hi)


# Figures are cached as objects (cache_resource): a pickled Figure re-validates
# every trace when unpickled, 0.1-0.4 s for the animated one. Nothing mutates them.
@st.cache_resource(max_entries=16, show_spinner=False)
def get_base_figure(data_key: DataKey, lo: float, hi: float, logy: bool, f32: bool) -> go.Figure:
    found = get_targets(data_key, lo, hi)
    spec = get_spectrum(data_key)
    return plots.landscape_figure(spec, lo, hi, log_y=logy, float32=f32, found=found)


@st.cache_resource(max_entries=16, show_spinner=False)
def get_landscape_figure(
    data_key: DataKey, run_key: RunKey, lo: float, hi: float, logy: bool, f32: bool
) -> go.Figure:
    base = get_base_figure(data_key, lo, hi, logy, f32)
    return plots.add_run(base, get_spectrum(data_key), get_run(data_key, run_key))


@st.cache_resource(max_entries=16, show_spinner=False)
def get_history_figure(data_key: DataKey, run_key: RunKey, lo: float, hi: float) -> go.Figure:
    run = get_run(data_key, run_key)
    found = get_targets(data_key, lo, hi)
    if isinstance(run, RemedyResult):
        stages = list(zip(run.stage_starts, run.stage_labels, strict=True))
        return plots.history_figure(
            get_spectrum(data_key),
            run,
            lo=lo,
            hi=hi,
            found=found,
            loss_name="full-data loss (exact)",
            stages=stages,
        )
    return plots.history_figure(get_spectrum(data_key), run, lo=lo, hi=hi, found=found)


@st.cache_data(max_entries=16, show_spinner=False)
def get_chaos(data_key: DataKey, train_key: TrainKey) -> Chaos:
    w0, kw = train_kwargs(*train_key)
    return chaos(get_spectrum(data_key), w0, 1e-7, steps=min(kw["epochs"], 100), **swarm_kwargs(kw))


@st.cache_data(max_entries=8, show_spinner=False)
def get_basin_map(data_key: DataKey, train_key: TrainKey, lo: float, hi: float) -> BasinMap:
    _, kw = train_kwargs(*train_key)
    spec = get_spectrum(data_key)
    return basin_map(spec, lo, hi, BASIN_STARTS, steps=kw["epochs"], **swarm_kwargs(kw))


@st.cache_data(max_entries=8, show_spinner=False)
def get_convergence_map(
    data_key: DataKey, train_key: TrainKey, lo: float, hi: float
) -> ConvergenceMap:
    _, kw = train_kwargs(*train_key)
    lr_lo, lr_hi = lr_range(kw["lr"])
    return convergence_map(
        get_spectrum(data_key),
        lo,
        hi,
        lr_lo,
        lr_hi,
        n_w0=MAP_W0,
        n_lr=MAP_LR,
        steps=map_steps(kw["epochs"]),
        **{k: v for k, v in swarm_kwargs(kw).items() if k != "lr"},
    )


def swarm_kwargs(kw: dict) -> dict:
    """The optimizer arguments of a train() call, as the float64 swarm engine takes them."""
    # weight_decay=0.0: train() passes it to AdamW too (torch's AdamW default is 0.01).
    keys = ("optimizer", "lr", "momentum", "nesterov")
    return {k: kw[k] for k in keys} | {"weight_decay": 0.0}


def lr_range(lr: float) -> tuple[float, float]:
    """Learning rates of the convergence map: 1e-6 .. 1e-1, widened to hold ``lr`` at 10x."""
    return max(min(1e-6, lr / 10), 1e-12), min(max(1e-1, lr * 10), MAX_LR)


def map_steps(epochs: int) -> int:
    """Steps of the convergence map: the run's, within the swarm engine's work limit."""
    return min(epochs, MAX_WORK // (MAP_W0 * MAP_LR))


@st.cache_data(max_entries=16, show_spinner=False)
def get_why(data_key: DataKey, w: float, lr: float) -> WhyNumbers:
    return why_numbers(get_spectrum(data_key), w, lr)


# --- settings: URL, control panel, presets ----------------------------------


def data_key(s: Settings) -> DataKey:
    """The dataset in use: an uploaded CSV while one is active, else the settings' draw."""
    key = st.session_state.get("_upload_key")
    if key is None:
        return tuple(getattr(s, k) for k in DATA_KEYS)
    if key[1] not in given_datasets():
        # Other sessions' uploads pushed it out of the shared store: put it back.
        key = dataset_key(st.session_state["_upload_data"])
    return key


def uploaded_data() -> Dataset | None:
    """The active uploaded dataset, if any (share links cannot carry it)."""
    key = st.session_state.get("_upload_key")
    return get_data(key) if key else None


def upload_box() -> None:
    """CSV upload: a valid file becomes the dataset; a broken one changes nothing.

    Parsing happens in memory (landscape.csvdata: no pickle, no eval, no file
    written); the error names what is wrong and where, and the dataset in use
    before stays in use.
    """
    file = st.file_uploader(
        "Or upload x,y samples (CSV)",
        type=["csv", "txt", "tsv"],
        key="upload",
        help=f"Two numeric columns, x then y, header optional; at most {MAX_ROWS:,} rows and "
        f"{MAX_BYTES // 2**20} MB. Share links do not carry uploaded data.",
    )
    if file is None:
        for key in ("_upload_key", "_upload_data", "_upload_id", "_upload_error"):
            st.session_state.pop(key, None)
        return
    if st.session_state.get("_upload_id") != file.file_id:
        st.session_state["_upload_id"] = file.file_id
        try:
            data = parse_csv(file.getvalue(), file.name)
            st.session_state["_upload_key"] = dataset_key(data)
            st.session_state["_upload_data"] = data
            st.session_state.pop("_upload_error", None)
        except ValueError as exc:
            st.session_state["_upload_error"] = f"{file.name}: {exc}"
    if error := st.session_state.get("_upload_error"):
        st.error(f"Upload refused, the previous data stay in use. {error}", icon="🚫")
    if data := uploaded_data():
        st.caption(f"In use: **{data.name}**, {data.n:,} samples (replaces the draw above).")


def train_key(s: Settings) -> TrainKey:
    return tuple(getattr(s, k) for k in TRAIN_KEYS)


def run_key(s: Settings) -> RunKey:
    """What determines the Landscape tab's run besides the data (a remedy: only w0)."""
    return (s.method, *train_key(s)) if s.method == METHOD_NONE else (s.method, s.w0)


def url_settings() -> tuple[Settings, list[str]]:
    """The settings the page was opened with, and notices for refused URL values.

    Read once per session, before any widget exists: Streamlit drops invalid
    values of bound widgets silently, and these notices say which and why.
    """
    if "_url" not in st.session_state:
        query = st.query_params.to_dict()
        st.session_state["_url"] = Settings.from_query(query)
        st.session_state["_unbound"] = {k for k, v in query.items() if misread_int_input(k, v)}
    return st.session_state["_url"]


def misread_int_input(key: str, text: str) -> bool:
    """True for URL text that Streamlit 1.67's bound integer input reads differently.

    It reads an integer input's URL value as float(text) and truncates it with
    int(): "2.5" becomes 2 silently, and "inf" (or "1e309") raises
    OverflowError where only ValueError is caught, which crashes the page. Such
    a key is left unbound on the first run, so that its widget takes the
    default that the notice announces, and bound again from the next run on,
    when the widget's own value wins.
    """
    p = SPECS.get(key)
    if p is None or p.kind != "int":
        return False
    try:
        number = float(text)
    except ValueError:
        return False  # Streamlit refuses it too
    if math.isinf(number):
        return True
    if math.isnan(number) or not p.lo <= int(number) <= p.hi:
        return False  # Streamlit falls back to the default too
    try:
        p.parse(text)
    except ValueError:
        return True  # Streamlit would truncate what the spec refuses
    return False


def apply_preset() -> None:
    """Callback of the preset box: every panel key takes the preset's value."""
    base = preset_base(st.session_state["preset"])
    for key in PANEL_KEYS:
        st.session_state[key] = getattr(base, key)


def widget(key: str, base: Settings, on_change: Callable[[], None] | None = None) -> object:
    """The input for setting ``key``, built from its spec, defaulting to the preset's value."""
    p = SPECS[key]
    default = getattr(base, key)
    common = {
        "label": p.label,
        "key": key,
        "help": p.help or None,
        "bind": None if key in st.session_state.get("_unbound", ()) else "query-params",
        "on_change": on_change,
    }
    if p.kind == "choice":
        return st.selectbox(options=p.choices, index=p.choices.index(default), **common)
    if p.kind == "bool":
        return st.checkbox(value=default, **common)
    if p.kind == "int":
        lo, hi, step = int(p.lo), int(p.hi), int(p.step or 1)
        return st.number_input(min_value=lo, max_value=hi, value=default, step=step, **common)
    return st.number_input(
        min_value=float(p.lo),
        max_value=float(p.hi),
        value=float(default),
        step=p.step,
        format="%g",
        **common,
    )


def control_panel() -> tuple[Settings, list[str]]:
    """The sidebar; returns the settings it describes and notices for broken rules."""
    with st.sidebar:
        st.header("Control panel")
        preset = widget("preset", Settings(), on_change=apply_preset)
        base = preset_base(preset)
        shown: list[str] = []

        def show(*keys: str) -> None:
            for key in keys:
                widget(key, base)
                shown.append(key)

        st.subheader("Data")
        show("data")
        if st.session_state["data"] == DATA_RANGE:
            show("start", "stop")
        else:
            show("n", "high", "seed")
        show("noise")
        upload_box()
        st.subheader("Model and training")
        st.caption("Model: x → sin²(w·x), mean squared error (fixed, as in the question).")
        show("method", "w0")
        if st.session_state["method"] == METHOD_NONE:
            show("opt", "lr", "epochs", "batch")
            if st.session_state["batch"]:
                show("tseed")
            if st.session_state["opt"] in ("sgd", "rmsprop"):
                show("momentum")
            if st.session_state["opt"] == "sgd":
                show("nesterov")
        else:
            st.caption(
                "The remedy brings its own optimizer, learning rate and steps; its claim on the "
                "Landscape tab states them. Set the method to 'none' for a plain run."
            )
        st.subheader("Landscape window")
        cols = st.columns(2)
        with cols[0]:
            show("lo")
        with cols[1]:
            show("hi")
        show("logy", "f32")
        values = {key: st.session_state[key] for key in shown}
    return resolve(preset, values)


def share_url(settings: Settings, **extra: str) -> str:
    base = st.context.url or FALLBACK_URL
    query = settings.to_query() | extra
    return base + ("?" + urlencode(query) if query else "")


def share_box(settings: Settings) -> None:
    st.markdown("**Share this setup**")
    st.code(share_url(settings), language=None, wrap_lines=True)
    st.caption("Student view (no control panel):")
    st.code(share_url(settings, locked="1"), language=None, wrap_lines=True)


# --- tabs ---------------------------------------------------------------------


def fmt(value: float, digits: int = 4) -> str:
    """A number for a sentence: ``digits`` significant digits, no float noise."""
    if not math.isfinite(value):
        return "∞" if value > 0 else ("-∞" if value < 0 else "undefined")
    return f"{value:.{digits}g}"


def run_summary(s: Settings, run: Trajectory | RemedyResult) -> str:
    """One paragraph on where the run ended, with every number computed."""
    w_end = float(run.w[-1])
    if isinstance(run, RemedyResult):
        verdict = "holds" if run.claim_holds else "**does not hold** on this run"
        words = [
            f"**Remedy: {s.method}.** {run.claim} The claim {verdict}: {run.w.size - 1} steps "
            f"from w₀ = {fmt(s.w0, 6)} end at **w = {fmt(w_end, 8)}**, full-data loss "
            f"{fmt(run.final_loss, 3)}."
        ]
    else:
        words = [
            f"**{run.steps} steps of `{s.opt}`** (lr {fmt(s.lr)}) from w₀ = {fmt(s.w0, 6)} "
            f"end at **w = {fmt(w_end, 6)}** with training loss {fmt(float(run.loss[-1]), 3)}."
        ]
        if run.diverged:
            words.append(f"The run **diverged** at step {run.diverged_at} (a non-finite number).")
    found, is_global = get_targets(data_key(s), s.lo, s.hi)
    if not s.lo < w_end < s.hi:
        words.append("It ends outside the window.")
    elif found.size:
        g = float(found[np.argmin(np.abs(found - w_end))])
        kind = "nearest solution (a global minimum: loss 0)" if is_global else "lowest minimum"
        inside = get_minima(data_key(s), s.lo, s.hi)
        between = int(np.count_nonzero((inside > min(w_end, g)) & (inside < max(w_end, g))))
        words.append(
            f"The {kind} in view is g = {fmt(g, 8)}, {fmt(abs(w_end - g), 3)} away, "
            f"with **{between} other local minima** in between."
        )
    return " ".join(words)


def landscape_tab(s: Settings) -> None:
    data = get_data(data_key(s))
    with st.spinner("Training and computing the exact landscape..."):
        run = get_run(data_key(s), run_key(s))
        fig = get_landscape_figure(data_key(s), run_key(s), s.lo, s.hi, s.logy, s.f32)
        history = get_history_figure(data_key(s), run_key(s), s.lo, s.hi)
        summary = run_summary(s, run)
        count = get_minima(data_key(s), s.lo, s.hi).size
    st.markdown(summary)
    left, right = st.columns([3, 2], gap="medium")
    with left:
        st.plotly_chart(fig, key="landscape", config={"displaylogo": False})
        finest = math.pi / data.max_abs_x if data.max_abs_x else math.inf
        st.caption(
            f"Exact loss over [{fmt(s.lo)}, {fmt(s.hi)}] on {data.n} samples: **{count} local "
            f"minima**. Each sample adds a wave of period π/x; the largest x, "
            f"{fmt(data.max_abs_x)}, gives the finest, {fmt(finest, 3)}. The curve keeps the "
            "lowest and highest point of every pixel column of a grid at 1/16 of that period. "
            "Press ▶ Play to watch the run (faint dots: every step; big dot: the shown step)."
        )
    with right:
        st.plotly_chart(history, key="history", config={"displaylogo": False})
        st.caption(
            "Top: the weight after each step, with the target minimum dashed. Bottom: "
            + (
                "the full-data loss, exact (log scale); dotted lines start new stages."
                if isinstance(run, RemedyResult)
                else "the training loss that torch reported (float32, log scale)."
            )
        )
    if not (s.lo <= run.w.min() and run.w.max() <= s.hi):
        st.info(
            f"The run visits w in [{fmt(float(run.w.min()), 6)}, {fmt(float(run.w.max()), 6)}], "
            "partly outside the window: widen it to see the whole path."
        )


def why_tab(s: Settings) -> None:
    data = get_data(data_key(s))
    if data.max_abs_x == 0:
        st.info("Every x is 0: the loss does not depend on w, and there is nothing to explain.")
        return
    with st.spinner("Computing the why-numbers (basins, curvature, the nearest solution)..."):
        why = get_why(data_key(s), s.w0, s.lr)
    st.markdown(f"#### Why gradient descent fails here, at w₀ = {fmt(s.w0, 6)} with lr {fmt(s.lr)}")
    # One formula per line: a phone is ~20 symbols wide.
    st.latex(r"L(w)=\frac1N\sum_i r_i^2,\quad r_i=\sin^2(w x_i)-y_i")
    st.latex(r"L'(w)=\frac2N\sum_i r_i\,\sin(2wx_i)\,x_i")
    st.markdown(
        f"1. **A comb of minima.** Sample i's term has period π/xᵢ in w; the largest x gives "
        f"the finest, π/{fmt(data.max_abs_x)} = {fmt(why.finest_period, 3)}. The basin "
        f"around w₀ is {fmt(why.current_basin_width, 3)} wide, and **{why.minima_between} local "
        f"minima** lie between w₀ and the nearest solution g = {fmt(why.target, 10)} "
        f"(loss {fmt(why.target_loss, 2)})."
    )
    st.markdown(
        f"2. **Steps jump basins.** At w₀, L' = {fmt(why.grad, 4)}, so one full-batch step "
        f"moves lr·|L'| = {fmt(why.step, 3)}: **{fmt(why.step_in_basins, 3)} basin widths**."
    )
    ratio = (
        f"the largest sample's share of the gradient is **{fmt(why.grad_ratio, 3)} times** the "
        "largest among x ≤ 5"
        if math.isfinite(why.grad_ratio)
        else "no sample has x ≤ 5 to compare with"
    )
    st.markdown(
        f"3. **Large x shout.** Each share 2(sin²(wx)−y)·sin(2wx)·x/N grows with x: {ratio}."
    )
    stable = (
        f"gradient descent is stable near w₀ only for lr < 2/L'' = {fmt(why.max_stable_lr, 3)}"
        if math.isfinite(why.max_stable_lr)
        else "L'' ≤ 0 there: w₀ sits on a concave stretch, where no learning rate settles"
    )
    st.markdown(f"4. **Curvature.** L''(w₀) = {fmt(why.curvature, 4)}: {stable}.")
    st.latex(r"w_{k+1}-g\approx(1-\eta L'')\,(w_k-g)")
    gap = abs(s.w0 - why.target)
    halving = (
        f"halving the gap |w₀ − g| = {fmt(gap, 3)} takes {fmt(why.halving_steps, 3)} steps, "
        "and each further halving four times as many"
        if math.isfinite(why.halving_steps)
        else f"the gap |w₀ − g| = {fmt(gap, 3)} is wider than that"
    )
    st.markdown(
        f"5. **A flat, quartic floor.** At g, L'' = {fmt(why.target_curvature, 2)} (against "
        f"|L''(w₀)| = {fmt(abs(why.curvature), 3)}) and L(g + d) ≈ c₄d⁴ with "
        f"c₄ = L''''(g)/24 = {fmt(why.quartic_coef, 4)}. Gradient descent on c₄d⁴ shrinks d only "
        f"below {fmt(why.quartic_max_gap, 3)}; {halving}."
    )
    st.latex(r"d_{k+1}=d_k\,(1-4\eta c_4 d_k^2)")
    st.markdown(
        f"6. **float32.** Near g, float32 numbers are {fmt(why.float32_spacing, 3)} apart, and "
        f"rounding the phase g·x moves each term by up to {fmt(why.float32_shift_in_basins, 3)} "
        f"basin widths; the float32 loss at the exact solution is "
        f"{fmt(why.float32_loss_at_target, 3)}. It resolves the minimiser to a tenth of a basin "
        f"only while max x < {fmt(why.float32_max_x, 3)}."
    )
    small, large = _small_and_large_x(data)
    half = 8 * math.pi / large
    c1, c2 = st.columns(2)
    with c1:
        st.plotly_chart(
            plots.sample_terms_figure(data, [small, large], s.w0 - half, s.w0 + half),
            key="terms",
        )
        st.caption(
            f"Two samples' loss terms around w₀: x = {fmt(small)} (period {fmt(math.pi / small, 3)}) "
            f"and x = {fmt(large)} (period {fmt(math.pi / large, 3)})."
        )
    with c2:
        st.plotly_chart(plots.sample_grads_figure(why.x, why.sample_grads, s.w0), key="grads")
        st.caption("Each sample's share of L'(w₀) against its x: the envelope grows like x.")
    half_width = 0.25 * why.target_basin_width
    st.plotly_chart(
        plots.quartic_figure(get_spectrum(data_key(s)), why.target, why.quartic_coef, half_width),
        key="quartic",
    )
    st.caption(
        f"The loss within a quarter basin ({fmt(half_width, 3)}) of g: the floor is quartic, "
        "so the slope, and every gradient step, vanishes like d³."
    )
    chaos_section(s)


def chaos_section(s: Settings) -> None:
    with st.spinner("Running two starts 1e-7 apart..."):
        c = get_chaos(data_key(s), train_key(s))
    st.markdown("#### 7. Chaos: two starts 1e-7 apart")
    parted = (
        f"they are more than {fmt(c.threshold)} apart after **{c.parted_at} steps**"
        if c.parted_at >= 0
        else f"they stay within {fmt(c.threshold)} of each other for {c.w.shape[0] - 1} steps"
    )
    growth = (
        f"the gap grows by a factor e every {fmt(c.efold, 3)} steps (rate {fmt(c.rate, 3)} per step)"
        if math.isfinite(c.rate) and c.rate > 0
        else "the gap does not grow"
    )
    st.markdown(
        f"Two full-batch runs from w₀ and w₀ + {c.eps:.0e}, same optimizer and lr: {growth}, and "
        f"{parted}. A difference of one float32 rounding decides where the run goes. (These "
        "two runs use the float64 swarm engine with exact gradients, not the float32 replay.)"
    )
    st.plotly_chart(plots.chaos_figure(c), key="chaos")


def _small_and_large_x(data: Dataset) -> tuple[float, float]:
    nonzero = np.abs(data.x[data.x != 0])
    return float(data.x[np.abs(data.x) == nonzero.min()][0]), float(
        data.x[np.abs(data.x) == nonzero.max()][0]
    )


def replay(chart_key: str, with_lr: bool) -> None:
    """Selection callback of a map: the chosen start (and lr) become the control panel's."""
    points = st.session_state[chart_key].selection.get("points", [])
    data = points[0].get("customdata") if points else None
    values = data if isinstance(data, list) else [data]
    try:
        w0 = SPECS["w0"].check(float(values[0]))
        lr = SPECS["lr"].check(float(values[1])) if with_lr else None
    except (TypeError, ValueError, IndexError):
        return  # a click between points, or a selection that carries no start
    st.session_state["w0"] = w0
    if lr is not None:
        st.session_state["lr"] = lr


def basins_tab(s: Settings, locked: bool) -> None:
    st.markdown(
        f"#### Where does each start go? ({s.opt}, lr {fmt(s.lr)}, {s.epochs} full-batch steps)"
    )
    st.caption(
        "Maps run many starts at once with the float64 swarm engine (exact gradients, the same "
        "torch.optim optimizer, full batch); single runs elsewhere replay the float32 script."
        + ("" if locked else " Click a point or a cell to replay that start in the control panel.")
    )
    with st.spinner(f"Running {BASIN_STARTS} starts across the window..."):
        basins = get_basin_map(data_key(s), train_key(s), s.lo, s.hi)
    hits = int(np.count_nonzero(basins.reached >= 0))
    st.markdown(
        f"**{hits} of {basins.w0.size}** evenly spaced starts in [{fmt(s.lo)}, {fmt(s.hi)}] end "
        f"within {fmt(basins.atol, 2)} of a global minimum; the rest stop in local minima or "
        "keep wandering."
    )
    st.plotly_chart(
        plots.basin_map_figure(basins, current=s.w0),
        key="basin_map",
        on_select="ignore" if locked else (lambda: replay("basin_map", with_lr=False)),
        selection_mode="points",
    )
    steps = map_steps(s.epochs)
    lr_lo, lr_hi = lr_range(s.lr)
    st.markdown(
        f"#### Which (w₀, lr) train? {MAP_W0} × {MAP_LR} runs of {steps} steps, "
        f"lr from {fmt(lr_lo)} to {fmt(lr_hi)}"
    )
    slow = s.opt != "sgd"
    if slow and not st.button(
        f"Compute the {s.opt} map (one torch param group per learning rate: slow, up to a minute)",
        key="compute_convergence",
    ):
        st.caption("For sgd the map is computed at once; other optimizers need a click.")
        return
    with st.status("Running the (w₀, lr) grid...", expanded=False) as status:
        conv = get_convergence_map(data_key(s), train_key(s), s.lo, s.hi)
        status.update(label="Convergence map ready", state="complete")
    trained = float(conv.reached.mean())
    st.markdown(
        f"**{fmt(100 * trained, 3)}%** of the cells reach a loss below {fmt(conv.tol)} within "
        f"{conv.steps} steps; the star is the current run."
    )
    st.plotly_chart(
        plots.convergence_map_figure(conv, current=(s.w0, s.lr)),
        key="convergence_map",
        on_select="ignore" if locked else (lambda: replay("convergence_map", with_lr=True)),
        selection_mode="points",
    )


def fixes_tab(s: Settings) -> None:
    st.markdown(f"#### Remedies, side by side, from w₀ = {fmt(s.w0, 6)} on the same data")
    st.caption(
        "Each remedy runs with its own optimizer, learning rate and steps, stated in its claim; "
        "the claims are the engine's and are checked on every run. Choose one as the Method in "
        "the control panel to animate it on the Landscape tab."
    )
    results, names, skipped = [], [], []
    with st.status("Running the remedies...", expanded=False) as status:
        for method in REMEDY_VARIANTS:
            status.update(label=f"Running the remedies: {method}...")
            try:
                results.append(get_remedy(data_key(s), method, s.w0))
                names.append(method)
            except ValueError as exc:
                skipped.append(f"{method}: {exc}")
        status.update(label="Remedies done", state="complete")
    found = get_targets(data_key(s), s.lo, s.hi)
    spec = get_spectrum(data_key(s))
    st.plotly_chart(
        plots.remedies_figure(spec, s.lo, s.hi, results, names, found=found),
        key="remedies",
        config={"displaylogo": False},
    )
    st.caption("Each path at its exact full-data loss; diamonds mark where each run ended.")
    rows = [
        {
            "remedy": name,
            "claim holds": "yes" if r.claim_holds else "NO",
            "final w": r.final_w,
            "|w − target|": r.distance,
            "full-data loss": r.final_loss,
            "in the target's basin": "yes" if r.in_target_basin else "no",
            "claim": r.claim,
        }
        for name, r in zip(names, results, strict=True)
    ]
    st.dataframe(
        rows,
        hide_index=True,
        column_config={
            "final w": st.column_config.NumberColumn(format="%.8f"),
            "|w − target|": st.column_config.NumberColumn(format="%.2e"),
            "full-data loss": st.column_config.NumberColumn(format="%.2e"),
            "claim": st.column_config.TextColumn(width="large"),
        },
    )
    st.plotly_chart(
        plots.progress_figure(results, names, [r.target for r in results]),
        key="progress",
        config={"displaylogo": False},
    )
    st.caption(
        "Distance from each run to the global minimum nearest its end, step by step (log "
        "scale): the remedies that work keep falling; the others level off a wrong basin away."
    )
    for note in skipped:
        st.info(note)


def export_tab(s: Settings) -> None:
    run = get_run(data_key(s), run_key(s))
    plain = get_run(data_key(s), (METHOD_NONE, *train_key(s)))
    spec = get_spectrum(data_key(s))
    st.markdown("#### Take it with you")
    cols = st.columns(3)
    downloads = [
        (
            "Landscape (CSV)",
            lambda: export.landscape_csv(spec, s.lo, s.hi),
            "landscape.csv",
            "text/csv",
        ),
        (
            "Trajectory (CSV)",
            lambda: export.trajectory_csv(spec, run),
            "trajectory.csv",
            "text/csv",
        ),
        (
            "Figure (HTML)",
            lambda: export.figure_html(
                get_landscape_figure(data_key(s), run_key(s), s.lo, s.hi, s.logy, s.f32)
            ),
            "landscape.html",
            "text/html",
        ),
        ("Settings (JSON)", lambda: export.settings_json(s), "settings.json", "application/json"),
        (
            "PyTorch script",
            lambda: export.pytorch_script(s, uploaded_data()),
            "landscape_run.py",
            "text/x-python",
        ),
    ]
    for i, (label, make, name, mime) in enumerate(downloads):
        with cols[i % 3]:
            st.download_button(label, make, file_name=name, mime=mime, on_click="ignore", key=name)
    which = (
        "the weights the charts show"
        if s.method == METHOD_NONE
        else f"the weights of a plain `{s.opt}` run (lr {fmt(s.lr)}); the remedy "
        f"'{s.method}' has no script"
    )
    st.markdown(
        f"The script trains the question's model with torch.optim exactly as this page does and "
        f"prints {plain.w.size} weights, {which}: w before the first step, then after each step."
    )
    st.code(export.pytorch_script(s, uploaded_data()), language="python")
    with st.expander("Every URL key, for links written by hand"):
        rows = [
            {
                "key": p.key,
                "setting": p.label,
                "allowed": p.describe(),
                "default": p.format(p.default),
            }
            for p in PARAMS
        ]
        st.dataframe(rows, hide_index=True)
        st.caption("A preset's values replace the defaults of the keys it sets.")


# --- page ---------------------------------------------------------------------


def main() -> None:
    opened, url_notices = url_settings()
    st.set_page_config(
        page_title="Landscape Lab",
        layout="wide",
        initial_sidebar_state="collapsed" if opened.locked else "auto",
    )
    if opened.locked:
        settings, rule_notices = opened, []
    else:
        settings, rule_notices = control_panel()
    # Streamlit's default top padding takes a fifth of a laptop screen, and its
    # title three lines of a phone's.
    st.markdown(
        "<style>[data-testid='stMainBlockContainer']{padding-top:2.5rem}"
        "@media (max-width:640px){h1{font-size:1.9rem!important}}</style>",
        unsafe_allow_html=True,
    )
    st.title("Why can't gradient descent learn sin²(w·x)?")
    st.markdown(
        "The model x → sin²(w·x) labels integers by parity when w = π/2 + kπ. Starting at "
        "w₀ near π/2 and training on many x, gradient descent still wanders: the loss in w is a "
        "dense comb of local minima. Explore why."
    )
    if st.session_state.setdefault("_first", settings) != settings:
        url_notices = []  # they were about the link as opened; the user has moved on
    # A rule broken by the URL is reported by both the URL check and the panel.
    for notice in dict.fromkeys(url_notices + rule_notices):
        st.warning(notice, icon="⚠️")
    tabs = st.tabs(list(TABS), key="tab", bind="query-params")
    renderers = {
        TAB_LANDSCAPE: landscape_tab,
        TAB_WHY: why_tab,
        TAB_BASINS: lambda s: basins_tab(s, opened.locked),
        TAB_FIXES: fixes_tab,
        TAB_EXPORT: export_tab,
    }
    for label, tab in zip(TABS, tabs, strict=True):
        with tab:
            if tab.open:
                try:
                    renderers[label](settings)
                except ValueError as exc:
                    # The engine refuses what it cannot compute, naming the argument.
                    st.error(f"This cannot be computed for these settings: {exc}", icon="🚫")
    st.session_state["_unbound"] = set()
    if not opened.locked:
        shown = next((label for label, tab in zip(TABS, tabs, strict=True) if tab.open), TABS[0])
        with st.sidebar:
            share_box(dataclasses.replace(settings, tab=shown))


main()
