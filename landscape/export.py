"""Files a user can take away: CSV tables, the figure as HTML, the settings, a PyTorch script.

Every function returns text (``str``) and writes nothing, so that the app can
hand it to a download button and a notebook can save it where it likes. The
generated script (:func:`pytorch_script`) is self-contained (numpy and torch
only) and replays :func:`landscape.train.train` for the same settings: run as
is, it prints the weights the app shows, one ``repr`` per line.
"""

from __future__ import annotations

import io
from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go

from .accuracy import MAX_ABS_W, verdict
from .data import Dataset, Recipe
from .datalink import digest
from .notebook import validation_source
from .surface import Source, as_spectrum, loss_curve
from .train import TORCH_THREADS, TrainSettings
from .window import Run, dense_grid, exact_loss

#: Most samples :func:`pytorch_script` writes out literally (the file would pass 2 MB);
#: a script for more reads them from :data:`DATA_FILE`.
MAX_LITERAL_SAMPLES = 50_000
#: The file name under which :func:`data_csv` is offered, and which such a script reads.
DATA_FILE = "landscape_data.csv"
#: Most sample evaluations (N x states) :func:`trajectory_csv` spends on training
#: accuracy at every state (~0.15 s); beyond it, at the epoch states (see
#: :func:`accuracy_states`).
ACCURACY_CAP = 2_000_000


def _csv(header: list[str], columns: list[np.ndarray], comment: str) -> str:
    out = io.StringIO()
    for line in comment.splitlines():
        out.write(f"# {line}\n")
    out.write(",".join(header) + "\n")
    for row in zip(*columns, strict=True):
        out.write(",".join(repr(float(v)) for v in row) + "\n")
    return out.getvalue()


def landscape_csv(data: Source, lo: float, hi: float) -> str:
    """The exact loss ``L(w)`` on the dense grid over [lo, hi] (every basin resolved).

    Columns ``w, loss``; floats written with ``repr`` (they read back exactly).
    The grid is :func:`~landscape.plots.dense_grid`: spacing 1/16 of the
    shortest period, at least 16000 points. Cost: one
    :func:`~landscape.surface.loss_curve` call plus ~1 us per row of text.
    """
    spec = as_spectrum(data)
    w = dense_grid(spec, lo, hi)
    comment = (
        f"Exact float64 loss L(w) = mean_i (sin^2(w x_i) - y_i)^2 of {spec.data!r}\n"
        f"on {w.size} points over [{lo!r}, {hi!r}]"
    )
    return _csv(["w", "loss"], [w, loss_curve(spec, w)], comment)


def trajectory_csv(data: Source, run: Run) -> str:
    """A run, one row per state k, with the columns a notebook prints and plots.

    Columns (English machine names: scripts read them) ``step, w,
    float32_loss, float32_grad, exact_loss, val_loss, train_accuracy``:

    - ``float32_loss`` and ``float32_grad`` are torch's own for a
      :class:`~landscape.train.Trajectory`, empty for other runs (a remedy's);
    - ``exact_loss`` is the float64 MSE series at ``w`` (empty beyond
      ``|w| = 1000``, where a diverged run may go);
    - ``val_loss`` is the replay's validation loss
      (:attr:`~landscape.train.Trajectory.val_loss`) at state 0 and after
      each epoch, empty elsewhere and without a validation set;
    - ``train_accuracy`` is the fraction of training samples classified
      (:func:`landscape.accuracy.verdict`) at the states
      :func:`accuracy_states` picks, empty elsewhere; the comment line says
      which.

    Cost: one float32 pass over the N samples per judged state, at most
    about :data:`ACCURACY_CAP` sample evaluations (~70 ns each) plus ~50 us
    per judged state; the rest ~1 us per row.
    """
    spec = as_spectrum(data)
    w = np.asarray(run.w, dtype=np.float64)
    blank = np.full(w.size, np.nan)
    loss = np.asarray(getattr(run, "float32_loss", blank), dtype=np.float64)
    grad = np.asarray(getattr(run, "float32_grad", blank), dtype=np.float64)
    judged, which = accuracy_states(spec.data.n, run)
    comment = (
        f"Training run on {spec.data!r}; state k is the model after k optimizer steps\n"
        f"exact_loss: float64 MSE; val_loss: {_val_loss_note(run)}; train_accuracy: {which}"
    )
    columns = [
        np.arange(w.size),
        w,
        loss,
        grad,
        exact_loss(spec, w),
        _at_epochs(run, getattr(run, "val_loss", None)),
        _accuracy(spec.data, w, judged),
    ]
    header = ["step", "w", "float32_loss", "float32_grad", "exact_loss", "val_loss"]
    text = _csv([*header, "train_accuracy"], columns, comment)
    # Steps are whole numbers and missing values are empty, not "nan".
    return "\n".join(_tidy_row(line) for line in text.split("\n"))


def accuracy_states(n: int, run: Run) -> tuple[np.ndarray, str]:
    """The states whose training accuracy :func:`trajectory_csv` computes, and which they are.

    Every state when ``n * states <= ACCURACY_CAP``; else the epoch states of
    a :class:`~landscape.train.Trajectory` (the first and last state of other
    runs), evenly thinned to ``ACCURACY_CAP // n`` of them (at least the
    first and the last) when even those exceed the cap.

    Parameters
    ----------
    n : int
        Training samples N (>= 1).
    run : Run
        The run; ``run.w`` has one weight per state.

    Returns
    -------
    states : ndarray of int
        Ascending state indices.
    which : str
        The choice in words, for the CSV's comment line (English, as the file is).
    """
    size = int(np.asarray(run.w).size)
    if n * size <= ACCURACY_CAP:
        return np.arange(size), "at every state"
    epochs = getattr(run, "epoch_states", None)
    if epochs is None:
        ends = np.unique([0, size - 1])
        return ends, f"at the first and last state only (N x states > {ACCURACY_CAP:,})"
    epochs = np.asarray(epochs, dtype=int)
    fit = max(2, ACCURACY_CAP // n)
    if epochs.size <= fit:
        return epochs, f"after each epoch only (N x states > {ACCURACY_CAP:,})"
    picked = np.unique(epochs[np.linspace(0, epochs.size - 1, fit).round().astype(int)])
    return picked, (
        f"at {picked.size} of the {epochs.size} epoch ends, evenly spaced "
        f"(N x states > {ACCURACY_CAP:,})"
    )


def _accuracy(data: Dataset, w: np.ndarray, states: np.ndarray) -> np.ndarray:
    out = np.full(w.size, np.nan)
    for k in states:
        # A remedy's path may leave the range a float32 forward pass judges.
        if np.isfinite(w[k]) and abs(w[k]) <= MAX_ABS_W:
            out[k] = verdict(data, float(w[k])).fraction
    return out


def _at_epochs(run: Run, values: np.ndarray | None) -> np.ndarray:
    out = np.full(np.asarray(run.w).size, np.nan)
    if values is not None:
        out[np.asarray(run.epoch_states, dtype=int)] = values
    return out


def _val_loss_note(run: Run) -> str:
    if getattr(run, "val_loss", None) is None:
        return "none (no validation set)"
    return "the replay's validation loss at state 0 and after each epoch"


def _tidy_row(line: str) -> str:
    if not line or line.startswith("#") or line.startswith("step"):
        return line
    step, rest = line.split(",", 1)
    return ",".join([str(int(float(step)))] + ["" if v == "nan" else v for v in rest.split(",")])


def data_csv(data: Dataset) -> str:
    """The samples, one ``x,y`` row each, floats with ``repr`` (they read back exactly).

    The header is a comment line (``# x,y``), so ``np.loadtxt(path,
    delimiter=",", unpack=True)`` reads the columns back bit for bit. The
    dataset's name is not written. Cost ~1 us per row.
    """
    head = f"# {data.n} samples, SHA-256 {digest(data.x, data.y)}\n# x,y\n"
    return head + "".join(
        f"{float(a)!r},{float(b)!r}\n" for a, b in zip(data.x, data.y, strict=True)
    )


def figure_html(fig: go.Figure) -> str:
    """The figure as one standalone HTML file (plotly.js inlined, works offline; ~5 MB)."""
    return fig.to_html(include_plotlyjs=True, full_html=True, auto_play=False)


def _data_code(data: Recipe | Dataset) -> str:
    # Every value is written with repr of an int or float: data, never text
    # from a user (a file's name stays out of the script).
    if isinstance(data, Dataset):
        if _reads_file(data):
            return _data_file_code(data)
        xs = ", ".join(repr(float(v)) for v in data.x)
        ys = ", ".join(repr(float(v)) for v in data.y)
        return f"# The data, written out: {data.n} samples.\nx = np.array([{xs}])\ny = np.array([{ys}])\n"
    r = data
    n, high, seed, start, stop = (int(v) for v in (r.n, r.high, r.seed, r.start, r.stop))
    if r.kind == "parity":
        code = (
            f"# The question's draw: {n} integers from [0, {high}), repeats allowed.\n"
            f"x = np.random.RandomState({seed}).randint(0, {high}, {n})\n"
            "y = (x % 2).astype(float)\n"
            "x = x.astype(float)\n"
        )
    elif r.kind == "range":
        code = (
            f"# Consecutive integers {start} .. {stop - 1}.\n"
            f"x = np.arange({start}, {stop})\n"
            "y = (x % 2).astype(float)\n"
            "x = x.astype(float)\n"
        )
    else:
        code = (
            f"# {n} real x from [0, {high}), labelled by the parity of floor(x).\n"
            f"x = np.random.default_rng({seed}).uniform(0.0, {float(high)!r}, {n})\n"
            "y = np.floor(x) % 2\n"
        )
    if r.noise > 0:
        noise = float(r.noise)
        code += (
            f"# Label noise: sigma * N(0, 1), sigma = {noise!r}.\n"
            f"y = y + {noise!r} * np.random.default_rng({seed}).normal(size=x.size)\n"
        )
    return code


def _reads_file(data: Recipe | Dataset) -> bool:
    return isinstance(data, Dataset) and data.n > MAX_LITERAL_SAMPLES


def _data_file_code(data: Dataset) -> str:
    # Too many samples to write out: read them from the data CSV, and check
    # them by the hash the app keys them by (landscape.datalink.digest).
    return (
        f"# The data: {data.n} samples, too many to write out here. Save the app's\n"
        f'# "Data (CSV)" download as {DATA_FILE} next to this script.\n'
        f"x, y = np.loadtxt({DATA_FILE!r}, delimiter=',', unpack=True, ndmin=2)\n"
        "sha = hashlib.sha256(x.tobytes())\n"
        "sha.update(b'|')\n"
        "sha.update(y.tobytes())\n"
        f"if sha.hexdigest() != {digest(data.x, data.y)!r}:\n"
        f"    raise SystemExit({DATA_FILE!r} + ' holds other samples than the app used')\n"
    )


def pytorch_script(
    data: Recipe | Dataset,
    run: TrainSettings,
    *,
    second: TrainSettings | None = None,
    query: Mapping[str, str] | None = None,
) -> str:
    """A self-contained PyTorch script that trains the plain run ``run`` on ``data``.

    It is the question's script reduced to its training loop: the same data
    draw for a :class:`~landscape.data.Recipe`, or a Dataset (e.g. uploaded
    samples) written out literally, or beyond :data:`MAX_LITERAL_SAMPLES`
    samples read from :data:`DATA_FILE` (:func:`data_csv`) and checked by
    their SHA-256; ``nn.Linear(1, 1, bias=False)`` then
    ``sin(.)**2``, the run's ``torch.nn`` loss, the chosen ``torch.optim``
    optimizer and ``lr_scheduler``, and for mini-batches the ``DataLoader``
    shuffling of :func:`landscape.train.train`. It prints ``repr(w)`` before
    the first step and after every step: the weights the app shows; with a
    validation set, a ``val_loss=`` line at state 0 and after each epoch. A
    run that meets a non-finite loss or gradient stops there, as the app's does.

    ``second``, the compared run's settings (the page's second run), makes
    the script train it too, after the first, on the same data and
    validation set with a fresh model, optimizer, scheduler and shuffling
    generator (as :func:`~landscape.train.train` does): it prints the line
    ``# second run``, then that run's lines the same way. ``query``, the app's
    URL parameters that reproduce the same runs and data (None when no link
    can carry the data), is written into the script as a dict literal
    (``repr``), so that no text it holds can become code. A dataset's name
    is never written.
    """
    runs = [run] if second is None else [run, second]
    # Loss, schedule and validation (landscape.criteria, .schedule, .notebook):
    # the validation set is the recipe's; a held-out split changes the training set.
    has_val = isinstance(data, Recipe) and data.has_validation
    validating = has_val and any(r.validate for r in runs)
    splits = isinstance(data, Recipe) and (validating or data.holdout > 0)
    lines = [
        '"""Landscape Lab run: learn w in x -> sin(w x)**2 by gradient descent.',
        "",
        "Generated by Landscape Lab. APP_QUERY holds the app's URL parameters that reproduce",
        "this run and its data (None if none were given, e.g. no link can carry the data).",
        "Prints w before the first step and after every optimizer step, one per line.",
        *(
            []
            if second is None
            else ["Then prints '# second run' and the compared run's lines the same way."]
        ),
        '"""',
        *(["import hashlib"] if _reads_file(data) else []),
        "import math",
        "",
        "import numpy as np",
        "import torch",
        "",
        f"APP_QUERY = {None if query is None else dict(query)!r}",
        "",
        "# The app's thread count: float32 sums split across threads round differently.",
        f"torch.set_num_threads({TORCH_THREADS})",
        "",
        _data_code(data).rstrip("\n"),
        *([validation_source(data).rstrip("\n")] if splits else []),
        "train_x = torch.tensor(x, dtype=torch.float32).reshape(-1, 1)",
        "train_y = torch.tensor(y, dtype=torch.float32).reshape(-1, 1)",
        *(
            [
                "val_x = torch.tensor(val_x, dtype=torch.float32).reshape(-1, 1)",
                "val_y = torch.tensor(val_y, dtype=torch.float32).reshape(-1, 1)",
            ]
            if validating
            else []
        ),
        "",
        "",
        "class Net(torch.nn.Module):",
        "    def __init__(self, w0):",
        "        super().__init__()",
        "        self.fc1 = torch.nn.Linear(1, 1, bias=False)",
        "        with torch.no_grad():",
        "            self.fc1.weight.data.fill_(w0)",
        "",
        "    def forward(self, x):",
        "        return torch.sin(self.fc1(x)) ** 2",
        "",
        "",
        *_run_lines(run, has_val and run.validate),
    ]
    if second is not None:
        lines += [
            "",
            "# The second run: the same data, validation set and batch order, trained",
            "# from scratch with its own w0, loss and optimizer.",
            'print("# second run")',
            *_run_lines(second, has_val and second.validate),
        ]
    return "\n".join([*lines, ""])


def _run_lines(s: TrainSettings, validating: bool) -> list[str]:
    # One run of the script: model, loss, optimizer, schedule, batches and the loop.
    scheduler = s.schedule.source(int(s.epochs))
    per_epoch = validating or scheduler is not None
    # The notebook's validation loss (its net.eval() changes nothing for this model).
    val_print = [
        "with torch.no_grad():",
        "    val_loss = criterion(net(val_x), val_y)",
        'print(f"val_loss={val_loss.item()!r}")',
    ]
    lines = [
        f"net = Net({float(s.w0)!r})",
        f"criterion = {s.criterion.source()}",
        f"optimizer = {s.optimizer.source('net.parameters()')}",
        *([f"scheduler = {scheduler}  # stepped once per epoch"] if scheduler else []),
    ]
    if s.batch_size is None:
        lines += [
            f"batches = [(train_x, train_y)] * {int(s.epochs)}  # full batch: one step per epoch",
            *(["steps_per_epoch = 1"] if per_epoch else []),
        ]
    else:
        lines += [
            "loader = torch.utils.data.DataLoader(",
            f"    range(len(train_x)), batch_size={int(s.batch_size)}, shuffle=True,",
            f"    generator=torch.Generator().manual_seed({int(s.seed)}),",
            ")",
            "batches = (",
            f"    (train_x[idx], train_y[idx]) for _ in range({int(s.epochs)}) for idx in loader",
            ")",
            *(["steps_per_epoch = len(loader)"] if per_epoch else []),
        ]
    return [
        *lines,
        "",
        "w = net.fc1.weight.item()",
        *(val_print if validating else []),
        "for step, (xb, yb) in enumerate(batches, 1):" if per_epoch else "for xb, yb in batches:",
        "    optimizer.zero_grad()",
        "    loss = criterion(net(xb), yb)",
        "    loss.backward()",
        "    if not (math.isfinite(loss.item()) and math.isfinite(net.fc1.weight.grad.item())):",
        '        print("# diverged: non-finite loss or gradient")',
        "        break",
        "    print(repr(w))",
        "    optimizer.step()",
        "    w = net.fc1.weight.item()",
        "    if not math.isfinite(w):",
        '        print("# diverged: non-finite weight")',
        "        break",
        *(["    if step % steps_per_epoch == 0:"] if per_epoch else []),
        *(["        " + line for line in val_print] if validating else []),
        *(["        scheduler.step()"] if scheduler else []),
        "else:",
        "    print(repr(w))",
    ]
