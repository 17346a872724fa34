"""The Notebook tab's page against the question's notebook (its per-epoch numbers are
landscape.notebook's, tested in test_notebook.py)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

from landscape.train import TORCH_THREADS


class Net(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = torch.nn.Linear(1, 1, bias=False)
        with torch.no_grad():
            self.fc1.weight.data.fill_(1.5)

    def forward(self, x):
        x = self.fc1(x)
        return torch.sin(x) ** 2


def notebook_rows(seed: int, epochs: int) -> list[tuple[float, float, float]]:
    """The notebook's cells, verbatim but for the seed and the number of epochs."""
    np.random.seed(seed)

    def generate_data(size):
        x = np.random.randint(0, size, size)
        return x.astype(float), (x % 2).astype(float)

    train_x, train_y = generate_data(1000)
    val_x, val_y = generate_data(1000)
    train_x = torch.tensor(train_x, dtype=torch.float32).reshape(-1, 1)
    train_y = torch.tensor(train_y, dtype=torch.float32).reshape(-1, 1)
    val_x = torch.tensor(val_x, dtype=torch.float32).reshape(-1, 1)
    val_y = torch.tensor(val_y, dtype=torch.float32).reshape(-1, 1)
    net = Net()
    criterion = torch.nn.MSELoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.0004)
    rows = []
    for _epoch in range(epochs):
        net.train()
        optimizer.zero_grad()
        output = net(train_x)
        loss = criterion(output, train_y)
        loss.backward()
        optimizer.step()
        net.eval()
        with torch.no_grad():
            val_output = net(val_x)
            val_loss = criterion(val_output, val_y)
        rows.append((loss.item(), val_loss.item(), net.fc1.weight.item()))
    return rows


@pytest.fixture
def threads():
    before = torch.get_num_threads()
    torch.set_num_threads(TORCH_THREADS)
    yield
    torch.set_num_threads(before)


def _page(query: dict[str, str]) -> AppTest:
    def script() -> None:
        import streamlit as st

        from lab.state import Settings
        from lab.tabs.notebook import notebook_tab

        notebook_tab(Settings.from_query(st.query_params.to_dict())[0])

    at = AppTest.from_function(script, default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def test_page_states_the_notebooks_numbers_and_follows_the_step(threads) -> None:
    at = _page({})
    assert not at.exception
    rows = notebook_rows(0, 100)
    table = at.dataframe[0].value
    assert list(zip(table["loss"], table["val loss"], table["weight"], strict=True)) == rows
    for step in (100, 37):
        if step != 100:
            at.slider(key="nb_step").set_value(step).run()
        w = rows[step - 1][2]  # the weight the notebook appends after epoch step - 1
        net = Net()
        with torch.no_grad():
            net.fc1.weight.data.fill_(w)
            right = sum(
                (net(torch.tensor([[float(x)]])).item() < 0.5) == (x % 2 == 0) for x in range(1500)
            )
        text = " ".join(m.value for m in at.markdown)
        assert f"**{right:,} of 1,500**" in text
        assert f"({100 * right / 1500:.2f} %)" in text.replace("**", "")
        assert f"Weight: {w:.8f}" in text
    assert "The comb comes from the model's frequencies, not the loss." in text


def test_page_refuses_nothing_on_other_data(threads) -> None:
    for query in ({"noise": "0.3"}, {"data": "random reals"}, {"loss": "l1", "epochs": "5"}):
        at = _page(query)
        assert not at.exception, query
        assert not at.error, query
