"""The question's notebook (question-zh.txt), restated for the tests: no code from the project.

``generate_data`` and ``Net`` are the notebook's own; :func:`notebook` is its
training loop, generalised only where the issue asks (another ``torch.nn``
loss, a ``torch.optim.lr_scheduler`` stepped once per epoch, another optimizer,
mini-batches from a seeded ``DataLoader``), evaluating the validation loss
after each epoch's step exactly as the notebook does.
"""

import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset


def generate_data(size):
    x = np.random.randint(0, size, size)
    return x.astype(float), (x % 2).astype(float)


class Net(torch.nn.Module):
    def __init__(self, w0=1.5):
        super().__init__()
        self.fc1 = torch.nn.Linear(1, 1, bias=False)
        with torch.no_grad():
            self.fc1.weight.data.fill_(w0)

    def forward(self, x):
        x = self.fc1(x)
        return torch.sin(x) ** 2


def as_column(values):
    return torch.tensor(values, dtype=torch.float32).reshape(-1, 1)


def notebook(
    train_x,
    train_y,
    val_x=None,
    val_y=None,
    *,
    w0=1.5,
    lr=4e-4,
    epochs=100,
    criterion=None,
    scheduler=None,
    batch_size=None,
    optimizer=None,
):
    """The notebook's loop; returns per-epoch (loss, val_loss, weight) and each step's weight."""
    train_x, train_y = as_column(train_x), as_column(train_y)
    net = Net(w0)
    criterion = criterion or torch.nn.MSELoss()
    optimizer = (optimizer or (lambda p: torch.optim.SGD(p, lr=lr)))(net.parameters())
    scheduler = scheduler(optimizer) if scheduler else None
    batches = epoch_batches(train_x, train_y, batch_size, seed=0)
    rows, weights, lrs = [], [], []
    for epoch in range(epochs):
        net.train()
        for xb, yb in batches:
            lrs.append(optimizer.param_groups[0]["lr"])
            optimizer.zero_grad()
            output = net(xb)
            loss = criterion(output, yb)
            loss.backward()
            optimizer.step()
            weights.append(net.fc1.weight.item())
        net.eval()
        val_loss = None
        if val_x is not None:
            with torch.no_grad():
                val_output = net(as_column(val_x))
                val_loss = criterion(val_output, as_column(val_y)).item()
        w = net.fc1.weight.item()
        rows.append((epoch, loss.item(), val_loss, w))
        if scheduler is not None:
            scheduler.step()
    return rows, weights, lrs


def question_draws(seed=0, size=1000):
    np.random.seed(seed)
    train_x, train_y = generate_data(size)
    val_x, val_y = generate_data(size)
    return train_x, train_y, val_x, val_y


def epoch_batches(train_x, train_y, batch_size, seed):
    """One epoch's batches: the whole set, or a seeded shuffling DataLoader's."""
    if batch_size is None:
        return [(train_x, train_y)]
    return DataLoader(
        TensorDataset(train_x, train_y),
        batch_size=batch_size,
        shuffle=True,
        generator=torch.Generator().manual_seed(seed),
    )
