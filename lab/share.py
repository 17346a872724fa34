"""The share box: links that reproduce the page, uploaded data included.

A link holds the settings' query (only what differs from the preset) and, while
uploaded data are in use, the ``upload`` value that carries them
(:func:`lab.upload.in_use`). When no link can carry them (too large for the
link, and the server's store is off or could not write them), the box says
so: whoever opens the link gets the settings' draw instead.
"""

from __future__ import annotations

import dataclasses
from urllib.parse import urlencode

import streamlit as st

from .i18n import _, ngettext
from .state import Settings
from .store import ENV_DIR
from .upload import in_use, uncarried

#: Where a share link points when Streamlit does not know the page's address.
FALLBACK_URL = "http://localhost:8501/"


def share_url(settings: Settings, **extra: str) -> str:
    """The page's address with the settings' query (only what differs from the preset).

    ``settings.upload`` goes in as it is: pass :func:`lab.upload.in_use` of
    the page's settings for a link that carries its uploaded data.
    """
    base = st.context.url or FALLBACK_URL
    query = settings.to_query() | extra
    return base + ("?" + urlencode(query) if query else "")


def share_box(settings: Settings, tab: str) -> None:
    """Two links in the sidebar: the setup as it is, and the same without the control panel."""
    shared = in_use(dataclasses.replace(settings, tab=tab))
    with st.sidebar:
        st.markdown("**" + _("Share this setup") + "**")
        if (data := uncarried()) is not None:
            st.warning(
                ngettext(
                    "These links do not carry your uploaded data ({n} sample): too many for a "
                    "link, and this server's store (${env}) is off or could not save them. "
                    "Whoever opens them sees the draw set above instead.",
                    "These links do not carry your uploaded data ({n} samples): too many for a "
                    "link, and this server's store (${env}) is off or could not save them. "
                    "Whoever opens them sees the draw set above instead.",
                    data.n,
                ).format(n=f"{data.n:,}", env=ENV_DIR),
                icon="⚠️",
            )
        st.code(share_url(shared), language=None, wrap_lines=True)
        st.caption(_("Student view (no control panel):"))
        st.code(share_url(shared, locked="1"), language=None, wrap_lines=True)
