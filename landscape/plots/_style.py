"""The look shared by every figure: colours, fonts, layout, animation controls."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

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


def target_label(found: np.ndarray, is_global: bool) -> str:
    """A legend entry for :func:`targets`' result."""
    kind = "global minimum" if is_global else "lowest minimum in view"
    where = ", ".join(f"{g:.6g}" for g in found[:3]) + (", ..." if found.size > 3 else "")
    return f"{kind}: w = {where}"


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
    fig.update_layout(
        height=height,
        margin={"l": 60, "r": 16, "t": 40, "b": 50},
        font=FONT,
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


def animation_controls(names: list[str], labels: list[str], duration: int) -> dict:
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
