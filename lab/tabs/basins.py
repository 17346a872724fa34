"""The Basins tab: where each start goes, and which (w0, lr) pairs train."""

from __future__ import annotations

import numpy as np
import streamlit as st

from landscape import plots
from landscape.maps import lr_range, map_steps

from ..budget import scan_cost, swarm_cost
from ..cache import (
    BASIN_STARTS,
    MAP_LR,
    MAP_W0,
    cached,
    dataset,
    get_basin_map,
    get_convergence_map,
    get_spectrum,
)
from ..i18n import _, ngettext
from ..state import METHOD_NONE, SPECS, Settings
from ..text import fmt, sentences
from ..upload import data_key
from .gate import Bar, ask
from .scope import say_mse_only


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
    # The start came from a float64 map: the Landscape tab draws that path beside
    # the float32 replay and says where they part (only a plain run has both).
    if st.session_state.get("method", METHOD_NONE) == METHOD_NONE:
        st.session_state["f64"] = True


def basins_tab(s: Settings, locked: bool) -> None:
    say_mse_only(s, _("The maps"))
    st.markdown(
        "#### "
        + ngettext(
            "Where does each start go? ({opt}, lr {lr}, {n} full-batch step)",
            "Where does each start go? ({opt}, lr {lr}, {n} full-batch steps)",
            s.epochs,
        ).format(opt=s.opt, lr=fmt(s.lr), n=s.epochs)
    )
    words = _(
        "Maps run many starts at once with the float64 swarm engine (exact gradients, the same "
        "torch.optim optimizer, full batch); single runs elsewhere replay the float32 script."
    )
    if not locked:
        click = _(
            "Click a point or a cell to replay that start: the Landscape tab then draws the "
            "float64 path beside the float32 replay and marks where they part."
        )
        words = sentences(words, click)
    st.caption(words)
    key, run = data_key(s), s.plain_run()
    basins = cached(get_basin_map, key, run, s.lo, s.hi)
    if basins is None:
        spec = get_spectrum(key)
        cost = swarm_cost(_("the basin map"), spec, BASIN_STARTS, s.epochs) + scan_cost(
            dataset(key)
        )
        if not ask(cost, "compute_basins"):
            return
        bar = Bar()
        bar.phase(_("Running {n} starts across the window").format(n=BASIN_STARTS), 0, 1)
        basins = get_basin_map(key, run, s.lo, s.hi)
        bar.close()
    hits = int(np.count_nonzero(basins.reached >= 0))
    st.markdown(
        _(
            "**{hits} of {n}** evenly spaced starts in [{lo}, {hi}] end within {tol} "
            "(π/(8·max|x|), a quarter of the narrowest basin) of a global minimum w\\*; the "
            "rest stop in local minima or keep wandering."
        ).format(hits=hits, n=basins.w0.size, lo=fmt(s.lo), hi=fmt(s.hi), tol=fmt(basins.atol, 2))
    )
    st.plotly_chart(
        plots.basin_map_figure(basins, current=s.w0),
        key="basin_map",
        on_select="ignore" if locked else (lambda: replay("basin_map", with_lr=False)),
        selection_mode="points",
    )
    steps = map_steps(s.epochs, MAP_W0 * MAP_LR)
    lr_lo, lr_hi = lr_range(s.lr)
    st.markdown(
        "#### "
        + ngettext(
            "Which (w₀, lr) train? {rows} × {cols} runs of {n} step, lr from {lo} to {hi}",
            "Which (w₀, lr) train? {rows} × {cols} runs of {n} steps, lr from {lo} to {hi}",
            steps,
        ).format(rows=MAP_W0, cols=MAP_LR, n=steps, lo=fmt(lr_lo), hi=fmt(lr_hi))
    )
    conv = cached(get_convergence_map, key, run, s.lo, s.hi)
    if conv is None:
        cost = swarm_cost(_("the (w₀, lr) map"), get_spectrum(key), MAP_W0 * MAP_LR, steps)
        # Beyond sgd, one torch param group per learning rate: slow whatever the data.
        if s.opt != "sgd" and not st.button(
            _(
                "Compute the {opt} map (one torch param group per learning rate: slow, up to a "
                "minute)"
            ).format(opt=s.opt),
            key="compute_convergence",
        ):
            st.caption(_("For sgd the map is computed at once; other optimizers need a click."))
            return
        if s.opt == "sgd" and not ask(cost, "compute_convergence"):
            return
        bar = Bar()
        bar.phase(_("Running the (w₀, lr) grid"), 0, 1)
        conv = get_convergence_map(key, run, s.lo, s.hi)
        bar.close()
    trained = float(conv.reached.mean())
    st.markdown(
        ngettext(
            "**{share}%** of the cells reach a loss below tol = {tol} (the map's threshold for a "
            "trained run) within {n} step; the star is the current run.",
            "**{share}%** of the cells reach a loss below tol = {tol} (the map's threshold for a "
            "trained run) within {n} steps; the star is the current run.",
            conv.steps,
        ).format(share=fmt(100 * trained, 3), tol=fmt(conv.tol), n=f"{conv.steps:,}")
    )
    st.plotly_chart(
        plots.convergence_map_figure(conv, current=(s.w0, s.lr)),
        key="convergence_map",
        on_select="ignore" if locked else (lambda: replay("convergence_map", with_lr=True)),
        selection_mode="points",
    )
