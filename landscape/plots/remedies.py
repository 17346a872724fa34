"""The remedies side by side: their paths on one landscape, and their progress.

Both figures are plain data (:func:`~landscape.plots._style.figure`): the Fixes
tab rebuilds them on every rerun, so Plotly's validation is skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from ..i18n import _
from ..surface import Source, as_spectrum
from ..window import Run, exact_loss
from ._style import LOG_FLOOR, SERIES, figure, frame_steps, layout
from .landscape import landscape_figure


def _path(w: np.ndarray, loss: np.ndarray, steps: np.ndarray, name: str, color: str) -> list[dict]:
    # A remedy's thinned path, and a diamond where it ended: one legend entry.
    tip = _("step") + " %{customdata}<br>w = %{x:.8f}<br>L = %{y:.4g}<extra>"
    end = _("end") + ": w = %{x:.10f}<br>L = %{y:.4g}<extra>"
    return [
        {
            "type": "scatter",
            "x": w,
            "y": loss,
            "mode": "lines+markers",
            "name": name,
            "legendgroup": name,
            "line": {"color": color, "width": 1.5},
            "marker": {"size": 4, "color": color},
            "customdata": steps,
            "opacity": 0.85,
            "hovertemplate": tip + name + "</extra>",
        },
        {
            "type": "scatter",
            "x": w[-1:],
            "y": loss[-1:],
            "mode": "markers",
            "legendgroup": name,
            "showlegend": False,
            "marker": {
                "symbol": "diamond",
                "size": 13,
                "color": color,
                "line": {"color": "white", "width": 1.5},
            },
            "hovertemplate": end + name + "</extra>",
        },
    ]


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
    kept); iterates outside [lo, hi] fall off the fixed axes. Cost: the
    landscape's (:func:`landscape_figure`), a copy of it, and one exact loss
    evaluation per kept iterate.

    Raises
    ------
    ValueError
        If ``names`` and ``results`` differ in length.
    """
    if len(results) != len(names):
        raise ValueError(f"names must match results: {len(names)} names, {len(results)} results")
    spec = as_spectrum(data)
    base = landscape_figure(spec, lo, hi, found=found, height=height).to_dict()
    floor = LOG_FLOOR if base["layout"]["yaxis"].get("type") == "log" else -np.inf
    traces: list[dict[str, Any]] = base["data"]
    for i, (run, name) in enumerate(zip(results, names, strict=True)):
        w = np.asarray(run.w, dtype=np.float64)
        keep = frame_steps(w.size - 1, max_points)
        loss = np.maximum(exact_loss(spec, w[keep]), floor)
        traces += _path(w[keep], loss, keep, name, SERIES[i % len(SERIES)])
    return figure(traces, base["layout"] | {"uirevision": f"remedies {lo!r} {hi!r}"})


def progress_figure(
    results: Sequence[Run], names: Sequence[str], targets_w: Sequence[float], *, height: int = 360
) -> go.Figure:
    """Distance ``|w_k - w*|`` to each run's target minimum w* against the step, log scale.

    ``targets_w[i]`` is run i's target (e.g. ``RemedyResult.target``). A run that
    converges falls towards the float32/float64 resolution; one that is stuck
    levels off at the distance of its wrong basin. Distances of exactly 0 are
    left out (no logarithm).

    Raises
    ------
    ValueError
        If the three sequences differ in length.
    """
    if not len(results) == len(names) == len(targets_w):
        raise ValueError("results, names and targets_w must have the same length")
    hover = _("step") + " %{x}<br>|w − w*| = %{y:.3g}<extra>"
    traces = []
    for i, (run, name, g) in enumerate(zip(results, names, targets_w, strict=True)):
        gap = np.abs(np.asarray(run.w, dtype=np.float64) - float(g))
        traces.append(
            {
                "type": "scatter",
                "x": np.arange(gap.size),
                "y": np.where(gap > 0, gap, np.nan),
                "mode": "lines",
                "name": name,
                "line": {"color": SERIES[i % len(SERIES)], "width": 1.5},
                "hovertemplate": hover + name + "</extra>",
            }
        )
    return figure(
        traces,
        layout(
            height,
            xaxis={"title": {"text": _("step (iterate)")}},
            yaxis={
                "title": {"text": _("distance to the target |w − w*|")},
                "type": "log",
                "exponentformat": "power",
            },
        ),
    )
