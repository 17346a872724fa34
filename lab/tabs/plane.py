"""The Two parameters tab: the loss over (w, b) or (w, a), a run on it, and what it says."""

from __future__ import annotations

import dataclasses

import numpy as np
import streamlit as st

from landscape.accuracy import Verdict
from landscape.data import Dataset
from landscape.i18n import N_
from landscape.plane import (
    MODEL_AMPLITUDE,
    MODEL_BIAS,
    QUESTION_VALUE,
    ROWS,
    SECOND,
    Comb,
    PlaneView,
    comb,
)
from landscape.plane_train import PlaneTrajectory
from landscape.window import MIN_GRID

from ..budget import Cost, Part, replay_cost
from ..cache import (
    cached,
    compute_plane_run,
    dataset,
    get_plane_figure,
    get_plane_run,
    get_plane_verdict,
    get_plane_view,
    plane_rows,
)
from ..i18n import _, ngettext
from ..share import share_url
from ..state import SPECS, TAB_PLANE, Settings
from ..text import fmt
from ..upload import data_key, in_use
from .gate import Bar, ask

#: Seconds per mode of the plane's transform (x up to 1e6, N = 1e5, 8e6 modes: 0.6-0.7 s,
#: time.process_time on the app's machine) and per cell of its rows (1.9e6 cells: ~10 ms).
PLANE_MODE_S = 1e-7
PLANE_CELL_S = 5e-9

#: What each model computes, as the page names it.
FORMULA = {MODEL_BIAS: "sin²(w·x + b)", MODEL_AMPLITUDE: "a·sin²(w·x)"}
#: How torch builds each model: msgids, shown through _().
TORCH = {
    MODEL_BIAS: N_("`nn.Linear(1, 1, bias=True)`, weight and bias filled with w₀ and b₀"),
    MODEL_AMPLITUDE: N_(
        "the question's `nn.Linear(1, 1, bias=False)` times an `nn.Parameter` a = a₀"
    ),
}


def _p0(s: Settings) -> float:
    return s.b0 if s.model == MODEL_BIAS else s.a0


def choose_model(s: Settings) -> None:
    """For ``model=w``: what the tab shows, and links that open it with a second parameter."""
    st.markdown(
        "#### "
        + _("What if the model learns a second parameter?")
        + "\n"
        + _(
            "The question's model, x → sin²(w·x), learns one weight. A class soon asks what a "
            "bias (sin²(w·x + b), `nn.Linear(1, 1, bias=True)`) or a learned amplitude "
            "(a·sin²(w·x)) would change. This tab draws the exact loss over both parameters "
            "with a real float32 PyTorch run on it. Pick the model in the control panel "
            "(*{control}*) or open one of these links:"
        ).format(control=_(SPECS["model"].label))
    )
    for model in (MODEL_BIAS, MODEL_AMPLITUDE):
        url = share_url(in_use(dataclasses.replace(s, model=model, tab=TAB_PLANE)))
        st.markdown(f"- [{FORMULA[model]}]({url}) — {_(TORCH[model])}")


def plane_cost(data: Dataset, s: Settings) -> Cost:
    """The exact plane: two rows of transform over the series' modes, then every row in p.

    Whole-number x: ``4 max|x| + 1`` modes a row; real x: ``2N`` sources a row.
    """
    modes = 2 * (4 * int(data.max_abs_x) + 1 if data.is_integer else 2 * data.n)
    cells = ROWS * max(MIN_GRID, s.grid_points())
    seconds = modes * PLANE_MODE_S + cells * PLANE_CELL_S
    part = Part(_("the exact plane"), float(modes + cells), _("modes and cells"), seconds)
    return Cost((part,))


def prepare(s: Settings) -> bool:
    """Trains and computes the plane unless they cost more than the budget and no one asked.

    The figure is cached per language, the plane itself once: a view computed
    for a page in one language is drawn for the other at once (~15 ms).
    """
    key, run, p0 = data_key(s), s.plain_run(), _p0(s)
    data = dataset(key)
    result = cached(get_plane_run, key, run, s.model, p0)
    need_run = result is None
    need_view = (
        need_run
        or cached(get_plane_view, key, s.model, s.lo, s.hi, *plane_rows(result, s.model, p0))
        is None
    )
    cost = (replay_cost(data, run) if need_run else Cost()) + (
        plane_cost(data, s) if need_view else Cost()
    )
    if not (need_run or need_view) or not ask(cost, "compute_plane"):
        return not (need_run or need_view)
    bar = Bar()
    if need_run:
        compute_plane_run(key, run, s.model, p0, bar.counter(_("Training")))
    bar.phase(_("The exact loss over the plane"), 1, 2)
    get_plane_figure(key, run, s.model, p0, s.lo, s.hi, s.lang)
    bar.close()
    return True


def _point(view: PlaneView, w: float, p: float) -> str:
    return f"(w, {SECOND[view.model]}) = ({fmt(w, 8)}, {fmt(p, 8)})"


def solutions_text(view: PlaneView, distinct_x: int) -> str:
    """Where the loss is zero in the rectangle, computed (module :mod:`landscape.plane`)."""
    sol, name = view.solutions, SECOND[view.model]
    where = _("w in [{lo}, {hi}] and {name} in [{p_lo}, {p_hi}]").format(
        lo=fmt(view.lo), hi=fmt(view.hi), name=name, p_lo=fmt(view.p_lo, 3), p_hi=fmt(view.p_hi, 3)
    )
    if sol.count == 0:
        w, p, loss = view.best
        h = float(view.terms.w[1] - view.terms.w[0])
        decimals = max(0, int(np.ceil(-np.log10(h))))
        return _(
            "**No solution** in view: nowhere over {where} is the loss below 1e-10. The lowest "
            "point of the grid is near (w, {name}) ≈ ({w}, {p}), loss {loss} (w to the grid's "
            "spacing, {h})."
        ).format(
            where=where,
            name=name,
            w=f"{w:.{decimals}f}",
            p=fmt(p, 3),
            loss=fmt(loss, 3),
            h=fmt(h, 2),
        )
    parts = []
    if sol.points.size:
        n = len(sol.points)
        shown = ", ".join(_point(view, w, p) for w, p in sol.points[:3])
        if n > 3:
            shown = _("{points} and {n} more").format(points=shown, n=n - 3)
        why = (
            _(
                "the {n} distinct x give lines w·x + b = ±arcsin√y + kπ of {n} slopes, which "
                "cross only at points"
            ).format(n=distinct_x)
            if view.model == MODEL_BIAS
            else _("where every y = a·sin²(w·x): the zeros of the least loss over a, S_y/S₂")
        )
        parts.append(
            ngettext(
                "**{n} isolated point** of loss 0: {points} ({why})",
                "**{n} isolated points** of loss 0: {points} ({why})",
                n,
            ).format(n=f"{n:,}", points=shown, why=why)
        )
    if sol.lines.size:
        why = (
            _("b = ±arcsin√y − {slope}·w + kπ: every sample has the same x").format(
                slope=fmt(-sol.lines[0, 0])
            )
            if view.model == MODEL_BIAS
            else _("a = 0: every label is 0")
        )
        n = len(sol.lines)
        parts.append(
            ngettext(
                "**{n} line** of loss 0 (dashed; {why})",
                "**{n} lines** of loss 0 (dashed; {why})",
                n,
            ).format(n=f"{n:,}", why=why)
        )
    if sol.curve is not None:
        parts.append(
            _(
                "the **curve** a = {y}/sin²({x}·w) (dashed): every sample is the same (x, y), so "
                "any w with sin² ≠ 0 has its a"
            ).format(y=fmt(sol.curve[1]), x=fmt(sol.curve[0]))
        )
    if sol.verticals.size:
        n = int(sol.verticals.size)
        parts.append(
            ngettext(
                "**{n} vertical line** of loss 0, any {name}",
                "**{n} vertical lines** of loss 0, any {name}",
                n,
            ).format(n=f"{n:,}", name=name)
        )
    return _(
        "Over {where} the loss is 0 (below 1e-10, checked by a direct float64 sum) on {parts}."
    ).format(where=where, parts=_("; ").join(parts))


def _comb_words(c: Comb) -> str:
    """A comb as a sentence says it: its minima and, when known, their median spacing."""
    if np.isnan(c.basin_width):
        return ngettext("{n} local minimum", "{n} local minima", c.minima).format(n=f"{c.minima:,}")
    return ngettext(
        "{n} local minimum, basins {width} wide (median)",
        "{n} local minima, basins {width} wide (median)",
        c.minima,
    ).format(n=f"{c.minima:,}", width=fmt(c.basin_width, 3))


def comb_text(view: PlaneView, p_run: float) -> str:
    """Whether the second parameter changes the comb in w, measured on the data in use.

    Compares the slices at the question's value, at the best one, at the run's
    end ``p_run`` and, for the amplitude, the profile (a at its best for every w).
    """
    name = SECOND[view.model]
    ref, best = view.question, view.at_best
    at_run = comb(view.terms.w, view.terms.loss(p_run))
    q = fmt(QUESTION_VALUE[view.model])
    if fmt(view.best[1], 6) == fmt(QUESTION_VALUE[view.model], 6):
        at_best = _(", and {name} = {q} is also the {name} of the lowest point").format(
            name=name, q=q
        )
    else:
        at_best = _("; at the lowest point's {name}, {value}, it has {comb}").format(
            name=name, value=fmt(view.best[1], 4), comb=_comb_words(best)
        )
    words = [
        _(
            "**The comb.** At {name} = {q} (the question's model) the slice L(·, {name}) has "
            "{comb}{at_best}; at the run's last {name} = {p}, {comb_run}."
        ).format(
            name=name,
            q=q,
            comb=_comb_words(ref),
            at_best=at_best,
            p=fmt(p_run, 6),
            comb_run=_comb_words(at_run),
        )
    ]
    if view.profile is not None:
        words.append(
            _(
                "Even with a at its best for every w (the profile min over a of L), {comb} remain."
            ).format(comb=_comb_words(view.profile))
        )
    fewest = min(best.minima, at_run.minima, view.profile.minima if view.profile else best.minima)
    if ref.minima and fewest >= 0.5 * ref.minima:
        leaves = (
            _(
                "So the second parameter leaves the comb in w: at least {fewest} of {total} minima "
                "stay, since every sample still contributes waves of frequency 2x and 4x in w; "
                "{name} only shifts their phases."
            )
            if view.model == MODEL_BIAS
            else _(
                "So the second parameter leaves the comb in w: at least {fewest} of {total} minima "
                "stay, since every sample still contributes waves of frequency 2x and 4x in w; "
                "{name} only reweights them."
            )
        )
        words.append(leaves.format(fewest=fewest, total=ref.minima, name=name))
    elif ref.minima:
        words.append(
            _("So the second parameter thins the comb in w to {fewest} of {total} minima.").format(
                fewest=fewest, total=ref.minima
            )
        )
    return " ".join(words)


#: What "solved" means for a two-parameter model (the question's criterion, its own output).
PLANE_CRITERION = N_(
    "solved means every training sample is classified: the model's float32 output is at least "
    "0.5 exactly where the label is"
)


def verdict_text(v: Verdict) -> str:
    """Whether the run's end solves the task, with the criterion."""
    if v.solved:
        head = ngettext(
            "**Solved**: the end point classifies its one training sample",
            "**Solved**: the end point classifies all {n} training samples",
            v.n,
        ).format(n=f"{v.n:,}")
    else:
        head = ngettext(
            "**Not solved**: the end point classifies {correct} of its {n} training sample",
            "**Not solved**: the end point classifies {correct} of {n} training samples",
            v.n,
        ).format(correct=f"{v.correct:,}", n=f"{v.n:,}")
    return _("{head} ({criterion}).").format(head=head, criterion=_(PLANE_CRITERION))


def run_text(s: Settings, run: PlaneTrajectory, view: PlaneView) -> str:
    """One paragraph on the run: start, end, what torch reported."""
    name = SECOND[s.model]
    end = _point(view, float(run.w[-1]), float(run.p[-1]))
    words = [
        ngettext(
            "**{steps} step of `{opt}`** (lr {lr}) on {formula} ({torch}) from (w₀, {name}₀) = "
            "({w0}, {p0}) ends at **{end}**.",
            "**{steps} steps of `{opt}`** (lr {lr}) on {formula} ({torch}) from (w₀, {name}₀) = "
            "({w0}, {p0}) end at **{end}**.",
            run.steps,
        ).format(
            steps=run.steps,
            opt=s.opt,
            lr=fmt(s.lr),
            formula=FORMULA[s.model],
            torch=_(TORCH[s.model]),
            name=name,
            w0=fmt(s.w0, 6),
            p0=fmt(_p0(s), 6),
            end=end,
        )
    ]
    end = get_plane_verdict(data_key(s), s.model, float(run.w[-1]), float(run.p[-1]))
    words.append(verdict_text(end))
    if run.batch_loss.size:
        words.append(
            _("The last loss torch reported: {loss}.").format(
                loss=fmt(float(run.batch_loss[-1]), 4)
            )
        )
    if run.diverged:
        words.append(
            ngettext(
                "The run **diverged** after {steps} step (a non-finite number).",
                "The run **diverged** after {steps} steps (a non-finite number).",
                run.steps,
            ).format(steps=run.steps)
        )
    inside = (view.lo <= run.w.min()) and (run.w.max() <= view.hi)
    if not inside:
        words.append(
            _(
                "It visits w in [{lo}, {hi}], partly outside the window: widen it to see the whole "
                "path ({name} rows follow the path)."
            ).format(lo=fmt(float(run.w.min()), 6), hi=fmt(float(run.w.max()), 6), name=name)
        )
    return " ".join(words)


def plane_tab(s: Settings) -> None:
    """The tab: for ``model=w`` a choice of model; otherwise the plane, the run and the why."""
    if s.model not in SECOND:
        choose_model(s)
        return
    if not prepare(s):
        return
    if s.loss != "mse" or s.sched != "none":
        st.info(
            _(
                "This tab trains with the question's mean squared error and a constant learning "
                "rate, the loss its exact landscape is drawn for; the loss and schedule chosen in "
                "the panel apply to the one-parameter tabs."
            )
        )
    data = dataset(data_key(s))
    with st.spinner(_("Training and computing the exact loss over the plane...")):
        run = get_plane_run(data_key(s), s.plain_run(), s.model, _p0(s))
        view, fig = get_plane_figure(
            data_key(s), s.plain_run(), s.model, _p0(s), s.lo, s.hi, s.lang
        )
    name = SECOND[s.model]
    st.markdown(run_text(s, run, view))
    st.plotly_chart(fig, key="plane", config={"displaylogo": False})
    samples = ngettext("{n} sample", "{n} samples", data.n).format(n=f"{data.n:,}")
    st.caption(
        _(
            "Top: the exact loss L(w, {name}) on {samples}; each pixel column shows the least "
            "loss of its grid points (1/16 of the finest period in w), so every valley of the "
            "comb shows. Stars and dashed lines: loss 0. Orange: the run's path; press ▶ Play to "
            "watch it. Bottom: the 1-D slices at the run's start and end {name}."
        ).format(name=name, samples=samples)
    )
    st.markdown(solutions_text(view, int(np.unique(data.x).size)))
    st.markdown(comb_text(view, float(run.p[-1])))
    # The maths hold TeX-like braces (e^{2ib}): shown as they are, never through str.format.
    if s.model == MODEL_BIAS:
        maths = _(
            "With t = w·x + b, (sin²t − y)² = (3/8 − y + y²) + (y − 1/2)·cos 2t + (1/8)·cos 4t, so "
            "L(w, b) = c₀ + Re(e^{2ib}·A(w)) + Re(e^{4ib}·B(w)) with A(w) = mean((y − 1/2)·e^{2iwx}) "
            "and B(w) = mean(e^{4iwx})/8: one transform per window gives every row in b. "
            "L has period π in b."
        )
    else:
        maths = _(
            "L(w, a) = a²·S₂(w) − 2a·S_y(w) + mean(y²), with S₂ = mean(sin⁴(w·x)) and "
            "S_y = mean(y·sin²(w·x)), both cosine sums in w: at each w the best a is S_y/S₂."
        )
    spec = SPECS[name + "0"]
    st.caption(
        _("{maths} Range of {name}₀ in the panel: a number in [{lo}, {hi}].").format(
            maths=maths, name=name, lo=f"{spec.lo:g}", hi=f"{spec.hi:g}"
        )
    )
