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
from ..state import SPECS, Settings
from ..text import fmt
from ..upload import data_key
from .gate import Bar, ask


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
    key, run = data_key(s), s.plain_run()
    basins = cached(get_basin_map, key, run, s.lo, s.hi)
    if basins is None:
        spec = get_spectrum(key)
        cost = swarm_cost("the basin map", spec, BASIN_STARTS, s.epochs) + scan_cost(dataset(key))
        if not ask(cost, "compute_basins"):
            return
        bar = Bar()
        bar.phase(f"Running {BASIN_STARTS} starts across the window", 0, 1)
        basins = get_basin_map(key, run, s.lo, s.hi)
        bar.close()
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
    steps = map_steps(s.epochs, MAP_W0 * MAP_LR)
    lr_lo, lr_hi = lr_range(s.lr)
    st.markdown(
        f"#### Which (w₀, lr) train? {MAP_W0} × {MAP_LR} runs of {steps} steps, "
        f"lr from {fmt(lr_lo)} to {fmt(lr_hi)}"
    )
    conv = cached(get_convergence_map, key, run, s.lo, s.hi)
    if conv is None:
        cost = swarm_cost("the (w₀, lr) map", get_spectrum(key), MAP_W0 * MAP_LR, steps)
        # Beyond sgd, one torch param group per learning rate: slow whatever the data.
        if s.opt != "sgd" and not st.button(
            f"Compute the {s.opt} map (one torch param group per learning rate: slow, "
            "up to a minute)",
            key="compute_convergence",
        ):
            st.caption("For sgd the map is computed at once; other optimizers need a click.")
            return
        if s.opt == "sgd" and not ask(cost, "compute_convergence"):
            return
        bar = Bar()
        bar.phase("Running the (w₀, lr) grid", 0, 1)
        conv = get_convergence_map(key, run, s.lo, s.hi)
        bar.close()
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
