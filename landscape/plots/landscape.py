"""The landscape and the run: the exact loss over a window, a run animated on it, its history."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..checks import check_window
from ..spectrum import MAX_ABS_W
from ..surface import Source, as_spectrum
from ..window import Run, exact_loss, landscape_line, targets
from ._style import (
    COLORS,
    LOG_FLOOR,
    animation_controls,
    base_layout,
    frame_steps,
    target_label,
    y_range,
)


def _curve(w: np.ndarray, values: np.ndarray, name: str, color: str, **extra) -> go.Scatter:
    # A dense envelope: no hover (thousands of points), a thin line.
    line = {"color": COLORS[color], "width": 1}
    return go.Scatter(x=w, y=values, mode="lines", name=name, line=line, hoverinfo="skip", **extra)


def landscape_figure(
    data: Source,
    lo: float,
    hi: float,
    run: Run | None = None,
    *,
    log_y: bool = False,
    float32: bool = False,
    found: tuple[np.ndarray, bool] | None = None,
    height: int = 500,
    title: str | None = None,
) -> go.Figure:
    """The exact loss landscape over [lo, hi] with its lowest minima, and a run animated on it.

    Draws ``L(w) = mean_i (sin^2(w x_i) - y_i)^2`` (exact float64 series, as
    an :func:`envelope` of :func:`dense_grid`) and marks the lowest minima in
    the window (:func:`targets`; pass ``found``, its result, if you have it).
    ``float32=True`` overlays the student's float32 loss. A ``run`` is drawn
    by :func:`add_run`.

    Axis ranges are fixed (the window, the curve's range), so frames never
    rescale; ``layout.uirevision`` keeps a user's zoom across redraws of the
    same window. Cost: :func:`landscape_line` plus one
    :func:`~landscape.surface.global_minima` call (0.2 s on the question's
    window, most of it), and the float32 overlay's forward passes if asked.
    """
    lo, hi = check_window(lo, hi, MAX_ABS_W)
    spec = as_spectrum(data)
    minima_found, is_global = targets(spec, lo, hi) if found is None else found
    w_line, l_line = landscape_line(spec, lo, hi, extra=minima_found)
    floor = LOG_FLOOR if log_y else -np.inf
    fig = go.Figure()
    fig.add_trace(_curve(w_line, np.maximum(l_line, floor), "exact loss L(w)", "loss"))
    if float32:
        w32, l32 = landscape_line(spec, lo, hi, precision="float32")
        name = "float32 loss (the student's forward pass)"
        fig.add_trace(_curve(w32, np.maximum(l32, floor), name, "float32", opacity=0.7))
    if minima_found.size:
        fig.add_trace(
            go.Scatter(
                x=minima_found,
                y=np.maximum(spec.evaluate(minima_found, 0), floor),
                mode="markers",
                name=target_label(minima_found, is_global),
                marker={"symbol": "star", "size": 14, "color": COLORS["target"]},
                hovertemplate="w = %{x:.10f}<br>L = %{y:.3g}<extra>minimum</extra>",
            )
        )
    fig.update_xaxes(title_text="weight w", range=[lo, hi], showline=True, mirror=True)
    fig.update_yaxes(
        title_text="loss L(w) (mean squared error)",
        type="log" if log_y else "linear",
        range=y_range(np.maximum(l_line, floor), log_y),
        showline=True,
        mirror=True,
        exponentformat="power",
    )
    base_layout(fig, height)
    fig.update_layout(uirevision=f"landscape {lo!r} {hi!r} {log_y}", title=title)
    return fig if run is None else add_run(fig, spec, run)


def add_run(
    fig: go.Figure,
    data: Source,
    run: Run,
    *,
    max_frames: int = 200,
    trail: int = 8,
    label: str | None = None,
) -> go.Figure:
    """A copy of a :func:`landscape_figure` with ``run`` drawn on it and animated.

    Adds the whole path (faint, one dot per state) and a marker with a trail
    of the last ``trail`` steps that Plotly frames move step by step: Play,
    Pause and a step slider, at most ``max_frames`` frames, evenly spaced.
    Points sit at their exact float64 loss, so they lie on the curve (a log
    axis draws losses below :data:`LOG_FLOOR` at it). Frames hold only the
    two moving SVG scatter traces; the browser plays them without the server.
    Cost O(steps) plus ~0.5 ms per frame of plotly validation.
    """
    spec = as_spectrum(data)
    out = go.Figure(fig)
    floor = LOG_FLOOR if out.layout.yaxis.type == "log" else -np.inf
    w = np.asarray(run.w, dtype=np.float64)
    exact = np.maximum(exact_loss(spec, w), floor)
    steps = np.arange(w.size)
    out.add_trace(
        go.Scatter(
            x=w,
            y=exact,
            mode="lines+markers",
            name=label or f"path of the run ({w.size - 1} steps)",
            line={"color": COLORS["path"], "width": 1},
            marker={"size": 4, "color": COLORS["path"]},
            opacity=0.45,
            customdata=steps,
            hovertemplate="step %{customdata}<br>w = %{x:.8f}<br>L = %{y:.4g}<extra></extra>",
        )
    )
    shown = frame_steps(w.size - 1, max_frames)

    def at(k: int) -> list[dict]:
        # Plain dicts of lists: plotly validates them several times faster than
        # Scatter objects holding numpy arrays (~0.2 ms per frame instead of ~1).
        back = slice(max(0, k - trail), k + 1)
        return [
            {
                "type": "scatter",
                "x": w[back].tolist(),
                "y": exact[back].tolist(),
                "customdata": steps[back].tolist(),
            },
            {"type": "scatter", "x": [w[k]], "y": [exact[k]], "customdata": [k]},
        ]

    first_trail, first_marker = at(0)
    out.add_scatter(
        **{k: v for k, v in first_trail.items() if k != "type"},
        mode="lines+markers",
        name="last steps",
        line={"color": COLORS["current"], "width": 2},
        marker={"size": 6, "color": COLORS["current"]},
        hovertemplate="step %{customdata}<br>w = %{x:.8f}<extra></extra>",
        showlegend=False,
    )
    out.add_scatter(
        **{k: v for k, v in first_marker.items() if k != "type"},
        mode="markers",
        name="w at the shown step",
        marker={"size": 15, "color": COLORS["current"], "line": {"color": "white", "width": 2}},
        hovertemplate="step %{customdata}<br>w = %{x:.8f}<br>L = %{y:.4g}<extra></extra>",
    )
    moving = [len(out.data) - 2, len(out.data) - 1]
    names = [str(int(k)) for k in shown]
    out.frames = [
        {"data": at(int(k)), "traces": moving, "name": name}
        for k, name in zip(shown, names, strict=True)
    ]
    duration = int(np.clip(8000 / len(shown), 30, 120))
    out.update_layout(**animation_controls(names, names, duration))
    out.update_layout(margin={"b": 185})
    return out


def history_figure(
    data: Source,
    run: Run,
    *,
    lo: float | None = None,
    hi: float | None = None,
    found: tuple[np.ndarray, bool] | None = None,
    loss_name: str = "training loss",
    stages: Sequence[tuple[int, str]] = (),
    height: int = 460,
) -> go.Figure:
    """w(t) and loss(t) of a run, stacked, with the target minimum as a dashed line.

    The target is :func:`targets` over [lo, hi] widened to the run's range
    (the global minimum pi/2 for the question), or ``found`` if given (a
    :func:`targets` result; the search costs ~0.2 s). The loss panel (log axis)
    shows ``run.float32_loss`` under the legend entry ``loss_name`` (the float32
    training loss of a :func:`~landscape.train.train` run), or, for a run
    without one, the exact float64 loss at each w. ``stages``, pairs of (first
    step, label), are marked by dotted vertical lines (e.g. a curriculum's).
    """
    spec = as_spectrum(data)
    w = np.asarray(run.w, dtype=np.float64)
    a = float(min(w.min(), lo if lo is not None else w.min()))
    b = float(max(w.max(), hi if hi is not None else w.max()))
    pad = 0.05 * (b - a) + 1e-3
    a, b = max(a - pad, -MAX_ABS_W), min(b + pad, MAX_ABS_W)
    found, is_global = targets(spec, a, b) if found is None else found
    own = getattr(run, "float32_loss", None)
    loss = np.asarray(own if own is not None else exact_loss(spec, w), dtype=np.float64)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08)
    steps = np.arange(w.size)
    fig.add_trace(
        go.Scatter(
            x=steps,
            y=w,
            mode="lines+markers" if w.size <= 300 else "lines",
            marker={"size": 3},
            line={"color": COLORS["path"], "width": 1.5},
            name="w after each step",
            hovertemplate="step %{x}<br>w = %{y:.8f}<extra></extra>",
        ),
        row=1,
        col=1,
    )
    for g in found[:3]:
        fig.add_hline(
            y=float(g), line={"color": COLORS["target"], "dash": "dash", "width": 1.5}, row=1, col=1
        )
    if found.size:
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="lines",
                line={"color": COLORS["target"], "dash": "dash"},
                name=target_label(found, is_global),
            ),
            row=1,
            col=1,
        )
    fig.add_trace(
        go.Scatter(
            x=steps,
            y=np.maximum(loss, LOG_FLOOR),
            mode="lines",
            line={"color": COLORS["loss"], "width": 1.5},
            name=loss_name if own is not None else "exact loss",
            hovertemplate="step %{x}<br>loss = %{y:.4g}<extra></extra>",
        ),
        row=2,
        col=1,
    )
    for start, label in stages[1:] if len(stages) > 1 else ():
        fig.add_vline(
            x=start, line={"color": COLORS["other"], "dash": "dot", "width": 1}, opacity=0.7
        )
        fig.add_annotation(
            x=start,
            y=1,
            yref="paper",
            text=label.split(" (")[0],
            showarrow=False,
            textangle=-90,
            xanchor="right",
            yanchor="top",
            font={"size": 10, "color": "#555"},
        )
    fig.update_yaxes(title_text="w", row=1, col=1, exponentformat="none")
    fig.update_yaxes(title_text="loss", type="log", row=2, col=1, exponentformat="power")
    fig.update_xaxes(title_text="optimizer step", row=2, col=1)
    base_layout(fig, height)
    fig.update_layout(uirevision="history")
    return fig
