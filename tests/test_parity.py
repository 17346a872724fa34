"""The parity strip against the question's notebook loop, run one x at a time."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import plotly.graph_objects as go
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from test_accuracy import Net  # the question's model, as the question writes it

from landscape.parity import MAX_MARKS, strip
from landscape.plots.parity import strip_figure, weight_figure


def notebook_printout(w: float, test_numbers: np.ndarray) -> str:
    """What the notebook's last cell prints, captured, for the given numbers."""
    net = Net(w)
    net.eval()
    out = io.StringIO()
    with contextlib.redirect_stdout(out), torch.no_grad():
        for x in test_numbers:
            test_input = torch.tensor([[float(x)]], dtype=torch.float32)
            pred = net(test_input).item()
            print("✅" if (pred < 0.5) == (x % 2 == 0) else "❌", end="")
            if (x + 1) % 60 == 0:
                print()
    return out.getvalue()


@pytest.mark.parametrize("w", [1.5, 1.52, np.pi / 2, 1.5707963, 4.71238898, -1.5707964])
def test_default_strip_is_the_notebooks_printout(w: float) -> None:
    marks = strip(w)
    printed = notebook_printout(w, np.arange(0, 1500, 1))
    assert marks.text() == printed
    assert marks.total == 1500
    assert marks.correct == printed.count("✅")
    assert marks.fraction == printed.count("✅") / 1500


@settings(max_examples=25, deadline=None)
@given(w=st.floats(-20, 20), start=st.integers(-(10**6), 10**6), size=st.integers(1, 200))
def test_any_range_matches_the_loop_one_x_at_a_time(w: float, start: int, size: int) -> None:
    numbers = np.arange(start, start + size, 1)
    marks = strip(w, start, start + size)
    assert marks.text() == notebook_printout(w, numbers)
    net = Net(w)
    with torch.no_grad():
        preds = [net(torch.tensor([[float(x)]], dtype=torch.float32)).item() for x in numbers]
    assert marks.prediction.tolist() == preds
    row, column = marks.cells()
    assert np.all(column == numbers % 60) and row[0] == 0 and np.all(np.diff(row) >= 0)


def test_bad_ranges_are_refused_by_name() -> None:
    with pytest.raises(ValueError, match="stop"):
        strip(1.5, 10, 10)
    with pytest.raises(ValueError, match="stop"):
        strip(1.5, 0, MAX_MARKS + 1)
    with pytest.raises(ValueError, match="per_row"):
        strip(1.5, 0, 10, 0)
    with pytest.raises(ValueError, match="w"):
        strip(float("nan"))


def test_figures_are_valid_plotly() -> None:
    marks = strip(1.5, 7, 300)
    fig = strip_figure(marks)
    go.Figure(fig.to_dict())
    z = np.asarray(fig.data[0].z)
    assert np.nansum(z) == marks.correct and np.count_nonzero(~np.isnan(z)) == marks.total
    w = weight_figure(np.arange(1, 11), np.linspace(1.5, 1.6, 10), np.pi / 2, "π/2", current=3)
    go.Figure(w.to_dict())
