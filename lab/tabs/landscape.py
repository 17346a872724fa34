"""The Landscape tab: the exact loss over the window with the run animated on it."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from landscape.accuracy import Verdict, verdict
from landscape.data import Dataset
from landscape.parting import part_tolerance
from landscape.plots.landscape import Path, at_step, frame_names
from landscape.remedies import RemedyResult
from landscape.train import Trajectory

from ..budget import Cost, run_cost, scan_cost, swarm_cost
from ..cache import (
    DataKey,
    Run,
    RunView,
    cached,
    compute_run,
    dataset,
    get_end_facts,
    get_float64_path,
    get_history_figure,
    get_landscape_figure,
    get_maxima,
    get_minima,
    get_run,
    get_spectrum,
    get_verdict,
    get_view_figures,
    view_part,
    view_paths,
)
from ..i18n import _, ngettext
from ..state import MAX_W, MAX_WINDOW, PlainRun, Settings, round_significant
from ..text import fmt, sentences
from ..upload import data_key
from .gate import Bar, ask
from .scope import say_mse_only

#: Largest |w| whose float32 forward pass the verdict evaluates (the replay's own limit).
_VERDICT_MAX_W = 1e3


def path_window(s: Settings, w: np.ndarray) -> tuple[float, float, bool]:
    """A window around the path ``w`` that the settings allow, and whether it holds all of it.

    The path's range padded by a tenth of its width and at least two of the
    narrowest basins (``pi / max|x|``) on each side, within ``|w| <= MAX_W``
    and at most 98% of the widest window the data allow
    (``MAX_WINDOW / max|x|``, see :meth:`Settings._check_rules`). A path
    wider than that gets the widest window centred on its last point inside
    ``|w| <= MAX_W`` (where the run ended, if it stayed there), shifted
    inside. The ends are rounded to 9 significant digits, as a URL holds them;
    ``replace(s, lo=lo, hi=hi)`` is always valid.
    """
    finite = np.asarray(w, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    a, b = float(finite.min()), float(finite.max())
    mx = s.max_abs_x()
    widest = min(0.98 * MAX_WINDOW / mx if mx else math.inf, 2 * MAX_W * 0.98)
    pad = max(0.1 * (b - a), 2 * math.pi / mx if mx else 1.0)
    lo, hi = a - pad, b + pad
    if hi - lo > widest:
        inside = finite[np.abs(finite) <= MAX_W]
        centre = float(inside[-1]) if inside.size else float(np.clip(finite[-1], -MAX_W, MAX_W))
        lo, hi = centre - 0.5 * widest, centre + 0.5 * widest
    shift = max(0.0, -MAX_W - lo) - max(0.0, hi - MAX_W)
    lo, hi = max(lo + shift, -MAX_W), min(hi + shift, MAX_W)
    lo, hi = round_significant(lo, 9), round_significant(hi, 9)
    return lo, hi, lo <= a and b <= hi


def view_window(s: Settings, view: RunView) -> tuple[float, float]:
    """The window the tab draws: the settings', or with ``fit`` the one around every drawn path."""
    if not s.fit:
        return s.lo, s.hi
    paths = view_paths(data_key(s), view)
    # The tab's own run last: a path too wide for any window is shown around its end.
    lo, hi, _covers = path_window(s, np.concatenate([p.w for p in paths[1:]] + [paths[0].w]))
    return lo, hi


def success(data: Dataset | DataKey, w_end: float, *, criterion: bool = True) -> str:
    """Whether the run solved the task at its last weight, with the criterion if asked.

    ``data`` is the training data, or its cache key: then the verdict (a float32
    pass over every sample) is computed once for all reruns.
    """
    if not (math.isfinite(w_end) and abs(w_end) <= _VERDICT_MAX_W):
        return _("It ends beyond |w| = {limit}: **not solved**.").format(
            limit=f"{_VERDICT_MAX_W:g}"
        )
    v = verdict(data, w_end) if isinstance(data, Dataset) else get_verdict(data, w_end)
    w, n = fmt(w_end, 8), f"{v.n:,}"
    if v.solved:
        head = ngettext(
            "**Solved**: w = {w} classifies its one training sample",
            "**Solved**: w = {w} classifies all {n} training samples",
            v.n,
        ).format(w=w, n=n)
    else:
        head = ngettext(
            "**Not solved**: w = {w} classifies {correct} of {n} training sample",
            "**Not solved**: w = {w} classifies {correct} of {n} training samples",
            v.n,
        ).format(w=w, correct=f"{v.correct:,}", n=n)
    if criterion:
        return _("{head} ({criterion}).").format(head=head, criterion=_(Verdict.CRITERION))
    return _("{head}.").format(head=head)


def at_global_minimum(s: Settings, w_end: float) -> str:
    """Where the run ended relative to the global minimum w* nearest its end."""
    # The tab has the minima of the settings' window (prepare), unless it is fitted.
    window = None if s.fit else (s.lo, s.hi)
    g, label, global_, a, b, between = get_end_facts(data_key(s), w_end, window)
    if not math.isfinite(g):
        return ""
    if global_:
        where = _("w\\* = {label}, the global minimum (loss 0) nearest the end, lies {d} away")
    else:
        where = _(
            "w\\* = {label}, the lowest minimum found within π/2 nearest the end, lies {d} away"
        )
    where = where.format(label=label, d=fmt(abs(w_end - g), 3))
    if a <= g <= b:
        return _(
            "{where}, in the same basin (between the local maxima {a} and {b} of L): "
            "**the run ends in w\\*'s basin**."
        ).format(where=where, a=fmt(a, 6), b=fmt(b, 6))
    return ngettext(
        "{where}, with **{n} other local minimum** between.",
        "{where}, with **{n} other local minima** between.",
        between,
    ).format(where=where, n=f"{between:,}")


def run_summary(s: Settings, run: Run) -> str:
    """One paragraph on where the run ended, with every number computed."""
    w_end = float(run.w[-1])
    if isinstance(run, RemedyResult):
        if run.claim_holds:
            claim = _("The claim holds")
        else:
            claim = _("The claim **does not hold** on this run")
        words = [
            _("**Remedy: {method}.**").format(method=_(s.method)),
            run.claim,
            ngettext(
                "{claim}: {n} step from w₀ = {w0} ends at **w = {w}**, full-data loss {loss}.",
                "{claim}: {n} steps from w₀ = {w0} end at **w = {w}**, full-data loss {loss}.",
                run.w.size - 1,
            ).format(
                claim=claim,
                n=run.w.size - 1,
                w0=fmt(s.w0, 6),
                w=fmt(w_end, 8),
                loss=fmt(run.final_loss, 3),
            ),
        ]
    else:
        words = [
            ngettext(
                "**{n} step of `{opt}`** (lr {lr}) from w₀ = {w0} ends at **w = {w}** with "
                "training loss {final}.",
                "**{n} steps of `{opt}`** (lr {lr}) from w₀ = {w0} end at **w = {w}** with "
                "training loss {final}.",
                run.steps,
            ).format(**run_values(s.run(), run))
        ]
        if run.diverged:
            words.append(
                _("The run **diverged** at step {step} (a non-finite number).").format(
                    step=run.diverged_at
                )
            )
    words.append(success(data_key(s), w_end))
    if abs(w_end) <= MAX_W:
        words.append(at_global_minimum(s, w_end))
    return sentences(*words)


def run_values(r: PlainRun, run: Trajectory) -> dict[str, str]:
    """The numbers a sentence about a plain run states, formatted for its placeholders."""
    return {
        "n": f"{run.steps:,}",
        "opt": r.opt,
        "lr": fmt(r.lr),
        "loss": r.loss,
        "w0": fmt(r.w0, 6),
        "w": fmt(float(run.w[-1]), 6),
        "final": fmt(float(run.float32_loss[-1]), 3),
    }


def second_summary(s: Settings) -> str:
    """Where the compared run ended, and whether it solved the task."""
    r, run = s.second_run(), get_run(data_key(s), s.second_run())
    w_end = float(run.w[-1])
    words = [
        ngettext(
            "**Second run: {n} step of `{opt}`** (lr {lr}, loss `{loss}`) from w₀ = {w0} ends "
            "at **w = {w}** with training loss {final}.",
            "**Second run: {n} steps of `{opt}`** (lr {lr}, loss `{loss}`) from w₀ = {w0} end "
            "at **w = {w}** with training loss {final}.",
            run.steps,
        ).format(**run_values(r, run))
    ]
    if run.diverged:
        words.append(
            _("It **diverged** at step {step} (a non-finite number).").format(step=run.diverged_at)
        )
    words.append(success(data_key(s), w_end, criterion=False))
    if abs(w_end) <= MAX_W:
        words.append(at_global_minimum(s, w_end))
    return sentences(*words)


def stationary(run: Run) -> bool:
    """True when the run never moved because its gradient at w0 is exactly 0."""
    grad = getattr(run, "float32_grad", None)
    return run.w.size > 1 and bool(np.all(run.w == run.w[0])) and grad is not None and grad[0] == 0


def path_notice(s: Settings, run: Run, lo: float, hi: float, others: Sequence[Path] = ()) -> str:
    """What to do when a drawn path leaves the window: advice the settings allow.

    ``run`` is the tab's run; ``others`` the other paths drawn with it.
    """
    w = np.asarray(run.w, dtype=np.float64)
    if stationary(run):
        still = _(
            "w₀ = {w0} is a **stationary point**: the gradient there is exactly 0, so no "
            "optimizer step moves w."
        ).format(w0=fmt(float(w[0]), 8))
        if w[0] != 0:
            return still
        zero = _(
            "At w = 0 this holds for any data: each sample's term of L'(w) carries sin(2wx) = 0."
        )
        return sentences(still, zero)
    # The tab's own run last: a path too wide for any window is shown around its end.
    w = np.concatenate([np.asarray(p.w, dtype=np.float64) for p in others] + [w])
    w = w[np.isfinite(w)]
    if lo <= w.min() and w.max() <= hi:
        return ""
    a, b = float(w.min()), float(w.max())
    flo, fhi, covers = path_window(s, w)
    if others:
        visits = _("The paths visit w in [{a}, {b}], partly outside the window.")
    else:
        visits = _("The run visits w in [{a}, {b}], partly outside the window.")
    visits = visits.format(a=fmt(a, 6), b=fmt(b, 6))
    if covers:
        advice = _(
            "Tick **Fit the window to the run** (or set the window to [{lo}, {hi}]) to see the "
            "whole path."
        )
        return sentences(visits, advice.format(lo=fmt(flo, 9), hi=fmt(fhi, 9)))
    if s.fit:
        advice = _(
            "No allowed window holds it all (at most {width} wide for x up to {x}, within "
            "|w| ≤ {max_w}): the fitted window shows [{lo}, {hi}], around its last step inside "
            "|w| ≤ {max_w}."
        )
    else:
        advice = _(
            "No allowed window holds it all (at most {width} wide for x up to {x}, within "
            "|w| ≤ {max_w}): **Fit the window to the run** shows [{lo}, {hi}], around its last "
            "step inside |w| ≤ {max_w}."
        )
    return sentences(
        visits,
        advice.format(
            width=fmt(fhi - flo, 3),
            x=fmt(s.max_abs_x()),
            max_w=fmt(MAX_W),
            lo=fmt(flo, 9),
            hi=fmt(fhi, 9),
        ),
    )


def parting_sentence(s: Settings, view: RunView) -> str:
    """Why the maps' float64 path and the float32 replay of the same start agree or not."""
    key = data_key(s)
    w64 = get_float64_path(key, view.run)
    w32 = get_run(key, view.run).w
    part = view_part(key, view)
    tol = part_tolerance(get_spectrum(key))
    limit = _("{tol} (π/(8·max|x|), a quarter of the narrowest basin)").format(tol=fmt(tol, 2))
    if part is None:
        return ngettext(
            "The maps' float64 path from w₀ = {w0} and this float32 replay stay within {limit} "
            "of each other for the {n} step.",
            "The maps' float64 path from w₀ = {w0} and this float32 replay stay within {limit} "
            "of each other for all {n} steps.",
            w32.size - 1,
        ).format(w0=fmt(s.w0, 8), limit=limit, n=f"{w32.size - 1:,}")
    return _(
        "The maps' float64 path and this float32 replay start at the same w₀ = {w0} but round "
        "every step differently (float32 keeps ~7 digits, float64 ~16), and gradient descent "
        "here is chaotic, so the difference grows step by step: they **part at step {part}**, "
        "where they first differ by more than {limit}, and end at w = {w64} (float64) and "
        "{w32} (float32)."
    ).format(
        w0=fmt(s.w0, 8),
        part=part,
        limit=limit,
        w64=fmt(float(w64[-1]), 8),
        w32=fmt(float(w32[-1]), 8),
    )


def stepped(fig: go.Figure) -> go.Figure:
    """``fig`` at the frame that the step back / forward buttons chose (this session only).

    The buttons move one frame (one step, or one shown step of a subsampled
    run); ▶ Play in the browser then continues from there. The choice resets
    when the figure's frames change (another run).
    """
    names = frame_names(fig)
    view = st.session_state.get("_shown_frame")
    i = view[1] if view and view[0] == names else 0
    # One row on a phone too (columns would stack).
    row = st.container(horizontal=True, vertical_alignment="center")
    if row.button("◀ " + _("Step back"), key="step_back", disabled=i == 0):
        i -= 1
    if row.button(_("Step forward") + " ▶", key="step_forward", disabled=i == len(names) - 1):
        i += 1
    i = min(max(i, 0), len(names) - 1)
    st.session_state["_shown_frame"] = (names, i)
    row.caption(_("Shown: step {step} of {last}").format(step=names[i], last=names[-1]))
    return at_step(fig, int(names[i])) if i else fig


def run_view(s: Settings) -> RunView:
    """The runs the tab draws: its own, and the float64 path or a second run when asked."""
    plain = isinstance(s.run(), PlainRun)
    return RunView(
        s.run(),
        s.second_run() if s.cmp and plain else None,
        s.f64 and plain and float64_comparable(s.run()),
    )


def float64_comparable(run: PlainRun) -> bool:
    """Whether the maps' float64 engine runs what this replay runs: full batch, MSE, fixed lr."""
    return run.batch == 0 and run.loss == "mse" and run.sched == "none"


def prepare(s: Settings, key: str) -> bool:
    """Computes the runs and the minima of the drawn window unless they cost more than the
    budget and no one asked (the window: the settings', or with ``fit`` the paths')."""
    data, view = dataset(data_key(s)), run_view(s)
    runs = [r for r in (view.run, view.second) if r is not None]
    missing = [r for r in runs if cached(get_run, data_key(s), r) is None]
    need_f64 = view.float64 and cached(get_float64_path, data_key(s), view.run) is None
    # A fitted window is known once the paths are: then only its scan is needed.
    known = not s.fit or not (missing or need_f64)
    need_scan = not known or cached(get_minima, data_key(s), *view_window(s, view)) is None
    cost = sum((run_cost(data, r) for r in missing), Cost())
    cost += scan_cost(data) if need_scan else Cost()
    if need_f64:
        cost += swarm_cost(_("the float64 path"), get_spectrum(data_key(s)), 1, s.epochs)
    needed = bool(missing) or need_scan or need_f64
    if not needed or not ask(cost, key):
        return not needed
    bar = Bar()
    for r in missing:
        compute_run(data_key(s), r, bar.counter(_("Training")))
    if need_f64:
        bar.phase(_("Running the float64 path"), 0, 2)
        get_float64_path(data_key(s), view.run)
    bar.phase(_("Locating the minima"), 1, 2)
    get_minima(data_key(s), *view_window(s, view))
    bar.close()
    return True


def landscape_caption(s: Settings, data: Dataset, lo: float, hi: float, minima: int) -> str:
    """The caption under the landscape: the window, its minima, the finest period, the fit."""
    finest = math.pi / data.max_abs_x if data.max_abs_x else math.inf
    words = [
        ngettext(
            "Exact loss over [{lo}, {hi}] on {n} sample:",
            "Exact loss over [{lo}, {hi}] on {n} samples:",
            data.n,
        ).format(lo=fmt(lo, 8), hi=fmt(hi, 8), n=f"{data.n:,}"),
        ngettext("**{n} local minimum**.", "**{n} local minima**.", minima).format(n=f"{minima:,}"),
        _(
            "Each sample adds a wave of period π/x; the largest x, {x}, gives the finest, "
            "{period}. The curve keeps the lowest and highest point of every pixel column of a "
            "grid at 1/16 of that period."
        ).format(x=fmt(data.max_abs_x), period=fmt(finest, 3)),
    ]
    if s.fit:
        edges = get_maxima(data_key(s), lo, hi).size
        words.append(
            ngettext(
                "The window is fitted to the run's path; dotted lines are the basin edges (the "
                "{n} local maximum of L).",
                "The window is fitted to the run's path; dotted lines are the basin edges (the "
                "{n} local maxima of L).",
                edges,
            ).format(n=f"{edges:,}")
        )
    words.append(
        _(
            "Press ▶ Play to watch the run (faint line: the whole path; big dot: the shown "
            "step, named on the slider)."
        )
    )
    return sentences(*words)


def landscape_tab(s: Settings) -> None:
    say_mse_only(s, _("The exact landscape and its minima drawn here"))
    data = dataset(data_key(s))
    if not prepare(s, "compute_landscape"):
        return
    view = run_view(s)
    with st.spinner(_("Training and computing the exact landscape...")):
        run = get_run(data_key(s), s.run())
        lo, hi = view_window(s, view)
        if view == RunView(s.run()) and not s.fit:
            fig = get_landscape_figure(data_key(s), s.run(), lo, hi, s.logy, s.f32, s.lang)
            history = get_history_figure(data_key(s), s.run(), lo, hi, s.lang)
        else:
            fig, history = get_view_figures(data_key(s), view, lo, hi, s.logy, s.f32, s.fit, s.lang)
        summary = run_summary(s, run)
        count_ = get_minima(data_key(s), lo, hi).size
    st.markdown(summary)
    if view.second is not None:
        st.markdown(second_summary(s))
    if view.float64:
        st.markdown(parting_sentence(s, view))
    elif s.f64 and isinstance(view.run, PlainRun):
        st.caption(
            _(
                "The maps' float64 engine runs full batch, MSE and a fixed learning rate; this "
                "run does not, so its float64 path is not drawn."
            )
        )
    left, right = st.columns([3, 2], gap="medium")
    with left:
        chart = st.empty()
        fig = stepped(fig)
        chart.plotly_chart(fig, key="landscape", config={"displaylogo": False})
        st.caption(landscape_caption(s, data, lo, hi, count_))
    with right:
        st.plotly_chart(history, key="history", config={"displaylogo": False})
        if isinstance(run, RemedyResult):
            bottom = _("the full-data loss, exact (log scale); dotted lines start new stages.")
        else:
            bottom = _("the training loss that torch reported (float32, log scale).")
        st.caption(
            _(
                "Top: the weight after each step, with w* (the minimum the summary above "
                "names) dashed. Bottom: {bottom}"
            ).format(bottom=bottom)
        )
    others = view_paths(data_key(s), view)[1:]
    notice = path_notice(replace(s, lo=lo, hi=hi) if s.fit else s, run, lo, hi, others)
    if notice:
        st.info(notice)
