"""The page's language: the control above the title, and tab names in that language.

The URL key ``lang`` holds the code (``en``, ``zh``). Tab names are the URL
values of ``tab`` and change with the language (``lab.state.tab_label``); a
link made in another language, or a switch of language, keeps its tab.
"""

from __future__ import annotations

import streamlit as st

from landscape.i18n import LANGUAGES

from .i18n import _, speak
from .state import SPECS, Settings, tab_label, tab_named


def page_language(opened: Settings) -> str:
    """The language of this run (the control's, else the URL's), spoken from now on.

    Known before the control is drawn: its value is in the session on a rerun.
    """
    lang = st.session_state.get("lang") or opened.lang
    speak(lang)
    return lang


def language_control(lang: str) -> None:
    """The language control, bound to the URL key ``lang`` by hand.

    Streamlit's binding would write the label shown ("中文") into the URL and
    read back only labels (see lab.panel._translated_choice).
    """
    st.session_state.setdefault("lang", lang)
    chosen = st.segmented_control(
        _("Language"),
        options=list(LANGUAGES),
        format_func=LANGUAGES.__getitem__,
        key="lang",
        required=True,
        label_visibility="collapsed",
    )
    if chosen == SPECS["lang"].default:
        st.query_params.pop("lang", None)
    else:
        st.query_params["lang"] = chosen


def rename_open_tab(labels: list[str], lang: str) -> bool:
    """Rename the open tab into ``lang`` before the tabs exist; True if it was renamed.

    The browser binds the URL's tab name only if it is one of ``labels``, so
    the session holds the renamed tab instead (Streamlit 1.67 refuses to set
    a bound widget's query parameter).
    """
    named = st.session_state.get("tab") or st.query_params.get("tab")
    if named is None or named in labels:
        return False
    st.session_state["tab"] = tab_label(tab_named(str(named)), lang)
    return True
