"""The verdict against the notebook's own one-sample-at-a-time check."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from landscape.accuracy import predict, verdict
from landscape.data import Dataset


class Net(torch.nn.Module):
    """The question's model, as the question writes it."""

    def __init__(self, w0: float) -> None:
        super().__init__()
        self.fc1 = torch.nn.Linear(1, 1, bias=False)
        with torch.no_grad():
            self.fc1.weight.data.fill_(w0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sin(self.fc1(x)) ** 2


def notebook_marks(w: float, xs: np.ndarray) -> list[bool]:
    net = Net(w)
    with torch.no_grad():
        return [(net(torch.tensor([[float(x)]])).item() < 0.5) == (x % 2 == 0) for x in xs]


@given(st.floats(-20, 20), st.integers(0, 10**6))
def test_predictions_equal_the_notebooks_one_at_a_time_forward_pass(w: float, x0: int) -> None:
    xs = np.arange(x0, x0 + 50, dtype=np.float64)
    net = Net(w)
    with torch.no_grad():
        expected = [net(torch.tensor([[float(x)]])).item() for x in xs]
    assert predict(w, xs).tolist() == expected


@pytest.mark.parametrize("w", [1.5, np.pi / 2, 1.53, 4.71238898, 0.0])
def test_verdict_counts_what_the_notebook_counts_on_parity_labels(w: float) -> None:
    xs = np.arange(0, 1500, dtype=np.float64)
    data = Dataset(xs, xs % 2)
    got = verdict(data, w)
    assert got.correct == sum(notebook_marks(w, xs))
    assert got.solved == all(notebook_marks(w, xs))


def test_verdict_uses_the_labels_in_use_and_either_sign_of_x() -> None:
    xs = np.arange(-7, 8, dtype=np.float64)
    parity = np.abs(xs) % 2
    assert verdict(Dataset(xs, parity), np.pi / 2).solved
    reversed_ = verdict(Dataset(xs, 1 - parity), np.pi / 2)
    assert reversed_.correct == 0 and not reversed_.solved
    assert verdict(Dataset(xs, 1 - parity), 0.0).correct == np.count_nonzero(parity == 1)


def test_bad_weight_is_refused_naming_the_argument() -> None:
    with pytest.raises(ValueError, match="w must be finite"):
        verdict(Dataset([1.0], [1.0]), float("nan"))
