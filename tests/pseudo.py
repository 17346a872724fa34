"""A pseudo-language for tests: every translated msgid comes back between « and ».

What a page shows in it tells which of its words went through ``_()`` or
``ngettext`` (between guillemets) and which did not (outside them), whatever
the catalogs hold: :func:`english_left` lists the English words outside.
"""

from __future__ import annotations

import gettext
import re

import pytest

import landscape.i18n

#: The language code the pseudo-language takes the place of.
PSEUDO = "zh"

_INNERMOST = re.compile(r"«[^«»]*»")
# Plotly hover fields (%{x:.4f}) and tags (<br>, <extra>) are markup, not words.
_MARKUP = re.compile(r"%\{[^}]*\}|<[^<>]*>")
_WORD = re.compile(r"[A-Za-z]{3,}")
#: Names of functions in formulas, the same in every language.
MATHS = frozenset({"sin", "cos", "arcsin", "mean"})


class Pseudo(gettext.NullTranslations):
    """Translations that wrap every msgid in guillemets (the plural one chosen by ``n``)."""

    def gettext(self, message: str) -> str:
        return f"«{message}»"

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return f"«{msgid1 if n == 1 else msgid2}»"


def speak_pseudo(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on, ``speak("zh")`` (in any thread, the app's too) speaks the pseudo-language."""
    english = landscape.i18n.translations
    pseudo = Pseudo()
    monkeypatch.setattr(
        landscape.i18n, "translations", lambda lang: pseudo if lang == PSEUDO else english(lang)
    )


def english_left(text: str) -> list[str]:
    """Words of three or more Latin letters outside every «...» (nested ones included),
    but for the names in :data:`MATHS`."""
    while (inner := _INNERMOST.sub("", text)) != text:
        text = inner
    return [w for w in _WORD.findall(_MARKUP.sub("", text)) if w not in MATHS]
