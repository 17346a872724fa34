"""Start-up of a server process, paid once and before the class if possible.

:func:`warm` is called by ``app.py`` on every run; its body runs once per
process (a ``st.cache_resource`` entry), in whichever session comes first. Under
``make class`` that is Streamlit's script health check, which
``tools/classroom.py`` requests from every replica before the balancer takes
students; elsewhere, the first visitor.

- Garbage collection: the start-up heap (torch, plotly, streamlit: ~400k
  objects) is collected once and frozen (``gc.freeze()``), so no automatic
  collection walks it again, and the youngest generation collects every
  :data:`GEN0_THRESHOLD` allocations instead of 700. ``bench/gc_pauses.py``
  on a workload of 18 share links (1.8 s of CPU): collections took 0.38 s
  with Python's defaults (2 full ones, 0.33 s), 0.16 s frozen, 0.10 s frozen
  with this threshold (no full one; 50,000 saves 0.03 s more for 5x the
  young objects held).
- The first page of every preset: its run and the minima of its window (the
  replay or remedy and the scan: the work a preset link costs) go into the
  shared caches of :mod:`lab.cache`, in a background thread at low priority
  (0.5 s of CPU measured), so the session that triggered it is not held up
  and the first student on a preset link finds them computed.

``app.py`` calls :func:`warm` after pinning torch's thread count: threads
started later take the process's count at their first torch operation.
"""

from __future__ import annotations

import gc
import os
import threading

import streamlit as st
from streamlit import runtime

from .cache import get_minima, get_run, get_targets
from .state import PRESETS, preset_base

#: Allocations (net) between collections of the youngest generation.
GEN0_THRESHOLD = 10_000
#: Nice value of the preset warm-up thread: students' reruns go first.
WARM_NICENESS = 10


def freeze_heap() -> None:
    """Collects once, freezes every surviving object, and raises the gen-0 threshold."""
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)


def warm_presets() -> None:
    """Computes, into the shared caches, the run and the window minima of every preset."""
    for name in PRESETS:
        s = preset_base(name)
        key = s.recipe()
        get_run(key, s.run())
        get_minima(key, s.lo, s.hi)
        get_targets(key, s.lo, s.hi)


def _low_priority_warm() -> None:
    # Linux: a thread is a task with its own nice value; elsewhere run as is.
    if hasattr(os, "setpriority"):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WARM_NICENESS)
    warm_presets()


def served() -> bool:
    """True in a process that ``streamlit run`` serves.

    AppTest installs a ``MagicMock(spec=Runtime)`` as the runtime while a
    script runs, for which ``runtime.exists()`` and isinstance checks hold
    too; only the real class is a real server.
    """
    return runtime.exists() and type(runtime.get_instance()) is runtime.Runtime


@st.cache_resource(show_spinner=False)
def warm() -> threading.Thread | None:
    """Once per process: :func:`freeze_heap`, then :func:`warm_presets` in a background thread.

    The presets are warmed only in a served process: under AppTest (tests,
    benchmarks; no Streamlit runtime) a background computation would change
    what their pages find cached. Returns the thread, if started (the app
    does not wait for it).
    """
    freeze_heap()
    if not served():
        return None
    # Not a daemon: a daemon thread still inside torch when the interpreter
    # exits aborts the process ("terminate called without an active exception").
    thread = threading.Thread(target=_low_priority_warm, name="warm-presets")
    thread.start()
    return thread
