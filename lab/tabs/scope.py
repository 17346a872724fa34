"""Tabs built on the question's loss say so when the run uses another one."""

from __future__ import annotations

import streamlit as st

from ..i18n import _
from ..state import Settings


def say_mse_only(s: Settings, what: str) -> None:
    """A notice that ``what`` (translated, e.g. "The maps") uses MSE while the run does not.

    The exact series of the landscape, the why-numbers, the float64 maps and
    the remedies are worked out for the mean squared error; the other losses
    (``loss`` key) change the replay and the Notebook tab's landscapes only.
    """
    if s.loss == "mse":
        return
    st.info(
        _(
            "{what} use the question's loss, the mean squared error; the run on the Landscape "
            "tab uses `{loss}`. The Notebook tab draws every loss's landscape on one window."
        ).format(what=what, loss=s.loss),
        icon="ℹ️",
    )
