"""Swarms: many independent full-batch gradient-descent runs in float64, with real torch optimizers.

A swarm runs K starts ``w0_k`` at once. Every step it computes the exact
full-batch gradient ``L'(w_k)`` of every start in float64, stores it in
``param.grad`` of one float64 tensor of shape (K,) and calls ``step()`` of a
real :mod:`torch.optim` optimizer. SGD (with momentum, Nesterov, dampening 0),
Adam, AdamW, RMSprop and Adagrad update each element from that element's own
gradient and state only (their step counter is shared, but every element takes
the same steps), so one (K,) tensor is exactly K independent runs; the tests
check this against K separate runs.

The gradient comes from the cosine series of :mod:`landscape.spectrum`.

- Whole-number x (period pi): a table of L' and L'' at ``G`` points per
  period, from inverse real FFTs of the series coefficients, and a cubic
  Hermite interpolant between them. ``G`` is the smallest power of two with
  ``_POINTS_PER_PERIOD = 512`` points per shortest period of the series.
  Interpolation error ``<= (2 pi / 512)^4 / 384 * sum_m |c_m| (2m)`` (about
  6e-11 of the gradient's scale). Measured on the question's data (G = 2^20)
  at 20 000 points of a period against long-double direct sums: max 4.4e-9,
  9e-12 of max|L'| = 480 (the finufft route: 1.1e-9; rounding w to float64
  alone moves L' by ``L'' * ulp(w)``, ~1e-10). The loss table (maps only):
  1.1e-12. Cost per step O(K), independent of N.
- Real x, or tables larger than ``MAX_TABLE_SIZE`` (max|x| > 2048): the exact
  series each step (:meth:`Spectrum.evaluate`, finufft), O(K + N log N) per step.

Swarms are a float64 instrument, different from the float32 replay of the
student's script (``landscape.train``), which reproduces that script bit for
bit. The two part ways after a few dozen steps on chaotic data: so does any
change of rounding, including this table's 4e-9 against the exact series. A
float32 swarm would stall: near a minimum an update below half a float32
spacing of w (6e-8 at w = 1.5) is rounded away.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch

from .checks import check_int, check_real
from .optim import OptimizerSpec
from .spectrum import MAX_ABS_W, Spectrum
from .surface import Source, as_spectrum

#: Most starts in one swarm.
MAX_STARTS = 10_000

#: Most steps of one swarm.
MAX_SWARM_STEPS = 100_000

#: Most start-steps ``K * steps`` in one call (about 10 s on the table route).
MAX_WORK = 100_000_000

#: Most recorded values ``K * (recorded steps)`` in a history (32 MB).
MAX_HISTORY = 4_000_000

#: Largest table (points per period) before falling back to the exact series:
#: 2^21 points of 4 float64 coefficients are 64 MB per table.
MAX_TABLE_SIZE = 1 << 21

# Points per shortest period of the series in the Hermite tables; see the
# module docstring for the error this buys.
_POINTS_PER_PERIOD = 512
_MIN_TABLE_SIZE = 1 << 10

# Table lookups run in blocks of this many points so that the temporaries stay
# in cache: 2.5x faster than whole arrays at K = 9e4 (measured).
_BLOCK = 4096

# Parameters are handed to the optimizer as views of at most this many elements:
# torch runs MKL's vectorised sqrt on 2 threads above 2048 elements, and under
# CPU contention that made an Adam step on 10^4 elements 40x slower (measured).
_CHUNK = 2048

Method = Literal["auto", "table", "exact"]


def check_positive(name: str, value: object, hi: float) -> float:
    """``value`` as a float in (0, hi], or a ValueError naming ``name`` and the range."""
    return check_real(name, value, 0.0, hi, lo_open=True)


@dataclass(frozen=True, eq=False)
class HermiteTable:
    """Cubic pieces ``f(w) = a + b t + c t^2 + d t^3`` of a pi-periodic f on G cells.

    Cell j covers ``[j h, (j+1) h)``, ``h = pi / G``, ``t = w / h - j``;
    ``coef[j] = (a, b, c, d)`` matches f and ``h f'`` at both ends of the cell.
    """

    coef: np.ndarray

    @property
    def size(self) -> int:
        """G, the number of cells per period."""
        return int(self.coef.shape[0])

    def __call__(self, w: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """f at every w (1-D, finite), into ``out`` if given; O(len(w)), ~20 ns per point."""
        out = np.empty_like(w) if out is None else out
        for start in range(0, w.size, _BLOCK):
            self._block(w[start : start + _BLOCK], out[start : start + _BLOCK])
        return out

    def _block(self, w: np.ndarray, out: np.ndarray) -> None:
        u = w * (self.size / np.pi)
        cell = np.floor(u)
        t = u - cell
        index = cell.astype(np.int64)
        index &= self.size - 1  # G is a power of two: this is the index mod G, also below 0
        c = np.take(self.coef, index, axis=0)
        np.multiply(c[:, 3], t, out=out)
        for k in (2, 1, 0):  # Horner, in place
            out += c[:, k]
            if k:
                out *= t


def _periodic_values(coef: np.ndarray, order: int, size: int) -> np.ndarray:
    """``d^p/dw^p sum_m coef[m] cos(2 m w)`` at ``w_j = j pi / size`` by one inverse real FFT."""
    m = np.arange(coef.size, dtype=np.float64)
    modes = np.zeros(size // 2 + 1, dtype=np.complex128)
    # irfft sums Re(X_m e^{i m theta}) twice for 0 < m < size/2 and divides by size.
    modes[: coef.size] = coef * (2j * m) ** order * (size / 2)
    modes[0] *= 2
    return np.fft.irfft(modes, n=size)


def hermite_table(values: np.ndarray, slopes: np.ndarray) -> HermiteTable:
    """The cubic Hermite interpolant of pi-periodic samples ``f(j h)`` and ``f'(j h)``."""
    size = values.size
    h = np.pi / size
    f0, f1 = values, np.roll(values, -1)
    d0 = h * slopes
    d1 = np.roll(d0, -1)
    df = f1 - f0
    coef = np.stack([f0, d0, 3 * df - 2 * d0 - d1, d0 + d1 - 2 * df], axis=1)
    return HermiteTable(coef)


def table_size(spec: Spectrum) -> int:
    """Cells per period for ``spec``'s tables: ``_POINTS_PER_PERIOD`` per shortest period.

    The series has degree ``D = 2 max|x|`` in ``2 w``; G is the smallest power
    of two with ``G >= 512 D`` (at least 1024). Returns 0 for real x.
    """
    if not spec.periodic:
        return 0
    degree = spec.coef.size - 1
    need = max(_POINTS_PER_PERIOD * degree, _MIN_TABLE_SIZE)
    return 1 << int(np.ceil(np.log2(need)))


@dataclass(frozen=True, eq=False)
class LossOracle:
    """L'(w) (and L(w) if built ``with_loss``) at any w, for the swarm engine.

    ``grad_table``/``loss_table`` are None on the exact route, where every
    call evaluates the series with :meth:`Spectrum.evaluate`.
    """

    spec: Spectrum
    grad_table: HermiteTable | None
    loss_table: HermiteTable | None

    @property
    def method(self) -> str:
        """``"table"`` or ``"exact"``."""
        return "exact" if self.grad_table is None else "table"

    def grad(self, w: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """L' at every w (1-D, finite, |w| <= MAX_ABS_W), into ``out`` if given."""
        if self.grad_table is not None:
            return self.grad_table(w, out)
        if out is None:
            return self.spec.evaluate(w, 1)
        out[:] = self.spec.evaluate(w, 1)
        return out

    def loss(self, w: np.ndarray) -> np.ndarray:
        """L at every w; through the table if one was built, else exact."""
        if self.loss_table is None:
            return self.spec.evaluate(w, 0)
        return self.loss_table(w)


def loss_oracle(data: Source, *, gradient: Method = "auto", with_loss: bool = False) -> LossOracle:
    """Choose and build the gradient route for ``data``.

    Parameters
    ----------
    data : Dataset or Spectrum
    gradient : {"auto", "table", "exact"}
        ``"auto"``: the Hermite table when x are whole numbers and the table
        has at most ``MAX_TABLE_SIZE`` cells, else the exact series. The choice
        depends on the data only, never on K, so a start's trajectory does not
        change with the size of the swarm it is in.
    with_loss : bool
        Also tabulate L (from L and L'; error ~1e-12 on the question's data).

    Cost: two (three with the loss) inverse real FFTs of G points, about
    0.1 s for G = 2^20.
    """
    spec = as_spectrum(data)
    if gradient not in ("auto", "table", "exact"):
        raise ValueError(f"gradient must be 'auto', 'table' or 'exact', got {gradient!r}")
    size = table_size(spec)
    fits = 0 < size <= MAX_TABLE_SIZE
    if gradient == "table" and not fits:
        raise ValueError(
            "gradient='table' needs whole-number x with max|x| <= "
            f"{MAX_TABLE_SIZE // (2 * _POINTS_PER_PERIOD)}; use 'auto' or 'exact'"
        )
    if gradient == "exact" or not fits:
        return LossOracle(spec, None, None)
    slope = _periodic_values(spec.coef, 1, size)
    grad = hermite_table(slope, _periodic_values(spec.coef, 2, size))
    loss = hermite_table(_periodic_values(spec.coef, 0, size), slope) if with_loss else None
    return LossOracle(spec, grad, loss)


@dataclass(frozen=True)
class StepState:
    """What :func:`descend` shows after each step (arrays are live views: copy to keep)."""

    step: int
    w: np.ndarray
    dead: np.ndarray
    diverged_at: np.ndarray


def check_starts(name: str, w0s: object, limit: int) -> np.ndarray:
    """``w0s`` as a 1-D float64 array of 1..limit finite points with ``|w| <= MAX_ABS_W``."""
    try:
        arr = np.array(w0s, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be an array of real numbers: {exc}") from None
    arr = np.atleast_1d(arr)
    if arr.ndim != 1 or not 1 <= arr.size <= limit:
        raise ValueError(f"{name} must be 1-D with 1 to {limit} starts, got shape {arr.shape}")
    if not (np.abs(arr) <= MAX_ABS_W).all():
        raise ValueError(f"{name} must be finite with |w| <= {MAX_ABS_W:g}")
    return arr


def descend(
    oracle: LossOracle,
    w0: np.ndarray,
    steps: int,
    make_optimizer: Callable[[torch.Tensor], torch.optim.Optimizer],
    *,
    grad_scale: np.ndarray | None = None,
) -> Iterator[StepState]:
    """The swarm engine: yields the state after each of ``steps`` optimizer steps.

    ``make_optimizer(flat)`` must return a torch optimizer whose parameters are
    contiguous 1-D views of the float64 tensor ``flat`` (shape (K,), holding
    w0). Each step sets every view's ``.grad`` to the matching slice of
    ``L'(w)`` (times ``grad_scale`` if given) and calls ``step()``.

    Divergence: a start whose w becomes non-finite or leaves ``|w| <= MAX_ABS_W``
    is marked (``diverged_at`` = that step, else -1) and frozen: it is parked at
    w = 0 with zero gradient, so that it never reaches the gradient routine
    again; since every update is elementwise the other starts are unaffected.
    No exception is raised. Cost per step: one gradient evaluation of K points
    plus one optimizer step.
    """
    flat = torch.tensor(w0, dtype=torch.float64)
    w = flat.numpy()  # shares memory with flat: the optimizer's updates show here
    optimizer = make_optimizer(flat)
    grad = np.zeros(w.size)
    gflat = torch.from_numpy(grad)
    # Each parameter's .grad is a view of one buffer, set once and refilled in
    # place every step (the optimizers read it and never keep it).
    for group in optimizer.param_groups:
        for p in group["params"]:
            if p.untyped_storage().data_ptr() != flat.untyped_storage().data_ptr():
                raise ValueError("make_optimizer must optimize views of the tensor it is given")
            p.grad = gflat.narrow(0, p.storage_offset(), p.numel())
    dead = np.zeros(w.size, dtype=bool)
    diverged_at = np.full(w.size, -1, dtype=np.int64)
    any_dead = False
    for step in range(1, steps + 1):
        oracle.grad(w, out=grad)
        if grad_scale is not None:
            grad *= grad_scale
        if any_dead:
            grad[dead] = 0.0
        optimizer.step()
        inside = np.abs(w) <= MAX_ABS_W  # False for NaN too
        if not inside.all():
            # parked starts sit at 0, so everything outside is new
            diverged_at[~inside] = step
            dead |= ~inside
            any_dead = True
            w[dead] = 0.0
        yield StepState(step, w, dead, diverged_at)


def chunked(flat: torch.Tensor) -> list[torch.Tensor]:
    """``flat`` as views of at most ``_CHUNK`` elements (see the note on ``_CHUNK``)."""
    return list(flat.split(_CHUNK))


@dataclass(frozen=True, eq=False)
class Swarm:
    """K float64 gradient-descent runs (see :func:`swarm`).

    Attributes
    ----------
    w0, w, exact_loss : ndarray, shape (K,)
        Starts, final weights and exact final losses (NaN where diverged).
    history : ndarray, shape (R, K)
        w after the steps in ``history_steps`` (NaN from divergence on).
    history_steps : ndarray of int, shape (R,)
        0, r, 2r, ... and always the last step.
    diverged_at : ndarray of int, shape (K,)
        Step at which each start diverged, -1 if it did not.
    optimizer : OptimizerSpec
    steps : int
    method : str
        ``"table"`` or ``"exact"``: where the gradient came from.
    """

    w0: np.ndarray
    w: np.ndarray
    exact_loss: np.ndarray
    history: np.ndarray
    history_steps: np.ndarray
    diverged_at: np.ndarray
    optimizer: OptimizerSpec
    steps: int
    method: str

    @property
    def diverged(self) -> np.ndarray:
        """True for starts that left ``|w| <= MAX_ABS_W`` or became non-finite."""
        return self.diverged_at >= 0


def record_steps(k: int, steps: int, record: Literal["auto", "final"] | int) -> np.ndarray:
    """The steps a swarm of ``k`` starts records.

    ``"auto"``: every r-th step and the last, with the smallest r for which
    ``k * (recorded steps) <= MAX_HISTORY`` (r = 1, the full history, when
    ``k * (steps + 1) <= 4e6``, e.g. 50 starts x 79 999 steps or 10^4 x 399).
    ``"final"``: steps 0 and ``steps``. An int r >= 1: every r-th step and the
    last (ValueError if that exceeds ``MAX_HISTORY``).
    """

    def every(r: int) -> np.ndarray:
        return np.unique(np.append(np.arange(0, steps + 1, r), steps))

    if record == "final":
        return np.unique([0, steps])
    if record == "auto":
        r = max(1, -(-k * (steps + 1) // MAX_HISTORY))
        while k * every(r).size > MAX_HISTORY:
            r += 1
        return every(r)
    r = check_int("record", record, 1, max(steps, 1))
    chosen = every(r)
    if k * chosen.size > MAX_HISTORY:
        raise ValueError(
            f"record={r} keeps {k * chosen.size} values; at most {MAX_HISTORY}: "
            "use a larger stride, 'auto' or 'final'"
        )
    return chosen


def check_steps(k: int, steps: object) -> int:
    """``steps`` in [0, MAX_SWARM_STEPS] with ``k * steps <= MAX_WORK``."""
    steps = check_int("steps", steps, 0, MAX_SWARM_STEPS)
    if k * steps > MAX_WORK:
        raise ValueError(
            f"{k} starts x {steps} steps is too much work: starts x steps must be at most "
            f"{MAX_WORK:.0e}"
        )
    return steps


def swarm(
    data: Source | LossOracle,
    w0s: np.ndarray,
    *,
    optimizer: str = "sgd",
    lr: float = 4e-4,
    steps: int = 1000,
    momentum: float = 0.0,
    nesterov: bool = False,
    betas: tuple[float, float] = (0.9, 0.999),
    weight_decay: float = 0.0,
    record: Literal["auto", "final"] | int = "auto",
    gradient: Method = "auto",
) -> Swarm:
    """Run full-batch gradient descent from every start in ``w0s`` at once, in float64.

    Each start follows ``w <- optimizer step(w, L'(w))`` with the exact
    full-batch gradient ``L'(w) = mean_i 2 (sin^2(w x_i) - y_i) sin(2 w x_i) x_i``
    and a real :mod:`torch.optim` optimizer on one float64 (K,) tensor; the
    starts are independent (see the module docstring). This is a float64
    instrument: it does not reproduce the student's float32 script bit for bit
    (``landscape.train`` does), and a float32 swarm would stall where updates
    fall below half a float32 spacing.

    Parameters
    ----------
    data : Dataset, Spectrum or LossOracle
        A prebuilt :func:`loss_oracle` saves its ~0.1 s build on repeated calls.
    w0s : array_like
        1 to ``MAX_STARTS`` finite starts with ``|w| <= MAX_ABS_W``.
    optimizer, lr, momentum, nesterov, betas, weight_decay
        See :class:`landscape.optim.OptimizerSpec`; ``weight_decay=0.0`` is
        no decay, AdamW included.
    steps : int
        0 to ``MAX_SWARM_STEPS``, with ``K * steps <= MAX_WORK``.
    record : "auto", "final" or int
        Which steps to keep in ``history``; see :func:`record_steps`.
    gradient : {"auto", "table", "exact"}
        See :func:`loss_oracle`.

    Returns
    -------
    Swarm
        Final w, exact final loss (:meth:`Spectrum.evaluate`), history, and
        ``diverged_at`` (a start that leaves ``|w| <= MAX_ABS_W`` is frozen and
        marked, never raised).

    Cost: about 0.04-0.1 us per start-step on the table route, optimizer
    included, plus ~0.1 s for the table. Measured for K = 10^4 x 1000 steps on
    the question's data, table build included: SGD 0.4-0.9 s, Adam 0.6-1.0 s
    (2 busy cores, load average ~4; ``bench/swarm.py``).
    """
    w0 = check_starts("w0s", w0s, MAX_STARTS)
    opt = OptimizerSpec(
        optimizer, lr, momentum=momentum, nesterov=nesterov, betas=betas, weight_decay=weight_decay
    )
    steps = check_steps(w0.size, steps)
    kept = record_steps(w0.size, steps, record)
    if isinstance(data, LossOracle):
        if gradient != "auto":
            raise ValueError("gradient must be 'auto' when data is a prebuilt LossOracle")
        oracle = data
    else:
        oracle = loss_oracle(data, gradient=gradient)
    history = np.full((kept.size, w0.size), np.nan)
    history[0] = w0
    row = 1
    w, dead, diverged_at = w0.copy(), np.zeros(w0.size, bool), np.full(w0.size, -1)
    for state in descend(oracle, w0, steps, lambda flat: opt.build(chunked(flat))):
        w, dead, diverged_at = state.w, state.dead, state.diverged_at
        if row < kept.size and state.step == kept[row]:
            history[row] = np.where(dead, np.nan, w)
            row += 1
    final = np.where(dead, np.nan, w)
    loss = np.full(w0.size, np.nan)
    loss[~dead] = oracle.spec.evaluate(final[~dead], 0)
    return Swarm(w0, final, loss, history, kept, diverged_at.copy(), opt, steps, oracle.method)
