"""Where one session's rerun spends server CPU: a CPU-weighted sampler on the script thread.

    .venv/bin/python bench/rerun_profile.py            # new link, lr, w0, window, cmp
    .venv/bin/python bench/rerun_profile.py --top 40

AppTest runs the page's script in a thread of its own. A sampler thread reads
that thread's CPU clock (``time.pthread_getcpuclockid``) every millisecond and
charges the CPU used since the last sample to the stack it sees, so waiting
for the GIL costs nothing (cProfile's wall-clock timer charges it to whatever
was running). Printed per scenario: the script thread's CPU and the functions
with the most inclusive CPU (``file:function``), then the leaves.
"""

from __future__ import annotations

import argparse
import collections
import logging
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class Sampler:
    """CPU-weighted stack samples of the threads whose name contains ``ScriptRunner``."""

    def __init__(self, interval: float = 0.001) -> None:
        self.interval = interval
        self.inclusive: collections.Counter[str] = collections.Counter()
        self.leaf: collections.Counter[str] = collections.Counter()
        self.total = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        last: dict[int, float] = {}
        while not self._stop.is_set():
            frames = sys._current_frames()
            for t in threading.enumerate():
                if "Script" not in t.name or t.ident not in frames:
                    continue
                try:
                    cpu = time.clock_gettime(time.pthread_getcpuclockid(t.ident))
                except (OSError, ProcessLookupError):
                    continue
                used = cpu - last.get(t.ident, cpu)
                last[t.ident] = cpu
                if used <= 0:
                    continue
                self.total += used
                names, f = [], frames[t.ident]
                while f is not None:
                    code = f.f_code
                    names.append(f"{Path(code.co_filename).name}:{code.co_name}")
                    f = f.f_back
                self.leaf[names[0]] += used
                for name in set(names):
                    self.inclusive[name] += used
            time.sleep(self.interval)

    def report(self, title: str, top: int) -> None:
        print(f"\n== {title}: script thread {self.total * 1e3:.0f} ms CPU")
        for name, t in self.inclusive.most_common(top):
            print(f"  {t * 1e3:7.1f} ms  {name}")
        print("  -- leaves")
        for name, t in self.leaf.most_common(top // 2):
            print(f"  {t * 1e3:7.1f} ms  {name}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--seed", type=int, default=9100)
    ap.add_argument("--repeat", type=int, default=1, help="new links and reruns per change, summed")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    from streamlit.testing.v1 import AppTest

    app = str(ROOT / "app.py")
    first = AppTest.from_file(app, default_timeout=600)
    first.run()  # imports and start-up
    try:
        from lab.warm import warm_presets

        warm_presets()
    except ImportError:
        pass

    def session(seed: int) -> AppTest:
        # A new session of the same process: reuse the first AppTest's scan for
        # components (a server does it once; see bench/rerun_cpu.py).
        at = AppTest.from_file(app, default_timeout=600)
        at._bidi_component_manager = first._bidi_component_manager
        at.query_params["seed"] = str(seed)
        return at

    with Sampler() as s:
        for i in range(args.repeat):
            at = session(args.seed + i)
            at.run()
    s.report(f"new link ?seed=N (x{args.repeat})", args.top)

    def nudge(key: str, factor: float = 1.0, shift: float = 0.0) -> None:
        box = at.number_input(key=key)
        box.set_value(round(box.value * factor + shift, 9))

    changes = [
        ("lr", lambda: nudge("lr", 1.01)),
        ("w0", lambda: nudge("w0", 1.001)),
        ("window lo", lambda: nudge("lo", shift=-0.01)),
        ("window hi", lambda: nudge("hi", shift=0.01)),
    ]
    for title, act in changes:
        with Sampler() as s:
            for _ in range(args.repeat):
                act()
                at.run()
                if at.exception:
                    raise RuntimeError(at.exception[0].value)
        s.report(f"change {title} (x{args.repeat})", args.top)
    at.checkbox(key="cmp").check()
    with Sampler() as s:
        at.run()
    s.report("Landscape tab, cmp=true (the second run new)", args.top)


if __name__ == "__main__":
    main()
