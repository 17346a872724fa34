"""Garbage-collector pauses of the app's work, before and after ``lab.warm``'s settings.

    .venv/bin/python bench/gc_pauses.py

Imports what the server imports, then times (``time.thread_time`` inside
``gc.callbacks``) every automatic collection during a fixed workload like a
class's reruns: share links of every preset, with new learning rates, through
the getters of ``lab.cache`` and the figure builders the pages use. Each configuration runs in a
fresh subprocess with the same workload: Python's defaults, then
``gc.freeze()`` after the imports, then freeze plus each gen-0 threshold
tried. Prints collections per generation, their CPU time, and the workload's
CPU time; the baseline is the first row, measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

WORKER = r"""
import gc, json, sys, time
import streamlit, plotly.graph_objects, torch  # noqa: F401  the server's imports
import app_imports  # noqa: F401
cfg = json.loads(sys.argv[1])
if cfg["freeze"]:
    gc.collect()
    gc.freeze()
if cfg["threshold"]:
    gc.set_threshold(*cfg["threshold"])
stats = {0: [0, 0.0], 1: [0, 0.0], 2: [0, 0.0]}
started = {}
def timer(phase, info):
    if phase == "start":
        started["t"] = time.thread_time()
    else:
        s = stats[info["generation"]]
        s[0] += 1
        s[1] += time.thread_time() - started["t"]
gc.callbacks.append(timer)
from workload import workload
start = time.thread_time()
workload()
total = time.thread_time() - start
print(json.dumps({"stats": stats, "total": total, "tracked": len(gc.get_objects())}))
"""

IMPORTS = """
import lab.cache, lab.panel, lab.state, lab.tabs.landscape, lab.tabs.why, lab.tabs.basins
import lab.tabs.fixes, lab.tabs.export, landscape.plots
"""

WORKLOAD = """
from dataclasses import replace
from lab.cache import get_run, get_spectrum, get_targets
from lab.state import PRESETS, PlainRun, preset_base
from landscape import plots

def workload():
    for lr in (4e-4, 3e-4, 5e-4):
        for name in PRESETS:
            s = preset_base(name)
            if isinstance(s.run(), PlainRun):
                s = replace(s, lr=lr)
            key = s.recipe()
            spec, run = get_spectrum(key), get_run(key, s.run())
            found = get_targets(key, s.lo, s.hi)
            base = plots.landscape_figure(spec, s.lo, s.hi, log_y=s.logy, found=found)
            plots.add_run(base, spec, run)
            plots.history_figure(spec, run, lo=s.lo, hi=s.hi, found=found)
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--thresholds", default="700,10000,50000", help="gen-0 thresholds to try")
    args = ap.parse_args()
    import tempfile
    from pathlib import Path

    tmp = Path(tempfile.mkdtemp())
    (tmp / "app_imports.py").write_text(IMPORTS)
    (tmp / "workload.py").write_text(WORKLOAD)
    configs = [("Python defaults (700, 10, 10)", {"freeze": False, "threshold": None})]
    configs.append(("gc.freeze() after imports", {"freeze": True, "threshold": None}))
    for t0 in (int(v) for v in args.thresholds.split(",")):
        configs.append(
            (f"freeze + threshold ({t0}, 10, 10)", {"freeze": True, "threshold": [t0, 10, 10]})
        )
    env = {"PYTHONPATH": str(tmp), "OMP_WAIT_POLICY": "PASSIVE"}
    import os

    rows = []
    for label, cfg in configs:
        out = subprocess.run(
            [sys.executable, "-c", WORKER, json.dumps(cfg)],
            env=os.environ | env | {"PYTHONPATH": str(tmp) + os.pathsep + os.getcwd()},
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append((label, r))
    base = rows[0][1]
    print(
        f"{'configuration':36} {'gen0':>12} {'gen1':>12} {'gen2':>14} {'gc CPU':>8} {'work CPU':>9} {'ratio':>6}"
    )
    for label, r in rows:
        st = r["stats"]
        gc_cpu = sum(v[1] for v in st.values())
        cells = [f"{st[g][0]:5d}/{st[g][1] * 1e3:5.0f}ms" for g in ("0", "1", "2")]
        print(
            f"{label:36} {cells[0]:>12} {cells[1]:>12} {cells[2]:>14} {gc_cpu:7.2f}s {r['total']:8.2f}s {r['total'] / base['total']:6.2f}"
        )
    print(f"objects tracked after the workload (defaults): {base['tracked']}")


if __name__ == "__main__":
    main()
