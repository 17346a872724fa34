"""Basin and convergence maps: where each start, or each (w0, lr) pair, ends."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ..maps import BasinMap, ConvergenceMap
from ._style import (
    COLORS,
    base_layout,
)

_OUTCOME_COLORS = ("#1a9850", "#66bd63", "#a6d96a", "#006837")


def basin_map_figure(
    basins: BasinMap, *, current: float | None = None, height: int = 380
) -> go.Figure:
    """Where every start ends (a :class:`~landscape.maps.BasinMap`): final w against w0.

    Starts that reached a global minimiser are green (one shade per
    minimiser, with dashed lines at the minimisers), the others grey;
    ``current`` marks a start with a vertical line. Points carry their w0 as
    ``customdata``, so a selection event gives the start to replay.
    """
    w0 = np.asarray(basins.w0, dtype=np.float64)
    w = np.asarray(basins.w, dtype=np.float64)
    reached = np.asarray(basins.reached)
    fig = go.Figure()
    stuck = reached < 0
    fig.add_trace(
        go.Scatter(
            x=w0[stuck],
            y=w[stuck],
            mode="markers",
            marker={"size": 4, "color": COLORS["other"], "opacity": 0.6},
            name=f"no global minimum ({int(stuck.sum())} of {w0.size})",
            customdata=w0[stuck],
            hovertemplate="w0 = %{x:.8f}<br>ends at w = %{y:.8f}<extra>stuck</extra>",
        )
    )
    for i, m in enumerate(np.asarray(basins.minimizers, dtype=np.float64)):
        hit = reached == i
        color = _OUTCOME_COLORS[i % len(_OUTCOME_COLORS)]
        fig.add_hline(y=float(m), line={"color": color, "dash": "dash", "width": 1})
        if hit.any():
            fig.add_trace(
                go.Scatter(
                    x=w0[hit],
                    y=w[hit],
                    mode="markers",
                    marker={"size": 6, "color": color},
                    name=f"reach w* = {m:.6g} ({int(hit.sum())})",
                    customdata=w0[hit],
                    hovertemplate="w0 = %{x:.8f}<br>ends at w = %{y:.8f}<extra>reached</extra>",
                )
            )
    if current is not None:
        fig.add_vline(x=float(current), line={"color": COLORS["current"], "width": 2})
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="lines",
                line={"color": COLORS["current"], "width": 2},
                name=f"current w0 = {current:.6g}",
            )
        )
    fig.update_xaxes(title_text="start w0", range=[float(w0.min()), float(w0.max())])
    fig.update_yaxes(title_text="final w", exponentformat="none")
    base_layout(fig, height)
    fig.update_layout(uirevision="basins")
    return fig


def convergence_map_figure(
    conv: ConvergenceMap, *, current: tuple[float, float] | None = None, height: int = 460
) -> go.Figure:
    """Which (w0, lr) train within T steps (a :class:`~landscape.maps.ConvergenceMap`).

    Colour: the first step at which the loss fell below ``tol`` (darker is
    sooner); grey: never within T steps; black: diverged. The learning-rate
    axis is logarithmic. An invisible marker on every cell carries
    ``(w0, lr)`` as ``customdata`` for selection events; ``current`` is marked
    with a star.
    """
    w0 = np.asarray(conv.w0, dtype=np.float64)
    lr = np.asarray(conv.lr, dtype=np.float64)
    first = np.asarray(conv.first_step, dtype=np.float64)
    diverged = np.asarray(conv.diverged_at) >= 0
    status = np.where(diverged, 1.0, np.where(first < 0, 0.0, np.nan))
    reached = np.where(first >= 0, first, np.nan)
    log_lr = np.log10(lr)
    fig = go.Figure()
    fig.add_trace(
        go.Heatmap(
            x=w0,
            y=log_lr,
            z=status,
            colorscale=[[0, "#d9d9d9"], [1, "#252525"]],
            zmin=0,
            zmax=1,
            showscale=False,
            hoverinfo="skip",
            name="never / diverged",
        )
    )
    fig.add_trace(
        go.Heatmap(
            x=w0,
            y=log_lr,
            z=reached,
            colorscale="Viridis",
            zmin=0,
            zmax=float(conv.steps),
            colorbar={
                "title": {"text": "first step<br>with L < tol", "side": "right"},
                "thickness": 12,
            },
            hovertemplate="w0 = %{x:.6f}<br>lr = 10^%{y:.2f}<br>first step %{z}<extra></extra>",
            name="reached",
        )
    )
    gx, gy = np.meshgrid(w0, log_lr)
    fig.add_trace(
        go.Scattergl(
            x=gx.ravel(),
            y=gy.ravel(),
            mode="markers",
            marker={"size": 6, "opacity": 0},
            # A list of pairs, not a 2-D array: plotly would send that as a typed
            # array, and selection events would carry its raw bytes.
            customdata=np.stack([gx.ravel(), 10 ** gy.ravel()], axis=1).tolist(),
            hovertemplate="w0 = %{customdata[0]:.6f}<br>lr = %{customdata[1]:.3g}<extra></extra>",
            showlegend=False,
            name="cells",
        )
    )
    if current is not None:
        fig.add_trace(
            go.Scatter(
                x=[current[0]],
                y=[np.log10(current[1])],
                mode="markers",
                marker={
                    "symbol": "star",
                    "size": 16,
                    "color": COLORS["current"],
                    "line": {"color": "white", "width": 1},
                },
                name=f"current run: w0 = {current[0]:.6g}, lr = {current[1]:.3g}",
                hoverinfo="skip",
            )
        )
    ticks = np.arange(np.floor(log_lr.min()), np.ceil(log_lr.max()) + 1)
    fig.update_yaxes(
        title_text="learning rate",
        tickvals=ticks,
        ticktext=[f"1e{int(t)}" for t in ticks],
        range=[float(log_lr.min()), float(log_lr.max())],
    )
    fig.update_xaxes(title_text="start w0", range=[float(w0.min()), float(w0.max())])
    base_layout(fig, height)
    fig.update_layout(uirevision="convergence")
    return fig
