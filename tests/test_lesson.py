"""The Lesson tab: its sentences' numbers against independent computations, and its steps.

Numbers are read back from the sentences and compared with direct float64 (or
long double) sums over the samples, dense-grid counts, plain float64 gradient
descent and the question's own torch loop, never with the engine's output.
Navigation and share links are driven through Streamlit's AppTest on a small
script that calls ``lesson_tab`` (the app lists the tab once the lead wires it).
"""

import json
import math
import re

import numpy as np
import plotly.graph_objects as go
import pytest
import torch
from question import notebook
from reference import direct_curvature, direct_grad, direct_loss
from streamlit.testing.v1 import AppTest

from lab.state import LESSON_STEPS, Settings
from lab.tabs.lesson import (
    STEPS,
    TITLES,
    chaos_sentences,
    comb_sentences,
    fix_sentences,
    floor_sentences,
    jump_sentences,
)
from landscape import plots
from landscape.data import Dataset, parity_data, range_data, with_label_noise
from landscape.maps import chaos
from landscape.plots.lesson import PROJECTED_FONT, PROJECTED_HEIGHT, projected
from landscape.remedies import REMEDIES
from landscape.surface import minima
from landscape.train import train
from landscape.why import why_numbers

QUESTION = parity_data(1000, 1000, 0)
W0, LR = 1.5, 4e-4
NUMBER = r"(-?[0-9][0-9,]*(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?)"

SCRIPT = """
import streamlit as st
from lab.i18n import speak
from lab.state import Settings
from lab.tabs.lesson import lesson_tab
s, _notices = Settings.from_query(st.query_params.to_dict())
speak(s.lang)
lesson_tab(s)
"""


def number_after(text: str, before: str) -> float:
    """The number that follows ``before`` in ``text`` (thousands separators allowed)."""
    match = re.search(re.escape(before) + r"\s*" + NUMBER, text)
    assert match, f"no number after {before!r} in {text!r}"
    return float(match.group(1).replace(",", ""))


def close(shown: float, true: float, digits: int) -> bool:
    """``shown`` is ``true`` rounded to ``digits`` significant digits (one unit of slack)."""
    return abs(shown - true) <= 10 ** (math.floor(math.log10(abs(true))) - digits + 1)


def dense_minima(x, y, lo, hi, step):
    """Discrete local minima of the direct float64 loss on a grid of ``step`` over [lo, hi]."""
    grid = np.arange(lo, hi, step)
    values = np.empty(grid.size)
    for s in range(0, grid.size, 2000):
        r = np.sin(np.multiply.outer(grid[s : s + 2000], x)) ** 2 - y
        values[s : s + 2000] = np.mean(r * r, axis=1)
    inner = (values[1:-1] < values[:-2]) & (values[1:-1] <= values[2:])
    return grid[1:-1][inner], values


def grad64(data, w):
    """L'(w) = mean_i 2 (sin^2(w x_i) - y_i) sin(2 w x_i) x_i, a direct float64 sum."""
    t = w * data.x
    return float(np.mean(2 * (np.sin(t) ** 2 - data.y) * np.sin(2 * t) * data.x))


@pytest.fixture(scope="module")
def at_start():
    return why_numbers(QUESTION, W0, LR)


def test_one_title_per_step():
    assert len(TITLES) == len(STEPS) == LESSON_STEPS


def test_comb_numbers(at_start):
    count = minima(QUESTION, 1.40, 1.75).size
    first, second, third = comb_sentences(at_start, QUESTION, count, 1.40, 1.75)
    largest = float(np.abs(QUESTION.x).max())
    assert number_after(first, "|x| =") == largest == 999
    assert close(number_after(first, f"π/{largest:g} ="), np.pi / largest, 3)
    # The window's local minima, on a direct grid of 1/40 of the finest period.
    found, _ = dense_minima(QUESTION.x, QUESTION.y, 1.40, 1.75, np.pi / largest / 40)
    assert number_after(second, "comb of") == found.size
    # Between w0 and pi/2: the same grid's minima strictly between, pi/2's own excluded.
    between = found[(found > W0) & (found < np.pi / 2 - 1e-4)]
    assert number_after(third, "lie") == between.size
    assert f"π/2 = {np.pi / 2:.10f}" in third
    assert "nearest global minimum" in third


def test_jump_numbers_and_the_question_run(at_start):
    run = train(QUESTION, W0, optimizer="sgd", lr=LR, epochs=100)
    first, second, third = jump_sentences(at_start, run, "sgd", QUESTION)
    grad = float(direct_grad(QUESTION.x, QUESTION.y, np.array([W0]))[0])
    assert close(number_after(first, "L′ ="), grad, 4)
    assert close(number_after(first, "moves w by"), LR * abs(grad), 3)
    # The basin around w0: the direct loss's nearest local maxima either side.
    step = 1e-6
    grid = np.arange(W0 - 0.01, W0 + 0.01, step)
    values = np.asarray(direct_loss(QUESTION.x, QUESTION.y, grid), dtype=np.float64)
    peaks = grid[1:-1][(values[1:-1] > values[:-2]) & (values[1:-1] >= values[2:])]
    width = peaks[peaks > W0].min() - peaks[peaks < W0].max()
    assert abs(number_after(first, "w₀ is") - width) <= 2 * step + 1e-5
    assert close(number_after(first, ": "), LR * abs(grad) / width, 2)
    # The question's own loop (float32 torch, full batch) ends where the sentence says.
    _rows, weights = notebook(QUESTION.x, QUESTION.y, w0=W0, lr=LR, epochs=100)[:2]
    end = float(np.asarray(weights).ravel()[-1])
    assert close(number_after(second, "end at w ="), end, 6)
    assert number_after(second, "") == 100
    # Its verdict: the float32 prediction on the same side of 1/2 as each label.
    with torch.no_grad():
        xs = torch.tensor(QUESTION.x, dtype=torch.float32)
        pred = torch.sin(torch.tensor(end, dtype=torch.float32) * xs) ** 2
    right = int(((pred >= 0.5).numpy() == (QUESTION.y >= 0.5)).sum())
    assert number_after(third, "classifies") == right < QUESTION.n
    assert third.endswith("not solved.")


def test_chaos_numbers():
    c = chaos(QUESTION, W0, 1e-7, steps=100, optimizer="sgd", lr=LR)
    first, second, third = chaos_sentences(c, "sgd")
    assert number_after(first, "are") == pytest.approx(
        2.0 ** (math.floor(math.log2(W0)) - 23), rel=1e-2
    )
    # Plain float64 gradient descent with the direct gradient, from both starts.
    a, b = W0, W0 + 1e-7
    parted = -1
    for k in range(1, 101):
        a, b = a - LR * grad64(QUESTION, a), b - LR * grad64(QUESTION, b)
        if abs(a - b) > 1e-3:
            parted = k
            break
    assert parted > 0
    assert number_after(third, "After") == parted
    assert "grows by a factor e every" in second


def test_flat_floor_numbers(at_start):
    first, second, third = floor_sentences(at_start)
    c4 = float(np.mean(QUESTION.x.astype(np.float64) ** 4))
    assert f"π/2 = {np.pi / 2:.10f}" in first and "exactly" in first
    assert close(number_after(first, "mean(x⁴) ="), c4, 4)
    assert close(number_after(second, "only below"), math.sqrt(1 / (2 * LR * c4)), 2)
    assert close(number_after(third, "|w₀ − g| ="), np.pi / 2 - W0, 3)
    assert "wider than that" in third  # 0.0708 > 7.8e-5: the quartic law does not reach w0


def test_quadratic_floor_with_noise():
    noisy = with_label_noise(QUESTION, 0.2, 0)
    why = why_numbers(noisy, W0, LR)
    first, second = floor_sentences(why)
    curvature = float(direct_curvature(noisy.x, noisy.y, np.array([np.pi / 2]))[0])
    assert "quadratic" in first
    assert close(number_after(first, "L″ ="), curvature, 4)
    assert close(number_after(second, "2/L″ ="), 2 / curvature, 3)
    assert close(number_after(second, "multiplies the gap by"), 1 - LR * curvature, 4)


def test_one_sample_and_negative_x():
    one = range_data(3, 4)
    why = why_numbers(one, W0, LR)
    first, _, third = comb_sentences(why, one, minima(one, 0.0, 3.2).size, 0.0, 3.2)
    assert number_after(first, "|x| =") == 3
    assert "no local minimum in the way" in third
    mirrored = Dataset(-QUESTION.x, QUESTION.y)
    why_m, why_q = why_numbers(mirrored, W0, LR), why_numbers(QUESTION, W0, LR)
    # Each term depends on |x| only: the sentences are the same for mirrored data.
    assert floor_sentences(why_m) == floor_sentences(why_q)
    count = minima(QUESTION, 1.40, 1.75).size
    assert comb_sentences(why_m, mirrored, count, 1.4, 1.75) == comb_sentences(
        why_q, QUESTION, count, 1.4, 1.75
    )


def test_fix_numbers():
    ran = {name: REMEDIES[name](QUESTION, W0) for name in ("small x", "adam")}
    outcomes = {**ran, "refused": "these data have no small x"}
    sentences = fix_sentences(outcomes, W0)
    xs = torch.tensor(QUESTION.x, dtype=torch.float32)
    solved = []
    for name, r in ran.items():
        with torch.no_grad():
            pred = torch.sin(torch.tensor(r.final_w, dtype=torch.float32) * xs) ** 2
        if np.array_equal((pred >= 0.5).numpy(), QUESTION.y >= 0.5):
            solved.append(name)
    text = " ".join(sentences)
    if solved:
        assert f"{len(solved)} of 2 remedies" in text and ", ".join(solved) + "." in text
    else:
        assert "none of 2 remedies" in text
    assert "1 more cannot run" in text
    # The closest to its target: targets are odd multiples of pi/2 on parity data.
    gaps = {
        n: abs(r.final_w - (np.round(r.final_w / np.pi - 0.5) + 0.5) * np.pi)
        for n, r in ran.items()
    }
    best = min(gaps, key=gaps.get)
    assert f"the closest, {best}, ends" in text
    assert close(number_after(text, f"{best}, ends"), gaps[best], 2)


# -- the page ------------------------------------------------------------------


def lesson(query=None):
    at = AppTest.from_string(SCRIPT, default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def heading(at) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("## "))


def test_next_and_back_move_the_step_and_the_url():
    at = lesson({"step": "4"})
    assert heading(at) == "## Step 4 of 5: The floor"
    at.button(key="lesson_next").click().run()
    assert heading(at) == "## Step 5 of 5: The fixes"
    assert at.query_params["step"] == ["5"] or at.query_params["step"] == "5"
    at.button(key="lesson_next").click().run()  # stays on the last step
    assert heading(at).startswith("## Step 5 of 5")
    for _ in range(6):
        at.button(key="lesson_back").click().run()
    assert heading(at) == "## Step 1 of 5: The comb"
    assert not at.exception


def test_each_step_has_its_share_link():
    for step in (1, 3):
        at = lesson({"step": str(step), "noise": "0.1"})
        assert heading(at).startswith(f"## Step {step} of 5")
        link = at.code[0].value
        assert "tab=Lesson" in link and "noise=0.1" in link
        # Only what differs from the defaults: the first step is the default.
        assert ("step=" in link) == (step != 1) and (step == 1 or f"step={step}" in link)


def test_step_key_in_settings():
    assert Settings(step=3).to_query() == {"step": "3"}
    s, notices = Settings.from_query({"step": "9"})
    assert s.step == 1 and notices and "step" in str(notices[0])


def test_every_step_on_one_sample():
    # One sample, x = 3: every step computes (asking first where the budget says so).
    for step in range(1, LESSON_STEPS + 1):
        at = lesson(
            {
                "data": "consecutive integers",
                "start": "3",
                "stop": "4",
                "lo": "0",
                "hi": "3.2",
                "step": str(step),
            }
        )
        for button in at.button:
            if button.key == "lesson_compute":
                button.click().run()
        assert not at.exception and not at.error
        assert heading(at).startswith(f"## Step {step} of 5")
        sentences = at.markdown[-1].value  # the step's sentences come last
        assert sentences.endswith(".") and not sentences.startswith("#")
        if step == 1:
            assert "the largest |x| = 3 gives the finest, π/3 = 1.05 wide" in sentences


def test_all_zero_x_explains_itself():
    at = lesson({"data": "consecutive integers", "start": "0", "stop": "1", "step": "2"})
    assert "Every x is 0" in at.info[0].value


def test_the_jumps_window_follows_a_run_that_leaves_it():
    # The question's run visits w down to ~1.41, outside [1.45, 1.55].
    at = lesson({"step": "2", "lo": "1.45", "hi": "1.55"})
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    lo, hi = spec["layout"]["xaxis"]["range"]
    run = train(QUESTION, W0, optimizer="sgd", lr=LR, epochs=100)
    assert lo <= float(np.min(run.w)) < 1.45 and float(np.max(run.w)) <= hi


def test_projected_figure_is_valid_and_leaves_the_original():
    base = plots.landscape_figure(QUESTION, 1.4, 1.75)
    fig = plots.add_run(base, QUESTION, train(QUESTION, W0, epochs=5))
    before = fig.to_plotly_json()
    big = projected(fig, marks=[(W0, "w₀")])
    go.Figure(big.to_dict())  # Plotly's validation: every property name and value
    assert fig.to_plotly_json() == before
    assert big.layout.xaxis.tickfont.size == big.layout.yaxis.title.font.size == PROJECTED_FONT
    assert len(big.frames) == len(fig.frames) and big.layout.height == PROJECTED_HEIGHT
    assert big.layout.shapes[-1].x0 == W0 and big.layout.annotations[-1].text == "w₀"
