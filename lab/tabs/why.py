"""The Why tab: each reason gradient descent fails, with the numbers of the data in use."""

from __future__ import annotations

import inspect
import math

import numpy as np
import streamlit as st

from landscape import plots
from landscape.accuracy import MAX_ABS_W as VERDICT_MAX_W
from landscape.accuracy import verdict
from landscape.data import Dataset
from landscape.floor import NOT_A_MINIMUM, QUADRATIC, QUARTIC, UNDECIDED, Floor, floor_label
from landscape.i18n import N_
from landscape.maps import Chaos
from landscape.plots.why import floor_figure
from landscape.why import WhyNumbers, sample_extremes, why_numbers

from ..budget import run_cost, scan_cost, swarm_cost, within_budget
from ..cache import (
    CHAOS_EPS,
    CHAOS_STEPS,
    cached,
    dataset,
    get_chaos,
    get_run,
    get_spectrum,
    get_why,
)
from ..i18n import _, ngettext
from ..state import Settings
from ..text import fmt
from ..upload import data_key
from .gate import Bar, ask
from .landscape import success
from .scope import say_mse_only

#: From this ratio of the largest share of L' to the largest among small |x| on, the
#: page says large |x| "shout" (an order of magnitude louder than the working set).
SHOUT_RATIO = 10.0
#: The working set the ratio is taken against: ``why_numbers``' own ``small_x``.
SMALL_X = float(inspect.signature(why_numbers).parameters["small_x"].default)


def why_tab(s: Settings) -> None:
    say_mse_only(s, _("The why-numbers"))
    data = dataset(data_key(s))
    if data.max_abs_x == 0:
        st.info(_("Every x is 0: the loss does not depend on w, and there is nothing to explain."))
        return
    why = cached(get_why, data_key(s), s.w0, s.lr)
    if why is None:
        # Basins, the nearest solution and its neighbours: scans of the series, like the minima's.
        if not ask(scan_cost(data), "compute_why"):
            return
        bar = Bar()
        bar.phase(_("Computing the why-numbers (basins, curvature, the nearest solution)"), 0, 1)
        why = get_why(data_key(s), s.w0, s.lr)
        bar.close()
    w_end = run_end(s)
    st.markdown("#### " + title(solved(data, w_end), s.w0, s.lr))
    st.markdown(outcome(data, w_end))
    text = reasons(why, s.w0)
    # One formula per line: a phone is ~20 symbols wide.
    st.latex(r"L(w)=\frac1N\sum_i r_i^2,\quad r_i=\sin^2(w x_i)-y_i")
    st.latex(r"L'(w)=\frac2N\sum_i r_i\,\sin(2wx_i)\,x_i")
    for key in ("comb", "steps", "shout", "curvature"):
        st.markdown(text[key])
    st.latex(r"w_{k+1}-g\approx(1-\eta L'')\,(w_k-g)")
    st.markdown(text["floor"])
    if why.floor.kind == QUARTIC:
        st.latex(r"d_{k+1}=d_k\,(1-4\eta c_4 d_k^2)")
    st.markdown(text["float32"])
    small, large = sample_extremes(data)
    half = 8 * math.pi / large
    c1, c2 = st.columns(2)
    with c1:
        st.plotly_chart(
            plots.sample_terms_figure(data, [small, large], s.w0 - half, s.w0 + half),
            key="terms",
        )
        st.caption(text["terms"])
    with c2:
        st.plotly_chart(plots.sample_grads_figure(why.abs_x, why.sample_grads, s.w0), key="grads")
        st.caption(_("Each sample's share of L'(w₀) against its |x|: the envelope grows like |x|."))
    half_width = floor_span(why)[1]
    st.plotly_chart(floor_figure(get_spectrum(data_key(s)), why.floor, half_width), key="quartic")
    st.caption(text["floor_plot"])
    chaos_section(s)


def run_end(s: Settings) -> float | None:
    """The last weight of the plain run these numbers describe (the Landscape tab's when
    method is none): from the shared cache, or computed when it fits the budget; else None."""
    key, run = data_key(s), s.plain_run()
    got = cached(get_run, key, run)
    if got is None and within_budget(run_cost(dataset(key), run)):
        got = get_run(key, run)
    return None if got is None else float(got.w[-1])


def solved(data: Dataset, w_end: float | None) -> bool | None:
    """Whether the run ending at ``w_end`` classifies every training sample (None: no run)."""
    if w_end is None:
        return None
    if not (math.isfinite(w_end) and abs(w_end) <= VERDICT_MAX_W):
        return False
    return verdict(data, w_end).solved


def title(outcome: bool | None, w0: float, lr: float) -> str:
    """The tab's heading: the run's outcome when it is known, else what the tab shows."""
    if outcome is None:
        text = _("What the landscape does to gradient descent here, at w₀ = {w0} with lr {lr}")
    elif outcome:
        text = _("Gradient descent solves it here, at w₀ = {w0} with lr {lr}")
    else:
        text = _("Why gradient descent fails here, at w₀ = {w0} with lr {lr}")
    return text.format(w0=fmt(w0, 6), lr=fmt(lr))


def outcome(data: Dataset, w_end: float | None) -> str:
    """The run's verdict with its criterion, or why it is not stated."""
    if w_end is None:
        return _(
            "Whether this run solves the task is not stated here: its replay costs more "
            "than a page computes without a click (the Landscape tab offers it)."
        )
    return _("The run from w₀: {verdict}").format(verdict=success(data, w_end))


def reasons(why: WhyNumbers, w0: float) -> dict[str, str]:
    """The tab's sentences for ``why`` at ``w0``, by key (comb, steps, shout, curvature,
    floor, float32, terms, floor_plot): pure text in the page's language, every number
    from ``why``."""
    small, large = sample_extremes(Dataset(why.abs_x, np.zeros_like(why.abs_x)))
    stable = (
        _("gradient descent is stable near w₀ only for lr < 2/L'' = {limit}").format(
            limit=fmt(why.max_stable_lr, 3)
        )
        if math.isfinite(why.max_stable_lr)
        else _("L'' ≤ 0 there: w₀ sits on a concave stretch, where no learning rate settles")
    )
    width = (
        _("The basin around w₀ is {width} wide").format(width=fmt(why.current_basin_width, 3))
        if math.isfinite(why.current_basin_width)
        else _("No local maximum of L lies within π of w₀ on one side, so w₀'s basin is wider")
    )
    span, half = floor_span(why)
    return {
        "comb": "1. " + comb_text(why, large, width),
        "steps": "2. " + steps_text(why),
        "shout": "3. " + shout_text(why),
        "curvature": "4. "
        + _("**Curvature.** L''(w₀) = {curvature}: {stable}.").format(
            curvature=fmt(why.curvature, 4), stable=stable
        ),
        "floor": "5. " + floor_text(why, w0),
        "float32": "6. " + float32_text(why),
        "terms": _(
            "Two samples' loss terms around w₀: |x| = {small} (period {small_period}) and "
            "|x| = {large} (period {large_period})."
        ).format(
            small=fmt(small),
            small_period=fmt(math.pi / small, 3),
            large=fmt(large),
            large_period=fmt(math.pi / large, 3),
        ),
        "floor_plot": _(_FLOOR_CAPTIONS[why.floor.kind]).format(span=_(span), half=fmt(half, 3)),
    }


def comb_text(why: WhyNumbers, large: float, width: str) -> str:
    """Item 1: the comb's finest period, w₀'s basin and the minima on the way to g."""
    comb = (
        _(
            "**A comb of minima.** Sample i's term has period π/|xᵢ| in w; the largest |x| "
            "gives the finest, π/{x} = {period}. {width}, and {between}."
        )
        if why.minima_between > 0
        else _(
            "**A comb of minima, none in the way.** Sample i's term has period π/|xᵢ| in w; "
            "the largest |x| gives the finest, π/{x} = {period}. {width}, and {between}."
        )
    )
    return comb.format(
        x=fmt(large), period=fmt(why.finest_period, 3), width=width, between=between(why)
    )


def steps_text(why: WhyNumbers) -> str:
    """Item 2: one full-batch step against w₀'s basin; "jump" only from one basin width on."""
    steps = (
        _(
            "**Steps jump basins.** At w₀, L' = {grad}, so one full-batch step moves "
            "lr·|L'| = {step}: **{jumps} basin widths**."
        )
        if why.step_in_basins >= 1
        else _(
            "**Steps are shorter than a basin.** At w₀, L' = {grad}, so one full-batch step "
            "moves lr·|L'| = {step}: **{jumps} basin widths**."
        )
    )
    return steps.format(
        grad=fmt(why.grad, 4), step=fmt(why.step, 3), jumps=fmt(why.step_in_basins, 3)
    )


def shout_text(why: WhyNumbers) -> str:
    """Item 3: how much louder the largest share of L' is than the small-|x| ones; "shout"
    only from :data:`SHOUT_RATIO` on."""
    share = "2(sin²(wx)−y)·sin(2wx)·x/N"
    small = fmt(SMALL_X)
    r = why.grad_ratio
    if not np.any(why.abs_x > SMALL_X):
        return _(
            "**No large |x| to shout.** Each share {share} grows with |x|, but every sample "
            "here has |x| ≤ {small}, the working set the loud ones are compared with."
        ).format(share=share, small=small)
    if math.isnan(r) and not np.any(why.abs_x <= SMALL_X):
        return _(
            "**Large |x| only.** Each share {share} grows with |x|; no sample has "
            "|x| ≤ {small} to compare with."
        ).format(share=share, small=small)
    if math.isnan(r):
        return _(
            "**No sample dominates the gradient.** Each share {share} grows with |x|, but at "
            "w₀ every share is 0."
        ).format(share=share)
    if r == math.inf:
        return _(
            "**Large |x| shout.** Each share {share} grows with |x|: every sample with "
            "|x| ≤ {small} has a zero share at w₀, and larger ones do not."
        ).format(share=share, small=small)
    if r >= SHOUT_RATIO:
        return _(
            "**Large |x| shout.** Each share 2(sin²(wx)−y)·sin(2wx)·x/N grows with |x|: {ratio}."
        ).format(
            ratio=_(
                "the largest sample's share of the gradient is **{ratio} times** the largest "
                "among |x| ≤ 5"
            ).format(ratio=fmt(r, 3))
        )
    return _(
        "**Large |x| do not shout here.** Each share {share} grows with |x|, but the largest "
        "is **{ratio} times** the largest among |x| ≤ {small}, below the {threshold} from "
        "which this page says they shout."
    ).format(share=share, ratio=fmt(r, 3), small=small, threshold=fmt(SHOUT_RATIO))


def between(why: WhyNumbers) -> str:
    """The local minima between w₀ and g, counted exactly or as a lower bound, and g itself."""
    n = why.minima_between
    if why.minima_between_exact:
        said = ngettext(
            "**{n} local minimum** lies between w₀ and the nearest global minimum g = {g} ({loss})",
            "**{n} local minima** lie between w₀ and the nearest global minimum g = {g} ({loss})",
            n,
        )
    else:
        said = ngettext(
            "**at least {n} local minimum** lies between w₀ and the nearest global minimum "
            "g = {g} ({loss})",
            "**at least {n} local minima** lie between w₀ and the nearest global minimum "
            "g = {g} ({loss})",
            n,
        )
    return said.format(n=f"{n:,}", g=floor_label(why.floor), loss=loss_text(why.floor))


def float32_text(why: WhyNumbers) -> str:
    """Item 6: what float32 rounding does at g (nothing at g = 0, where g·x = 0 is exact)."""
    loss = fmt(why.float32_loss_at_target, 3)
    if why.target == 0.0:
        return _(
            "**float32.** The float32 loss at g is {loss}: at g = 0 every phase g·x is 0, "
            "exact in float32, whatever the x."
        ).format(loss=loss)
    return _(
        "**float32.** The float32 loss at g is {loss}. Near g, float32 numbers are {spacing} "
        "apart, and rounding the phase g·x moves each term by up to {shift} basin widths: "
        "float32 resolves the minimiser to a tenth of a basin only while max|x| < {max_x}."
    ).format(
        loss=loss,
        spacing=fmt(why.float32_spacing, 3),
        shift=fmt(why.float32_shift_in_basins, 3),
        max_x=fmt(why.float32_max_x, 3),
    )


def loss_text(floor: Floor) -> str:
    """L(g) as the page writes it: exact, or "zero to rounding" within its bound."""
    if floor.exact or not floor.loss <= floor.loss_bound:
        return _("loss {loss}").format(loss=fmt(floor.loss, 2))
    return _("loss below {bound}: zero to rounding").format(
        bound=fmt(floor.loss + floor.loss_bound, 1)
    )


def floor_span(why: WhyNumbers) -> tuple[str, float]:
    """How far either side of g the floor figure reaches: a quarter of g's basin, or the
    finest period where the basin has no edge within π. The name is an English msgid
    (translate it with ``_()`` where it is shown)."""
    if math.isfinite(why.target_basin_width):
        return N_("a quarter basin"), 0.25 * why.target_basin_width
    return N_("the finest period"), why.finest_period


# msgids, translated where shown (reasons)
_FLOOR_CAPTIONS = {
    QUADRATIC: N_(
        "The loss within {span} ({half}) of g: the floor is quadratic, so the slope "
        "vanishes like d and each step near g shrinks the gap by the same factor."
    ),
    QUARTIC: N_(
        "The loss within {span} ({half}) of g: the floor is quartic, so the slope, and "
        "every gradient step, vanishes like d³."
    ),
    NOT_A_MINIMUM: N_("The loss within {span} ({half}) of the located point g."),
    UNDECIDED: N_(
        "The loss within {span} ({half}) of g; float64 derivatives do not decide the "
        "order of its floor."
    ),
}


def from_start(why: WhyNumbers, where: str) -> str:
    """Whether the floor's halving count holds from w₀ (``where`` names it), and how closely."""
    if abs(why.w - why.target) <= why.floor.bound:
        return _("w₀ is g to within g's own bound: there is no gap to halve")
    if not math.isfinite(why.halving_tolerance):
        return _(
            "at w₀{where} the law's slope underflows float64, so the count is not checked"
        ).format(where=where)
    if not why.target_basin[0] < why.w < why.target_basin[1]:
        return _("w₀{where} lies outside g's basin, so the count does not apply to it").format(
            where=where
        )
    tol = f"{fmt(100 * why.halving_tolerance, 2)}%"
    if why.halving_tolerance <= 0.5:
        return _(
            "from w₀{where} the count holds within {tol} (from the law's slope error on the "
            "way to half the gap)"
        ).format(where=where, tol=tol)
    return _(
        "from w₀{where} the law's slope is off by up to {tol} on the way to half the gap, so "
        "the count does not hold from there"
    ).format(where=where, tol=tol)


def floor_text(why: WhyNumbers, w0: float) -> str:
    """Item 5: the order of g's floor, decided from the data, and its law of convergence."""
    f = why.floor
    gap = f"|w₀ − g| = {fmt(abs(w0 - why.target), 3)}"
    if f.kind == QUADRATIC:
        return _(
            "**A quadratic floor.** At g, L'' = {curvature} > 0 (rounding bound {bound}), so "
            "L(g + d) ≈ L(g) + L''d²/2 and {law}."
        ).format(
            curvature=fmt(f.curvature, 4),
            bound=fmt(f.curvature_bound, 1),
            law=_linear_law(why, gap),
        )
    if f.kind == QUARTIC:
        return _quartic_text(why, w0, gap)
    if f.kind == NOT_A_MINIMUM:
        return _(
            "**Not a minimum.** At the located point g, L'' = {curvature} < 0 beyond its "
            "rounding bound {bound}: g is not a minimum of L, and no rate of convergence to "
            "it can be stated."
        ).format(curvature=fmt(f.curvature, 4), bound=fmt(f.curvature_bound, 1))
    return _(
        "**A floor of undecided order.** At g, L'' = {curvature} (±{curvature_bound}), "
        "L''' = {third} (±{third_bound}) and c₄ = L''''(g)/24 = {c4} (±{c4_bound}): these "
        "float64 derivatives prove neither a quadratic floor around g nor a quartic one, so no "
        "rate is stated."
    ).format(
        curvature=fmt(f.curvature, 3),
        curvature_bound=fmt(f.curvature_bound, 1),
        third=fmt(f.third, 3),
        third_bound=fmt(f.third_bound, 1),
        c4=fmt(f.quartic_coef, 3),
        c4_bound=fmt(f.quartic_bound, 1),
    )


def _linear_law(why: WhyNumbers, gap: str) -> str:
    """How gradient descent closes the gap on a quadratic floor, or why it cannot."""
    if math.isfinite(why.halving_steps):
        return _(
            "near g each step multiplies the gap by 1 − ηL'' (ηL'' = {eta_curvature}), so "
            "halving it takes {steps} steps as the gap → 0; {from_start}"
        ).format(
            eta_curvature=fmt(1 - why.rate, 4),
            steps=fmt(why.halving_steps, 3),
            from_start=from_start(why, f" ({gap})"),
        )
    return _(
        "at lr {lr} ≥ 2/L'' = {limit} each step multiplies the gap by 1 − ηL'' = {rate}: it "
        "does not shrink, and gradient descent cannot settle at g"
    ).format(lr=fmt(why.lr), limit=fmt(2 / why.floor.curvature, 3), rate=fmt(why.rate, 4))


def _quartic_text(why: WhyNumbers, w0: float, gap: str) -> str:
    """Item 5 on a quartic floor: L'' = 0 (exactly or within its bound), c₄ and the halving law."""
    f = why.floor
    zero = (
        _("exactly (every residual and its slope vanish at g)")
        if f.exact
        else _(
            "within its bound ±{bound} (rounding and g's own location error: not a finding)"
        ).format(bound=fmt(f.curvature_bound, 1))
    )
    return _(
        "**A flat, quartic floor.** At g, L'' = 0 {zero}, and L(g + d) ≈ L(g) + c₄d⁴ with "
        "c₄ = {model} = {c4}. Gradient descent on c₄d⁴ shrinks d only below {limit}; {halving}."
    ).format(
        zero=zero,
        model="mean(x⁴)" if f.exact else "L''''(g)/24",
        c4=fmt(f.quartic_coef, 4),
        limit=fmt(why.quartic_max_gap, 3),
        halving=quartic_halving_text(why, w0, gap),
    )


def quartic_halving_text(why: WhyNumbers, w0: float, gap: str) -> str:
    """How many steps halve the ``gap`` from ``w0`` on a quartic floor, or why none are stated."""
    if math.isfinite(why.halving_steps):
        return _(
            "halving the gap {gap} takes {steps} steps by this law, each further halving four "
            "times as many; {from_start}"
        ).format(gap=gap, steps=fmt(why.halving_steps, 3), from_start=from_start(why, ""))
    if abs(w0 - why.target) >= why.quartic_max_gap:
        return _("the gap {gap} is wider than that").format(gap=gap)
    return _(
        "the gap {gap} is so small that halving it takes more steps than float64 counts"
    ).format(gap=gap)


def chaos_section(s: Settings) -> None:
    eps = f"{CHAOS_EPS:.0e}"
    key, run = data_key(s), s.plain_run()
    c = cached(get_chaos, key, run)
    # A placeholder: the heading names chaos only once the runs are known to part.
    head = st.empty()
    head.markdown("#### 7. " + chaos_heading(c, eps))
    if c is None:
        cost = swarm_cost(_("two runs"), get_spectrum(key), 2, min(s.epochs, CHAOS_STEPS))
        if not ask(cost, "compute_chaos"):
            return
        bar = Bar()
        bar.phase(_("Running two starts {eps} apart").format(eps=eps), 0, 1)
        c = get_chaos(key, run)
        bar.close()
        head.markdown("#### 7. " + chaos_heading(c, eps))
    st.markdown(chaos_text(c))
    st.plotly_chart(plots.chaos_figure(c), key="chaos")


def parted(c: Chaos) -> bool:
    """Whether the two runs grew apart past the threshold: chaos shown, not assumed."""
    return c.parted_at >= 0


def chaos_heading(c: Chaos | None, eps: str) -> str:
    """Says "Chaos" only once the two runs are known to part; else what the item shows."""
    if c is not None and parted(c):
        return _("Chaos: two starts {eps} apart").format(eps=eps)
    return _("Two starts {eps} apart").format(eps=eps)


def chaos_text(c: Chaos) -> str:
    """How two starts ``c.eps`` apart grow apart, from the runs themselves."""
    if parted(c):
        apart = ngettext(
            "they are more than {threshold} apart after **{steps} step**",
            "they are more than {threshold} apart after **{steps} steps**",
            c.parted_at,
        ).format(threshold=fmt(c.threshold), steps=c.parted_at)
    else:
        steps = c.w.shape[0] - 1
        apart = ngettext(
            "they stay within {threshold} of each other for {steps} step",
            "they stay within {threshold} of each other for {steps} steps",
            steps,
        ).format(threshold=fmt(c.threshold), steps=steps)
    growth = (
        _("the gap grows by a factor e every {efold} steps (rate {rate} per step)").format(
            efold=fmt(c.efold, 3), rate=fmt(c.rate, 3)
        )
        if math.isfinite(c.rate) and c.rate > 0
        else _("the gap does not grow")
    )
    if parted(c):
        text = _(
            "Two full-batch runs from w₀ and w₀ + {eps}, same optimizer and lr: {growth}, and "
            "{parted}. A difference of one float32 rounding decides where the run goes. (These "
            "two runs use the float64 swarm engine with exact gradients, not the float32 "
            "replay.)"
        )
    else:
        text = _(
            "Two full-batch runs from w₀ and w₀ + {eps}, same optimizer and lr: {growth}, and "
            "{parted}. (These two runs use the float64 swarm engine with exact gradients, not "
            "the float32 replay.)"
        )
    return text.format(eps=f"{c.eps:.0e}", growth=growth, parted=apart)
