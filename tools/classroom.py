"""Serve the app to a class: N Streamlit replicas behind haproxy, sticky by cookie.

    make class                          # 2 replicas on 127.0.0.1:8501-8502, haproxy on :8500
    make class REPLICAS=3 PORT=9000     # replicas on 9001-9003
    .venv/bin/python tools/classroom.py --replicas 2 --port 8500 --run-dir .class

Starts ``streamlit run app.py`` N times on loopback ports PORT+1..PORT+N, waits
until each answers ``GET /_stcore/health``, has each run the page once
(Streamlit's script health check: the imports, the first page, ``lab.warm``),
then starts haproxy on PORT of all interfaces with the configuration ``tools/classroom-haproxy.cfg`` filled in from
the two validated integers (port and replica count) and written to the run
directory, next to one log per process and ``class.pid`` (this launcher's pid,
the root of the process tree: ``bench/load.py --pid``). It runs in the
foreground: Ctrl-C, SIGTERM or SIGHUP stops haproxy and every replica, and the
children die with SIGTERM if this launcher is killed outright (Linux's
parent-death signal), so no process outlives it. A replica that exits is
reported and haproxy's health check takes it out; when haproxy or the last
replica exits, everything stops with status 1.

Needs haproxy (Debian: ``apt-get install -y haproxy``; ``make class`` installs it
when run as root).
"""

from __future__ import annotations

import argparse
import ctypes
import os
import shutil
import signal
import socket
import string
import subprocess
import sys
import time
import urllib.request
from contextlib import suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = Path(__file__).with_name("classroom-haproxy.cfg")
MAX_REPLICAS = 16
LOWEST_PORT = 1024
HIGHEST_PORT = 65535
HEALTH_TIMEOUT = 180.0  # s for a replica (or haproxy) to answer ok; cold imports on a busy box
STOP_TIMEOUT = 10.0  # s between SIGTERM and SIGKILL
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_PR_SET_PDEATHSIG = 1


# --- configuration ----------------------------------------------------------------------


def replica_ports(port: int, replicas: int) -> list[int]:
    """The replicas' loopback ports, ``port + 1 .. port + replicas``."""
    return [port + i for i in range(1, replicas + 1)]


def check_layout(port: int, replicas: int) -> None:
    """Raise ValueError unless ``port`` and ``replicas`` are integers in range.

    ``replicas`` in [1, 16]; ``port`` in [1024, 65535 - replicas] so that every
    replica's port ``port + i`` is a valid unprivileged port.
    """
    if type(replicas) is not int or not 1 <= replicas <= MAX_REPLICAS:
        raise ValueError(f"replicas must be an integer in [1, {MAX_REPLICAS}], got {replicas!r}")
    top = HIGHEST_PORT - replicas
    if type(port) is not int or not LOWEST_PORT <= port <= top:
        raise ValueError(f"port must be an integer in [{LOWEST_PORT}, {top}], got {port!r}")


def haproxy_config(port: int, replicas: int) -> str:
    """The haproxy configuration for ``replicas`` replicas behind ``port``.

    Only these two integers (checked by :func:`check_layout`) enter the template;
    replica ``i`` is server ``r<i>`` on ``127.0.0.1:<port + i>`` with cookie value
    ``r<i>``. Raises ValueError as :func:`check_layout` does.
    """
    check_layout(port, replicas)
    servers = "\n".join(
        f"    server r{i} 127.0.0.1:{p:d} cookie r{i} check"
        for i, p in enumerate(replica_ports(port, replicas), start=1)
    )
    return string.Template(TEMPLATE.read_text()).substitute(port=f"{port:d}", servers=servers)


def haproxy_binary() -> str:
    """haproxy's path (Debian puts it in /usr/sbin, often not on a user's PATH)."""
    found = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/usr/local/sbin")
    if not found:
        raise SystemExit(
            "haproxy is not installed: run `make class` as root once (it installs Debian's "
            "package), or `apt-get install -y haproxy` as root."
        )
    return found


def taken_ports(port: int, replicas: int) -> list[int]:
    """The ports among haproxy's (all interfaces) and the replicas' (loopback) in use."""
    wanted = [("", port)] + [("127.0.0.1", p) for p in replica_ports(port, replicas)]
    taken = []
    for host, p in wanted:
        with socket.socket() as s:
            # As the servers will: connections of a previous run in TIME_WAIT do not count.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((host, p))
            except OSError:
                taken.append(p)
    return taken


# --- processes --------------------------------------------------------------------------


def _die_with_parent(parent: int):
    """A preexec hook: SIGTERM this child when ``parent`` dies, even by SIGKILL."""
    libc = ctypes.CDLL(None, use_errno=True)

    def hook() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before prctl
            os._exit(1)

    return hook


def spawn(cmd: list[str], log: Path, cwd: Path) -> subprocess.Popen:
    """``cmd`` in its own process group, output to ``log``, dying with this process."""
    with log.open("wb") as out:
        return subprocess.Popen(
            cmd,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent(os.getpid()),
        )


def stop_all(procs: list[subprocess.Popen]) -> None:
    """SIGTERM each process group, SIGKILL what is left after STOP_TIMEOUT s; reap all."""
    for proc in procs:
        if proc.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    for proc in procs:
        try:
            proc.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def healthy(port: int) -> bool:
    """Whether ``GET http://127.0.0.1:<port>/_stcore/health`` answers ``ok``."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
            return r.read().decode().strip() == "ok"
    except OSError:
        return False


def wait_healthy(named: dict[int, tuple[str, subprocess.Popen, Path]]) -> None:
    """Wait until every ``port -> (name, process, log)`` answers ok; SystemExit if one dies."""
    deadline = time.monotonic() + HEALTH_TIMEOUT
    todo = dict(named)
    while todo:
        for port, (name, proc, log) in list(todo.items()):
            if proc.poll() is not None:
                raise SystemExit(f"{name} exited with code {proc.returncode}:\n{tail(log)}")
            if healthy(port):
                del todo[port]
        if todo and time.monotonic() > deadline:
            names = ", ".join(name for name, _, _ in todo.values())
            raise SystemExit(f"not healthy after {HEALTH_TIMEOUT:g} s: {names}")
        time.sleep(0.3)


def warm(port: int, name: str, log: Path) -> None:
    """Has a replica run the page once, before any student: ``lab.warm`` starts there.

    Streamlit's script health check (enabled on the replicas, denied by haproxy)
    runs ``app.py`` in a session of its own, paying the imports and the first
    page; SystemExit if the script fails.
    """
    url = f"http://127.0.0.1:{port}/_stcore/script-health-check"
    try:
        with urllib.request.urlopen(url, timeout=HEALTH_TIMEOUT) as r:
            answer = r.read().decode().strip()
    except OSError as exc:
        answer = str(exc)
    if answer != "ok":
        raise SystemExit(f"{name}: the page did not run ({answer}):\n{tail(log)}")


def tail(log: Path, lines: int = 20) -> str:
    with suppress(OSError):
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    return ""


def lan_address() -> str:
    """This machine's address on its default route (no packet is sent), or its host name."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1: only selects the outgoing interface
            return s.getsockname()[0]
        except OSError:
            return socket.gethostname()


# --- main -------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--replicas", type=int, default=2, help="Streamlit processes (1-16)")
    ap.add_argument(
        "--port", type=int, default=8500, help="haproxy's port; replicas use the next N"
    )
    ap.add_argument("--run-dir", type=Path, default=ROOT / ".class", help="config, logs, pid")
    args = ap.parse_args(argv)
    try:
        check_layout(args.port, args.replicas)
    except ValueError as exc:
        ap.error(str(exc))
    return args


def serve(args: argparse.Namespace) -> int:
    """Start the replicas and haproxy, wait for a stop signal or a death; 0 on a signal."""
    haproxy = haproxy_binary()
    taken = taken_ports(args.port, args.replicas)
    if taken:
        raise SystemExit(f"ports in use: {', '.join(map(str, taken))} (pick another PORT)")
    run = args.run_dir.resolve()
    run.mkdir(parents=True, exist_ok=True)
    config = run / "haproxy.cfg"
    config.write_text(haproxy_config(args.port, args.replicas))
    pidfile = run / "class.pid"
    pidfile.write_text(f"{os.getpid()}\n")
    procs: list[subprocess.Popen] = []
    try:
        replicas = {}
        for i, p in enumerate(replica_ports(args.port, args.replicas), start=1):
            cmd = [
                sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
                "--server.headless", "true", "--server.fileWatcherType", "none",
                "--server.address", "127.0.0.1", "--server.port", str(p),
                "--browser.gatherUsageStats", "false",
                "--server.scriptHealthCheckEnabled", "true",
            ]  # fmt: skip
            log = run / f"replica-{i}.log"
            procs.append(spawn(cmd, log, ROOT))
            replicas[p] = (f"replica r{i} (port {p})", procs[-1], log)
        print(
            f"starting {args.replicas} replicas on 127.0.0.1:{min(replicas)}-{max(replicas)}...",
            flush=True,
        )
        wait_healthy(replicas)
        print("warming the replicas (imports, the first page, the presets)...", flush=True)
        for port, (name, _, log) in replicas.items():
            warm(port, name, log)
        log = run / "haproxy.log"
        procs.insert(0, spawn([haproxy, "-db", "-f", config.name], log, run))
        wait_healthy({args.port: ("haproxy", procs[0], log)})
        print(
            f"class ready: http://{lan_address()}:{args.port} (here: http://127.0.0.1:{args.port})\n"
            f"{args.replicas} replicas behind haproxy, sticky by cookie; logs and config in {run}\n"
            "Ctrl-C stops everything.",
            flush=True,
        )
        return watch(procs[0], list(replicas.values()))
    except KeyboardInterrupt:
        return 0
    finally:
        for sig in STOP_SIGNALS:  # a second Ctrl-C must not cut the clean-up short
            signal.signal(sig, signal.SIG_IGN)
        print("stopping haproxy and the replicas...", flush=True)
        stop_all(procs)
        pidfile.unlink(missing_ok=True)


def watch(haproxy: subprocess.Popen, replicas: list[tuple[str, subprocess.Popen, Path]]) -> int:
    """Until a stop signal: report replicas that exit; 1 once haproxy or the last replica has."""
    alive = list(replicas)
    while True:
        time.sleep(0.5)
        if haproxy.poll() is not None:
            print(f"haproxy exited with code {haproxy.returncode}", file=sys.stderr)
            return 1
        for name, proc, log in list(alive):
            if proc.poll() is not None:
                alive.remove((name, proc, log))
                print(f"{name} exited ({proc.returncode}), see {log}", file=sys.stderr)
        if not alive:
            return 1


def _stop(signum, frame) -> None:
    raise KeyboardInterrupt  # SIGTERM and SIGHUP stop the class as Ctrl-C does


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    for sig in STOP_SIGNALS:
        signal.signal(sig, _stop)
    try:
        return serve(args)
    except KeyboardInterrupt:  # before anything started
        return 0


if __name__ == "__main__":
    sys.exit(main())
