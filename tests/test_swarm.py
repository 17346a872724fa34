"""Float64 swarms against direct long-double sums and plain torch.optim loops written here."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from reference import direct_grad, direct_loss

from landscape.data import Dataset, parity_data, range_data, real_data
from landscape.spectrum import MAX_ABS_W
from landscape.swarm import (
    MAX_HISTORY,
    MAX_STARTS,
    MAX_SWARM_STEPS,
    loss_oracle,
    swarm,
)

QUESTION = parity_data(1000, 1000, 0)
SIX = range_data(0, 6)
HALF_PI = np.pi / 2


def torch_run(data: Dataset, w0: float, steps: int, make) -> np.ndarray:
    """The question's model and loss in float64, trained by a real torch optimizer.

    Returns w after steps 0..steps.
    """
    x = torch.tensor(data.x, dtype=torch.float64).reshape(-1, 1)
    y = torch.tensor(data.y, dtype=torch.float64).reshape(-1, 1)
    fc = torch.nn.Linear(1, 1, bias=False).double()
    with torch.no_grad():
        fc.weight.fill_(w0)
    opt = make(fc.parameters())
    out = [fc.weight.item()]
    for _ in range(steps):
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(torch.sin(fc(x)) ** 2, y)
        loss.backward()
        opt.step()
        out.append(fc.weight.item())
    return np.array(out)


CONFIGS = {
    "sgd": ({"optimizer": "sgd", "lr": 0.01}, lambda p: torch.optim.SGD(p, lr=0.01)),
    "momentum": (
        {"optimizer": "sgd", "lr": 0.005, "momentum": 0.9},
        lambda p: torch.optim.SGD(p, lr=0.005, momentum=0.9),
    ),
    "nesterov": (
        {"optimizer": "sgd", "lr": 0.005, "momentum": 0.8, "nesterov": True},
        lambda p: torch.optim.SGD(p, lr=0.005, momentum=0.8, nesterov=True),
    ),
    "adam": (
        {"optimizer": "adam", "lr": 0.01, "betas": (0.8, 0.99)},
        lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.8, 0.99)),
    ),
    # weight_decay=0.0 is no decay for every optimizer, AdamW too (torch's default is 0.01).
    "adamw": (
        {"optimizer": "adamw", "lr": 0.01},
        lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.0),
    ),
    "adamw-decay": (
        {"optimizer": "adamw", "lr": 0.01, "weight_decay": 0.01},
        lambda p: torch.optim.AdamW(p, lr=0.01),
    ),
    "rmsprop": (
        {"optimizer": "rmsprop", "lr": 0.003, "momentum": 0.5},
        lambda p: torch.optim.RMSprop(p, lr=0.003, momentum=0.5),
    ),
    "adagrad": (
        {"optimizer": "adagrad", "lr": 0.05, "weight_decay": 0.01},
        lambda p: torch.optim.Adagrad(p, lr=0.05, weight_decay=0.01),
    ),
}


def test_table_gradient_matches_direct_sum_over_a_period_and_more():
    oracle = loss_oracle(QUESTION)
    assert oracle.method == "table"
    w = np.concatenate(
        [np.random.default_rng(0).uniform(-3.5, 3.5, 1500), np.linspace(1.4, 1.75, 500)]
    )
    ref = direct_grad(QUESTION.x, QUESTION.y, w).astype(float)
    err = np.abs(oracle.grad(w) - ref)
    # Documented: 4.4e-9 measured over a period, 9e-12 of max|L'| (480).
    assert err.max() <= 2e-11 * np.abs(ref).max()
    assert err.max() <= 1e-8


@st.composite
def integer_data(draw):
    n = draw(st.integers(1, 30))
    x = draw(st.lists(st.integers(-60, 60), min_size=n, max_size=n))
    y = draw(st.lists(st.floats(-1, 2), min_size=n, max_size=n))
    return Dataset(np.array(x, float), np.array(y, float))


@settings(max_examples=25, deadline=None)
@given(integer_data(), st.lists(st.floats(-4, 4), min_size=1, max_size=20))
def test_table_gradient_property(data, ws):
    w = np.array(ws)
    oracle = loss_oracle(data)
    ref = direct_grad(data.x, data.y, w).astype(float)
    # |L'| <= mean 2 |sin^2 - y| |x| <= mean 2 (1 + |y|) |x|
    scale = np.mean(2 * (1 + np.abs(data.y)) * np.abs(data.x)) + 1e-300
    assert np.abs(oracle.grad(w) - ref).max() <= 1e-10 * scale


def test_table_loss_matches_direct_sum():
    oracle = loss_oracle(QUESTION, with_loss=True)
    w = np.random.default_rng(1).uniform(-2, 2, 800)
    ref = direct_loss(QUESTION.x, QUESTION.y, w).astype(float)
    assert np.abs(oracle.loss(w) - ref).max() <= 1e-11


@pytest.mark.parametrize("gradient", ["table", "exact"])
def test_one_sgd_step_matches_direct_gradient(gradient):
    w0 = np.linspace(1.4, 1.75, 200)
    lr = 4e-4
    run = swarm(QUESTION, w0, lr=lr, steps=1, gradient=gradient)
    step = lr * direct_grad(QUESTION.x, QUESTION.y, w0).astype(float)
    # relative to the size of the update, ~1e-10 (the table's 3e-12 of max|L'|)
    assert np.abs((w0 - run.w) - step).max() <= 1e-10 * np.abs(step).max()
    assert run.method == gradient


@pytest.mark.parametrize("name", ["momentum", "adam", "rmsprop"])
def test_first_steps_match_torch_loop_on_question_data(name):
    kwargs, make = CONFIGS[name]
    w0 = [1.5, 1.52, 1.6]
    run = swarm(QUESTION, w0, steps=1, **kwargs)
    for k, start in enumerate(w0):
        ref = torch_run(QUESTION, start, 1, make)
        assert abs((run.w[k] - start) - (ref[1] - start)) <= 1e-10 * abs(ref[1] - start)


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_trajectories_match_separate_torch_runs_on_six_samples(name):
    kwargs, make = CONFIGS[name]
    # Not 2.9: there Adam and RMSprop bounce around a minimum and amplify
    # rounding differences to 1e-6..1e-2 within 300 steps, exact series or not.
    w0 = np.array([0.3, 1.2, 1.5, 1.65])
    run = swarm(SIX, w0, steps=300, **kwargs)
    assert run.history.shape == (301, w0.size)
    for k, start in enumerate(w0):
        ref = torch_run(SIX, start, 300, make)
        assert np.abs(run.history[:, k] - ref).max() <= 1e-9
    moved = np.abs(run.w - w0)
    assert moved.min() > 1e-3  # the comparison is not between standing starts


def test_exact_route_trajectory_matches_torch_on_six_samples():
    kwargs, make = CONFIGS["adam"]
    run = swarm(SIX, [1.5], steps=200, gradient="exact", **kwargs)
    assert np.abs(run.history[:, 0] - torch_run(SIX, 1.5, 200, make)).max() <= 1e-9


def test_starts_are_independent_runs():
    # 150 chaotic steps on the question's data amplify any coupling or any
    # change of rounding beyond recognition, so equality here is sharp.
    w0 = np.random.default_rng(2).uniform(1.4, 1.75, 9)
    oracle = loss_oracle(QUESTION)
    for opt in ("sgd", "adam"):
        together = swarm(oracle, w0, optimizer=opt, steps=150)
        for k, start in enumerate(w0):
            alone = swarm(oracle, [start], optimizer=opt, steps=150)
            np.testing.assert_array_equal(alone.history[:, 0], together.history[:, k])


def test_large_swarm_spans_chunks_and_matches_small_ones():
    w0 = np.random.default_rng(3).uniform(1.4, 1.75, 5000)
    big = swarm(QUESTION, w0, optimizer="adam", lr=1e-3, steps=40, record="final")
    pick = np.array([0, 2047, 2048, 4095, 4999])
    small = swarm(QUESTION, w0[pick], optimizer="adam", lr=1e-3, steps=40)
    np.testing.assert_array_equal(big.w[pick], small.w)


def test_divergence_is_marked_frozen_and_harmless():
    w0 = np.array([1.5, HALF_PI, 1.0, 1.2])
    oracle = loss_oracle(QUESTION)
    run = swarm(oracle, w0, lr=100.0, steps=60)
    gone = run.diverged
    assert gone[[0, 2, 3]].all() and not gone[1]
    for k in np.flatnonzero(gone):
        at = run.diverged_at[k]
        assert 1 <= at <= 60
        assert np.isfinite(run.history[:at, k]).all()
        assert np.isnan(run.history[at:, k]).all()
        again = swarm(oracle, [w0[k]], lr=100.0, steps=int(at), record="final")
        assert again.diverged_at[0] == at
    assert np.isnan(run.w[gone]).all() and np.isnan(run.exact_loss[gone]).all()
    # the start at pi/2 stays (L' there is ~1e-12) and is unaffected by the others
    alone = swarm(oracle, [HALF_PI], lr=100.0, steps=60)
    np.testing.assert_array_equal(alone.history[:, 0], run.history[:, 1])
    assert abs(run.w[1] - HALF_PI) < 1e-9


def test_divergence_by_leaving_the_domain():
    # Adam moves ~lr per step: 400 steps of 5 from 990 leave |w| <= 1000.
    run = swarm(SIX, [990.0, 1.5], optimizer="adam", lr=5.0, steps=400)
    assert run.diverged_at[0] > 0
    assert np.abs(run.history[run.diverged_at[0] - 1, 0]) <= MAX_ABS_W


def test_final_loss_is_exact():
    run = swarm(QUESTION, np.linspace(1.4, 1.75, 50), steps=100)
    ref = direct_loss(QUESTION.x, QUESTION.y, run.w).astype(float)
    assert np.abs(run.exact_loss - ref).max() <= 1e-12


def test_real_x_uses_the_exact_series():
    data = real_data(200, 300.0, seed=4)
    w0 = np.linspace(1.0, 2.0, 30)
    run = swarm(data, w0, lr=1e-3, steps=1)
    assert run.method == "exact"
    step = 1e-3 * direct_grad(data.x, data.y, w0).astype(float)
    assert np.abs((w0 - run.w) - step).max() <= 1e-10 * np.abs(step).max()
    with pytest.raises(ValueError, match="gradient='table'"):
        swarm(data, w0, steps=1, gradient="table")
    with pytest.raises(ValueError, match="gradient"):
        swarm(loss_oracle(SIX), w0, steps=1, gradient="exact")


def test_record_rule():
    small = swarm(SIX, np.linspace(1, 2, 10), steps=50)
    np.testing.assert_array_equal(small.history_steps, np.arange(51))
    np.testing.assert_array_equal(small.history[-1], small.w)

    strided = swarm(SIX, np.linspace(1, 2, 10), steps=50, record=7)
    np.testing.assert_array_equal(strided.history_steps, [0, 7, 14, 21, 28, 35, 42, 49, 50])
    np.testing.assert_array_equal(strided.history, small.history[strided.history_steps])

    final = swarm(SIX, [1.0, 2.0], steps=30, record="final")
    np.testing.assert_array_equal(final.history_steps, [0, 30])

    k, steps = 10_000, 500  # 10^4 x 501 values exceed MAX_HISTORY: every 2nd step
    w0 = np.random.default_rng(5).uniform(1.4, 1.75, k)
    big = swarm(QUESTION, w0, steps=steps)
    assert big.history.size <= MAX_HISTORY
    assert np.diff(big.history_steps).max() == 2
    assert big.history_steps[0] == 0 and big.history_steps[-1] == steps
    pick = [0, 77, 9999]
    part = swarm(QUESTION, w0[pick], steps=int(big.history_steps[37]))
    np.testing.assert_array_equal(part.w, big.history[37, pick])
    with pytest.raises(ValueError, match="record"):
        swarm(QUESTION, w0, steps=steps, record=1)


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        # The optimizer's own rules are tested in test_optim.py; these check
        # that swarm() applies them.
        ({"optimizer": "lbfgs"}, "optimizer"),
        ({"lr": 1e9}, "lr"),
        ({"optimizer": "adam", "momentum": 0.9}, "momentum"),
        ({"weight_decay": -1.0}, "weight_decay"),
        ({"steps": -1}, "steps"),
        ({"steps": MAX_SWARM_STEPS + 1}, "steps"),
        ({"steps": 2.5}, "steps"),
        ({"record": 0}, "record"),
        ({"record": "all"}, "record"),
        ({"gradient": "fast"}, "gradient"),
    ],
)
def test_bad_arguments_raise_value_error(kwargs, word):
    with pytest.raises(ValueError, match=word):
        swarm(SIX, [1.5], **kwargs)


@pytest.mark.parametrize(
    "w0s", [[], [[1.0, 2.0]], [np.nan], [MAX_ABS_W * 2], np.zeros(MAX_STARTS + 1), "abc"]
)
def test_bad_starts_raise_value_error(w0s):
    with pytest.raises(ValueError, match="w0s"):
        swarm(SIX, w0s, steps=1)


def test_work_bound():
    with pytest.raises(ValueError, match="work"):
        swarm(SIX, np.zeros(MAX_STARTS), steps=MAX_SWARM_STEPS)
