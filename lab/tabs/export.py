"""The Export tab: CSV tables, the figure, the settings and a runnable PyTorch script.

The downloads are code and data, so they stay in English whatever the page's
language (the script's comments too, CSV headers are column names a script
reads, JSON keys are URL keys); the page's words around them are translated.
"""

from __future__ import annotations

import json

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
from ..i18n import _, ngettext
from ..state import METHOD_NONE, PARAMS, Settings
from ..store import digest
from ..text import fmt
from ..upload import data_key, in_use, uncarried
from .gate import Bar, ask


def prepare(s: Settings) -> bool:
    """Computes the runs the downloads need unless they cost more than the budget and no one asked."""
    runs = list(dict.fromkeys([s.run(), s.plain_run(), *([s.second_run()] if s.cmp else [])]))
    missing = [r for r in runs if cached(get_run, data_key(s), r) is None]
    if not missing:
        return True
    data = dataset(data_key(s))
    if not ask(sum((run_cost(data, r) for r in missing), Cost()), "compute_export"):
        return False
    bar = Bar()
    for i, r in enumerate(missing):
        bar.phase(_("Training"), i, len(missing))
        what = _("Run {i} of {n}").format(i=i + 1, n=len(missing))
        compute_run(data_key(s), r, bar.counter(what))
    bar.close()
    return True


def export_tab(s: Settings) -> None:
    if not prepare(s):
        return
    run = get_run(data_key(s), s.run())
    plain = get_run(data_key(s), s.plain_run())
    spec = get_spectrum(data_key(s))
    st.markdown("#### " + _("Take it with you"))
    cols = st.columns(3)
    downloads = [
        (
            _("Landscape (CSV)"),
            lambda: export.landscape_csv(spec, s.lo, s.hi),
            "landscape.csv",
            "text/csv",
        ),
        (
            _("Trajectory (CSV)"),
            lambda: export.trajectory_csv(spec, run),
            "trajectory.csv",
            "text/csv",
        ),
        (
            _("Figure (HTML)"),
            lambda: export.figure_html(
                get_landscape_figure(data_key(s), s.run(), s.lo, s.hi, s.logy, s.f32, s.lang)
            ),
            "landscape.html",
            "text/html",
        ),
        (_("Settings (JSON)"), lambda: settings_json(s), "settings.json", "application/json"),
        (
            _("PyTorch script"),
            lambda: script(s),
            "landscape_run.py",
            "text/x-python",
        ),
    ]
    if s.cmp:
        second = get_run(data_key(s), s.second_run())
        downloads.append(
            (
                _("Second run trajectory (CSV)"),
                lambda: export.trajectory_csv(spec, second),
                "trajectory_second_run.csv",
                "text/csv",
            )
        )
    if (upload := session_upload()) is not None:
        downloads.append(
            (_("Data (CSV)"), lambda: export.data_csv(upload), export.DATA_FILE, "text/csv")
        )
    for i, (label, make, name, mime) in enumerate(downloads):
        with cols[i % 3]:
            st.download_button(label, make, file_name=name, mime=mime, on_click="ignore", key=name)
    which = (
        _("the weights the charts show")
        if s.method == METHOD_NONE
        else _(
            "the weights of a plain `{opt}` run (lr {lr}); the remedy '{method}' has no script"
        ).format(opt=s.opt, lr=fmt(s.lr), method=_(s.method))
    )
    st.markdown(
        _(
            "The script trains the question's model with torch.optim exactly as this page does "
            "and prints {n} weights, {which}: w before the first step, then after each step."
        ).format(n=plain.w.size, which=which)
    )
    if s.cmp:
        r = s.second_run()
        n = get_run(data_key(s), r).w.size
        st.markdown(
            ngettext(
                "Then it prints `# second run` and trains the second run (`{opt}`, lr {lr}, "
                "loss `{loss}`, w₀ = {w0}) on the same data: its {n} weight, the same way.",
                "Then it prints `# second run` and trains the second run (`{opt}`, lr {lr}, "
                "loss `{loss}`, w₀ = {w0}) on the same data: its {n} weights, the same way.",
                n,
            ).format(opt=r.opt, lr=fmt(r.lr), loss=r.loss, w0=fmt(r.w0, 6), n=n)
        )
    st.code(script(s), language="python")
    with st.expander(_("Every URL key, for links written by hand")):
        # Keys, choices and defaults are what a link holds: shown as they are.
        rows = [
            {
                _("key"): p.key,
                _("setting"): _(p.label),
                _("allowed"): str(p.allowed()),
                _("default"): p.format(p.default),
            }
            for p in PARAMS
        ]
        st.dataframe(rows, hide_index=True)
        st.caption(_("A preset's values replace the defaults of the keys it sets."))


def script(s: Settings) -> str:
    """The PyTorch script of the plain run on the data in use (an upload written out),
    followed by the second run when the page compares one (``cmp``).

    Its ``APP_QUERY`` is the link that reproduces the run and the data, or
    None when no link can carry the uploaded data in use.
    """
    data = session_upload() or s.recipe()
    query = None if uncarried() is not None else in_use(s).to_query()
    second = s.second_run().train_settings() if s.cmp else None
    return export.pytorch_script(data, s.plain_run().train_settings(), second=second, query=query)


def settings_json(s: Settings) -> str:
    """:meth:`Settings.to_json` with ``upload`` carrying the data in use, and for an upload
    ``data``: its size, SHA-256 and, up to ``export.MAX_LITERAL_SAMPLES``, its samples."""
    shared = in_use(s)
    data = session_upload()
    if data is None:
        return shared.to_json()
    payload = json.loads(shared.to_json())
    payload["data"] = {"samples": data.n, "sha256": digest(data.x, data.y)}
    if data.n <= export.MAX_LITERAL_SAMPLES:
        payload["data"] |= {"x": data.x.tolist(), "y": data.y.tolist()}
    return json.dumps(payload, indent=2)
