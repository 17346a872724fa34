"""Landscape Lab: why gradient descent cannot learn w in x -> sin(w x)**2 on parity data.

    streamlit run app.py

This page is a table of contents. Every number comes from the engine,
``landscape`` (exact loss curves, real torch.optim runs, why-numbers); the UI
lives in ``lab``: the settings table and URL codec (``lab.state``), the cached
computations shared by all sessions (``lab.cache``), the control panel
(``lab.panel``), the frame around the tabs (``lab.page``) and one module per
tab (``lab.tabs``). Widgets are bound to the URL, so the address bar is always
a share link.
"""

from __future__ import annotations

import dataclasses
import os

# Before torch loads OpenMP: idle worker threads sleep instead of spinning. With
# other sessions or processes busy, spinning made each training step ~10x
# slower (0.30 s vs 0.03 s for the question's run).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import streamlit as st
import torch

from lab.page import header, settings_and_notices, tab_bar
from lab.panel import release_unbound
from lab.share import share_box
from lab.state import (
    TAB_BASINS,
    TAB_EXPORT,
    TAB_FIXES,
    TAB_LANDSCAPE,
    TAB_LESSON,
    TAB_NOTEBOOK,
    TAB_PLANE,
    TAB_WHY,
)
from lab.tabs.basins import basins_tab
from lab.tabs.export import export_tab
from lab.tabs.fixes import fixes_tab
from lab.tabs.landscape import landscape_tab
from lab.tabs.lesson import lesson_tab
from lab.tabs.notebook import notebook_tab
from lab.tabs.plane import plane_tab
from lab.tabs.why import why_tab
from lab.warm import warm
from landscape.train import TORCH_THREADS

# Sessions run in threads of one process: keep torch from spawning more
# threads than the 2 cores have. One: see landscape.train.TORCH_THREADS.
torch.set_num_threads(TORCH_THREADS)


def main() -> None:
    warm()  # once per process, after torch's thread count is set
    settings, notices, locked = settings_and_notices()
    header(notices, settings.lang)
    shown = tab_bar(
        settings,
        {
            TAB_LANDSCAPE: landscape_tab,
            TAB_NOTEBOOK: notebook_tab,
            TAB_WHY: why_tab,
            TAB_BASINS: lambda s: basins_tab(s, locked),
            TAB_FIXES: fixes_tab,
            TAB_PLANE: plane_tab,
            TAB_LESSON: lesson_tab,
            TAB_EXPORT: export_tab,
        },
    )
    release_unbound()
    if not locked:
        # The lesson's step is bound to the URL by the tab, not by the panel.
        settings = dataclasses.replace(settings, step=st.session_state.get("step") or settings.step)
        share_box(settings, shown)


main()
