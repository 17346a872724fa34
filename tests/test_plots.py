"""Figure builders: what they draw is checked against direct sums written in the tests.

A figure is data: every curve is compared with the long-double reference of
``reference.py`` or with numbers computed here, and the animation's frames with
the run they animate. Runs are stand-ins (any object with ``w``), so nothing
here needs torch's optimizers.
"""

import base64
from types import SimpleNamespace

import numpy as np
import plotly.graph_objects as go
import pytest
from pseudo import PSEUDO, english_left, speak_pseudo
from reference import direct_loss

from landscape.data import Dataset, parity_data, range_data
from landscape.i18n import speak
from landscape.plots import (
    basin_map_figure,
    chaos_figure,
    convergence_map_figure,
    history_figure,
    landscape_figure,
    progress_figure,
    quartic_figure,
    remedies_figure,
    sample_grads_figure,
    sample_terms_figure,
)
from landscape.plots._style import LOG_FLOOR
from landscape.plots.landscape import (
    PLAY_SECONDS,
    Path,
    add_runs,
    at_step,
    basin_edges,
    frame_names,
)
from landscape.surface import maxima
from landscape.window import COLUMNS

QUESTION = parity_data(1000, 1000, 0)
HALF_PI = np.pi / 2


def values(arr):
    """A trace's array as float64: a list, a numpy array or Plotly's base64 typed array."""
    if isinstance(arr, dict):
        return np.frombuffer(base64.b64decode(arr["bdata"]), dtype=arr["dtype"]).astype(np.float64)
    return np.asarray(arr, dtype=np.float64)


# --- envelope ---------------------------------------------------------------------------
# --- the animated landscape ----------------------------------------------------------------


def fake_run(steps=40, w0=1.5):
    rng = np.random.default_rng(1)
    return SimpleNamespace(w=w0 + np.cumsum(np.r_[0.0, rng.normal(0, 2e-3, steps)]))


def test_landscape_figure_without_a_run():
    fig = landscape_figure(QUESTION, 1.4, 1.75)
    assert isinstance(fig, go.Figure) and not fig.frames
    assert list(fig.layout.xaxis.range) == [1.4, 1.75]
    star = next(t for t in fig.data if t.name.startswith("global minimum"))
    assert abs(star.x[0] - HALF_PI) < 1e-7 and abs(star.y[0]) < 1e-11
    assert fig.data[0].hoverinfo == "skip" and len(fig.data[0].x) <= 2 * COLUMNS


def test_run_is_animated_by_frames_of_svg_scatter_traces():
    run = fake_run(steps=300)
    fig = landscape_figure(QUESTION, 1.4, 1.75, run)
    names = [t.name for t in fig.data]
    path = fig.data[names.index("path of the run (300 steps)")]
    np.testing.assert_array_equal(values(path.x), run.w)
    ref = direct_loss(QUESTION.x, QUESTION.y, run.w).astype(np.float64)
    np.testing.assert_allclose(values(path.y), ref, atol=1e-11)
    assert 100 <= len(fig.frames) <= 200
    moving = list(fig.frames[0].traces)
    assert moving == [len(fig.data) - 2, len(fig.data) - 1]
    for frame in fig.frames:
        k = int(frame.name)
        assert all(t.type == "scatter" for t in frame.data)
        marker = frame.data[1]
        assert list(marker.x) == [run.w[k]]
        assert list(frame.data[0].x) == list(run.w[max(0, k - 8) : k + 1])
    assert int(fig.frames[-1].name) == 300
    assert fig.layout.uirevision and fig.layout.yaxis.range is not None
    slider = fig.layout.sliders[0]
    assert [s.args[0][0] for s in slider.steps] == [f.name for f in fig.frames]
    labels = [b.label for b in fig.layout.updatemenus[0].buttons]
    assert any("Play" in label for label in labels) and any("Pause" in label for label in labels)


def test_log_axis_floors_the_loss():
    fig = landscape_figure(QUESTION, 1.5, 1.6, fake_run(), log_y=True)
    assert fig.layout.yaxis.type == "log"
    assert min(values(fig.data[0].y)) >= LOG_FLOOR


def test_float32_overlay_is_a_separate_trace():
    fig = landscape_figure(range_data(0, 50), 1.0, 2.0, float32=True)
    assert any("float32" in t.name for t in fig.data)


def test_history_figure_shows_the_run_and_the_target():
    run = fake_run()
    run.float32_loss = np.linspace(0.4, 0.3, run.w.size)
    fig = history_figure(QUESTION, run, lo=1.4, hi=1.75)
    np.testing.assert_array_equal(values(fig.data[0].y), run.w)
    assert any(abs(shape.y0 - HALF_PI) < 1e-7 for shape in fig.layout.shapes)
    loss = next(t for t in fig.data if t.name == "training loss")
    np.testing.assert_array_equal(values(loss.y), run.float32_loss)


# --- the why-figures -------------------------------------------------------------------------


def test_sample_terms_are_single_sample_losses():
    fig = sample_terms_figure(QUESTION, [3.0, 999.0], 1.45, 1.55)
    for t, x in zip(fig.data, (3.0, 999.0), strict=True):
        ref = direct_loss(np.array([x]), np.array([x % 2]), values(t.x)).astype(np.float64)
        np.testing.assert_allclose(values(t.y), ref, atol=1e-11)
        assert f"{np.pi / x:.3g}" in t.name
    with pytest.raises(ValueError, match="xs"):
        sample_terms_figure(QUESTION, [0.5], 1.45, 1.55)


def test_sample_grads_and_their_bound():
    x = np.array([1.0, 10.0, 100.0])
    grads = np.array([0.1, -0.2, 0.3])
    fig = sample_grads_figure(x, grads, 1.5)
    np.testing.assert_array_equal(values(fig.data[0].y), grads)
    bound = values(fig.data[1].y)
    assert np.nanmax(bound) == 2 * 100.0 / 3


def test_quartic_figure_draws_the_model_it_names():
    data = Dataset(np.arange(0.0, 6.0), np.arange(6) % 2)
    c4 = float(np.mean(np.arange(6.0) ** 4))  # L ~ mean(x^4) d^4 at pi/2 on parity data
    fig = quartic_figure(data, HALF_PI, c4, 0.01)
    d = values(fig.data[1].x)
    np.testing.assert_allclose(values(fig.data[1].y), c4 * d**4, atol=1e-15)
    exact = direct_loss(data.x, data.y, HALF_PI + d).astype(np.float64)
    np.testing.assert_allclose(values(fig.data[0].y), exact, atol=1e-12)
    # The model is the exact loss's leading term: they agree near the minimum.
    near = np.abs(d) < 1e-3
    np.testing.assert_allclose(
        values(fig.data[0].y)[near], c4 * d[near] ** 4, rtol=1e-3, atol=1e-16
    )
    with pytest.raises(ValueError, match="half_width"):
        quartic_figure(data, HALF_PI, c4, -1.0)


# --- maps -------------------------------------------------------------------------------------


def test_chaos_figure_plots_both_runs_and_their_distance():
    w = np.stack([np.linspace(1.5, 1.6, 11), np.linspace(1.5, 1.7, 11)], axis=1)
    chaos = SimpleNamespace(w=w, distance=np.abs(w[:, 1] - w[:, 0]), eps=1e-7, threshold=1e-3)
    fig = chaos_figure(chaos)
    np.testing.assert_array_equal(values(fig.data[0].y), w[:, 0])
    np.testing.assert_array_equal(values(fig.data[1].y), w[:, 1])
    drawn = values(fig.data[2].y)
    assert np.isnan(drawn[0]) and np.allclose(drawn[1:], np.linspace(0.0, 0.1, 11)[1:])


def test_basin_map_colours_reached_starts_and_carries_w0():
    basins = SimpleNamespace(
        w0=np.array([1.0, 1.1, 1.2, 1.3]),
        w=np.array([1.05, HALF_PI, HALF_PI, 1.31]),
        reached=np.array([-1, 0, 0, -1]),
        minimizers=np.array([HALF_PI]),
    )
    fig = basin_map_figure(basins, current=1.1)
    stuck, hit = fig.data[0], fig.data[1]
    np.testing.assert_array_equal(values(stuck.customdata), [1.0, 1.3])
    np.testing.assert_array_equal(values(hit.x), [1.1, 1.2])
    assert "2" in hit.name and "2 of 4" in stuck.name


def test_convergence_map_cells_carry_w0_and_lr():
    conv = SimpleNamespace(
        w0=np.array([1.4, 1.5, 1.6]),
        lr=np.array([1e-4, 1e-3]),
        first_step=np.array([[-1, 3, 5], [0, -1, 2]]),
        diverged_at=np.array([[-1, -1, -1], [-1, 4, -1]]),
        steps=10,
    )
    fig = convergence_map_figure(conv, current=(1.5, 1e-3))
    status, reached, cells = fig.data[0], fig.data[1], fig.data[2]
    z = np.array(status.z, dtype=float)
    assert z[0, 0] == 0 and z[1, 1] == 1 and np.isnan(z[0, 1])
    assert np.array(reached.z, dtype=float)[0, 2] == 5
    cd = np.asarray(cells.customdata, dtype=float)
    assert {tuple(np.round(row, 12)) for row in cd} == {
        (w, lr) for lr in (1e-4, 1e-3) for w in (1.4, 1.5, 1.6)
    }


def test_history_marks_stages():
    run = fake_run(steps=30)
    fig = history_figure(QUESTION, run, stages=[(0, "first"), (10, "|x| < 12 (5 samples)")])
    assert [shape.x0 for shape in fig.layout.shapes if shape.type == "line" and shape.x0 == 10]
    assert [a.text for a in fig.layout.annotations] == ["|x| < 12"]


def test_remedies_figure_draws_each_path_at_its_exact_loss():
    runs = [fake_run(steps=20, w0=1.5), fake_run(steps=900, w0=1.6)]
    fig = remedies_figure(QUESTION, 1.4, 1.75, runs, ["one", "two"])
    one = next(t for t in fig.data if t.name == "one")
    np.testing.assert_array_equal(values(one.x), runs[0].w)
    ref = direct_loss(QUESTION.x, QUESTION.y, runs[0].w).astype(np.float64)
    np.testing.assert_allclose(values(one.y), ref, atol=1e-11)
    two = next(t for t in fig.data if t.name == "two")
    assert len(two.x) <= 400 and two.x[0] == runs[1].w[0] and two.x[-1] == runs[1].w[-1]
    ends = [t for t in fig.data if t.marker.symbol == "diamond"]
    assert [t.x[0] for t in ends] == [runs[0].w[-1], runs[1].w[-1]]
    with pytest.raises(ValueError, match="names"):
        remedies_figure(QUESTION, 1.4, 1.75, runs, ["one"])


def test_progress_figure_is_the_distance_to_each_target():
    runs = [SimpleNamespace(w=np.array([1.5, 1.55, HALF_PI]))]
    fig = progress_figure(runs, ["r"], [HALF_PI])
    drawn = values(fig.data[0].y)
    np.testing.assert_allclose(drawn[:2], [HALF_PI - 1.5, HALF_PI - 1.55])
    assert np.isnan(drawn[2])  # zero has no logarithm


# --- several runs, long runs, basin edges ------------------------------------------------


def test_runs_are_animated_in_step_and_marked_where_they_part():
    a, b = fake_run(steps=150), fake_run(steps=90, w0=1.52)
    base = landscape_figure(QUESTION, 1.4, 1.75)
    fig = add_runs(base, QUESTION, [Path(a.w, "first"), Path(b.w, "second")], part=7)
    assert len(base.data) == 2 and not base.frames  # the cached base is left alone
    names = [t.name for t in fig.data]
    np.testing.assert_array_equal(values(fig.data[names.index("second")].x), b.w)
    cross = fig.data[names.index("paths part (step 7)")]
    assert list(cross.x) == [a.w[7], b.w[7]]
    assert len(fig.frames) == 100 and int(fig.frames[-1].name) == 150
    for frame in fig.frames:
        k = int(frame.name)
        assert len(frame.data) == 4 and len(frame.traces) == 4
        assert list(frame.data[1].x) == [a.w[k]]
        assert list(frame.data[3].x) == [b.w[min(k, 90)]]  # the shorter run waits at its end


def test_a_long_run_is_a_line_and_its_frames_name_their_steps():
    run = fake_run(steps=20_000)
    fig = landscape_figure(QUESTION, 1.4, 1.75, run)
    path = next(t for t in fig.data if t.name.startswith("path of the run"))
    assert path.mode == "lines"
    assert len(fig.frames) <= 100
    steps = [int(f.name) for f in fig.frames]
    assert steps[0] == 0 and steps[-1] == 20_000 and steps == sorted(set(steps))
    labels = [s.label for s in fig.layout.sliders[0].steps]
    assert labels == [f.name for f in fig.frames]
    assert fig.layout.sliders[0].currentvalue.prefix == "step "
    short = landscape_figure(QUESTION, 1.4, 1.75, fake_run(steps=100))
    assert next(t for t in short.data if t.name.startswith("path")).mode == "lines+markers"


def test_play_lasts_a_few_seconds_and_offers_a_slower_speed():
    fig = landscape_figure(QUESTION, 1.4, 1.75, fake_run(steps=5000))
    buttons = fig.layout.updatemenus[0].buttons
    play, slow = buttons[0].args[1]["frame"]["duration"], buttons[1].args[1]["frame"]["duration"]
    assert len(fig.frames) * play <= 1000 * PLAY_SECONDS
    assert slow == 4 * play and "1/4" in buttons[1].label


def test_history_targets_the_global_minimum_nearest_the_end():
    # One sample x = 684, y = 0: every k pi / 684 is a global minimum (loss 0).
    one = Dataset(np.array([684.0]), np.array([0.0]))
    run = SimpleNamespace(w=np.linspace(1.5, 1.35953, 50))
    fig = history_figure(one, run, lo=1.4, hi=1.75)
    lines = [s.y0 for s in fig.layout.shapes]
    k = np.round(1.35953 * 684 / np.pi)
    # Located, not exact (3e-8 off); the next minimum lies pi / 684 = 4.6e-3 away.
    assert lines == [pytest.approx(k * np.pi / 684, abs=1e-6)]


def test_history_draws_other_runs_on_both_panels():
    run, other = fake_run(), fake_run(w0=1.45)
    other_loss = np.linspace(0.5, 0.4, other.w.size)
    fig = history_figure(QUESTION, run, others=[Path(other.w, "second", other_loss)], part=3)
    drawn = [t for t in fig.data if t.name == "second"]
    assert [t.yaxis for t in drawn] == ["y", "y2"]
    np.testing.assert_array_equal(values(drawn[0].y), other.w)
    np.testing.assert_array_equal(values(drawn[1].y), other_loss)
    assert any(s.x0 == 3 and s.yref == "paper" for s in fig.layout.shapes)


def test_basin_edges_are_the_maxima_of_the_direct_loss():
    data = range_data(0, 6)
    fig = basin_edges(landscape_figure(data, 0.2, 3.0), maxima(data, 0.2, 3.0))
    edges = values(fig.data[-1].x)[::3]
    grid = np.linspace(0.2, 3.0, 200_001)
    slope = np.diff(direct_loss(data.x, data.y, grid).astype(np.float64))
    turns = grid[1:-1][(slope[:-1] > 0) & (slope[1:] <= 0)]
    np.testing.assert_allclose(edges, turns, atol=2e-5)


def test_at_step_shows_a_frame_and_plays_on_from_it():
    run = fake_run(steps=500)
    fig = landscape_figure(QUESTION, 1.4, 1.75, run)
    names = frame_names(fig)
    shown = at_step(fig, int(names[10]))
    k = int(names[10])
    assert list(shown.data[-1].x) == [run.w[k]]
    assert list(shown.data[-2].x) == list(run.w[k - 8 : k + 1])
    assert shown.layout.sliders[0].active == 10
    assert list(shown.layout.updatemenus[0].buttons[0].args[0]) == names[11:]
    assert len(shown.frames) == len(fig.frames) and fig.layout.sliders[0].active == 0
    with pytest.raises(ValueError, match="step must be one of"):
        at_step(fig, k + 1)


def test_figure_words_are_translated(monkeypatch):
    run = fake_run(steps=30)
    other = Path(np.linspace(1.5, 1.6, 31), "other run")
    speak_pseudo(monkeypatch)
    speak(PSEUDO)
    try:
        base = basin_edges(landscape_figure(QUESTION, 1.4, 1.75), np.array([1.5]))
        land = add_runs(base, QUESTION, [Path(run.w, "run"), other], part=3)
        history = history_figure(QUESTION, run, others=[other], part=3)
    finally:
        speak("en")
    for fig in (land, history):
        lay = fig.layout
        words = [t.name or "" for t in fig.data] + [t.hovertemplate or "" for t in fig.data]
        axes = [lay[k] for k in ("xaxis", "yaxis", "xaxis2", "yaxis2") if k in lay]
        words += [a.title.text or "" for a in axes]
        words += [a.text for a in lay.annotations]
        words += [b.label for menu in lay.updatemenus for b in menu.buttons]
        left = {w for text in words for w in english_left(text)}
        # The runs' own labels are the caller's (translated where it builds them).
        assert left <= {"run", "other"}, left


def test_a_chinese_stage_label_is_cut_at_its_bracket():
    fig = history_figure(
        QUESTION, fake_run(steps=30), stages=[(0, "起"), (10, "|x| < 12（5 个样本）")]
    )
    assert [a.text for a in fig.layout.annotations] == ["|x| < 12"]
