"""The long fuzz run: tests/test_fuzz.py's properties with many more examples.

    .venv/bin/python bench/fuzz.py                    # 22000 settings cases, 60 app runs
    .venv/bin/python bench/fuzz.py --scale 50 --app 200
    .venv/bin/python bench/fuzz.py --heavy            # also the heaviest valid share links

The properties and strategies are the test file's own (imported, not copied);
only the numbers of examples change: ``--scale`` times the test's settings
budget (2200 cases) and ``--app`` whole-app runs. Each
property reports its examples, its time and, if it fails, the smallest
falsifying example Hypothesis found. ``--heavy`` opens share links at the
limits of the settings (most steps, most samples, largest x, widest window)
and reports each one's time: none may raise, and each should finish well
inside the AppTest timeout.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from landscape.settings import DATA_RANGE, DATA_REAL, MAX_N, MAX_STEPS, MAX_X  # noqa: E402

# Valid share links at the limits: the most steps, the most samples, the largest x.
HEAVY = (
    {"epochs": str(MAX_STEPS)},  # full batch, 20000 steps on the question's data
    {"n": "20000", "batch": "1", "epochs": "1"},  # 20000 single-sample steps
    {"n": str(MAX_N), "high": str(MAX_X), "lo": "1.5", "hi": "1.6"},
    {"data": DATA_REAL, "n": str(MAX_N), "high": str(MAX_X), "lo": "1.57", "hi": "1.58"},
    {"data": DATA_RANGE, "start": str(MAX_X - MAX_N), "stop": str(MAX_X), "lo": "1.57"},
    {"high": str(MAX_X), "lo": "-0.09", "hi": "0.09", "f32": "true", "logy": "true"},
)


def run_property(name: str, test, examples: int) -> tuple[str, int, float, str]:
    """Run a @given test of tests/test_fuzz.py; (name, examples, seconds, outcome)."""
    start = time.perf_counter()
    try:
        test()
        outcome = "ok"
    except Exception as exc:  # report every failure, keep fuzzing the rest
        notes = "\n".join(getattr(exc, "__notes__", []))  # Hypothesis's falsifying example
        outcome = f"FAILED: {type(exc).__name__}: {str(exc)[:2000]}\n{notes}"
    return name, examples, time.perf_counter() - start, outcome


def run_heavy(fuzz, query: dict[str, str]) -> tuple[str, int, float, str]:
    """Open one heavy share link in the whole app (tests/test_fuzz.py's check_app)."""
    start = time.perf_counter()
    try:
        fuzz.check_app(query)
        outcome = "ok"
    except Exception as exc:
        outcome = f"FAILED: {type(exc).__name__}: {str(exc)[:600]}"
        outcome += "\n" + "".join(traceback.format_exception_only(exc))[:300]
    return f"app {query}", 1, time.perf_counter() - start, outcome


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=10.0, help="times the test's examples")
    ap.add_argument("--app", type=int, default=60, help="whole-app runs on generated links")
    ap.add_argument("--heavy", action="store_true", help="also open the heaviest valid links")
    args = ap.parse_args(argv)
    if not 0 < args.scale <= 1000 or not 0 <= args.app <= 10_000:
        ap.error("--scale must be in (0, 1000] and --app in [0, 10000]")
    # The test file reads its budgets when imported.
    os.environ["LANDSCAPE_FUZZ_SCALE"] = str(args.scale)
    os.environ["LANDSCAPE_FUZZ_APP"] = str(args.app)
    import test_fuzz as fuzz

    # AppTest's "missing ScriptRunContext" warning, one per run, buries the table.
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").disabled = True

    properties = {
        "from_query on generated mappings": (
            "query",
            fuzz.test_from_query_names_every_refused_value,
        ),
        "raw query strings": ("raw", fuzz.test_raw_query_strings),
        "resolve with broken rules": ("resolve", fuzz.test_resolve_fixes_broken_rules_and_says_so),
        "share-link round trip": ("round_trip", fuzz.test_share_link_round_trip),
    }
    if args.app:
        properties["whole app, generated links"] = (
            "app",
            fuzz.test_app_survives_generated_share_links,
        )
    rows = [run_property(name, test, fuzz.EXAMPLES[k]) for name, (k, test) in properties.items()]
    if args.heavy:
        rows += [run_heavy(fuzz, q) for q in HEAVY]

    print("| property | examples | seconds | outcome |\n|---|---|---|---|")
    for name, examples, seconds, outcome in rows:
        print(f"| {name} | {examples} | {seconds:.1f} | {outcome.splitlines()[0][:160]} |")
    failures = [r for r in rows if r[3] != "ok"]
    for name, _, _, outcome in failures:
        print(f"\n### {name}\n{outcome}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
