"""The Export tab: CSV tables, the figure, the settings and a runnable PyTorch script."""

from __future__ import annotations

import streamlit as st

from landscape import export

from ..budget import Cost, run_cost
from ..cache import (
    cached,
    compute_run,
    dataset,
    get_landscape_figure,
    get_run,
    get_spectrum,
    session_upload,
)
from ..state import METHOD_NONE, PARAMS, Settings
from ..text import fmt
from ..upload import data_key
from .gate import Bar, ask


def prepare(s: Settings) -> bool:
    """Computes the runs the downloads need unless they cost more than the budget and no one asked."""
    runs = list(dict.fromkeys([s.run(), s.plain_run()]))
    missing = [r for r in runs if cached(get_run, data_key(s), r) is None]
    if not missing:
        return True
    data = dataset(data_key(s))
    if not ask(sum((run_cost(data, r) for r in missing), Cost()), "compute_export"):
        return False
    bar = Bar()
    for i, r in enumerate(missing):
        bar.phase("Training", i, len(missing))
        compute_run(data_key(s), r, bar.counter(f"Run {i + 1} of {len(missing)}"))
    bar.close()
    return True


def export_tab(s: Settings) -> None:
    if not prepare(s):
        return
    run = get_run(data_key(s), s.run())
    plain = get_run(data_key(s), s.plain_run())
    spec = get_spectrum(data_key(s))
    st.markdown("#### Take it with you")
    cols = st.columns(3)
    downloads = [
        (
            "Landscape (CSV)",
            lambda: export.landscape_csv(spec, s.lo, s.hi),
            "landscape.csv",
            "text/csv",
        ),
        (
            "Trajectory (CSV)",
            lambda: export.trajectory_csv(spec, run),
            "trajectory.csv",
            "text/csv",
        ),
        (
            "Figure (HTML)",
            lambda: export.figure_html(
                get_landscape_figure(data_key(s), s.run(), s.lo, s.hi, s.logy, s.f32)
            ),
            "landscape.html",
            "text/html",
        ),
        ("Settings (JSON)", s.to_json, "settings.json", "application/json"),
        (
            "PyTorch script",
            lambda: script(s),
            "landscape_run.py",
            "text/x-python",
        ),
    ]
    for i, (label, make, name, mime) in enumerate(downloads):
        with cols[i % 3]:
            st.download_button(label, make, file_name=name, mime=mime, on_click="ignore", key=name)
    which = (
        "the weights the charts show"
        if s.method == METHOD_NONE
        else f"the weights of a plain `{s.opt}` run (lr {fmt(s.lr)}); the remedy "
        f"'{s.method}' has no script"
    )
    st.markdown(
        f"The script trains the question's model with torch.optim exactly as this page does and "
        f"prints {plain.w.size} weights, {which}: w before the first step, then after each step."
    )
    st.code(script(s), language="python")
    with st.expander("Every URL key, for links written by hand"):
        rows = [
            {
                "key": p.key,
                "setting": p.label,
                "allowed": p.describe(),
                "default": p.format(p.default),
            }
            for p in PARAMS
        ]
        st.dataframe(rows, hide_index=True)
        st.caption("A preset's values replace the defaults of the keys it sets.")


def script(s: Settings) -> str:
    """The PyTorch script of the plain run on the data in use (an upload written out)."""
    data = session_upload() or s.recipe()
    return export.pytorch_script(data, s.plain_run().train_settings(), query=s.to_query())
