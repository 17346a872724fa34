"""Figures for a projector: any figure of the app restyled to be read from the back of a room."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from ._style import COLORS, FONT, line_at

#: Font size (px) of every text of a projected figure: ticks, axis titles, legend.
PROJECTED_FONT = 20
#: Height (px) of a projected figure: most of a laptop screen below the lesson's header.
PROJECTED_HEIGHT = 540
# Room for 20 px tick labels and axis titles (the house margins suit 13 px).
_MARGIN = {"l": 90, "r": 24, "t": 56, "b": 80}
# The animation controls sit below the plot area, this much lower than the
# house's (_style.animation_controls) to clear the larger x-axis title.
_CONTROLS_DROP = 16


def projected(
    fig: go.Figure,
    *,
    height: int = PROJECTED_HEIGHT,
    marks: Sequence[tuple[float, str]] = (),
) -> go.Figure:
    """A copy of ``fig`` with 20 px text, wider margins, and vertical marks.

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
        Any figure of :mod:`landscape.plots`; it is not modified (cached
        figures are shared between sessions).
    height : int
        Height of the copy in pixels.
    marks : sequence of (float, str)
        ``(x, label)`` pairs: a dashed vertical line at x on the first x axis,
        labelled at its top (e.g. ``(w0, "w₀")``).

    Returns
    -------
    plotly.graph_objects.Figure
        The copy. Traces and frames are shared with ``fig``, not copied and not
        validated again (~0.03 s for the 100-frame landscape of the question's
        run; a few ms for a static figure).
    """
    out = go.Figure(data=fig.data, layout=fig.layout, frames=fig.frames, _validate=False)
    lines = [
        line_at("x", x, {"color": COLORS["current"], "dash": "dash", "width": 2}) for x, _ in marks
    ]
    notes = [
        {
            "x": x,
            "xref": "x",
            "y": 1,
            "yref": "paper",
            "yanchor": "top",
            "xanchor": "left",
            "xshift": 4,
            "text": label,
            "showarrow": False,
            "font": {"color": COLORS["current"], "size": PROJECTED_FONT + 2},
        }
        for x, label in marks
    ]
    out.update_layout(
        height=height,
        font=FONT | {"size": PROJECTED_FONT},
        margin=_MARGIN,
        shapes=[*(out.layout.shapes or ()), *lines],
        annotations=[*(out.layout.annotations or ()), *notes],
        legend={"font": {"size": PROJECTED_FONT - 2}},
    )
    # Explicit sizes: Streamlit's chart theme sets the axes' own fonts, which
    # the layout's font does not override.
    text = {"size": PROJECTED_FONT}
    out.for_each_xaxis(lambda axis: axis.update(tickfont=text, title_font=text))
    out.for_each_yaxis(lambda axis: axis.update(tickfont=text, title_font=text))
    for menu in out.layout.updatemenus or ():
        # The buttons keep the house's size: three of them fit a phone's width.
        menu.pad.t = (menu.pad.t or 0) + _CONTROLS_DROP
    for slider in out.layout.sliders or ():
        slider.pad.t = (slider.pad.t or 0) + 2 * _CONTROLS_DROP
        slider.currentvalue.font.size = PROJECTED_FONT - 4
        slider.font.size = PROJECTED_FONT - 6
    return out
