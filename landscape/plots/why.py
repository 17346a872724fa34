"""Figures of the Why tab: single samples' terms and gradients, the floor, chaos."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..checks import check_window
from ..data import Dataset
from ..maps import Chaos
from ..spectrum import MAX_ABS_W
from ..surface import Source, as_spectrum
from ..window import landscape_line
from ._style import (
    COLORS,
    SERIES,
    base_layout,
)


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
                line={"color": SERIES[i % len(SERIES)], "width": 1.5},
                name=f"x = {x:g}, y = {data.y[hit[0]]:g}: period pi/x = {np.pi / abs(x):.3g}"
                if x
                else f"x = 0, y = {data.y[hit[0]]:g}: constant",
                hoverinfo="skip",
            )
        )
    fig.update_xaxes(title_text="weight w", range=[lo, hi])
    fig.update_yaxes(title_text="one sample's loss term", range=[-0.05, 1.05])
    base_layout(fig, height)
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
    base_layout(fig, height)
    return fig


def quartic_figure(
    data: Source,
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
    base_layout(fig, height)
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
    base_layout(fig, height)
    return fig
