"""Load benchmark: a classroom of K students on one server, as real Streamlit sessions.

    .venv/bin/python bench/load.py                      # K = 30, 3 control changes each
    .venv/bin/python bench/load.py -k 10 --rounds 2     # a smaller class
    .venv/bin/python bench/load.py --same-link          # everyone opens the teacher's link
    .venv/bin/python bench/load.py --server-env OMP_WAIT_POLICY=PASSIVE   # try a server setting
    .venv/bin/python bench/load.py --profile /tmp/prof.txt   # CPU profile of the script runs
    .venv/bin/python bench/load.py --url http://127.0.0.1:8500 --pid "$(cat .class/class.pid)" \
        --warmup 2                                      # the class behind `make class`

Starts ``streamlit run app.py`` on a free port of 127.0.0.1 (or, with
``--url``, loads a server or balancer already running on this machine) and
drives K concurrent sessions over Streamlit's own websocket protocol (no
browsers: this measures the server, not K Chromiums on two cores). Each session
first GETs its share link's page as a browser does and keeps the cookies the
answer sets (haproxy's sticky cookie under ``make class``), then connects to
``/_stcore/stream`` sending them, sends the ``rerun_script`` BackMsg a browser sends for a
share link (each session a DIFFERENT link: preset, data seed, lr, w0 and
optimizer vary), waits for ``script_finished``, then changes a control a few
times, as the browser does: the widget's id is read from the deltas (bound
widgets carry their URL key) and the new value goes back in ``widget_states``.

Figures, per kind of rerun (first load / control change): p50, p95 and max of
the time from the request to ``script_finished`` (first load includes the
page's GET and the websocket connection); errors (exception elements in the deltas, compile
errors, control changes that did not reach the page's share link, dropped
connections, timeouts); the server's resident memory (VmRSS of the server and
its children, sampled every 0.2 s) and thread count; with ``--url``, of the
process tree under ``--pid`` if given (``make class`` writes its launcher's pid,
the parent of haproxy and every replica, to ``.class/class.pid``). The
baseline, measured first in the same run after warm-up sessions that pay the
imports (``--warmup``, at once: one per replica behind a balancer), is the
same kind of links opened ONE AT A TIME (6 by default): the ratios say how
much the class slows each student down, and the server's CPU seconds per rerun
alone say how long two cores need for the whole class at best. ``--profile``
writes a cProfile of every script run of the server in thread CPU time (see
:class:`ScriptProfiler`).

Bounded: K <= 200, rounds <= 20, a global timeout (default 900 s); traffic
only to this machine's loopback; a server it started has its process group
killed at the end, also on Ctrl-C or an exception.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import http.cookiejar
import io
import os
import pstats
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import numpy as np
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lab.state import PRESETS, SPECS, Settings  # noqa: E402

HOST = "127.0.0.1"
# --url: loopback only (this is a load generator).
LOCAL_URL = re.compile(r"http://(127\.0\.0\.1|localhost|\[::1\]):(\d{1,5})/?")
MAX_K = 200
MAX_ROUNDS = 20
# Status of a run that ended on its own; FINISHED_EARLY_FOR_RERUN means another follows.
_DONE = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR}


# --- the server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_server(port: int, env: dict[str, str], log, profile: str | None) -> subprocess.Popen:
    """``streamlit run app.py`` in its own process group (so that we can kill all of it).

    With ``profile`` (a file name), the server runs under :class:`ScriptProfiler`.
    """
    args = [
        "run",
        str(ROOT / "app.py"),
        "--server.headless=true",
        "--server.fileWatcherType=none",
        f"--server.address={HOST}",
        f"--server.port={port}",
        "--browser.gatherUsageStats=false",
    ]
    if profile:
        cmd = [sys.executable, __file__, "--profiled-server", profile, *args]
    else:
        cmd = [str(ROOT / ".venv" / "bin" / "streamlit"), *args]
    return subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=os.environ | env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop_server(proc: subprocess.Popen) -> None:
    """SIGTERM to the server's process group, SIGKILL after 10 s."""
    if proc.poll() is not None:
        return
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


def wait_healthy(base: str, proc: subprocess.Popen | None, timeout: float) -> float:
    """Seconds until ``GET <base>/_stcore/health`` answers ``ok``; RuntimeError if it never does."""
    start = time.perf_counter()
    url = f"{base}/_stcore/health"
    while time.perf_counter() - start < timeout:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.read().decode() == "ok":
                    return time.perf_counter() - start
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the server was not healthy after {timeout:g} s")


# --- memory of the server -------------------------------------------------------------------


def _status(pid: int) -> dict[str, str]:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for task in Path(f"/proc/{p}/task").glob("*"):
            with suppress(OSError):
                todo += [int(c) for c in (task / "children").read_text().split()]
    return out


class MemorySampler(threading.Thread):
    """Samples VmRSS (summed over the server's process tree) and threads every ``period`` s."""

    def __init__(self, pid: int, period: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.pid, self.period = pid, period
        self.peak_rss_mb = 0.0
        self.peak_threads = 0
        self.hwm_mb = 0.0
        self._halt = threading.Event()

    def sample(self) -> None:
        rss, threads = 0.0, 0
        for p in _descendants(self.pid):
            st = _status(p)
            rss += int(st.get("VmRSS", "0 kB").split()[0]) / 1024
            threads += int(st.get("Threads", "0"))
            self.hwm_mb = max(self.hwm_mb, int(st.get("VmHWM", "0 kB").split()[0]) / 1024)
        self.peak_rss_mb = max(self.peak_rss_mb, rss)
        self.peak_threads = max(self.peak_threads, threads)

    def run(self) -> None:
        while not self._halt.wait(self.period):
            self.sample()

    def stop(self) -> None:
        self._halt.set()
        self.join(5)
        self.sample()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the server's process tree so far."""
    total = 0
    for p in _descendants(pid):
        try:
            fields_ = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields_[11]) + int(fields_[12])
    return total / os.sysconf("SC_CLK_TCK")


# --- where the server's script runs spend their time (--profile) ------------------------------


class ScriptProfiler:
    """A cProfile of every script run in this process, merged and written at exit.

    Streamlit runs each script run in a thread named ``ScriptRunner.scriptThread``;
    each such thread runs under its own ``cProfile.Profile`` timed by
    ``time.thread_time``, the CPU time of that thread. cProfile's default
    wall-clock timer charged every wait for the GIL (held by the other
    sessions' threads) to whatever the thread was running: 2358 s recorded for
    195 s of CPU. Deterministic profiling, unlike stack sampling, also charges
    calls that hold the GIL for long (Streamlit's post-run ``gc.collect``), at
    the price of slowing Python-heavy code by up to ~2x. Sleeps and I/O waits
    cost no thread time, so they do not show; nor does work torch hands to its
    own worker threads (the calling thread's share of an op does).
    """

    def __init__(self, out: str) -> None:
        self.out = out
        self.profiles: list[cProfile.Profile] = []
        self.lock = threading.Lock()

    def install(self) -> None:
        original = threading.Thread.run
        profiles, lock = self.profiles, self.lock

        def run(thread: threading.Thread) -> None:
            if not thread.name.startswith("ScriptRunner"):
                return original(thread)
            profile = cProfile.Profile(time.thread_time)
            with lock:
                profiles.append(profile)
            profile.enable()
            try:
                return original(thread)
            finally:
                profile.disable()

        threading.Thread.run = run

    def dump(self) -> None:
        with self.lock:
            profiles = list(self.profiles)
        if not profiles:
            return
        stats = pstats.Stats(profiles[0])
        for profile in profiles[1:]:
            stats.add(profile)
        text = io.StringIO()
        stats.stream = text
        text.write(f"{len(profiles)} script runs; times are thread CPU seconds\n")
        stats.sort_stats("cumulative").print_stats(70)
        stats.sort_stats("tottime").print_stats(30)
        Path(self.out).write_text(text.getvalue())


def profiled_server(out: str, streamlit_args: list[str]) -> None:
    """Run ``streamlit <args>`` in this process under a :class:`ScriptProfiler`."""
    import atexit

    from streamlit.web import cli

    profiler = ScriptProfiler(out)
    profiler.install()
    atexit.register(profiler.dump)
    sys.argv = ["streamlit", *streamlit_args]
    cli.main()


# --- one student ----------------------------------------------------------------------------


@dataclass
class Run:
    kind: str  # "first" or "change"
    seconds: float
    bytes: int
    exceptions: list[str]


@dataclass
class Student:
    """A session's share link and what it changes; ``runs`` collects what it measured."""

    query: dict[str, str]
    rounds: int
    cookie: str = ""  # what its page's GET set, sent on the websocket upgrade
    runs: list[Run] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def share_link(i: int) -> dict[str, str]:
    """Student ``i``'s link: a different preset, seed, lr, w0 and optimizer for each."""
    presets = tuple(PRESETS)
    opts = SPECS["opt"].choices
    query = {
        "preset": presets[i % len(presets)],
        "seed": str(i),
        "lr": f"{(2 + i % 7) * 1e-4:g}",
        "w0": f"{1.45 + 0.003 * i:g}",
        "opt": opts[i % 3],
    }
    if query["preset"] == presets[0]:
        del query["preset"]  # the default preset is not written into links
    return query


# What a student does after the page loads, round after round: nudge lr, then w0,
# then toggle the log-scale axis (lr is hidden when a preset's remedy replaces the run).
CHANGES = ("lr", "w0", "logy")


def next_change(current: Settings, shown: set[str], r: int, rng: random.Random):
    """Round ``r``'s change, ``(key, value)``, among the controls the page shows."""
    key = next((k for k in CHANGES[r % 3 :] + CHANGES if k in shown), "w0")
    if key == "lr":
        return key, min(current.lr * rng.choice([0.5, 2.0, 3.0]), SPECS["lr"].hi)
    if key == "w0":
        return key, round(current.w0 + rng.choice([-0.01, 0.01, 0.02]), 6)
    return key, not getattr(current, key)


class Session:
    """One browser tab, at the protocol level: its widgets' ids and current URL."""

    def __init__(self, ws, base: str, query: dict[str, str]) -> None:
        self.ws = ws
        self.base = base
        self.query = dict(query)
        self.widget_ids: dict[str, tuple[str, str]] = {}  # URL key -> (id, element type)
        self.widget_states: dict[str, tuple[str, str, object]] = {}  # id -> (type, kind, value)
        self.page_hash = ""
        self.links: list[str] = []  # the share links the last run showed

    def rerun_msg(self) -> bytes:
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = urlencode(self.query)
        state.page_script_hash = self.page_hash
        state.context_info.url = f"{self.base}/"
        state.context_info.timezone = "UTC"
        state.context_info.locale = "en-US"
        for wid, (etype, kind, value) in self.widget_states.items():
            w = state.widget_states.widgets.add()
            w.id = wid
            if etype == "checkbox":
                w.bool_value = bool(value)
            elif kind == "int":
                w.int_value = int(value)
            else:
                w.double_value = float(value)
        return msg.SerializeToString()

    def current(self) -> Settings:
        """The settings the address bar stands for."""
        return Settings.from_query(self.query)[0]

    def set_control(self, key: str, value: object) -> None:
        """The user changes control ``key``: the widget's state and the address bar follow."""
        wid, etype = self.widget_ids[key]
        self.widget_states[wid] = (etype, SPECS[key].kind, value)
        self.query[key] = SPECS[key].format(value)

    async def rerun(self, timeout: float) -> tuple[int, list[str]]:
        """Send a rerun and read until it finishes: (bytes received, exception messages)."""
        await self.ws.send(self.rerun_msg())
        return await asyncio.wait_for(self._read_until_finished(), timeout)

    def shows(self, key: str, value: object) -> bool:
        """Whether the page's share link (the settings it computed with) has ``key = value``."""
        if not self.links:
            return False
        query = {k: v[-1] for k, v in parse_qs(urlsplit(self.links[0]).query).items()}
        got = getattr(Settings.from_query(query)[0], key)
        return bool(np.isclose(got, value, rtol=1e-6)) if isinstance(value, float) else got == value

    async def _read_until_finished(self) -> tuple[int, list[str]]:
        size, exceptions = 0, []
        self.links = []
        while True:
            raw = await self.ws.recv()
            size += len(raw)
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "new_session":
                self.page_hash = msg.new_session.page_script_hash
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                self._note_element(msg.delta.new_element, exceptions)
            elif kind == "session_event" and msg.session_event.HasField(
                "script_compilation_exception"
            ):
                exceptions.append(msg.session_event.script_compilation_exception.message)
            elif kind == "script_finished" and msg.script_finished in _DONE:
                if msg.script_finished != ForwardMsg.FINISHED_SUCCESSFULLY:
                    exceptions.append(ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished))
                return size, exceptions

    def _note_element(self, element, exceptions: list[str]) -> None:
        etype = element.WhichOneof("type")
        if etype == "exception":
            exceptions.append(f"{element.exception.type}: {element.exception.message}")
        elif etype == "code" and element.code.code_text.startswith("http"):
            self.links.append(element.code.code_text)
        elif etype in ("number_input", "checkbox", "selectbox"):
            widget = getattr(element, etype)
            if widget.query_param_key:
                self.widget_ids[widget.query_param_key] = (widget.id, etype)


def page_cookies(base: str, query: dict[str, str], timeout: float) -> str:
    """GET the link's page as a browser does first: the ``Cookie`` header for the websocket.

    Behind ``make class`` the answer sets haproxy's sticky cookie, which routes the
    websocket to the replica that will hold the session; a plain server sets none ("").
    """
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{base}/?{urlencode(query)}", timeout=timeout) as response:
        response.read()
    upgrade = urllib.request.Request(f"{base}/_stcore/stream")
    jar.add_cookie_header(upgrade)
    return upgrade.get_header("Cookie", "")


async def student(
    base: str, who: Student, think: tuple[float, float], rng: random.Random, timeout: float
) -> None:
    """Open the link, then make each planned change after some thinking time."""
    url = "ws" + base.removeprefix("http") + "/_stcore/stream"
    start = time.perf_counter()
    try:
        who.cookie = await asyncio.to_thread(page_cookies, base, who.query, timeout)
        # No protocol pings: a browser sends none, and a busy server must not be
        # dropped for answering late.
        async with websockets.connect(
            url,
            subprotocols=["streamlit"],
            additional_headers={"Cookie": who.cookie} if who.cookie else None,
            max_size=None,
            ping_interval=None,
            open_timeout=timeout,
        ) as ws:
            session = Session(ws, base, who.query)
            size, exc = await session.rerun(timeout)
            who.runs.append(Run("first", time.perf_counter() - start, size, exc))
            for r in range(who.rounds):
                await asyncio.sleep(rng.uniform(*think))
                key, value = next_change(session.current(), set(session.widget_ids), r, rng)
                session.set_control(key, value)
                start = time.perf_counter()
                size, exc = await session.rerun(timeout)
                if not session.shows(key, value):
                    exc.append(f"the change {key}={value} did not reach the page's settings")
                who.runs.append(Run("change", time.perf_counter() - start, size, exc))
    except (TimeoutError, OSError, websockets.WebSocketException, KeyError) as exc:
        who.errors.append(f"{type(exc).__name__}: {exc}")


async def classroom(
    base: str, students: list[Student], args: argparse.Namespace, ramp: float, seed: int
) -> float:
    """Run every student at once, each joining within ``ramp`` s; the wall time in s."""
    rng = random.Random(seed)
    think = (args.think_min, args.think_max)
    start = time.perf_counter()

    async def join(who: Student, delay: float, sub_seed: int) -> None:
        await asyncio.sleep(delay)
        await student(base, who, think, random.Random(sub_seed), args.run_timeout)

    await asyncio.gather(*(join(s, rng.uniform(0, ramp), rng.randrange(2**32)) for s in students))
    return time.perf_counter() - start


# --- figures --------------------------------------------------------------------------------


def summary(students: list[Student], kind: str) -> dict[str, float]:
    times = [r.seconds for s in students for r in s.runs if r.kind == kind]
    sizes = [r.bytes for s in students for r in s.runs if r.kind == kind]
    if not times:
        return {"n": 0, "p50": float("nan"), "p95": float("nan"), "max": float("nan"), "kb": 0.0}
    return {
        "n": len(times),
        "p50": float(np.percentile(times, 50)),
        "p95": float(np.percentile(times, 95)),
        "max": max(times),
        "kb": float(np.mean(sizes)) / 1024,
    }


def errors_of(students: list[Student]) -> list[str]:
    out = [e for s in students for e in s.errors]
    out += [e for s in students for r in s.runs for e in r.exceptions]
    return out


def make_students(k: int, rounds: int, offset: int = 0, same: bool = False) -> list[Student]:
    """K students; with ``same``, all open the first one's link (the teacher's)."""
    return [Student(share_link(offset + (0 if same else i)), rounds) for i in range(k)]


def table(rows: list[tuple[str, dict, dict, int]], mem: MemorySampler | None, cpu: float) -> str:
    head = (
        "| phase | sessions | first load p50 / p95 / max (s) | control change p50 / p95 / max (s) "
        "| errors |\n|---|---|---|---|---|"
    )
    lines = [head]
    for label, first, change, errs in rows:
        lines.append(
            f"| {label} | {first['n']} | {first['p50']:.2f} / {first['p95']:.2f} / "
            f"{first['max']:.2f} | {change['p50']:.2f} / {change['p95']:.2f} / "
            f"{change['max']:.2f} | {errs} |"
        )
    if mem is not None:
        lines.append(
            f"\nServer: peak RSS {mem.peak_rss_mb:.0f} MB (VmHWM {mem.hwm_mb:.0f} MB), "
            f"peak threads {mem.peak_threads}, CPU {cpu:.0f} s."
        )
    return "\n".join(lines)


# --- main -----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-k", "--sessions", type=int, default=30, help="concurrent sessions (K)")
    ap.add_argument("--rounds", type=int, default=3, help="control changes per session")
    ap.add_argument("--ramp", type=float, default=2.0, help="sessions join within this many s")
    ap.add_argument("--think-min", type=float, default=0.5, help="s between a student's changes")
    ap.add_argument("--think-max", type=float, default=1.5)
    ap.add_argument("--run-timeout", type=float, default=180.0, help="s for one rerun")
    ap.add_argument("--timeout", type=float, default=900.0, help="global timeout, s")
    ap.add_argument("--seed", type=int, default=0, help="seeds changes and timing")
    ap.add_argument("--baseline", type=int, default=6, help="sessions run one at a time first")
    ap.add_argument(
        "--profile", metavar="FILE",
        help="cProfile the server's script runs in thread CPU time (time.thread_time): "
        "a wall-clock timer would charge GIL waits to whatever was running",
    )  # fmt: skip
    ap.add_argument(
        "--url", metavar="http://127.0.0.1:PORT",
        help="load this running server or balancer (`make class`) instead of starting one",
    )  # fmt: skip
    ap.add_argument(
        "--pid", type=int,
        help="with --url: watch this process tree's CPU and memory (make class: .class/class.pid)",
    )  # fmt: skip
    ap.add_argument(
        "--warmup", type=int, default=1, help="warm-up sessions, at once (one per replica)"
    )
    ap.add_argument("--same-link", action="store_true", help="every student opens one link")
    ap.add_argument(
        "--server-env", action="append", default=[], metavar="NAME=VALUE",
        help="environment variable for the server (repeatable)",
    )  # fmt: skip
    args = ap.parse_args(argv)
    if not 1 <= args.sessions <= MAX_K:
        ap.error(f"--sessions must be in [1, {MAX_K}], got {args.sessions}")
    if not 1 <= args.baseline <= MAX_K:
        ap.error(f"--baseline must be in [1, {MAX_K}], got {args.baseline}")
    if not 0 <= args.rounds <= MAX_ROUNDS:
        ap.error(f"--rounds must be in [0, {MAX_ROUNDS}], got {args.rounds}")
    if not 0 <= args.think_min <= args.think_max:
        ap.error("--think-min must be in [0, --think-max]")
    if args.timeout <= 0 or args.run_timeout <= 0 or args.ramp < 0:
        ap.error("--timeout and --run-timeout must be > 0, --ramp >= 0")
    if any("=" not in e for e in args.server_env):
        ap.error("--server-env takes NAME=VALUE")
    if not 1 <= args.warmup <= MAX_K:
        ap.error(f"--warmup must be in [1, {MAX_K}], got {args.warmup}")
    if args.url is not None:
        local = LOCAL_URL.fullmatch(args.url)
        if not local or not 1 <= int(local[2]) <= 65535:
            ap.error(f"--url must be http://127.0.0.1:PORT (or localhost, [::1]), got {args.url!r}")
        args.url = f"http://{local[1]}:{int(local[2])}"
        if args.profile or args.server_env:
            ap.error(
                "--profile and --server-env need the server this script starts: not with --url"
            )
    if args.pid is not None and not (args.url and Path(f"/proc/{args.pid}/stat").exists()):
        ap.error("--pid goes with --url and must name a running process")
    return args


# Baseline links: the class's presets, optimizers and learning rates (their cycles
# divide 126), other data seeds, so that the class cannot reuse the baseline's caches.
BASELINE_OFFSET = 1008


def ratio(a: float, b: float) -> str:
    return f"x{a / b:.1f}" if b > 0 else "n/a"


async def benchmark(args, base: str, pid: int | None, mem: MemorySampler | None) -> str:
    """The figures, as text; CPU and memory of the process tree under ``pid`` if given."""

    def cpu_now() -> float:
        return cpu_seconds(pid) if pid else float("nan")

    # Warm-up sessions pay the imports (at once: one per replica behind a
    # balancer); then the baseline students, one at a time.
    warm = make_students(args.warmup, 0, offset=10_000)
    await classroom(base, warm, args, 0.0, args.seed)
    solo = make_students(args.baseline, args.rounds, offset=BASELINE_OFFSET)
    cpu0 = cpu_now()
    for i, who in enumerate(solo):
        await classroom(base, [who], args, 0.0, args.seed + 100 + i)
    cpu_solo = cpu_now() - cpu0
    class_ = make_students(args.sessions, args.rounds, same=args.same_link)
    cpu0 = cpu_now()
    wall = await classroom(base, class_, args, args.ramp, args.seed + 1)
    cpu = cpu_now() - cpu0

    reruns = len(solo) * (1 + args.rounds)
    class_reruns = args.sessions * (1 + args.rounds)
    before = (summary(solo, "first"), summary(solo, "change"))
    full = (summary(class_, "first"), summary(class_, "change"))
    errs = errors_of(warm) + errors_of(solo) + errors_of(class_)
    rows = [
        (f"{len(solo)} sessions one at a time (baseline)", *before, len(errors_of(solo))),
        (
            f"K = {args.sessions} at once{', one link' if args.same_link else ''}",
            *full,
            len(errors_of(class_)),
        ),
    ]
    out = [table(rows, mem, cpu)]
    text = (
        f"Slowdown of the class against one at a time: first load p95 "
        f"{ratio(full[0]['p95'], before[0]['p95'])}, control change p95 "
        f"{ratio(full[1]['p95'], before[1]['p95'])}. "
    )
    if pid:
        text += (
            f"Server CPU per rerun alone: {cpu_solo / reruns:.2f} s, so {class_reruns} reruns "
            f"need at least {class_reruns * cpu_solo / reruns / (os.cpu_count() or 1):.0f} s on "
            f"{os.cpu_count()} cores; the class took {wall:.1f} s wall and {cpu:.0f} CPU s. "
        )
    else:
        text += f"The class took {wall:.1f} s wall (server CPU not watched: --pid). "
    text += (
        f"Mean payload {full[0]['kb']:.0f} kB per first load, {full[1]['kb']:.0f} kB per change."
    )
    cookies = Counter(s.cookie for s in class_ if s.cookie)
    if cookies:
        shares = ", ".join(f"{c} {n}" for c, n in sorted(cookies.items()))
        text += f" Sessions per sticky cookie: {shares}."
    out.append(text)
    if errs:
        out.append("Errors (first 10):\n" + "\n".join(f"- {e[:300]}" for e in errs[:10]))
    small = mem is None or mem.peak_rss_mb <= 1536
    met = max(full[0]["p95"], full[1]["p95"]) <= 2.0 and not errs and small
    out.append(f"Target (p95 <= 2 s, 0 errors, RSS <= 1.5 GB): {'met' if met else 'MISSED'}.")
    return "\n\n".join(out)


def measure(args: argparse.Namespace, base: str, pid: int | None) -> tuple[str, bool]:
    """Run :func:`benchmark` under the global timeout: (report, whether it timed out)."""
    mem = MemorySampler(pid) if pid else None
    if mem is not None:
        mem.start()
    try:
        return asyncio.run(asyncio.wait_for(benchmark(args, base, pid, mem), args.timeout)), False
    except TimeoutError:
        return f"Global timeout ({args.timeout:g} s) hit: no figures.", True
    finally:
        if mem is not None:
            mem.stop()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--profiled-server"]:
        profiled_server(argv[1], argv[2:])
        return 0
    args = parse_args(argv)
    env = dict(e.split("=", 1) for e in args.server_env)
    if args.url:
        wait_healthy(args.url, None, timeout=10)
        report, timed_out = measure(args, args.url, args.pid)
        where = f"target {args.url}, already running; " + (
            f"CPU and memory of the process tree of pid {args.pid}."
            if args.pid
            else "its CPU and memory not watched (no --pid)."
        )
    else:
        base = f"http://{HOST}:{free_port()}"
        with tempfile.NamedTemporaryFile(
            "w", prefix="load-server-", suffix=".log", delete=False
        ) as log:
            proc = start_server(int(base.rsplit(":", 1)[1]), env, log, args.profile)
            try:
                ready = wait_healthy(base, proc, timeout=120)
                report, timed_out = measure(args, base, proc.pid)
            finally:
                stop_server(proc)
        where = f"server env {env or '{}'}, healthy after {ready:.1f} s; server log {log.name}."
    load1, load5, _ = os.getloadavg()
    print(
        f"## Classroom load: K = {args.sessions} sessions, {args.rounds} control changes each\n\n"
        f"Settings: ramp {args.ramp:g} s, think time {args.think_min:g}-{args.think_max:g} s, "
        f"seed {args.seed}, {args.warmup} warm-up session(s); {os.cpu_count()} cores, load "
        f"average {load1:.1f} / {load5:.1f} at the end (other work on the machine counts); {where}"
        + (
            f" cProfile (thread CPU time) of the script runs: {args.profile}."
            if args.profile
            else ""
        )
        + "\n"
    )
    print(report)
    return 1 if timed_out else 0


if __name__ == "__main__":
    sys.exit(main())
