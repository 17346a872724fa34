"""Every loss's landscape on one window, stacked on a shared w axis, with its comb measured."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from ..i18n import _
from ..losses import Comb, LossLandscape
from ..window import envelope
from ._style import COLORS, SERIES, figure, layout, line_at, line_trace

# Minima markers are drawn up to this many per panel; denser combs are the curve itself.
_MAX_MARKERS = 400


def comb_label(c: Comb) -> str:
    """One short panel title: the loss, its minima, their mean spacing in units of ``pi / max|x|``.

    The loss keeps its torch name (mse, l1, huber, bce) in every language.
    """
    bound = "" if c.complete else "≥ "
    if c.count < 2 or not np.isfinite(c.mean_spacing):
        return _("{loss}: {count} minima in view").format(loss=c.loss, count=f"{bound}{c.count}")
    if c.loss == "bce":
        title = _("{loss}: {count} minima; poles {ratio}·π/max|x| apart")
    else:
        title = _("{loss}: {count} minima; minima {ratio}·π/max|x| apart")
    return title.format(loss=c.loss, count=f"{bound}{c.count:,}", ratio=f"{c.ratio:.3g}")


def losses_figure(
    landscapes: Sequence[LossLandscape],
    combs: Sequence[Comb],
    lo: float,
    hi: float,
    *,
    current: float | None = None,
    panel_height: int = 170,
) -> go.Figure:
    """One panel per loss, top to bottom, sharing the w axis of [lo, hi].

    Each panel draws the landscape's envelope (:func:`landscape.window.envelope`
    of its grid: every pixel column's lowest and highest value), its located
    minima as dots (up to 400), and titles it with :func:`comb_label`.
    ``current`` marks a weight (the step shown) with a vertical line. Cost
    O(grid points) per panel.
    """
    if len(landscapes) != len(combs) or not landscapes:
        raise ValueError("landscapes and combs must be equally long and not empty")
    count = len(landscapes)
    gap = 0.06
    height = (1.0 - gap * (count - 1)) / count
    traces, axes, notes = [], {}, []
    for i, (land, c) in enumerate(zip(landscapes, combs, strict=True)):
        axis = "y" if i == 0 else f"y{i + 1}"
        top = 1.0 - i * (height + gap)
        w, v = envelope(land.grid.w, land.values, lo, hi)
        # A pole (bce at x = 0, say) would flatten the rest: cut the axis at
        # twice the 99th percentile, and say so in the title.
        low, cut = float(v.min()), 2.0 * float(np.quantile(v, 0.99))
        clipped = bool(v.max() > cut > low)
        axes["yaxis" if i == 0 else f"yaxis{i + 1}"] = {
            "domain": [max(top - height, 0.0), top],
            "anchor": "x",
            "title": {"text": land.loss, "standoff": 4},
            "nticks": 4,
        } | ({"range": [low - 0.05 * (cut - low), cut]} if clipped else {})
        color = SERIES[i % len(SERIES)]
        line = {"color": color}
        traces.append(line_trace(w, v, land.loss, line, xaxis="x", yaxis=axis, showlegend=False))
        if 0 < land.minima.size <= _MAX_MARKERS:
            at = np.interp(land.minima, land.grid.w, land.values)
            traces.append(
                {
                    "type": "scatter",
                    "x": land.minima,
                    "y": at,
                    "xaxis": "x",
                    "yaxis": axis,
                    "mode": "markers",
                    "name": _("{loss} minima").format(loss=land.loss),
                    "marker": {"color": COLORS["target"], "size": 4},
                    "hovertemplate": "w ≈ %{x:.6f}<extra>"
                    + _("{loss} minimum").format(loss=land.loss)
                    + "</extra>",
                    "showlegend": False,
                }
            )
        notes.append(
            {
                "text": comb_label(c)
                + (" " + _("(axis cut at {cut})").format(cut=f"{cut:.3g}") if clipped else ""),
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "y": top,
                "xanchor": "left",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 11},
            }
        )
    shapes = []
    if current is not None and lo <= current <= hi:
        line = {"color": COLORS["current"], "width": 1, "dash": "dot"}
        # Across every panel: the whole figure's height, not the first axis's.
        shapes.append(line_at("x", current, line) | {"yref": "paper"})
    fig_layout = layout(
        panel_height * count + 60,
        margin={"l": 60, "r": 12, "t": 24, "b": 45},
        xaxis={"title": {"text": _("weight w")}, "range": [lo, hi], "anchor": f"y{count}"},
        annotations=notes,
        shapes=shapes,
        **axes,
    )
    return figure(traces, fig_layout)
