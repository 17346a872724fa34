"""``make class``: two replicas behind haproxy, sticky by cookie, opened in a real browser.

The browser test starts ``tools/classroom.py --replicas 2`` (what ``make class``
runs) on free ports, opens the app through haproxy in two Chromium contexts
(two students), and checks that each got a page, a sticky cookie naming a
different replica, and a websocket routed by that cookie; then stops the
launcher with SIGINT (Ctrl-C) and checks that no process and no port is left.
Needs /usr/bin/chromium and haproxy: without them it fails when the
environment variable CI is set, and is skipped otherwise. The configuration
tests need neither (one asks haproxy itself to check the file when it is there).
"""

import importlib.util
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
IDLE = "[data-test-script-state='notRunning']"
HAPROXY = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin")
COOKIE = "lab_replica"
# Two students' share links.
LINKS = ("?w0=1.45&epochs=40", "?w0=1.52&epochs=40&lr=0.0005")

_spec = importlib.util.spec_from_file_location("classroom", ROOT / "tools" / "classroom.py")
classroom = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(classroom)


def need(what: str, present: bool) -> None:
    if not present:
        if os.environ.get("CI"):
            pytest.fail(f"{what} is missing: bash tools/ensure-chromium.sh as root", pytrace=False)
        pytest.skip(f"{what} is missing (bash tools/ensure-chromium.sh as root)")


# --- the configuration -------------------------------------------------------------------


def test_config_names_each_replica_with_its_port_and_cookie():
    text = classroom.haproxy_config(9000, 3)
    assert re.search(r"^\s*bind :9000$", text, re.M)
    servers = re.findall(r"^\s*server (r\d) 127\.0\.0\.1:(\d+) cookie (r\d) check$", text, re.M)
    assert servers == [("r1", "9001", "r1"), ("r2", "9002", "r2"), ("r3", "9003", "r3")]
    assert "$" not in text
    # The websocket needs haproxy's default keep-alive mode and a long tunnel timeout.
    assert not re.search(r"^\s*option (http-server-close|httpclose)", text, re.M)
    assert re.search(r"^\s*timeout tunnel 1h$", text, re.M)


@pytest.mark.parametrize(
    ("port", "replicas", "name"),
    [
        (8500, 0, "replicas"),
        (8500, 17, "replicas"),
        (8500, True, "replicas"),
        (8500, "2", "replicas"),
        (8500, 2.0, "replicas"),
        (1023, 2, "port"),
        (65534, 2, "port"),
        ("8500\nlisten x", 2, "port"),
    ],
)
def test_config_refuses_anything_but_integers_in_range(port, replicas, name):
    with pytest.raises(ValueError, match=f"^{name} must be an integer in"):
        classroom.haproxy_config(port, replicas)


def test_haproxy_accepts_the_config(tmp_path):
    need("haproxy", HAPROXY is not None)
    (tmp_path / "haproxy.cfg").write_text(classroom.haproxy_config(8500, 2))
    check = subprocess.run(
        [HAPROXY, "-c", "-f", "haproxy.cfg"], cwd=tmp_path, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr


# --- the class in a browser --------------------------------------------------------------


def free_block(n: int) -> int:
    """A port p with p .. p + n - 1 free on all interfaces."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("", 0))
            port = s.getsockname()[1]
        if port + n <= 65535 and all(_free(p) for p in range(port, port + n)):
            return port
    raise RuntimeError(f"no {n} consecutive free ports")


def _free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers do
        try:
            s.bind(("", port))
        except OSError:
            return False
        return True


def children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        out += [int(c) for c in (task / "children").read_text().split()]
    return out


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def stats(run: Path) -> dict[str, dict[str, str]]:
    """haproxy's ``show stat`` for the replicas, by server name."""
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(str(run / "haproxy.sock"))
        s.sendall(b"show stat\n")
        raw = b""
        while chunk := s.recv(65536):
            raw += chunk
    head, *rows = raw.decode().strip().splitlines()
    names = head.lstrip("# ").split(",")
    table = [dict(zip(names, row.split(","), strict=False)) for row in rows]
    return {r["svname"]: r for r in table if r["pxname"] == "replicas"}


def websockets_logged(log: Path, n: int, timeout: float) -> list[tuple[str, str]]:
    """(server, cookie status) of the websockets haproxy logged, once ``n`` have ended."""
    deadline = time.monotonic() + timeout
    while True:
        found = re.findall(
            r"replicas/(r\d) \S+ 101 \S+ \S+ \S+ --(.). .*GET /_stcore/stream", log.read_text()
        )
        if len(found) >= n or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def wait_ready(proc: subprocess.Popen, out: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while "class ready" not in out.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the class did not start:\n{out.read_text()[-3000:]}")
        time.sleep(0.3)


@pytest.mark.browser
def test_two_students_land_on_two_replicas_and_ctrl_c_stops_all(tmp_path):
    need("haproxy", HAPROXY is not None)
    need(CHROMIUM, os.path.exists(CHROMIUM))
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    port = free_block(3)
    out = tmp_path / "launcher.out"
    cmd = [sys.executable, str(ROOT / "tools" / "classroom.py"), "--replicas", "2",
           "--port", str(port), "--run-dir", str(tmp_path)]  # fmt: skip
    with out.open("wb") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_ready(proc, out, timeout=150)
        started = children(proc.pid)
        kinds = sorted("haproxy" if "haproxy" in cmdline(p) else "streamlit" for p in started)
        assert kinds == ["haproxy", "streamlit", "streamlit"], [cmdline(p) for p in started]

        url = f"http://127.0.0.1:{port}/"
        replicas = []
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for link in LINKS:  # one after the other: the second sees the first's websocket
                context = browser.new_context(viewport={"width": 1366, "height": 900})
                page = context.new_page()
                page.goto(url + link, timeout=120_000)
                page.wait_for_selector(IDLE, state="attached", timeout=120_000)
                page.wait_for_selector(".js-plotly-plot", state="attached", timeout=60_000)
                assert "Landscape Lab" in page.title()
                assert page.locator("h1").first.inner_text().strip()
                assert not page.locator("[data-testid='stException']").count()
                cookie = {c["name"]: c for c in context.cookies()}[COOKIE]
                assert cookie["httpOnly"] and cookie["path"] == "/"
                replicas.append(cookie["value"])
            by_server = stats(tmp_path)
            browser.close()  # closes the websockets: haproxy logs them now

        # leastconn: the second student goes to the replica without a session.
        assert sorted(replicas) == ["r1", "r2"]
        for name in ("r1", "r2"):
            assert by_server[name]["status"] == "UP"
            assert int(by_server[name]["scur"]) >= 1  # that student's open websocket
        # Each websocket was routed by a valid cookie (termination state "--V?",
        # haproxy's configuration.txt 8.5) to the replica the cookie names.
        streams = websockets_logged(tmp_path / "haproxy.log", 2, timeout=10)
        assert sorted(streams) == [("r1", "V"), ("r2", "V")], streams
    finally:
        proc.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            code = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()  # its children get SIGTERM from the kernel (parent-death signal)
            raise
    assert code == 0, out.read_text()[-3000:]
    assert "stopping haproxy and the replicas" in out.read_text()
    assert not [p for p in started if cmdline(p)], "processes outlived the launcher"
    assert all(_free(p) for p in range(port, port + 3))
    assert not (tmp_path / "class.pid").exists()
