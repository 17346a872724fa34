"""The look shared by every figure: colours, fonts, layout, animation controls.

Figures are built from plain data with :func:`figure`: trace and layout dicts,
stored as given. Plotly otherwise validates every property of every trace as a
figure is built (15-45 ms a figure measured here, of which ~6 ms for the named
template alone), while ``st.plotly_chart`` takes a Figure as it is: it calls
``Figure.to_dict()`` (a copy, no validation) and re-validates only dicts and
lists handed to it, so a dict would cost more. The template is resolved once
(:data:`TEMPLATE`) and shared. Property names and values are checked once, by
the tests' validated round trip, not by every build.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from ..i18n import _

#: Loss values below this are drawn at it on a log axis: the float64 series is
#: accurate to ~1e-12 (measured -1.3e-12 at pi/2 on the question's data), so
#: smaller values are rounding noise, and zero has no logarithm.
LOG_FLOOR = 1e-11


COLORS = {
    "loss": "#1f3b73",
    "float32": "#b04fc4",
    "target": "#1a9850",
    "path": "#f28e2b",
    "current": "#d62728",
    "other": "#7f7f7f",
}


SERIES = ("#f28e2b", "#4e79a7", "#59a14f", "#e15759", "#b07aa1", "#76b7b2", "#edc948")


FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 13}

#: Plotly's "plotly_white" template as plain data, resolved once for all figures.
TEMPLATE: dict[str, Any] = pio.templates["plotly_white"].to_plotly_json()

_LEGEND = {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0, "bgcolor": "rgba(0,0,0,0)"}


def layout(height: int, **more: Any) -> dict[str, Any]:
    """The house layout as plain data, ``height`` pixels tall, updated with ``more``.

    Parameters
    ----------
    height : int
        Figure height in pixels.
    **more
        Further layout properties (``xaxis``, ``shapes``, ...), as Plotly names them.
    """
    return {
        "height": height,
        "margin": {"l": 60, "r": 16, "t": 40, "b": 50},
        "font": FONT,
        "template": TEMPLATE,
        "legend": _LEGEND,
        "hovermode": "closest",
    } | more


def figure(data: list[dict[str, Any]], layout: dict[str, Any]) -> go.Figure:
    """A Figure of plain traces and layout, stored as given, without Plotly's validation.

    Parameters
    ----------
    data : list of dict
        Traces, each with its ``"type"`` (``"scatter"``, ``"heatmap"``, ...);
        arrays may be numpy arrays (sent as typed arrays).
    layout : dict
        The layout, usually from :func:`layout`.

    Returns
    -------
    plotly.graph_objects.Figure
        Built in well under a millisecond; invalid names are not caught here
        (the tests validate every builder's output). Frames are not accepted:
        Plotly validates them whatever the flag, ~0.15 ms each.
    """
    return go.Figure(data=data, layout=layout, _validate=False)


def line_trace(
    x: np.ndarray | list, y: np.ndarray | list, name: str, line: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    """A line trace without hover (dense curves hold thousands of points); width 1 by default."""
    return {
        "type": "scatter",
        "x": x,
        "y": y,
        "mode": "lines",
        "name": name,
        "line": {"width": 1} | line,
        "hoverinfo": "skip",
    } | extra


def line_at(axis: str, value: float, line: dict[str, Any]) -> dict[str, Any]:
    """A layout shape: a line across the plot at ``axis`` (``"x"`` or ``"y"``) = ``value``."""
    other = "y" if axis == "x" else "x"
    return {
        "type": "line",
        "line": line,
        f"{axis}0": value,
        f"{axis}1": value,
        f"{axis}ref": axis,
        f"{other}0": 0,
        f"{other}1": 1,
        f"{other}ref": f"{other} domain",
    }


def target_label(found: np.ndarray, is_global: bool) -> str:
    """A legend entry for :func:`targets`' result."""
    where = ", ".join(f"{g:.6g}" for g in found[:3]) + (", ..." if found.size > 3 else "")
    if is_global:
        return _("global minimum: w = {where}").format(where=where)
    return _("lowest minimum in view: w = {where}").format(where=where)


def frame_steps(steps: int, max_frames: int) -> np.ndarray:
    if steps + 1 <= max_frames:
        return np.arange(steps + 1)
    return np.unique(np.linspace(0, steps, max_frames).round().astype(np.int64))


def y_range(values: np.ndarray, log_y: bool) -> list[float]:
    finite = values[np.isfinite(values)]
    top, bottom = float(finite.max()), float(finite.min())
    if log_y:
        low = np.log10(max(bottom, LOG_FLOOR))
        high = np.log10(max(top, LOG_FLOOR * 10))
        return [low - 0.3, high + 0.15]
    pad = 0.05 * (top - bottom or 1.0)
    return [bottom - pad, top + pad]


def base_layout(fig: go.Figure, height: int) -> None:
    """Applies :func:`layout` to a figure built through Plotly's validating API.

    The template is named here, not given as :data:`TEMPLATE`: Plotly validates
    a template handed to ``update_layout`` as data (~160 ms), and looks a name
    up (~6 ms). :func:`figure` with :func:`layout` costs neither.
    """
    fig.update_layout(layout(height, template="plotly_white"))


def animation_controls(names: list[str], labels: list[str], duration: int) -> dict:
    """Play and pause buttons and a step slider below the plot, in the current language.

    The ▶ Play label keeps its leading "▶" in every language: figures find
    their play buttons by it (``landscape.plots.landscape.at_step``).
    """
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
                    {"label": "▶ " + _("Play"), "method": "animate", "args": [None, play]},
                    {"label": "❚❚ " + _("Pause"), "method": "animate", "args": [[None], pause]},
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
                "currentvalue": {"prefix": _("step") + " ", "font": {"size": 12}},
                "transition": {"duration": 0},
                "steps": [
                    {"label": label, "method": "animate", "args": [[name], pause]}
                    for name, label in zip(names, labels, strict=True)
                ],
            }
        ],
    }
