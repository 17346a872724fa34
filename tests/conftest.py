"""Shared test set-up.

Every test runs with one torch thread unless it asks for more: results are
compared within one process at one thread count, and on a busy 2-core machine a
second intra-op thread's spin-waits slow each step ~10x (measured 2.3 ms against
0.25 ms per step at N = 1000). The count in force before is restored; a module
that needs another count sets it in its own module-scoped fixture, which runs
after this one.
"""

import gettext
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import torch
from hypothesis import settings

from landscape import i18n
from landscape.train import TORCH_THREADS

ROOT = Path(__file__).resolve().parents[1]
#: Debian's Chromium, which the browser tests drive through Playwright.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server():
    """``streamlit run app.py`` on a free port, shared by the browser tests; yields its URL."""
    port = _free_port()
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
        "--server.headless", "true", "--server.fileWatcherType", "none",
        "--server.port", str(port), "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://localhost:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.read().decode().strip() == "ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start: {proc.stderr.read().decode()[-2000:]}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium driven by Playwright, one per module.

    Without /usr/bin/chromium (or Playwright) the test fails when the
    environment variable CI is set, and is skipped otherwise.
    """
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium", pytrace=False)
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Marked(gettext.NullTranslations):
    """A stand-in catalog that shows which msgid it translated: «msgid»."""

    def gettext(self, message):
        return f"«{message}»"

    def ngettext(self, singular, plural, n):
        return f"«{singular if n == 1 else plural}»"


@pytest.fixture
def marked():
    """This thread speaks :class:`Marked` during the test: every translated string shows as such."""
    token = i18n._current.set(Marked())
    yield
    i18n._current.reset(token)
