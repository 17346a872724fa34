"""The notebook's parity strip: every integer of a range marked right or wrong at one weight.

The question's notebook ends with::

    for x in np.arange(0, 1500, 1):
        pred = net(torch.tensor([[float(x)]], dtype=torch.float32)).item()
        print("✅" if (pred < 0.5) == (x % 2 == 0) else "❌", end="")
        if (x + 1) % 60 == 0:
            print()

:func:`strip` computes the same marks (the float32 forward pass of
:func:`landscape.accuracy.predict`, which equals the one-at-a-time calls) for
any range of integers, and :meth:`Strip.text` prints them as the notebook does.
The strip checks *parity* (``x % 2 == 0``, Python's modulo, so -3 is odd),
whatever labels the training data carry: it is the notebook's test, not the
training accuracy (:func:`landscape.accuracy.verdict`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .accuracy import agrees, predict
from .checks import check_int
from .data import MAX_ABS_X

#: The notebook's marks.
RIGHT, WRONG = "✅", "❌"
#: The notebook's range, 0..1499, and row length.
START, STOP, PER_ROW = 0, 1500, 60
#: Most integers in one strip (the text is two characters per mark).
MAX_MARKS = 100_000
#: Largest |x| of a strip: the data's limit.
MAX_ABS_STRIP = int(MAX_ABS_X)


@dataclass(frozen=True, eq=False)
class Strip:
    """Right/wrong marks of the integers ``start .. stop - 1`` at weight ``w``.

    Attributes
    ----------
    w : float
        The weight (the model rounds it to float32).
    x : ndarray of int64
        The integers, ascending.
    prediction : ndarray
        The float32 ``sin^2(w x)`` of each, as float64.
    right : ndarray of bool
        ``(prediction < 0.5) == (x % 2 == 0)``.
    per_row : int
        Marks per printed row: a row ends after each x with ``(x + 1) % per_row == 0``.
    """

    w: float
    x: np.ndarray
    prediction: np.ndarray
    right: np.ndarray
    per_row: int

    @property
    def correct(self) -> int:
        """How many marks are right: the notebook's "k" of "k of 1500"."""
        return int(np.count_nonzero(self.right))

    @property
    def total(self) -> int:
        """How many integers the strip holds."""
        return int(self.x.size)

    @property
    def fraction(self) -> float:
        """``correct / total``."""
        return self.correct / self.total

    def cells(self) -> tuple[np.ndarray, np.ndarray]:
        """Row and column of each mark as the notebook prints them (row 0 first).

        The column is ``x % per_row`` (the notebook breaks after
        ``(x + 1) % per_row == 0``), so a range that does not start at a
        multiple of ``per_row`` starts mid-row, as it would print.
        """
        column = self.x % self.per_row
        row = self.x // self.per_row - self.x[0] // self.per_row
        return row, column

    def text(self) -> str:
        """The strip exactly as the notebook prints it (no newline after a partial last row).

        Not translated: it is the student's script's own output, mark for mark.
        """
        marks = np.where(self.right, RIGHT, WRONG).astype(object)
        ends = (self.x + 1) % self.per_row == 0
        marks[ends] += "\n"
        return "".join(marks)


def strip(w: float, start: int = START, stop: int = STOP, per_row: int = PER_ROW) -> Strip:
    """The notebook's marks for the integers ``start .. stop - 1`` at weight ``w``.

    Parameters
    ----------
    w : float
        ``|w| <= landscape.accuracy.MAX_ABS_W``.
    start, stop : int
        ``|start|, |stop| <= MAX_ABS_STRIP``, ``1 <= stop - start <= MAX_MARKS``.
    per_row : int
        In ``[1, 1000]``.

    Raises
    ------
    ValueError
        Naming the argument and its range.

    Cost: one float32 forward pass over ``stop - start`` inputs.
    """
    start = check_int("start", start, -MAX_ABS_STRIP, MAX_ABS_STRIP)
    stop = check_int("stop", stop, start + 1, min(start + MAX_MARKS, MAX_ABS_STRIP))
    per_row = check_int("per_row", per_row, 1, 1000)
    x = np.arange(start, stop, dtype=np.int64)
    prediction = predict(w, x.astype(np.float64))
    # Label x % 2 (1 = odd): agrees() is then (prediction < 1/2) == (x % 2 == 0).
    right = agrees(prediction, x % 2)
    return Strip(float(w), x, prediction, right, per_row)
