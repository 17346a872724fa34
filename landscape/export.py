"""Files a user can take away: CSV tables, the figure as HTML, the settings, a PyTorch script.

Every function returns text (``str``) and writes nothing, so that the app can
hand it to a download button and a notebook can save it where it likes. The
generated script (:func:`pytorch_script`) is self-contained (numpy and torch
only) and replays :func:`landscape.train.train` for the same settings: run as
is, it prints the weights the app shows, one ``repr`` per line.
"""

from __future__ import annotations

import io
import json
from dataclasses import asdict
from typing import Any

import numpy as np
import plotly.graph_objects as go

from .data import Dataset
from .plots import Run, dense_grid, exact_loss
from .settings import DATA_PARITY, DATA_RANGE, DATA_REAL, Settings
from .spectrum import Spectrum
from .surface import as_spectrum, loss_curve

#: torch's intra-op thread count for runs that must match the question's script
#: bit for bit, in the app and in generated scripts. One thread rounds the
#: weight gradient (the 1000-term float32 dot product in the backward pass of
#: ``nn.Linear``) differently from any multi-threaded count (2, 4, 8 agree),
#: and the question's run then departs from the student's after 15 steps.
#: (Beyond ~32k samples the reductions split by thread count: 2 is pinned.)
TORCH_THREADS = 2

#: Most samples :func:`pytorch_script` writes out literally (the file would pass 2 MB).
MAX_LITERAL_SAMPLES = 50_000

_OPTIMIZER_CLASS = {
    "sgd": "SGD",
    "adam": "Adam",
    "adamw": "AdamW",
    "rmsprop": "RMSprop",
    "adagrad": "Adagrad",
}


def _csv(header: list[str], columns: list[np.ndarray], comment: str) -> str:
    out = io.StringIO()
    for line in comment.splitlines():
        out.write(f"# {line}\n")
    out.write(",".join(header) + "\n")
    for row in zip(*columns, strict=True):
        out.write(",".join(repr(float(v)) for v in row) + "\n")
    return out.getvalue()


def landscape_csv(data: Dataset | Spectrum, lo: float, hi: float) -> str:
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


def trajectory_csv(data: Dataset | Spectrum, run: Run) -> str:
    """A run, one row per state k: ``step, w, loss, grad, exact_loss``.

    ``loss`` and ``grad`` are the run's own (float32 for a
    :class:`~landscape.train.Trajectory`) when it has them, empty otherwise;
    ``exact_loss`` is the float64 series at ``w`` (empty beyond ``|w| = 1000``,
    where a diverged run may go).
    """
    spec = as_spectrum(data)
    w = np.asarray(run.w, dtype=np.float64)
    blank = np.full(w.size, np.nan)
    loss = np.asarray(getattr(run, "loss", blank), dtype=np.float64)
    grad = np.asarray(getattr(run, "grad", blank), dtype=np.float64)
    comment = f"Training run on {spec.data!r}; state k is the model after k optimizer steps"
    columns = [np.arange(w.size), w, loss, grad, exact_loss(spec, w)]
    text = _csv(["step", "w", "loss", "grad", "exact_loss"], columns, comment)
    # Steps are whole numbers and missing values are empty, not "nan".
    return "\n".join(_tidy_row(line) for line in text.split("\n"))


def _tidy_row(line: str) -> str:
    if not line or line.startswith("#") or line.startswith("step"):
        return line
    step, rest = line.split(",", 1)
    return ",".join([str(int(float(step)))] + ["" if v == "nan" else v for v in rest.split(",")])


def figure_html(fig: go.Figure) -> str:
    """The figure as one standalone HTML file (plotly.js inlined, works offline; ~5 MB)."""
    return fig.to_html(include_plotlyjs=True, full_html=True, auto_play=False)


def settings_json(settings: Settings) -> str:
    """Every setting by key, plus ``query``: the URL parameters that reproduce them."""
    payload: dict[str, Any] = {"settings": asdict(settings), "query": settings.to_query()}
    return json.dumps(payload, indent=2)


def _data_code(settings: Settings, data: Dataset | None) -> str:
    if data is not None:
        if data.n > MAX_LITERAL_SAMPLES:
            raise ValueError(
                f"data holds {data.n} samples; at most {MAX_LITERAL_SAMPLES} can be written out"
            )
        xs = ", ".join(repr(float(v)) for v in data.x)
        ys = ", ".join(repr(float(v)) for v in data.y)
        return (
            f"# The data, written out ({data.name}).\nx = np.array([{xs}])\ny = np.array([{ys}])\n"
        )
    s = settings
    if s.data == DATA_PARITY:
        code = (
            f"# The question's draw: {s.n} integers from [0, {s.high}), repeats allowed.\n"
            f"x = np.random.RandomState({s.seed}).randint(0, {s.high}, {s.n})\n"
            "y = (x % 2).astype(float)\n"
            "x = x.astype(float)\n"
        )
    elif s.data == DATA_RANGE:
        code = (
            f"# Consecutive integers {s.start} .. {s.stop - 1}.\n"
            f"x = np.arange({s.start}, {s.stop})\n"
            "y = (x % 2).astype(float)\n"
            "x = x.astype(float)\n"
        )
    elif s.data == DATA_REAL:
        code = (
            f"# {s.n} real x from [0, {s.high}), labelled by the parity of floor(x).\n"
            f"x = np.random.default_rng({s.seed}).uniform(0.0, {float(s.high)!r}, {s.n})\n"
            "y = np.floor(x) % 2\n"
        )
    else:  # pragma: no cover - Settings validates data
        raise ValueError(f"unknown data kind {s.data!r}")
    if s.noise > 0:
        code += (
            f"# Label noise: sigma * N(0, 1), sigma = {s.noise!r}.\n"
            f"y = y + {s.noise!r} * np.random.default_rng({s.seed}).normal(size=x.size)\n"
        )
    return code


def _optimizer_code(settings: Settings) -> str:
    # The same call as landscape.train: lr plus only what differs from torch's
    # defaults (AdamW's default weight decay is 0.01, so 0.0 is passed to it).
    s = settings
    args = [f"lr={s.lr!r}"]
    if s.opt in ("sgd", "rmsprop") and s.momentum != 0.0:
        args.append(f"momentum={s.momentum!r}")
    if s.opt == "sgd" and s.nesterov:
        args.append("nesterov=True")
    if s.opt == "adamw":
        args.append("weight_decay=0.0")
    return f"torch.optim.{_OPTIMIZER_CLASS[s.opt]}(net.parameters(), {', '.join(args)})"


def pytorch_script(settings: Settings, data: Dataset | None = None) -> str:
    """A self-contained PyTorch script that trains the plain run of ``settings``.

    It is the question's script reduced to its training loop: the same data
    draw (or ``data`` written out literally, e.g. for uploaded samples, at most
    :data:`MAX_LITERAL_SAMPLES`), ``nn.Linear(1, 1, bias=False)`` then
    ``sin(.)**2``, ``nn.MSELoss``, the chosen ``torch.optim`` optimizer, and for
    mini-batches the ``DataLoader`` shuffling of :func:`landscape.train.train`.
    It prints ``repr(w)`` before the first step and after every step: the
    weights the app shows. A run that meets a non-finite loss or gradient
    stops there, as the app's does.
    """
    s = settings
    lines = [
        '"""Landscape Lab run: learn w in x -> sin(w x)**2 by gradient descent on parity labels.',
        "",
        "Generated by Landscape Lab; reproduce it in the app with the URL parameters",
        f"    {json.dumps(s.to_query())}",
        "Prints w before the first step and after every optimizer step, one per line.",
        '"""',
        "import math",
        "",
        "import numpy as np",
        "import torch",
        "",
        "# The app's thread count: float32 sums split across threads round differently.",
        f"torch.set_num_threads({TORCH_THREADS})",
        "",
        _data_code(s, data).rstrip("\n"),
        "train_x = torch.tensor(x, dtype=torch.float32).reshape(-1, 1)",
        "train_y = torch.tensor(y, dtype=torch.float32).reshape(-1, 1)",
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
        f"net = Net({s.w0!r})",
        "criterion = torch.nn.MSELoss()",
        f"optimizer = {_optimizer_code(s)}",
    ]
    if s.batch == 0:
        lines += [
            f"batches = [(train_x, train_y)] * {s.epochs}  # full batch: one step per epoch",
        ]
    else:
        lines += [
            "loader = torch.utils.data.DataLoader(",
            f"    range(len(train_x)), batch_size={s.batch}, shuffle=True,",
            f"    generator=torch.Generator().manual_seed({s.tseed}),",
            ")",
            "batches = (",
            f"    (train_x[idx], train_y[idx]) for _ in range({s.epochs}) for idx in loader",
            ")",
        ]
    lines += [
        "",
        "w = net.fc1.weight.item()",
        "for xb, yb in batches:",
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
        "else:",
        "    print(repr(w))",
        "",
    ]
    return "\n".join(lines)
