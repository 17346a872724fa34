"""Landscape Lab: why gradient descent cannot learn w in x -> sin(w x)**2 on parity data.

    streamlit run app.py

This page is a table of contents. Every number comes from the engine,
``landscape`` (exact loss curves, real torch.optim runs, why-numbers); the UI
lives in ``lab``: the settings table and URL codec (``lab.state``), the cached
computations shared by all sessions (``lab.cache``), the control panel
(``lab.panel``) and one module per tab (``lab.tabs``). Widgets are bound to
the URL, so the address bar is always a share link.
"""

from __future__ import annotations

import dataclasses
import os

# Before torch loads OpenMP: idle worker threads sleep instead of spinning. With
# the two threads pinned below and other sessions or processes busy, spinning
# made each training step ~10x slower (0.30 s vs 0.03 s for the question's run).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import streamlit as st
import torch

from lab.cache import dataset
from lab.i18n import _, speak
from lab.panel import control_panel, release_unbound, url_settings
from lab.share import share_box
from lab.state import (
    SPECS,
    TAB_BASINS,
    TAB_EXPORT,
    TAB_FIXES,
    TAB_LANDSCAPE,
    TAB_LESSON,
    TAB_NOTEBOOK,
    TAB_PLANE,
    TAB_WHY,
    TABS,
    Settings,
    fit_to_data,
    tab_label,
    tab_named,
)
from lab.store import Upload
from lab.tabs.basins import basins_tab
from lab.tabs.export import export_tab
from lab.tabs.fixes import fixes_tab
from lab.tabs.landscape import landscape_tab
from lab.tabs.lesson import lesson_tab
from lab.tabs.notebook import notebook_tab
from lab.tabs.plane import plane_tab
from lab.tabs.why import why_tab
from lab.text import plain
from lab.upload import data_key, link_notices, upload_box
from lab.warm import warm
from lab.workarounds import PAGE_CSS
from landscape.deferred import Message
from landscape.i18n import LANGUAGES
from landscape.plane import MODEL_W
from landscape.train import TORCH_THREADS

# Sessions run in threads of one process: keep torch from spawning more
# threads than the 2 cores have. One: see landscape.train.TORCH_THREADS.
torch.set_num_threads(TORCH_THREADS)


def settings_and_notices() -> tuple[Settings, list[str | Message], bool]:
    """The page's settings, the notices about them, and whether the panel is hidden."""
    opened, url_notices = url_settings()
    locked = opened.locked
    # The language widget is drawn later, in the header; its value is known now.
    lang = st.session_state.get("lang") or opened.lang
    speak(lang)
    st.set_page_config(
        page_title="Landscape Lab",
        layout="wide",
        initial_sidebar_state="collapsed" if locked else "auto",
    )
    settings, rule_notices = (opened, []) if locked else control_panel(upload_box)
    url_notices = url_notices + link_notices()
    if st.session_state.setdefault("_first", settings) != settings:
        url_notices = []  # they were about the link as opened; the user has moved on
    settings = dataclasses.replace(settings, lang=lang)
    settings, data_notices = on_the_data(settings)
    rule_notices = rule_notices + data_notices
    # A rule broken by the URL is reported by both the URL check and the panel.
    return settings, list(dict.fromkeys(url_notices + rule_notices)), locked


def on_the_data(settings: Settings) -> tuple[Settings, list[Message]]:
    """The settings with their data rules checked on an upload, if one is in use."""
    key = data_key(settings)
    if not isinstance(key, Upload):
        return settings, []
    data = dataset(key)
    return fit_to_data(settings, data.n, data.max_abs_x)


def language(lang: str) -> None:
    """The language control; the URL key ``lang`` holds the code, ``en`` or ``zh``.

    Bound by hand: Streamlit's binding would write the label shown ("中文")
    into the URL and read back only labels (see lab.panel._translated_choice).
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


def header(notices: list[str], lang: str) -> None:
    st.markdown(PAGE_CSS, unsafe_allow_html=True)
    language(lang)
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


def speak_tab_names(labels: list[str], lang: str) -> bool:
    """Rename the open tab into ``lang`` before the tabs exist; True if it was renamed.

    Tab names are the URL values of ``tab`` and change with the language: a
    link made in another language, or a language switch, must keep its tab.
    The browser binds the URL's name only if it is one of ``labels``, so the
    session holds the renamed tab instead.
    """
    named = st.session_state.get("tab") or st.query_params.get("tab")
    if named is None or named in labels:
        return False
    st.session_state["tab"] = tab_label(tab_named(str(named)), lang)
    return True


def tabs(settings: Settings, locked: bool) -> str:
    """Draws the open tab (Streamlit runs only the open one); returns its label."""
    renderers = {
        TAB_LANDSCAPE: landscape_tab,
        TAB_NOTEBOOK: notebook_tab,
        TAB_PLANE: plane_tab,
        TAB_LESSON: lesson_tab,
        TAB_WHY: why_tab,
        TAB_BASINS: lambda s: basins_tab(s, locked),
        TAB_FIXES: fixes_tab,
        TAB_EXPORT: export_tab,
    }
    labels = [tab_label(name, settings.lang) for name in TABS]
    renamed = speak_tab_names(labels, settings.lang)
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


def main() -> None:
    warm()  # once per process, after torch's thread count is set
    settings, notices, locked = settings_and_notices()
    header(notices, settings.lang)
    shown = tabs(settings, locked)
    release_unbound()
    if not locked:
        # The lesson's step is bound to the URL by the tab, not by the panel.
        settings = dataclasses.replace(settings, step=st.session_state.get("step") or settings.step)
        share_box(settings, shown)


main()
