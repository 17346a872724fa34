"""What the question's notebook prints each epoch, from a replayed run, and its validation draw.

The notebook's loop prints, after each epoch's step::

    Epoch {epoch}
    Loss: {loss.item():.8f} Val Loss: {val_loss.item():.8f}
    Weight: {w:.8f} (target: {np.pi/2:.8f})
    ---

where ``loss`` is the training loss of the epoch's (last) forward pass, at the
weight *before* its step, while ``val_loss`` and ``w`` are taken *after* the
step. :func:`epoch_rows` returns those numbers from a
:class:`~landscape.train.Trajectory`, :func:`epoch_csv` and
:func:`notebook_text` write them out. :func:`validation_source` is the Python
source of a :class:`~landscape.data.Recipe`'s validation set (and held-out
split), for :func:`landscape.export.pytorch_script`.
"""

from __future__ import annotations

import io
import math
from typing import NamedTuple

from .data import Recipe
from .i18n import _
from .train import Trajectory

#: The weight the notebook prints as its target.
NOTEBOOK_TARGET = math.pi / 2


class EpochRow(NamedTuple):
    """One epoch as the notebook prints it (floats are float32 values, exactly).

    ``loss`` is the ``loss.item()`` of the epoch's last forward pass (the
    whole training set for a full-batch run, the last batch otherwise), at
    the weight before that step; ``val_loss`` (None without a validation set)
    and ``weight`` are after the epoch's last step.
    """

    epoch: int
    loss: float
    val_loss: float | None
    weight: float


def epoch_rows(run: Trajectory) -> list[EpochRow]:
    """The notebook's per-epoch numbers for every completed epoch of ``run``.

    Row ``e`` (from 0) is epoch ``e``: with ``k = run.epoch_states[e + 1]``,
    ``loss = run.batch_loss[k - 1]``, ``val_loss = run.val_loss[e + 1]``,
    ``weight = run.w[k]``. A diverged run gives its completed epochs only.
    Cost O(epochs).
    """
    rows = []
    for e, k in enumerate(run.epoch_states[1:].tolist()):
        val = None if run.val_loss is None else float(run.val_loss[e + 1])
        rows.append(EpochRow(e, float(run.batch_loss[k - 1]), val, float(run.w[k])))
    return rows


def epoch_csv(run: Trajectory) -> str:
    """:func:`epoch_rows` as CSV: ``epoch,loss,val_loss,weight``, floats by ``repr``.

    ``val_loss`` is empty for a run without a validation set. Values read back
    exactly; the notebook prints them to 8 decimals. The comment lines are in
    the language of the thread (:func:`landscape.i18n.speak`); the column
    names are machine names that scripts read, English in every language.
    """
    out = io.StringIO()
    about = _(
        "The question's notebook, epoch by epoch: loss before the epoch's step,\n"
        "val_loss and weight after it (float32 values, written exactly)"
    )
    out.writelines(f"# {line}\n" for line in about.splitlines())
    out.write("epoch,loss,val_loss,weight\n")
    for row in epoch_rows(run):
        val = "" if row.val_loss is None else repr(row.val_loss)
        out.write(f"{row.epoch},{row.loss!r},{val},{row.weight!r}\n")
    return out.getvalue()


def notebook_text(run: Trajectory) -> str:
    """The lines the question's notebook prints for ``run``, character for character.

    Without a validation set the ``Val Loss`` part is left out. Not translated:
    these are the student's script's own output, to compare with theirs.
    """
    lines = []
    for row in epoch_rows(run):
        val = "" if row.val_loss is None else f" Val Loss: {row.val_loss:.8f}"
        lines += [
            f"Epoch {row.epoch}",
            f"Loss: {row.loss:.8f}{val}",
            f"Weight: {row.weight:.8f} (target: {NOTEBOOK_TARGET:.8f})",
            "---",
        ]
    return "\n".join(lines) + "\n" if lines else ""


def validation_source(recipe: Recipe) -> str:
    """Python source that splits off ``recipe``'s validation set after its training draw.

    It runs after the script's draw of the whole data as numpy arrays ``x``,
    ``y`` (:func:`landscape.export.pytorch_script` writes it) and leaves the
    training part in ``x``, ``y`` and the validation set of
    :meth:`~landscape.data.Recipe.validation` in ``val_x``, ``val_y`` (None
    when there is none). Every value is ``repr`` of an int or float.
    """
    n, high, seed = int(recipe.n), int(recipe.high), int(recipe.seed)
    if recipe.kind == "parity":
        code = (
            "# Validation set: the second draw of the same stream, as the notebook's\n"
            "# np.random.seed(seed); generate_data(n) called twice makes it.\n"
            f"stream = np.random.RandomState({seed})\n"
            f"stream.randint(0, {high}, {n})  # the training draw\n"
            f"val_x = stream.randint(0, {high}, {n})\n"
            "val_y = (val_x % 2).astype(float)\n"
            "val_x = val_x.astype(float)\n"
        )
        if recipe.noise > 0:
            code += (
                "# Its label noise: the next normals after the training set's.\n"
                f"val_y = val_y + {float(recipe.noise)!r} * "
                f"np.random.default_rng({seed}).normal(size={2 * n})[{n}:]\n"
            )
        return code
    if recipe.holdout == 0:
        return "val_x = val_y = None  # no validation set\n"
    return (
        f"# Validation set: floor({float(recipe.holdout)!r} * N) samples held out, chosen by\n"
        "# a seeded permutation; both parts keep the samples' order.\n"
        "held = np.zeros(x.size, dtype=bool)\n"
        f"held[np.random.default_rng({seed}).permutation(x.size)"
        f"[: int(np.floor({float(recipe.holdout)!r} * x.size))]] = True\n"
        "val_x, val_y = (x[held], y[held]) if held.any() else (None, None)\n"
        "x, y = x[~held], y[~held]\n"
    )
