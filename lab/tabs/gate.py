"""Work above the budget (lab.budget): the cost stated, a button, then a progress bar."""

from __future__ import annotations

import streamlit as st

from ..budget import Cost, within_budget
from ..cache import Progress
from ..i18n import _


def ask(cost: Cost, key: str) -> bool:
    """Whether the tab may compute ``cost`` now: it is within budget, or the button was clicked.

    Above the budget the tab shows the cost and the budget and a button; what
    a click computes is cached for everyone, so the next rerun finds it there.
    """
    if within_budget(cost):
        return True
    st.info(cost.describe(), icon="⏱️")
    label = _("Compute it (~{seconds} s of server time)").format(seconds=f"{cost.seconds:.2g}")
    return st.button(label, key=key)


class Bar:
    """One ``st.progress`` bar for a computation in phases, each counting its steps.

    Each update talks to Streamlit, so a new setting stops the old computation
    there (Streamlit raises StopException at the next message of a stale run).
    """

    def __init__(self) -> None:
        self._bar = st.progress(0.0, text=_("Starting..."))

    def counter(self, what: str) -> Progress:
        """A ``progress(done, total)`` callback that shows "what: step done of total".

        ``what`` is shown as given: the caller translates it.
        """
        # Translated once here: the callback runs in the computing thread, per step.
        text = _("{what}: step {done} of {total}")

        def update(done: int, total: int) -> None:
            shown = text.format(what=what, done=f"{done:,}", total=f"{total:,}")
            self._bar.progress(done / total if total else 1.0, shown)

        return update

    def phase(self, what: str, done: int, total: int) -> None:
        """Shows "what (done + 1 of total)" for a phase without step counts."""
        shown = _("{what} ({done} of {total})").format(
            what=what, done=f"{done + 1:,}", total=f"{total:,}"
        )
        self._bar.progress(done / total if total else 1.0, shown)

    def close(self) -> None:
        self._bar.empty()
