"""The floor of a minimum: where it is (exactly, or to the digits a bound supports) and its order.

A minimum ``g`` of ``L`` found by Newton's method is known only to the rounding
of ``L'``; its derivatives there are sums whose float64 error
:meth:`~landscape.spectrum.Spectrum.rounding_bound` bounds. From these the
floor's order is decided:

* **quadratic**: ``L''(g) > 0`` beyond its bound. Gradient descent contracts
  the gap by ``1 - lr L''`` per step.
* **quartic**: ``L''`` and ``L'''`` vanish within their bounds (the rounding
  and what the location error explains), ``c4 = L''''/24 > 0``.
* **not a minimum**: ``L''(g) < 0`` beyond its bound.
* **undecided**: none of these can be read from float64 derivatives.

Where the data put a zero of the loss in closed form it is used instead
(:func:`zero_multiples`, checked on the data): for whole-number x labelled by
parity (``y_i = |x_i| mod 2``) every residual vanishes at ``w = pi/2 + k pi``,
for labels all 0 at ``w = k pi`` (and at w = 0 for any x); there ``L'``,
``L''`` and ``L'''`` vanish too, while ``L''''/24 = mean(x^4)``. For any
whole-number x, ``L'`` vanishes at every multiple of pi/2 (each
``sin(2 w x_i)`` does), so a quadratic minimum proved to be the only zero of
``L'`` within its bound of ``j pi/2`` is ``j pi/2``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import deferred
from .data import Dataset
from .deferred import Message
from .spectrum import MAX_ABS_W, Spectrum
from .surface import Source, as_spectrum

QUADRATIC = "quadratic"
QUARTIC = "quartic"
NOT_A_MINIMUM = "not a minimum"
UNDECIDED = "undecided"

# Most scan points between a located minimum and a closed-form zero: a located
# minimum is ~1e-9 from its zero, so a longer scan means a different basin.
_SAME_BASIN_POINTS = 4096


@dataclass(frozen=True)
class Floor:
    """A minimum's position and the order of its floor.

    Attributes
    ----------
    where : float
        The minimum: the float64 nearest ``j pi/2`` when :attr:`exact`, else
        the located value.
    exact : bool
        True when the minimum is known in closed form (:attr:`label`).
    label : str
        ``"π/2"``, ``"3π/2"``, ``"−π"``...: the closed form when exact, else "".
    bound : float
        ``|where - true minimiser| <= bound`` (0 when exact; for a quartic floor
        an estimate with a factor 2 margin, see :func:`locate`).
    kind : str
        :data:`QUADRATIC`, :data:`QUARTIC`, :data:`NOT_A_MINIMUM` or :data:`UNDECIDED`.
    loss : float
        ``L(where)`` (0 exactly at a parity zero).
    loss_bound : float
        ``|loss - L(true minimiser)| <= loss_bound``: L's rounding plus the rise
        of the floor over :attr:`bound` (0 when exact, nan without a bound). A
        loss within it of 0 is zero to rounding, not a finding.
    curvature, curvature_bound : float
        ``L''(where)`` and the bound on its difference from ``L''`` at the true
        minimiser (rounding plus what :attr:`bound` explains).
    third, third_bound : float
        ``L'''`` likewise.
    quartic_coef, quartic_bound : float
        ``c4 = L''''/24`` and its rounding bound.
    """

    where: float
    exact: bool
    label: str
    bound: float
    kind: str
    loss: float
    loss_bound: float
    curvature: float
    curvature_bound: float
    third: float
    third_bound: float
    quartic_coef: float
    quartic_bound: float

    @property
    def decimals(self) -> int | None:
        """Decimals of :attr:`where` that its bound supports (17 when exact; None
        when no bound is known: not a minimum, or a floor of undecided order).

        With ``10^-d >= bound`` the value rounded to d decimals is within 1.5
        units of its last digit of the true minimiser.
        """
        if self.exact or self.bound == 0.0:
            return 17
        if not math.isfinite(self.bound):
            return None
        return int(np.clip(math.floor(-math.log10(self.bound)), 0, 17))


def zero_multiples(data: Dataset) -> str:
    """Which multiples ``j pi/2`` are zeros of the loss, read exactly from the data.

    At ``w = j pi/2`` and whole x, ``sin^2(w x)`` is exactly 1 where j and x are
    both odd and 0 elsewhere, so the loss there is 0 iff every label equals
    that: ``"odd"`` when every ``y_i = |x_i| mod 2`` (parity labels: pi/2 + k pi),
    ``"even"`` when every label is 0 (0, pi, 2 pi, ...). For other x only
    ``w = 0`` can be known: ``"zero"`` when every label is 0. ``""`` when
    none is. O(N).
    """
    x, y = np.abs(np.asarray(data.x)), np.asarray(data.y)
    if not np.any(y):
        return "even" if data.is_integer else "zero"
    return "odd" if data.is_integer and np.array_equal(y, np.mod(x, 2.0)) else ""


def known_zero(data: Source, g: float, multiples: str | None = None) -> tuple[float, str] | None:
    """The closed-form zero of the loss that the minimum located at ``g`` is, if the data give one.

    The multiple ``j pi/2`` nearest g, when :func:`zero_multiples` makes it a
    zero of the loss and :func:`same_basin` joins it to g: ``(its float64
    value, its label such as "3π/2")``. None otherwise. ``multiples``, that
    function's answer if the caller has it, saves its O(N) check.
    """
    spec = as_spectrum(data)
    kind = zero_multiples(spec.data) if multiples is None else multiples
    j, zero = nearest_half_pi(g)
    if kind == "zero":
        j, zero = 0, 0.0
    wanted = {"odd": j % 2 == 1, "even": j % 2 == 0, "zero": True}.get(kind, False)
    if wanted and same_basin(spec, g, zero):
        return zero, half_pi_label(j)
    return None


def half_pi_label(j: int) -> str:
    """``j pi/2`` written in lowest terms: "0", "π/2", "π", "3π/2", "−π/2", "−2π"."""
    if j == 0:
        return "0"
    sign = "−" if j < 0 else ""
    j = abs(j)
    if j % 2:
        return f"{sign}{'' if j == 1 else j}π/2"
    return f"{sign}{'' if j == 2 else j // 2}π"


def nearest_half_pi(w: float) -> tuple[int, float]:
    """The multiple ``j pi/2`` nearest ``w``: ``(j, float64 nearest j pi/2)``."""
    j = round(2.0 * w / math.pi)
    return j, j * (math.pi / 2)


def _derivatives(spec: Spectrum, w: float) -> tuple[np.ndarray, np.ndarray]:
    """``L^(p)(w)`` for p = 0..4 and their rounding bounds (one direct sum each)."""
    at = np.array([w])
    values = np.array([spec.evaluate(at, p)[0] for p in range(5)])
    bounds = np.array([spec.rounding_bound(at, p)[0] for p in range(5)])
    return values, bounds


def _max_abs(spec: Spectrum, order: int) -> float:
    """``sum_k |a_k| omega_k^p``: a bound on ``|L^(p)|`` over every w."""
    return float(np.sum(np.abs(spec.amp) * spec.omega**order))


def _exact_floor(spec: Spectrum, w: float, label: str) -> Floor:
    """A closed-form zero ``j pi/2`` of the loss: L, L', L'', L''' vanish, ``c4 = mean(x^4)``.

    Every residual r_i and its slope ``sin(2 w x_i) x_i`` vanish there, and
    ``r_i'' = 2 x_i^2 cos(2 w x_i) = +-2 x_i^2``, so ``L'''' = 24 mean(x^4)``.
    """
    x = np.asarray(spec.data.x, dtype=np.float64)
    c4 = float(np.mean(x**4))
    return Floor(w, True, label, 0.0, QUARTIC, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, c4, 0.0)


def _quadratic_bound(values: np.ndarray, bounds: np.ndarray, m4: float) -> float:
    """A proved bound on the distance to the zero of ``L'``, or nan if none can be proved.

    If ``L'' >= m > 0`` on ``[g - r, g + r]`` and ``|L'(g)| <= m r``, L' has
    exactly one zero there, within ``|L'(g)| / m``. With ``c = L''(g) - e2``
    and ``r = 2 (|L'| + e1) / c``, Taylor's bound with ``|L''''| <= m4``
    everywhere gives ``m = c - (|L'''| + e3) r - m4 r^2 / 2``, enough when
    ``m >= c / 2``.
    """
    low = values[2] - bounds[2]
    if not low > 0:
        return np.nan
    slope = abs(values[1]) + bounds[1]
    reach = 2.0 * slope / low
    m = low - (abs(values[3]) + bounds[3]) * reach - m4 * reach**2 / 2
    return slope / m if m >= low / 2 else np.nan


def locate(data: Source, g: float) -> Floor:
    """The floor of the minimum located at ``g``: its order, bound and exact form if known.

    Parameters
    ----------
    data : Dataset or Spectrum
    g : float
        A located local minimum of L (e.g. from :func:`~landscape.surface.minima`),
        ``|g| <= MAX_ABS_W``.

    Notes
    -----
    Quadratic when :func:`_quadratic_bound` proves a unique zero of L' within
    ``bound`` of g. Otherwise quartic when ``c4 = L''''/24`` exceeds its bound
    and, with ``bound = 2 ((|L'| + e1) / (4 c4))^(1/3)`` (where
    ``4 c4 d^3`` is as small as L''s rounding, doubled), ``|L''| <= e2 +
    12 c4 bound^2`` and ``|L'''| <= e3 + 24 c4 bound``: what a true quartic
    floor shows at that distance. Whole-number x: a parity zero (loss 0) or
    a proved quadratic minimum at ``j pi/2`` is returned exactly.
    Cost: ten direct sums over the spectrum's K frequencies.
    """
    spec = as_spectrum(data, varying=True)
    if not (math.isfinite(g) and abs(g) <= MAX_ABS_W):
        raise ValueError(f"g must be finite and in [{-MAX_ABS_W:g}, {MAX_ABS_W:g}], got {g!r}")
    known = known_zero(spec, g)
    if known is not None:
        return _exact_floor(spec, *known)
    j, half_pi = nearest_half_pi(g)
    values, bounds = _derivatives(spec, g)
    quadratic = _quadratic_bound(values, bounds, _max_abs(spec, 4))
    if math.isfinite(quadratic):
        if spec.periodic and abs(half_pi - g) <= quadratic:
            exact_values, exact_bounds = _derivatives(spec, half_pi)
            return _floor(
                half_pi, True, half_pi_label(j), 0.0, QUADRATIC, exact_values, exact_bounds
            )
        return _floor(g, False, "", quadratic, QUADRATIC, values, bounds)
    c4, e4 = values[4] / 24, bounds[4] / 24
    if c4 > e4:
        reach = 2.0 * np.cbrt((abs(values[1]) + bounds[1]) / (4.0 * (c4 - e4)))
        e2 = bounds[2] + 12.0 * c4 * reach**2
        e3 = bounds[3] + 24.0 * c4 * reach
        if abs(values[2]) <= e2 and abs(values[3]) <= e3:
            # L'' and L''' are known only to what the location error explains.
            widened = np.array([bounds[0], bounds[1], e2, e3, bounds[4]])
            return _floor(g, False, "", reach, QUARTIC, values, widened)
    kind = NOT_A_MINIMUM if values[2] < -bounds[2] else UNDECIDED
    return _floor(g, False, "", np.nan, kind, values, bounds)


def same_basin(data: Source, g: float, zero: float) -> bool:
    """True when L does not rise (beyond rounding) on the way from ``g`` to ``zero``.

    Then no local maximum lies between them, so a minimum located at g and a
    known minimum ``zero`` are one minimum. Checked on a grid of a sixteenth
    of the shortest period (as :func:`~landscape.surface.minima` scans), ends
    included; False without looking when that grid would exceed 4096 points
    (a located minimum is far closer to its own zero).
    """
    spec = as_spectrum(data)
    lo, hi = min(g, zero), max(g, zero)
    if lo == hi:
        return True
    step = 2 * np.pi / max(spec.max_omega, 1.0) / 16
    count = max(int(np.ceil((hi - lo) / step)) + 1, 2)
    if count > _SAME_BASIN_POINTS:
        return False
    grid = np.linspace(lo, hi, count)
    slope = spec.evaluate(grid, 1) * (1.0 if g < zero else -1.0)
    # Moving from g towards the zero, L must not rise: a rise means a maximum between.
    margin = spec.rounding_bound(grid, 1)
    return bool(np.all(slope <= margin))


def _floor(
    where: float,
    exact: bool,
    label: str,
    bound: float,
    kind: str,
    values: np.ndarray,
    bounds: np.ndarray,
) -> Floor:
    # The floor rises over the bound by at most ~L'' d^2 / 2 or c4 d^4; doubled.
    rise = (abs(values[2]) + bounds[2]) * bound**2 + 2 * abs(values[4] / 24) * bound**4
    return Floor(
        float(where),
        exact,
        label,
        float(bound),
        kind,
        float(values[0]),
        float(bounds[0] + rise),
        float(values[2]),
        float(bounds[2]),
        float(values[3]),
        float(bounds[3]),
        float(values[4] / 24),
        float(bounds[4] / 24),
    )


def linear_rate(curvature: float, lr: float) -> float:
    """``1 - lr L''``: the factor by which a gradient step scales a small gap on a quadratic floor.

    ``L'(g + d) = L'' d + O(d^2)``, so ``d <- d - lr L'(g + d) = (1 - lr L'') d``
    to first order.
    """
    return 1.0 - lr * curvature


def linear_halving_steps(curvature: float, lr: float) -> float:
    """``ln 2 / -ln|1 - lr L''|``: steps to halve a small gap on a quadratic floor.

    Exact as the gap tends to 0. inf when ``|1 - lr L''| >= 1`` (``lr >= 2 / L''``
    or ``L'' <= 0``: the gap does not shrink); 0 when ``lr L'' = 1`` (one step
    lands on g to first order).
    """
    factor = abs(linear_rate(curvature, lr))
    if factor >= 1.0:
        return np.inf
    if factor == 0.0:
        return 0.0
    return math.log(2.0) / -math.log(factor)


def floor_label(floor: Floor) -> Message:
    """The minimum as a page writes it: closed form and 10 decimals when exact
    ("π/2 = 1.5707963268"), else the decimals its bound supports and the bound
    ("1.5707963 (± 9e-08)"); with no bound, six digits said to be unbounded.

    A :class:`~landscape.deferred.Message`, translated when shown (``str()``
    or an f-string): labels are cached across sessions in different languages.
    """
    if floor.exact:
        return deferred.gettext("{form} = {value}", form=floor.label, value=f"{floor.where:.10f}")
    if floor.decimals is None:
        return deferred.gettext(
            "{value} (located; its error is not bounded)", value=f"{floor.where:.6g}"
        )
    return deferred.gettext(
        "{value} (± {bound})", value=f"{floor.where:.{floor.decimals}f}", bound=f"{floor.bound:.0e}"
    )
