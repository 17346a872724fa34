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

import os

# Before torch loads OpenMP: idle worker threads sleep instead of spinning. With
# the two threads pinned below and other sessions or processes busy, spinning
# made each training step ~10x slower (0.30 s vs 0.03 s for the question's run).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import streamlit as st
import torch

from lab.panel import control_panel, release_unbound, share_box, url_settings
from lab.state import TAB_BASINS, TAB_EXPORT, TAB_FIXES, TAB_LANDSCAPE, TAB_WHY, TABS, Settings
from lab.tabs.basins import basins_tab
from lab.tabs.export import export_tab
from lab.tabs.fixes import fixes_tab
from lab.tabs.landscape import landscape_tab
from lab.tabs.why import why_tab
from lab.text import plain
from lab.upload import upload_box
from lab.workarounds import PAGE_CSS
from landscape.train import TORCH_THREADS

# Sessions run in threads of one process: keep torch from spawning more
# threads than the 2 cores have. Two, not one: see landscape.train.TORCH_THREADS.
torch.set_num_threads(TORCH_THREADS)


def settings_and_notices() -> tuple[Settings, list[str], bool]:
    """The page's settings, the notices about them, and whether the panel is hidden."""
    opened, url_notices = url_settings()
    locked = opened.locked
    st.set_page_config(
        page_title="Landscape Lab",
        layout="wide",
        initial_sidebar_state="collapsed" if locked else "auto",
    )
    settings, rule_notices = (opened, []) if locked else control_panel(upload_box)
    if st.session_state.setdefault("_first", settings) != settings:
        url_notices = []  # they were about the link as opened; the user has moved on
    # A rule broken by the URL is reported by both the URL check and the panel.
    return settings, list(dict.fromkeys(url_notices + rule_notices)), locked


def header(notices: list[str]) -> None:
    st.markdown(PAGE_CSS, unsafe_allow_html=True)
    st.title("Why can't gradient descent learn sin²(w·x)?")
    st.markdown(
        "The model x → sin²(w·x) labels integers by parity when w = π/2 + kπ. Starting at "
        "w₀ near π/2 and training on many x, gradient descent still wanders: the loss in w is a "
        "dense comb of local minima. Explore why."
    )
    for notice in notices:
        st.warning(plain(notice), icon="⚠️")


def tabs(settings: Settings, locked: bool) -> str:
    """Draws the open tab (Streamlit runs only the open one); returns its label."""
    renderers = {
        TAB_LANDSCAPE: landscape_tab,
        TAB_WHY: why_tab,
        TAB_BASINS: lambda s: basins_tab(s, locked),
        TAB_FIXES: fixes_tab,
        TAB_EXPORT: export_tab,
    }
    shown = TABS[0]
    for label, tab in zip(TABS, st.tabs(list(TABS), key="tab", bind="query-params"), strict=True):
        with tab:
            if tab.open:
                shown = label
                try:
                    renderers[label](settings)
                except ValueError as exc:
                    # The engine refuses what it cannot compute, naming the argument.
                    st.error(f"This cannot be computed for these settings: {plain(exc)}", icon="🚫")
    return shown


def main() -> None:
    settings, notices, locked = settings_and_notices()
    header(notices)
    shown = tabs(settings, locked)
    release_unbound()
    if not locked:
        share_box(settings, shown)


main()
