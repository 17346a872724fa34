"""The app in a real browser: a share link opens it, Play animates the run, the URL follows.

The ``server`` and ``browser`` fixtures (conftest.py) start ``streamlit run
app.py`` on a free port and Debian's Chromium under Playwright. Needs
/usr/bin/chromium: without it the test fails when the environment variable CI
is set, and is skipped otherwise.
"""

import pytest

pytestmark = pytest.mark.browser

IDLE = "[data-test-script-state='notRunning']"


MARKER = """() => {
  for (const gd of document.querySelectorAll('.js-plotly-plot')) {
    const i = (gd.data || []).findIndex(t => t.name === 'w at the shown step');
    if (i >= 0) return {x: gd.data[i].x[0], traces: gd.data.length,
                        path: gd.data.some(t => (t.name || '').startsWith('path of the run'))};
  }
  return null;
}"""


def test_share_link_play_and_url(server, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(f"{server}/?w0=1.45&epochs=60", timeout=120_000)
    page.wait_for_selector(IDLE, state="attached", timeout=120_000)
    page.wait_for_function(f"({MARKER})() !== null", timeout=60_000)
    assert page.locator(".js-plotly-plot").count() >= 2
    before = page.evaluate(MARKER)
    assert before["path"] and abs(before["x"] - 1.45) < 1e-6

    page.locator(".updatemenu-button", has_text="Play").first.click()
    page.wait_for_function(f"({MARKER})().x !== {before['x']}", timeout=20_000)
    assert page.evaluate(MARKER)["x"] != before["x"]

    box = page.get_by_label("Learning rate")
    box.fill("0.0007")
    box.press("Enter")
    page.wait_for_function("() => location.search.includes('lr=0.0007')", timeout=60_000)
    page.wait_for_selector(IDLE, state="attached", timeout=120_000)
    assert "w0=1.45" in page.url and "epochs=60" in page.url
    assert not page.locator("[data-testid='stException']").count()
    page.screenshot(path=str(tmp_path / "app.png"))
    page.close()
    assert (tmp_path / "app.png").stat().st_size > 10_000


def test_clicking_the_basin_map_replays_that_start(server, browser):
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(f"{server}/?tab=Basins&epochs=40", timeout=120_000)
    page.wait_for_selector(IDLE, state="attached", timeout=180_000)
    chart = page.locator(".js-plotly-plot").first
    chart.scroll_into_view_if_needed()
    point = chart.locator(".scatterlayer .trace").first.locator("path.point").nth(50)
    box = point.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    # Plotly picks the point under the pointer on hover, then selects it on click.
    page.mouse.move(x - 5, y - 5)
    page.mouse.move(x, y, steps=5)
    page.wait_for_timeout(500)
    page.mouse.down()
    page.mouse.up()
    page.wait_for_function("() => location.search.includes('w0=')", timeout=60_000)
    page.wait_for_selector(IDLE, state="attached", timeout=120_000)
    w0 = float(page.get_by_label("Initial weight w0").input_value())
    assert 1.4 <= w0 <= 1.75 and w0 != 1.5
    page.close()
