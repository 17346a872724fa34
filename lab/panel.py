"""The control panel: one widget per setting, bound to the URL (the share box: lab.share).

Widgets are built from the settings table (:data:`lab.state.PARAMS`), so the
address bar is always a share link. The URL is also read once per session,
before any widget exists, to say which of its values were refused and why.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from landscape.deferred import Message
from landscape.optim import takes
from landscape.plane import SECOND

from .i18n import _
from .state import (
    DATA_PARITY,
    DATA_RANGE,
    METHOD_NONE,
    PARAMS,
    SPECS,
    Param,
    Settings,
    preset_base,
    resolve,
)

#: Keys that the control panel holds; "preset" sets the defaults of the others.
PANEL_KEYS = tuple(
    p.key for p in PARAMS if p.bound and p.key not in ("preset", "tab", "lang", "step")
)


def url_settings() -> tuple[Settings, list[Message]]:
    """The settings the page was opened with, and notices for refused URL values.

    Read once per session, before any widget exists: Streamlit drops invalid
    values of bound widgets silently, and these notices say which and why.
    """
    if "_url" not in st.session_state:
        query = st.query_params.to_dict()
        st.session_state["_url"] = Settings.from_query(query)
        st.session_state["_unbound"] = {k for k, v in query.items() if _refused_number(k, v)}
    return st.session_state["_url"]


def _refused_number(key: str, text: str) -> bool:
    """True for a number key whose URL value the spec refuses (a number widget has no bounds).

    Its widget is left unbound on the first run, so that it shows the default
    that the notice announces rather than the refused value. This also covers
    Streamlit 1.67's integer inputs, which read URL text as ``int(float(text))``:
    "2.5" would become 2 silently, and "inf" or "1e309" would raise
    OverflowError and crash the page (upstream fixed only the float side:
    streamlit/streamlit pull request 15799).
    """
    p = SPECS.get(key)
    if p is None or p.kind not in ("int", "float"):
        return False
    try:
        p.parse(text)
    except ValueError:
        return True
    return False


def release_unbound() -> None:
    """Bind every widget to the URL from the next run on (see _refused_number)."""
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
        "label": p.label_text(),
        "key": key,
        "help": p.help_text(),
        "bind": None if key in st.session_state.get("_unbound", ()) else "query-params",
        "on_change": on_change,
    }
    if p.kind == "choice" and p.translated:
        return _translated_choice(p, default, common)
    if p.kind == "choice":
        return st.selectbox(options=p.choices, index=p.choices.index(default), **common)
    if p.kind == "bool":
        return st.checkbox(value=default, **common)
    # No min_value/max_value: the browser would refuse an out-of-range value
    # with only a tooltip while the page kept the old results; checked_values
    # reports it on the page instead, naming the key and the range.
    if p.kind == "int":
        return st.number_input(value=default, step=int(p.step or 1), **common)
    return st.number_input(
        value=float(default),
        step=p.step,
        format="%g",
        **common,
    )


def _translated_choice(p: Param, default: object, common: dict[str, object]) -> object:
    """A select box showing ``p``'s choices translated, bound to the URL by hand.

    Streamlit's binding writes the label shown into the URL and reads back only
    the labels of the page's language, so share links would change with the
    language. Instead the URL holds the choice itself: read once into the
    box's state (as Settings.from_query reads it, which names a refused value)
    and written back after each run, left out when it is the preset's.
    """
    key = p.key
    if key not in st.session_state:
        try:
            st.session_state[key] = p.parse(st.query_params.get(key, ""))
        except ValueError:
            st.session_state[key] = default
    # No index: the box's state holds the value (an index would also warn).
    value = st.selectbox(options=p.choices, format_func=_, **common | {"bind": None})
    if value == default:
        st.query_params.pop(key, None)
    else:
        st.query_params[key] = value
    return value


def control_panel(upload_box: Callable[[], None]) -> tuple[Settings, list[Message]]:
    """The sidebar; returns the settings it describes and notices for broken rules."""
    with st.sidebar:
        st.header(_("Control panel"))
        preset = widget("preset", Settings(), on_change=_apply_preset)
        base = preset_base(preset)
        shown: list[str] = []

        def show(*keys: str) -> None:
            for key in keys:
                widget(key, base)
                shown.append(key)

        st.subheader(_("Data"))
        show("data")
        if st.session_state["data"] == DATA_RANGE:
            show("start", "stop")
        else:
            show("n", "high", "seed")
        show("noise")
        if st.session_state["data"] != DATA_PARITY:
            show("holdout")
        upload_box()
        st.subheader(_("Model and training"))
        st.caption(
            _(
                "Model: x → sin²(w·x), with the loss chosen below (mean squared error, as in the "
                "question, by default); or with a bias or an amplitude learned too (the Two "
                "parameters tab)."
            )
        )
        show("method", "w0", "model")
        if st.session_state["model"] in SECOND:
            show(SECOND[st.session_state["model"]] + "0")
        if st.session_state["method"] == METHOD_NONE:
            show("opt", "lr", "epochs", "batch")
            if st.session_state["batch"]:
                show("tseed")
            show(*(k for k in ("momentum", "nesterov") if takes(st.session_state["opt"], k)))
            show("loss")
            if st.session_state["loss"] == "huber":
                show("delta")
            show("sched")
            if st.session_state["sched"] in ("step", "exp"):
                show("gamma")
            if st.session_state["sched"] == "step":
                show("step_size")
        else:
            st.caption(
                _(
                    "The remedy brings its own optimizer, learning rate and steps; its claim on "
                    "the Landscape tab states them. Set the method to 'none' for a plain run."
                )
            )
        st.subheader(_("Landscape window"))
        cols = st.columns(2)
        with cols[0]:
            show("lo")
        with cols[1]:
            show("hi")
        show("logy", "f32", "fit")
        if st.session_state["method"] == METHOD_NONE:
            st.subheader(_("Compare"))
            show("f64", "cmp")
            if st.session_state["cmp"]:
                show("opt2", "lr2", "w02", "loss2")
        values, notices = checked_values({key: st.session_state[key] for key in shown}, base)
    return resolve(preset, values, notices)


def checked_values(
    values: dict[str, object], base: Settings
) -> tuple[dict[str, object], list[Message]]:
    """Widget values checked one by one: a refused one takes the preset's value, with a notice."""
    checked, notices = {}, []
    for key, value in values.items():
        p = SPECS[key]
        try:
            checked[key] = p.check(value)
        except ValueError:
            checked[key] = getattr(base, key)
            # Worded as Settings.from_query words it, so that a URL value the
            # widget took over gives one notice, not two.
            shown = p.format(value) if p.kind in ("int", "float") else value
            notices.append(p.notice(shown))
    return checked, notices
