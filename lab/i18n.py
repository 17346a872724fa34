"""The page's language: the engine's per-thread gettext (:mod:`landscape.i18n`), for the UI.

``speak(lang)`` at the start of each run; ``_()`` and ``ngettext`` then
translate into that language, in the UI's sentences and the engine's figures.
"""

from __future__ import annotations

from landscape.i18n import _, ngettext, speak

__all__ = ["_", "ngettext", "speak"]
