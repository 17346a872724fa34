"""Figures built as plain data (landscape.plots._style.figure) are valid Plotly figures.

The builders skip Plotly's validation for speed; here each one's output goes
through it once: Plotly raises on any unknown property or invalid value.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from landscape.data import parity_data
from landscape.plots import (
    basin_map_figure,
    convergence_map_figure,
    landscape_figure,
    progress_figure,
    remedies_figure,
)
from landscape.plots._style import TEMPLATE, animation_controls, figure, layout, line_at

BASINS = SimpleNamespace(
    w0=np.array([1.0, 1.1, 1.2, 1.3]),
    w=np.array([1.05, np.pi / 2, np.pi / 2, 1.31]),
    reached=np.array([-1, 0, 0, -1]),
    minimizers=np.array([np.pi / 2]),
)
CONV = SimpleNamespace(
    w0=np.array([1.4, 1.5, 1.6]),
    lr=np.array([1e-4, 1e-3]),
    first_step=np.array([[-1, 3, 5], [0, -1, 2]]),
    diverged_at=np.array([[-1, -1, -1], [-1, 4, -1]]),
    steps=10,
)
QUESTION = parity_data(1000, 1000, 0)
RUNS = [
    SimpleNamespace(w=np.linspace(1.45, 1.57, 50)),
    SimpleNamespace(w=np.linspace(1.7, 1.6, 900)),
]

PLAIN_BUILDERS = {
    "basin map": lambda: basin_map_figure(BASINS),
    "basin map, current": lambda: basin_map_figure(BASINS, current=1.1),
    "convergence map": lambda: convergence_map_figure(CONV),
    "convergence map, current": lambda: convergence_map_figure(CONV, current=(1.5, 1e-3)),
    "remedies": lambda: remedies_figure(QUESTION, 1.4, 1.75, RUNS, ["one", "two"]),
    "progress": lambda: progress_figure(RUNS, ["one", "two"], [np.pi / 2, 1.6]),
}


@pytest.mark.parametrize("name", list(PLAIN_BUILDERS))
def test_plain_figures_pass_plotly_validation(name):
    fig = PLAIN_BUILDERS[name]()
    go.Figure(fig.to_dict())  # raises ValueError on an invalid property or value


def test_template_is_plotly_white():
    assert pio.templates["plotly_white"].to_plotly_json() == TEMPLATE
    assert layout(300)["template"] is TEMPLATE


def test_plain_figure_matches_the_validated_api():
    fig = figure(
        [{"type": "scatter", "x": np.arange(3.0), "y": [1.0, 2.0, 0.5], "name": "a"}],
        layout(300, shapes=[line_at("y", 1.5, {"color": "red"})]),
    )
    ref = go.Figure(go.Scatter(x=np.arange(3.0), y=[1.0, 2.0, 0.5], name="a"))
    ref.update_layout(layout(300, template="plotly_white"))
    ref.add_hline(y=1.5, line={"color": "red"})
    assert json.loads(pio.to_json(go.Figure(fig.to_dict()))) == json.loads(pio.to_json(ref))


def test_line_at_spans_the_other_axis():
    shape = line_at("x", 2.0, {"width": 1})
    assert (shape["x0"], shape["x1"], shape["xref"]) == (2.0, 2.0, "x")
    assert (shape["y0"], shape["y1"], shape["yref"]) == (0, 1, "y domain")


def validated(fig):
    return json.loads(pio.to_json(go.Figure(fig.to_dict())))


def test_progress_figure_matches_the_validated_api():
    ref = go.Figure()
    for run, name, color, g in zip(
        RUNS, ["one", "two"], ["#f28e2b", "#4e79a7"], [1.5, 1.6], strict=True
    ):
        gap = np.abs(run.w - g)
        ref.add_scatter(
            x=np.arange(gap.size),
            y=np.where(gap > 0, gap, np.nan),
            mode="lines",
            name=name,
            line={"color": color, "width": 1.5},
            hovertemplate="step %{x}<br>|w − w*| = %{y:.3g}<extra>" + name + "</extra>",
        )
    ref.update_xaxes(title_text="step (iterate)")
    ref.update_yaxes(
        title_text="distance to the target |w − w*|", type="log", exponentformat="power"
    )
    ref.update_layout(layout(360, template="plotly_white"))
    fig = progress_figure(RUNS, ["one", "two"], [1.5, 1.6])
    assert validated(fig) == json.loads(pio.to_json(ref))


def test_remedies_figure_is_the_landscape_with_each_path_added():
    ref = go.Figure(landscape_figure(QUESTION, 1.4, 1.75, height=520).to_dict())
    fig = remedies_figure(QUESTION, 1.4, 1.75, RUNS, ["one", "two"])
    got = validated(fig)
    base = json.loads(pio.to_json(ref))
    assert got["data"][: len(base["data"])] == base["data"]
    assert got["layout"] == base["layout"] | {"uirevision": "remedies 1.4 1.75"}
    added = got["data"][len(base["data"]) :]
    assert [t.get("name") for t in added] == ["one", None, "two", None]
    assert [t["legendgroup"] for t in added] == ["one", "one", "two", "two"]
    assert [t["marker"].get("symbol") for t in added] == [None, "diamond", None, "diamond"]


def words(fig):
    """The visible words of a figure: trace names, axis and colorbar titles, hovers' words."""
    d = fig.to_dict()
    lay = d["layout"]
    out = [t["name"] for t in d["data"] if t.get("showlegend", True) and "name" in t]
    out += [lay[a]["title"]["text"] for a in ("xaxis", "yaxis")]
    out += [t["colorbar"]["title"]["text"] for t in d["data"] if "colorbar" in t]
    return out


# The remedies figure is drawn on the landscape's, whose words landscape.plots.landscape marks.
@pytest.mark.parametrize("name", [name for name in PLAIN_BUILDERS if name != "remedies"])
def test_every_word_of_a_figure_is_translated(name, marked):
    names = {"one", "two"}  # legend entries the caller gives, translated by the caller
    for text in words(PLAIN_BUILDERS[name]()):
        assert text in names or text.startswith("«"), text


def test_hover_words_and_controls_are_translated(marked):
    hovers = [t["hovertemplate"] for t in basin_map_figure(BASINS).to_dict()["data"]]
    assert all("«ends at w = %{y:.8f}»" in h for h in hovers)
    paths = remedies_figure(QUESTION, 1.4, 1.75, RUNS, ["one", "two"]).to_dict()["data"][-2:]
    assert [t["hovertemplate"][:7] for t in paths] == ["«step» ", "«end»: "]
    controls = animation_controls(["0", "1"], ["0", "1"], 50)
    labels = [b["label"] for b in controls["updatemenus"][0]["buttons"]]
    assert labels == ["▶ «Play»", "❚❚ «Pause»"]
    assert controls["sliders"][0]["currentvalue"]["prefix"] == "«step» "
