"""The Fixes tab: every remedy from the same start on the same data, side by side."""

from __future__ import annotations

import contextlib

import streamlit as st

from landscape import plots

from ..budget import Cost, remedy_cost, scan_cost, within_budget
from ..cache import cached, dataset, get_minima, get_remedy, get_spectrum, get_targets
from ..state import REMEDY_VARIANTS, RemedyRun, Settings
from ..text import fmt, plain
from ..upload import data_key
from .gate import Bar, ask


def prepare(s: Settings) -> list[str] | None:
    """Runs the remedies that fit the budget, or all after a click; returns those left out.

    None when even the landscape's minima (which every chart needs) are over
    budget and no one asked. A remedy the engine refuses for these data is
    left for the tab to report.
    """
    data = dataset(data_key(s))
    missing = [
        m for m in REMEDY_VARIANTS if cached(get_remedy, data_key(s), RemedyRun(m, s.w0)) is None
    ]
    need_scan = cached(get_minima, data_key(s), s.lo, s.hi) is None
    if not (missing or need_scan):
        return []
    spent = scan_cost(data) if need_scan else Cost()
    everything = sum((remedy_cost(data, m) for m in missing), spent)
    if not within_budget(spent):
        if not ask(everything, "compute_fixes"):
            return None
        now, later = missing, []
    else:
        now, later = [], []
        for method in missing:  # the cheap ones at once, in the tab's order
            cost = remedy_cost(data, method)
            fits = within_budget(spent + cost)
            (now if fits else later).append(method)
            spent = spent + cost if fits else spent
        if later and ask(sum((remedy_cost(data, m) for m in later), Cost()), "compute_fixes"):
            now, later = missing, []
    bar = Bar()
    for i, method in enumerate(now):
        bar.phase(f"Running the remedies: {method}", i, len(now) + 1)
        with contextlib.suppress(ValueError):
            get_remedy(data_key(s), RemedyRun(method, s.w0))
    bar.phase("Locating the minima", len(now), len(now) + 1)
    get_minima(data_key(s), s.lo, s.hi)
    bar.close()
    return later


def fixes_tab(s: Settings) -> None:
    st.markdown(f"#### Remedies, side by side, from w₀ = {fmt(s.w0, 6)} on the same data")
    st.caption(
        "Each remedy runs with its own optimizer, learning rate and steps, stated in its claim; "
        "the claims are the engine's and are checked on every run. Choose one as the Method in "
        "the control panel to animate it on the Landscape tab."
    )
    later = prepare(s)
    if later is None:
        return
    results, names, skipped = [], [], []
    for method in (m for m in REMEDY_VARIANTS if m not in later):
        try:
            results.append(get_remedy(data_key(s), RemedyRun(method, s.w0)))
            names.append(method)
        except ValueError as exc:
            skipped.append(f"{method}: {exc}")
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
        st.info(plain(note))
