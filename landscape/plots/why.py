"""Figures of the Why tab: single samples' terms and gradients, the floor, chaos.

Built as plain data (:func:`~landscape.plots._style.figure`), their words in the
language of the thread (:func:`landscape.i18n.speak`): a cached one must be
keyed by that language.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from ..checks import check_window
from ..data import Dataset
from ..floor import QUADRATIC, QUARTIC, Floor, floor_label
from ..i18n import _
from ..maps import Chaos
from ..spectrum import MAX_ABS_W
from ..surface import Source, as_spectrum
from ..window import landscape_line
from ._style import COLORS, SERIES, figure, layout, line_at


def sample_terms_figure(
    data: Dataset, xs: Sequence[float], lo: float, hi: float, *, height: int = 360
) -> go.Figure:
    """The loss terms ``(sin^2(w x) - y)^2`` of single samples over [lo, hi].

    ``xs`` are sizes ``|x|`` (a term depends on x only through ``|x|``). Each is
    :func:`~landscape.surface.loss_curve` of a one-sample dataset (the first
    sample of ``data`` with that ``|x|``, so its label too): period pi/|x| in
    w, so a large |x| packs many teeth into the window where a small one has a
    wide bowl.
    """
    lo, hi = check_window(lo, hi, MAX_ABS_W)
    traces = []
    top = 1.0  # labels outside [0, 1] (noise, uploads) lift a term above 1
    for i, x in enumerate(xs):
        hit = np.flatnonzero(np.abs(data.x) == x)
        if not hit.size:
            raise ValueError(f"xs must hold |x| values of data; {x!r} is not one")
        one = Dataset(np.abs(data.x[hit[:1]]), data.y[hit[:1]], name=f"|x| = {x:g}")
        w_line, l_line = landscape_line(one, lo, hi)
        top = max(top, float(l_line.max()))
        y = data.y[hit[0]]
        name = (
            _("|x| = {x}, y = {y}: period {period}").format(
                x=f"{x:g}", y=f"{y:.3g}", period=f"{np.pi / x:.3g}"
            )
            if x
            else _("x = 0, y = {y}: constant").format(y=f"{y:g}")
        )
        traces.append(
            {
                "type": "scatter",
                "x": w_line,
                "y": l_line,
                "mode": "lines",
                "line": {"color": SERIES[i % len(SERIES)], "width": 1.5},
                "name": name,
                "hoverinfo": "skip",
            }
        )
    return figure(
        traces,
        layout(
            height,
            xaxis={"title": {"text": _("weight w")}, "range": [lo, hi]},
            yaxis={
                "title": {"text": _("one sample's loss term")},
                "range": [-0.05 * top, 1.05 * top],
            },
        ),
    )


def sample_grads_figure(
    x: np.ndarray, grads: np.ndarray, w: float, *, height: int = 360
) -> go.Figure:
    """Each sample's share of L'(w) against its ``|x|`` (``WhyNumbers.abs_x``, ``.sample_grads``).

    The share is ``2 (sin^2(w x) - y) sin(2 w x) x / N``, even in x: bounded by
    ``2 |x| / N`` in size, so the large inputs dominate the sum.
    """
    x, grads = np.asarray(x, dtype=np.float64), np.asarray(grads, dtype=np.float64)
    bound = np.array([0.0, float(np.abs(x).max())])
    shares = {
        "type": "scatter",
        "x": x,
        "y": grads,
        "mode": "markers",
        "marker": {"size": 5, "color": COLORS["path"], "opacity": 0.7},
        "name": _("sample's share of L'(w) at w = {w}").format(w=f"{w:.6g}"),
        "hovertemplate": "|x| = %{x:g}<br>" + _("share") + " = %{y:.3g}<extra></extra>",
    }
    limits = {
        "type": "scatter",
        "x": np.r_[bound, np.nan, bound],
        "y": np.r_[2 * bound / x.size, np.nan, -2 * bound / x.size],
        "mode": "lines",
        "line": {"color": COLORS["other"], "dash": "dot"},
        "name": _("largest possible size, ±2|x|/N"),
        "hoverinfo": "skip",
    }
    return figure(
        [shares, limits],
        layout(
            height,
            xaxis={"title": {"text": _("input size |x|")}},
            yaxis={"title": {"text": _("share of the gradient")}, "exponentformat": "power"},
        ),
    )


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
    label = _("quartic model L(g) + c4 (w - g)^4, c4 = {c4}").format(c4=f"{quartic_coef:.3g}")
    return _near_minimum(
        data, target, f"{target:.10g}", (4, quartic_coef, label), half_width, height
    )


def floor_figure(data: Source, floor: Floor, half_width: float, *, height: int = 360) -> go.Figure:
    """L near the minimum of ``floor`` (:func:`~landscape.floor.locate`), with its floor's model.

    Quadratic floor: ``L(g) + L''/2 (w - g)^2``; quartic: ``L(g) + c4 (w - g)^4``;
    a floor of no known order (or no minimum) is drawn without a model. The
    axis names g by its closed form when exact, else to the decimals its bound
    supports.
    """
    model = None
    if floor.kind == QUADRATIC:
        c = floor.curvature
        model = (2, c / 2, _("quadratic: L(g) + L''d²/2, L'' = {c}").format(c=f"{c:.4g}"))
    elif floor.kind == QUARTIC:
        c4 = floor.quartic_coef
        model = (4, c4, _("quartic: L(g) + c₄d⁴, c₄ = {c4}").format(c4=f"{c4:.4g}"))
    return _near_minimum(data, floor.where, str(floor_label(floor)), model, half_width, height)


def _near_minimum(
    data: Source,
    target: float,
    name: str,
    model: tuple[int, float, str] | None,
    half_width: float,
    height: int,
) -> go.Figure:
    """The exact loss over ``target +- half_width`` and the model ``L(g) + c d^p`` if given."""
    if not (np.isfinite(half_width) and half_width > 0):
        raise ValueError(f"half_width must be a finite number > 0, got {half_width!r}")
    spec = as_spectrum(data)
    w = np.linspace(target - half_width, target + half_width, 801)
    d = w - target
    traces = [
        {
            "type": "scatter",
            "x": d,
            "y": spec.evaluate(w, 0),
            "mode": "lines",
            "line": {"color": COLORS["loss"], "width": 2.5},
            "name": _("exact loss"),
            "hovertemplate": "d = %{x:.3g}<br>L = %{y:.3g}<extra></extra>",
        }
    ]
    if model is not None:
        power, coef, label = model
        base = float(spec.evaluate(np.array([target]), 0)[0])
        traces.append(
            {
                "type": "scatter",
                "x": d,
                "y": base + coef * d**power,
                "mode": "lines",
                "line": {"color": COLORS["target"], "dash": "dash", "width": 2},
                "name": label,
                "hoverinfo": "skip",
            }
        )
    # Short lines: a phone shows ~45 characters of an axis title or a legend entry.
    return figure(
        traces,
        layout(
            height,
            xaxis={"title": {"text": f"d = w − g, g = {name}"}, "exponentformat": "power"},
            yaxis={"title": {"text": _("loss")}, "exponentformat": "power"},
        ),
    )


def chaos_figure(chaos: Chaos, *, height: int = 400) -> go.Figure:
    """Two runs that start ``eps`` apart (a :class:`~landscape.maps.Chaos`): w(t) and their gap.

    Top: both weights after every step. Bottom (log axis): ``|w_a - w_b|``,
    with the threshold that counts as "parted" dashed; the gap grows like
    ``exp(rate * step)`` until it reaches the size of a basin. Two rows
    sharing x, laid out as ``make_subplots(rows=2, shared_xaxes=True,
    vertical_spacing=0.1)`` would.
    """
    w = np.asarray(chaos.w, dtype=np.float64)
    distance = np.asarray(chaos.distance, dtype=np.float64)
    steps = np.arange(w.shape[0])
    step = _("step")
    starts = (
        (_("start w0 = {w0}").format(w0=f"{w[0, 0]:.8g}"), COLORS["path"]),
        (_("start w0 + {eps}").format(eps=f"{chaos.eps:.0e}"), COLORS["loss"]),
    )
    traces = [
        {
            "type": "scatter",
            "x": steps,
            "y": w[:, j],
            "mode": "lines",
            "name": name,
            "line": {
                "color": color,
                "width": 2 if j == 0 else 1.5,
                "dash": "solid" if j == 0 else "dot",
            },
            "hovertemplate": step + " %{x}<br>w = %{y:.10f}<extra></extra>",
            "xaxis": "x",
            "yaxis": "y",
        }
        for j, (name, color) in enumerate(starts)
    ]
    traces.append(
        {
            "type": "scatter",
            "x": steps,
            "y": np.where(distance > 0, distance, np.nan),
            "mode": "lines+markers",
            "marker": {"size": 4},
            "line": {"color": COLORS["current"], "width": 1.5},
            "name": _("distance between the runs"),
            "hovertemplate": step + " %{x}<br>|w_a - w_b| = %{y:.3g}<extra></extra>",
            "xaxis": "x2",
            "yaxis": "y2",
        }
    )
    threshold = line_at(
        "y", float(chaos.threshold), {"color": COLORS["other"], "dash": "dash", "width": 1}
    ) | {"xref": "x2 domain", "yref": "y2"}
    return figure(
        traces,
        layout(
            height,
            xaxis={"anchor": "y", "domain": [0.0, 1.0], "matches": "x2", "showticklabels": False},
            yaxis={
                "anchor": "x",
                "domain": [0.55, 1.0],
                "title": {"text": "w"},
                "exponentformat": "none",
            },
            xaxis2={"anchor": "y2", "domain": [0.0, 1.0], "title": {"text": _("optimizer step")}},
            yaxis2={
                "anchor": "x2",
                "domain": [0.0, 0.45],
                "title": {"text": _("distance")},
                "type": "log",
                "exponentformat": "power",
            },
            shapes=[threshold],
        ),
    )
