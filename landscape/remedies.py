"""Remedies: runnable strategies against the comb of local minima, each with a claim.

Every remedy starts from ``w0``, runs a real ``torch.optim`` optimizer (or, for
the global search, an exact numerical method) on the data in use, with the
data's own labels, and returns a :class:`RemedyResult`: the iterates, the
full-data loss along them, the verdict of :func:`landscape.accuracy.verdict`
(does the end point classify every training sample?), whether it is at a global
minimum, and a one-line claim of what the run demonstrates with whether it held
on this run. Nothing assumes parity labels or x >= 0: subsets are chosen by
``|x|``, targets are located on the data's exact loss (and snapped to the exact
``pi/2 + k pi`` only when every x is whole and every label is ``|x| mod 2``),
and every remedy gives the same result for ``x`` and ``-x`` (the loss depends
on ``|x|`` only). ``tests/test_remedies.py`` checks the claims with independent
computations.

The torch runs use the caller's torch thread count (the app pins one,
:data:`landscape.train.TORCH_THREADS`).

What the runs show on the question's data (1000 integers in [0, 1000), seed 0,
from w0 = 1.5):

- :func:`small_x`: the six samples of smallest |x| (0, 0, 3, 3, 4, 4) train
  fine, but stop outside the full data's basin (+-2e-3 around pi/2): the
  full-data loss stays ~0.4.
- :func:`curriculum`: growing the data |x| < m by doubling m from 6 reaches
  |w - pi/2| ~ 5e-5 and a full-data loss ~1e-6 in float32 (NOTES: 4e-5, 5e-7 in float64).
- :func:`normalised_gradient`: dividing each sample's gradient by |x| tames the
  step but keeps the comb: SGD settles in the nearest wrong basin, w ~ 1.501.
- :func:`adam`: per-parameter step normalisation does not help either.
- :func:`global_search`: a dense grid finds pi/2's basin; Newton on the exact
  series finishes to ~1e-8.
- :func:`complex_surrogate`: Hayes et al.'s complex surrogate widens the basin
  of convergence to |w0 - pi/2| <= 0.055 (26x), not enough from 1.5 (0.071),
  where it collapses into |z| < 1; started on |x| < 64 and grown like the
  curriculum, it converges (~3e-5 from pi/2).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import torch

from . import deferred
from .accuracy import Verdict, verdict
from .checks import check_int, check_real
from .data import Dataset, readonly
from .deferred import Message
from .i18n import N_
from .optim import MAX_LR
from .spectrum import MAX_ABS_W, MAX_POINTS, Spectrum
from .surface import as_spectrum, loss_curve, newton_path, search_grid, search_step
from .train import Trajectory, train
from .why import basin, nearest_global_minimum

#: "Reached a solution": within this distance in w of a global minimum.
REACHED = 1e-4

#: "Reached a solution": full-data loss below this.
REACHED_LOSS = 1e-5

#: Most optimizer steps any remedy runs (per stage for staged remedies).
MAX_REMEDY_STEPS = 100_000

#: A located minimum within this of the exact ``pi/2 + k pi`` of parity data is that zero.
SNAP = 1e-6

# log of the largest |z|^|x| kept clear of float64 overflow (e^709 ~ 8e307).
_LOG_OVERFLOW = 700.0


def parity_solution(data: Dataset, w: float) -> float | None:
    """The exact zero ``pi/2 + k pi`` of L nearest ``w``, when the data make it known.

    Known when every x is a whole number and every label is exactly
    ``|x| mod 2`` (parity labels, either sign of x): then
    ``sin^2((pi/2 + k pi) x) = |x| mod 2`` for every sample and L = 0 there.
    None otherwise (other labels, label noise, real x). Such data may have
    other zeros too (e.g. w = 0 when every x is even), so callers compare with
    the located minimum before using it.
    """
    if not (data.is_integer and np.array_equal(data.y, np.abs(data.x) % 2)):
        return None
    return float(np.pi / 2 + np.pi * np.round((w - np.pi / 2) / np.pi))


@dataclass(frozen=True, eq=False)
class RemedyResult:
    """One remedy's run and the claim it demonstrates.

    Attributes
    ----------
    name : str
        Short label ("curriculum", "adam", ...).
    claim_message : Message
        One sentence with the run's settings and what it shows, untranslated
        (the result is shared by sessions in every language); :attr:`claim`
        is its text in the current language. Checked by the tests.
    claim_holds : bool
        Whether the claim's numerical condition held on this run.
    w : ndarray
        Every iterate, ``w[0] = w0`` (float32 values for torch runs; for the
        complex surrogate the real model's equivalent ``arg(z) / 2``, unwrapped).
    exact_loss : ndarray
        The full-data loss ``L(w)`` at each iterate, exact float64 series: the
        common yardstick of all remedies.
    own_loss : ndarray
        The objective the remedy actually minimised at each iterate (its stage's
        data, its weighted loss, its surrogate...), as its optimizer saw it.
    stage_starts : tuple of int
        Index into ``w`` where each stage begins (``(0,)`` for one stage).
    stage_messages : tuple of Message
        A label per stage, untranslated, e.g. ``"|x| < 48 (43 samples), lr 3.2e-04"``;
        :attr:`stage_labels` in the current language.
    runs : tuple of Trajectory
        The :func:`~landscape.train.train` runs behind ``w``, one per stage;
        empty for remedies that cannot use it (a weighted loss, a complex
        parameter, Newton's method).
    target : float
        The lowest minimum of the full data's exact loss nearest the final w,
        within half a period either side (:func:`~landscape.why.nearest_global_minimum`);
        the exact ``pi/2 + k pi`` when :func:`parity_solution` knows it and the
        located minimum lies within :data:`SNAP` of it.
    target_basin : tuple of float
        Its basin of attraction (the local maxima either side).
    verdict : Verdict
        :func:`landscape.accuracy.verdict` of the final w on the full data:
        how many training samples the float32 model classifies.
    global_known : bool
        Whether ``target`` is known to be a global minimum of L: every x whole,
        so that L has period pi and the search window holds a whole period.
    exact_target : bool
        Whether ``target`` is the exact zero of :func:`parity_solution`.
    loss_bound : float
        A bound on the float64 rounding error of :attr:`final_loss`
        (:meth:`~landscape.spectrum.Spectrum.rounding_bound`): a final loss
        below it is zero to the series' precision.
    modulus : ndarray or None
        ``|z|`` along the complex surrogate's run; None for the others.
    """

    name: str
    claim_message: Message
    claim_holds: bool
    w: np.ndarray
    exact_loss: np.ndarray
    own_loss: np.ndarray
    stage_starts: tuple[int, ...]
    stage_messages: tuple[Message, ...]
    runs: tuple[Trajectory, ...]
    target: float
    target_basin: tuple[float, float]
    verdict: Verdict
    global_known: bool
    exact_target: bool
    loss_bound: float
    modulus: np.ndarray | None = None

    @property
    def claim(self) -> str:
        """The claim in the language of the thread (:func:`landscape.i18n.speak`)."""
        return str(self.claim_message)

    @property
    def stage_labels(self) -> tuple[str, ...]:
        """The stages' labels in the language of the thread."""
        return tuple(str(label) for label in self.stage_messages)

    @property
    def final_w(self) -> float:
        """The last iterate."""
        return float(self.w[-1])

    @property
    def distance(self) -> float:
        """``|final_w - target|``."""
        return abs(self.final_w - self.target)

    @property
    def final_loss(self) -> float:
        """Full-data loss at the last iterate."""
        return float(self.exact_loss[-1])

    @property
    def in_target_basin(self) -> bool:
        """True when the last iterate lies in the target's basin of attraction."""
        return self.target_basin[0] < self.final_w < self.target_basin[1]

    @property
    def solved(self) -> bool:
        """True when the final w classifies every training sample (:attr:`verdict`)."""
        return self.verdict.solved

    @property
    def at_global_minimum(self) -> bool | None:
        """Whether the run ended within :data:`REACHED` of a global minimum; None if unknown.

        Unknown when :attr:`global_known` is False (real x: the target is only
        the lowest minimum of its window).
        """
        if not self.global_known:
            return None
        return self.in_target_basin and self.distance < REACHED


#: The label of a remedy's one stage on all data.
_ALL_DATA = deferred.gettext("all data")


def _stage(m: float, n: int, lr: float) -> Message:
    """The label of a grown remedy's stage: its bound, its samples and its learning rate."""
    return deferred.ngettext(
        "|x| < {m} ({n} sample), lr {lr}",
        "|x| < {m} ({n} samples), lr {lr}",
        n,
        m=f"{m:g}",
        n=n,
        lr=f"{lr:.2e}",
    )


def _result(
    name: str,
    claim: Message,
    holds: Callable[[RemedyResult], bool],
    data: Dataset,
    spec: Spectrum,
    w: np.ndarray,
    own_loss: np.ndarray,
    stages: tuple[tuple[int, Message], ...] = ((0, _ALL_DATA),),
    runs: tuple[Trajectory, ...] = (),
    modulus: np.ndarray | None = None,
) -> RemedyResult:
    """Attach the full-data loss, the landing target, the verdict and the claim's check."""
    w = readonly(w)
    final = float(w[-1])
    located, _ = nearest_global_minimum(spec, final)
    exact = parity_solution(data, located)
    snap = exact is not None and abs(exact - located) < SNAP
    target = exact if snap else located
    result = RemedyResult(
        name=name,
        claim_message=claim,
        claim_holds=False,
        w=w,
        exact_loss=readonly(loss_curve(spec, w)),
        own_loss=readonly(own_loss),
        stage_starts=tuple(s for s, _ in stages),
        stage_messages=tuple(label for _, label in stages),
        runs=runs,
        target=target,
        target_basin=basin(spec, target),
        verdict=verdict(data, final),
        global_known=data.is_integer,
        exact_target=snap,
        loss_bound=float(spec.rounding_bound(np.array([final]))[0]),
        modulus=None if modulus is None else readonly(modulus),
    )
    return dataclasses.replace(result, claim_holds=bool(holds(result)))


def _check_data(data: object) -> Spectrum:
    """The spectrum of ``data``, which must be a Dataset with an x != 0."""
    if not isinstance(data, Dataset):
        raise ValueError(f"data must be a landscape.data.Dataset, got {type(data).__name__}")
    return as_spectrum(data, varying=True)


def _check_w0(w0: object) -> float:
    return check_real("w0", w0, -MAX_ABS_W, MAX_ABS_W)


def _check_lr(name: str, lr: object) -> float:
    return check_real(name, lr, 0.0, MAX_LR, lo_open=True)


def stage_bounds(data: Dataset, first: float, growth: float) -> list[float]:
    """The bounds m of a grown remedy's stages: ``first, first growth, ...``.

    Stage k trains on the samples with ``|x| < m_k``; the last bound is the
    first one above ``max|x|``, so the last stage holds all the data. Shared by
    :func:`curriculum` and the grown :func:`complex_surrogate` (and by the app's
    cost estimates), so that all agree on the stages.
    """
    bounds = [float(first)]
    while bounds[-1] <= data.max_abs_x:
        bounds.append(bounds[-1] * growth)
    return bounds


def _below(data: Dataset, m: float) -> Dataset | None:
    """The samples with ``|x| < m``, or None if none has x != 0 (nothing to learn)."""
    keep = np.abs(data.x) < m
    if not np.any(data.x[keep] != 0):
        return None
    return Dataset(data.x[keep], data.y[keep], name=f"{data.name}, |x| < {m:g}")


def smallest(data: Dataset, m: int) -> Dataset:
    """The ``m`` samples of smallest ``|x|``, with their own labels, in the data's order.

    Ties at the m-th ``|x|`` go to the earlier samples; all of ``data`` if N <= m.
    Depends on ``|x|`` only, so x and -x choose the same samples.
    """
    keep = np.sort(np.argsort(np.abs(data.x), kind="stable")[:m])
    return Dataset(data.x[keep], data.y[keep], name=f"{data.name}, {keep.size} smallest |x|")


def small_x(
    data: Dataset, w0: float = 1.5, *, m: int = 6, lr: float | None = None, epochs: int = 1000
) -> RemedyResult:
    """Train on the ``m`` samples of smallest ``|x|`` only, with their labels; judge on ``data``.

    Demonstrates that small inputs make an easy landscape (a few samples of
    small |x| have basins ~1/max|x| wide) but also a loose one: their minimum
    is flat, so the run fits them while still far from the full data's minimum
    by the full data's standard. On the question's data (samples 0, 0, 3, 3,
    4, 4) it stops outside the full data's basin (+-2e-3 around pi/2) and the
    full-data loss stays ~0.4. The claim states that outcome and is checked on
    the data in use: on other data it may not hold, and the result says so.

    Parameters
    ----------
    data : Dataset
        The data in use: the small set is :func:`smallest` ``(data, m)``, and
        the result is judged on all of it.
    w0 : float
        Start, ``|w0| <= MAX_ABS_W``.
    m : int
        How many samples, ``2 <= m <= 1000`` (all of them if N <= m); they must
        hold an x != 0.
    lr : float, optional
        SGD learning rate; default ``0.25 / mean(x^2)`` of the small set.
    epochs : int
        Full-batch SGD steps, ``1 <= epochs <= MAX_REMEDY_STEPS``.

    Cost: one :func:`~landscape.train.train` run on m samples (~0.1 s for 1000 epochs).
    """
    spec, w0 = _check_data(data), _check_w0(w0)
    m = check_int("m", m, 2, 1000)
    epochs = check_int("epochs", epochs, 1, MAX_REMEDY_STEPS)
    small = smallest(data, m)
    if not np.any(small.x != 0):
        raise ValueError(f"m must pick a sample with x != 0 among the smallest |x|, got m = {m}")
    lr = 0.25 / float(np.mean(small.x**2)) if lr is None else _check_lr("lr", lr)
    run = train(small, w0, lr=lr, epochs=epochs)
    claim = deferred.ngettext(
        "SGD on the {n} sample of smallest |x| alone (|x| <= {max_x}, its own label; lr {lr}, "
        "{epochs} steps from w0 = {w0}) fits it (loss below 1e-4 there) but stops outside the "
        "full data's target basin, so the full-data loss stays above 0.01.",
        "SGD on the {n} samples of smallest |x| alone (|x| <= {max_x}, their own labels; lr "
        "{lr}, {epochs} steps from w0 = {w0}) fits them (loss below 1e-4 there) but stops "
        "outside the full data's target basin, so the full-data loss stays above 0.01.",
        small.n,
        n=small.n,
        max_x=f"{small.max_abs_x:g}",
        lr=f"{lr:.3g}",
        epochs=epochs,
        w0=f"{w0:g}",
    )

    def holds(r: RemedyResult) -> bool:
        return r.own_loss[-1] < 1e-4 and not r.in_target_basin and r.final_loss > 0.01

    label = deferred.gettext(
        "{n} smallest |x| (<= {max_x}), lr {lr}",
        n=small.n,
        max_x=f"{small.max_abs_x:g}",
        lr=f"{lr:.2e}",
    )
    stages = ((0, label),)
    return _result("small x", claim, holds, data, spec, run.w, run.float32_loss, stages, (run,))


def curriculum(
    data: Dataset,
    w0: float = 1.5,
    *,
    m0: int = 6,
    growth: float = 2.0,
    steps_per_stage: int = 300,
    lr_scale: float = 0.25,
) -> RemedyResult:
    """Train on the samples with ``|x| < m``, m growing ``m0, m0 growth, ...``, ending on all data.

    Demonstrates that the comb can be climbed down from the coarse end: data
    with ``|x| < m`` have basins ~1/m wide, so each stage lands inside the next
    stage's basin if it gets within ~1/(growth m) of the solution. Each stage is
    a :func:`~landscape.train.train` run (the question's float32 model, full-batch
    ``torch.optim.SGD``) from the previous stage's final w, at
    ``lr = lr_scale / mean(x^2)`` of the stage's data (its loss curves on the
    scale ``mean(x^2)``). Stages holding no x != 0 are skipped.

    Parameters
    ----------
    data : Dataset
    w0 : float
        Start, ``|w0| <= MAX_ABS_W``.
    m0 : int
        First stage's bound, ``1 <= m0 <= 1e9``.
    growth : float
        Factor between stages, in ``(1, 100]``.
    steps_per_stage : int
        Full-batch steps per stage, ``1..MAX_REMEDY_STEPS``.
    lr_scale : float
        In ``(0, 10]``.

    Cost: ``log(max|x| / m0) / log(growth)`` train() runs: ~1 s on the question's
    data (9 stages of 300 steps).
    """
    spec, w0 = _check_data(data), _check_w0(w0)
    m0 = check_int("m0", m0, 1, 10**9)
    growth = check_real("growth", growth, 1.0, 100.0, lo_open=True)
    steps = check_int("steps_per_stage", steps_per_stage, 1, MAX_REMEDY_STEPS)
    lr_scale = check_real("lr_scale", lr_scale, 0.0, 10.0, lo_open=True)
    runs: list[Trajectory] = []
    stages: list[tuple[int, Message]] = []
    w = [w0]
    for m in stage_bounds(data, m0, growth):
        part = data if m > data.max_abs_x else _below(data, m)
        if part is None:
            continue
        lr = min(lr_scale / float(np.mean(part.x**2)), MAX_LR)
        run = train(part, w[-1], lr=lr, epochs=steps)
        stages.append((len(w) - 1, _stage(m, part.n, lr)))
        runs.append(run)
        w.extend(run.w[1:])
        if run.diverged:
            break
    # At a stage boundary own_loss holds the new stage's objective.
    own = np.concatenate([*(r.float32_loss[:-1] for r in runs[:-1]), runs[-1].float32_loss])
    claim = deferred.gettext(
        "Growing the data |x| < m from m = {m0} by x{growth} ({steps} SGD steps per stage at "
        "lr = {lr_scale} / mean(x^2), from w0 = {w0}) ends within {reached} of a global "
        "minimum with full-data loss below {reached_loss}.",
        m0=m0,
        growth=f"{growth:g}",
        steps=steps,
        lr_scale=f"{lr_scale:g}",
        w0=f"{w0:g}",
        reached=f"{REACHED:g}",
        reached_loss=f"{REACHED_LOSS:g}",
    )

    def holds(r: RemedyResult) -> bool:
        return r.distance < REACHED and r.final_loss < REACHED_LOSS

    return _result("curriculum", claim, holds, data, spec, w, own, tuple(stages), tuple(runs))


def _normalised_loss(w: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """``mean_i (sin^2(w x_i) - y_i)^2 / |x_i|``, weight 1 where x = 0."""
    # Weight 1/|x| turns each term's gradient 2 r sin(2 w x) x into 2 r sin(2 w x) sign(x).
    # An x = 0 term has zero gradient whatever its weight; 1 keeps its loss visible.
    ax = x.abs()
    weights = torch.where(ax > 0, 1.0 / torch.where(ax > 0, ax, 1.0), 1.0)
    return (weights * (torch.sin(w * x) ** 2 - y) ** 2).mean()


def normalised_gradient(
    data: Dataset, w0: float = 1.5, *, lr: float = 1e-3, epochs: int = 1000
) -> RemedyResult:
    """SGD on the loss with each sample's gradient divided by ``|x|``: what the question asked for.

    The minimised objective is ``L_n(w) = mean_i (sin^2(w x_i) - y_i)^2 / |x_i|``
    (weight 1 for x = 0, whose gradient is 0 anyway), so its gradient is
    ``mean_i 2 (sin^2(w x_i) - y_i) sin(2 w x_i) sign(x_i)``: bounded by 2,
    independent of the size of x. Run in float32 torch autograd with
    ``torch.optim.SGD``, full batch.

    Demonstrates that taming the gradient's size does not remove the comb: each
    term keeps its period ``pi / |x|``, so ``L_n`` is a comb of local minima
    too (next to L's), and SGD settles in the nearest one.

    Cost: ~0.1 ms per step at N = 1000.
    """
    spec, w0 = _check_data(data), _check_w0(w0)
    lr = _check_lr("lr", lr)
    epochs = check_int("epochs", epochs, 1, MAX_REMEDY_STEPS)
    x = torch.tensor(data.x, dtype=torch.float32)
    y = torch.tensor(data.y, dtype=torch.float32)
    w = torch.nn.Parameter(torch.tensor(w0, dtype=torch.float32))
    opt = torch.optim.SGD([w], lr=lr)
    path, own = [w.item()], []
    with torch.enable_grad():
        for _ in range(epochs):
            opt.zero_grad()
            loss = _normalised_loss(w, x, y)
            own.append(loss.item())
            loss.backward()
            opt.step()
            path.append(w.item())
        own.append(_normalised_loss(w, x, y).item())
    claim = deferred.gettext(
        "SGD on the per-sample normalised gradient (each divided by |x|; lr {lr}, {epochs} "
        "steps from w0 = {w0}) settles, but outside the target basin: the comb remains.",
        lr=f"{lr:g}",
        epochs=epochs,
        w0=f"{w0:g}",
    )

    def holds(r: RemedyResult) -> bool:
        tail = r.w[-max(2, len(r.w) // 10) :]
        return np.ptp(tail) < 1e-5 and not r.in_target_basin

    w = np.array(path)
    return _result("normalised gradient", claim, holds, data, spec, w, np.array(own))


def normalised_gradient_at(data: Dataset, w: float) -> float:
    """The gradient :func:`normalised_gradient` steps along, at ``w``, in float32 torch autograd.

    ``d/dw mean_i (sin^2(w x_i) - y_i)^2 / |x_i|`` (weight 1 at x = 0), for
    checking the run against an independent formula. O(N).
    """
    _check_data(data)
    x = torch.tensor(data.x, dtype=torch.float32)
    y = torch.tensor(data.y, dtype=torch.float32)
    wt = torch.tensor(check_real("w", w, -MAX_ABS_W, MAX_ABS_W), dtype=torch.float32)
    wt.requires_grad_(True)
    with torch.enable_grad():
        _normalised_loss(wt, x, y).backward()
    return float(wt.grad)


def adam(data: Dataset, w0: float = 1.5, *, lr: float = 1e-3, epochs: int = 1000) -> RemedyResult:
    """Full-batch ``torch.optim.Adam`` on the question's model (via :func:`~landscape.train.train`).

    Demonstrates that Adam's per-parameter step normalisation (steps of about
    lr whatever the gradient's size) does not help: with one parameter it is a
    sign-like descent that stops in the first basin it cannot step out of, or,
    at larger lr, hops between basins without settling.

    Cost: ~0.3 ms per step at N = 1000.
    """
    spec, w0 = _check_data(data), _check_w0(w0)
    lr = _check_lr("lr", lr)
    epochs = check_int("epochs", epochs, 1, MAX_REMEDY_STEPS)
    run = train(data, w0, optimizer="adam", lr=lr, epochs=epochs)
    claim = deferred.gettext(
        "Adam (lr {lr}, {epochs} full-batch steps from w0 = {w0}) does not end in the "
        "target basin: normalising the step size leaves the comb in place.",
        lr=f"{lr:g}",
        epochs=epochs,
        w0=f"{w0:g}",
    )

    def holds(r: RemedyResult) -> bool:
        return not r.in_target_basin

    label = deferred.gettext("Adam, lr {lr}", lr=f"{lr:.2e}")
    stages = ((0, label),)
    return _result("adam", claim, holds, data, spec, run.w, run.float32_loss, stages, (run,))


def global_search(
    data: Dataset, w0: float = 1.5, *, half_window: float = np.pi / 2
) -> RemedyResult:
    """The dense grid's argmin of L around ``w0``, then Newton's method on the exact series.

    Step 1: L (exact float64, :func:`~landscape.surface.loss_curve`) on
    :func:`~landscape.surface.search_grid`, spacing a quarter of the shortest
    period ``2 pi / (4 max|x|)``, over ``[w0 - half_window, w0 + half_window]``
    (clipped to ``|w| <= MAX_ABS_W``; for whole-number x the default,
    one period, holds a global minimum); ``w[0]`` is w0 and ``w[1]`` the
    argmin. Step 2: :func:`~landscape.surface.newton_path`, the safeguarded
    Newton iteration ``w <- w - L'(w) / L''(w)`` on the exact series that
    refines every minimum, kept inside the argmin's two neighbouring cells
    (bisection when Newton would leave or ``L'' <= 0``), until the step is a
    few ulps or the bracket closes.

    Demonstrates that the landscape is easy for a method that looks at all of
    it: with the grid finer than a basin the argmin falls in the global basin.
    At the quartic minimum Newton converges linearly (``d -> 2 d / 3``) until
    float64 rounding of L' stops it, ~1e-8 from pi/2 on the question's data.

    Cost: ``8 max|x| half_window / (pi/2)`` grid points (~8000 for the question's
    data, ~2 s for max|x| = 1e6), then <= 100 Newton steps. ``half_window``
    is at most pi, and at most ``MAX_POINTS`` grid points wide.
    """
    spec, w0 = _check_data(data), _check_w0(w0)
    # The grid (search_grid) holds at most MAX_POINTS points.
    widest = min(np.pi, (MAX_POINTS - 1) * search_step(spec) / 2)
    half = check_real("half_window", half_window, 0.0, widest, lo_open=True)
    lo, hi = max(w0 - half, -MAX_ABS_W), min(w0 + half, MAX_ABS_W)
    grid = search_grid(spec, lo, hi)
    k = int(np.argmin(loss_curve(spec, grid)))
    cells = grid[max(k - 1, 0)], grid[min(k + 1, grid.size - 1)]
    path = np.concatenate([[w0], newton_path(spec, *cells, grid[k])])
    claim = deferred.gettext(
        "The argmin of a {size}-point grid over [{lo}, {hi}] lies in a global minimum's "
        "basin, and {steps} Newton steps take it within 1e-6 of that minimum.",
        size=grid.size,
        lo=f"{lo:.4g}",
        hi=f"{hi:.4g}",
        steps=len(path) - 2,
    )

    def holds(r: RemedyResult) -> bool:
        return r.target_basin[0] < r.w[1] < r.target_basin[1] and r.distance < 1e-6

    return _result(
        "global search",
        claim,
        holds,
        data,
        spec,
        path,
        loss_curve(spec, path),
        (
            (0, deferred.gettext("start")),
            (1, deferred.gettext("grid argmin ({size} points)", size=grid.size)),
            (2, deferred.gettext("Newton")),
        ),
    )


def surrogate_loss_grad(x: np.ndarray, y: np.ndarray, z: complex) -> tuple[float, complex]:
    """The complex surrogate's loss at ``z`` and its gradient as torch defines it, in float64.

    .. math:: S(z) = \\frac{1}{N} \\sum_i \\left(\\frac{1 - \\mathrm{Re}\\, z^{|x_i|}}{2} - y_i\\right)^2

    Why ``|x|``: the real model's ``sin^2(w x) = (1 - cos(2 w x)) / 2`` is even in
    x, and so is ``Re z^|x| = |z|^|x| cos(2 w |x|)`` for ``z = |z| exp(2 i w)``:
    on the unit circle both give the real model for either sign of x, and off
    it ``|z|^|x|`` damps every large ``|x|`` when ``|z| < 1``, the smoothing the
    surrogate is for. ``z^x`` would give ``|z|^-|x|`` for negative x, which
    grows instead. So the surrogate, like L, depends on ``|x|`` only.

    Returns ``(S, g)`` with ``g = dS/dRe z + i dS/dIm z``, the ``.grad`` torch's
    autograd gives a real loss of a complex leaf (tested against it): with
    ``r_i`` the residual in parentheses,
    ``g = -mean_i r_i |x_i| conj(z^|x_i|) / conj(z)``, because
    ``d Re(z^a)/dRe z + i d Re(z^a)/dIm z = conj(a z^(a-1))``.
    Whole-number x (see :func:`complex_surrogate`); ``z != 0``. Cost: O(N),
    three float64 transcendentals per sample.
    """
    a = np.abs(x)
    # The phase a arg(z) in turns, reduced to [-1/2, 1/2]: numpy's cos and sin
    # take a slow path for large arguments (30x at |a arg z| ~ 6e4), and this
    # reduction adds no more rounding than the product a arg(z) itself.
    turns = a * (np.angle(z) / (2 * np.pi))
    angle = (2 * np.pi) * (turns - np.round(turns))
    # |z|^a, with 0 where it would be below e^-700: subnormal results cost ~100x
    # per operation (measured 7 ms per step at N = 2e4 as |z| shrank) and weigh nothing.
    log_power = a * np.log(abs(z))
    power = np.exp(log_power, out=np.zeros_like(a), where=log_power > -_LOG_OVERFLOW)
    real, imag = power * np.cos(angle), power * np.sin(angle)
    resid = (1.0 - real) / 2.0 - y
    weights = resid * a
    grad = -complex(weights @ real, -(weights @ imag)) / (a.size * z.conjugate())
    return float(resid @ resid) / a.size, grad


def _surrogate_run(
    x: np.ndarray, y: np.ndarray, z: complex, lr: float, steps: int
) -> tuple[list[complex], list[float]]:
    """``torch.optim.Adam`` on :func:`surrogate_loss_grad` over a complex128 z.

    The closed-form gradient is handed to the optimizer as ``.grad`` (autograd
    through complex ``pow`` cost 4x as much per step). A run that meets a
    non-finite loss or gradient (``|z|^|x|`` overflowed) ends at its last finite state.
    """
    param = torch.nn.Parameter(torch.tensor(z, dtype=torch.complex128))
    param.grad = torch.zeros((), dtype=torch.complex128)
    opt = torch.optim.Adam([param], lr=lr)
    zs, losses = [], []
    for _ in range(steps + 1):
        loss, grad = surrogate_loss_grad(x, y, z)
        if not (np.isfinite(loss) and np.isfinite(grad)):
            break
        zs.append(z)
        losses.append(loss)
        if len(zs) > steps:
            break
        param.grad.fill_(grad)
        opt.step()
        z = complex(param.item())
    return zs, losses


def complex_surrogate(
    data: Dataset,
    w0: float = 1.5,
    *,
    r0: float = 1.0,
    lr: float = 1e-3,
    steps: int = 3000,
    start_m: int | None = None,
    growth: float = 2.0,
) -> RemedyResult:
    """Hayes et al. (2022, arXiv 2210.14476): optimise a complex ``z`` instead of ``w``.

    The prediction ``(1 - Re z^|x|) / 2`` equals ``sin^2(w x)`` on the unit circle
    ``z = exp(2 i w)`` for either sign of x, and parity is ``z = -1``; off the
    circle ``|z|^|x|`` damps large |x|, which smooths the landscape (why |x|:
    :func:`surrogate_loss_grad`). Adam (``torch.optim.Adam`` on a complex128
    parameter, fed the closed-form gradient) minimises the MSE; ``w`` reports
    ``arg(z) / 2`` (unwrapped) and :attr:`RemedyResult.modulus` ``|z|``.

    With ``start_m`` None: one run on all data. On the question's data (Adam
    lr 1e-3, 3000 steps, ``|z0| = 1``; measured every 0.005) it converges from
    ``|w0 - pi/2| <= 0.055``, 26 times the real model's basin half-width of
    0.0021, but not from 0.06 on, nor from 1.5 (0.071): there ``|z|`` shrinks
    to ~0.93, ``|z|^x -> 0`` silences the large x, the prediction tends to 1/2
    and the loss to ``mean((1/2 - y)^2)`` (0.25 for 0/1 labels), a plateau
    below the comb's typical 0.37. NOTES' naive run (lr 1e-2, 2000 steps)
    collapses from every start. The claim says so. With ``start_m``: stages on
    ``|x| < start_m, start_m growth,
    ...`` (all data last), each ``steps`` Adam steps at ``lr start_m / m``,
    like :func:`curriculum`: this converges from 1.5 (measured 2.6e-5 from
    pi/2 with start_m = 64, lr 1e-2, 500 steps per stage).

    Parameters
    ----------
    data : Dataset
        Whole-number x only: for real x, ``z^x`` has a branch cut exactly at
        the solution ``z = -1``.
    w0, r0 : float
        Start ``z0 = r0 exp(2 i w0)``; ``0 < r0 <= 2`` and ``r0^max|x|`` finite.
    lr : float
        Adam's learning rate (of the first stage).
    steps : int
        Adam steps (per stage).
    start_m : int, optional
        First stage's bound; None for a single run on all data.
    growth : float
        Factor between stages, in ``(1, 100]``.

    Cost: ~0.1 ms per step at N = 1000.
    """
    spec, w0 = _check_data(data), _check_w0(w0)
    if not data.is_integer:
        raise ValueError(
            "data must have whole-number x: z^|x| has a branch cut at z = -1 otherwise"
        )
    r0 = check_real("r0", r0, 0.0, 2.0, lo_open=True)
    if data.max_abs_x * np.log(r0) > _LOG_OVERFLOW:
        raise ValueError(
            f"r0 must be at most exp({_LOG_OVERFLOW}/max|x|) = "
            f"{np.exp(_LOG_OVERFLOW / data.max_abs_x):.6g} for max|x| = {data.max_abs_x:g}, "
            f"or |z0|^|x| overflows; got {r0!r}"
        )
    lr = _check_lr("lr", lr)
    steps = check_int("steps", steps, 1, MAX_REMEDY_STEPS)
    growth = check_real("growth", growth, 1.0, 100.0, lo_open=True)
    # Stage bounds m (all data once m > max|x|); None: one run on all data.
    bounds: list[float | None] = [None]
    if start_m is not None:
        bounds = [*stage_bounds(data, check_int("start_m", start_m, 1, 10**9), growth)]
    zs, own, stages = [r0 * np.exp(2j * w0)], [], []
    for m in bounds:
        part = data if m is None or m > data.max_abs_x else _below(data, m)
        if part is None:
            continue
        stage_lr = lr if m is None else lr * start_m / m
        if m is None:
            label = deferred.gettext("all data, lr {lr}", lr=f"{stage_lr:.2e}")
        else:
            label = _stage(m, part.n, stage_lr)
        stages.append((len(zs) - 1, label))
        run_z, run_loss = _surrogate_run(part.x, part.y, zs[-1], stage_lr, steps)
        if not run_z:
            stages.pop()
            break
        own = own[:-1] + run_loss  # the boundary holds the new stage's objective
        zs.extend(run_z[1:])
        if len(run_z) <= steps:
            break  # overflowed
    z = np.array(zs)
    w = np.unwrap(np.angle(z)) / 2 + (w0 - np.angle(z[0]) / 2)
    if start_m is None:
        plateau = float(np.mean((0.5 - data.y) ** 2))  # the loss of the prediction 1/2
        claim = deferred.gettext(
            "Adam on the complex surrogate (lr {lr}, {steps} steps from w0 = {w0}, |z0| = {r0}) "
            "does not reach a solution: |z| shrinks below 0.99, |z|^|x| silences the large |x| "
            "and the loss settles within 0.02 of {plateau} (the loss of the prediction 1/2), "
            "outside the target basin.",
            lr=f"{lr:g}",
            steps=steps,
            w0=f"{w0:g}",
            r0=f"{r0:g}",
            plateau=f"{plateau:.3g}",
        )

        def holds(r: RemedyResult) -> bool:
            return (
                r.modulus[-1] < 0.99
                and abs(r.own_loss[-1] - plateau) < 0.02
                and not r.in_target_basin
            )
    else:
        claim = deferred.gettext(
            "Adam on the complex surrogate grown from |x| < {start_m} by x{growth} (lr {lr} x "
            "{start_m}/m, {steps} steps per stage, from w0 = {w0}) ends on the unit circle "
            "(||z| - 1| < 1e-3) within {reached} of a global minimum.",
            start_m=start_m,
            growth=f"{growth:g}",
            lr=f"{lr:g}",
            steps=steps,
            w0=f"{w0:g}",
            reached=f"{REACHED:g}",
        )

        def holds(r: RemedyResult) -> bool:
            return abs(r.modulus[-1] - 1) < 1e-3 and r.distance < REACHED

    return _result(
        "complex surrogate",
        claim,
        holds,
        data,
        spec,
        w,
        np.array(own),
        tuple(stages),
        modulus=np.abs(z),
    )


#: Every remedy by name, for the app's picker.
REMEDIES: MappingProxyType[str, Callable[..., RemedyResult]] = MappingProxyType(
    {
        "small x": small_x,
        "curriculum": curriculum,
        "normalised gradient": normalised_gradient,
        "adam": adam,
        "global search": global_search,
        "complex surrogate": complex_surrogate,
    }
)


#: The remedies as the app offers them: method name -> (name in :data:`REMEDIES`,
#: keyword arguments after ``(data, w0)``). The grown complex surrogate uses the
#: settings under which complex_surrogate documents convergence from 1.5. The
#: method names are URL values, the same in every language: the page shows
#: ``_(method)``.
VARIANTS: Mapping[str, tuple[str, Mapping[str, float | int]]] = MappingProxyType(
    {
        N_("small x"): ("small x", MappingProxyType({})),
        N_("curriculum"): ("curriculum", MappingProxyType({})),
        N_("normalised gradient"): ("normalised gradient", MappingProxyType({})),
        N_("adam"): ("adam", MappingProxyType({})),
        N_("global search"): ("global search", MappingProxyType({})),
        N_("complex surrogate"): ("complex surrogate", MappingProxyType({})),
        N_("complex surrogate, grown"): (
            "complex surrogate",
            MappingProxyType({"start_m": 64, "lr": 1e-2, "steps": 500}),
        ),
    }
)
