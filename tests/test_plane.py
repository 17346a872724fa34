"""Two parameters: landscapes against direct float64 sums, replays against plain torch loops.

References here share no code with the engine: the loss is summed sample by sample
in float64, the least squares amplitude comes from numpy's lstsq, and the replays
are plain PyTorch loops written the way the question's script is, with
``nn.Linear(1, 1, bias=True)`` or an ``nn.Parameter`` amplitude.
"""

import json
import math
import re

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from pseudo import english_left, speak_pseudo
from torch.utils.data import DataLoader, TensorDataset

from landscape.data import Dataset, parity_data
from landscape.plane import (
    MODEL_AMPLITUDE,
    MODEL_BIAS,
    amplitude_solutions,
    bias_solutions,
    comb,
    p_range,
    plane_terms,
    plane_view,
)
from landscape.plane_train import plane_verdict, train_plane
from landscape.surface import minima
from landscape.train import TORCH_THREADS, train
from landscape.window import dense_grid

pytestmark = pytest.mark.usefixtures("app_threads")

QUESTION = parity_data(1000, 1000, 0)


def direct_bias(x, y, w, b):
    """mean_i (sin^2(w x_i + b) - y_i)^2, one point at a time, float64."""
    return float(np.mean((np.sin(w * x + b) ** 2 - y) ** 2))


def direct_amplitude(x, y, w, a):
    return float(np.mean((a * np.sin(w * x) ** 2 - y) ** 2))


DIRECT = {MODEL_BIAS: direct_bias, MODEL_AMPLITUDE: direct_amplitude}

DATASETS = {
    "question": QUESTION,
    "negative x, real y": Dataset(
        np.array([-7.0, -3.0, 0.0, 2.0, 5.0, 11.0] * 300),
        np.array([0.3, 1.0, 0.0, 0.5, 0.9, 0.1] * 300),
    ),
    "real x": Dataset(
        np.random.RandomState(3).uniform(-40.0, 60.0, 2000),
        np.random.RandomState(4).uniform(0.0, 1.0, 2000),
    ),
    "tiny": Dataset([1.0, 2.0, 3.0], [1.0, 0.0, 1.0]),
}


@pytest.mark.parametrize("model", [MODEL_BIAS, MODEL_AMPLITUDE])
@pytest.mark.parametrize("name", list(DATASETS))
def test_landscape_matches_direct_sums(model, name):
    data = DATASETS[name]
    w = np.linspace(1.40, 1.75, 3001)  # over the direct-sum threshold: the transforms run
    p = np.array([-1.3, 0.0, 0.3, 1.0, 2.2])
    grid = plane_terms(data, model, w).loss(p)
    assert grid.shape == (p.size, w.size)
    for i, pi in enumerate(p):
        for j in range(0, w.size, 97):
            assert grid[i, j] == pytest.approx(DIRECT[model](data.x, data.y, w[j], pi), abs=1e-9)


@pytest.mark.parametrize("model", [MODEL_BIAS, MODEL_AMPLITUDE])
def test_heatmap_columns_are_the_least_of_their_grid_points(model):
    data = DATASETS["negative x, real y"]
    lo, hi = 0.5, 0.9
    view = plane_view(data, model, lo, hi, *p_range(model), rows=7, columns=50)
    grid = dense_grid(data, lo, hi)
    col = np.clip(((grid - lo) * (50 / (hi - lo))).astype(int), 0, 49)
    row = 3
    for c in (0, 17, 49):
        inside = grid[col == c]
        expect = min(DIRECT[model](data.x, data.y, w, view.p[row]) for w in inside)
        assert view.loss[row, c] == pytest.approx(expect, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(
    w=st.floats(-20.0, 20.0),
    b=st.floats(-10.0, 10.0),
    turns=st.integers(-3, 3),
)
def test_bias_has_period_pi(w, b, turns):
    data = DATASETS["negative x, real y"]
    terms = plane_terms(data, MODEL_BIAS, np.array([w]))
    one, shifted = terms.loss(b)[0], terms.loss(b + turns * math.pi)[0]
    assert shifted == pytest.approx(one, abs=1e-9)
    assert one == pytest.approx(direct_bias(data.x, data.y, w, b), abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(w=st.floats(0.05, 10.0), seed=st.integers(0, 100))
def test_best_amplitude_is_least_squares(w, seed):
    rng = np.random.RandomState(seed)
    data = Dataset(rng.uniform(-5, 5, 50), rng.normal(size=50))
    s = np.sin(w * data.x) ** 2
    (a_ls,), *_ = np.linalg.lstsq(s[:, None], data.y, rcond=None)
    a, loss = plane_terms(data, MODEL_AMPLITUDE, np.array([w])).best(0)
    assert a == pytest.approx(a_ls, rel=1e-7, abs=1e-9)
    assert loss == pytest.approx(direct_amplitude(data.x, data.y, w, a_ls), abs=1e-10)


def test_best_bias_is_the_least_over_a_fine_direct_scan():
    data = DATASETS["negative x, real y"]
    w = 0.77
    b, loss = plane_terms(data, MODEL_BIAS, np.array([w])).best(0)
    scan = np.linspace(0, math.pi, 20001)
    direct = np.array([direct_bias(data.x, data.y, w, v) for v in scan])
    assert loss <= direct.min() + 1e-8
    assert loss == pytest.approx(direct_bias(data.x, data.y, w, b), abs=1e-9)


# --- Where the solutions are ----------------------------------------------------------------


def test_parity_bias_solutions_are_points_checked_directly():
    sol = bias_solutions(QUESTION, 1.40, 1.75, -math.pi / 2, math.pi / 2)
    assert sol.lines.size == 0 and sol.verticals.size == 0
    assert sol.points.shape == (1, 2)
    w, b = sol.points[0]
    assert w == pytest.approx(math.pi / 2, abs=1e-12) and b == pytest.approx(0.0, abs=1e-12)
    assert direct_bias(QUESTION.x, QUESTION.y, w, b) < 1e-20
    # Over two periods of b the same point recurs at b = +-pi, and nowhere else.
    wide = bias_solutions(QUESTION, 1.0, 5.0, -4.0, 4.0)
    for w, b in wide.points:
        assert direct_bias(QUESTION.x, QUESTION.y, w, b) < 1e-20
    expect = {
        (round(math.pi / 2 + k * math.pi, 9), round(j * math.pi, 9))
        for k in (0, 1)
        for j in (-1, 0, 1)
    }
    assert {(round(w, 9), round(b, 9)) for w, b in wide.points} == expect


def test_one_distinct_x_gives_lines_of_solutions():
    data = Dataset([3.0, 3.0], [0.25, 0.25])
    sol = bias_solutions(data, 0.0, 2.0, -2.0, 2.0)
    # b = c - 3w crosses b in [-2, 2] for some w in [0, 2] iff c in [-2, 8]; c = +-pi/6 + k pi.
    expect = sorted(r + k * math.pi for r in (-math.pi / 6, math.pi / 6) for k in range(-3, 4))
    expect = [c for c in expect if -2 <= c <= 8]
    assert sol.points.size == 0 and sol.lines[:, 1] == pytest.approx(expect)
    for slope, intercept in sol.lines:
        assert slope == -3.0
        for w in (0.0, 0.7, 2.0):
            assert direct_bias(data.x, data.y, w, intercept + slope * w) < 1e-25


def test_no_bias_solution_for_inconsistent_labels():
    data = Dataset([1.0, 1.0, 2.0], [0.0, 1.0, 0.0])
    assert bias_solutions(data, 0.0, 3.0, -2.0, 2.0).count == 0


def test_parity_amplitude_solution_is_a_equals_one_at_half_pi():
    w = dense_grid(QUESTION, 1.40, 1.75)
    sol = amplitude_solutions(QUESTION, plane_terms(QUESTION, MODEL_AMPLITUDE, w), 0.0, 2.0)
    assert sol.points.shape == (1, 2)
    w_star, a_star = sol.points[0]
    assert w_star == pytest.approx(math.pi / 2, abs=1e-7)
    assert a_star == pytest.approx(1.0, abs=1e-9)
    assert direct_amplitude(QUESTION.x, QUESTION.y, w_star, a_star) < 1e-10
    # And no other point of the window fits: the direct profile stays well above 0.
    s = np.sin(np.multiply.outer(w, QUESTION.x)) ** 2
    a = (s @ QUESTION.y) / np.einsum("ij,ij->i", s, s)
    profile = np.mean((a[:, None] * s - QUESTION.y) ** 2, axis=1)
    assert np.all((profile > 1e-4) | (np.abs(w - math.pi / 2) < 1e-2))


def test_zero_labels_give_the_line_a_equals_zero_and_verticals():
    data = Dataset([1.0, 2.0, 4.0], [0.0, 0.0, 0.0])
    w = dense_grid(data, 2.0, 4.0)
    sol = amplitude_solutions(data, plane_terms(data, MODEL_AMPLITUDE, w), -1.0, 1.0)
    assert sol.lines.tolist() == [[0.0, 0.0]]
    assert sol.verticals == pytest.approx([math.pi], abs=1e-6)
    assert direct_amplitude(data.x, data.y, sol.verticals[0], 0.7) < 1e-10


# --- The comb --------------------------------------------------------------------------------


@pytest.mark.parametrize("model", [MODEL_BIAS, MODEL_AMPLITUDE])
def test_question_slice_comb_is_the_one_parameter_comb(model):
    view = plane_view(QUESTION, model, 1.40, 1.75, *p_range(model))
    assert view.question.minima == minima(QUESTION, 1.40, 1.75).size
    assert view.best[2] < 1e-10  # the solution in view
    assert view.best[0] == pytest.approx(math.pi / 2, abs=1e-7)


def test_comb_counts_and_widths_on_a_known_curve():
    w = np.linspace(0.0, 10 * math.pi, 100001)
    c = comb(w, np.cos(4 * w))
    assert c.minima == 20
    assert c.basin_width == pytest.approx(math.pi / 2, abs=1e-3)
    # Rounding noise on a flat stretch makes no minima; a staircase descent none either.
    noise = np.random.default_rng(0).normal(scale=1e-12, size=w.size)
    assert comb(w, noise).minima == 0
    assert comb(w, np.cos(4 * w) ** 8).minima == 40  # flat bottoms: cos(4w) = 0


# --- Replays against plain torch loops --------------------------------------------------------


class BiasNet(torch.nn.Module):
    def __init__(self, w0, b0):
        super().__init__()
        self.fc1 = torch.nn.Linear(1, 1, bias=True)
        with torch.no_grad():
            self.fc1.weight.data.fill_(w0)
            self.fc1.bias.data.fill_(b0)

    def forward(self, x):
        x = self.fc1(x)
        return torch.sin(x) ** 2


class AmplitudeNet(torch.nn.Module):
    def __init__(self, w0, a0):
        super().__init__()
        self.fc1 = torch.nn.Linear(1, 1, bias=False)
        self.a = torch.nn.Parameter(torch.tensor(a0))
        with torch.no_grad():
            self.fc1.weight.data.fill_(w0)

    def forward(self, x):
        x = self.fc1(x)
        return self.a * torch.sin(x) ** 2


def plain_run(net, second, data, make_optimizer, epochs, batch_size=None, seed=0):
    train_x = torch.tensor(data.x, dtype=torch.float32).reshape(-1, 1)
    train_y = torch.tensor(data.y, dtype=torch.float32).reshape(-1, 1)
    criterion = torch.nn.MSELoss()
    optimizer = make_optimizer(net.parameters())
    if batch_size is None:
        batches = [(train_x, train_y)]
    else:
        batches = DataLoader(
            TensorDataset(train_x, train_y),
            batch_size=batch_size,
            shuffle=True,
            generator=torch.Generator().manual_seed(seed),
        )
    weights, seconds, losses = [], [], []
    for _epoch in range(epochs):
        for xb, yb in batches:
            optimizer.zero_grad()
            loss = criterion(net(xb), yb)
            loss.backward()
            losses.append(loss.item())
            optimizer.step()
            weights.append(net.fc1.weight.item())
            seconds.append(second(net).item())
    return weights, seconds, losses


CASES = [
    # (model, w0, p0, engine kwargs, reference optimizer, epochs, batch)
    (MODEL_BIAS, 1.5, 0.3, {}, lambda p: torch.optim.SGD(p, lr=4e-4), 100, None),
    (
        MODEL_BIAS,
        1.57,
        -0.2,
        {"optimizer": "adam", "lr": 1e-3},
        lambda p: torch.optim.Adam(p, lr=1e-3),
        3,
        100,
    ),
    (MODEL_AMPLITUDE, 1.5, 0.8, {}, lambda p: torch.optim.SGD(p, lr=4e-4), 100, None),
    (
        MODEL_AMPLITUDE,
        1.55,
        1.2,
        {"optimizer": "sgd", "lr": 1e-4, "momentum": 0.9, "nesterov": True},
        lambda p: torch.optim.SGD(p, lr=1e-4, momentum=0.9, nesterov=True),
        2,
        64,
    ),
]


@pytest.mark.parametrize(("model", "w0", "p0", "kwargs", "make", "epochs", "batch"), CASES)
def test_replay_is_bit_exact(model, w0, p0, kwargs, make, epochs, batch):
    assert torch.get_num_threads() == TORCH_THREADS
    if model == MODEL_BIAS:
        net, second = BiasNet(w0, p0), lambda n: n.fc1.bias
    else:
        net, second = AmplitudeNet(w0, p0), lambda n: n.a
    weights, seconds, losses = plain_run(net, second, QUESTION, make, epochs, batch, seed=7)
    run = train_plane(QUESTION, model, w0, p0, epochs=epochs, batch_size=batch, seed=7, **kwargs)
    assert run.w[0] == np.float32(w0) and run.p[0] == np.float32(p0)
    assert run.w[1:].tolist() == weights
    assert run.p[1:].tolist() == seconds
    assert run.batch_loss.tolist() == losses
    assert not run.diverged


def test_replay_leaves_torch_rng_alone():
    torch.manual_seed(5)
    expect = torch.rand(3)
    torch.manual_seed(5)
    train_plane(QUESTION, MODEL_BIAS, 1.5, 0.1, epochs=2)
    assert torch.equal(torch.rand(3), expect)


def test_diverging_replay_stops_at_finite_states():
    run = train_plane(QUESTION, MODEL_AMPLITUDE, 1.5, 1.0, lr=1e3, epochs=50)
    assert run.diverged
    assert np.all(np.isfinite(run.w)) and np.all(np.isfinite(run.p))
    assert run.batch_loss.size == run.steps


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"model": "w,c"}, "model"),
        ({"model": "w"}, "model"),
        ({"p0": float("nan")}, "a0"),
        ({"p0": 1e4}, "a0"),
        ({"epochs": 0}, "epochs"),
        ({"batch_size": 2000}, "batch_size"),
        ({"lr": -1.0}, "lr"),
    ],
)
def test_bad_arguments_are_refused_by_name(kwargs, named):
    args = {"model": MODEL_AMPLITUDE, "w0": 1.5, "p0": 1.0} | kwargs
    with pytest.raises(ValueError, match=named):
        train_plane(QUESTION, args.pop("model"), args.pop("w0"), args.pop("p0"), **args)


@pytest.mark.parametrize(
    "options",
    [{"w0": 1e4}, {"epochs": 1000, "batch_size": 1}, {"optimizer": "adam", "momentum": 0.9}],
)
def test_options_are_refused_as_train_refuses_them(options):
    options = dict(options)
    w0 = options.pop("w0", 1.5)
    with pytest.raises(ValueError) as by_train:
        train(QUESTION, w0, **options)
    with pytest.raises(ValueError) as by_plane:
        train_plane(QUESTION, MODEL_BIAS, w0, 0.1, **options)
    assert str(by_plane.value) == str(by_train.value)


def test_bad_plane_arguments_are_refused_by_name():
    with pytest.raises(ValueError, match="model"):
        plane_view(QUESTION, "w", 1.4, 1.75, 0.0, 1.0)
    with pytest.raises(ValueError, match="lo must be less than hi"):
        plane_view(QUESTION, MODEL_BIAS, 1.4, 1.75, 1.0, 0.0)
    with pytest.raises(ValueError, match="rows"):
        plane_view(QUESTION, MODEL_BIAS, 1.4, 1.75, 0.0, 1.0, rows=1)


@pytest.mark.parametrize("model", [MODEL_BIAS, MODEL_AMPLITUDE])
def test_figure_is_valid_plotly_with_one_frame_per_step(model):
    import plotly.graph_objects as go

    from landscape.plots.plane import plane_figure

    run = train_plane(QUESTION, model, 1.5, 0.3, epochs=30)
    view = plane_view(QUESTION, model, 1.40, 1.75, *p_range(model, run.p))
    fig = plane_figure(view, run)
    checked = go.Figure(fig.to_dict())  # Plotly validates every property here
    assert len(checked.frames) == 31
    heat = checked.data[0]
    assert heat.type == "heatmap" and np.asarray(fig.data[0].z).shape == view.loss.shape
    last = checked.frames[-1].data[1]
    assert (last.x[0], last.y[0]) == (run.w[-1], run.p[-1])


def _tab_page(model, p0, lang="en", data=None):
    from lab.i18n import speak
    from lab.state import Settings
    from lab.tabs.plane import plane_tab

    speak(lang)
    values = {"model": model} | ({"b0": p0} if model == "w,b" else {"a0": p0} if p0 else {})
    plane_tab(Settings(**values, **(data or {}), lang=lang))


def _figure_words(at) -> list[str]:
    """The words of the tab's figure: trace names, hover templates, axis and colour bar titles."""
    charts = at.get("plotly_chart")
    if not charts:
        return []
    spec = json.loads(charts[0].proto.spec)
    words = [t.get(k, "") for t in spec["data"] for k in ("name", "hovertemplate")]
    words += [t["colorbar"]["title"]["text"] for t in spec["data"] if "colorbar" in t]
    axes = [v for k, v in spec["layout"].items() if k.startswith(("xaxis", "yaxis"))]
    return words + [a["title"]["text"] for a in axes if "title" in a]


@pytest.mark.parametrize(("model", "p0"), [("w,b", 0.3), ("w,a", 0.8), ("w", None)])
def test_every_word_the_tab_shows_is_translated_and_figures_are_cached_per_language(
    model, p0, monkeypatch
):
    from streamlit.testing.v1 import AppTest

    speak_pseudo(monkeypatch)
    at = AppTest.from_function(_tab_page, args=(model, p0, "zh"), default_timeout=60).run()
    assert not at.exception
    shown = [m.value for m in at.markdown] + [c.value for c in at.caption]
    # The links' addresses are URLs, the same in every language.
    texts = [re.sub(r"\]\(http[^)]*\)", "]", t) for t in shown + _figure_words(at)]
    assert texts and not [(t, english_left(t)) for t in texts if english_left(t)]
    english = AppTest.from_function(_tab_page, args=(model, p0, "en"), default_timeout=60).run()
    assert not any("«" in t for t in _figure_words(english) + [m.value for m in english.markdown])


@pytest.mark.parametrize(("model", "p0"), [("w,b", 0.3), ("w,a", 0.8), ("w", None)])
def test_tab_draws_the_plane_and_says_where_the_solutions_are(model, p0):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_tab_page, args=(model, p0), default_timeout=60).run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    if model == "w":
        assert "model=w%2Cb" in text and "model=w%2Ca" in text  # the two links
        return
    assert "1 isolated point" in text and "1.5707963" in text
    assert "118 local minima" in text  # the question's comb, as landscape.surface counts it


def test_one_repeated_sample_gives_a_curve_of_amplitudes():
    data = Dataset([3.0, 3.0, 3.0], [0.25, 0.25, 0.25])
    w = dense_grid(data, 0.5, 3.5)
    sol = amplitude_solutions(data, plane_terms(data, MODEL_AMPLITUDE, w), 0.0, 2.0)
    assert sol.curve == (3.0, 0.25) and sol.points.size == 0
    for v in (0.6, 1.3, 2.9):
        a = 0.25 / math.sin(3.0 * v) ** 2
        assert direct_amplitude(data.x, data.y, v, a) < 1e-25


def test_a_plane_computed_for_one_language_is_drawn_for_the_other_at_once(monkeypatch):
    from streamlit.testing.v1 import AppTest

    speak_pseudo(monkeypatch)
    # 2000 integers below 1e6: the plane's 8e6 modes are over the budget.
    heavy = {"n": 2000, "high": 1_000_000, "lo": 1.57451, "hi": 1.57549}
    page = {"default_timeout": 60}
    zh = AppTest.from_function(_tab_page, args=("w,b", 0.2, "zh", heavy), **page).run()
    (info,) = [i.value for i in zh.info]
    (button,) = zh.button
    assert button.key == "compute_plane" and not english_left(info + button.label)
    button.click().run()
    assert not zh.exception and zh.get("plotly_chart")
    en = AppTest.from_function(_tab_page, args=("w,b", 0.2, "en", heavy), **page).run()
    assert not en.exception and not en.button  # the plane is cached; its figure is drawn
    (chart,) = en.get("plotly_chart")
    assert json.loads(chart.proto.spec)["data"][0]["name"] == "exact loss"  # in its own words


@pytest.mark.parametrize(
    ("model", "w", "p"),
    [("w,b", np.pi / 2, 0.0), ("w,b", 1.5, 0.3), ("w,a", np.pi / 2, 1.0), ("w,a", np.pi / 2, 0.4)],
)
def test_plane_verdict_counts_what_a_one_at_a_time_forward_pass_counts(model, w, p):
    xs = np.arange(-7.0, 40.0)
    data = Dataset(xs, np.abs(xs) % 2)
    fc1 = torch.nn.Linear(1, 1, bias=model == "w,b")
    with torch.no_grad():
        fc1.weight.data.fill_(w)
        if model == "w,b":
            fc1.bias.data.fill_(p)
        amplitude = torch.tensor(p if model == "w,a" else 1.0, dtype=torch.float32)
        outs = [(amplitude * torch.sin(fc1(torch.tensor([[float(x)]]))) ** 2).item() for x in xs]
    expected = sum((out >= 0.5) == (y >= 0.5) for out, y in zip(outs, data.y, strict=True))
    assert plane_verdict(data, model, w, p).correct == expected


def test_plane_verdict_refuses_the_one_parameter_model():
    with pytest.raises(ValueError, match="model must be one of 'w,b', 'w,a'"):
        plane_verdict(Dataset([1.0], [1.0]), "w", 1.5, 0.0)
