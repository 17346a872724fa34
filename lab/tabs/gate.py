"""Work above the budget (lab.budget): the cost stated, a button, then a progress bar."""

from __future__ import annotations

import streamlit as st

from ..budget import Cost, within_budget
from ..cache import Progress


def ask(cost: Cost, key: str) -> bool:
    """Whether the tab may compute ``cost`` now: it is within budget, or the button was clicked.

    Above the budget the tab shows the cost and the budget and a button; what
    a click computes is cached for everyone, so the next rerun finds it there.
    """
    if within_budget(cost):
        return True
    st.info(cost.describe(), icon="⏱️")
    return st.button(f"Compute it (~{cost.seconds:.2g} s of server time)", key=key)


class Bar:
    """One ``st.progress`` bar for a computation in phases, each counting its steps.

    Each update talks to Streamlit, so a new setting stops the old computation
    there (Streamlit raises StopException at the next message of a stale run).
    """

    def __init__(self) -> None:
        self._bar = st.progress(0.0, text="Starting...")

    def counter(self, what: str) -> Progress:
        """A ``progress(done, total)`` callback that shows "what: step done of total"."""

        def update(done: int, total: int) -> None:
            self._bar.progress(
                done / total if total else 1.0, f"{what}: step {done:,} of {total:,}"
            )

        return update

    def phase(self, what: str, done: int, total: int) -> None:
        """Shows "what (done + 1 of total)" for a phase without step counts."""
        self._bar.progress(done / total if total else 1.0, f"{what} ({done + 1:,} of {total:,})")

    def close(self) -> None:
        self._bar.empty()
