"""Basin, convergence and chaos maps against plain loops written here."""

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from reference import direct_curvature, direct_loss

from landscape.data import Dataset, parity_data, range_data, with_label_noise
from landscape.maps import (
    MAX_MAP_CELLS,
    NONE,
    basin_map,
    chaos,
    classify,
    convergence_map,
    period_minimizers,
)
from landscape.swarm import loss_oracle

QUESTION = parity_data(1000, 1000, 0)
SIX = range_data(0, 6)
HALF_PI = np.pi / 2


def numpy_sgd(data: Dataset, w0: np.ndarray, lr, steps: int) -> np.ndarray:
    """Plain full-batch gradient descent, gradient summed directly in float64; (steps+1, K)."""
    w = np.array(w0, dtype=float)
    out = [w.copy()]
    for _ in range(steps):
        t = np.multiply.outer(w, data.x)
        grad = np.mean(2 * (np.sin(t) ** 2 - data.y) * np.sin(2 * t) * data.x, axis=1)
        w = w - lr * grad
        out.append(w.copy())
    return np.array(out)


def torch_run(data: Dataset, w0: float, steps: int, make) -> np.ndarray:
    """The question's model in float64 with a real torch optimizer; w after steps 0..steps."""
    x = torch.tensor(data.x, dtype=torch.float64).reshape(-1, 1)
    y = torch.tensor(data.y, dtype=torch.float64).reshape(-1, 1)
    fc = torch.nn.Linear(1, 1, bias=False).double()
    with torch.no_grad():
        fc.weight.fill_(w0)
    opt = make(fc.parameters())
    out = [fc.weight.item()]
    for _ in range(steps):
        opt.zero_grad()
        torch.nn.functional.mse_loss(torch.sin(fc(x)) ** 2, y).backward()
        opt.step()
        out.append(fc.weight.item())
    return np.array(out)


def test_period_minimizers_of_parity_data_are_half_pi():
    np.testing.assert_allclose(period_minimizers(QUESTION), [HALF_PI], atol=1e-7)
    np.testing.assert_allclose(period_minimizers(SIX), [HALF_PI], atol=1e-5)


def test_classify_against_half_pi_plus_k_pi():
    k = np.array([-3, 0, 2, 5])
    w = np.concatenate([HALF_PI + k * np.pi + 1e-5, [HALF_PI + 1e-2, np.nan, 1.0]])
    minimizers, reached = classify(QUESTION, w, 1.4, 1.75, atol=1e-4)
    np.testing.assert_array_equal(reached[4:], [NONE, NONE, NONE])
    np.testing.assert_allclose(minimizers[reached[:4]], HALF_PI + k * np.pi, atol=1e-7)
    # the window's own minimiser is listed even though nobody else is near it
    assert np.any(np.abs(minimizers - HALF_PI) < 1e-7)
    np.testing.assert_array_equal(np.sort(minimizers), minimizers)


@settings(max_examples=30, deadline=None)
@given(st.integers(-50, 50), st.floats(-0.2, 0.2), st.floats(1e-3, 0.1))
def test_classify_property_six_samples(k, offset, atol):
    assume(abs(abs(offset) - atol) > 1e-4)  # the minimiser is known to ~1e-6 only
    w = np.array([HALF_PI + k * np.pi + offset])
    minimizers, reached = classify(SIX, w, 1.0, 2.0, atol)
    if abs(offset) <= atol:
        assert abs(minimizers[reached[0]] - (HALF_PI + k * np.pi)) < 1e-5
    else:
        assert reached[0] == NONE
    assert np.any(np.abs(minimizers - HALF_PI) < 1e-5)


def test_basin_map_six_samples_all_reach_half_pi():
    lr, steps = 0.01, 1000
    bm = basin_map(SIX, 1.2, 1.9, 15, lr=lr, steps=steps)
    assert (bm.reached != NONE).all()
    np.testing.assert_allclose(bm.minimizers[bm.reached], HALF_PI, atol=1e-5)
    ref = numpy_sgd(SIX, bm.w0, lr, steps)[-1]
    np.testing.assert_allclose(bm.w, ref, rtol=0, atol=1e-9)
    np.testing.assert_allclose(
        bm.exact_loss, direct_loss(SIX.x, SIX.y, ref).astype(float), atol=1e-12
    )


def test_basin_map_refuses_too_large_x_before_its_swarm(monkeypatch):
    # The minimiser scan cannot resolve max|x| = 1e6: the refusal must cost no swarm.
    def no_swarm(*args, **kwargs):
        raise AssertionError("the swarm ran before the refusal")

    monkeypatch.setattr("landscape.maps.swarm", no_swarm)
    far = Dataset(x=np.array([1.0, 1e6]), y=np.array([1.0, 0.0]))
    with pytest.raises(ValueError, match="grid points"):
        basin_map(far, 1.4, 1.75, 10, steps=5)


def test_basin_map_question_data_small_lr_against_plain_loop():
    # lr * max L'' ~ 0.7 < 2: no chaos, so a plain loop must land on the same w.
    lr, steps = 1e-6, 150
    bm = basin_map(QUESTION, 1.56, 1.58, 120, lr=lr, steps=steps)
    ref = numpy_sgd(QUESTION, bm.w0, lr, steps)[-1]
    np.testing.assert_allclose(bm.w, ref, rtol=0, atol=1e-9)
    inside = np.abs(ref - HALF_PI) <= bm.atol
    assert 3 <= inside.sum() < bm.w0.size - 3
    np.testing.assert_array_equal(bm.reached != NONE, inside)
    np.testing.assert_allclose(bm.minimizers[bm.reached[inside]], HALF_PI, atol=1e-7)
    assert abs(bm.atol - np.pi / (8 * 999)) < 1e-15


def test_convergence_map_marks_question_setup_as_not_converging():
    steps, tol = 1000, 1e-3
    cm = convergence_map(QUESTION, 1.5, 1.6, 4e-4, 4e-4, n_w0=2, n_lr=1, steps=steps, tol=tol)
    assert not cm.reached[0, 0] and cm.first_step[0, 0] == -1
    path = numpy_sgd(QUESTION, [1.5], 4e-4, 60)[:, 0]
    assert direct_loss(QUESTION.x, QUESTION.y, path).min() > 100 * tol
    assert cm.final_loss[0, 0] > 100 * tol


def test_convergence_map_six_samples_converge_from_1_5_for_small_lr():
    tol = 1e-3
    cm = convergence_map(SIX, 1.5, 1.6, 1e-3, 3e-2, n_w0=2, n_lr=4, steps=500, tol=tol)
    assert cm.reached[:, 0].all()
    path = numpy_sgd(SIX, [1.5], cm.lr[0], 500)[:, 0]
    losses = direct_loss(SIX.x, SIX.y, path).astype(float)
    assert losses[0] > tol  # it had to get there
    assert cm.first_step[0, 0] == np.flatnonzero(losses < tol)[0]
    np.testing.assert_allclose(cm.fraction, cm.reached.mean(axis=1))


@pytest.mark.parametrize(
    "hyper",
    [{}, {"momentum": 0.9}, {"momentum": 0.7, "nesterov": True}],
    ids=["sgd", "momentum", "nesterov"],
)
def test_scaled_gradient_sgd_equals_runs_with_the_real_lr(hyper):
    steps, tol = 200, 1e-4
    cm = convergence_map(SIX, 0.8, 1.7, 1e-3, 0.05, n_w0=3, n_lr=4, steps=steps, tol=tol, **hyper)
    for i, lr in enumerate(cm.lr):
        for j, w0 in enumerate(cm.w0):
            path = torch_run(SIX, w0, steps, lambda p, lr=lr: torch.optim.SGD(p, lr=lr, **hyper))
            assert abs(cm.w[i, j] - path[-1]) <= 1e-9
            losses = direct_loss(SIX.x, SIX.y, path).astype(float)
            below = np.flatnonzero(losses < tol)
            assert cm.first_step[i, j] == (below[0] if below.size else -1)
    assert cm.reached.any() and not cm.reached.all()


def test_scaled_gradient_sgd_first_steps_on_question_data():
    cm = convergence_map(QUESTION, 1.4, 1.75, 1e-5, 4e-4, n_w0=5, n_lr=3, steps=3)
    for i, lr in enumerate(cm.lr):
        ref = numpy_sgd(QUESTION, cm.w0, lr, 3)[-1]
        np.testing.assert_allclose(cm.w[i], ref, rtol=0, atol=1e-11)


@pytest.mark.parametrize("optimizer", ["adam", "adamw", "rmsprop"])
def test_param_group_map_equals_runs_with_the_real_lr(optimizer):
    steps = 150
    cm = convergence_map(
        SIX, 0.8, 1.7, 1e-3, 0.02, n_w0=3, n_lr=3, steps=steps, optimizer=optimizer
    )
    # weight_decay=0.0 is no decay for every optimizer, AdamW too (torch's default is 0.01).
    make = {
        "adam": torch.optim.Adam,
        "adamw": lambda p, lr: torch.optim.AdamW(p, lr=lr, weight_decay=0.0),
        "rmsprop": torch.optim.RMSprop,
    }
    for i, lr in enumerate(cm.lr):
        for j, w0 in enumerate(cm.w0):
            path = torch_run(SIX, w0, steps, lambda p, lr=lr: make[optimizer](p, lr=lr))
            assert abs(cm.w[i, j] - path[-1]) <= 1e-9


def test_convergence_map_marks_divergence():
    cm = convergence_map(QUESTION, 1.4, 1.75, 1e-4, 300.0, n_w0=4, n_lr=3, steps=20)
    assert (cm.diverged_at[-1] > 0).all()
    assert np.isnan(cm.final_loss[-1]).all() and not cm.reached[-1].any()
    assert (cm.diverged_at[0] == -1).all()


def test_chaos_question_setup_against_torch_float64_and_linearisation():
    c = chaos(QUESTION, 1.5)
    make = lambda p: torch.optim.SGD(p, lr=4e-4)  # noqa: E731
    a = torch_run(QUESTION, 1.5, 8, make)
    b = torch_run(QUESTION, 1.5 + 1e-7, 8, make)
    np.testing.assert_allclose(c.distance[:9], np.abs(a - b), rtol=1e-5)
    assert c.parted_at == np.flatnonzero(np.abs(a - b) > 1e-3)[0]
    # For SGD the growth factor per step is |1 - lr L''(w_t)| while the runs are close.
    start, stop = c.window
    assert start >= 1 and stop - start >= 3
    factor = np.abs(1 - 4e-4 * direct_curvature(QUESTION.x, QUESTION.y, a[:stop]).astype(float))
    np.testing.assert_allclose(
        c.distance[1:stop] / c.distance[: stop - 1], factor[: stop - 1], rtol=2e-2
    )
    assert abs(c.rate - np.log(factor[start : stop - 1]).mean()) < 0.1
    assert c.rate > 1 and abs(c.efold - 1 / c.rate) < 1e-12


def test_chaos_six_samples_contracts():
    c = chaos(SIX, 1.5, lr=0.01, steps=200)
    assert c.rate < 0 and c.efold == np.inf and c.parted_at == -1
    assert c.distance[-1] < c.distance[0]


def test_maps_accept_noisy_data():
    noisy = with_label_noise(SIX, 0.1, seed=1)
    bm = basin_map(noisy, 1.3, 1.8, 10, lr=0.01, steps=300)
    assert bm.minimizers.size >= 1 and (bm.reached != NONE).any()


@pytest.mark.parametrize(
    ("call", "word"),
    [
        (lambda: basin_map(SIX, 2.0, 1.0), "lo"),
        (lambda: basin_map(SIX, 1.0, 2.0, 0), "n"),
        (lambda: basin_map(SIX, 1.0, 2.0, 10, atol=-1.0), "atol"),
        (lambda: convergence_map(SIX, 1, 2, 1e-2, 1e-3), "lr_lo"),
        (lambda: convergence_map(SIX, 1, 2, 0.0, 1e-3), "lr_lo"),
        (lambda: convergence_map(SIX, 1, 2, n_w0=600, n_lr=600), "n_w0"),
        (lambda: convergence_map(SIX, 1, 2, n_w0=MAX_MAP_CELLS + 1, n_lr=1), "n_w0"),
        (lambda: convergence_map(SIX, 1, 2, tol=0.0), "tol"),
        (lambda: convergence_map(SIX, 1, 2, steps=10**6), "steps"),
        (lambda: chaos(SIX, 1.5, eps=0.0), "eps"),
        (lambda: chaos(SIX, 1.5, eps=1e-2), "eps"),
        (lambda: chaos(SIX, 1.5, threshold=0.0), "threshold"),
        (lambda: chaos(SIX, float("nan")), "w0"),
        (lambda: chaos(SIX, 1.5, optimizer="adam", momentum=0.5), "momentum"),
    ],
)
def test_bad_arguments_raise_value_error(call, word):
    with pytest.raises(ValueError, match=word):
        call()


def test_prebuilt_oracle_gives_the_same_chaos():
    oracle = loss_oracle(SIX)
    np.testing.assert_array_equal(chaos(oracle, 1.5).distance, chaos(SIX, 1.5).distance)
