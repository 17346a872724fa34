"""Translations with the standard gettext machinery; catalogs are Babel ``.po`` files.

Every visible string is an English *msgid*: marked with ``_()`` where it is
shown, or with :func:`N_` where it is defined as a constant and translated
later. The catalogs live in ``landscape/locale/<lang>/LC_MESSAGES/landscape-lab.po``
(``pybabel extract -F babel.cfg`` finds the msgids, ``pybabel update``
merges them; see the README). Babel reads a catalog and writes its compiled
form in memory once per process, and :class:`gettext.GNUTranslations` serves
it, so there is no build step and no binary file in the repository.

The language is per thread (:func:`speak`), so that the app's sessions, which
are threads of one process, each speak their own; ``_`` and :func:`ngettext`
translate into it, in the engine's figures and in the app alike.

Sentences with numbers are msgids with named placeholders,
``_("{n} local minima").format(n=...)``: the numbers are formatted by the
caller the same way in every language.
"""

from __future__ import annotations

import functools
import gettext
from collections.abc import Mapping
from contextvars import ContextVar
from io import BytesIO
from pathlib import Path
from types import MappingProxyType

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

#: The languages the app speaks: code -> its own name for itself.
LANGUAGES: Mapping[str, str] = MappingProxyType({"en": "English", "zh": "中文"})
#: The source language: msgids are English, so it needs no catalog.
SOURCE = "en"
#: gettext's domain: the catalogs' file name.
DOMAIN = "landscape-lab"
#: Where the catalogs are.
LOCALE_DIR = Path(__file__).parent / "locale"


def N_(msgid: str) -> str:  # noqa: N802 (gettext's conventional name)
    """Marks ``msgid`` for extraction without translating it (gettext's ``gettext_noop``)."""
    return msgid


def catalog_path(lang: str) -> Path:
    """The ``.po`` file of ``lang``."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translations(lang: str) -> gettext.NullTranslations:
    """The translations into ``lang`` (a key of :data:`LANGUAGES`), compiled once.

    Raises
    ------
    ValueError
        If ``lang`` is not one of :data:`LANGUAGES`.

    Notes
    -----
    Fuzzy entries are left out, as ``msgfmt`` leaves them out: a msgid whose
    translation is fuzzy or missing shows in English (the tests refuse both).
    """
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(map(repr, LANGUAGES))}, got {lang!r}")
    if lang == SOURCE:
        return gettext.NullTranslations()
    with catalog_path(lang).open("rb") as po:
        catalog = read_po(po, locale=lang, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


# Sessions of the app are threads of one process, so the language cannot be
# process-wide (gettext.install): each run sets it in a context variable, which
# is per thread, and _() reads it. None until set: English, the msgids themselves.
_current: ContextVar[gettext.NullTranslations | None] = ContextVar("translations", default=None)


def speak(lang: str) -> None:
    """Translate this thread's strings (figures, sentences) into ``lang`` from now on.

    Raises
    ------
    ValueError
        If ``lang`` is not one of :data:`LANGUAGES`.
    """
    _current.set(translations(lang))


def _(msgid: str) -> str:
    """``msgid`` in the language set by :func:`speak` (English until then)."""
    return (_current.get() or translations(SOURCE)).gettext(msgid)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural msgid for ``n``, in the language set by :func:`speak`."""
    return (_current.get() or translations(SOURCE)).ngettext(singular, plural, n)
