"""The training losses on the torch side: which ``torch.nn`` class each loss name means.

The one table of loss names (:data:`LOSSES`) and their ``torch.nn`` classes. The
float32 replay (:func:`landscape.train.train`) and the generated PyTorch script
(:func:`landscape.export.pytorch_script`) get the torch object
(:meth:`Criterion.build`) or its source text (:meth:`Criterion.source`) from a
:class:`Criterion`; the float64 landscapes of each loss (:mod:`landscape.losses`)
import :data:`LOSSES` and :data:`HUBER_DELTA` from here.

With ``p_i = sin^2(w x_i)`` and the default ``reduction="mean"``:

- ``"mse"``: ``torch.nn.MSELoss()``, :math:`\\frac{1}{N}\\sum_i (p_i - y_i)^2` (the question's);
- ``"l1"``: ``torch.nn.L1Loss()``, :math:`\\frac{1}{N}\\sum_i |p_i - y_i|`;
- ``"huber"``: ``torch.nn.HuberLoss(delta=delta)``, per sample
  :math:`\\frac{1}{2} r^2` for :math:`|r| < \\delta`, else
  :math:`\\delta (|r| - \\frac{1}{2}\\delta)`, with :math:`r = p_i - y_i`;
  torch's default ``delta = 1.0`` (:data:`HUBER_DELTA`). For labels in [0, 1]
  every ``|r| <= 1``, so with ``delta >= 1`` it is exactly half the MSE;
- ``"bce"``: ``torch.nn.BCELoss()`` on ``p_i``,
  :math:`-\\frac{1}{N}\\sum_i [y_i \\log p_i + (1 - y_i)\\log(1 - p_i)]`, where
  torch clamps each log at -100 (:data:`BCE_LOG_FLOOR`), so that ``p_i = 0``
  or 1 costs at most 100. It needs every label in [0, 1] (torch refuses others).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from torch import nn

from .checks import check_real

#: Loss names, each a stock ``torch.nn`` loss class; "mse" is the question's.
LOSSES: tuple[str, ...] = ("mse", "l1", "huber", "bce")

#: ``torch.nn.HuberLoss``'s default delta, the one used unless a run sets another.
HUBER_DELTA = 1.0

#: Largest Huber delta accepted (beyond any residual of labels in [0, 1] by far).
MAX_DELTA = 1e3

#: ``torch.nn.BCELoss`` clamps each log term at this value.
BCE_LOG_FLOOR = -100.0

_CLASSES: MappingProxyType[str, type[nn.Module]] = MappingProxyType(
    {"mse": nn.MSELoss, "l1": nn.L1Loss, "huber": nn.HuberLoss, "bce": nn.BCELoss}
)


@dataclass(frozen=True)
class Criterion:
    """A validated training loss: its name and, for Huber, its delta.

    Parameters
    ----------
    name : {"mse", "l1", "huber", "bce"}
        See the module docstring.
    delta : float
        Huber's delta in ``(0, MAX_DELTA]``; other losses take none and must
        keep :data:`HUBER_DELTA`.

    Raises
    ------
    ValueError
        For an unknown name, a delta out of range, or a delta given to a loss
        other than Huber.
    """

    name: str = "mse"
    delta: float = HUBER_DELTA

    def __post_init__(self) -> None:
        if self.name not in LOSSES:
            raise ValueError(f"loss must be one of {', '.join(LOSSES)}; got {self.name!r}")
        delta = check_real("delta", self.delta, 0.0, MAX_DELTA, lo_open=True)
        if self.name != "huber" and delta != HUBER_DELTA:
            raise ValueError(
                f"delta applies to loss 'huber' only; leave delta={HUBER_DELTA!r} "
                f"for loss {self.name!r}"
            )
        object.__setattr__(self, "name", str(self.name))
        object.__setattr__(self, "delta", delta)

    @property
    def torch_class(self) -> type[nn.Module]:
        """The ``torch.nn`` class, e.g. ``torch.nn.MSELoss``."""
        return _CLASSES[self.name]

    def build(self, reduction: str = "mean") -> nn.Module:
        """The stock torch loss module, as :meth:`source` writes it.

        ``reduction="none"`` gives the per-sample losses instead (for
        evaluating many weights at once); other values as torch takes them.
        """
        kwargs = {} if reduction == "mean" else {"reduction": reduction}
        if self.name == "huber":
            kwargs["delta"] = self.delta
        return self.torch_class(**kwargs)

    def source(self) -> str:
        """The constructor call as Python source, e.g. ``"torch.nn.HuberLoss(delta=1.0)"``."""
        args = f"delta={self.delta!r}" if self.name == "huber" else ""
        return f"torch.nn.{self.torch_class.__name__}({args})"

    def check_labels(self, y: np.ndarray) -> None:
        """Refuse labels this loss cannot take: BCE needs every ``y`` in [0, 1].

        Raises
        ------
        ValueError
            Naming ``data``, the loss and the first label outside [0, 1].
        """
        if self.name != "bce":
            return
        values = np.asarray(y, dtype=np.float64).reshape(-1)
        bad = np.flatnonzero((values < 0) | (values > 1))
        if bad.size:
            raise ValueError(
                f"data: loss 'bce' needs every label y in [0, 1] (torch.nn.BCELoss "
                f"refuses others); y[{int(bad[0])}] = {values[bad[0]]!r}"
            )
