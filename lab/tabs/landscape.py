"""The Landscape tab: the exact loss over the window with the run animated on it."""

from __future__ import annotations

import math

import numpy as np
import streamlit as st

from landscape.remedies import RemedyResult
from landscape.surface import minima_between

from ..budget import Cost, run_cost, scan_cost
from ..cache import (
    Run,
    cached,
    compute_run,
    dataset,
    get_history_figure,
    get_landscape_figure,
    get_minima,
    get_run,
    get_targets,
)
from ..state import Settings
from ..text import fmt
from ..upload import data_key
from .gate import Bar, ask


def run_summary(s: Settings, run: Run) -> str:
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
            f"end at **w = {fmt(w_end, 6)}** with training loss {fmt(float(run.float32_loss[-1]), 3)}."
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
        between = minima_between(inside, w_end, g)
        words.append(
            f"The {kind} in view is g = {fmt(g, 8)}, {fmt(abs(w_end - g), 3)} away, "
            f"with **{between} other local minima** in between."
        )
    return " ".join(words)


def prepare(s: Settings, key: str) -> bool:
    """Computes the run and the minima unless they cost more than the budget and no one asked."""
    data, run = dataset(data_key(s)), s.run()
    need_run = cached(get_run, data_key(s), run) is None
    need_scan = cached(get_minima, data_key(s), s.lo, s.hi) is None
    cost = (run_cost(data, run) if need_run else Cost()) + (
        scan_cost(data) if need_scan else Cost()
    )
    if not (need_run or need_scan) or not ask(cost, key):
        return not (need_run or need_scan)
    bar = Bar()
    if need_run:
        compute_run(data_key(s), run, bar.counter("Training"))
    bar.phase("Locating the minima", 1, 2)
    get_minima(data_key(s), s.lo, s.hi)
    bar.close()
    return True


def landscape_tab(s: Settings) -> None:
    data = dataset(data_key(s))
    if not prepare(s, "compute_landscape"):
        return
    with st.spinner("Training and computing the exact landscape..."):
        run = get_run(data_key(s), s.run())
        fig = get_landscape_figure(data_key(s), s.run(), s.lo, s.hi, s.logy, s.f32)
        history = get_history_figure(data_key(s), s.run(), s.lo, s.hi)
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
