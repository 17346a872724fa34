"""Server time of the app: first load, and redraw after a control change.

    python bench/app_latency.py             # 15 changes of each kind
    python bench/app_latency.py --changes 30

Drives app.py with Streamlit's AppTest in this process (the script runs as the
server would run it, minus the websocket) and reports wall-clock medians of
``AppTest.run()``:

- cold start: the first run in a fresh process (imports, torch's first
  optimizer step, the window's minima);
- first page load with a warm server: a new session opening the default URL;
- control changes on the question's setup: a new learning rate, a new w0, a new
  optimizer, each a value not seen before (so the run is recomputed; the
  landscape of the window is cached);
- the naive baseline, measured in the same run: the same changes with every
  cache cleared first, i.e. what each change would cost without caching.

Targets (issue 4): p50 of a change <= 0.3 s, a warm first load <= 3 s.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from pathlib import Path

# As app.py does, before anything loads torch: idle OpenMP threads sleep.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import streamlit as st
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")
# Clearing caches outside a server logs "No runtime found" each time. (A filter:
# Streamlit resets its loggers' levels when AppTest loads its config.)
logging.getLogger("streamlit.runtime.caching.cache_data_api").addFilter(
    lambda record: "No runtime found" not in record.getMessage()
)
TIMEOUT = 300


def timed_run(at: AppTest) -> float:
    start = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(at.exception[0].value)
    return elapsed


def changes(kind: str, count: int) -> list[tuple[str, object]]:
    if kind == "lr":
        return [("lr", round(4e-4 + (i + 1) * 7e-6, 9)) for i in range(count)]
    if kind == "w0":
        return [("w0", round(1.5 + (i + 1) * 1e-3, 9)) for i in range(count)]
    opts = ["adam", "rmsprop", "adagrad", "adamw", "sgd"]
    return [("opt", opts[i % len(opts)]) for i in range(count)]


def apply(at: AppTest, key: str, value: object) -> None:
    if key == "opt":
        at.selectbox(key=key).set_value(value)
    else:
        at.number_input(key=key).set_value(value)


def measure(kind: str, count: int, *, clear: bool) -> list[float]:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    timed_run(at)
    times = []
    for i, (key, value) in enumerate(changes(kind, count)):
        if kind == "opt" and not clear:
            # Optimizer names repeat: offset lr so that every run is new.
            at.number_input(key="lr").set_value(round(4e-4 + (i + 1) * 3e-6, 9))
        apply(at, key, value)
        if clear:
            st.cache_data.clear()
            st.cache_resource.clear()
        times.append(timed_run(at))
    return times


def pct(times: list[float], q: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=15)
    args = parser.parse_args()

    cold = timed_run(AppTest.from_file(APP, default_timeout=TIMEOUT))
    loads = [timed_run(AppTest.from_file(APP, default_timeout=TIMEOUT)) for _ in range(5)]
    print(f"cold start (fresh process): {cold:.2f} s")
    print(f"first page load, warm server: median {statistics.median(loads):.3f} s (target <= 3 s)")
    print(f"{'change':8} {'p50 s':>8} {'p90 s':>8} {'naive p50 s':>12} {'ratio':>7}")
    for kind in ("lr", "w0", "opt"):
        fast = measure(kind, args.changes, clear=False)
        naive = measure(kind, max(3, args.changes // 3), clear=True)
        p50, naive50 = statistics.median(fast), statistics.median(naive)
        print(f"{kind:8} {p50:8.3f} {pct(fast, 0.9):8.3f} {naive50:12.3f} {naive50 / p50:6.1f}x")
    print("target: p50 of a change <= 0.300 s (server time; AppTest adds a few ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
