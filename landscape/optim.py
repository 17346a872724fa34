"""The optimizers: which ``torch.optim`` classes, the hyperparameters each takes, their limits.

Every part of the engine that runs an optimizer (the float32 replay
:func:`landscape.train.train`, the float64 swarms of :mod:`landscape.swarm` and
:mod:`landscape.maps`) and the generated PyTorch script of
:mod:`landscape.export` describe it by one :class:`OptimizerSpec` and get the
torch object (:meth:`OptimizerSpec.build`) or its source text
(:meth:`OptimizerSpec.source`) from it.

Limits, the same everywhere:

- ``lr`` in ``(0, MAX_LR]``, ``MAX_LR = 1e3``;
- ``weight_decay`` in ``[0, MAX_WEIGHT_DECAY]``, ``MAX_WEIGHT_DECAY = 1e3``;
- ``momentum`` in ``[0, 1)``; each of ``betas`` in ``[0, 1)``.

``weight_decay=0.0`` means no decay for every optimizer, AdamW included. This
differs from torch, whose AdamW decays by 0.01 unless told otherwise: the spec
then passes ``weight_decay=0.0`` explicitly. To replay
``torch.optim.AdamW(params, lr=lr)``, ask for ``weight_decay=0.01``.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterable
from dataclasses import KW_ONLY, dataclass, fields
from types import MappingProxyType
from typing import Any

import numpy as np
import torch

from .checks import check_real

#: Optimizer names, each a stock ``torch.optim`` class.
OPTIMIZERS: tuple[str, ...] = ("sgd", "adam", "adamw", "rmsprop", "adagrad")

#: Largest learning rate accepted.
MAX_LR = 1e3

#: Largest weight decay accepted.
MAX_WEIGHT_DECAY = 1e3

_CLASSES: MappingProxyType[str, type[torch.optim.Optimizer]] = MappingProxyType(
    {
        "sgd": torch.optim.SGD,
        "adam": torch.optim.Adam,
        "adamw": torch.optim.AdamW,
        "rmsprop": torch.optim.RMSprop,
        "adagrad": torch.optim.Adagrad,
    }
)

#: The hyperparameters, besides ``lr``, that each optimizer takes, in the order
#: in which a call writes them. Every other one must keep its default.
HYPERPARAMETERS: MappingProxyType[str, tuple[str, ...]] = MappingProxyType(
    {
        "sgd": ("momentum", "nesterov", "weight_decay"),
        "adam": ("betas", "weight_decay"),
        "adamw": ("betas", "weight_decay"),
        "rmsprop": ("momentum", "weight_decay"),
        "adagrad": ("weight_decay",),
    }
)

# Read once from the classes' signatures, so that a call passes only what
# differs from them: the call a user would write.
_TORCH_DEFAULTS = MappingProxyType(
    {
        name: MappingProxyType(
            {p.name: p.default for p in inspect.signature(cls).parameters.values()}
        )
        for name, cls in _CLASSES.items()
    }
)

# What OptimizerSpec.source accepts as the parameters: a dotted name,
# optionally called, such as "net.parameters()".
_PARAMS_EXPRESSION = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*(\(\))?")


def takes(name: str, hyperparameter: str) -> bool:
    """Whether optimizer ``name`` takes ``hyperparameter``.

    Parameters
    ----------
    name : {"sgd", "adam", "adamw", "rmsprop", "adagrad"}
    hyperparameter : {"momentum", "nesterov", "betas", "weight_decay"}

    Raises
    ------
    ValueError
        For an unknown name or hyperparameter.
    """
    if name not in OPTIMIZERS:
        raise ValueError(f"name must be one of {', '.join(OPTIMIZERS)}; got {name!r}")
    known = _HYPERPARAMETER_NAMES
    if hyperparameter not in known:
        raise ValueError(
            f"hyperparameter must be one of {', '.join(known)}; got {hyperparameter!r}"
        )
    return hyperparameter in HYPERPARAMETERS[name]


def _check_bool(name: str, value: object) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def _check_betas(betas: object) -> tuple[float, float]:
    try:
        b1, b2 = betas  # type: ignore[misc]
    except (TypeError, ValueError):
        raise ValueError(f"betas must be a pair of reals in [0, 1), got {betas!r}") from None
    return (
        check_real("betas[0]", b1, 0.0, 1.0, hi_open=True),
        check_real("betas[1]", b2, 0.0, 1.0, hi_open=True),
    )


@dataclass(frozen=True)
class OptimizerSpec:
    """A validated ``torch.optim`` optimizer and its hyperparameters.

    Constructing one checks every field (so does :func:`dataclasses.replace`)
    and stores it in its canonical type (float, bool, tuple of floats).

    Parameters
    ----------
    name : {"sgd", "adam", "adamw", "rmsprop", "adagrad"}
        ``torch.optim.SGD``, ``Adam``, ``AdamW``, ``RMSprop``, ``Adagrad``.
    lr : float
        Learning rate in ``(0, MAX_LR]``.
    momentum : float, keyword-only
        In ``[0, 1)``; sgd and rmsprop only (0 otherwise).
    nesterov : bool, keyword-only
        Nesterov momentum; sgd with ``momentum > 0`` only.
    betas : (float, float), keyword-only
        Each in ``[0, 1)``; adam and adamw only (``(0.9, 0.999)`` otherwise).
    weight_decay : float, keyword-only
        In ``[0, MAX_WEIGHT_DECAY]``, the optimizer's own ``weight_decay``;
        0 is no decay, AdamW included (see the module docstring).

    Raises
    ------
    ValueError
        For a value outside its range, or a hyperparameter the optimizer does
        not take set away from its default; the message names the argument
        and what it allows.
    """

    name: str
    lr: float
    _: KW_ONLY
    momentum: float = 0.0
    nesterov: bool = False
    betas: tuple[float, float] = (0.9, 0.999)
    weight_decay: float = 0.0

    def __post_init__(self) -> None:
        if self.name not in OPTIMIZERS:
            raise ValueError(
                f"optimizer name must be one of {', '.join(OPTIMIZERS)}; got {self.name!r}"
            )
        checked = {
            "name": str(self.name),
            "lr": check_real("lr", self.lr, 0.0, MAX_LR, lo_open=True),
            "momentum": check_real("momentum", self.momentum, 0.0, 1.0, hi_open=True),
            "nesterov": _check_bool("nesterov", self.nesterov),
            "betas": _check_betas(self.betas),
            "weight_decay": check_real("weight_decay", self.weight_decay, 0.0, MAX_WEIGHT_DECAY),
        }
        for key, value in checked.items():
            object.__setattr__(self, key, value)  # frozen: canonical types, set once here
        for hyperparameter, default in _DEFAULTS.items():
            if getattr(self, hyperparameter) != default and not takes(self.name, hyperparameter):
                users = [n for n in OPTIMIZERS if takes(n, hyperparameter)]
                raise ValueError(
                    f"optimizer {self.name!r} takes no {hyperparameter} (it is for "
                    f"{' and '.join(users)} only); leave {hyperparameter}={default!r}"
                )
        if self.nesterov and self.momentum == 0.0:
            # torch.optim.SGD refuses it too: Nesterov momentum needs a momentum.
            raise ValueError("nesterov=True needs momentum in (0, 1), got momentum=0.0")

    @property
    def torch_class(self) -> type[torch.optim.Optimizer]:
        """The ``torch.optim`` class, e.g. ``torch.optim.SGD``."""
        return _CLASSES[self.name]

    def kwargs(self) -> dict[str, float | bool | tuple[float, float]]:
        """The keyword arguments of the torch call: ``lr``, then what differs from torch's defaults.

        Only hyperparameters the optimizer takes, and of those only the ones
        whose value differs from the default in the class's signature: the
        call a user would write. AdamW with ``weight_decay=0.0`` gets it
        explicitly (torch's default there is 0.01).
        """
        defaults = _TORCH_DEFAULTS[self.name]
        taken = {h: getattr(self, h) for h in HYPERPARAMETERS[self.name]}
        return {"lr": self.lr} | {h: v for h, v in taken.items() if v != defaults[h]}

    def build(
        self, params: Iterable[torch.Tensor] | Iterable[dict[str, Any]]
    ) -> torch.optim.Optimizer:
        """The stock torch optimizer over ``params`` (tensors or param-group dicts).

        ``torch_class(params, **kwargs())``: the object :meth:`source` writes.
        """
        return self.torch_class(params, **self.kwargs())

    def source(self, params: str = "net.parameters()") -> str:
        """The same constructor call as Python source, for a generated script.

        Every value is written with ``repr`` of a float, bool or tuple of
        floats, so that it reads back as the same value; e.g.
        ``"torch.optim.SGD(net.parameters(), lr=0.0004)"``.

        Parameters
        ----------
        params : str
            The script's expression for the parameters: a dotted name,
            optionally called, such as ``"net.parameters()"``.

        Raises
        ------
        ValueError
            If ``params`` is not such an expression.
        """
        if not isinstance(params, str) or not _PARAMS_EXPRESSION.fullmatch(params):
            raise ValueError(
                f"params must be a dotted name, optionally called (e.g. 'net.parameters()'), "
                f"got {params!r}"
            )
        args = "".join(f", {key}={value!r}" for key, value in self.kwargs().items())
        return f"torch.optim.{self.torch_class.__name__}({params}{args})"


# The hyperparameters besides lr and the default each keeps where it does not apply.
_DEFAULTS = MappingProxyType(
    {f.name: f.default for f in fields(OptimizerSpec) if f.name not in ("name", "lr")}
)
_HYPERPARAMETER_NAMES = tuple(_DEFAULTS)
