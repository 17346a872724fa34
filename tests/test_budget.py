"""The page's budget: the cost models by hand, and heavy links that answer at once.

Heavy share links (issue 13) must not compute on their own: the page states
the cost and the budget and offers a button; a click computes and caches.
"""

import re
import time
from pathlib import Path

import numpy as np
import pytest
from pseudo import english_left, speak_pseudo
from streamlit.testing.v1 import AppTest

from lab import budget
from lab.budget import BUDGET_SECONDS, remedy_cost, replay_cost, scan_cost, swarm_cost
from lab.state import Settings
from landscape.data import parity_data, range_data
from landscape.spectrum import spectrum

APP = str(Path(__file__).resolve().parents[1] / "app.py")
HEAVY = {"n": "100000", "high": "1000000", "lo": "1.5705", "hi": "1.5715", "opt": "adam"}
MINIBATCH = {"epochs": "1", "batch": "5"}

pytestmark = pytest.mark.usefixtures("app_threads")


# --- cost models, by hand ----------------------------------------------------------------


def test_full_batch_replay_is_samples_times_steps():
    s = Settings()  # the question: 1000 samples, 100 full-batch steps
    cost = replay_cost(parity_data(1000, 1000, 0), s.plain_run())
    (part,) = cost.parts
    assert part.work == 100 * 1000 and part.unit == "sample-steps"
    validation = 100 * 1000 * budget.VALIDATION_SAMPLE_S  # at most N samples an epoch
    assert cost.seconds == pytest.approx(
        1e5 * budget.SAMPLE_STEP_S + 100 * budget.STEP_S + validation
    )
    assert budget.within_budget(cost)


def test_minibatch_replay_adds_the_batches_to_the_full_data_evaluation():
    s = Settings(n=10, high=10, epochs=2, batch=3)  # ceil(10 / 3) = 4 steps per epoch
    (part,) = replay_cost(parity_data(10, 10, 0), s.plain_run()).parts
    assert part.work == 8 * 10 + 8 * 3


def test_the_issues_link_is_far_over_budget():
    s = Settings(n=100_000, high=1_000_000, lo=1.5705, hi=1.5715, opt="adam", epochs=1, batch=5)
    cost = replay_cost(s.dataset(), s.plain_run())
    assert cost.parts[0].work == 20_000 * (100_000 + 5)
    assert cost.seconds > 10 * BUDGET_SECONDS
    assert "2.0e+09 sample-steps" in cost.describe() and "at most ~0.5 s" in cost.describe()


def test_remedy_costs_by_hand():
    data = range_data(0, 100)  # x = 0..99
    work = {m: remedy_cost(data, m).parts[0].work for m in ("small x", "adam", "curriculum")}
    assert work["small x"] == 6 * 1000  # x = 0..5, 1000 steps
    assert work["adam"] == 100 * 1000
    # curriculum: |x| < 6, 12, 24, 48, 96, then all 100; 300 steps each
    assert work["curriculum"] == 300 * (6 + 12 + 24 + 48 + 96 + 100)
    # grown surrogate: |x| < 64, then all; 500 steps each
    assert remedy_cost(data, "complex surrogate, grown").parts[0].work == 500 * (64 + 100)
    assert remedy_cost(data, "complex surrogate").parts[0].work == 3000 * 100
    # global search: 8 max|x| grid points over one period, plus 2 max|x| + 1 modes
    assert remedy_cost(data, "global search").parts[0].work == pytest.approx(8 * 99 + 199)


def test_scan_and_swarm_costs_by_hand():
    small, big = range_data(0, 100), parity_data(1000, 1_000_000, 0)
    assert scan_cost(small).parts[0].work == 199
    table = swarm_cost("map", spectrum(small), 1000, 50).parts[0]
    assert (table.work, table.unit) == (50_000, "start-steps")
    big_max = float(np.abs(big.x).max())
    exact = swarm_cost("map", spectrum(big), 1000, 50).parts[0]
    assert (exact.work, exact.unit) == (50 * (2 * big_max + 1 + 1000), "mode-steps")


# --- the app -------------------------------------------------------------------------------


def open_link(query):
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    start = time.process_time()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at, time.process_time() - start


@pytest.mark.parametrize(
    ("extra", "button"),
    [
        (MINIBATCH, "compute_landscape"),
        ({**MINIBATCH, "preset": "Complex surrogate"}, "compute_landscape"),
        ({**MINIBATCH, "tab": "Fixes"}, "compute_fixes"),
        ({**MINIBATCH, "tab": "Why it fails"}, "compute_why"),
        ({**MINIBATCH, "tab": "Export"}, "compute_export"),
        ({"epochs": "20000", "tab": "Basins"}, "compute_basins"),
    ],
    ids=["replay", "complex", "fixes", "why", "export", "basins"],
)
def test_heavy_link_answers_at_once_with_the_cost_and_a_button(extra, button):
    at, cpu = open_link(HEAVY | extra)
    assert cpu < 20
    assert [b.key for b in at.button] == [button]
    (info,) = [i.value for i in at.info if "server time" in i.value]
    assert "a link computes at most ~0.5 s on its own" in info


def test_the_cost_and_its_button_speak_the_pages_language(monkeypatch):
    # The plane's gate: tests/test_plane.py (its link's model key is a choice, which
    # the panel loses once choices have translated labels).
    speak_pseudo(monkeypatch)
    at, _ = open_link(HEAVY | MINIBATCH | {"tab": "Export", "lang": "zh"})
    (info,) = [i.value for i in at.info if "server time" in i.value]
    (button,) = at.button
    assert info.startswith("«This is ~«") and "«sample-steps» of replay)" in info
    assert not english_left(info) and not english_left(button.label)


def test_a_click_computes_with_progress_and_caches_for_the_next_visitor():
    # 3000 steps of batch 20 on 20000 samples: 6e7 sample-steps, ~0.7 s, over the budget.
    link = {"n": "20000", "epochs": "3", "batch": "20"}
    at, _ = open_link(link)
    assert [b.key for b in at.button if b.key.startswith("compute")] == ["compute_landscape"]
    at.button(key="compute_landscape").click().run()
    assert not at.exception
    assert any(re.search(r"\b3,?000 steps of", m.value) for m in at.markdown)
    assert at.get("plotly_chart")
    again, _ = open_link(link)  # another session, the same link: from the cache
    assert not [b for b in again.button if b.key.startswith("compute")]
    assert again.get("plotly_chart")
