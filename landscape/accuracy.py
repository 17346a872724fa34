"""Whether a weight solves the task: the classifications the question's notebook counts.

The question's model labels ``x`` odd when its float32 output
``sin(w * x)**2`` is at least 1/2 and even otherwise; the notebook checks
``pred < 0.5`` against ``x % 2 == 0``. For any data, a sample ``(x_i, y_i)`` is
*classified* when the prediction falls on the same side of 1/2 as its label.
A weight *solves the task* when it classifies every training sample: that
criterion depends only on the data in use (uploaded labels, label noise,
negative x), never on parity labels being assumed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .checks import check_real
from .data import Dataset
from .i18n import N_
from .train import Net, float32_column

#: The notebook's threshold: a prediction at or above it says "odd" (label 1).
THRESHOLD = 0.5
#: Largest |w| accepted (as for the replay's w0).
MAX_ABS_W = 1e3


def predict(w: float, x: np.ndarray) -> np.ndarray:
    """The question's float32 forward pass at weight ``w``: ``sin(fc1(x))**2`` for every x.

    The network is the replay's own (:class:`landscape.train.Net`).

    Parameters
    ----------
    w : float
        The weight, rounded to float32 as ``fc1.weight.data.fill_(w)`` does;
        ``|w| <= MAX_ABS_W``.
    x : array_like, shape (N,)
        Inputs; each goes through ``nn.Linear(1, 1, bias=False)`` as a row of
        ``[[float(x)]]``. A batch row is one float32 product, so the batch gives
        the same numbers as the notebook's one-at-a-time calls.

    Returns
    -------
    ndarray, shape (N,)
        float32 predictions as float64 (exact).

    Cost: one float32 pass, O(N).
    """
    w = check_real("w", w, -MAX_ABS_W, MAX_ABS_W)
    with torch.no_grad():
        out = Net(w)(float32_column(np.asarray(x, dtype=np.float64)))
    return out.reshape(-1).double().numpy()


def agrees(prediction: np.ndarray, label: np.ndarray) -> np.ndarray:
    """Per sample: whether prediction and label fall on the same side of :data:`THRESHOLD`."""
    return (np.asarray(prediction) >= THRESHOLD) == (np.asarray(label) >= THRESHOLD)


@dataclass(frozen=True)
class Verdict:
    """How many training samples a weight classifies, and whether that solves the task.

    Attributes
    ----------
    w : float
        The weight judged.
    correct : int
        Samples whose float32 prediction is on the same side of 1/2 as their label.
    n : int
        Training samples N.
    """

    w: float
    correct: int
    n: int

    @property
    def solved(self) -> bool:
        """True when every training sample is classified (the task's criterion)."""
        return self.correct == self.n

    @property
    def fraction(self) -> float:
        """``correct / n``."""
        return self.correct / self.n

    #: The criterion, as a sentence can state it (an untranslated msgid: show ``_(CRITERION)``).
    CRITERION = N_(
        "solved means every training sample is classified: the model's float32 output "
        "sin²(w·x) is at least 0.5 exactly where the label is"
    )


def verdict(data: Dataset, w: float) -> Verdict:
    """The :class:`Verdict` of weight ``w`` on ``data`` (any labels, any sign of x).

    Raises
    ------
    ValueError
        If ``data`` is not a Dataset or ``w`` is not finite with ``|w| <= MAX_ABS_W``.
    """
    if not isinstance(data, Dataset):
        raise ValueError(f"data must be a landscape.data.Dataset, got {type(data).__name__}")
    correct = int(np.count_nonzero(agrees(predict(w, data.x), data.y)))
    return Verdict(float(w), correct, data.n)
