"""The Notebook tab: what the question's notebook prints, for the run of the settings.

The per-epoch table (epoch, loss, val loss, weight), the plot of w against its
target, the right/wrong strip with its count, the accuracies, and every loss's
landscape on the window: the numbers a student finds in their own notebook,
and the answer to "would another loss help?".
"""

from __future__ import annotations

import math

import numpy as np
import streamlit as st

from landscape.accuracy import MAX_ABS_W, Verdict
from landscape.losses import MAX_PAIR_POINTS, Located, LossLandscape, direct_grid, pair_count
from landscape.notebook import epoch_csv, epoch_rows, notebook_text
from landscape.parity import MAX_MARKS, PER_ROW, START, STOP, strip
from landscape.plots.losses import losses_figure
from landscape.plots.parity import strip_figure, weight_figure
from landscape.train import Trajectory
from landscape.window import ZERO_LOSS

from ..budget import Cost, Part, run_cost, scan_cost
from ..cache import (
    cached,
    compute_run,
    dataset,
    get_loss_landscapes,
    get_minima,
    get_nearest_global,
    get_run,
    get_spectrum,
    get_verdict,
    validation,
    validation_note,
)
from ..i18n import _, ngettext
from ..state import METHOD_NONE, Settings
from ..text import fmt, plain
from ..upload import data_key
from .gate import Bar, ask

#: Seconds of server CPU per (grid point x distinct pair) of one direct loss
#: landscape: time.process_time, best of 5 on the question's scan grid (3563
#: points x 650 pairs), load ~8: l1 2.3e-8, huber 3.5e-8, bce 4.8e-8.
LOSS_PAIR_POINT_S = 4e-8


def _prepare(s: Settings) -> Trajectory | None:
    """The plain run of the settings: from the cache, within budget, or after a click."""
    key, run = data_key(s), s.plain_run()
    if (found := cached(get_run, key, run)) is not None:
        return found
    if not ask(run_cost(dataset(key), run), "compute_notebook"):
        return None
    bar = Bar()
    result = compute_run(key, run, bar.counter(_("Training")))
    bar.close()
    return result


def _target(s: Settings, w_end: float) -> tuple[float | None, str]:
    """pi/2 where it solves the data in use; else the global minimum nearest the run's end."""
    spec = get_spectrum(data_key(s))
    if spec.evaluate(np.array([math.pi / 2]), 0)[0] < ZERO_LOSS:
        label = _("π/2 = {w} (a solution: loss 0 on these data)")
        return math.pi / 2, label.format(w=f"{math.pi / 2:.8f}")
    g, is_global = get_nearest_global(data_key(s), w_end)
    if not math.isfinite(g):
        return None, _("no target: no minimum found near the run's end")
    if is_global:
        label = _("π/2 solves nothing here; nearest global minimum (loss 0): w* = {w}")
    else:
        label = _("π/2 solves nothing here; nearest lowest minimum near it: w* = {w}")
    return g, label.format(w=fmt(g, 9))


def _table_section(s: Settings, run: Trajectory, shown: int) -> None:
    rows = epoch_rows(run)
    # The page's column titles; the CSV download keeps its machine names (epoch_csv).
    epoch = _("epoch")
    table = {epoch: [r.epoch for r in rows], _("loss"): [r.loss for r in rows]}
    if run.val_loss is not None:
        table[_("val loss")] = [r.val_loss for r in rows]
    table[_("weight")] = [r.weight for r in rows]
    if run.val_loss is not None:
        printout = ngettext(
            "**The notebook's printout**: {n} epoch, each `Loss`, `Val Loss` and `Weight` "
            "after its step, to the digits torch reports.",
            "**The notebook's printout**: {n} epochs, each `Loss`, `Val Loss` and `Weight` "
            "after its step, to the digits torch reports.",
            len(rows),
        )
    else:
        printout = ngettext(
            "**The notebook's printout**: {n} epoch, each `Loss` and `Weight` after its "
            "step, to the digits torch reports.",
            "**The notebook's printout**: {n} epochs, each `Loss` and `Weight` after its "
            "step, to the digits torch reports.",
            len(rows),
        )
    st.markdown(printout.format(n=f"{len(rows):,}"))
    st.dataframe(
        table,
        hide_index=True,
        height=240,
        column_config={
            c: st.column_config.NumberColumn(format="%.8f") for c in table if c != epoch
        },
    )
    st.caption(plain(validation_note(data_key(s))))
    left, right = st.columns(2)
    # Downloads are written on click: the step slider reruns the tab, and a long
    # run's CSV and printout cost tens of ms each to format.
    left.download_button(
        _("Download the table (CSV)"),
        lambda: epoch_csv(run),
        file_name="notebook_epochs.csv",
        mime="text/csv",
        key="nb_table_csv",
    )
    # The printout as the student's script prints it, character for character: English
    # in every language (notebook_text), so that it compares with their own output.
    right.download_button(
        _("Download the printout (text)"),
        lambda: notebook_text(run),
        file_name="notebook_printout.txt",
        mime="text/plain; charset=utf-8",
        key="nb_printout",
    )
    epochs = run.epoch_states[1:]
    target, label = _target(s, float(run.w[-1]))
    # The last epoch completed by the step shown (none before the first).
    current = int(np.searchsorted(run.epoch_states, shown, side="right")) - 2
    fig = weight_figure(
        np.arange(epochs.size),
        run.w[epochs],
        target,
        label,
        current=current if current >= 0 else None,
    )
    st.plotly_chart(fig, key="nb_weights", config={"displaylogo": False})
    st.caption(_("`plt.plot(weights)` beside the target line: {label}.").format(label=label))


def _strip_section(s: Settings, w: float) -> None:
    if abs(w) > MAX_ABS_W:
        st.info(
            _(
                "The weight shown, w = {w}, is beyond |w| ≤ {limit}, where the strip and the "
                "accuracies are computed: pick an earlier step."
            ).format(w=f"{w:.8g}", limit=f"{MAX_ABS_W:g}")
        )
        return
    left, right = st.columns(2)
    start = left.number_input(
        _("Strip from x ="),
        value=START,
        min_value=-(10**9),
        max_value=10**9,
        step=60,
        key="nb_from",
    )
    stop = right.number_input(
        _("to x (exclusive)"), value=STOP, min_value=-(10**9), max_value=10**9, step=60, key="nb_to"
    )
    if not 0 < stop - start <= MAX_MARKS:
        st.warning(
            _("The strip needs 1 to {most} integers (to > from); showing 0..1499.").format(
                most=f"{MAX_MARKS:,}"
            )
        )
        start, stop = START, STOP
    marks = strip(w, int(start), int(stop), PER_ROW)
    marked = ngettext(
        "**{correct} of {total}** integer {first}..{last} marked right (**{percent} %**) at "
        "w = {w}: ✅ where the float32 `pred < 0.5` agrees with `x % 2 == 0`, as the "
        "notebook's last cell checks.",
        "**{correct} of {total}** integers {first}..{last} marked right (**{percent} %**) at "
        "w = {w}: ✅ where the float32 `pred < 0.5` agrees with `x % 2 == 0`, as the "
        "notebook's last cell checks.",
        marks.total,
    )
    st.markdown(
        marked.format(
            correct=f"{marks.correct:,}",
            total=f"{marks.total:,}",
            first=f"{int(start):,}",
            last=f"{int(stop) - 1:,}",
            percent=f"{100 * marks.fraction:.2f}",
            w=f"{w:.8f}",
        )
    )
    st.plotly_chart(strip_figure(marks), key="nb_strip", config={"displaylogo": False})
    st.caption(
        _(
            "{per_row} marks per row, as printed (a row ends after each x with (x + 1) % "
            "{per_row} = 0); hover a cell for x and its prediction. The strip checks parity "
            "whatever the training labels are; the accuracies below use the labels."
        ).format(per_row=PER_ROW)
    )
    # The strip as the script prints it (Strip.text), not translated: the marks and line breaks
    # of the student's own output.
    st.download_button(
        _("Download the strip (text, as printed)"),
        marks.text,
        file_name="notebook_strip.txt",
        mime="text/plain; charset=utf-8",
        key="nb_strip_txt",
    )
    data = dataset(data_key(s))
    on_training = ngettext(
        "On the training set: **{correct} of {n}** sample classified (**{percent} %**; the "
        "prediction on the label's side of 0.5).",
        "On the training set: **{correct} of {n}** samples classified (**{percent} %**; the "
        "prediction on the label's side of 0.5).",
        data.n,
    )
    words = [_accuracy(on_training, get_verdict(data_key(s), w))]
    val = validation(data_key(s))
    if val is not None:
        on_validation = ngettext(
            "On the validation set: **{correct} of {n}** sample classified (**{percent} %**; "
            "the prediction on the label's side of 0.5).",
            "On the validation set: **{correct} of {n}** samples classified (**{percent} %**; "
            "the prediction on the label's side of 0.5).",
            val.n,
        )
        words.append(_accuracy(on_validation, get_verdict(data_key(s), w, held_out=True)))
    st.markdown(" ".join(words))


def _accuracy(sentence: str, v: Verdict) -> str:
    """``sentence`` (translated, with placeholders correct, n, percent) for verdict ``v``."""
    return sentence.format(
        correct=f"{v.correct:,}", n=f"{v.n:,}", percent=f"{100 * v.fraction:.2f}"
    )


def _losses_cost(s: Settings) -> Cost:
    data = dataset(data_key(s))
    if cached(get_loss_landscapes, data_key(s), s.lo, s.hi, s.delta) is not None:
        return Cost()
    pairs = pair_count(data)
    work = 3.0 * direct_grid(data, s.lo, s.hi).w.size * pairs
    part = Part(
        _("three direct float64 loss landscapes"),
        work,
        _("point-pairs"),
        work * LOSS_PAIR_POINT_S,
    )
    scan = cached(get_minima, data_key(s), s.lo, s.hi) is None
    return Cost((part,)) + (scan_cost(data) if scan else Cost())


def _grid_sentence(land: LossLandscape) -> str:
    grid = land.grid
    if land.loss == "mse":
        sentence = _("mse: the exact series on {points} points")
    elif grid.kind == "dense":
        sentence = _("{loss}: {points} points of the Landscape tab's dense grid")
    elif grid.kind == "scan":
        sentence = _(
            "{loss}: {points} points of the scan grid (1/16 of the shortest period; the dense "
            "grid would pass the cap)"
        )
    else:
        sentence = _(
            "{loss}: {points} points of a thinned grid that does not resolve every basin "
            "(minima not counted)"
        )
    return sentence.format(loss=land.loss, points=f"{grid.w.size:,}")


def _losses_section(s: Settings, w: float) -> None:
    st.markdown("#### " + _("Would another loss help?"))
    if not ask(_losses_cost(s), "compute_notebook_losses"):
        return
    with st.spinner(_("Computing every loss's landscape...")):
        pairs_done = get_loss_landscapes(data_key(s), s.lo, s.hi, s.delta)
    lands = [p[0] for p in pairs_done]
    combs = [p[1] for p in pairs_done]
    lowest = [p[2] for p in pairs_done]
    data = dataset(data_key(s))
    st.plotly_chart(
        losses_figure(lands, combs, s.lo, s.hi, current=w if s.lo <= w <= s.hi else None),
        key="nb_losses",
        config={"displaylogo": False},
    )
    period = math.pi / data.max_abs_x
    smooth = [c for c in combs if c.loss != "bce" and c.complete and c.count >= 2]
    ratios = ", ".join(f"{c.loss} {fmt(c.ratio, 3)}" for c in smooth)
    sentence = [
        _(
            "**The comb comes from the model's frequencies, not the loss.** Every term of every "
            "loss is a function of sin²(w·x), of period π/|x| in w; the largest |x| here, "
            "{max_x}, makes π/max|x| = {period}."
        ).format(max_x=fmt(data.max_abs_x), period=fmt(period, 4))
    ]
    if smooth:
        sentence.append(
            _(
                "Measured on these data in [{lo}, {hi}], the mean spacing of the local minima "
                "(the mean basin width) is, in units of π/max|x|: {ratios}."
            ).format(lo=fmt(s.lo), hi=fmt(s.hi), ratios=ratios)
        )
    bce = next((c for c in combs if c.loss == "bce"), None)
    if bce is not None and bce.count:
        sentence.append(
            _(
                "BCE's logs add a pole wherever a model output sin²(w·xᵢ) reaches 0 or 1 against "
                "its label (w = kπ/|xᵢ| where yᵢ ≠ 0, w = (k + ½)π/|xᵢ| where yᵢ ≠ 1): {poles} "
                "distinct poles here, each gap holding a minimum, so ≥ {count} minima {spacing} "
                "apart on average (MSE: {mse})."
            ).format(
                poles=f"{bce.count + 1:,}",
                count=f"{bce.count:,}",
                spacing=fmt(bce.mean_spacing, 3),
                mse=f"{combs[0].count:,}",
            )
        )
    if "bce" not in [c.loss for c in combs]:
        sentence.append(
            _("BCE is left out: it needs every label in [0, 1] (torch refuses others).")
        )
    st.markdown(" ".join(sentence))
    pairs = pair_count(data)
    st.caption(
        _(
            "Grids: {grids}. The direct float64 sums run over the {pairs} distinct (x, y) pairs, "
            "capped at {cap} (point × pair) evaluations per loss. Huber's delta is {delta}. '≥' "
            "marks counts that are lower bounds (poles or kinks closer than a grid step)."
        ).format(
            grids="; ".join(_grid_sentence(land) for land in lands),
            pairs=f"{pairs:,}",
            cap=f"{MAX_PAIR_POINTS:,}",
            delta=fmt(s.delta),
        )
    )
    _lowest_minima(lands, lowest)


def _lowest_minima(lands: list[LossLandscape], lowest: list[Located]) -> None:
    rows = []
    for land, found in zip(lands, lowest, strict=True):
        if found.w.size == 0:
            continue
        digits = found.digits(0)
        within = found.within[0]
        where = f"{found.w[0]:.{digits}f}" if np.isfinite(within) else fmt(found.w[0], 8)
        bound = f"± {within:.0e}" if np.isfinite(within) else _("not certified")
        at = float(found.loss[0])
        value = f"L = {fmt(at, 4)}" if abs(at) >= ZERO_LOSS else f"|L| < {ZERO_LOSS:g}"
        rows.append(f"{land.loss}: w = {where} ({bound}), {value}")
    if rows:
        st.caption(
            _(
                "Lowest minimum of each loss in the window (golden-section search in its grid "
                "cell; '±' is the offset at which L rises on both sides in float64): {minima}."
            ).format(minima="; ".join(rows))
        )


def notebook_tab(s: Settings) -> None:
    """Draws the tab for settings ``s``: always the plain run (the notebook trains plainly)."""
    run = _prepare(s)
    if run is None:
        return
    if s.method != METHOD_NONE:
        st.info(
            _(
                "The notebook trains the question's model plainly: this tab shows the plain run "
                "of these settings, not the remedy '{method}' of the Landscape tab."
            ).format(method=_(s.method))
        )
    shown = st.slider(
        _("Step shown"),
        0,
        max(run.steps, 1),
        run.steps,
        key="nb_step",
        help=_("The weight after this many optimizer steps; the strip and accuracies follow it."),
        disabled=run.steps == 0,
    )
    shown = min(shown, run.steps)
    w = float(run.w[shown])
    # The printout's line is the script's own output, in English in every language.
    printout = f"Weight: {w:.8f} (target: {math.pi / 2:.8f})"
    head = ngettext(
        "**{steps} step of `{opt}`** (lr {lr}, loss `{loss}`) from w₀ = {w0}. After step "
        "{shown}: `{printout}`, as the notebook prints it.",
        "**{steps} steps of `{opt}`** (lr {lr}, loss `{loss}`) from w₀ = {w0}. After step "
        "{shown}: `{printout}`, as the notebook prints it.",
        run.steps,
    ).format(
        steps=run.steps,
        opt=s.opt,
        lr=fmt(s.lr),
        loss=s.loss,
        w0=fmt(s.w0, 6),
        shown=shown,
        printout=printout,
    )
    if run.diverged:
        head += " " + _("The run **diverged** at step {step}.").format(step=run.diverged_at)
    st.markdown(head)
    left, right = st.columns([1, 1], gap="medium")
    with left:
        _table_section(s, run, shown)
    with right:
        _strip_section(s, w)
    _losses_section(s, w)
