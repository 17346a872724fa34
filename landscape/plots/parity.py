"""The notebook's own figures: the parity strip as a grid of marks, and w against its target."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ..i18n import _
from ..parity import Strip
from ._style import COLORS, figure, layout, line_at

_RIGHT_COLOR = "#1a9850"
_WRONG_COLOR = "#d73027"


def strip_figure(marks: Strip, *, height_per_row: int = 16) -> go.Figure:
    """The strip laid out as the notebook prints it: one cell per integer, green right, red wrong.

    Rows and columns are :meth:`~landscape.parity.Strip.cells`; hovering a
    cell shows x, the float32 prediction and the mark. Cells of a partial
    first or last row that hold no integer stay blank. Cost O(marks).
    """
    row, column = marks.cells()
    rows = int(row[-1]) + 1
    z = np.full((rows, marks.per_row), np.nan)
    z[row, column] = marks.right.astype(np.float64)
    x_at = np.full((rows, marks.per_row), np.nan)
    x_at[row, column] = marks.x
    pred = np.full((rows, marks.per_row), np.nan)
    pred[row, column] = marks.prediction
    mark = np.full((rows, marks.per_row), "", dtype=object)
    mark[row, column] = np.where(marks.right, _("right"), _("wrong"))
    first = marks.x[0] - marks.x[0] % marks.per_row
    labels = [str(first + marks.per_row * r) for r in range(rows)]
    heat = {
        "type": "heatmap",
        "z": z,
        "y": labels,
        "customdata": np.stack([x_at, pred], axis=-1),
        "text": mark,
        "colorscale": [
            [0, _WRONG_COLOR],
            [0.5, _WRONG_COLOR],
            [0.5, _RIGHT_COLOR],
            [1, _RIGHT_COLOR],
        ],
        "zmin": 0.0,
        "zmax": 1.0,
        "showscale": False,
        "xgap": 1,
        "ygap": 1,
        "hovertemplate": "x = %{customdata[0]:.0f}<br>float32 sin²(w·x) = %{customdata[1]:.4g}"
        "<extra>%{text}</extra>",
    }
    fig_layout = layout(
        max(160, 60 + height_per_row * rows),
        margin={"l": 60, "r": 8, "t": 10, "b": 30},
        xaxis={"title": {"text": f"x mod {marks.per_row}"}, "showgrid": False},
        yaxis={
            "title": {"text": _("row from x =")},
            "autorange": "reversed",
            "type": "category",
            "showgrid": False,
        },
    )
    return figure([heat], fig_layout)


def weight_figure(
    epochs: np.ndarray,
    weights: np.ndarray,
    target: float | None,
    target_name: str,
    *,
    current: int | None = None,
    height: int = 320,
) -> go.Figure:
    """The notebook's ``plt.plot(weights); plt.plot([target] * len(weights))``.

    Parameters
    ----------
    epochs, weights : ndarray
        The weight after each epoch (the notebook appends it after the step).
    target : float or None
        The horizontal line (None: no line), labelled ``target_name``.
    current : int, optional
        Index into ``epochs`` to mark (the step shown).
    """
    traces = [
        {
            "type": "scatter",
            "x": np.asarray(epochs),
            "y": np.asarray(weights),
            "mode": "lines",
            "name": _("w after each epoch"),
            "line": {"color": COLORS["path"], "width": 1.5},
            "hovertemplate": _("epoch") + " %{x}<br>w = %{y:.8f}<extra></extra>",
        }
    ]
    shapes = []
    if target is not None:
        shapes.append(line_at("y", target, {"color": COLORS["target"], "dash": "dash"}))
        traces.append(
            {
                "type": "scatter",
                "x": [None],
                "y": [None],
                "mode": "lines",
                "name": target_name,
                "line": {"color": COLORS["target"], "dash": "dash"},
            }
        )
    if current is not None:
        traces.append(
            {
                "type": "scatter",
                "x": [epochs[current]],
                "y": [weights[current]],
                "mode": "markers",
                "name": _("shown"),
                "marker": {"color": COLORS["current"], "size": 9},
                "hovertemplate": _("epoch")
                + " %{x}<br>w = %{y:.8f}<extra>"
                + _("shown")
                + "</extra>",
            }
        )
    fig_layout = layout(
        height,
        xaxis={"title": {"text": _("epoch")}},
        yaxis={"title": {"text": _("weight w")}, "tickformat": ".4f"},
        shapes=shapes,
    )
    return figure(traces, fig_layout)
