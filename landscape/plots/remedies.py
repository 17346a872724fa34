"""The remedies side by side: their paths on one landscape, and their progress."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from ..surface import Source, as_spectrum
from ..window import Run, exact_loss
from ._style import (
    LOG_FLOOR,
    SERIES,
    base_layout,
    frame_steps,
)
from .landscape import landscape_figure


def remedies_figure(
    data: Source,
    lo: float,
    hi: float,
    results: Sequence[Run],
    names: Sequence[str],
    *,
    found: tuple[np.ndarray, bool] | None = None,
    max_points: int = 400,
    height: int = 520,
) -> go.Figure:
    """Several runs on one :func:`landscape_figure`: each path, and a diamond where it ended.

    ``results`` are runs (e.g. :class:`~landscape.remedies.RemedyResult`) and
    ``names`` their legend entries. Each path is drawn at its exact float64
    loss, thinned to ``max_points`` evenly spaced iterates (first and last
    kept); iterates outside [lo, hi] fall off the fixed axes.
    """
    if len(results) != len(names):
        raise ValueError(f"names must match results: {len(names)} names, {len(results)} results")
    spec = as_spectrum(data)
    fig = landscape_figure(spec, lo, hi, found=found, height=height)
    floor = LOG_FLOOR if fig.layout.yaxis.type == "log" else -np.inf
    for i, (run, name) in enumerate(zip(results, names, strict=True)):
        w = np.asarray(run.w, dtype=np.float64)
        keep = frame_steps(w.size - 1, max_points)
        loss = np.maximum(exact_loss(spec, w[keep]), floor)
        color = SERIES[i % len(SERIES)]
        fig.add_scatter(
            x=w[keep],
            y=loss,
            mode="lines+markers",
            name=name,
            legendgroup=name,
            line={"color": color, "width": 1.5},
            marker={"size": 4, "color": color},
            customdata=keep,
            opacity=0.85,
            hovertemplate="step %{customdata}<br>w = %{x:.8f}<br>L = %{y:.4g}<extra>"
            + name
            + "</extra>",
        )
        fig.add_scatter(
            x=w[-1:],
            y=loss[-1:],
            mode="markers",
            legendgroup=name,
            showlegend=False,
            marker={
                "symbol": "diamond",
                "size": 13,
                "color": color,
                "line": {"color": "white", "width": 1.5},
            },
            hovertemplate="end: w = %{x:.10f}<br>L = %{y:.4g}<extra>" + name + "</extra>",
        )
    fig.update_layout(uirevision=f"remedies {lo!r} {hi!r}")
    return fig


def progress_figure(
    results: Sequence[Run], names: Sequence[str], targets_w: Sequence[float], *, height: int = 360
) -> go.Figure:
    """Distance ``|w_k - g|`` to each run's target minimum g against the step, log scale.

    ``targets_w[i]`` is run i's target (e.g. ``RemedyResult.target``). A run that
    converges falls towards the float32/float64 resolution; one that is stuck
    levels off at the distance of its wrong basin.
    """
    if not len(results) == len(names) == len(targets_w):
        raise ValueError("results, names and targets_w must have the same length")
    fig = go.Figure()
    for i, (run, name, g) in enumerate(zip(results, names, targets_w, strict=True)):
        w = np.asarray(run.w, dtype=np.float64)
        gap = np.abs(w - float(g))
        fig.add_scatter(
            x=np.arange(w.size),
            y=np.where(gap > 0, gap, np.nan),
            mode="lines",
            name=name,
            line={"color": SERIES[i % len(SERIES)], "width": 1.5},
            hovertemplate="step %{x}<br>|w - g| = %{y:.3g}<extra>" + name + "</extra>",
        )
    fig.update_xaxes(title_text="step (iterate)")
    fig.update_yaxes(
        title_text="distance to the target |w - g|", type="log", exponentformat="power"
    )
    base_layout(fig, height)
    return fig
