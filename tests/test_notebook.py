"""The replay's loss choice, schedules and validation against the student's notebook.

References are plain PyTorch loops written the way the question's notebook
(question-zh.txt) writes its loop: its own Net, ``criterion = torch.nn.XLoss()``,
``torch.optim``, a ``torch.optim.lr_scheduler`` stepped once per epoch, and
``val_loss = criterion(net(val_x), val_y)`` under ``torch.no_grad()`` after each
epoch's step. They share no code with the engine; data are drawn with
``np.random.seed(seed); generate_data(n)`` twice. Everything is compared with ``==``.
"""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from question import Net, as_column, notebook, question_draws

from landscape.criteria import LOSSES, Criterion
from landscape.data import Dataset, Recipe, holdout_split, range_data
from landscape.notebook import EpochRow, epoch_csv, epoch_rows, notebook_text
from landscape.schedule import SCHEDULES, Schedule
from landscape.train import train

# --- Validation: the question's second draw ---------------------------------------


def test_validation_set_is_the_notebooks_second_draw():
    for seed in (0, 5):
        _, _, val_x, val_y = question_draws(seed)
        val = Recipe(seed=seed).validation()
        assert np.array_equal(val.x, val_x) and np.array_equal(val.y, val_y)


def test_question_replay_prints_what_the_notebook_prints():
    tx, ty, vx, vy = question_draws(0)
    rows, weights, _ = notebook(tx, ty, vx, vy)
    r = Recipe()
    tr = train(r.build(), 1.5, val=r.validation())
    assert epoch_rows(tr) == [EpochRow(*row) for row in rows]
    assert tr.w[1:].tolist() == weights
    # The same weights, losses and gradients as without validation: it changes nothing.
    plain = train(r.build(), 1.5)
    assert tr.w.tolist() == plain.w.tolist()
    assert tr.float32_loss.tolist() == plain.float32_loss.tolist()
    assert plain.val_loss is None and tr.settings.validate and not plain.settings.validate
    # State 0 too: the validation loss at w0.
    with torch.no_grad():
        v0 = torch.nn.MSELoss()(Net(1.5)(as_column(vx)), as_column(vy)).item()
    assert tr.val_loss[0] == v0


def test_notebook_text_is_character_for_character():
    tx, ty, vx, vy = question_draws(0)
    rows, _, _ = notebook(tx, ty, vx, vy, epochs=3)
    expected = ""
    for epoch, loss, val_loss, w in rows:
        expected += f"Epoch {epoch}\n"
        expected += f"Loss: {loss:.8f} Val Loss: {val_loss:.8f}\n"
        expected += f"Weight: {w:.8f} (target: {np.pi / 2:.8f})\n"
        expected += "---\n"
    r = Recipe()
    assert notebook_text(train(r.build(), 1.5, epochs=3, val=r.validation())) == expected


def test_epoch_csv_reads_back_exactly():
    r = Recipe()
    tr = train(r.build(), 1.5, epochs=7, val=r.validation())
    lines = [line for line in epoch_csv(tr).splitlines() if not line.startswith("#")]
    assert lines[0] == "epoch,loss,val_loss,weight"
    back = [tuple(float(v) for v in line.split(",")) for line in lines[1:]]
    assert back == [(float(a), b, c, d) for a, b, c, d in epoch_rows(tr)]
    no_val = epoch_csv(train(r.build(), 1.5, epochs=2))
    assert [line.split(",")[2] for line in no_val.splitlines()[3:]] == ["", ""]


def test_mini_batch_validation_is_per_epoch():
    tx, ty, vx, vy = question_draws(2, size=200)
    rows, weights, _ = notebook(tx, ty, vx, vy, epochs=4, batch_size=64)
    r = Recipe(n=200, high=200, seed=2)
    tr = train(r.build(), 1.5, epochs=4, batch_size=64, val=r.validation())
    assert tr.w[1:].tolist() == weights
    assert tr.epoch_states.tolist() == [0, 4, 8, 12, 16]
    assert epoch_rows(tr) == [EpochRow(*row) for row in rows]


def test_label_noise_validation_continues_the_noise_stream():
    r = Recipe(n=50, high=50, seed=3, noise=0.2)
    rng = np.random.default_rng(3)
    rng.normal(size=50)
    stream = np.random.RandomState(3)
    stream.randint(0, 50, 50)
    x = stream.randint(0, 50, 50)
    val = r.validation()
    assert np.array_equal(val.x, x)
    assert np.array_equal(val.y, (x % 2) + 0.2 * rng.normal(size=50))


# --- Held-out splits for other data --------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 60),
    fraction=st.floats(0.0, 0.5),
    seed=st.integers(0, 2**32 - 1),
)
def test_holdout_split_partitions_the_samples_in_order(n, fraction, seed):
    data = Dataset(np.arange(n) * 1.5, np.arange(n) % 2)
    kept, held = holdout_split(data, fraction, seed)
    k = math.floor(fraction * n)
    assert (0 if held is None else held.n) == k and kept.n == n - k
    chosen = set(np.random.default_rng(seed).permutation(n)[:k].tolist())
    assert kept.x.tolist() == [1.5 * i for i in range(n) if i not in chosen]
    if held is not None:
        assert held.x.tolist() == [1.5 * i for i in sorted(chosen)]


def test_holdout_recipe_trains_on_the_rest_and_says_so():
    r = Recipe("range", start=0, stop=40, holdout=0.25, seed=9)
    held = np.random.default_rng(9).permutation(40)[:10]
    assert sorted(r.validation().x.tolist()) == sorted(float(i) for i in held)
    assert r.build().n == r.size == 30 and r.size_drawn == 40
    assert "10 of the 40 samples held out" in r.validation_note()
    assert Recipe("range").validation() is None and not Recipe("range").has_validation
    assert "No validation set" in Recipe("range").validation_note()
    assert "second draw" in Recipe().validation_note()
    rows, _, _ = notebook(
        r.build().x, r.build().y, r.validation().x, r.validation().y, lr=0.01, epochs=20
    )
    tr = train(r.build(), 1.5, lr=0.01, epochs=20, val=r.validation())
    assert epoch_rows(tr) == [EpochRow(*row) for row in rows]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"holdout": 0.1}, "holdout is not used by kind='parity'"),
        ({"kind": "range", "holdout": 0.6}, r"holdout must be in \[0, 0.5\]"),
    ],
)
def test_bad_holdout_is_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Recipe(**kwargs)


# --- Loss choice ------------------------------------------------------------------------

PLAIN_LOSS = {
    "mse": lambda: torch.nn.MSELoss(),
    "l1": lambda: torch.nn.L1Loss(),
    "huber": lambda: torch.nn.HuberLoss(),
    "bce": lambda: torch.nn.BCELoss(),
}


@pytest.mark.parametrize("loss", LOSSES)
def test_each_loss_replays_the_plain_loop(loss):
    tx, ty, vx, vy = question_draws(1)
    rows, weights, _ = notebook(tx, ty, vx, vy, epochs=60, criterion=PLAIN_LOSS[loss]())
    r = Recipe(seed=1)
    tr = train(r.build(), 1.5, epochs=60, loss=loss, val=r.validation())
    assert tr.w[1:].tolist() == weights
    assert epoch_rows(tr) == [EpochRow(*row) for row in rows]
    assert tr.batch_loss.tolist() == [row[1] for row in rows]


def test_float32_loss_and_grad_are_the_criterions_autograd():
    data = range_data(0, 30)
    for loss in LOSSES:
        tr = train(data, 1.3, lr=0.01, epochs=3, loss=loss)
        for k in (0, 3):
            net = Net(float(tr.w[k]))
            value = PLAIN_LOSS[loss]()(net(as_column(data.x)), as_column(data.y))
            value.backward()
            assert tr.float32_loss[k] == value.item()
            assert tr.float32_grad[k] == net.fc1.weight.grad.item()


@pytest.mark.parametrize("loss", LOSSES)
def test_mini_batch_full_data_loss_matches_the_criterion(loss):
    data = range_data(0, 50)
    tr = train(data, 1.5, lr=0.01, epochs=2, batch_size=16, loss=loss)
    for k in range(tr.steps + 1):
        net = Net(float(tr.w[k]))
        value = PLAIN_LOSS[loss]()(net(as_column(data.x)), as_column(data.y))
        value.backward()
        # Many weights per pass: the sums may round differently in the last bits.
        assert tr.float32_loss[k] == pytest.approx(value.item(), rel=1e-6, abs=1e-7)
        assert tr.float32_grad[k] == pytest.approx(net.fc1.weight.grad.item(), rel=1e-5, abs=1e-6)


def test_huber_delta_reaches_torch():
    tx, ty, _, _ = question_draws(0, size=300)
    criterion = torch.nn.HuberLoss(delta=0.25)
    _, weights, _ = notebook(tx, ty, lr=0.01, epochs=40, criterion=criterion)
    data = Dataset(tx, ty)
    tr = train(data, 1.5, lr=0.01, epochs=40, loss="huber", delta=0.25)
    assert tr.w[1:].tolist() == weights
    assert tr.settings.criterion == Criterion("huber", 0.25)


def test_bce_clamps_the_log_at_minus_100():
    # w = 0: sin^2(0 x) = 0 for every x, so each odd sample costs -log(0) -> 100.
    data = Dataset([1.0, 2.0, 3.0], [1.0, 0.0, 1.0])
    tr = train(data, 0.0, lr=1e-3, epochs=1, loss="bce")
    assert tr.float32_loss[0] == np.float32(200.0 / 3.0)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"loss": "cross"}, "loss must be one of mse, l1, huber, bce"),
        ({"loss": "mse", "delta": 0.5}, "delta applies to loss 'huber' only"),
        ({"loss": "huber", "delta": 0.0}, r"delta must be finite and in \(0, 1000\]"),
    ],
)
def test_bad_loss_arguments_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        train(range_data(0, 6), 1.5, **kwargs)


def test_bce_refuses_labels_outside_0_1():
    noisy = Dataset([1.0, 2.0], [1.2, 0.0])
    with pytest.raises(ValueError, match=r"data: loss 'bce' needs every label y in \[0, 1\]"):
        train(noisy, 1.5, loss="bce")
    with pytest.raises(ValueError, match=r"val: loss 'bce' needs"):
        train(range_data(0, 6), 1.5, loss="bce", val=noisy)
    train(noisy, 1.5, loss="mse", epochs=1)  # other losses take any label


# --- Schedules ---------------------------------------------------------------------------

PLAIN_SCHEDULE = {
    "step": lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5),
    "exp": lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.9),
    "cosine": lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=30),
}
ENGINE_SCHEDULE = {
    "step": {"schedule": "step", "step_size": 3, "gamma": 0.5},
    "exp": {"schedule": "exp", "gamma": 0.9},
    "cosine": {"schedule": "cosine"},
}


@pytest.mark.parametrize("name", sorted(PLAIN_SCHEDULE))
@pytest.mark.parametrize("batch_size", [None, 100], ids=["full", "mini"])
def test_each_schedule_replays_the_plain_loop(name, batch_size):
    tx, ty, vx, vy = question_draws(4, size=300)
    rows, weights, lrs = notebook(
        tx, ty, vx, vy, lr=2e-3, epochs=30, scheduler=PLAIN_SCHEDULE[name], batch_size=batch_size
    )
    r = Recipe(n=300, high=300, seed=4)
    tr = train(
        r.build(),
        1.5,
        lr=2e-3,
        epochs=30,
        batch_size=batch_size,
        seed=0,
        val=r.validation(),
        **ENGINE_SCHEDULE[name],
    )
    assert tr.w[1:].tolist() == weights
    assert tr.lr.tolist() == lrs
    assert epoch_rows(tr) == [EpochRow(*row) for row in rows]


def test_schedule_with_adam_replays_the_plain_loop():
    tx, ty, _, _ = question_draws(0, size=200)
    _, weights, lrs = notebook(
        tx,
        ty,
        epochs=25,
        optimizer=lambda p: torch.optim.Adam(p, lr=0.01),
        scheduler=PLAIN_SCHEDULE["cosine"],
    )
    tr = train(Dataset(tx, ty), 1.5, optimizer="adam", lr=0.01, epochs=25, schedule="cosine")
    # T_max = epochs: the plain loop's T_max=30 over 25 epochs differs.
    assert tr.lr.tolist() != lrs
    _, weights, lrs = notebook(
        tx,
        ty,
        epochs=25,
        optimizer=lambda p: torch.optim.Adam(p, lr=0.01),
        scheduler=lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=25),
    )
    assert tr.w[1:].tolist() == weights and tr.lr.tolist() == lrs


def test_no_schedule_keeps_the_rate():
    tr = train(range_data(0, 6), 1.5, lr=0.1, epochs=5)
    assert tr.lr.tolist() == [0.1] * 5
    assert tr.settings.schedule == Schedule()


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"schedule": "linear"}, "schedule must be one of none, step, exp, cosine"),
        ({"schedule": "exp", "gamma": 0.0}, r"gamma must be finite and in \(0, 1\]"),
        ({"schedule": "exp", "step_size": 4}, "schedule 'exp' takes no step_size"),
        ({"schedule": "cosine", "gamma": 0.5}, "schedule 'cosine' takes no gamma"),
        ({"schedule": "step", "step_size": 0}, r"step_size must be"),
    ],
)
def test_bad_schedule_arguments_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        train(range_data(0, 6), 1.5, **kwargs)


def test_schedule_source_is_the_torch_call():
    assert Schedule().source(100) is None
    assert (
        Schedule("step", 0.5, 3).source(100)
        == "torch.optim.lr_scheduler.StepLR(optimizer, step_size=3, gamma=0.5)"
    )
    assert (
        Schedule("cosine").source(40)
        == "torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=40)"
    )
    assert set(SCHEDULES) == {"none", *PLAIN_SCHEDULE}
    with pytest.raises(ValueError, match="identifier"):
        Schedule("exp", 0.9).source(10, "opt; import os")


def test_criterion_source_is_the_torch_call():
    assert Criterion().source() == "torch.nn.MSELoss()"
    assert Criterion("huber", 0.5).source() == "torch.nn.HuberLoss(delta=0.5)"
    assert Criterion("bce").source() == "torch.nn.BCELoss()"


# --- Divergence ---------------------------------------------------------------------------


@pytest.mark.parametrize("batch_size", [None, 3])
def test_diverged_run_keeps_completed_epochs_only(batch_size):
    # lr x weight_decay = 100: w grows ~99-fold per step and overflows float32.
    data = range_data(0, 10)
    tr = train(data, 1.5, lr=10.0, weight_decay=10.0, batch_size=batch_size, val=data)
    assert tr.diverged
    per_epoch = 1 if batch_size is None else 4
    done = tr.steps // per_epoch
    assert tr.epoch_states.tolist() == [e * per_epoch for e in range(done + 1)]
    assert tr.val_loss.size == done + 1 and np.all(np.isfinite(tr.val_loss))
    assert len(epoch_rows(tr)) == done
