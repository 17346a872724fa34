"""Replay the question's training run, step for step, in float32 PyTorch.

The model is the question's own: ``nn.Linear(1, 1, bias=False)`` followed by
``sin(.)**2``, trained with ``nn.MSELoss`` (or another stock ``torch.nn`` loss of
:mod:`landscape.criteria`), a stock ``torch.optim`` optimizer and optionally a
``torch.optim.lr_scheduler`` schedule of :mod:`landscape.schedule`. Given a
validation set, it evaluates the validation loss after every epoch as the
question's notebook does.
On the question's setup the weights returned by :func:`train` are bit-identical
to those that the question's script collects. The loss landscape is chaotic for
gradient descent (two starts 1e-7 apart separate by 1e-3 within five steps), so
anything short of the very same float32 operations in the very same order would
drift away from the user's numbers after a dozen steps.

Bit-exactness holds for a given torch build, CPU and torch thread count. The
weight's gradient is summed by MKL's sgemm in the backward pass of
``nn.Linear``, and its summation order depends on the number of threads even
at N = 1000: the question's run with 1 and with 2 threads parts at step 15
(weights in [1.415, 1.511] and [1.485, 1.533] respectively). This module
leaves the thread count to the caller; a replay matches a script run with
the same ``torch.get_num_threads()``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader

from .checks import check_int, check_real
from .criteria import HUBER_DELTA, Criterion
from .data import Dataset, readonly
from .optim import OptimizerSpec
from .schedule import DEFAULT_GAMMA, DEFAULT_STEP_SIZE, Schedule

#: torch's intra-op thread count for runs that must match the question's script
#: bit for bit, in the app and in generated scripts. On some CPUs MKL rounds the
#: weight gradient (the float32 dot product in the backward pass of
#: ``nn.Linear``) differently with one thread than with several, and the
#: question's run parts at step 15. One thread is pinned: no sum is split by
#: thread count at any N, so a script run gives the app's weights on any CPU
#: whose MKL kernel rounds as the server's does; on the server (AMD EPYC, MKL
#: 2024.2) 1 and 2 threads agree on every setup of ``bench/threads.py``, and a
#: step costs a third of the CPU (0.076 s vs 0.241 s per 1000 steps).
TORCH_THREADS = 1

#: Most epochs accepted.
MAX_EPOCHS = 100_000
#: Most optimizer steps (epochs x batches per epoch) accepted.
MAX_STEPS = 200_000
#: Largest ``|w0|`` accepted.
MAX_ABS_W0 = 1e3
#: Largest seed accepted (``torch.Generator.manual_seed`` takes 64 bits; we keep 63).
MAX_SEED = 2**63 - 1

# Elements per chunk of the vectorised full-data evaluation of a mini-batch
# run: a few MB per intermediate tensor keeps it in cache-friendly territory.
_EVAL_CHUNK_ELEMENTS = 1 << 18


@dataclass(frozen=True)
class TrainSettings:
    """Everything, besides the data, that determines a :class:`Trajectory`.

    ``optimizer`` holds the optimizer's name, ``lr`` and other hyperparameters;
    ``criterion`` the ``torch.nn`` loss; ``schedule`` the learning-rate
    schedule, stepped once per epoch; ``validate`` whether the run evaluated a
    validation set after every epoch (the data's; see
    :meth:`landscape.data.Recipe.validation`).
    """

    optimizer: OptimizerSpec
    epochs: int
    batch_size: int | None
    seed: int
    w0: float
    criterion: Criterion = field(default_factory=Criterion)
    schedule: Schedule = field(default_factory=Schedule)
    validate: bool = False

    def steps_per_epoch(self, n: int) -> int:
        """Optimizer steps per epoch on ``n`` samples: 1 full batch, else ``ceil(n / batch_size)``."""
        return 1 if self.batch_size is None else -(-n // self.batch_size)

    def batches(
        self, x: torch.Tensor, y: torch.Tensor
    ) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """Each step's ``(inputs, targets)``, every epoch in turn.

        Parameters
        ----------
        x, y : Tensor, shape (N, 1)
            The float32 training columns (:func:`float32_column`).

        Returns
        -------
        iterator of (Tensor, Tensor)
            ``(x, y)`` itself once per epoch for a full-batch run; otherwise
            the :func:`shuffled_batches` of ``batch_size`` and ``seed``.
        """
        if self.batch_size is None:
            return ((x, y) for _ in range(self.epochs))
        return shuffled_batches(x, y, self.batch_size, self.epochs, self.seed)


@dataclass(frozen=True, eq=False)
class Trajectory:
    """A training run: the weight, loss and gradient after every optimizer step.

    State ``k`` is the model after ``k`` optimizer steps. All arrays are
    read-only float64 numpy arrays holding float32 values exactly.

    Attributes
    ----------
    w : ndarray, shape (steps + 1,)
        ``w[k]`` is ``net.fc1.weight.item()`` after ``k`` steps; ``w[0]`` is
        ``w0`` rounded to float32.
    float32_loss : ndarray, shape (steps + 1,)
        Full-data float32 loss at ``w[k]`` (the run's ``torch.nn`` loss; for
        MSE :math:`L(w) = \\frac{1}{N}\\sum_i (\\sin^2(w x_i) - y_i)^2`).
        For a full-batch run ``float32_loss[k]`` (k < steps) is the ``loss.item()`` of
        the forward pass of step ``k + 1`` itself.
    float32_grad : ndarray, shape (steps + 1,)
        Full-data float32 autograd gradient of that loss at ``w[k]``; for MSE
        :math:`\\frac{dL}{dw} = \\frac{1}{N}\\sum_i 2(\\sin^2(w x_i) - y_i)\\sin(2 w x_i)\\,x_i`.
        It excludes weight decay, which the optimizers add internally.
    batch_loss, batch_grad : ndarray, shape (steps,)
        Loss and gradient of the batch that step ``k + 1`` used, at ``w[k]``:
        what the optimizer actually saw. Equal to ``float32_loss[:-1]``, ``float32_grad[:-1]``
        for a full-batch run.
    lr : ndarray, shape (steps,)
        The learning rate step ``k + 1`` used (``param_groups[0]["lr"]``):
        constant without a schedule.
    epoch_states : ndarray of int, shape (epochs_done + 1,)
        The state after each completed epoch, from 0: ``e * steps_per_epoch``.
    val_loss : ndarray, shape (epochs_done + 1,), or None
        With a validation set: ``criterion(net(val_x), val_y).item()`` under
        ``torch.no_grad()`` at each state of ``epoch_states`` (the question's
        notebook prints it after each epoch's step; state 0 is added). None
        without one.
    settings : TrainSettings
        The arguments that produced the run.
    diverged : bool
        True when the run hit a non-finite number and was cut short.
    diverged_at : int or None
        For a diverged run, the first state ``k`` that had a non-finite
        weight, loss or gradient (full-data, or the batch's that step
        ``k + 1`` would use). The arrays keep states ``0 .. k - 1`` only, so
        ``len(w) == diverged_at`` and every stored value is finite.
    """

    w: np.ndarray
    float32_loss: np.ndarray
    float32_grad: np.ndarray
    batch_loss: np.ndarray
    batch_grad: np.ndarray
    lr: np.ndarray
    epoch_states: np.ndarray
    val_loss: np.ndarray | None
    settings: TrainSettings
    diverged: bool
    diverged_at: int | None

    @property
    def steps(self) -> int:
        """Number of optimizer steps recorded (fewer than planned if diverged)."""
        return int(self.w.size) - 1


class Net(nn.Module):
    """The question's model, kept verbatim so that its float32 arithmetic is too.

    ``sin(fc1(x))**2`` with ``fc1 = nn.Linear(1, 1, bias=False)`` filled with
    ``w0``; with ``b0`` given, ``fc1`` has a bias filled with it (the plane's
    ``"w,b"`` model). The one forward pass of the replay, the plane's replay and
    :func:`landscape.accuracy.predict`.
    """

    def __init__(self, w0: float, b0: float | None = None) -> None:
        super().__init__()
        self.fc1 = nn.Linear(1, 1, bias=b0 is not None)
        with torch.no_grad():
            self.fc1.weight.data.fill_(w0)
            if b0 is not None:
                self.fc1.bias.data.fill_(b0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.fc1(x)
        return torch.sin(x) ** 2


def check_run(
    data: Dataset,
    w0: float,
    *,
    optimizer: str = "sgd",
    lr: float = 4e-4,
    epochs: int = 100,
    batch_size: int | None = None,
    momentum: float = 0.0,
    nesterov: bool = False,
    betas: tuple[float, float] = (0.9, 0.999),
    weight_decay: float = 0.0,
    seed: int = 0,
) -> TrainSettings:
    """Check the start, optimizer and batching of a replay; the defaults are the question's.

    The options that :func:`train` and
    :func:`landscape.plane_train.train_plane` share, each rule stated once.

    Parameters
    ----------
    data : Dataset
        Training samples.
    w0 : float
        Initial weight, ``|w0| <= MAX_ABS_W0``; rounded to float32 by the model.
    optimizer : {"sgd", "adam", "adamw", "rmsprop", "adagrad"}
        The ``torch.optim`` class to use, built by
        :meth:`landscape.optim.OptimizerSpec.build`: called with ``lr`` and only
        those of ``momentum``, ``nesterov``, ``betas``, ``weight_decay`` that
        differ from that class's defaults, as a user would call it. Note that
        ``weight_decay=0.0`` with ``"adamw"`` means no decay, whereas
        ``torch.optim.AdamW(params, lr=lr)`` decays by 0.01: pass 0.01 to
        replay that.
    lr, momentum, nesterov, betas, weight_decay
        The optimizer's hyperparameters, in the ranges of
        :class:`landscape.optim.OptimizerSpec`: ``lr`` in ``(0, MAX_LR]``,
        ``momentum`` in ``[0, 1)`` (sgd and rmsprop), ``nesterov`` (sgd with
        ``momentum > 0``), each of ``betas`` in ``[0, 1)`` (adam and adamw),
        ``weight_decay`` in ``[0, MAX_WEIGHT_DECAY]``. A hyperparameter the
        optimizer does not take must keep its default.
    epochs : int
        Passes over the data, in ``[1, MAX_EPOCHS]``.
    batch_size : int or None
        None for full batch (one step per epoch). Otherwise ``1 <= batch_size
        <= N``: each epoch visits the batches of ``DataLoader(TensorDataset(x,
        y), batch_size, shuffle=True, generator=torch.Generator().manual_seed(seed))``
        (one generator for the whole run, last batch possibly smaller), one
        step per batch. ``epochs * ceil(N / batch_size) <= MAX_STEPS``.
    seed : int
        In ``[0, 2**63 - 1]``; seeds the mini-batch shuffling (unused for full batch).

    Returns
    -------
    TrainSettings
        The checked values in their canonical types, with the default
        criterion (MSE), no schedule and ``validate=False``.

    Raises
    ------
    ValueError
        For an argument outside its range, naming it and the range.

    Notes
    -----
    Cost: O(1); no tensor is built.
    """
    if not isinstance(data, Dataset):
        raise ValueError(f"data must be a landscape.data.Dataset, got {type(data).__name__}")
    spec = OptimizerSpec(
        optimizer,
        lr,
        momentum=momentum,
        nesterov=nesterov,
        betas=betas,
        weight_decay=weight_decay,
    )
    w0 = check_real("w0", w0, -MAX_ABS_W0, MAX_ABS_W0)
    epochs = check_int("epochs", epochs, 1, MAX_EPOCHS)
    if batch_size is not None:
        batch_size = check_int("batch_size", batch_size, 1, data.n)
    seed = check_int("seed", seed, 0, MAX_SEED)
    settings = TrainSettings(optimizer=spec, epochs=epochs, batch_size=batch_size, seed=seed, w0=w0)
    steps = epochs * settings.steps_per_epoch(data.n)
    if steps > MAX_STEPS:
        raise ValueError(
            f"epochs x batches per epoch must be at most {MAX_STEPS}: epochs="
            f"{epochs} with batch_size={batch_size} on N={data.n} gives "
            f"{steps} steps; lower epochs or raise batch_size"
        )
    return settings


def _check_val(val: object, criterion: Criterion) -> None:
    if val is None:
        return
    if not isinstance(val, Dataset):
        raise ValueError(f"val must be a landscape.data.Dataset or None, got {type(val).__name__}")
    try:
        criterion.check_labels(val.y)
    except ValueError as exc:
        # check_labels names "data"; these labels are val's.
        raise ValueError(f"val{str(exc)[4:]}") from None


def _full_data_eval(
    x: torch.Tensor, y: torch.Tensor, ws: list[float], criterion: Criterion
) -> tuple[list[float], list[float]]:
    """Float32 loss and autograd gradient at each weight, many weights per pass.

    One (K, N) product ``W x^T`` performs the same float32 multiplications as
    K separate ``nn.Linear`` calls; the per-sample losses are the criterion's
    (``reduction="none"``); the mean and the gradient's sum may round
    differently from the module's in the last bits.
    """
    xt, yt = x.reshape(1, -1), y.reshape(1, -1)
    per_sample = criterion.build(reduction="none")
    chunk = max(1, _EVAL_CHUNK_ELEMENTS // x.shape[0])
    losses: list[float] = []
    grads: list[float] = []
    for i in range(0, len(ws), chunk):
        W = torch.tensor(ws[i : i + chunk], dtype=torch.float32).reshape(-1, 1)
        W.requires_grad_(True)
        p = torch.sin(W @ xt) ** 2
        loss = per_sample(p, yt.expand_as(p)).mean(dim=1)
        loss.sum().backward()
        losses.extend(loss.detach().tolist())
        grads.extend(W.grad.reshape(-1).tolist())
    return losses, grads


def _first_nonfinite(values: list[float]) -> int:
    bad = np.flatnonzero(~np.isfinite(np.asarray(values, dtype=np.float64)))
    return int(bad[0]) if bad.size else len(values)


def train(
    data: Dataset,
    w0: float,
    *,
    loss: str = "mse",
    delta: float = HUBER_DELTA,
    schedule: str = "none",
    gamma: float = DEFAULT_GAMMA,
    step_size: int = DEFAULT_STEP_SIZE,
    val: Dataset | None = None,
    progress: Callable[[int, int], None] | None = None,
    **options: Any,
) -> Trajectory:
    """Train ``x -> sin(w x)**2`` on ``data`` exactly as the question's script does.

    Each step is the script's ``zero_grad(); loss = MSELoss()(net(x), y);
    loss.backward(); step()`` on ``float32`` tensors built with
    ``torch.tensor(x, dtype=torch.float32).reshape(-1, 1)``, where ``net`` is
    ``Linear(1, 1, bias=False)`` filled with ``w0``, then ``sin(.)**2``. The
    loss and its gradient are

    .. math::

        L(w) = \\frac{1}{N}\\sum_i (\\sin^2(w x_i) - y_i)^2, \\qquad
        \\frac{dL}{dw} = \\frac{1}{N}\\sum_i 2(\\sin^2(w x_i) - y_i)\\sin(2 w x_i)\\,x_i .

    Parameters
    ----------
    data : Dataset
        Training samples.
    w0 : float
        Initial weight, in the range of :func:`check_run`.
    loss : {"mse", "l1", "huber", "bce"}
        The ``torch.nn`` loss, built by :meth:`landscape.criteria.Criterion.build`
        (``MSELoss()``, ``L1Loss()``, ``HuberLoss(delta=delta)``, ``BCELoss()``);
        each step's ``loss = criterion(net(xb), yb)`` is that module's. "bce"
        needs every label (of ``data`` and ``val``) in [0, 1].
    delta : float
        Huber's delta in ``(0, MAX_DELTA]`` (torch's default 1.0); "huber" only.
    schedule : {"none", "step", "exp", "cosine"}
        A ``torch.optim.lr_scheduler`` class (:class:`landscape.schedule.Schedule`:
        ``StepLR(opt, step_size, gamma)``, ``ExponentialLR(opt, gamma)``,
        ``CosineAnnealingLR(opt, T_max=epochs)``), built after the optimizer and
        stepped once after each epoch's last optimizer step, as a plain script does.
    gamma : float
        Decay factor in ``(0, 1]`` of "step" and "exp" (default 0.1, StepLR's).
    step_size : int
        Epochs per decay of "step", in ``[1, MAX_STEP_SIZE]`` (default 10).
    val : Dataset, optional
        A validation set. After each epoch (after its last optimizer step and
        before the schedule's step) the run records ``criterion(net(val_x),
        val_y).item()`` under ``torch.no_grad()``, with ``val_x, val_y`` built
        as the training tensors are: exactly the question's notebook's
        ``val_loss``. Also recorded at state 0.
    progress : callable, optional
        Called as ``progress(done, total)`` with the optimizer steps done and
        planned: once before the first step (``done = 0``), then about every 1%
        of the steps. It sees no tensors, so it cannot change the result; an
        exception it raises (a UI's cancellation) propagates.
    **options
        The optimizer, its hyperparameters and the batching: ``optimizer``,
        ``lr``, ``epochs``, ``batch_size``, ``momentum``, ``nesterov``,
        ``betas``, ``weight_decay``, ``seed``, with the meanings, defaults (the
        question's full-batch SGD) and ranges of :func:`check_run`.

    Returns
    -------
    Trajectory
        Weights, full-data losses and gradients at every step. A run that
        meets a non-finite value stops there and is marked ``diverged``;
        divergence is a result, not an error.

    Raises
    ------
    ValueError
        For an argument outside its range (the message names it and the
        range), or data whose float32 loss at ``w0`` is not finite (``|y|``
        too large for float32).

    Notes
    -----
    Cost: one forward and backward pass over the batch plus one optimizer step
    per step, about 0.25 ms per step at N = 1000 on a 2-core CPU, i.e. ~25 ms
    for the question's 100 full-batch epochs, plus one forward/backward pass
    for the final state; a validation set adds one forward pass over it per
    epoch (about +30% at N = 1000 full batch). The first call in a process also pays ~1 s for
    torch.optim's lazy import of ``torch._dynamo``. With two torch threads on
    a busy machine, MKL's spin-waiting threads can make each step ~10x slower.
    A mini-batch run adds ~1 us per sample per epoch for the DataLoader's
    shuffling, and evaluates the full-data loss and gradient at every state
    afterwards, vectorised over weights: O(steps x N) float32 work, ~20 us per
    state at N = 1000.

    The result is bit-exact for the caller's torch thread count (see the
    module docstring). The function leaves global state alone: it does not set torch's thread
    count, and it restores torch's global RNG, which ``nn.Linear``'s random
    initialisation would otherwise advance.
    """
    s = replace(
        check_run(data, w0, **options),
        criterion=Criterion(loss, delta),
        schedule=Schedule(schedule, gamma, step_size),
        validate=val is not None,
    )
    s.criterion.check_labels(data.y)
    _check_val(val, s.criterion)
    per_epoch = s.steps_per_epoch(data.n)
    planned = s.epochs * per_epoch
    every = max(1, planned // 100)
    if progress is not None:
        progress(0, planned)
    x, y = float32_column(data.x), float32_column(data.y)
    with torch.random.fork_rng(devices=[]), torch.enable_grad():
        net = Net(s.w0)
        weight = net.fc1.weight
        criterion = s.criterion.build()
        opt = s.optimizer.build(net.parameters())
        scheduler = s.schedule.build(opt, s.epochs)
        group = opt.param_groups[0]
        validate = _validation(net, criterion, val)
        val_loss = [] if validate is None else [validate()]
        w = [weight.item()]
        batch_loss: list[float] = []
        batch_grad: list[float] = []
        step_lr: list[float] = []
        stopped = False
        for xb, yb in s.batches(x, y):
            opt.zero_grad()
            value = criterion(net(xb), yb)
            value.backward()
            bl, bg = value.item(), weight.grad.item()
            if not (math.isfinite(bl) and math.isfinite(bg)):
                # w[-1] is finite but cannot be stepped from: drop it too, so
                # that every kept state has its batch loss and gradient.
                w.pop()
                stopped = True
                break
            batch_loss.append(bl)
            batch_grad.append(bg)
            step_lr.append(group["lr"])
            opt.step()
            wk = weight.item()
            if not math.isfinite(wk):
                stopped = True
                break
            w.append(wk)
            if len(batch_loss) % per_epoch == 0:
                # The notebook's order: the epoch's steps, its validation loss,
                # then (a plain script's place for it) the schedule's step.
                if validate is not None:
                    val_loss.append(validate())
                if scheduler is not None:
                    scheduler.step()
            if progress is not None and len(batch_loss) % every == 0:
                progress(len(batch_loss), planned)

        if s.batch_size is None:
            full_loss, full_grad = batch_loss[: len(w)], batch_grad[: len(w)]
            if not stopped:
                opt.zero_grad()
                value = criterion(net(x), y)
                value.backward()
                full_loss.append(value.item())
                full_grad.append(weight.grad.item())
        else:
            full_loss, full_grad = _full_data_eval(x, y, w, s.criterion)

    n = min(_first_nonfinite(full_loss), _first_nonfinite(full_grad), len(w))
    if n == 0:
        raise ValueError(
            f"data: the float32 loss or gradient at w0={s.w0!r} is not finite; "
            f"|y| up to {np.abs(data.y).max():g} is too large for float32"
        )
    diverged = n < planned + 1
    epochs_done = (n - 1) // per_epoch
    return Trajectory(
        w=readonly(w[:n]),
        float32_loss=readonly(full_loss[:n]),
        float32_grad=readonly(full_grad[:n]),
        batch_loss=readonly(batch_loss[: n - 1]),
        batch_grad=readonly(batch_grad[: n - 1]),
        lr=readonly(step_lr[: n - 1]),
        epoch_states=_readonly_ints(np.arange(epochs_done + 1) * per_epoch),
        val_loss=None if validate is None else readonly(val_loss[: epochs_done + 1]),
        settings=s,
        diverged=diverged,
        diverged_at=n if diverged else None,
    )


def float32_column(values: np.ndarray) -> torch.Tensor:
    """The question's conversion ``torch.tensor(x, dtype=torch.float32).reshape(-1, 1)``.

    Parameters
    ----------
    values : ndarray, shape (N,)
        Inputs or labels, float64.

    Returns
    -------
    Tensor, shape (N, 1)
        ``values`` rounded to float32, one sample a row.
    """
    return torch.tensor(values, dtype=torch.float32).reshape(-1, 1)


def _readonly_ints(values: np.ndarray) -> np.ndarray:
    out = np.asarray(values, dtype=np.int64)
    out.setflags(write=False)
    return out


def _validation(
    net: nn.Module, criterion: nn.Module, val: Dataset | None
) -> Callable[[], float] | None:
    """The notebook's validation loss as a function of the model's current weight."""
    if val is None:
        return None
    vx, vy = float32_column(val.x), float32_column(val.y)

    def validate() -> float:
        # net.eval() is a no-op for this model (no dropout, no batch norm).
        with torch.no_grad():
            return criterion(net(vx), vy).item()

    return validate


def shuffled_batches(
    x: torch.Tensor, y: torch.Tensor, batch_size: int, epochs: int, seed: int
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """The mini-batches of ``epochs`` passes of a shuffling ``DataLoader``, in its order.

    Parameters
    ----------
    x, y : Tensor, shape (N, 1)
        Inputs and targets.
    batch_size : int
        Samples per batch, ``1 <= batch_size <= N``; each epoch's last batch
        holds the ``N mod batch_size`` left over, if any.
    epochs : int
        Passes over the data.
    seed : int
        Seed of the one ``torch.Generator`` that shuffles every epoch.

    Returns
    -------
    iterator of (Tensor, Tensor)
        ``(x[idx], y[idx])`` for the index batches of ``DataLoader(
        TensorDataset(x, y), batch_size, shuffle=True,
        generator=torch.Generator().manual_seed(seed))``, epoch after epoch:
        the very float32 values that loader would stack. ~1 us per sample per
        epoch.
    """
    # The batch order of DataLoader(TensorDataset(x, y), shuffle=True,
    # generator=g) depends only on len(dataset) and g, so a loader over
    # range(N) yields the same index batches without fetching and stacking
    # samples one by one (~3.5 us each); x[idx] holds the same float32 values
    # as the stacked samples.
    loader = DataLoader(
        range(x.shape[0]),
        batch_size=batch_size,
        shuffle=True,
        generator=torch.Generator().manual_seed(seed),
    )
    for _ in range(epochs):
        for idx in loader:
            yield x[idx], y[idx]
