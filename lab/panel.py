"""The control panel: one widget per setting, bound to the URL, and the share box.

Widgets are built from the settings table (:data:`lab.state.PARAMS`), so the
address bar is always a share link. The URL is also read once per session,
before any widget exists, to say which of its values were refused and why.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from urllib.parse import urlencode

import streamlit as st

from landscape.optim import takes

from .state import DATA_RANGE, METHOD_NONE, PARAMS, SPECS, Settings, preset_base, resolve
from .workarounds import misread_int_input

#: Keys that the control panel holds; "preset" sets the defaults of the others.
PANEL_KEYS = tuple(p.key for p in PARAMS if p.key not in ("preset", "tab", "locked"))
#: Where a share link points when Streamlit does not know the page's address.
FALLBACK_URL = "http://localhost:8501/"


def url_settings() -> tuple[Settings, list[str]]:
    """The settings the page was opened with, and notices for refused URL values.

    Read once per session, before any widget exists: Streamlit drops invalid
    values of bound widgets silently, and these notices say which and why.
    """
    if "_url" not in st.session_state:
        query = st.query_params.to_dict()
        st.session_state["_url"] = Settings.from_query(query)
        st.session_state["_unbound"] = {k for k, v in query.items() if misread_int_input(k, v)}
    return st.session_state["_url"]


def release_unbound() -> None:
    """Bind every widget to the URL from the next run on (see misread_int_input)."""
    st.session_state["_unbound"] = set()


def _apply_preset() -> None:
    """Callback of the preset box: every panel key takes the preset's value."""
    base = preset_base(st.session_state["preset"])
    for key in PANEL_KEYS:
        st.session_state[key] = getattr(base, key)


def widget(key: str, base: Settings, on_change: Callable[[], None] | None = None) -> object:
    """The input for setting ``key``, built from its spec, defaulting to the preset's value."""
    p = SPECS[key]
    default = getattr(base, key)
    common = {
        "label": p.label,
        "key": key,
        "help": p.help or None,
        "bind": None if key in st.session_state.get("_unbound", ()) else "query-params",
        "on_change": on_change,
    }
    if p.kind == "choice":
        return st.selectbox(options=p.choices, index=p.choices.index(default), **common)
    if p.kind == "bool":
        return st.checkbox(value=default, **common)
    if p.kind == "int":
        lo, hi, step = int(p.lo), int(p.hi), int(p.step or 1)
        return st.number_input(min_value=lo, max_value=hi, value=default, step=step, **common)
    return st.number_input(
        min_value=float(p.lo),
        max_value=float(p.hi),
        value=float(default),
        step=p.step,
        format="%g",
        **common,
    )


def control_panel(upload_box: Callable[[], None]) -> tuple[Settings, list[str]]:
    """The sidebar; returns the settings it describes and notices for broken rules."""
    with st.sidebar:
        st.header("Control panel")
        preset = widget("preset", Settings(), on_change=_apply_preset)
        base = preset_base(preset)
        shown: list[str] = []

        def show(*keys: str) -> None:
            for key in keys:
                widget(key, base)
                shown.append(key)

        st.subheader("Data")
        show("data")
        if st.session_state["data"] == DATA_RANGE:
            show("start", "stop")
        else:
            show("n", "high", "seed")
        show("noise")
        upload_box()
        st.subheader("Model and training")
        st.caption("Model: x → sin²(w·x), mean squared error (fixed, as in the question).")
        show("method", "w0")
        if st.session_state["method"] == METHOD_NONE:
            show("opt", "lr", "epochs", "batch")
            if st.session_state["batch"]:
                show("tseed")
            show(*(k for k in ("momentum", "nesterov") if takes(st.session_state["opt"], k)))
        else:
            st.caption(
                "The remedy brings its own optimizer, learning rate and steps; its claim on the "
                "Landscape tab states them. Set the method to 'none' for a plain run."
            )
        st.subheader("Landscape window")
        cols = st.columns(2)
        with cols[0]:
            show("lo")
        with cols[1]:
            show("hi")
        show("logy", "f32")
        values = {key: st.session_state[key] for key in shown}
    return resolve(preset, values)


def share_url(settings: Settings, **extra: str) -> str:
    """The page's address with the settings' query (only what differs from the preset)."""
    base = st.context.url or FALLBACK_URL
    query = settings.to_query() | extra
    return base + ("?" + urlencode(query) if query else "")


def share_box(settings: Settings, tab: str) -> None:
    """Two links in the sidebar: the setup as it is, and the same without the control panel."""
    shared = dataclasses.replace(settings, tab=tab)
    with st.sidebar:
        st.markdown("**Share this setup**")
        st.code(share_url(shared), language=None, wrap_lines=True)
        st.caption("Student view (no control panel):")
        st.code(share_url(shared, locked="1"), language=None, wrap_lines=True)
