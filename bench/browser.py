"""The app in a browser: first chart after the script ends, and how long ▶ Play lasts.

    .venv/bin/python bench/browser.py                  # starts its own server
    .venv/bin/python bench/browser.py --url http://127.0.0.1:8606

Headless Chromium under Playwright (as tests/conftest.py starts it). For each link:

- first chart: a fresh browser context (empty cache, as a student's first visit)
  opens the link; an init script timestamps (``performance.now()``) the moment
  the script-state attribute turns ``notRunning`` and the first Plotly chart's
  SVG appears. Printed: navigation to script end, navigation to first chart,
  and script end to first chart (0 when the chart came first). A link above the
  work budget shows a button: it is clicked, and times count from the click;
- ▶ Play: the Play button of the landscape chart is clicked and the time to
  Plotly's ``plotly_animated`` event (the last frame drawn) is taken.

Baseline, measured in the same run: the very figure the page drew (data, layout
and frames read back from the chart) drawn and animated by plotly.js alone in a
blank page with the same Chromium (plotly.js from the installed plotly package,
inline: its parse counts, its download does not), i.e. the floor that any app drawing this figure pays. Ratios are app / floor.
Wall-clock times on a shared machine: compare rows of one run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
from pathlib import Path

import load
import plotly
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
VIEWPORT = {"width": 1366, "height": 900}
LINKS = {
    "the question (100 steps)": "/",
    "20,000 steps": "/?epochs=20000",
}

TIMESTAMPS = """
window.__bench = {scriptEnd: null, chart: null, running: false};
new MutationObserver(() => {
  const b = window.__bench, now = performance.now();
  const state = document.querySelector('[data-test-script-state]');
  if (state) {
    const s = state.getAttribute('data-test-script-state');
    if (s === 'running') b.running = true;
    else if (b.running && b.scriptEnd === null && s === 'notRunning') b.scriptEnd = now;
  }
  if (b.chart === null && document.querySelector('.js-plotly-plot .main-svg')) b.chart = now;
}).observe(document, {subtree: true, childList: true, attributes: true});
"""

# The landscape chart is the plot with frames. Arms the Play timer: the press of
# the button (a real click, below) to Plotly's event for the last frame drawn.
ARM_PLAY = """() => {
  const gd = [...document.querySelectorAll('.js-plotly-plot')]
    .find(g => g._transitionData && g._transitionData._frames.length);
  window.__play = {start: null, end: null};
  gd.querySelector('.updatemenu-button').addEventListener(
    'mousedown', () => { window.__play.start = performance.now(); }, {capture: true});
  gd.once('plotly_animated', () => { window.__play.end = performance.now(); });
}"""

READY = """() => document.querySelector('.js-plotly-plot .main-svg') !== null ||
  [...document.querySelectorAll('button')].some(b => b.textContent.includes('Compute it'))"""

FIGURE = """() => {
  const gd = [...document.querySelectorAll('.js-plotly-plot')]
    .find(g => g._transitionData && g._transitionData._frames.length);
  return JSON.stringify({data: gd.data, layout: gd.layout, frames: gd._transitionData._frames});
}"""

# plotly.js alone: draw the figure, then the same Play (its first updatemenu's args).
FLOOR = """async (fig) => {
  const gd = document.getElementById('gd');
  await Plotly.newPlot(gd, fig.data, fig.layout);
  await Plotly.addFrames(gd, fig.frames);
  // From the blank page's navigation: parsing plotly.js (inline), then drawing.
  const drawn = performance.now();
  const args = fig.layout.updatemenus[0].buttons[0].args;
  const done = new Promise(r => gd.once('plotly_animated', () => r(performance.now())));
  const start = performance.now();
  Plotly.animate(gd, args[0], args[1]);
  return {drawn, play: (await done) - start};
}"""


def open_link(browser: Browser, url: str) -> tuple[Page, dict]:
    """A fresh context on ``url``; clicks the work-budget button if the page shows one."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.add_init_script(TIMESTAMPS)
    page.goto(url, timeout=300_000)
    page.wait_for_function("() => window.__bench.scriptEnd !== null", timeout=300_000)
    page.wait_for_function(READY, timeout=300_000)
    compute = page.locator("button", has_text="Compute it")
    clicked = 0.0
    if compute.count():
        # Times count from the click: the run computes on it, in this session.
        clicked = page.evaluate(
            "() => { window.__bench = {scriptEnd: null, chart: null, running: false};"
            " return performance.now(); }"
        )
        compute.first.click()
        page.wait_for_function("() => window.__bench.scriptEnd !== null", timeout=300_000)
    page.wait_for_function("() => window.__bench.chart !== null", timeout=300_000)
    stamps = page.evaluate("() => window.__bench")
    return page, {k: stamps[k] - clicked for k in ("scriptEnd", "chart")}


def play(page: Page) -> float:
    """Milliseconds from pressing ▶ Play on the landscape chart to its last frame."""
    page.evaluate(ARM_PLAY)
    page.locator(".updatemenu-button", has_text="Play").first.click()
    page.wait_for_function("() => window.__play.end !== null", timeout=300_000)
    return page.evaluate("() => window.__play.end - window.__play.start")


def floor(browser: Browser, figure: dict) -> dict:
    page = browser.new_context(viewport=VIEWPORT).new_page()
    page.set_content(
        f"<html><body><div id='gd' style='width:800px'></div>"
        f"<script>{PLOTLY_JS.read_text()}</script></body></html>"
    )
    out = page.evaluate(FLOOR, figure)
    page.context.close()
    return out


def measure(browser: Browser, base: str, repeats: int) -> list[str]:
    rows = []
    for label, link in LINKS.items():
        ends, charts, plays, floors = [], [], [], []
        for _ in range(repeats):
            page, stamps = open_link(browser, base + link)
            ends.append(stamps["scriptEnd"])
            charts.append(stamps["chart"])
            plays.append(play(page))
            figure = json.loads(page.evaluate(FIGURE))
            page.context.close()
            floors.append(floor(browser, figure))
        end, chart, played = min(ends), min(charts), min(plays)
        after_end = max(0.0, min(c - e for c, e in zip(charts, ends, strict=True)))
        bare_draw = min(f["drawn"] for f in floors)
        bare_play = min(f["play"] for f in floors)
        rows.append(
            f"{label:26} script end {end / 1e3:6.2f} s | first chart {chart / 1e3:6.2f} s "
            f"(+{after_end / 1e3:.2f} s after the end; plotly.js alone loads and draws it in "
            f"{bare_draw / 1e3:.2f} s) | Play {played / 1e3:6.2f} s, plotly.js alone "
            f"{bare_play / 1e3:.2f} s, ratio {played / bare_play:.2f}"
        )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", help="a running server (default: start one on a free port)")
    ap.add_argument("--repeats", type=int, default=2, help="fresh contexts per link (best kept)")
    args = ap.parse_args()
    proc = None
    if args.url:
        base = args.url.rstrip("/")
    else:  # as bench/load.py starts it (this script's directory is on sys.path)
        port = load.free_port()
        proc = load.start_server(port, {}, subprocess.DEVNULL, None)
        base = f"http://{load.HOST}:{port}"
        load.wait_healthy(base, proc, 120.0)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for row in measure(browser, base, args.repeats):
                print(row, flush=True)
            browser.close()
    finally:
        if proc is not None:
            load.stop_server(proc)


if __name__ == "__main__":
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    main()
