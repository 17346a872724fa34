"""Text from a URL or an upload's file name reaches the page as characters, never as markup.

A notice quotes each refused URL value and the upload box quotes the file's
name; Streamlit renders both as Markdown (lab.text.plain is what stands in
between). Each payload below goes into refused URL values of every kind
(number, integer, choice, true/false) and into the name of a broken upload
(the error quotes it) and of a valid one (the caption shows it). In Chromium,
no request and no element may reach the payloads' host, and the visible text
must hold the payload as typed.
"""

import re
from urllib.parse import quote, urlsplit

import pytest

pytestmark = pytest.mark.browser

IDLE = "[data-test-script-state='notRunning']"
NOTICE = "[data-testid='stAlertContainer']"
CAPTION = "[data-testid='stCaptionContainer']"
HOST = "evil.test"

PAYLOADS = (
    "![x](http://evil.test/t.png)",
    "[click](http://evil.test/)",
    "<http://evil.test/a>",
    "http://evil.test/b",
    "www.evil.test",
    "x@evil.test",
    "<img src=http://evil.test/i.png>",
    '<a href="http://evil.test/">x</a>',
    ":red[x]",
    ":material/home:",
    ":smile:",
    "$x^2$",
    "**b**",
    "`code`",
    "&amp; &#x41;",
    "![x](http://evil.test/long.png)" + "a" * 3000,
)
#: Keys that hold a value of the settings table; a payload is refused by each.
#: (tab and locked are left out: the first is the open tab, the second hides the upload box.)
KEYS = (
    "w0", "lr", "data", "preset", "opt", "method", "epochs", "n", "high", "seed", "start",
    "stop", "noise", "batch", "momentum", "nesterov", "tseed", "lo", "hi", "logy", "f32",
)  # fmt: skip
#: A notice quotes at most this many characters of a URL value (quotes included).
QUOTED = 40
#: The longest file name the upload box quotes whole.
NAMED = 80
#: The longest file name tried (without ".csv").
FILE_NAME = 250

# Every attribute of every element that names the host. Streamlit's upload box
# names the file it holds in a tooltip and for screen readers: attribute text,
# which neither loads nor links.
LEAKS = """host => {
  const found = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      const label = a.name === 'aria-label' || a.name === 'title';
      if (label && el.closest('[data-testid=stFileUploader]')) continue;
      if (a.value.toLowerCase().includes(host)) found.push(`<${el.tagName} ${a.name}="${a.value}">`);
    }
  }
  return found;
}"""


def open_page(browser, url: str):
    """A page at ``url`` whose requests to HOST are recorded in ``page.leaked`` and aborted."""
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.leaked = []

    def route(r):
        if (urlsplit(r.request.url).hostname or "").endswith(HOST):
            page.leaked.append(r.request.url)
            r.abort()
        else:
            r.continue_()

    page.route("**/*", route)
    page.goto(url, timeout=120_000)
    return page


def check_clean(page) -> None:
    assert not page.leaked, f"requests reached {HOST}: {page.leaked}"
    assert page.evaluate(LEAKS, HOST) == []
    assert not page.locator(f"a[href*='{HOST}'], img[src*='{HOST}']").count()


def text_of(page, selector: str, containing: str | re.Pattern) -> str:
    """The visible text of the element at ``selector`` that contains ``containing``."""
    found = page.locator(selector, has_text=containing).first
    found.wait_for(timeout=60_000)
    page.wait_for_selector(IDLE, state="attached", timeout=60_000)
    # plain() puts an invisible WORD JOINER into "http://", "www." and "@".
    return found.inner_text().replace("\u2060", "")


def quoted(payload: str) -> str:
    """What a notice shows of a refused URL value: its repr, cut to QUOTED characters."""
    text = repr(payload)
    return text if len(text) <= QUOTED else text[: QUOTED - 3]


@pytest.mark.parametrize("shift", [0, 7, 14])
def test_refused_url_values_stay_text(server, browser, shift):
    keys = {payload: KEYS[(i + shift) % len(KEYS)] for i, payload in enumerate(PAYLOADS)}
    query = "&".join(f"{key}={quote(payload, safe='')}" for payload, key in keys.items())
    page = open_page(browser, f"{server}/?{query}")
    notices = {
        p: text_of(page, NOTICE, re.compile(rf"(?<!\w){k} must be")) for p, k in keys.items()
    }
    check_clean(page)
    for payload, notice in notices.items():
        assert quoted(payload) in notice, keys[payload]
    page.close()


def test_file_names_stay_text(server, browser):
    page = open_page(browser, server)
    upload = page.locator("[data-testid='stFileUploaderDropzoneInput']")
    for i, payload in enumerate(PAYLOADS):
        # File systems stop at 255 bytes, and Streamlit's upload endpoint refuses a
        # name of some thousand characters itself (status 400) before the app sees it.
        # Chromium sends a double quote in a file name as %22 (the HTML form encoding).
        name = (payload[:FILE_NAME] + ".csv").replace('"', "%22")
        shown = name if len(name) <= NAMED else name[: NAMED - 1]
        # A different bad cell and sample count each time tells this upload's text from the last.
        broken = b"x,y\n1,zz%d\n" % i
        upload.set_input_files({"name": name, "mimeType": "text/csv", "buffer": broken})
        error = text_of(page, NOTICE, f"'zz{i}'")
        check_clean(page)
        assert shown in error, payload
        valid = b"".join(b"%d,%d\n" % (x, x % 2) for x in range(1, 11 + i))
        upload.set_input_files({"name": name, "mimeType": "text/csv", "buffer": valid})
        caption = text_of(page, CAPTION, f"{10 + i} samples")
        check_clean(page)
        assert shown in caption, payload
    page.close()
