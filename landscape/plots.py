"""Plotly figures of the loss landscape, training runs and the why-numbers.

Every figure of the app comes from a builder here, and each one works as well in
a notebook::

    from landscape.data import parity_data
    from landscape.plots import landscape_figure
    from landscape.train import train

    data = parity_data(1000, 1000, 0)
    landscape_figure(data, 1.40, 1.75, train(data, 1.5)).show()

Builders take data and results (Dataset, Trajectory, WhyNumbers, ...) and
return a ``plotly.graph_objects.Figure``; the numbers they draw come from
:mod:`landscape.surface` and the other engine modules, never from here. Dense
curves are computed on a grid fine enough to resolve every basin and sent as a
min/max *envelope* of a few thousand points (:func:`envelope`), so the browser
draws every minimum without receiving millions of points. Animations are Plotly
frames of SVG scatter traces: the browser plays them, the server does no work
per frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .checks import check_window
from .data import Dataset
from .maps import BasinMap, Chaos, ConvergenceMap
from .spectrum import MAX_ABS_W, MAX_POINTS, Spectrum
from .surface import as_spectrum, global_minima, loss_curve, scan_step

#: Pixel columns of the envelope: a laptop screen's width is ~2000 px at most.
COLUMNS = 2000
#: Fewest points of a dense grid, so that smooth landscapes are smooth too.
MIN_GRID = 8 * COLUMNS
#: Loss values below this are drawn at it on a log axis: the float64 series is
#: accurate to ~1e-12 (measured -1.3e-12 at pi/2 on the question's data), so
#: smaller values are rounding noise, and zero has no logarithm.
LOG_FLOOR = 1e-11
#: A minimum whose loss is below this is a global one: no loss is negative.
ZERO_LOSS = 1e-10
#: Most (point x distinct sample) pairs of the float32 overlay's grid.
F32_BUDGET = 10_000_000

COLORS = {
    "loss": "#1f3b73",
    "float32": "#b04fc4",
    "target": "#1a9850",
    "path": "#f28e2b",
    "current": "#d62728",
    "other": "#7f7f7f",
}
_SERIES = ("#f28e2b", "#4e79a7", "#59a14f", "#e15759", "#b07aa1", "#76b7b2", "#edc948")
_FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 13}


class Run(Protocol):
    """A training run as the builders read it: weights ``w[k]`` after k steps."""

    w: np.ndarray


def envelope(
    w: np.ndarray, values: np.ndarray, lo: float, hi: float, columns: int = COLUMNS
) -> tuple[np.ndarray, np.ndarray]:
    """The points of a dense curve that a ``columns``-pixel-wide plot can show.

    Splits [lo, hi] into ``columns`` equal columns and keeps, in each, the
    point with the lowest and the one with the highest value, in their
    original order: every minimum deeper than its neighbours within one pixel
    survives, exactly (no interpolation). Cost O(G) for G points; returns at
    most ``2 * columns`` points.

    Parameters
    ----------
    w : ndarray
        Ascending abscissae, shape (G,).
    values : ndarray
        Shape (G,).
    """
    lo, hi = check_window(lo, hi, MAX_ABS_W)
    w, values = np.asarray(w, dtype=np.float64), np.asarray(values, dtype=np.float64)
    if w.shape != values.shape or w.ndim != 1:
        raise ValueError(f"w and values must be 1-D of equal length, got {w.shape}, {values.shape}")
    if not isinstance(columns, int) or columns < 1:
        raise ValueError(f"columns must be a positive integer, got {columns!r}")
    if w.size <= 2 * columns:
        return w, values
    if np.any(np.diff(w) < 0):
        raise ValueError("w must be ascending")
    col = np.clip(((w - lo) * (columns / (hi - lo))).astype(np.int64), 0, columns - 1)
    starts = np.flatnonzero(np.r_[True, col[1:] != col[:-1]])
    index = np.arange(w.size)
    size = np.diff(np.r_[starts, w.size])

    def first_where(hit: np.ndarray) -> np.ndarray:
        # The first index of each column where ``hit`` holds (there is one).
        return w.size - np.maximum.reduceat(np.where(hit, w.size - index, 0), starts)

    lowest = first_where(values == np.repeat(np.minimum.reduceat(values, starts), size))
    highest = first_where(values == np.repeat(np.maximum.reduceat(values, starts), size))
    keep = np.unique(np.concatenate([lowest, highest]))
    return w[keep], values[keep]


def dense_grid(data: Dataset | Spectrum, lo: float, hi: float) -> np.ndarray:
    """A grid over [lo, hi] that resolves every basin: spacing 1/16 of the shortest period.

    At least :data:`MIN_GRID` points, at most ``MAX_POINTS`` (ValueError if the
    window needs more: narrow it).
    """
    lo, hi = check_window(lo, hi, MAX_ABS_W)
    count = max(MIN_GRID, int(np.ceil((hi - lo) / scan_step(as_spectrum(data)))) + 1)
    if count > MAX_POINTS:
        raise ValueError(
            f"window [{lo:g}, {hi:g}] needs {count} points to resolve every basin; at most "
            f"{MAX_POINTS} are allowed: narrow it"
        )
    return np.linspace(lo, hi, count)


def landscape_line(
    data: Dataset | Spectrum,
    lo: float,
    hi: float,
    *,
    precision: str = "float64",
    columns: int = COLUMNS,
    extra: Sequence[float] = (),
) -> tuple[np.ndarray, np.ndarray]:
    """The envelope (:func:`envelope`) of ``L(w)`` on :func:`dense_grid`, ready to draw.

    ``precision="float32"`` evaluates the student's float32 forward pass
    instead (``loss_curve(..., precision="float32")``), on a grid thinned to
    :data:`F32_BUDGET` (point x distinct sample) pairs. ``extra`` points (e.g.
    the exact minimisers) are added to the grid so that the curve touches them.
    Cost: that of :func:`~landscape.surface.loss_curve` on the grid.
    """
    spec = as_spectrum(data)
    grid = dense_grid(spec, lo, hi)
    if precision == "float32":
        pairs = np.unique(np.stack([spec.data.x, spec.data.y]), axis=1).shape[1]
        count = int(np.clip(F32_BUDGET // pairs, min(columns, grid.size), grid.size))
        grid = np.linspace(grid[0], grid[-1], count)
    if len(extra):
        grid = np.union1d(grid, np.clip(np.asarray(extra, dtype=np.float64), lo, hi))
    return envelope(grid, loss_curve(spec, grid, precision=precision), lo, hi, columns)


def exact_loss(data: Dataset | Spectrum, w: np.ndarray) -> np.ndarray:
    """``L(w)`` along a run, NaN where the series does not reach (|w| > MAX_ABS_W, non-finite).

    A diverged run can leave ``|w| <= MAX_ABS_W``, where
    :func:`~landscape.surface.loss_curve` refuses; those points have no loss to draw.
    """
    w = np.asarray(w, dtype=np.float64)
    inside = np.abs(w) <= MAX_ABS_W
    out = np.full(w.shape, np.nan)
    out[inside] = loss_curve(as_spectrum(data), w[inside])
    return out


def targets(
    data: Dataset | Spectrum, lo: float, hi: float, minima: np.ndarray | None = None
) -> tuple[np.ndarray, bool]:
    """The lowest minima of L in [lo, hi], and whether they are certainly global.

    They are global when their loss is below :data:`ZERO_LOSS` (no loss is
    negative); otherwise they are only the lowest in the window. Cost: one
    :func:`~landscape.surface.global_minima` call, or a few evaluations when
    ``minima`` (all local minima in the window) is given.
    """
    spec = as_spectrum(data)
    found = global_minima(spec, lo, hi, found=minima)
    is_global = bool(found.size) and bool(np.all(spec.evaluate(found, 0) < ZERO_LOSS))
    return found, is_global


def target_label(found: np.ndarray, is_global: bool) -> str:
    """A legend entry for :func:`targets`' result."""
    kind = "global minimum" if is_global else "lowest minimum in view"
    where = ", ".join(f"{g:.6g}" for g in found[:3]) + (", ..." if found.size > 3 else "")
    return f"{kind}: w = {where}"


def _frame_steps(steps: int, max_frames: int) -> np.ndarray:
    if steps + 1 <= max_frames:
        return np.arange(steps + 1)
    return np.unique(np.linspace(0, steps, max_frames).round().astype(np.int64))


def _y_range(values: np.ndarray, log_y: bool) -> list[float]:
    finite = values[np.isfinite(values)]
    top, bottom = float(finite.max()), float(finite.min())
    if log_y:
        low = np.log10(max(bottom, LOG_FLOOR))
        high = np.log10(max(top, LOG_FLOOR * 10))
        return [low - 0.3, high + 0.15]
    pad = 0.05 * (top - bottom or 1.0)
    return [bottom - pad, top + pad]


def _base_layout(fig: go.Figure, height: int) -> None:
    fig.update_layout(
        height=height,
        margin={"l": 60, "r": 16, "t": 40, "b": 50},
        font=_FONT,
        template="plotly_white",
        legend={
            "orientation": "h",
            "yanchor": "bottom",
            "y": 1.02,
            "x": 0,
            "bgcolor": "rgba(0,0,0,0)",
        },
        hovermode="closest",
    )


def _animation_controls(names: list[str], labels: list[str], duration: int) -> dict:
    play = {
        "frame": {"duration": duration, "redraw": False},
        "fromcurrent": True,
        "transition": {"duration": 0},
        "mode": "immediate",
    }
    pause = {
        "frame": {"duration": 0, "redraw": False},
        "mode": "immediate",
        "transition": {"duration": 0},
    }
    return {
        "updatemenus": [
            {
                "type": "buttons",
                "direction": "left",
                "showactive": False,
                # Offsets in pixels below the plot area (pad), not in fractions
                # of its height, which shrinks on a phone as the legend wraps.
                "x": 0,
                "y": 0,
                "xanchor": "left",
                "yanchor": "top",
                "pad": {"r": 0, "t": 58},
                "buttons": [
                    {"label": "▶ Play", "method": "animate", "args": [None, play]},
                    {"label": "❚❚ Pause", "method": "animate", "args": [[None], pause]},
                ],
            }
        ],
        "sliders": [
            {
                "active": 0,
                "x": 0,
                "len": 1.0,
                "y": 0,
                "yanchor": "top",
                "pad": {"t": 102, "b": 0, "l": 0, "r": 0},
                "currentvalue": {"prefix": "step ", "font": {"size": 12}},
                "transition": {"duration": 0},
                "steps": [
                    {"label": label, "method": "animate", "args": [[name], pause]}
                    for name, label in zip(names, labels, strict=True)
                ],
            }
        ],
    }


def landscape_figure(
    data: Dataset | Spectrum,
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
    fig.add_trace(
        go.Scatter(
            x=w_line,
            y=np.maximum(l_line, floor),
            mode="lines",
            name="exact loss L(w)",
            line={"color": COLORS["loss"], "width": 1},
            hoverinfo="skip",
        )
    )
    if float32:
        w32, l32 = landscape_line(spec, lo, hi, precision="float32")
        fig.add_trace(
            go.Scatter(
                x=w32,
                y=np.maximum(l32, floor),
                mode="lines",
                name="float32 loss (the student's forward pass)",
                line={"color": COLORS["float32"], "width": 1},
                opacity=0.7,
                hoverinfo="skip",
            )
        )
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
        range=_y_range(np.maximum(l_line, floor), log_y),
        showline=True,
        mirror=True,
        exponentformat="power",
    )
    _base_layout(fig, height)
    fig.update_layout(uirevision=f"landscape {lo!r} {hi!r} {log_y}", title=title)
    return fig if run is None else add_run(fig, spec, run)


def add_run(
    fig: go.Figure,
    data: Dataset | Spectrum,
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
    shown = _frame_steps(w.size - 1, max_frames)

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
    out.update_layout(**_animation_controls(names, names, duration))
    out.update_layout(margin={"b": 185})
    return out


def history_figure(
    data: Dataset | Spectrum,
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
    shows ``run.loss`` under the legend entry ``loss_name`` (the float32
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
    own = getattr(run, "loss", None)
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
    _base_layout(fig, height)
    fig.update_layout(uirevision="history")
    return fig


def sample_terms_figure(
    data: Dataset, xs: Sequence[float], lo: float, hi: float, *, height: int = 360
) -> go.Figure:
    """The loss terms ``(sin^2(w x) - y)^2`` of single samples over [lo, hi].

    Each is :func:`~landscape.surface.loss_curve` of a one-sample dataset (the
    first sample of ``data`` with that x, so its label too): period pi/x in w,
    so a large x packs many teeth into the window where a small one has a wide
    bowl.
    """
    lo, hi = check_window(lo, hi, MAX_ABS_W)
    fig = go.Figure()
    for i, x in enumerate(xs):
        hit = np.flatnonzero(data.x == x)
        if not hit.size:
            raise ValueError(f"xs must hold x values of data; {x!r} is not one")
        one = Dataset(data.x[hit[:1]], data.y[hit[:1]], name=f"x = {x:g}")
        w_line, l_line = landscape_line(one, lo, hi)
        fig.add_trace(
            go.Scatter(
                x=w_line,
                y=l_line,
                mode="lines",
                line={"color": _SERIES[i % len(_SERIES)], "width": 1.5},
                name=f"x = {x:g}, y = {data.y[hit[0]]:g}: period pi/x = {np.pi / abs(x):.3g}"
                if x
                else f"x = 0, y = {data.y[hit[0]]:g}: constant",
                hoverinfo="skip",
            )
        )
    fig.update_xaxes(title_text="weight w", range=[lo, hi])
    fig.update_yaxes(title_text="one sample's loss term", range=[-0.05, 1.05])
    _base_layout(fig, height)
    return fig


def sample_grads_figure(
    x: np.ndarray, grads: np.ndarray, w: float, *, height: int = 360
) -> go.Figure:
    """Each sample's share of L'(w) against its x (e.g. ``WhyNumbers.sample_grads``).

    The share is ``2 (sin^2(w x) - y) sin(2 w x) x / N``: bounded by ``2 x / N``
    in size, so the large inputs dominate the sum.
    """
    x, grads = np.asarray(x, dtype=np.float64), np.asarray(grads, dtype=np.float64)
    fig = go.Figure(
        go.Scatter(
            x=x,
            y=grads,
            mode="markers",
            marker={"size": 5, "color": COLORS["path"], "opacity": 0.7},
            name=f"sample's share of L'(w) at w = {w:.6g}",
            hovertemplate="x = %{x:g}<br>share = %{y:.3g}<extra></extra>",
        )
    )
    bound = np.array([0.0, float(np.abs(x).max())])
    fig.add_trace(
        go.Scatter(
            x=np.r_[bound, np.nan, bound],
            y=np.r_[2 * bound / x.size, np.nan, -2 * bound / x.size],
            mode="lines",
            line={"color": COLORS["other"], "dash": "dot"},
            name="largest possible size, ±2x/N",
            hoverinfo="skip",
        )
    )
    fig.update_xaxes(title_text="input x")
    fig.update_yaxes(title_text="share of the gradient", exponentformat="power")
    _base_layout(fig, height)
    return fig


def quartic_figure(
    data: Dataset | Spectrum,
    target: float,
    quartic_coef: float,
    half_width: float,
    *,
    height: int = 360,
) -> go.Figure:
    """L near a flat minimum ``target``, with its quartic model ``L(g) + c4 (w - g)^4``.

    ``quartic_coef`` is ``c4 = L''''(g) / 24`` (``WhyNumbers.quartic_coef``);
    where the two curves agree, the basin floor is a quartic: its slope
    ``4 c4 d^3`` vanishes so fast that gradient steps shrink to nothing.
    """
    if not (np.isfinite(half_width) and half_width > 0):
        raise ValueError(f"half_width must be a finite number > 0, got {half_width!r}")
    spec = as_spectrum(data)
    w = np.linspace(target - half_width, target + half_width, 801)
    exact = spec.evaluate(w, 0)
    base = float(spec.evaluate(np.array([target]), 0)[0])
    fig = go.Figure(
        go.Scatter(
            x=w - target,
            y=exact,
            mode="lines",
            line={"color": COLORS["loss"], "width": 2.5},
            name="exact loss",
            hovertemplate="w - g = %{x:.3g}<br>L = %{y:.3g}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=w - target,
            y=base + quartic_coef * (w - target) ** 4,
            mode="lines",
            line={"color": COLORS["target"], "dash": "dash", "width": 2},
            name=f"quartic model L(g) + c4 (w - g)^4, c4 = {quartic_coef:.3g}",
            hoverinfo="skip",
        )
    )
    fig.update_xaxes(
        title_text=f"distance from the minimum g = {target:.10g}", exponentformat="power"
    )
    fig.update_yaxes(title_text="loss", exponentformat="power")
    _base_layout(fig, height)
    return fig


def chaos_figure(chaos: Chaos, *, height: int = 400) -> go.Figure:
    """Two runs that start ``eps`` apart (a :class:`~landscape.maps.Chaos`): w(t) and their gap.

    Top: both weights after every step. Bottom (log axis): ``|w_a - w_b|``,
    with the threshold that counts as "parted" dashed; the gap grows like
    ``exp(rate * step)`` until it reaches the size of a basin.
    """
    w = np.asarray(chaos.w, dtype=np.float64)
    distance = np.asarray(chaos.distance, dtype=np.float64)
    steps = np.arange(w.shape[0])
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.1)
    for j, (name, color) in enumerate(
        (
            (f"start w0 = {w[0, 0]:.8g}", COLORS["path"]),
            (f"start w0 + {chaos.eps:.0e}", COLORS["loss"]),
        )
    ):
        fig.add_trace(
            go.Scatter(
                x=steps,
                y=w[:, j],
                mode="lines",
                name=name,
                line={
                    "color": color,
                    "width": 2 if j == 0 else 1.5,
                    "dash": "solid" if j == 0 else "dot",
                },
                hovertemplate="step %{x}<br>w = %{y:.10f}<extra></extra>",
            ),
            row=1,
            col=1,
        )
    positive = np.where(distance > 0, distance, np.nan)
    fig.add_trace(
        go.Scatter(
            x=steps,
            y=positive,
            mode="lines+markers",
            marker={"size": 4},
            line={"color": COLORS["current"], "width": 1.5},
            name="distance between the runs",
            hovertemplate="step %{x}<br>|w_a - w_b| = %{y:.3g}<extra></extra>",
        ),
        row=2,
        col=1,
    )
    fig.add_hline(
        y=float(chaos.threshold),
        line={"color": COLORS["other"], "dash": "dash", "width": 1},
        row=2,
        col=1,
    )
    fig.update_yaxes(title_text="w", row=1, col=1, exponentformat="none")
    fig.update_yaxes(title_text="distance", type="log", row=2, col=1, exponentformat="power")
    fig.update_xaxes(title_text="optimizer step", row=2, col=1)
    _base_layout(fig, height)
    return fig


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
    _base_layout(fig, height)
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
    _base_layout(fig, height)
    fig.update_layout(uirevision="convergence")
    return fig


def remedies_figure(
    data: Dataset | Spectrum,
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
        keep = _frame_steps(w.size - 1, max_points)
        loss = np.maximum(exact_loss(spec, w[keep]), floor)
        color = _SERIES[i % len(_SERIES)]
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
            line={"color": _SERIES[i % len(_SERIES)], "width": 1.5},
            hovertemplate="step %{x}<br>|w - g| = %{y:.3g}<extra>" + name + "</extra>",
        )
    fig.update_xaxes(title_text="step (iterate)")
    fig.update_yaxes(
        title_text="distance to the target |w - g|", type="log", exponentformat="power"
    )
    _base_layout(fig, height)
    return fig
