"""The README's notebook example runs as printed and draws what it says, and the
package is installed as the README's notebook section says (`make` set-up)."""

import os
import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import plotly.graph_objects as go
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


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


def requirements(lines):
    return sorted(str(Requirement(line)) for line in lines)


def test_installed_metadata_matches_pyproject_and_requirements():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pinned = (ROOT / "requirements.txt").read_text().splitlines()
    dist = metadata.distribution(project["name"])
    assert dist.version == project["version"]
    assert requirements(dist.requires) == requirements(
        line for line in pinned if line.strip() and not line.startswith("#")
    )


def test_import_landscape_works_from_any_directory(tmp_path):
    # No PYTHONPATH and another working directory: only the installed package can answer.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    code = "import landscape; print(landscape.__file__)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert Path(out.stdout.strip()) == ROOT / "landscape" / "__init__.py"
