"""Learning-rate schedules: which ``torch.optim.lr_scheduler`` class, its arguments, their limits.

A plain script steps a schedule once per epoch, after that epoch's last
``optimizer.step()``; so do :func:`landscape.train.train` and the generated
script of :func:`landscape.export.pytorch_script`, which get the torch object
(:meth:`Schedule.build`) or its source (:meth:`Schedule.source`) from one
:class:`Schedule`. In epoch ``e`` (from 0) the learning rate is

- ``"none"``: ``lr`` (no scheduler object at all);
- ``"step"``: ``StepLR(optimizer, step_size, gamma)``, ``lr * gamma ** (e // step_size)``;
- ``"exp"``: ``ExponentialLR(optimizer, gamma)``, ``lr * gamma ** e``;
- ``"cosine"``: ``CosineAnnealingLR(optimizer, T_max=epochs)`` (``eta_min = 0``),
  ``lr * (1 + cos(pi e / epochs)) / 2``: T_max is the run's number of epochs,
  so the rate falls from ``lr`` towards 0 over the whole run.

(torch computes these recursively in float64, so the values it sets can
differ from the closed forms in the last bits; the replay uses torch's.)
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

import torch
from torch.optim import lr_scheduler

from .checks import check_int, check_real

#: Schedule names; "none" keeps the learning rate constant (the question's).
SCHEDULES: tuple[str, ...] = ("none", "step", "exp", "cosine")

#: ``StepLR``'s default gamma, used by "step" and "exp" unless a run sets another.
DEFAULT_GAMMA = 0.1
#: Epochs between two decays of "step" unless a run sets another.
DEFAULT_STEP_SIZE = 10
#: Largest ``step_size`` accepted.
MAX_STEP_SIZE = 100_000

_CLASSES: MappingProxyType[str, type[lr_scheduler.LRScheduler]] = MappingProxyType(
    {
        "step": lr_scheduler.StepLR,
        "exp": lr_scheduler.ExponentialLR,
        "cosine": lr_scheduler.CosineAnnealingLR,
    }
)

# The arguments each schedule takes; every other one must keep its default.
_TAKES = MappingProxyType(
    {"none": (), "step": ("step_size", "gamma"), "exp": ("gamma",), "cosine": ()}
)


@dataclass(frozen=True)
class Schedule:
    """A validated learning-rate schedule, stepped once per epoch.

    Parameters
    ----------
    name : {"none", "step", "exp", "cosine"}
        See the module docstring.
    gamma : float
        Decay factor in ``(0, 1]``, "step" and "exp" only.
    step_size : int
        Epochs per decay in ``[1, MAX_STEP_SIZE]``, "step" only.

    Raises
    ------
    ValueError
        For an unknown name, a value out of range, or an argument the
        schedule does not take set away from its default.
    """

    name: str = "none"
    gamma: float = DEFAULT_GAMMA
    step_size: int = DEFAULT_STEP_SIZE

    def __post_init__(self) -> None:
        if self.name not in SCHEDULES:
            raise ValueError(f"schedule must be one of {', '.join(SCHEDULES)}; got {self.name!r}")
        checked = {
            "name": str(self.name),
            "gamma": check_real("gamma", self.gamma, 0.0, 1.0, lo_open=True),
            "step_size": check_int("step_size", self.step_size, 1, MAX_STEP_SIZE),
        }
        defaults = {"gamma": DEFAULT_GAMMA, "step_size": DEFAULT_STEP_SIZE}
        for key, value in checked.items():
            object.__setattr__(self, key, value)
        for key, default in defaults.items():
            if checked[key] != default and key not in _TAKES[self.name]:
                users = " and ".join(n for n in SCHEDULES if key in _TAKES[n])
                raise ValueError(
                    f"schedule {self.name!r} takes no {key} (it is for {users} only); "
                    f"leave {key}={default!r}"
                )

    def _kwargs(self, epochs: int) -> dict[str, float | int]:
        if self.name == "cosine":
            return {"T_max": epochs}
        return {key: getattr(self, key) for key in _TAKES[self.name]}

    def build(
        self, optimizer: torch.optim.Optimizer, epochs: int
    ) -> lr_scheduler.LRScheduler | None:
        """The torch scheduler over ``optimizer`` for a run of ``epochs`` epochs; None for "none"."""
        if self.name == "none":
            return None
        return _CLASSES[self.name](optimizer, **self._kwargs(epochs))

    def source(self, epochs: int, optimizer: str = "optimizer") -> str | None:
        """The same constructor call as Python source; None for "none".

        E.g. ``"torch.optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.1)"``.
        ``optimizer`` must be a Python identifier (the script's variable).

        Raises
        ------
        ValueError
            If ``optimizer`` is not an identifier.
        """
        if not (isinstance(optimizer, str) and optimizer.isidentifier()):
            raise ValueError(f"optimizer must be a Python identifier, got {optimizer!r}")
        if self.name == "none":
            return None
        args = "".join(f", {k}={v!r}" for k, v in self._kwargs(epochs).items())
        return f"torch.optim.lr_scheduler.{_CLASSES[self.name].__name__}({optimizer}{args})"
