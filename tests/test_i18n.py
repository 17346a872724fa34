"""Every visible string has a Chinese translation, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from landscape.i18n import DOMAIN, LANGUAGES, SOURCE, catalog_path, translations

ROOT = Path(__file__).resolve().parents[1]
# The same map as babel.cfg: what `pybabel extract` reads.
METHOD_MAP = [("landscape/**.py", "python"), ("lab/**.py", "python"), ("app.py", "python")]
KEYWORDS = dict(DEFAULT_KEYWORDS) | {"N_": None}
PLACEHOLDER = re.compile(r"\{(\w*)[^{}]*\}")


def marked() -> dict[str, tuple[tuple[str, ...], str]]:
    """Catalog key -> (its msgid and plural form, if any; the file that marks it), as Babel extracts them."""
    found: dict[str, tuple[tuple[str, ...], str]] = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), METHOD_MAP, keywords=KEYWORDS
    ):
        forms = tuple(m for m in (message if isinstance(message, tuple) else (message,)) if m)
        if forms:
            found.setdefault(forms[0], (forms, filename))
    return found


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


@pytest.mark.parametrize("lang", [code for code in LANGUAGES if code != SOURCE])
def test_every_marked_string_has_a_translation_with_the_same_placeholders(lang: str) -> None:
    with catalog_path(lang).open("rb") as po:
        catalog = read_po(po, locale=lang, domain=DOMAIN)
    missing, broken = [], []
    for msgid, (forms, where) in marked().items():
        entry = catalog.get(msgid)
        strings = entry.string if entry is not None else None
        texts = strings if isinstance(strings, tuple) else (strings,)
        if entry is None or entry.fuzzy or not all(texts):
            missing.append(f"{where}: {msgid!r}")
        # A plural translation (Chinese has one form) takes the plural msgid's placeholders:
        # the English singular may leave out the count ("the one remedy").
        elif any(placeholders(t) != placeholders(forms[-1]) for t in texts):
            broken.append(f"{where}: {msgid!r} -> {texts!r}")
    assert not missing, f"{len(missing)} untranslated:\n" + "\n".join(missing[:40])
    assert not broken, "placeholders differ:\n" + "\n".join(broken[:40])


def test_a_translation_is_served_by_gettext() -> None:
    assert translations("zh").gettext("Language") != "Language"
    assert translations("en").gettext("Language") == "Language"


def test_an_unknown_language_is_refused_naming_the_argument() -> None:
    with pytest.raises(ValueError, match="lang must be one of 'en', 'zh'"):
        translations("fr")
