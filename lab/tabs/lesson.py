"""The Lesson tab: the reasons one at a time, for a teacher projecting to a class.

Five steps (the comb, the jumps, chaos, the floor, the fixes), each one large
figure and two or three sentences with the numbers of the data in use. The
step is the URL key ``step`` (bound to its control), so every step has its own
share link; Back and Next (keys Left and Right) move between them. Only the
open step computes, under the page's budget (:mod:`lab.budget`).

The sentences are pure functions of the engine's results (``*_sentences``),
tested against independent computations in ``tests/test_lesson.py``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from landscape import plots
from landscape.accuracy import MAX_ABS_W as VERDICT_MAX_W
from landscape.accuracy import verdict
from landscape.data import Dataset
from landscape.floor import NOT_A_MINIMUM, QUADRATIC, QUARTIC, Floor, floor_label
from landscape.i18n import N_
from landscape.maps import Chaos
from landscape.plots.lesson import projected
from landscape.plots.why import floor_figure
from landscape.remedies import RemedyResult
from landscape.train import Trajectory
from landscape.why import WhyNumbers

from ..budget import Cost, remedy_cost, run_cost, scan_cost, swarm_cost
from ..cache import (
    CHAOS_EPS,
    CHAOS_STEPS,
    cached,
    compute_run,
    dataset,
    get_base_figure,
    get_chaos,
    get_landscape_figure,
    get_minima,
    get_remedy,
    get_run,
    get_spectrum,
    get_why,
)
from ..i18n import _, ngettext
from ..share import share_url
from ..state import LESSON_STEPS, REMEDY_VARIANTS, SPECS, TAB_LESSON, RemedyRun, Settings
from ..text import fmt, sentence
from ..upload import data_key, in_use
from .gate import Bar, ask
from .landscape import path_window
from .why import quartic_halving_text

#: The steps' titles, in order (msgids, translated where shown).
TITLES = (N_("The comb"), N_("The jumps"), N_("Chaos"), N_("The floor"), N_("The fixes"))
#: Session-state key (and URL key) of the step shown.
STEP = "step"

# Sentences larger than body text, read from the back of a room. A phone is
# read at arm's length: there the sentences are smaller, and the figure's text
# takes the house's 13 px (Plotly lays it out for 20 px, so it only gains room;
# at 20 px long axis titles and legend entries ran off a 390 px screen).
# A container's key names its class.
LESSON_CSS = (
    "<style>.st-key-lesson_text p{font-size:1.55rem;line-height:1.45}"
    "@media (max-width:640px){.st-key-lesson_text p{font-size:1.15rem}"
    ".st-key-lesson_figure .main-svg text{font-size:13px!important}}</style>"
)


# -- sentences: pure text, every number from the engine's results ------------


def g_text(floor: Floor) -> str:
    """g as a sentence writes it: closed form when exact, else the digits its bound supports."""
    if floor.exact or floor.decimals is not None:
        return floor_label(floor)
    return "≈ " + fmt(floor.where, 6)


def target_name(why: WhyNumbers, data: Dataset) -> str:
    """What g is: the nearest global minimum (whole x: L has period π), else the lowest nearby."""
    lo, hi = why.search_window
    if data.is_integer and hi - lo >= math.pi * (1 - 1e-12):
        return _("the nearest global minimum")
    return _("the lowest minimum within {half} of w₀").format(half=fmt(0.5 * (hi - lo), 3))


def comb_sentences(
    why: WhyNumbers, data: Dataset, window_minima: int, lo: float, hi: float
) -> list[str]:
    """Step 1: the finest period, the minima in the window, and those between w₀ and g."""
    large = float(np.max(why.abs_x))
    n = why.minima_between
    first = _(
        "Each sample adds a wave of period π/|x| to the loss; the largest |x| = {x} gives the "
        "finest, π/{x} = {period} wide."
    ).format(x=fmt(large), period=fmt(why.finest_period, 3))
    second = ngettext(
        "Over [{lo}, {hi}] the loss has {count} local minimum.",
        "Over [{lo}, {hi}] the loss is a comb of {count} local minima.",
        window_minima,
    ).format(lo=fmt(lo), hi=fmt(hi), count=f"{window_minima:,}")
    target = {"w0": fmt(why.w, 6), "name": target_name(why, data), "g": g_text(why.floor)}
    if n == 0:
        third = _("w₀ = {w0} is in the basin of {name}, g = {g}: no local minimum in the way.")
    elif why.minima_between_exact:
        third = ngettext(
            "Between w₀ = {w0} and {name}, g = {g}, lies {count} local minimum.",
            "Between w₀ = {w0} and {name}, g = {g}, lie {count} local minima.",
            n,
        )
    else:
        third = _("Between w₀ = {w0} and {name}, g = {g}, lie at least {count} local minima.")
    return [first, second, third.format(count=f"{n:,}", **target)]


def jump_sentences(why: WhyNumbers, run: Trajectory, opt: str, data: Dataset) -> list[str]:
    """Step 2: one full-batch step in basin widths, and where the run ends."""
    first = _(
        "At w₀ = {w0} the slope is L′ = {grad}, so one full-batch step with lr {lr} moves w by "
        "{step}: {jumps} basin widths (the basin around w₀ is {width} wide)."
    ).format(
        w0=fmt(why.w, 6),
        grad=fmt(why.grad, 4),
        lr=fmt(why.lr),
        step=fmt(why.step, 3),
        jumps=fmt(why.step_in_basins, 3),
        width=fmt(why.current_basin_width, 3),
    )
    end = float(run.w[-1])
    second = ngettext(
        "{steps} step of {opt} ends at w = {end}, training loss {loss}.",
        "{steps} steps of {opt} end at w = {end}, training loss {loss}.",
        run.steps,
    ).format(
        steps=f"{run.steps:,}", opt=opt, end=fmt(end, 6), loss=fmt(float(run.float32_loss[-1]), 3)
    )
    if run.diverged:
        second += " " + _("The run diverged at step {step}.").format(step=run.diverged_at)
    return [first, second, verdict_sentence(data, end)]


def verdict_sentence(data: Dataset, w_end: float) -> str:
    """Whether ``w_end`` classifies every training sample (the task's criterion)."""
    if not (math.isfinite(w_end) and abs(w_end) <= VERDICT_MAX_W):
        return _("It ends beyond |w| = {limit}: not solved.").format(limit=fmt(VERDICT_MAX_W))
    v = verdict(data, w_end)
    if v.solved:
        return ngettext(
            "It classifies its {n} training sample: solved.",
            "It classifies all {n} training samples: solved.",
            v.n,
        ).format(n=f"{v.n:,}")
    return ngettext(
        "It classifies {correct} of {n} training sample: not solved.",
        "It classifies {correct} of {n} training samples: not solved.",
        v.n,
    ).format(correct=f"{v.correct:,}", n=f"{v.n:,}")


def chaos_sentences(c: Chaos, opt: str) -> list[str]:
    """Step 3: two starts ``eps`` apart, how fast their gap grows, and when they part."""
    w0 = float(c.w[0, 0])
    first = _(
        "Two full-batch runs of {opt} start {eps} apart, at w₀ = {w0} and w₀ + {eps}; float32 "
        "numbers near w₀ are {spacing} apart."
    ).format(
        opt=opt,
        eps=f"{c.eps:.0e}",
        w0=fmt(w0, 8),
        spacing=fmt(float(np.spacing(np.float32(abs(w0)))), 3),
    )
    if math.isfinite(c.rate) and c.rate > 0:
        second = _("Their gap grows by a factor e every {efold} steps.").format(
            efold=fmt(c.efold, 3)
        )
    else:
        second = _("Their gap does not grow.")
    steps = c.w.shape[0] - 1
    if c.parted_at >= 0:
        third = ngettext(
            "After {k} step they are more than {threshold} apart: two different runs.",
            "After {k} steps they are more than {threshold} apart: two different runs.",
            c.parted_at,
        ).format(k=f"{c.parted_at:,}", threshold=fmt(c.threshold))
    else:
        third = ngettext(
            "They stay within {threshold} of each other for {k} step.",
            "They stay within {threshold} of each other for all {k} steps.",
            steps,
        ).format(k=f"{steps:,}", threshold=fmt(c.threshold))
    return [first, second, third]


def floor_sentences(why: WhyNumbers) -> list[str]:
    """Step 4: the order of g's floor, and how gradient descent closes the gap on it."""
    f = why.floor
    g, gap = g_text(f), fmt(abs(why.w - why.target), 3)
    if f.kind == QUARTIC:
        return _quartic_sentences(why, g, gap)
    if f.kind == QUADRATIC:
        first = _(
            "At g = {g} the floor is quadratic: L″ = {c} > 0, so L(g + d) ≈ L(g) + L″d²/2."
        ).format(g=g, c=fmt(f.curvature, 4))
        if math.isfinite(why.halving_steps):
            second = _(
                "Near g each step multiplies the gap by 1 − lr·L″ = {rate}, so halving it takes "
                "{h} steps."
            ).format(rate=fmt(why.rate, 6), h=fmt(why.halving_steps, 3))
        else:
            second = _(
                "With lr {lr} ≥ 2/L″ = {limit}, each step multiplies the gap by {rate}: it does "
                "not shrink, and gradient descent cannot settle at g."
            ).format(lr=fmt(why.lr), limit=fmt(2 / f.curvature, 3), rate=fmt(why.rate, 4))
        return [first, second]
    if f.kind == NOT_A_MINIMUM:
        return [
            _(
                "At the located point g = {g}, L″ = {c} < 0: g is not a minimum, and no rate of "
                "convergence to it can be stated."
            ).format(g=g, c=fmt(f.curvature, 4))
        ]
    return [
        _(
            "At g = {g}, L″ = {c} is within ±{bound} of 0, and float64 derivatives do not decide "
            "the order of this floor: no rate is stated."
        ).format(g=g, c=fmt(f.curvature, 3), bound=fmt(f.curvature_bound, 1))
    ]


def _quartic_sentences(why: WhyNumbers, g: str, gap: str) -> list[str]:
    f = why.floor
    if f.exact:
        first = _(
            "At g = {g} every residual and its slope vanish, so L″(g) = 0 exactly: the floor is "
            "flat, L(g + d) ≈ c₄d⁴ with c₄ = mean(x⁴) = {c4}."
        )
    else:
        first = _(
            "At g = {g}, L″(g) = 0 within its rounding bound ±{bound}: the floor is flat, "
            "L(g + d) ≈ L(g) + c₄d⁴ with c₄ = {c4}."
        )
    first = first.format(g=g, bound=fmt(f.curvature_bound, 1), c4=fmt(f.quartic_coef, 4))
    second = _(
        "A gradient step there moves w by 4·lr·c₄·d³, which vanishes like d³; it shrinks the gap "
        "only below {limit}."
    ).format(limit=fmt(why.quartic_max_gap, 3))
    # The Why tab's own clause: the same count, its tolerance from w₀, and why none is stated.
    third = sentence(quartic_halving_text(why, why.w, f"|w₀ − g| = {gap}"))
    return [first, second, third]


def fix_sentences(outcomes: dict[str, RemedyResult | str], w0: float) -> list[str]:
    """Step 5: which remedies solve it from the same start, and how close the best gets."""
    results = {m: r for m, r in outcomes.items() if isinstance(r, RemedyResult)}
    solved = [m for m, r in results.items() if r.solved]
    if solved:
        first = ngettext(
            "From the same w₀ = {w0}, {k} of {n} remedies solves it: {names}.",
            "From the same w₀ = {w0}, {k} of {n} remedies solve it: {names}.",
            len(solved),
        ).format(
            w0=fmt(w0, 6), k=len(solved), n=len(results), names=", ".join(_(m) for m in solved)
        )
    elif not results:
        return [
            _("From the same w₀ = {w0}, no remedy can run on these data.").format(w0=fmt(w0, 6))
        ]
    else:
        first = ngettext(
            "From the same w₀ = {w0}, the one remedy that ran does not solve it.",
            "From the same w₀ = {w0}, none of {n} remedies solves it.",
            len(results),
        ).format(w0=fmt(w0, 6), n=len(results))
    out = [first]
    refused = len(outcomes) - len(results)
    if refused:
        out.append(_("{k} more cannot run on these data.").format(k=refused))
    best = min(results, key=lambda m: results[m].distance)
    out.append(
        _(
            "The figure follows each run's distance to its target w*; the closest, {name}, "
            "ends {d} from it."
        ).format(name=_(best), d=fmt(results[best].distance, 2))
    )
    return out


# -- the page -----------------------------------------------------------------


def _move(delta: int) -> None:
    """Back or Next: the step ``delta`` away, within 1..LESSON_STEPS (a button's callback)."""
    now = st.session_state.get(STEP) or SPECS[STEP].default
    st.session_state[STEP] = min(max(int(now) + delta, 1), LESSON_STEPS)


def navigation() -> int:
    """Back, Next and the step picker (bound to the URL key ``step``); returns the step.

    The picker's default is the key's default, whatever the page was opened
    with: Streamlit leaves a bound value equal to its default out of the URL,
    so another default would drop ``step`` from the address bar.
    """
    start = int(SPECS[STEP].default)
    with st.container(horizontal=True, vertical_alignment="center", key="lesson_nav"):
        st.button(_("← Back"), on_click=_move, args=(-1,), shortcut="Left", key="lesson_back")
        st.button(_("Next →"), on_click=_move, args=(1,), shortcut="Right", key="lesson_next")
        step = st.segmented_control(
            _("Step"),
            options=list(range(1, LESSON_STEPS + 1)),
            default=start,
            key=STEP,
            bind="query-params",
            required=True,
            label_visibility="collapsed",
        )
    return int(step or start)


def lesson_tab(s: Settings) -> None:
    st.markdown(LESSON_CSS, unsafe_allow_html=True)
    step = navigation()
    st.markdown(
        "## "
        + _("Step {k} of {n}: {title}").format(k=step, n=LESSON_STEPS, title=_(TITLES[step - 1]))
    )
    data = dataset(data_key(s))
    if data.max_abs_x == 0:
        st.info(_("Every x is 0: the loss does not depend on w, and there is nothing to explain."))
    else:
        shown = STEPS[step - 1](s)
        if shown is not None:
            fig, sentences = shown
            if fig is not None:
                with st.container(key="lesson_figure"):
                    st.plotly_chart(fig, key=f"lesson_{step}", config={"displaylogo": False})
            with st.container(key="lesson_text"):
                # One sentence a line: no space between sentences to get wrong in Chinese.
                st.markdown("  \n".join(sentences))
    with st.expander(_("Link to this step")):
        link = dataclasses.replace(in_use(s), tab=TAB_LESSON, step=step)
        st.code(share_url(link), language=None, wrap_lines=True)


#: What a step shows: its figure (None when there is nothing to draw) and its
#: sentences; None when it waits for a click to compute.
Shown = tuple[go.Figure | None, list[str]] | None


def _why(s: Settings, more: Cost | None = None) -> WhyNumbers | None:
    """The why-numbers at w₀, computed (with ``more``, a cost the caller adds) if allowed."""
    key = data_key(s)
    why = cached(get_why, key, s.w0, s.lr)
    cost = (scan_cost(dataset(key)) if why is None else Cost()) + (more or Cost())
    if cost.parts and not ask(cost, "lesson_compute"):
        return None
    if why is None:
        bar = Bar()
        bar.phase(_("Computing the why-numbers (basins, curvature, the nearest solution)"), 0, 1)
        why = get_why(key, s.w0, s.lr)
        bar.close()
    return why


def _window_cost(s: Settings, lo: float, hi: float) -> Cost:
    key = data_key(s)
    return scan_cost(dataset(key)) if cached(get_minima, key, lo, hi) is None else Cost()


def comb_step(s: Settings) -> Shown:
    why = _why(s, _window_cost(s, s.lo, s.hi))
    if why is None:
        return None
    key = data_key(s)
    fig = projected(get_base_figure(key, s.lo, s.hi, False, False, s.lang), marks=[(s.w0, "w₀")])
    count = get_minima(key, s.lo, s.hi).size
    return fig, comb_sentences(why, dataset(key), count, s.lo, s.hi)


def jumps_step(s: Settings) -> Shown:
    key, run = data_key(s), s.plain_run()
    data = dataset(key)
    result = cached(get_run, key, run)
    why = _why(s, run_cost(data, run) if result is None else Cost())
    if why is None:
        return None
    if result is None:
        bar = Bar()
        result = compute_run(key, run, bar.counter(_("Training")))
        bar.close()
    # The settings' window, or (as "Fit the window to the run" does) one around the path.
    lo, hi = s.lo, s.hi
    w = np.asarray(result.w, dtype=np.float64)
    if not (lo <= np.nanmin(w) and np.nanmax(w) <= hi):
        lo, hi, _covers = path_window(s, w)
        cost = _window_cost(s, lo, hi)
        if cost.parts and not ask(cost, "lesson_window"):
            return None
    fig = projected(get_landscape_figure(key, run, lo, hi, False, False, s.lang))
    return fig, jump_sentences(why, result, s.opt, data)


def chaos_step(s: Settings) -> Shown:
    key, run = data_key(s), s.plain_run()
    c = cached(get_chaos, key, run)
    if c is None:
        cost = swarm_cost(_("two runs"), get_spectrum(key), 2, min(s.epochs, CHAOS_STEPS))
        if not ask(cost, "lesson_compute"):
            return None
        bar = Bar()
        bar.phase(_("Running two starts {eps} apart").format(eps=f"{CHAOS_EPS:.0e}"), 0, 1)
        c = get_chaos(key, run)
        bar.close()
    return projected(plots.chaos_figure(c)), chaos_sentences(c, s.opt)


def floor_step(s: Settings) -> Shown:
    why = _why(s)
    if why is None:
        return None
    half = 0.25 * why.target_basin_width
    fig = projected(floor_figure(get_spectrum(data_key(s)), why.floor, half))
    return fig, floor_sentences(why)


def fixes_step(s: Settings) -> Shown:
    key, data = data_key(s), dataset(data_key(s))
    runs = {m: RemedyRun(m, s.w0) for m in REMEDY_VARIANTS}
    outcomes: dict[str, RemedyResult | str] = {
        m: found for m, run in runs.items() if (found := cached(get_remedy, key, run)) is not None
    }
    todo = [m for m in runs if m not in outcomes]
    cost = sum((remedy_cost(data, m) for m in todo), Cost())
    if todo and not ask(cost, "lesson_compute"):
        return None
    bar = Bar() if todo else None
    for i, method in enumerate(todo):
        bar.phase(_("Running the remedies: {name}").format(name=_(method)), i, len(todo))
        try:
            outcomes[method] = get_remedy(key, runs[method])
        except ValueError as exc:  # the engine refuses these data, naming why
            outcomes[method] = str(exc)
    if bar is not None:
        bar.close()
    ordered = {m: outcomes[m] for m in REMEDY_VARIANTS}
    results = {m: r for m, r in ordered.items() if isinstance(r, RemedyResult)}
    if not results:
        return None, fix_sentences(ordered, s.w0)
    names = [_(m) for m in results]
    fig = plots.progress_figure(list(results.values()), names, [r.target for r in results.values()])
    return projected(fig), fix_sentences(ordered, s.w0)


#: Each step's view, in the order of :data:`TITLES`.
STEPS: tuple[Callable[[Settings], Shown], ...] = (
    comb_step,
    jumps_step,
    chaos_step,
    floor_step,
    fixes_step,
)
