"""Exports: the generated PyTorch script, run as is, prints the app's weights; tables read back.

The script runs in a fresh interpreter (as a user would run it) and its lines
are compared with ``==`` against ``repr`` of the weights: of a plain PyTorch
loop written here for the question's setup, and of ``landscape.train.train``
(what the app draws) for other settings.
"""

import ast
import csv
import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch
from pseudo import english_left, speak_pseudo
from reference import direct_loss
from test_app import run_app

from landscape import export
from landscape.data import Dataset, Recipe, parity_data
from landscape.export import (
    DATA_FILE,
    MAX_LITERAL_SAMPLES,
    data_csv,
    figure_html,
    landscape_csv,
    pytorch_script,
    trajectory_csv,
)
from landscape.plots import landscape_figure
from landscape.surface import scan_step
from landscape.train import train

pytestmark = pytest.mark.usefixtures("app_threads")


def run_scripts(scripts):
    """Each script's stdout lines (stripped): the first run as a file by its own interpreter,
    the others executed unchanged, one after another, by a second interpreter (one
    torch import instead of one each)."""
    # Idle OpenMP threads sleep: with two interpreters on 2 cores, spinning ones
    # slow every step ~10x. It changes no result.
    env = os.environ | {"OMP_WAIT_POLICY": "PASSIVE"}
    driver = (
        "import contextlib, io, json, sys\n"
        "out = []\n"
        "for code in json.load(sys.stdin):\n"
        "    buf = io.StringIO()\n"
        "    with contextlib.redirect_stdout(buf):\n"
        "        exec(compile(code, 'script.py', 'exec'), {'__name__': '__main__'})\n"
        "    out.append(buf.getvalue())\n"
        "print(json.dumps(out))\n"
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "landscape_run.py"
        path.write_text(scripts[0])
        first = subprocess.Popen(
            [sys.executable, str(path)], stdout=subprocess.PIPE, text=True, env=env
        )
        rest = subprocess.run(
            [sys.executable, "-c", driver],
            input=json.dumps(scripts[1:]),
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            check=True,
        )
        out = first.communicate(timeout=300)[0]
    assert first.returncode == 0
    return [out.splitlines()] + [text.splitlines() for text in json.loads(rest.stdout)]


def plain_loop(seed=0, size=1000, w0=1.5, lr=4e-4, epochs=100):
    """The question's training loop, restated: full batch, SGD, MSE, float32."""
    np.random.seed(seed)
    x = np.random.randint(0, size, size)
    tx = torch.tensor(x.astype(float), dtype=torch.float32).reshape(-1, 1)
    ty = torch.tensor((x % 2).astype(float), dtype=torch.float32).reshape(-1, 1)
    fc = torch.nn.Linear(1, 1, bias=False)
    with torch.no_grad():
        fc.weight.fill_(w0)
    opt = torch.optim.SGD(fc.parameters(), lr=lr)
    weights = [fc.weight.item()]
    for _ in range(epochs):
        opt.zero_grad()
        loss = torch.nn.MSELoss()(torch.sin(fc(tx)) ** 2, ty)
        loss.backward()
        opt.step()
        weights.append(fc.weight.item())
    return [repr(w) for w in weights]


CASES = [
    (Recipe(), 1.5, {"optimizer": "adamw", "lr": 0.01, "batch_size": 64, "epochs": 3, "seed": 5}),
    (
        Recipe("real", n=300, high=50, seed=2, noise=0.1),
        1.5,
        {"momentum": 0.9, "nesterov": True},
    ),
    (
        Recipe("range", start=-3, stop=40),
        1.5,
        {"optimizer": "rmsprop", "momentum": 0.5, "lr": 1e-3},
    ),
]
CUSTOM = Dataset(np.array([0.5, 2.0, 3.25, 7.0]), np.array([0.0, 1.0, 0.3, 1.0]), name="custom")


def test_scripts_print_the_weights_the_app_shows():
    question = train(Recipe().build(), 1.5)
    runs = [train(r.build(), w0, **kw) for r, w0, kw in CASES]
    custom = train(CUSTOM, 1.5, lr=0.05, epochs=40)
    scripts = [pytorch_script(Recipe(), question.settings)]
    scripts += [pytorch_script(r, run.settings) for (r, _, _), run in zip(CASES, runs, strict=True)]
    scripts.append(pytorch_script(CUSTOM, custom.settings))
    outs = run_scripts(scripts)
    assert outs[0] == plain_loop()
    for run, out in zip(runs, outs[1:], strict=False):
        assert out == [repr(float(w)) for w in run.w], run.settings
    assert outs[-1] == [repr(float(w)) for w in custom.w]


def test_script_is_plain_pytorch():
    run = train(Recipe().build(), 1.5, epochs=1, momentum=0.9, nesterov=True)
    code = pytorch_script(Recipe(), run.settings)
    assert "torch.optim.SGD(net.parameters(), lr=0.0004, momentum=0.9, nesterov=True)" in code
    assert "landscape" not in code.split('"""')[-1]  # no import of this project
    compile(code, "script.py", "exec")


def test_data_beyond_the_literal_limit_are_read_from_the_data_csv_and_checked(
    tmp_path, monkeypatch
):
    x = np.random.default_rng(3).uniform(-50, 50, MAX_LITERAL_SAMPLES + 1)
    big = Dataset(x, np.floor(x) % 2, name=CRAFTED)
    code = pytorch_script(big, train(CUSTOM, 1.5, epochs=1).settings, query={"upload": "h.ab"})
    assert len(code) < 10_000 and "PWNED" not in code and "parity" not in code
    assert "APP_QUERY = {'upload': 'h.ab'}" in code and "np.loadtxt" in code
    # The same form on a few samples (the limit lowered): it prints the app's weights.
    monkeypatch.setattr(export, "MAX_LITERAL_SAMPLES", 12)
    few = Dataset(x[:13], big.y[:13])
    run = train(few, 1.5, lr=1e-3, epochs=20)
    code = pytorch_script(few, run.settings)
    assert "np.loadtxt" in code
    (tmp_path / "run.py").write_text(code)
    (tmp_path / DATA_FILE).write_text(data_csv(few))
    env = os.environ | {"OMP_WAIT_POLICY": "PASSIVE"}
    out = subprocess.run(
        [sys.executable, "run.py"], cwd=tmp_path, capture_output=True, text=True, env=env
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == [repr(float(w)) for w in run.w]
    # Other samples under the same name are refused, not trained on.
    (tmp_path / DATA_FILE).write_text(data_csv(Dataset(few.x[::-1], few.y)))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit, match="holds other samples"):
        exec(compile(code, "run.py", "exec"), {"__name__": "__main__"})


def test_data_csv_reads_back_exactly_without_the_name():
    data = Dataset([-0.0, 1e-300, 2.5, 7.0], [0.1, 1.0, 0.0, 1.0], name=CRAFTED)
    text = data_csv(data)
    assert "PWNED" not in text and "script" not in text
    x, y = np.loadtxt(io.StringIO(text), delimiter=",", unpack=True, ndmin=2)
    assert x.tobytes() == data.x.tobytes() and y.tobytes() == data.y.tobytes()


def test_an_upload_script_names_the_link_of_its_data_and_no_parity():
    run = train(CUSTOM, 1.5, epochs=2)
    code = pytorch_script(CUSTOM, run.settings, query={"upload": "z.abc", "lr": "0.1"})
    assert "APP_QUERY = {'upload': 'z.abc', 'lr': '0.1'}" in code and "parity" not in code
    assert "APP_QUERY = None" in pytorch_script(CUSTOM, run.settings, query=None)


def read_csv(text):
    rows = [line for line in text.splitlines() if not line.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(rows))))


def test_landscape_csv_is_the_exact_loss_on_a_fine_grid():
    data = parity_data(200, 300, 1)
    rows = read_csv(landscape_csv(data, 1.5, 1.6))
    w = np.array([float(r["w"]) for r in rows])
    loss = np.array([float(r["loss"]) for r in rows])
    assert w[0] == 1.5 and w[-1] == 1.6 and np.diff(w).max() <= scan_step(data) * (1 + 1e-9)
    pick = np.linspace(0, w.size - 1, 30).astype(int)
    ref = direct_loss(data.x, data.y, w[pick]).astype(np.float64)
    np.testing.assert_allclose(loss[pick], ref, atol=1e-11)


def test_trajectory_csv_holds_the_run_exactly():
    data = parity_data(100, 100, 0)
    run = train(data, 1.5, epochs=12)
    rows = read_csv(trajectory_csv(data, run))
    assert [int(r["step"]) for r in rows] == list(range(13))
    assert [float(r["w"]) for r in rows] == list(run.w)
    assert [float(r["float32_loss"]) for r in rows] == list(run.float32_loss)
    exact = direct_loss(data.x, data.y, run.w).astype(np.float64)
    np.testing.assert_allclose([float(r["exact_loss"]) for r in rows], exact, atol=1e-11)


def test_trajectory_csv_leaves_missing_columns_empty():
    class Run:
        w = np.array([1.5, 1.51])

    rows = read_csv(trajectory_csv(parity_data(10, 10, 0), Run()))
    assert rows[0]["float32_loss"] == "" and rows[1]["float32_grad"] == ""
    assert [r["val_loss"] for r in rows] == ["", ""]


def notebook_accuracy(data, w):
    """The notebook's count, restated: one float32 forward pass of [[float(x)]] per sample."""
    fc = torch.nn.Linear(1, 1, bias=False)
    with torch.no_grad():
        fc.weight.fill_(w)
        preds = [(torch.sin(fc(torch.tensor([[float(x)]]))) ** 2).item() for x in data.x]
    return sum((p >= 0.5) == (y >= 0.5) for p, y in zip(preds, data.y, strict=True)) / data.n


def test_trajectory_csv_has_the_validation_loss_per_epoch_and_the_accuracy_per_step():
    recipe = Recipe("range", start=-5, stop=35, holdout=0.25, seed=3, noise=0.05)
    data = recipe.build()
    run = train(data, 1.5, lr=0.01, epochs=4, batch_size=8, val=recipe.validation())
    text = trajectory_csv(data, run)
    rows = read_csv(text)
    assert len(rows) == run.w.size == 17 and list(run.epoch_states) == [0, 4, 8, 12, 16]
    vals = {int(r["step"]): r["val_loss"] for r in rows if r["val_loss"]}
    assert vals == {k: repr(float(v)) for k, v in zip(run.epoch_states, run.val_loss, strict=True)}
    acc = [float(r["train_accuracy"]) for r in rows]
    assert acc == [notebook_accuracy(data, float(w)) for w in run.w]
    assert "train_accuracy: at every state" in text.splitlines()[1]


def test_trajectory_csv_judges_epoch_states_beyond_the_cap(monkeypatch):
    data = parity_data(60, 60, 1)
    run = train(data, 1.5, lr=0.01, epochs=5, batch_size=16)  # 4 steps per epoch, 21 states
    monkeypatch.setattr(export, "ACCURACY_CAP", 60 * 20)
    rows = read_csv(text := trajectory_csv(data, run))
    judged = [int(r["step"]) for r in rows if r["train_accuracy"]]
    assert judged == [0, 4, 8, 12, 16, 20] and "after each epoch only" in text
    assert all(r["val_loss"] == "" for r in rows)  # no validation set given
    monkeypatch.setattr(export, "ACCURACY_CAP", 60 * 3)  # room for 3 of the 6 epoch ends
    rows = read_csv(trajectory_csv(data, run))
    judged = [int(r["step"]) for r in rows if r["train_accuracy"]]
    assert judged == [0, 8, 20]
    assert [float(rows[k]["train_accuracy"]) for k in judged] == [
        notebook_accuracy(data, float(run.w[k])) for k in judged
    ]


def test_figure_html_is_standalone():
    html = figure_html(landscape_figure(parity_data(50, 50, 0), 1.5, 1.6))
    assert html.lstrip().lower().startswith("<!doctype html>") and len(html) > 1_000_000
    assert '<script src="http' not in html and "Plotly.newPlot" in html


CRAFTED = (
    "a).\nimport os; os.system('echo PWNED > /tmp/pwned')  # (.csv\r\n<script>alert(1)</script>"
)


def test_a_crafted_name_reaches_no_export_as_code_or_markup():
    """Issue 13: a dataset name from an upload is data in every export, never code or markup."""
    benign = Dataset(CUSTOM.x, CUSTOM.y, name="custom")
    crafted = Dataset(CUSTOM.x, CUSTOM.y, name=CRAFTED)
    run = train(benign, 1.5, epochs=3)
    plain, evil = pytorch_script(benign, run.settings), pytorch_script(crafted, run.settings)
    # The generated script is the template's statements, whatever the name.
    assert [type(n).__name__ for n in ast.parse(evil).body] == [
        type(n).__name__ for n in ast.parse(plain).body
    ]
    assert "os.system" not in evil and "PWNED" not in evil
    # Tables: the name may appear in a comment, escaped onto one line.
    for make in (lambda d: landscape_csv(d, 1.0, 1.2), lambda d: trajectory_csv(d, run)):
        a, b = make(benign), make(crafted)
        assert len(a.splitlines()) == len(b.splitlines())
        assert read_csv(a) == read_csv(b)
        assert all(line.startswith("#") for line in b.splitlines() if "PWNED" in line)
    # The figure: plotly.js and the data, no name and no script from it.
    html = figure_html(landscape_figure(crafted, 1.0, 1.2))
    assert "alert(1)" not in html and "PWNED" not in html


# --- the tab's words ---------------------------------------------------------------------


def test_the_url_key_tables_ranges_are_the_settings_own_in_english():
    from lab.state import PARAMS

    # What the tab's table shows in the "allowed" column.
    allowed = [str(p.allowed()) for p in PARAMS]
    assert allowed == [p.describe() for p in PARAMS]


def test_a_compared_run_is_in_the_tabs_script():
    at = run_app({"tab": "Export", "cmp": "true", "opt2": "rmsprop", "lr2": "0.002", "w02": "1.6"})
    (code,) = [c.value for c in at.code if "import torch" in c.value]
    assert code.count('print("# second run")') == 1 and "net = Net(1.6)" in code
    assert "torch.optim.RMSprop(net.parameters(), lr=0.002" in code
    assert "Second run trajectory (CSV)" in [d.proto.label for d in at.get("download_button")]


@pytest.mark.parametrize("preset", ["The question (fails)", "Adam"])
def test_the_tab_speaks_the_pages_language_and_the_script_stays_english(preset, monkeypatch):
    speak_pseudo(monkeypatch)
    at = run_app({"tab": "Export", "lang": "zh", "preset": preset})
    words = [m.value for m in at.main.markdown if "Take it" in m.value or "script" in m.value]
    words += [c.value for c in at.main.caption] + [e.label for e in at.expander]
    words += [d.proto.label for d in at.get("download_button")]
    (table,) = at.dataframe
    words += [*table.value.columns, *table.value.iloc[:, 1], *table.value.iloc[:, 2]]
    assert len(words) > 40 and not [(w, english_left(w)) for w in words if english_left(w)]
    (code,) = [c.value for c in at.code if "import torch" in c.value]
    assert "«" not in code
