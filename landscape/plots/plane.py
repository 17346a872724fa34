"""Two parameters: the exact loss over (w, b) or (w, a), a run animated on it, and 1-D slices."""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go

from ..i18n import _, ngettext
from ..plane import SECOND, PlaneView
from ..plane_train import PlaneTrajectory
from ..window import envelope
from ._style import COLORS, animation_controls, figure, frame_steps, layout, line_trace

#: Points per pixel column of a slice's envelope.
SLICE_COLUMNS = 1000

# Hover templates hold Plotly's %{...} fields, which str.format would read: only their
# words go through _(), and the fields are joined in outside the msgids.


def _hover_point(name: str, digits: int) -> str:
    """Hover lines "w = ..." and "name = ..." of a point in the plane."""
    return f"w = %{{x:.{digits}f}}<br>{name} = %{{y:.{digits}f}}"


def _hover_step(name: str) -> str:
    """Hover text of a step of the run: its number, w and the second parameter."""
    return (
        _("step {k}").format(k="%{customdata}") + "<br>" + _hover_point(name, 8) + "<extra></extra>"
    )


# Heatmap values are sent as float32 typed arrays: 4 bytes a cell, and far
# finer than a colour can show.
_Z_DTYPE = np.float32


def _solution_traces(view: PlaneView, name: str) -> list[dict[str, Any]]:
    """Stars at isolated solutions and dashed lines of solutions, in the heatmap's axes."""
    sol = view.solutions
    traces: list[dict[str, Any]] = []
    if sol.points.size:
        traces.append(
            {
                "type": "scatter",
                "x": sol.points[:, 0],
                "y": sol.points[:, 1],
                "mode": "markers",
                "name": _("loss 0 at ({points})").format(
                    points=", ".join(f"{w:.6g}, {p:.6g}" for w, p in sol.points[:2])
                )
                + (", ..." if len(sol.points) > 2 else ""),
                "marker": {"symbol": "star", "size": 16, "color": COLORS["target"]},
                "hovertemplate": _hover_point(name, 10) + "<extra>" + _("loss 0") + "</extra>",
            }
        )
    segments_x: list[float | None] = []
    segments_y: list[float | None] = []
    for slope, intercept in sol.lines:
        segments_x += [view.lo, view.hi, None]
        segments_y += [intercept + slope * view.lo, intercept + slope * view.hi, None]
    for w in sol.verticals:
        segments_x += [w, w, None]
        segments_y += [view.p_lo, view.p_hi, None]
    if sol.curve is not None:
        x, y = sol.curve
        with np.errstate(divide="ignore"):
            a = y / np.sin(view.terms.w * x) ** 2
        a[(a < view.p_lo) | (a > view.p_hi)] = np.nan  # gaps where it leaves the plot
        segments_x += [*view.terms.w.tolist(), None]
        segments_y += [*a.tolist(), None]
    if segments_x:
        label = _("lines or curves of loss 0")
        line = {"color": COLORS["target"], "dash": "dash", "width": 2}
        traces.append(line_trace(segments_x, segments_y, label, line))
    return traces


def _slice_trace(view: PlaneView, p: float, name: str, color: str, dash: str) -> dict[str, Any]:
    """The exact slice ``L(., p)`` on the dense grid, as its envelope (every minimum kept)."""
    w, values = envelope(view.terms.w, view.terms.loss(p), view.lo, view.hi, columns=SLICE_COLUMNS)
    line = {"color": color, "dash": dash}
    return line_trace(w, values, name, line, xaxis="x2", yaxis="y2")


def plane_figure(
    view: PlaneView,
    run: PlaneTrajectory | None = None,
    *,
    max_frames: int = 200,
    trail: int = 8,
    height: int = 720,
) -> go.Figure:
    """The exact loss over the plane as a heatmap, a run animated on it, and two slices below.

    Top: ``L(w, p)`` over ``view``'s rectangle (each column the least of its
    grid points, so the comb's valleys show), with the solutions
    (:attr:`PlaneView.solutions`: stars and dashed lines), the whole path of
    ``run`` (faint) and a marker with a trail of ``trail`` steps that Plotly
    frames move (Play, Pause, a step slider; at most ``max_frames`` frames).
    Bottom: the 1-D slices ``L(., p)`` at the run's start and end values of
    the second parameter (or, without a run, at the question's value and the
    best one), on the same w axis.

    Its words are in the thread's language (:func:`landscape.i18n.speak`):
    a cache of figures must be keyed by it.

    Cost: O(rows x columns) to pack the heatmap, two slices of O(G), ~0.15 ms
    per frame of Plotly's frame validation.
    """
    name = SECOND[view.model]
    traces: list[dict[str, Any]] = [
        {
            "type": "heatmap",
            "x": view.w,
            "y": view.p,
            "z": view.loss.astype(_Z_DTYPE),
            "colorscale": "Viridis",
            "reversescale": True,
            "zmin": 0.0,
            "colorbar": {"title": {"text": _("loss")}, "len": 0.6, "y": 1.0, "yanchor": "top"},
            "hovertemplate": f"w = %{{x:.6f}}<br>{name} = %{{y:.4f}}<br>L ≥ %{{z:.4g}}"
            "<extra>" + _("least in this column") + "</extra>",
            "name": _("exact loss"),
            "showlegend": False,
        },
        *_solution_traces(view, name),
    ]
    if run is None:
        best = _("slice at best {name} = {value}").format(name=name, value=f"{view.best[1]:.6g}")
        slices = [(view.best[1], best, "solid")]
    else:
        start = _("slice at start {name}₀ = {value}").format(name=name, value=f"{run.p[0]:.6g}")
        end = _("slice at end {name} = {value}").format(name=name, value=f"{run.p[-1]:.6g}")
        slices = [(float(run.p[0]), start, "dot"), (float(run.p[-1]), end, "solid")]
    colors = (COLORS["loss"], COLORS["float32"])
    traces += [
        _slice_trace(view, p, label, colors[i % 2], dash)
        for i, (p, label, dash) in enumerate(slices)
    ]
    frames: list[dict[str, Any]] = []
    controls: dict[str, Any] = {}
    if run is not None:
        w, p = np.asarray(run.w), np.asarray(run.p)
        steps = np.arange(w.size)
        traces.append(
            {
                "type": "scatter",
                "x": w,
                "y": p,
                "mode": "lines+markers",
                "name": ngettext(
                    "path of the run ({steps} step)", "path of the run ({steps} steps)", run.steps
                ).format(steps=run.steps),
                "line": {"color": COLORS["path"], "width": 1},
                "marker": {"size": 4, "color": COLORS["path"]},
                "opacity": 0.6,
                "customdata": steps,
                "hovertemplate": _hover_step(name),
            }
        )
        shown = frame_steps(run.steps, max_frames)

        def at(k: int) -> list[dict[str, Any]]:
            back = slice(max(0, k - trail), k + 1)
            return [
                {"type": "scatter", "x": w[back].tolist(), "y": p[back].tolist()},
                {"type": "scatter", "x": [w[k]], "y": [p[k]], "customdata": [k]},
            ]

        first_trail, first_marker = at(0)
        traces.append(
            first_trail
            | {
                "mode": "lines",
                "line": {"color": COLORS["current"], "width": 2},
                "hoverinfo": "skip",
                "showlegend": False,
            }
        )
        traces.append(
            first_marker
            | {
                "mode": "markers",
                "name": _("the shown step"),
                "marker": {
                    "size": 14,
                    "color": COLORS["current"],
                    "line": {"color": "white", "width": 2},
                },
                "hovertemplate": _hover_step(name),
            }
        )
        moving = [len(traces) - 2, len(traces) - 1]
        names = [str(int(k)) for k in shown]
        frames = [
            {"data": at(int(k)), "traces": moving, "name": n}
            for k, n in zip(shown, names, strict=True)
        ]
        duration = int(np.clip(8000 / len(shown), 30, 120))
        controls = animation_controls(names, names, duration)
    fig = figure(
        traces,
        layout(
            height,
            xaxis={
                "domain": [0, 1],
                "anchor": "y",
                "range": [view.lo, view.hi],
                "showticklabels": False,
            },
            yaxis={"domain": [0.42, 1], "title": {"text": name}, "range": [view.p_lo, view.p_hi]},
            xaxis2={
                "domain": [0, 1],
                "anchor": "y2",
                "matches": "x",
                "title": {"text": _("weight w")},
            },
            yaxis2={"domain": [0, 0.34], "title": {"text": f"L(w, {name})"}},
            margin={"l": 60, "r": 16, "t": 40, "b": 185 if run is not None else 50},
            uirevision=f"plane {view.model} {view.lo!r} {view.hi!r}",
            **controls,
        ),
    )
    if frames:
        fig.frames = frames
    return fig
