"""Sentences kept untranslated in results, and translated when they are shown.

A result cached across sessions (a remedy's run, say) is computed by whoever
asks first, in that session's language; it must therefore hold no translated
text. It holds a :class:`Message` instead: the English msgid and the values
of its placeholders, numbers already formatted (the same in every language).
``str(message)`` translates it into the language of the thread that shows it
(:func:`landscape.i18n.speak`).

The constructors are named :func:`gettext` and :func:`ngettext` so that
Babel's default keywords extract their msgids (``pybabel extract`` finds
``deferred.gettext("...")`` as it finds ``_("...")``); unlike
:func:`landscape.i18n._` they translate nothing when called.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import i18n


@dataclass(frozen=True)
class Message:
    """An English msgid (singular and plural) with its values, translated by ``str()``.

    Attributes
    ----------
    singular : str
        The msgid, with named placeholders ``{name}``.
    plural : str or None
        The plural msgid, for :func:`landscape.i18n.ngettext`; None for a plain msgid.
    n : int
        The count that chooses between them (unused without ``plural``).
    values : tuple of (str, str)
        Each placeholder's text; numbers formatted by the caller. A tuple of
        pairs so that the message pickles and hashes (results go through
        Streamlit's caches).
    """

    singular: str
    plural: str | None = None
    n: int = 1
    values: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        if self.plural is None:
            template = i18n._(self.singular)
        else:
            template = i18n.ngettext(self.singular, self.plural, self.n)
        return template.format(**dict(self.values))


def gettext(msgid: str, /, **values: object) -> Message:
    """``msgid`` with its placeholders' values, to translate later (``str()`` of the result)."""
    return Message(msgid, values=tuple((k, str(v)) for k, v in values.items()))


def ngettext(singular: str, plural: str, n: int, /, **values: object) -> Message:
    """The singular or plural msgid for ``n``, chosen and translated when shown.

    Positional-only arguments, so that a placeholder may be named ``n`` too.
    """
    return Message(singular, plural, int(n), tuple((k, str(v)) for k, v in values.items()))
