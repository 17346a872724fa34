"""The CSV upload box, and which dataset a session uses: its upload, a link's, or the draw.

Parsing happens in memory (:mod:`landscape.csvdata`: no pickle, no eval, no
file written); an error names what is wrong and where, and the dataset in use
before stays in use. The samples go to the process's shared store
(:mod:`lab.store`); the file's name stays in this session.

A share link carries the samples in its ``upload`` key
(:mod:`landscape.datalink`): inside the link when they fit, else by their
SHA-256, the samples then written to the server's disk store. A session
opened on such a link uses those samples, read once; when they cannot be
decoded or the server lacks them, the session uses the settings' draw and
:func:`link_notices` says so.
"""

from __future__ import annotations

import dataclasses

import streamlit as st

from landscape.csvdata import MAX_BYTES, MAX_ROWS, clean_name, parse_csv
from landscape.data import Dataset
from landscape.datalink import (
    KEY,
    MAX_INLINE_CHARS,
    MAX_INLINE_SAMPLES,
    STORED,
    decode_inline,
    inline_value,
    stored_digest,
)
from landscape.i18n import N_

from .cache import UPLOAD_STATE, DataKey, session_upload, upload_store
from .i18n import _, ngettext
from .state import SPECS, Settings
from .store import MAX_STORE_BYTES, MAX_STORED, Upload
from .text import plain

_KEY = "_upload_key"
_FILE_ID = "_upload_id"
_ERROR = "_upload_error"
#: The ``upload`` value a share link carries for the data in use ("" if none can).
_LINK = "_upload_link"
#: True when the data in use came from the page's link, not from a file.
_FROM_LINK = "_upload_from_link"
#: Set once the page's link has been read; holds the notice about its data, if any, as
#: its msgid and values: translated when shown, since the language may change meanwhile.
_LINK_NOTICE = "_upload_link_notice"

#: The upload box's help: what a file may hold and how a share link carries it
#: (a msgid; :func:`help_text` fills in the limits).
HELP = N_(
    "Two numeric columns, x then y, header optional; at most {rows} rows and {mb} MB. Share "
    "links carry the samples, never the file's name: up to {chars} characters inside the link "
    "(at most {samples} samples; e.g. the question's 1,000 integers, or any 180 samples), "
    "larger ones by their SHA-256 from this server's store, which keeps at most {stored} "
    "datasets and {store_mb} MB and drops the least recently used first."
)
#: The notices about a link's data, by what went wrong.
_MISSING = N_(
    "The link's uploaded data (SHA-256 {digest}...) are not on this server: it dropped them or "
    "the link was made on another server. The settings' own data are shown instead; ask "
    "whoever sent the link for the data file."
)
_BROKEN = N_(
    "The link's uploaded data cannot be used ({error}); the settings' own data are shown instead."
)


def help_text() -> str:
    """:data:`HELP` in the page's language, with the limits filled in."""
    return _(HELP).format(
        rows=f"{MAX_ROWS:,}",
        mb=MAX_BYTES // 2**20,
        chars=f"{MAX_INLINE_CHARS:,}",
        samples=f"{MAX_INLINE_SAMPLES:,}",
        stored=MAX_STORED,
        store_mb=MAX_STORE_BYTES // 2**20,
    )


def data_key(s: Settings) -> DataKey:
    """The dataset in use: this session's upload or link data while active, else the draw."""
    _open_link()
    key = st.session_state.get(_KEY)
    return s.recipe() if key is None else key


def in_use(s: Settings) -> Settings:
    """``s`` with ``upload`` set to the value that carries the data in use ("" if none can)."""
    _open_link()
    link = st.session_state.get(_LINK, "") if st.session_state.get(_KEY) else ""
    return dataclasses.replace(s, upload=link)


def uncarried() -> Dataset | None:
    """The uploaded data in use when no share link can carry them, else None."""
    data = session_upload()
    if data is None or st.session_state.get(_LINK):
        return None
    return data


def link_notices() -> list[str]:
    """Notices about the data the page's link names (at most one): why the draw is in use."""
    _open_link()
    notice = st.session_state.get(_LINK_NOTICE)
    if not notice:
        return []
    msgid, values = notice
    return [_(msgid).format(**values)]


def _use(data: Dataset, link: str, from_link: bool) -> None:
    """Make ``data`` the session's dataset, shared by the link value ``link`` ("" if none)."""
    st.session_state[_KEY] = upload_store().put(data)
    st.session_state[UPLOAD_STATE] = data
    st.session_state[_LINK] = link
    st.session_state[_FROM_LINK] = from_link
    # The address bar stays a share link of what the page shows.
    if link:
        st.query_params[KEY] = link
    else:
        st.query_params.pop(KEY, None)


def _forget() -> None:
    for key in (_KEY, UPLOAD_STATE, _FILE_ID, _ERROR, _LINK, _FROM_LINK):
        st.session_state.pop(key, None)
    st.query_params.pop(KEY, None)


def _open_link() -> None:
    """Once per session: the data the page's link carries become the data in use."""
    if _LINK_NOTICE in st.session_state:
        return
    st.session_state[_LINK_NOTICE] = ()
    try:
        value = str(SPECS[KEY].parse(st.query_params.get(KEY, "")))
    except ValueError:
        return  # lab.panel.url_settings names the refused value
    if not value:
        return
    digest = stored_digest(value)
    try:
        if digest is None:
            data = decode_inline(value)
        else:
            data = upload_store().get(Upload(digest), lambda: None)
    except KeyError:
        st.session_state[_LINK_NOTICE] = (_MISSING, {"digest": digest[:12]})
        return
    except ValueError as exc:  # the engine's words, in English: the notice wraps them
        st.session_state[_LINK_NOTICE] = (_BROKEN, {"error": str(exc)})
        return
    _use(data, value, from_link=True)


def _link_value(data: Dataset) -> str:
    """The ``upload`` value for a new upload: inline, else its hash if the store keeps it."""
    inline = inline_value(data)
    if inline is not None:
        return inline
    key = upload_store().put(data, persist=True)
    return STORED + key.digest if upload_store().stored(key) else ""


def upload_box() -> None:
    """CSV upload: a valid file becomes the dataset; a broken one changes nothing."""
    _open_link()
    file = st.file_uploader(
        _("Or upload x,y samples (CSV)"), type=["csv", "txt", "tsv"], key="upload", help=help_text()
    )
    if file is None:
        if _FILE_ID in st.session_state:  # the user removed the file: back to the draw
            _forget()
    elif st.session_state.get(_FILE_ID) != file.file_id:
        st.session_state[_FILE_ID] = file.file_id
        try:
            data = parse_csv(file.getvalue(), file.name)
            _use(data, _link_value(data), from_link=False)
            st.session_state.pop(_ERROR, None)
        except ValueError as exc:
            st.session_state[_ERROR] = f"{clean_name(file.name)}: {exc}"
    if error := st.session_state.get(_ERROR):
        refused = _("Upload refused, the previous data stay in use.")
        st.error(f"{refused} {plain(error)}", icon="🚫")
    data = session_upload()
    if data is None:
        if st.session_state.get(_LINK_NOTICE):
            st.caption(_("The link's uploaded data are missing: the draw above is in use."))
        return
    if st.session_state.get(_FROM_LINK):
        st.caption(
            ngettext(
                "In use: uploaded data from the link, {n} sample (replaces the draw).",
                "In use: uploaded data from the link, {n} samples (replace the draw).",
                data.n,
            ).format(n=f"{data.n:,}")
        )
        if st.button(_("Use the draw above instead"), key="_drop_link_data"):
            _forget()
            st.rerun()
    else:
        st.caption(
            ngettext(
                "In use: **{name}**, {n} sample (replaces the draw above).",
                "In use: **{name}**, {n} samples (replaces the draw above).",
                data.n,
            ).format(name=plain(data.name), n=f"{data.n:,}")
        )
