"""The Why tab: each reason gradient descent fails, with the numbers of the data in use."""

from __future__ import annotations

import math

import streamlit as st

from landscape import plots
from landscape.why import sample_extremes

from ..budget import scan_cost, swarm_cost
from ..cache import CHAOS_EPS, CHAOS_STEPS, cached, dataset, get_chaos, get_spectrum, get_why
from ..state import Settings
from ..text import fmt
from ..upload import data_key
from .gate import Bar, ask


def why_tab(s: Settings) -> None:
    data = dataset(data_key(s))
    if data.max_abs_x == 0:
        st.info("Every x is 0: the loss does not depend on w, and there is nothing to explain.")
        return
    why = cached(get_why, data_key(s), s.w0, s.lr)
    if why is None:
        # Basins, the nearest solution and its neighbours: scans of the series, like the minima's.
        if not ask(scan_cost(data), "compute_why"):
            return
        bar = Bar()
        bar.phase("Computing the why-numbers (basins, curvature, the nearest solution)", 0, 1)
        why = get_why(data_key(s), s.w0, s.lr)
        bar.close()
    st.markdown(f"#### Why gradient descent fails here, at w₀ = {fmt(s.w0, 6)} with lr {fmt(s.lr)}")
    # One formula per line: a phone is ~20 symbols wide.
    st.latex(r"L(w)=\frac1N\sum_i r_i^2,\quad r_i=\sin^2(w x_i)-y_i")
    st.latex(r"L'(w)=\frac2N\sum_i r_i\,\sin(2wx_i)\,x_i")
    st.markdown(
        f"1. **A comb of minima.** Sample i's term has period π/xᵢ in w; the largest x gives "
        f"the finest, π/{fmt(data.max_abs_x)} = {fmt(why.finest_period, 3)}. The basin "
        f"around w₀ is {fmt(why.current_basin_width, 3)} wide, and **{why.minima_between} local "
        f"minima** lie between w₀ and the nearest solution g = {fmt(why.target, 10)} "
        f"(loss {fmt(why.target_loss, 2)})."
    )
    st.markdown(
        f"2. **Steps jump basins.** At w₀, L' = {fmt(why.grad, 4)}, so one full-batch step "
        f"moves lr·|L'| = {fmt(why.step, 3)}: **{fmt(why.step_in_basins, 3)} basin widths**."
    )
    ratio = (
        f"the largest sample's share of the gradient is **{fmt(why.grad_ratio, 3)} times** the "
        "largest among x ≤ 5"
        if math.isfinite(why.grad_ratio)
        else "no sample has x ≤ 5 to compare with"
    )
    st.markdown(
        f"3. **Large x shout.** Each share 2(sin²(wx)−y)·sin(2wx)·x/N grows with x: {ratio}."
    )
    stable = (
        f"gradient descent is stable near w₀ only for lr < 2/L'' = {fmt(why.max_stable_lr, 3)}"
        if math.isfinite(why.max_stable_lr)
        else "L'' ≤ 0 there: w₀ sits on a concave stretch, where no learning rate settles"
    )
    st.markdown(f"4. **Curvature.** L''(w₀) = {fmt(why.curvature, 4)}: {stable}.")
    st.latex(r"w_{k+1}-g\approx(1-\eta L'')\,(w_k-g)")
    gap = abs(s.w0 - why.target)
    halving = (
        f"halving the gap |w₀ − g| = {fmt(gap, 3)} takes {fmt(why.halving_steps, 3)} steps, "
        "and each further halving four times as many"
        if math.isfinite(why.halving_steps)
        else f"the gap |w₀ − g| = {fmt(gap, 3)} is wider than that"
    )
    st.markdown(
        f"5. **A flat, quartic floor.** At g, L'' = {fmt(why.target_curvature, 2)} (against "
        f"|L''(w₀)| = {fmt(abs(why.curvature), 3)}) and L(g + d) ≈ c₄d⁴ with "
        f"c₄ = L''''(g)/24 = {fmt(why.quartic_coef, 4)}. Gradient descent on c₄d⁴ shrinks d only "
        f"below {fmt(why.quartic_max_gap, 3)}; {halving}."
    )
    st.latex(r"d_{k+1}=d_k\,(1-4\eta c_4 d_k^2)")
    st.markdown(
        f"6. **float32.** Near g, float32 numbers are {fmt(why.float32_spacing, 3)} apart, and "
        f"rounding the phase g·x moves each term by up to {fmt(why.float32_shift_in_basins, 3)} "
        f"basin widths; the float32 loss at the exact solution is "
        f"{fmt(why.float32_loss_at_target, 3)}. It resolves the minimiser to a tenth of a basin "
        f"only while max x < {fmt(why.float32_max_x, 3)}."
    )
    small, large = sample_extremes(data)
    half = 8 * math.pi / large
    c1, c2 = st.columns(2)
    with c1:
        st.plotly_chart(
            plots.sample_terms_figure(data, [small, large], s.w0 - half, s.w0 + half),
            key="terms",
        )
        st.caption(
            f"Two samples' loss terms around w₀: x = {fmt(small)} (period {fmt(math.pi / small, 3)}) "
            f"and x = {fmt(large)} (period {fmt(math.pi / large, 3)})."
        )
    with c2:
        st.plotly_chart(plots.sample_grads_figure(why.x, why.sample_grads, s.w0), key="grads")
        st.caption("Each sample's share of L'(w₀) against its x: the envelope grows like x.")
    half_width = 0.25 * why.target_basin_width
    st.plotly_chart(
        plots.quartic_figure(get_spectrum(data_key(s)), why.target, why.quartic_coef, half_width),
        key="quartic",
    )
    st.caption(
        f"The loss within a quarter basin ({fmt(half_width, 3)}) of g: the floor is quartic, "
        "so the slope, and every gradient step, vanishes like d³."
    )
    chaos_section(s)


def chaos_section(s: Settings) -> None:
    st.markdown(f"#### 7. Chaos: two starts {CHAOS_EPS:.0e} apart")
    key, run = data_key(s), s.plain_run()
    c = cached(get_chaos, key, run)
    if c is None:
        cost = swarm_cost("two runs", get_spectrum(key), 2, min(s.epochs, CHAOS_STEPS))
        if not ask(cost, "compute_chaos"):
            return
        bar = Bar()
        bar.phase(f"Running two starts {CHAOS_EPS:.0e} apart", 0, 1)
        c = get_chaos(key, run)
        bar.close()
    parted = (
        f"they are more than {fmt(c.threshold)} apart after **{c.parted_at} steps**"
        if c.parted_at >= 0
        else f"they stay within {fmt(c.threshold)} of each other for {c.w.shape[0] - 1} steps"
    )
    growth = (
        f"the gap grows by a factor e every {fmt(c.efold, 3)} steps (rate {fmt(c.rate, 3)} per step)"
        if math.isfinite(c.rate) and c.rate > 0
        else "the gap does not grow"
    )
    st.markdown(
        f"Two full-batch runs from w₀ and w₀ + {c.eps:.0e}, same optimizer and lr: {growth}, and "
        f"{parted}. A difference of one float32 rounding decides where the run goes. (These "
        "two runs use the float64 swarm engine with exact gradients, not the float32 replay.)"
    )
    st.plotly_chart(plots.chaos_figure(c), key="chaos")
