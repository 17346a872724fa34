"""Shared test set-up.

Every test runs with one torch thread unless it asks for more: results are
compared within one process at one thread count, and on a busy 2-core machine a
second intra-op thread's spin-waits slow each step ~10x (measured 2.3 ms against
0.25 ms per step at N = 1000). The count in force before is restored; a module
that needs another count sets it in its own module-scoped fixture, which runs
after this one.
"""

import os

import pytest
import torch
from hypothesis import settings

from landscape.train import TORCH_THREADS

# CI draws the same examples every run (a red CI should be reproducible by
# anyone with CI=true); locally hypothesis keeps exploring new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
# The long fuzz run (`pytest tests/test_fuzz.py --hypothesis-profile=fuzz`):
# test_fuzz.py scales its budgets by max_examples / 100, so ten times the examples,
# and opens the heaviest share links; the blob reproduces a failure.
settings.register_profile("fuzz", max_examples=1000, deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def app_threads():
    """The app's thread count (landscape.train.TORCH_THREADS), for modules that
    compare with the app or its scripts: one thread rounds the question's
    gradient differently from two. Use with ``pytestmark``."""
    threads = torch.get_num_threads()
    torch.set_num_threads(TORCH_THREADS)
    yield
    torch.set_num_threads(threads)
