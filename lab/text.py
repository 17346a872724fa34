"""Numbers and untrusted text as the page writes them.

Streamlit renders the body of ``st.markdown``, ``st.warning``, ``st.caption``
... as Markdown: links, images, emphasis, ``:color[...]`` directives, LaTeX
between dollars, and bare ``https://`` or ``www.`` addresses turned into links.
Text that comes from a URL, an upload or a file name must reach the page as
the characters it is, so every such string passes through :func:`plain`.
"""

from __future__ import annotations

import math
import re
import string

from .i18n import _

# CommonMark lets a backslash escape any ASCII punctuation character, which
# then stands for itself: no link, image, emphasis, code, directive or math can
# start.
_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
# Escapes are not enough for GFM's autolink literals: remark-gfm finds them
# again in the parsed text, where the escapes are gone (tests/test_markup.py:
# "http\:\/\/evil\.test" became a link in Chromium). Its patterns need a
# domain character right after "http://" or "@" and a dot right after "www"; an
# invisible WORD JOINER (U+2060) there breaks them.
_AUTOLINK = re.compile(r"https?://|www(?=\.)|@", re.IGNORECASE)
_WORD_JOINER = "\u2060"


def plain(text: object) -> str:
    """``text`` as Markdown that displays exactly those characters, on one line.

    Control characters become spaces, every ASCII punctuation character is
    backslash-escaped, and a zero-width WORD JOINER follows each ``http://``,
    ``https://``, ``www`` before a dot and ``@``, so that no part of ``text``
    becomes a link, an image, HTML, emphasis, code, a directive or math.
    """
    one_line = _CONTROL.sub(" ", str(text))
    unlinked = _AUTOLINK.sub(lambda m: m.group() + _WORD_JOINER, one_line)
    return _PUNCTUATION.sub(r"\\\1", unlinked)


def fmt(value: float, digits: int = 4) -> str:
    """A number for a sentence: ``digits`` significant digits, no float noise."""
    if not math.isfinite(value):
        return "∞" if value > 0 else ("-∞" if value < 0 else _("undefined"))
    return f"{value:.{digits}g}"


def sentences(*parts: str) -> str:
    """The non-empty ``parts`` as one paragraph, joined as the page's language joins sentences.

    English puts a space between sentences; Chinese, whose full stop 。 is
    wide, puts none.
    """
    text = ""
    for part in filter(None, parts):
        text = _("{text} {sentence}").format(text=text, sentence=part) if text else part
    return text


def sentence(clause: str) -> str:
    """``clause`` as a sentence of its own: capitalised, ended as the page's language ends one."""
    return _("{head}.").format(head=clause[:1].upper() + clause[1:])
