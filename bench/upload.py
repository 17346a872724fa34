"""Upload benchmark: CPU time and peak memory of parsing a CSV upload, old parser against new.

    PYTHONPATH=. .venv/bin/python bench/upload.py            # all three files
    PYTHONPATH=. .venv/bin/python bench/upload.py --repeat 5 # more timing repeats

(``PYTHONPATH=.`` until the project is installed in the venv.) Three files,
written once to a temporary folder:

(a) ``tiny``: ``"1,0\\n"`` repeated up to ``MAX_BYTES`` (8.4 million rows, over
    ``MAX_ROWS``): it must be refused, fast and in bounded memory;
(b) ``1e6``: 10^6 rows ``x,y`` of real x in [0, 1000) written with all 17
    digits and their parity labels (19 MB, the largest file a user would mean);
(c) ``question``: the question's 1000 samples (``parity_data(1000)``).

Each (file, parser) pair runs in a fresh interpreter that holds only the file's
bytes, so no run inherits another's heap. It measures, in this order: the CPU
time (``time.process_time``, the best of ``--repeat`` runs), the growth of the
process's resident memory (peak VmHWM, reset through ``/proc/self/clear_refs``,
minus VmRSS before the parse), and the peak of Python allocations under
``tracemalloc`` (numpy's buffers included; a separate run, as tracing slows
allocation). The table ends with old/new ratios from the same run.

The baseline ``old_parse_csv`` below is a verbatim copy of
``landscape.csvdata.parse_csv`` before streaming (git 5823681), but for
``_is_number``, imported as it has not changed: it builds a list of lists of
every row's cells before it checks the row limit.
"""

from __future__ import annotations

import argparse
import csv
import gc
import io
import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

from landscape.csvdata import MAX_BYTES, MAX_ROWS, _is_number, parse_csv
from landscape.data import Dataset, parity_data

CASES = ("tiny", "1e6", "question")
PARSERS = ("old", "new")


# --- BASELINE: the parser before streaming, copied unchanged (only renamed) ---


def _old_decode(raw: bytes) -> str:
    if b"\x00" in raw[:4096]:
        raise ValueError("the file is binary, not CSV text (it contains NUL bytes)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"the file is not UTF-8 text (byte {exc.start} cannot be decoded)"
        ) from None


def _old_rows(text: str) -> list[list[str]]:
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t ")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True)
    rows = []
    try:
        for row in reader:
            cells = [c.strip() for c in row if c.strip() != ""]
            if cells:
                rows.append(cells)
            if len(rows) > MAX_ROWS + 1:
                raise ValueError(
                    f"the file has more than {MAX_ROWS:,} rows; at most {MAX_ROWS:,} are allowed"
                )
    except csv.Error as exc:
        raise ValueError(f"the file is not valid CSV (line {reader.line_num}: {exc})") from None
    return rows


def old_parse_csv(raw: bytes, name: str = "upload") -> Dataset:
    """BASELINE ONLY: ``landscape.csvdata.parse_csv`` as it was before streaming."""
    if len(raw) > MAX_BYTES:
        raise ValueError(
            f"the file is {len(raw) / 2**20:.1f} MB; at most {MAX_BYTES // 2**20} MB are allowed"
        )
    rows = _old_rows(_old_decode(raw))
    if not rows:
        raise ValueError("the file is empty: expected two columns, x and y")
    header = not all(_is_number(c) for c in rows[0][:2])
    body = rows[1:] if header else rows
    if not body:
        raise ValueError("the file has a header but no data rows")
    if len(body) > MAX_ROWS:
        raise ValueError(f"the file has {len(body):,} rows; at most {MAX_ROWS:,} are allowed")
    first = 2 if header else 1
    values = np.empty((len(body), 2))
    for i, row in enumerate(body):
        if len(row) < 2:
            raise ValueError(f"row {i + first} has {len(row)} column; two are needed (x and y)")
        for j in (0, 1):
            try:
                values[i, j] = float(row[j])
            except ValueError:
                col = "xy"[j]
                raise ValueError(
                    f"row {i + first}, column {col}: {row[j][:20]!r} is not a number"
                ) from None
    bad = ~np.isfinite(values)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise ValueError(
            f"row {i + first}, column {'xy'[j]}: {values[i, j]} is not a finite number"
        )
    return Dataset(values[:, 0], values[:, 1], name=name)


# --- END OF BASELINE ---


def write_files(folder: Path) -> dict[str, Path]:
    """The three benchmark files in ``folder``, by case name."""
    x = np.random.default_rng(0).uniform(0.0, 1000.0, 10**6)
    question = parity_data(1000)
    texts = {
        "tiny": b"1,0\n" * (MAX_BYTES // 4),
        "1e6": ("x,y\n" + "".join(f"{v!r},{int(v) % 2}\n" for v in x.tolist())).encode(),
        "question": (
            "x,y\n" + "".join(f"{a:g},{b:g}\n" for a, b in zip(question.x, question.y, strict=True))
        ).encode(),
    }
    paths = {}
    for case, raw in texts.items():
        paths[case] = folder / f"{case}.csv"
        paths[case].write_bytes(raw)
    return paths


def _kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def _run(parse, raw: bytes) -> str:
    try:
        ds = parse(raw, "bench.csv")
    except ValueError as exc:
        return f"refused: {str(exc)[:48]}"
    return f"n = {ds.n:,}"


def measure(parser: str, path: Path, repeat: int) -> dict:
    """One child's figures: CPU seconds, RSS growth and tracemalloc peak in MB."""
    parse = {"old": old_parse_csv, "new": parse_csv}[parser]
    raw = path.read_bytes()
    gc.collect()
    before = _kib("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # restart the peak (VmHWM) from now
    seconds = []
    for _ in range(repeat):
        start = time.process_time()
        outcome = _run(parse, raw)
        seconds.append(time.process_time() - start)
    rss = (_kib("VmHWM") - before) / 1024
    gc.collect()
    tracemalloc.start()
    _run(parse, raw)
    traced = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return {"outcome": outcome, "cpu": min(seconds), "rss": rss, "traced": traced}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3, help="timing runs per pair (best kept)")
    ap.add_argument("--child", nargs=2, metavar=("PARSER", "FILE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        parser, file = args.child
        print(json.dumps(measure(parser, Path(file), args.repeat)))
        return
    with tempfile.TemporaryDirectory() as folder:
        paths = write_files(Path(folder))
        results = {}
        for case in CASES:
            size = paths[case].stat().st_size / 2**20
            for parser in PARSERS:
                # The question's file parses in a millisecond: more runs for a stable best.
                repeat = args.repeat * (20 if case == "question" else 1)
                cmd = [sys.executable, __file__, "--repeat", str(repeat), "--child", parser]
                out = subprocess.run(
                    [*cmd, str(paths[case])], capture_output=True, text=True, check=True
                )
                results[case, parser] = json.loads(out.stdout)
                r = results[case, parser]
                print(
                    f"{case:9} {size:5.1f} MB {parser:4} {r['cpu'] * 1e3:9.1f} ms"
                    f" {r['traced']:9.1f} MB traced {r['rss']:8.1f} MB RSS   {r['outcome']}",
                    flush=True,
                )
    print("\nold / new (higher: the new parser is better)")
    print(f"{'case':9} {'CPU':>7} {'traced':>7} {'RSS':>7}")
    for case in CASES:
        old, new = results[case, "old"], results[case, "new"]
        cells = [
            # Below a megabyte, RSS moves by whole pages and allocator arenas: no ratio.
            "  noise" if k == "rss" and max(old[k], new[k]) < 1 else f"{old[k] / new[k]:7.1f}"
            for k in ("cpu", "traced", "rss")
        ]
        print(f"{case:9} " + " ".join(cells))


if __name__ == "__main__":
    main()
