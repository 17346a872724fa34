"""The frame around the tabs: the page's settings and notices, the header, the tab bar."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping

import streamlit as st

from landscape.deferred import Message
from landscape.plane import MODEL_W

from .cache import dataset
from .i18n import _
from .language import language_control, page_language, rename_open_tab
from .panel import control_panel, url_settings
from .state import TAB_LANDSCAPE, TAB_PLANE, TABS, Settings, fit_to_data, tab_label
from .store import Upload
from .text import plain
from .upload import data_key, link_notices, upload_box
from .workarounds import PAGE_CSS

Tab = Callable[[Settings], None]


def settings_and_notices() -> tuple[Settings, list[str | Message], bool]:
    """The page's settings, the notices about them, and whether the panel is hidden."""
    opened, url_notices = url_settings()
    locked = opened.locked
    lang = page_language(opened)
    st.set_page_config(
        page_title="Landscape Lab",
        layout="wide",
        initial_sidebar_state="collapsed" if locked else "auto",
    )
    settings, rule_notices = (opened, []) if locked else control_panel(upload_box)
    url_notices = url_notices + link_notices()
    if st.session_state.setdefault("_first", settings) != settings:
        url_notices = []  # they were about the link as opened; the user has moved on
    settings, data_notices = on_the_data(dataclasses.replace(settings, lang=lang))
    # A rule broken by the URL is reported by both the URL check and the panel.
    return settings, list(dict.fromkeys(url_notices + rule_notices + data_notices)), locked


def on_the_data(settings: Settings) -> tuple[Settings, list[Message]]:
    """The settings with their data rules checked on an upload, if one is in use."""
    key = data_key(settings)
    if not isinstance(key, Upload):
        return settings, []
    data = dataset(key)
    return fit_to_data(settings, data.n, data.max_abs_x)


def header(notices: list[str | Message], lang: str) -> None:
    """The language control, the title, the question in one paragraph, and the notices."""
    st.markdown(PAGE_CSS, unsafe_allow_html=True)
    language_control(lang)
    st.title(_("Why can't gradient descent learn sin²(w·x)?"))
    st.markdown(
        _(
            "The model x → sin²(w·x) labels integers by parity when w = π/2 + kπ. Starting at "
            "w₀ near π/2 and training on many x, gradient descent still wanders: the loss in w "
            "is a dense comb of local minima. Explore why."
        )
    )
    for notice in notices:
        st.warning(plain(notice), icon="⚠️")


def tab_bar(settings: Settings, renderers: Mapping[str, Tab]) -> str:
    """Draws the open tab (Streamlit runs only the open one); returns its name."""
    labels = [tab_label(name, settings.lang) for name in TABS]
    renamed = rename_open_tab(labels, settings.lang)
    # A two-parameter link that names no tab opens on the tab that draws that model.
    first = TAB_LANDSCAPE if settings.model == MODEL_W else TAB_PLANE
    default = None if renamed else tab_label(first, settings.lang)
    shown = TABS[0]
    bound = st.tabs(labels, default=default, key="tab", bind="query-params")
    for name, tab in zip(TABS, bound, strict=True):
        with tab:
            if tab.open:
                shown = name
                try:
                    renderers[name](dataclasses.replace(settings, tab=name))
                except ValueError as exc:
                    # The engine refuses what it cannot compute, naming the argument.
                    st.error(
                        _("This cannot be computed for these settings: {error}").format(
                            error=plain(exc)
                        ),
                        icon="🚫",
                    )
    return shown
