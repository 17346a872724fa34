"""The Fixes tab: every remedy from the same start on the same data, side by side.

Each remedy is one computation under the page's budget (:mod:`lab.budget`): the
tab runs those within it on its own, one at a time in the tab's order, and shows
each verdict as soon as its run finishes (a bar counts them); a remedy over the
budget waits for a click. Results go into the shared cache
(:func:`~lab.cache.get_remedy`), so the next visitor sees them at once.
"""

from __future__ import annotations

import math

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from landscape import plots
from landscape.accuracy import Verdict
from landscape.remedies import REACHED, RemedyResult

from ..budget import Cost, remedy_cost, scan_cost, within_budget
from ..cache import cached, dataset, get_minima, get_remedy, get_spectrum, get_targets
from ..i18n import _, ngettext
from ..state import REMEDY_VARIANTS, RemedyRun, Settings
from ..text import fmt, plain
from ..upload import data_key
from .gate import Bar, ask
from .scope import say_mse_only

#: A remedy's outcome on the page: its result, or the engine's refusal.
Outcome = RemedyResult | str


def half_pi_multiple(w: float) -> str:
    """``w = (2k + 1) pi / 2`` written as "π/2", "3π/2", "−π/2"..."""
    odd = round(2 * w / math.pi)
    sign = "−" if odd < 0 else ""
    return f"{sign}{abs(odd) if abs(odd) != 1 else ''}π/2"


def target_text(r: RemedyResult) -> str:
    """ "= π/2" where the data make the target exact, else "≈" it located to 6 digits."""
    return f"= {half_pi_multiple(r.target)}" if r.exact_target else f"≈ {fmt(r.target, 6)}"


def solves_text(r: RemedyResult) -> str:
    """ "solves it" or "does not solve it", with the samples classified."""
    v = r.verdict
    if v.solved:
        return ngettext(
            "**solves it**: classifies all {n} training sample",
            "**solves it**: classifies all {n} training samples",
            v.n,
        ).format(n=f"{v.n:,}")
    return ngettext(
        "**does not solve it**: classifies {correct} of {n} training sample",
        "**does not solve it**: classifies {correct} of {n} training samples",
        v.n,
    ).format(correct=f"{v.correct:,}", n=f"{v.n:,}")


def global_text(r: RemedyResult) -> str:
    """Where the run ended, and whether at a global minimum where the data let us know."""
    numbers = {"w": fmt(r.final_w, 8), "d": fmt(r.distance, 2), "target": target_text(r)}
    if r.at_global_minimum is None:
        return _(
            "ends at w = {w}, {d} from the lowest minimum found nearby, w* {target}; whether "
            "that is global is unknown for x that are not whole"
        ).format(**numbers)
    if r.at_global_minimum:
        return _(
            "at a global minimum: ends at w = {w}, {d} from the global minimum w* {target}"
        ).format(**numbers)
    return _("not at one: ends at w = {w}, {d} from the global minimum w* {target}").format(
        **numbers
    )


def verdict_line(method: str, outcome: Outcome) -> str:
    """One remedy's Markdown list item: verdict first, then its claim and whether it held.

    ``method`` is the URL value; the line names it in the page's language.
    """
    name = _(method)
    if isinstance(outcome, str):  # the engine's refusal, in English as it raised it
        return "- " + _("**{method}**: not run on these data: {reason}").format(
            method=name, reason=plain(outcome)
        )
    verdict = _("**{method}**: {solves}; {where}.").format(
        method=name, solves=solves_text(outcome), where=global_text(outcome)
    )
    if outcome.claim_holds:
        claim = _("Its claim: “{claim}” This holds on this run.")
    else:
        claim = _("Its claim: “{claim}” This does **not** hold on this run.")
    return f"- {verdict}  \n  " + claim.format(claim=plain(outcome.claim))


def short(value: float) -> str:
    """``value`` in 2 significant digits as "1.2e−2": short, and no line break inside."""
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{mantissa}e{int(exponent)}".replace("-", "−")


def loss_text(r: RemedyResult) -> str:
    """The final full-data loss, or "< bound" where it is below its float64 rounding bound."""
    if r.final_loss <= r.loss_bound:
        return f"< {short(r.loss_bound)}"
    return short(r.final_loss)


def table_row(method: str, r: RemedyResult) -> dict[str, str]:
    """The numbers of one result, as short texts (the list above has the rest)."""
    at = r.at_global_minimum
    yes, no = _("yes"), _("no")
    return {
        _("remedy"): _(method),
        _("solves it"): yes if r.solved else no,
        _("global min."): _("unknown") if at is None else (yes if at else no),
        "|w − w*|": short(r.distance),
        _("full-data loss"): loss_text(r),
    }


def draw_results(outcomes: dict[str, Outcome], lines: DeltaGenerator) -> None:
    """The verdict list and the numbers, for the remedies finished so far.

    A static table (``st.table``) wraps its cells, so that every column stays
    readable from a phone's width up; an interactive grid would cut them off.
    """
    with lines.container():
        st.markdown("\n".join(verdict_line(m, o) for m, o in outcomes.items()))
        rows = [table_row(m, o) for m, o in outcomes.items() if isinstance(o, RemedyResult)]
        if rows:
            st.table(rows)


def run_remedies(s: Settings, lines: DeltaGenerator) -> tuple[dict[str, Outcome], bool]:
    """Every remedy's outcome that may be computed now, and whether the charts may scan.

    Cached results come at once; a remedy whose own cost is within the budget
    runs without a click, one at a time, each drawn as it finishes. The
    remedies over the budget, and the charts' minima scan if it is over the
    budget too, wait for one button that then runs them all.
    """
    key, data = data_key(s), dataset(data_key(s))
    outcomes: dict[str, Outcome] = {}
    todo: list[str] = []
    for method in REMEDY_VARIANTS:
        result = cached(get_remedy, key, RemedyRun(method, s.w0))
        if result is None:
            todo.append(method)
        else:
            outcomes[method] = result
    scan = scan_cost(data) if cached(get_minima, key, s.lo, s.hi) is None else Cost()
    heavy = [m for m in todo if not within_budget(remedy_cost(data, m))]
    waiting = sum((remedy_cost(data, m) for m in heavy), Cost())
    waiting = waiting if within_budget(scan) else waiting + scan
    scan_ok = True
    if waiting.parts and not ask(waiting, "compute_fixes"):
        todo = [m for m in todo if m not in heavy]
        scan_ok = within_budget(scan)
    if todo:
        bar = Bar()
        draw_results(outcomes, lines)
        for i, method in enumerate(todo):
            bar.phase(_("Running the remedies: {method}").format(method=_(method)), i, len(todo))
            try:
                outcomes[method] = get_remedy(key, RemedyRun(method, s.w0))
            except ValueError as exc:  # the engine refuses these data, naming why
                outcomes[method] = str(exc)
            draw_results(_in_order(outcomes), lines)
        bar.close()
    return _in_order(outcomes), scan_ok


def _in_order(outcomes: dict[str, Outcome]) -> dict[str, Outcome]:
    return {m: outcomes[m] for m in REMEDY_VARIANTS if m in outcomes}


def fixes_tab(s: Settings) -> None:
    say_mse_only(s, _("The remedies"))
    st.markdown(
        "#### "
        + _("Remedies, side by side, from w₀ = {w0} on the same data").format(w0=fmt(s.w0, 6))
    )
    st.caption(
        _(
            "Solves it: {criterion}. At a global minimum: within {reached} of the lowest "
            "minimum of the exact loss (known to be global when every x is whole: the loss then "
            "has period π). Each remedy runs with its own optimizer, learning rate and steps, "
            "stated in its claim; a claim says what the run demonstrates, and is checked on these "
            "data. Choose one as the Method in the control panel to animate it on the Landscape "
            "tab."
        ).format(criterion=_(Verdict.CRITERION), reached=f"{REACHED:g}")
    )
    lines = st.empty()
    outcomes, scan_ok = run_remedies(s, lines)
    draw_results(outcomes, lines)
    waiting = [m for m in REMEDY_VARIANTS if m not in outcomes]
    if waiting:
        st.caption(_("Not run yet: {methods}.").format(methods=", ".join(map(_, waiting))))
    results = {m: o for m, o in outcomes.items() if isinstance(o, RemedyResult)}
    if not (results and scan_ok):
        return
    key = data_key(s)
    names = [_(m) for m in results]
    st.plotly_chart(
        plots.remedies_figure(
            get_spectrum(key),
            s.lo,
            s.hi,
            list(results.values()),
            names,
            found=get_targets(key, s.lo, s.hi),
        ),
        key="remedies",
        config={"displaylogo": False},
    )
    st.caption(_("Each path at its exact full-data loss; diamonds mark where each run ended."))
    st.plotly_chart(
        plots.progress_figure(list(results.values()), names, [r.target for r in results.values()]),
        key="progress",
        config={"displaylogo": False},
    )
    st.caption(
        _(
            "Distance from each run to the minimum w* nearest its end, step by step (log scale): "
            "the remedies that work keep falling; the others level off a wrong basin away."
        )
    )
