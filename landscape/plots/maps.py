"""Basin and convergence maps: where each start, or each (w0, lr) pair, ends.

Both are built as plain data (:func:`~landscape.plots._style.figure`): a map
figure is rebuilt for every session's marker, so Plotly's validation is skipped.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go

from ..i18n import _
from ..maps import BasinMap, ConvergenceMap
from ._style import COLORS, figure, layout, line_at

_OUTCOME_COLORS = ("#1a9850", "#66bd63", "#a6d96a", "#006837")


def _ends(outcome: str) -> str:
    # A start's hover text: where it ends, and whether that is a global minimum.
    return "w0 = %{x:.8f}<br>" + _("ends at w = %{y:.8f}") + f"<extra>{outcome}</extra>"


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
    stuck = reached < 0
    traces: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "x": w0[stuck],
            "y": w[stuck],
            "mode": "markers",
            "marker": {"size": 4, "color": COLORS["other"], "opacity": 0.6},
            "name": _("no global minimum ({k} of {n})").format(k=int(stuck.sum()), n=w0.size),
            "customdata": w0[stuck],
            "hovertemplate": _ends(_("stuck")),
        }
    ]
    shapes = []
    for i, m in enumerate(np.asarray(basins.minimizers, dtype=np.float64)):
        hit = reached == i
        color = _OUTCOME_COLORS[i % len(_OUTCOME_COLORS)]
        shapes.append(line_at("y", float(m), {"color": color, "dash": "dash", "width": 1}))
        if hit.any():
            traces.append(
                {
                    "type": "scatter",
                    "x": w0[hit],
                    "y": w[hit],
                    "mode": "markers",
                    "marker": {"size": 6, "color": color},
                    "name": _("reach w* = {w} ({k})").format(w=f"{m:.6g}", k=int(hit.sum())),
                    "customdata": w0[hit],
                    "hovertemplate": _ends(_("reached")),
                }
            )
    if current is not None:
        shapes.append(line_at("x", float(current), {"color": COLORS["current"], "width": 2}))
        traces.append(
            {
                "type": "scatter",
                "x": [None],
                "y": [None],
                "mode": "lines",
                "line": {"color": COLORS["current"], "width": 2},
                "name": _("current w0 = {w0}").format(w0=f"{current:.6g}"),
            }
        )
    return figure(
        traces,
        layout(
            height,
            shapes=shapes,
            xaxis={"title": {"text": _("start w0")}, "range": [float(w0.min()), float(w0.max())]},
            yaxis={"title": {"text": _("final w")}, "exponentformat": "none"},
            uirevision="basins",
        ),
    )


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
    gx, gy = np.meshgrid(w0, log_lr)
    traces: list[dict[str, Any]] = [
        {
            "type": "heatmap",
            "x": w0,
            "y": log_lr,
            "z": status,
            "colorscale": [[0, "#d9d9d9"], [1, "#252525"]],
            "zmin": 0,
            "zmax": 1,
            "showscale": False,
            "hoverinfo": "skip",
            "name": _("never / diverged"),
        },
        {
            "type": "heatmap",
            "x": w0,
            "y": log_lr,
            "z": reached,
            "colorscale": "Viridis",
            "zmin": 0,
            "zmax": float(conv.steps),
            "colorbar": {
                "title": {"text": _("first step<br>with L < tol"), "side": "right"},
                "thickness": 12,
            },
            "hovertemplate": "w0 = %{x:.6f}<br>lr = 10^%{y:.2f}<br>"
            + _("first step %{z}")
            + "<extra></extra>",
            "name": _("reached"),
        },
        {
            "type": "scattergl",
            "x": gx.ravel(),
            "y": gy.ravel(),
            "mode": "markers",
            "marker": {"size": 6, "opacity": 0},
            # A list of pairs, not a 2-D array: plotly would send that as a typed
            # array, and selection events would carry its raw bytes.
            "customdata": np.stack([gx.ravel(), 10 ** gy.ravel()], axis=1).tolist(),
            "hovertemplate": "w0 = %{customdata[0]:.6f}<br>lr = %{customdata[1]:.3g}<extra></extra>",
            "showlegend": False,
            "name": "cells",
        },
    ]
    if current is not None:
        traces.append(
            {
                "type": "scatter",
                "x": [current[0]],
                "y": [np.log10(current[1])],
                "mode": "markers",
                "marker": {
                    "symbol": "star",
                    "size": 16,
                    "color": COLORS["current"],
                    "line": {"color": "white", "width": 1},
                },
                "name": _("current run: w0 = {w0}, lr = {lr}").format(
                    w0=f"{current[0]:.6g}", lr=f"{current[1]:.3g}"
                ),
                "hoverinfo": "skip",
            }
        )
    ticks = np.arange(np.floor(log_lr.min()), np.ceil(log_lr.max()) + 1)
    return figure(
        traces,
        layout(
            height,
            xaxis={"title": {"text": _("start w0")}, "range": [float(w0.min()), float(w0.max())]},
            yaxis={
                "title": {"text": _("learning rate")},
                "tickvals": ticks,
                "ticktext": [f"1e{int(t)}" for t in ticks],
                "range": [float(log_lr.min()), float(log_lr.max())],
            },
            uirevision="convergence",
        ),
    )
