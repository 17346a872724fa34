"""The page in Chinese, in Chromium: every tab, the panel and the notices have no English sentence left.

What is left in Latin letters is names the same in every language: code
(torch.optim, nn.MSELoss, generate_data), optimizer and loss names, maths and
units. An English *sentence* is what the check refuses: four or more English
words in a row. Streamlit's own upload box ("Drag and drop", "per file") is
its text, not ours, and is left out, as is its "Skip to main content" link.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from lab.state import TABS, tab_label

pytestmark = pytest.mark.browser

IDLE = "[data-test-script-state='notRunning']"
# Four or more words of two or more Latin letters in a row (spaces and light
# punctuation between): an English sentence or phrase.
SENTENCE = re.compile(r"\b[A-Za-z][a-z]+(?:[ ,;:'()-]+[A-Za-z][a-z]+){3,}\b")
#: Text of Streamlit's own widgets, outside the app's catalog, and code blocks
#: (the exported PyTorch script, share links), the same in every language.
STREAMLIT = (
    "[data-testid='stFileUploaderDropzone']",
    "[data-testid='stSkipToContent']",
    "[data-testid='stCode']",
)
#: Links whose visible text is the page's tab, each with settings that reach its sentences.
LINKS = {
    "Landscape": "cmp=true",
    "Notebook": "",
    "Why it fails": "",
    "Basins": "",
    "Fixes": "",
    "Two parameters": "model=w,b&b0=0.3",
    "Lesson": "step=4",
    "Export": "",
}
TEXT = """skip => {
  for (const s of skip) for (const el of document.querySelectorAll(s)) el.remove();
  const svg = [...document.querySelectorAll('svg text')].map(t => t.textContent);
  return document.body.innerText + '\\n' + svg.join('\\n');
}"""


def english_sentences(text: str) -> list[str]:
    return [m.group() for m in SENTENCE.finditer(text)]


@pytest.mark.parametrize("tab", TABS)
def test_every_tab_in_chinese_has_no_english_sentence(server, browser, tab):
    assert set(LINKS) == set(TABS)
    extra = LINKS[tab]
    url = f"{server}?lang=zh&tab={quote(tab_label(tab, 'zh'))}" + (f"&{extra}" if extra else "")
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    try:
        page.goto(url)
        page.wait_for_selector(IDLE, timeout=120_000)
        page.wait_for_timeout(1500)  # charts draw after the script ends
        text = page.evaluate(TEXT, list(STREAMLIT))
    finally:
        page.close()
    assert "损失" in text
    assert english_sentences(text) == []


def test_refused_values_are_noticed_in_chinese(server, browser):
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    try:
        page.goto(f"{server}?lang=zh&lr=abc&lo=2&hi=1")
        page.wait_for_selector(IDLE, timeout=120_000)
        notices = page.locator("[data-testid='stAlertContainer']").all_inner_texts()
    finally:
        page.close()
    assert len(notices) >= 2
    assert all(english_sentences(n) == [] for n in notices), notices
    assert any("'abc'" in n for n in notices)
