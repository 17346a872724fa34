"""The landscape and the run: the exact loss over a window, a run animated on it, its history.

Figures are plain data (:func:`~landscape.plots._style.figure`): traces and
layout as dicts, stored without Plotly's per-property validation; the animation
frames too (:class:`AnimatedFigure`), until something reads them as objects.
"""

from __future__ import annotations

import copy
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go

from ..checks import check_window
from ..i18n import _
from ..spectrum import MAX_ABS_W
from ..surface import Source, as_spectrum
from ..window import Run, exact_loss, landscape_line, targets
from ._style import (
    COLORS,
    LOG_FLOOR,
    SERIES,
    animation_controls,
    figure,
    frame_steps,
    layout,
    line_trace,
    target_label,
    y_range,
)

#: Longest run whose path is drawn with a dot per step; longer paths are a line
#: only (at 20,000 steps every animation frame redrew 20,001 SVG dots, ~145 ms).
MARKED_STEPS = 1000

#: Seconds a ▶ Play of the whole run lasts, whatever its length (frames are subsampled).
PLAY_SECONDS = 3.5

#: The slower speeds offered beside ▶ Play, as factors of its frame duration.
SLOWER = (4,)

#: The colours of the runs on one figure: (path, moving marker) per run.
_RUN_COLORS = (
    (COLORS["path"], COLORS["current"]),
    (SERIES[4], SERIES[4]),
    (SERIES[5], SERIES[5]),
)

#: Where a stage label's details begin: its bracket, English " (" or Chinese "（".
_STAGE_DETAIL = re.compile(r" \(|（")


class AnimatedFigure(go.Figure):
    """A plain-data Figure whose animation frames stay plain dicts until read as objects.

    Plotly validates frames on assignment whatever ``_validate`` says (~0.13 ms
    a frame: 13 ms for every new run of 100 steps). Streamlit's
    ``st.plotly_chart`` only calls :meth:`to_dict`, which copies the plain
    frames; reading :attr:`frames` (tests, copies of the figure) validates them
    once, as ``go.Figure`` would have. Shared read-only by every session.

    Parameters
    ----------
    data, layout
        As :func:`~landscape.plots._style.figure` takes them.
    frames : list of dict
        Frames as Plotly's ``frames`` property takes them (``data``,
        ``traces``, ``name``), plain Python lists and numbers.
    """

    def __init__(self, data: list[dict], layout: dict[str, Any], frames: list[dict]) -> None:
        super().__init__(data=data, layout=layout, _validate=False)
        self._plain_frames: list[dict] | None = frames
        self._frames_lock = threading.Lock()

    def _validated(self) -> None:
        # Validate, then drop the plain copy: a concurrent to_dict sees one or the other.
        with self._frames_lock:
            if self._plain_frames is not None:
                go.Figure.frames.fset(self, self._plain_frames)
                self._plain_frames = None

    @property
    def frames(self) -> tuple[go.Frame, ...]:
        """The frames as Plotly objects (validated on first read)."""
        self._validated()
        return go.Figure.frames.fget(self)

    @frames.setter
    def frames(self, value: Any) -> None:
        with self._frames_lock:
            go.Figure.frames.fset(self, value)
            self._plain_frames = None

    def __getitem__(self, prop: Any) -> Any:
        if prop == "frames":
            self._validated()
        return super().__getitem__(prop)

    def frame_names(self) -> list[str]:
        """The frames' names, without validating them."""
        plain = self._plain_frames
        return [f["name"] for f in plain] if plain is not None else [f.name for f in self.frames]

    def to_dict(self) -> dict[str, Any]:
        """The figure as plain data (``go.Figure.to_dict``), its frames copied as given."""
        plain = self._plain_frames
        out = super().to_dict()
        if plain is not None:
            out["frames"] = copy.deepcopy(plain)
        return out

    def __reduce__(self) -> tuple[type, tuple[list[dict], dict[str, Any], list[dict]]]:
        # Pickling and deepcopy rebuild through this class's own constructor.
        d = self.to_dict()
        return AnimatedFigure, (d["data"], d["layout"], d.get("frames", []))


def _step_tip() -> str:
    # Hover over a path: the step, w and L (the words in the thread's language).
    return _("step") + " %{customdata}<br>w = %{x:.8f}<br>L = %{y:.4g}<extra></extra>"


@dataclass(frozen=True)
class Path:
    """One run as a figure draws it: weights after each step and a legend label.

    ``loss`` (optional, shape like ``w``) is the loss the run itself reported
    (float32 for a replay); without it the history shows the exact loss at w.
    """

    w: np.ndarray
    label: str
    loss: np.ndarray | None = None


def _curve(w: np.ndarray, values: np.ndarray, name: str, color: str, **extra: Any) -> dict:
    return line_trace(w, values, name, {"color": COLORS[color]}, **extra)


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

    Draws ``L(w) = mean_i (sin²(w x_i) - y_i)²`` (exact float64 series, as
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
    traces = [_curve(w_line, np.maximum(l_line, floor), _("exact loss L(w)"), "loss")]
    if float32:
        w32, l32 = landscape_line(spec, lo, hi, precision="float32")
        name = _("float32 loss (the student's forward pass)")
        traces.append(_curve(w32, np.maximum(l32, floor), name, "float32", opacity=0.7))
    if minima_found.size:
        traces.append(
            {
                "type": "scatter",
                "x": minima_found,
                "y": np.maximum(spec.evaluate(minima_found, 0), floor),
                "mode": "markers",
                "name": target_label(minima_found, is_global),
                "marker": {"symbol": "star", "size": 14, "color": COLORS["target"]},
                "hovertemplate": "w = %{x:.10f}<br>L = %{y:.3g}<extra>" + _("minimum") + "</extra>",
            }
        )
    axis = {"showline": True, "mirror": True}
    fig = figure(
        traces,
        layout(
            height,
            xaxis=axis | {"title": {"text": _("weight w")}, "range": [lo, hi]},
            yaxis=axis
            | {
                "title": {"text": _("loss L(w) (mean squared error)")},
                "type": "log" if log_y else "linear",
                "range": y_range(np.maximum(l_line, floor), log_y),
                "exponentformat": "power",
            },
            uirevision=f"landscape {lo!r} {hi!r} {log_y}",
            title={"text": title} if title else None,
        ),
    )
    return fig if run is None else add_run(fig, spec, run)


def add_run(
    fig: go.Figure,
    data: Source,
    run: Run,
    *,
    max_frames: int = 100,
    trail: int = 8,
    label: str | None = None,
) -> go.Figure:
    """A copy of a :func:`landscape_figure` with ``run`` drawn on it and animated.

    One run of :func:`add_runs`, labelled "path of the run (k steps)" (in the
    thread's language) unless ``label`` is given.
    """
    w = np.asarray(run.w, dtype=np.float64)
    path = Path(w, label or path_label(w.size - 1))
    return add_runs(fig, data, [path], max_frames=max_frames, trail=trail)


def _moving(w: np.ndarray, loss: np.ndarray, k: int, trail: int) -> list[dict]:
    # A run's trail and marker after step k (a shorter run stays at its end):
    # plain dicts of Python lists and numbers, sent as they are (AnimatedFigure)
    # and validated several times faster than numpy arrays if read as objects.
    j = min(k, w.size - 1)
    back = slice(max(0, j - trail), j + 1)
    return [
        {
            "type": "scatter",
            "x": w[back].tolist(),
            "y": loss[back].tolist(),
            "customdata": list(range(back.start, back.stop)),
        },
        {"type": "scatter", "x": [float(w[j])], "y": [float(loss[j])], "customdata": [j]},
    ]


def add_runs(
    fig: go.Figure,
    data: Source,
    runs: Sequence[Path],
    *,
    part: int | None = None,
    max_frames: int = 100,
    trail: int = 8,
) -> go.Figure:
    """A copy of a :func:`landscape_figure` with up to three runs drawn on it, animated in step.

    Each run gets its whole path (faint; a dot per state up to
    :data:`MARKED_STEPS` steps, a line only beyond) and a marker with a trail
    of its last ``trail`` steps that Plotly frames move: frame ``k`` shows
    every run after ``k`` steps (a shorter, diverged run stays at its last
    state). At most ``max_frames`` frames, evenly spaced; each is named by its
    step, which the slider shows. ▶ Play lasts about :data:`PLAY_SECONDS`,
    and slower buttons (:data:`SLOWER`) play the same frames more slowly.
    ``part``, a step, marks where the first two runs part (see
    :func:`landscape.parting.parting_step`) with a cross on each. Points sit
    at their exact float64 loss (a log axis draws losses below
    :data:`LOG_FLOOR` at it). Cost O(steps) plus ~0.01 ms per frame (kept as
    plain data: :class:`AnimatedFigure`).
    """
    if not 1 <= len(runs) <= len(_RUN_COLORS):
        raise ValueError(f"runs must hold 1 to {len(_RUN_COLORS)} paths, got {len(runs)}")
    spec = as_spectrum(data)
    base = fig.to_dict()
    traces, lay = base["data"], base["layout"]
    floor = LOG_FLOOR if lay.get("yaxis", {}).get("type") == "log" else -np.inf
    ws = [np.asarray(r.w, dtype=np.float64) for r in runs]
    losses = [np.maximum(exact_loss(spec, w), floor) for w in ws]
    for r, w, loss, (color, _marker) in zip(runs, ws, losses, _RUN_COLORS, strict=False):
        traces.append(
            {
                "type": "scatter",
                "x": w,
                "y": loss,
                "mode": "lines+markers" if w.size - 1 <= MARKED_STEPS else "lines",
                "name": r.label,
                "line": {"color": color, "width": 1},
                "marker": {"size": 4, "color": color},
                "opacity": 0.45,
                "customdata": np.arange(w.size),
                "hovertemplate": _step_tip(),
            }
        )
    if part is not None and len(ws) >= 2 and part < min(ws[0].size, ws[1].size):
        traces.append(
            {
                "type": "scatter",
                "x": [ws[0][part], ws[1][part]],
                "y": [losses[0][part], losses[1][part]],
                "mode": "markers",
                "name": _("paths part (step {step})").format(step=part),
                "marker": {"symbol": "x", "size": 12, "color": "black"},
                "hovertemplate": f"{_('step')} {part}<br>w = %{{x:.8f}}<extra>"
                + _("paths part")
                + "</extra>",
            }
        )
    first = len(traces)
    for i, (w, loss) in enumerate(zip(ws, losses, strict=True)):
        color = _RUN_COLORS[i][1]
        trail_0, marker_0 = _moving(w, loss, 0, trail)
        traces.append(
            trail_0
            | {
                "mode": "lines+markers",
                "name": _("last steps"),
                "line": {"color": color, "width": 2},
                "marker": {"size": 6, "color": color},
                "hovertemplate": _step_tip(),
                "showlegend": False,
            }
        )
        traces.append(
            marker_0
            | {
                "mode": "markers",
                "name": _("w at the shown step")
                if i == 0
                else _("{label}: shown step").format(label=runs[i].label),
                "marker": {
                    "size": 15 - 3 * i,
                    "color": color,
                    "line": {"color": "white", "width": 2},
                },
                "hovertemplate": _step_tip(),
                "showlegend": i == 0,
            }
        )
    shown = frame_steps(max(w.size for w in ws) - 1, max_frames)
    names = [str(int(k)) for k in shown]
    controls = play_controls(names, play_duration(len(shown)))
    moving = list(range(first, len(traces)))
    frames = [
        {
            "data": [
                t for w, loss in zip(ws, losses, strict=True) for t in _moving(w, loss, k, trail)
            ],
            "traces": moving,
            "name": name,
        }
        for k, name in zip(shown.tolist(), names, strict=True)
    ]
    return AnimatedFigure(traces, lay | controls | {"margin": lay["margin"] | {"b": 185}}, frames)


def path_label(steps: int) -> str:
    """The legend label of a run's path: "path of the run (k steps)", in the thread's language."""
    return _("path of the run ({n} steps)").format(n=steps)


def frame_names(fig: go.Figure) -> list[str]:
    """The names of an animated figure's frames: the steps they show, in order."""
    if isinstance(fig, AnimatedFigure):
        return fig.frame_names()
    return [f.name for f in fig.frames]


def at_step(fig: go.Figure, step: int) -> go.Figure:
    """A copy of an :func:`add_runs` figure that shows ``step`` and plays on from it.

    The moving traces take the frame of ``step`` (which must be one of
    :func:`frame_names`), the slider points at it, and the ▶ buttons play the
    frames after it: a server-side step back or forward that the browser's
    Play continues. Cost: a copy of the figure as plain data (:meth:`AnimatedFigure.to_dict`).

    Raises
    ------
    ValueError
        If no frame shows ``step``.
    """
    d = fig.to_dict()
    names = [f["name"] for f in d["frames"]]
    if str(step) not in names:
        raise ValueError(
            f"step must be one of the frames' steps {names[0]}..{names[-1]}, got {step!r}"
        )
    i = names.index(str(step))
    frame = d["frames"][i]
    for index, moved in zip(frame["traces"], frame["data"], strict=True):
        d["data"][index] |= {k: moved[k] for k in ("x", "y", "customdata")}
    d["layout"]["sliders"][0]["active"] = i
    rest = names[i + 1 :] or names
    for button in d["layout"]["updatemenus"][0]["buttons"]:
        if button["label"].startswith("▶"):
            button["args"][0] = rest
    return AnimatedFigure(d["data"], d["layout"], d["frames"])


def play_duration(frames: int) -> int:
    """Milliseconds per frame so that ``frames`` frames play in about :data:`PLAY_SECONDS`."""
    return int(np.clip(1000 * PLAY_SECONDS / max(frames, 1), 30, 120))


def play_controls(names: list[str], duration: int) -> dict[str, Any]:
    """The house animation controls, plus a ▶ button per slower speed of :data:`SLOWER`."""
    controls = animation_controls(names, names, duration)
    buttons = controls["updatemenus"][0]["buttons"]
    play = buttons[0]["args"][1]
    for factor in SLOWER:
        slow = play | {"frame": play["frame"] | {"duration": duration * factor}}
        buttons.insert(
            1,
            {
                "label": "▶ " + _("1/{factor} speed").format(factor=factor),
                "method": "animate",
                "args": [None, slow],
            },
        )
    return controls


def basin_edges(fig: go.Figure, edges: np.ndarray) -> go.Figure:
    """A copy of ``fig`` (a :func:`landscape_figure`) with dotted vertical lines at ``edges``.

    ``edges`` are the local maxima of L (:func:`landscape.surface.maxima`):
    gradient flow never crosses one, so a run that does has jumped to another
    basin. One trace with a legend entry, however many edges.
    """
    edges = np.asarray(edges, dtype=np.float64)
    base = fig.to_dict()
    bottom, top = base["layout"]["yaxis"]["range"]
    if base["layout"]["yaxis"].get("type") == "log":
        bottom, top = 10.0**bottom, 10.0**top
    x = np.repeat(edges, 3)
    x[2::3] = np.nan
    line = line_trace(
        x,
        np.tile([bottom, top, np.nan], edges.size),
        _("basin edges (local maxima of L): {n}").format(n=edges.size),
        {"color": COLORS["other"], "dash": "dot"},
    )
    return figure(base["data"] + ([line] if edges.size else []), base["layout"])


def _vline(x: float, line: dict[str, Any]) -> dict[str, Any]:
    # Across both panels of the history figure.
    return {
        "type": "line",
        "x0": x,
        "x1": x,
        "xref": "x",
        "y0": 0,
        "y1": 1,
        "yref": "paper",
        "line": line,
        "opacity": 0.7,
    }


def _label(x: float, text: str, **style: Any) -> dict[str, Any]:
    return {
        "x": x,
        "y": 1,
        "xref": "x",
        "yref": "paper",
        "text": text,
        "showarrow": False,
        "yanchor": "top",
    } | style


def history_figure(
    data: Source,
    run: Run,
    *,
    lo: float | None = None,
    hi: float | None = None,
    found: tuple[np.ndarray, bool] | None = None,
    loss_name: str | None = None,
    stages: Sequence[tuple[int, str]] = (),
    others: Sequence[Path] = (),
    part: int | None = None,
    height: int = 460,
) -> go.Figure:
    """w(t) and loss(t) of a run, stacked, with the target minimum as a dashed line.

    The target is the minimum of :func:`targets` over [lo, hi] widened to the
    run's range (or of ``found`` if given, a :func:`targets` result; the search
    costs ~0.2 s) nearest the run's last w: where a run ends among many global
    minima (one sample: every w with sin²(w x) = y), the one it approached.
    ``others`` are more runs drawn on both panels (their own ``loss``, or the
    exact loss at their w); ``part``, a step, is marked by a vertical line
    (where the run and the first of ``others`` part). The loss panel (log axis)
    shows ``run.float32_loss`` under the legend entry ``loss_name`` (default
    "training loss": the float32 training loss of a
    :func:`~landscape.train.train` run; legend words in the thread's language), or, for a run
    without one, the exact float64 loss at each w. ``stages``, pairs of (first
    step, label), are marked by dotted vertical lines (e.g. a curriculum's).
    """
    spec = as_spectrum(data)
    w = np.asarray(run.w, dtype=np.float64)
    if found is None:
        a = float(min(w.min(), lo if lo is not None else w.min()))
        b = float(max(w.max(), hi if hi is not None else w.max()))
        pad = 0.05 * (b - a) + 1e-3
        found = targets(spec, max(a - pad, -MAX_ABS_W), min(b + pad, MAX_ABS_W))
    found, is_global = found
    own = getattr(run, "float32_loss", None)
    loss = np.asarray(own if own is not None else exact_loss(spec, w), dtype=np.float64)
    steps = np.arange(w.size)
    top, bottom = {"xaxis": "x", "yaxis": "y"}, {"xaxis": "x2", "yaxis": "y2"}
    traces: list[dict] = [
        top
        | {
            "type": "scatter",
            "x": steps,
            "y": w,
            "mode": "lines+markers" if w.size <= 300 else "lines",
            "marker": {"size": 3},
            "line": {"color": COLORS["path"], "width": 1.5},
            "name": _("w after each step"),
            "hovertemplate": _("step") + " %{x}<br>w = %{y:.8f}<extra></extra>",
        }
    ]
    shapes, notes = [], []
    end = w[np.isfinite(w)][-1] if np.isfinite(w).any() else 0.0
    found = found[np.argsort(np.abs(found - end), kind="stable")[:1]]
    target_line = {"color": COLORS["target"], "dash": "dash", "width": 1.5}
    for g in found:
        shapes.append(
            {
                "type": "line",
                "x0": 0,
                "x1": 1,
                "xref": "x domain",
                "y0": float(g),
                "y1": float(g),
                "yref": "y",
                "line": target_line,
            }
        )
        traces.append(
            top
            | {
                "type": "scatter",
                "x": [None],
                "y": [None],
                "mode": "lines",
                "line": target_line,
                "name": target_label(found, is_global),
            }
        )
    traces.append(
        bottom
        | {
            "type": "scatter",
            "x": steps,
            "y": np.maximum(loss, LOG_FLOOR),
            "mode": "lines",
            "line": {"color": COLORS["loss"], "width": 1.5},
            "name": (loss_name or _("training loss")) if own is not None else _("exact loss"),
            "hovertemplate": _("step") + " %{x}<br>" + _("loss") + " = %{y:.4g}<extra></extra>",
        }
    )
    for other, (color, _marker) in zip(others, _RUN_COLORS[1:], strict=False):
        ow = np.asarray(other.w, dtype=np.float64)
        own_loss = exact_loss(spec, ow) if other.loss is None else np.asarray(other.loss)
        tip = f"{other.label}<br>{_('step')} %{{x}}<br>" + "%{meta} = %{y:.8g}<extra></extra>"
        rows = ((top, ow, "w"), (bottom, np.maximum(own_loss, LOG_FLOOR), _("loss")))
        for panel, y, meta in rows:
            traces.append(
                panel
                | {
                    "type": "scatter",
                    "x": np.arange(ow.size),
                    "y": y,
                    "mode": "lines",
                    "line": {"color": color, "width": 1.5},
                    "name": other.label,
                    "legendgroup": other.label,
                    "showlegend": panel is top,
                    "meta": meta,
                    "hovertemplate": tip,
                }
            )
    if part is not None:
        shapes.append(_vline(part, {"color": "black", "dash": "dot", "width": 1}))
        label = _("paths part (step {step})").format(step=part)
        notes.append(_label(part, label, xanchor="left", font={"size": 11}))
    for start, label in stages[1:] if len(stages) > 1 else ():
        shapes.append(_vline(start, {"color": COLORS["other"], "dash": "dot", "width": 1}))
        style = {"textangle": -90, "xanchor": "right", "font": {"size": 10, "color": "#555"}}
        notes.append(_label(start, _STAGE_DETAIL.split(label)[0], **style))
    return figure(
        traces,
        layout(
            height,
            shapes=shapes,
            annotations=notes,
            xaxis={"anchor": "y", "matches": "x2", "showticklabels": False},
            xaxis2={"anchor": "y2", "title": {"text": _("optimizer step")}},
            yaxis={"domain": [0.54, 1.0], "title": {"text": "w"}, "exponentformat": "none"},
            yaxis2={
                "domain": [0.0, 0.46],
                "title": {"text": _("loss")},
                "type": "log",
                "exponentformat": "power",
            },
            uirevision="history",
        ),
    )
