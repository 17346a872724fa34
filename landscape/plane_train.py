"""Replay a two-parameter run in float32 PyTorch: ``sin^2(w x + b)`` or ``a sin^2(w x)``.

The same loop as :func:`landscape.train.train` (``zero_grad(); loss =
MSELoss()(net(x), y); loss.backward(); step()``, full batch or the shuffled
mini-batches of a seeded ``DataLoader``), with the question's model given a
second parameter: the bias of ``nn.Linear(1, 1, bias=True)``, or an amplitude
``nn.Parameter`` multiplying ``sin(.)**2``. Bit-exact against a plain loop
written that way, for the caller's torch thread count (see
:data:`landscape.train.TORCH_THREADS`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from .accuracy import Verdict, agrees
from .data import Dataset, readonly
from .plane import MODEL_AMPLITUDE, MODEL_BIAS, check_model, check_p
from .train import Net, TrainSettings, check_run, float32_column


class _AmplitudeNet(Net):
    """``a * sin(fc1(x))**2`` with the question's ``fc1`` and a scalar ``nn.Parameter`` a."""

    def __init__(self, w0: float, a0: float) -> None:
        super().__init__(w0)
        self.a = nn.Parameter(torch.tensor(a0, dtype=torch.float32))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.a * super().forward(x)


#: The replay's network of each two-parameter model, built from (w0, p0).
_NETS: dict[str, Callable[[float, float], nn.Module]] = {
    MODEL_BIAS: Net,
    MODEL_AMPLITUDE: _AmplitudeNet,
}


def plane_verdict(data: Dataset, model: str, w: float, p: float) -> Verdict:
    """Whether ``(w, p)`` solves the task: the model's float32 outputs against the labels.

    The forward pass is the replay's own network (``nn.Linear(1, 1,
    bias=True)`` filled with ``w`` and ``b = p``, or the question's layer with
    amplitude ``a = p``); a sample is classified when its output and its label
    lie on the same side of 1/2 (:func:`landscape.accuracy.agrees`).

    Raises
    ------
    ValueError
        If ``model`` is not one of ``"w,b"``, ``"w,a"``.
    """
    if model not in _NETS:
        raise ValueError(f"model must be one of {', '.join(map(repr, _NETS))}, got {model!r}")
    net = _NETS[model](float(w), float(p))
    with torch.no_grad():
        out = net(float32_column(data.x)).reshape(-1).double().numpy()
    return Verdict(float(w), int(np.count_nonzero(agrees(out, data.y))), data.n)


@dataclass(frozen=True, eq=False)
class PlaneTrajectory:
    """A two-parameter run: w and the second parameter p (b or a) after every step.

    Attributes
    ----------
    model : {"w,b", "w,a"}
    w, p : ndarray, shape (steps + 1,)
        ``net.fc1.weight.item()`` and ``net.fc1.bias.item()`` (or ``net.a.item()``)
        after k steps; ``w[0]``, ``p[0]`` are the starts rounded to float32.
    batch_loss : ndarray, shape (steps,)
        ``loss.item()`` of the batch that step k + 1 used (the full data for a
        full-batch run): what torch reported, float32.
    settings : TrainSettings
    p0 : float
    diverged : bool
        True when a non-finite loss, gradient or parameter cut the run short.
    """

    model: str
    w: np.ndarray
    p: np.ndarray
    batch_loss: np.ndarray
    settings: TrainSettings
    p0: float
    diverged: bool

    @property
    def steps(self) -> int:
        """Optimizer steps recorded."""
        return int(self.w.size) - 1


def train_plane(
    data: Dataset,
    model: str,
    w0: float,
    p0: float,
    *,
    progress: Callable[[int, int], None] | None = None,
    **options: Any,
) -> PlaneTrajectory:
    """Train ``sin^2(w x + b)`` (``model="w,b"``) or ``a sin^2(w x)`` (``"w,a"``) in float32.

    The arguments and their ranges are those of :func:`landscape.train.train`
    (MSE loss, no schedule; ``**options`` as :func:`landscape.train.check_run`
    takes them), plus the model and the start ``p0`` of its second parameter
    (b0 or a0, ``|p0| <= MAX_ABS_P``). The optimizer
    (:meth:`landscape.optim.OptimizerSpec.build`) gets ``net.parameters()``:
    (weight, bias), or (a, weight), as a module registers its own parameter
    before its submodule's.

    Returns
    -------
    PlaneTrajectory
        A run that meets a non-finite value stops before it and is marked
        ``diverged``.

    Raises
    ------
    ValueError
        For an argument outside its range, naming it.

    Notes
    -----
    Cost: one forward and backward pass over the batch and one optimizer
    step per step, as :func:`landscape.train.train` (~0.25 ms per step at
    N = 1000). Torch's global RNG is left as it was.
    """
    model = check_model(model)
    s = check_run(data, w0, **options)
    p0 = check_p("b0" if model == MODEL_BIAS else "a0", p0)
    planned = s.epochs * s.steps_per_epoch(data.n)
    every = max(1, planned // 100)
    if progress is not None:
        progress(0, planned)
    x, y = float32_column(data.x), float32_column(data.y)
    with torch.random.fork_rng(devices=[]), torch.enable_grad():
        net = _NETS[model](s.w0, p0)
        weight = net.fc1.weight
        second = net.fc1.bias if model == MODEL_BIAS else net.a
        criterion = nn.MSELoss()
        opt = s.optimizer.build(net.parameters())
        w, p, losses = [weight.item()], [second.item()], []
        diverged = False
        for xb, yb in s.batches(x, y):
            opt.zero_grad()
            loss = criterion(net(xb), yb)
            loss.backward()
            grads = (weight.grad.item(), second.grad.item())
            if not all(map(math.isfinite, (loss.item(), *grads))):
                diverged = True
                break
            losses.append(loss.item())
            opt.step()
            state = (weight.item(), second.item())
            if not all(map(math.isfinite, state)):
                diverged = True
                break
            w.append(state[0])
            p.append(state[1])
            if progress is not None and len(losses) % every == 0:
                progress(len(losses), planned)
    # A step whose result was not finite leaves its state's loss unused.
    steps = len(w) - 1
    return PlaneTrajectory(
        model=model,
        w=readonly(w),
        p=readonly(p),
        batch_loss=readonly(losses[:steps]),
        settings=s,
        p0=p0,
        diverged=diverged,
    )
