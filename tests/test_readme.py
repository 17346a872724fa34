"""The README's notebook example runs as printed and draws what it says."""

import re
from pathlib import Path

import plotly.graph_objects as go

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks():
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


def test_notebook_example_draws_the_landscape_with_the_run(monkeypatch):
    shown = []
    monkeypatch.setattr(go.Figure, "show", lambda fig, *a, **k: shown.append(fig))
    (example,) = python_blocks()
    exec(compile(example, str(README), "exec"), {})
    (fig,) = shown
    names = [str(t.name) for t in fig.data]
    assert any(n.startswith("exact loss") for n in names)
    assert any(n.startswith("path of the run") for n in names)
    assert len(fig.frames) > 1  # animated in the browser
