"""The Fixes tab: every remedy from the same start on the same data, side by side."""

from __future__ import annotations

import streamlit as st

from landscape import plots

from ..cache import get_remedy, get_spectrum, get_targets
from ..state import REMEDY_VARIANTS, RemedyRun, Settings
from ..text import fmt
from ..upload import data_key


def fixes_tab(s: Settings) -> None:
    st.markdown(f"#### Remedies, side by side, from w₀ = {fmt(s.w0, 6)} on the same data")
    st.caption(
        "Each remedy runs with its own optimizer, learning rate and steps, stated in its claim; "
        "the claims are the engine's and are checked on every run. Choose one as the Method in "
        "the control panel to animate it on the Landscape tab."
    )
    results, names, skipped = [], [], []
    with st.status("Running the remedies...", expanded=False) as status:
        for method in REMEDY_VARIANTS:
            status.update(label=f"Running the remedies: {method}...")
            try:
                results.append(get_remedy(data_key(s), RemedyRun(method, s.w0)))
                names.append(method)
            except ValueError as exc:
                skipped.append(f"{method}: {exc}")
        status.update(label="Remedies done", state="complete")
    found = get_targets(data_key(s), s.lo, s.hi)
    spec = get_spectrum(data_key(s))
    st.plotly_chart(
        plots.remedies_figure(spec, s.lo, s.hi, results, names, found=found),
        key="remedies",
        config={"displaylogo": False},
    )
    st.caption("Each path at its exact full-data loss; diamonds mark where each run ended.")
    rows = [
        {
            "remedy": name,
            "claim holds": "yes" if r.claim_holds else "NO",
            "final w": r.final_w,
            "|w − target|": r.distance,
            "full-data loss": r.final_loss,
            "in the target's basin": "yes" if r.in_target_basin else "no",
            "claim": r.claim,
        }
        for name, r in zip(names, results, strict=True)
    ]
    st.dataframe(
        rows,
        hide_index=True,
        column_config={
            "final w": st.column_config.NumberColumn(format="%.8f"),
            "|w − target|": st.column_config.NumberColumn(format="%.2e"),
            "full-data loss": st.column_config.NumberColumn(format="%.2e"),
            "claim": st.column_config.TextColumn(width="large"),
        },
    )
    st.plotly_chart(
        plots.progress_figure(results, names, [r.target for r in results]),
        key="progress",
        config={"displaylogo": False},
    )
    st.caption(
        "Distance from each run to the global minimum nearest its end, step by step (log "
        "scale): the remedies that work keep falling; the others level off a wrong basin away."
    )
    for note in skipped:
        st.info(note)
