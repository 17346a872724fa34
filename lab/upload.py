"""The CSV upload box, and which dataset a session uses.

Parsing happens in memory (:mod:`landscape.csvdata`: no pickle, no eval, no
file written); an error names what is wrong and where, and the dataset in use
before stays in use. The samples go to the process's shared store
(:mod:`lab.store`); the file's name stays in this session.
"""

from __future__ import annotations

import streamlit as st

from landscape.csvdata import MAX_BYTES, MAX_ROWS, clean_name, parse_csv

from .cache import UPLOAD_STATE, DataKey, session_upload, upload_store
from .state import Settings
from .text import plain

_KEY = "_upload_key"
_FILE_ID = "_upload_id"
_ERROR = "_upload_error"


def data_key(s: Settings) -> DataKey:
    """The dataset in use: this session's upload while one is active, else the settings' draw."""
    key = st.session_state.get(_KEY)
    return s.recipe() if key is None else key


def upload_box() -> None:
    """CSV upload: a valid file becomes the dataset; a broken one changes nothing."""
    file = st.file_uploader(
        "Or upload x,y samples (CSV)",
        type=["csv", "txt", "tsv"],
        key="upload",
        help=f"Two numeric columns, x then y, header optional; at most {MAX_ROWS:,} rows and "
        f"{MAX_BYTES // 2**20} MB. Share links do not carry uploaded data.",
    )
    if file is None:
        for key in (_KEY, UPLOAD_STATE, _FILE_ID, _ERROR):
            st.session_state.pop(key, None)
        return
    if st.session_state.get(_FILE_ID) != file.file_id:
        st.session_state[_FILE_ID] = file.file_id
        try:
            data = parse_csv(file.getvalue(), file.name)
            st.session_state[_KEY] = upload_store().put(data)
            st.session_state[UPLOAD_STATE] = data
            st.session_state.pop(_ERROR, None)
        except ValueError as exc:
            st.session_state[_ERROR] = f"{clean_name(file.name)}: {exc}"
    if error := st.session_state.get(_ERROR):
        st.error(f"Upload refused, the previous data stay in use. {plain(error)}", icon="🚫")
    if data := session_upload():
        st.caption(f"In use: **{plain(data.name)}**, {data.n:,} samples (replaces the draw above).")
