"""Server CPU of one session alone: a new share link of every preset, and a control change.

    .venv/bin/python bench/rerun_cpu.py                      # this tree
    .venv/bin/python bench/rerun_cpu.py /tmp/before .        # trees side by side, one run

Each tree's ``app.py`` runs under Streamlit's AppTest in a subprocess of its own
(its packages first on ``sys.path``), timed with ``time.process_time`` (all
threads of the process: torch's workers too), not wall time, so other work on a
shared machine counts little. Per tree: a cold first page (imports included);
then, after the presets' start-up warm-up of a served process (``lab.warm``,
if the tree has it), a NEW link of each preset (a data seed no one opened:
nothing of it is cached) and, in that session, three new learning rates (or
w0 for a remedy preset); ``--links`` such links (seeds) per preset. Printed
per preset: CPU s of the median first load and the median change; the first
tree is the baseline and later trees get ratios. Targets (issue 9): <= 0.12 s per new plain
link, <= 0.08 s per change, <= 0.5 s per remedy preset.

A new AppTest scans the installed packages for Streamlit components on its
first run (40-55 ms of CPU); a served process does that once at start, so new
sessions here reuse the first one's scan (``--harness`` counts it again, as
this script did before).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

WORKER = r"""
import dataclasses, json, logging, statistics, sys, time
from streamlit.testing.v1 import AppTest
logging.getLogger("streamlit").setLevel(logging.ERROR)
from lab.state import PRESETS, preset_base

APP, SHARED, LINKS = sys.argv[1], sys.argv[2] == "shared", int(sys.argv[3])

def run(at):
    start = time.process_time()
    at.run()
    if at.exception:
        raise RuntimeError(at.exception[0].value)
    return time.process_time() - start

opened = AppTest.from_file(APP, default_timeout=600)
out = {"cold": run(opened)}


def session():
    # A new browser session of the same served process. Each AppTest scans
    # the installed packages for components on its first run (40-55 ms of
    # CPU, once per process in a real server): share the first one's result.
    at = AppTest.from_file(APP, default_timeout=600)
    if SHARED:
        at._bidi_component_manager = opened._bidi_component_manager
    return at


try:
    from lab.warm import warm_presets  # what a served process warms at start
    warm_presets()
except ImportError:
    pass
rows = {}
seen = {preset_base(name).recipe() for name in PRESETS}  # warmed
for i, name in enumerate(PRESETS):
    key = "lr" if preset_base(name).run().__class__.__name__ == "PlainRun" else "w0"
    firsts, changes, fresh = [], [], 0
    for j in range(LINKS):
        at = session()
        at.query_params["preset"] = name
        at.query_params["seed"] = str(9000 + 10 * i + j)
        recipe = dataclasses.replace(preset_base(name), seed=9000 + 10 * i + j).recipe()
        first = run(at)
        if recipe not in seen:
            fresh += 1
            firsts.append(first)
        elif not firsts:  # data that the seed does not draw (a range): cached already
            firsts.append(first)
        seen.add(recipe)
        base = at.number_input(key=key).value
        for k in range(3):
            at.number_input(key=key).set_value(round(base * (1 + 0.01 * (k + 1)), 9))
            changes.append(run(at))
    rows[name] = [statistics.median(firsts), statistics.median(changes), fresh]
out["rows"] = rows
print(json.dumps(out))
"""


def measure(tree: Path, shared: bool = True, links: int = 3) -> dict:
    env = os.environ | {"PYTHONPATH": str(tree), "OMP_WAIT_POLICY": "PASSIVE"}
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            WORKER,
            str(tree / "app.py"),
            "shared" if shared else "own",
            str(links),
        ],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"{tree}: {done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("trees", nargs="*", type=Path, default=[Path(__file__).resolve().parents[1]])
    ap.add_argument(
        "--harness",
        action="store_true",
        help="let every new session scan for components again (AppTest's cost, not a server's)",
    )
    ap.add_argument("--links", type=int, default=3, help="new links per preset (medians)")
    args = ap.parse_args()
    results = [(tree, measure(tree.resolve(), not args.harness, args.links)) for tree in args.trees]
    base = results[0][1]
    for tree, r in results:
        print(f"== {tree}: cold first page {r['cold']:.2f} CPU s")
        print(
            f"{'preset':28} {'new link':>9} {'change':>8} {'ratio link':>11} {'ratio change':>13}"
        )
        for name, (first, change, fresh) in r["rows"].items():
            b_first, b_change, _ = base["rows"][name]
            note = f"  ({fresh} new datasets)" if fresh else "  (its data cached: no new dataset)"
            print(
                f"{name:28} {first:8.3f}s {change:7.3f}s {first / b_first:11.2f} "
                f"{change / b_change:13.2f}{note}"
            )


if __name__ == "__main__":
    main()
