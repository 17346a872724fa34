"""The loss of ``sin^2(w x)`` as a cosine series in w, and its fast evaluation.

With ``t = w x`` the identity ``(sin^2 t - y)^2 = (3/8 - y + y^2) + (y - 1/2) cos 2t
+ (1/8) cos 4t`` turns the mean squared error into

.. math::

    L(w) = c_0 + \\sum_k a_k \\cos(\\omega_k w),

with one frequency ``2|x_i|`` and one ``4|x_i|`` per sample (equal frequencies
merged). Derivatives are the same series with ``a_k`` multiplied by
``omega_k^p`` and the cosine shifted by ``p pi / 2``. For whole-number x every
frequency is an even integer, ``L`` is a trigonometric polynomial in
``theta = 2 w`` of degree ``2 max|x|`` and has period pi in w.

Evaluation at G points costs O(G + K log K) through a non-uniform FFT
(``finufft`` type 2 for whole-number x, type 3 otherwise) instead of the
O(G N) of a forward pass per point; tiny problems use the direct sum.
"""

from __future__ import annotations

from dataclasses import dataclass

import finufft
import numpy as np

from .data import Dataset

#: Most points one evaluation accepts (a float64 grid of 10^7 points is 80 MB;
#: the transform needs about ten times that in scratch space).
MAX_POINTS = 10_000_000

#: Largest |w| accepted. Past it a float64 phase ``w x`` for ``|x| ~ 10^6`` has
#: lost more than 1e-7 of accuracy and the landscape is numerical noise.
MAX_ABS_W = 1e3

#: Largest space-bandwidth product ``max(omega) * (w span)`` for real x: the
#: type-3 transform allocates a grid proportional to it.
MAX_BANDWIDTH_SPAN = 2e8

#: Largest degree of the dense integer series (|x| up to 5e6).
MAX_DEGREE = 10_000_000

# finufft's tolerance is relative to the l1 norm of the modes; asking for this
# much absolute accuracy (a tenth of the promised 1e-10) keeps the spreading
# kernel as narrow as the promise allows: measured errors ~1e-12.
_NUFFT_ABS_TOL = 1e-11

#: Direct sums below this many (point, frequency) pairs: cheaper than planning
#: a transform, and they are what the few-point Newton refinements need. Also
#: the rows of points a direct sum takes at a time (a few MB of phases).
DIRECT_WORK = 1 << 18

# From this many modes the transform's FFT dominates and a second thread pays
# (measured: 1e6 points on 4e6 modes, 0.6 s with one thread, 0.4 s with two).
_THREADED_MODES = 1 << 20

# pi in three parts (Cody and Waite): the first two have at most 30 significant
# bits, so k * part is exact for |k| < 2^23 and theta - k pi loses nothing
# beyond the rounding of the (small) result.
_PI_A = 3.141592651605606
_PI_B = 1.984187036896401e-09
_PI_C = 1.2246467991473532e-16


@dataclass(frozen=True, eq=False)
class Spectrum:
    """The cosine series ``L(w) = c0 + sum_k amp[k] cos(omega[k] w)`` of a dataset.

    Attributes
    ----------
    data : Dataset
        The samples it was built from (kept for the float32 view).
    c0 : float
        Constant term, including the zero-frequency terms of samples with x = 0.
    omega : ndarray
        Distinct positive frequencies, ascending.
    amp : ndarray
        Their amplitudes.
    coef : ndarray or None
        For whole-number x: ``coef[m]`` multiplies ``cos(2 m w)``, m = 0..2max|x|
        (``coef[0] = c0``); None for real x.
    """

    data: Dataset
    c0: float
    omega: np.ndarray
    amp: np.ndarray
    coef: np.ndarray | None

    @property
    def periodic(self) -> bool:
        """True when L has period pi (whole-number x)."""
        return self.coef is not None

    @property
    def max_omega(self) -> float:
        """Highest frequency ``4 max|x|``; basins are about ``2 pi / max_omega`` wide."""
        return float(self.omega[-1]) if self.omega.size else 0.0

    def evaluate(self, w: np.ndarray, order: int = 0) -> np.ndarray:
        """``d^p L / dw^p`` at every point of ``w`` (any shape), float64.

        Parameters
        ----------
        w : ndarray
            Finite points with ``|w| <= MAX_ABS_W``, at most ``MAX_POINTS``.
        order : int
            p in 0..4: loss, gradient, curvature, and the third and fourth
            derivatives (the quartic coefficient at a flat minimum is the
            fourth derivative over 24).
        """
        w = check_points(w)
        if order not in (0, 1, 2, 3, 4):
            raise ValueError(f"order must be an integer in [0, 4], got {order!r}")
        flat = w.ravel()
        if flat.size == 0:
            return np.zeros(w.shape)
        if self._direct_is_cheaper(flat.size):
            out = self._direct(flat, order)
        elif self.periodic:
            out = self._nufft_periodic(flat, order)
        else:
            out = self._nufft_real(flat, order)
        return out.reshape(w.shape)

    def rounding_bound(self, w: np.ndarray, order: int = 0) -> np.ndarray:
        """A bound on the float64 error of :meth:`evaluate` ``(w, order)`` at each point.

        With ``S_p = sum_k |a_k| omega_k^p`` and ``u = 2^-53``, the direct sum
        evaluates each term ``a_k omega_k^p cos(omega_k w + p pi/2)`` from a
        phase reduced to ``r = |w - j pi/2|`` (whole-number x, ``j`` the nearest
        multiple; ``r = |w|`` for real x). The reduction and the product
        ``omega r`` round by at most ``u (5 r + 1e-8 |j|) omega``, the shift by
        ``p pi/2`` by ``u p pi``, cos and the weight by ``(p + 6) u``, all
        relative to the term's size; summing K terms adds ``K u / (1 - K u)``
        of ``S_p`` (the classic dot-product bound). So the bound is
        ``u ((5 r + 1e-8 |j|) S_(p+1) + (p pi + p + 6) S_p) + gamma_K S_p``
        (+ ``2 u |c0|`` for the loss). Where :meth:`evaluate` takes the
        transform instead, finufft's tolerance times the l1 norm of its modes
        (its documented accuracy, an estimate rather than a proof) is added.
        O(1) per point after an O(K) sum.
        """
        w = check_points(w)
        if order not in (0, 1, 2, 3, 4):
            raise ValueError(f"order must be an integer in [0, 4], got {order!r}")
        u = 2.0**-53
        size = np.abs(self.amp)
        s_p = float(np.sum(size * self.omega**order))
        s_next = float(np.sum(size * self.omega ** (order + 1)))
        if self.periodic:
            j = np.round(2.0 * w / np.pi)
            reach = 5.0 * np.abs(w - j * (np.pi / 2)) + 1e-8 * np.abs(j)
        else:
            reach = 5.0 * np.abs(w)
        terms = self.omega.size
        gamma = terms * u / (1.0 - terms * u)
        out = u * (reach * s_next + (order * (np.pi + 1) + 6) * s_p) + gamma * s_p
        if order == 0:
            out = out + 2 * u * abs(self.c0)
        if w.size and not self._direct_is_cheaper(w.size):
            out = out + nufft_tolerance(size * self.omega**order, self.max_omega, order) * s_p
        return out

    def _direct_is_cheaper(self, points: int) -> bool:
        # A transform costs about (points + modes) log(modes); a direct sum
        # points x frequencies. Sparse spectra of high degree (few samples with
        # large x) and the few-point Newton refinements go direct.
        modes = self.coef.size if self.periodic else self.omega.size
        work = points * max(self.omega.size, 1)
        return work <= max(DIRECT_WORK, 8 * (points + modes))

    def _direct(self, w: np.ndarray, order: int) -> np.ndarray:
        shift = order * np.pi / 2
        if self.periodic:
            theta, k = centred_angle(2.0 * w)
            m = np.rint(self.omega / 2).astype(np.int64)
            weights = self.amp * self.omega**order * parity_sign(m, k)
            freqs, points = m.astype(np.float64), theta
        else:
            weights = self.amp * self.omega**order
            freqs, points = self.omega, w
        out = np.empty(points.size)
        rows = max(1, DIRECT_WORK // max(freqs.size, 1))
        for start in range(0, points.size, rows):
            phases = np.multiply.outer(points[start : start + rows], freqs)
            out[start : start + rows] = np.cos(phases + shift) @ weights
        return out + (self.c0 if order == 0 else 0.0)

    def _nufft_periodic(self, w: np.ndarray, order: int) -> np.ndarray:
        coef = self.coef
        degree = coef.size - 1
        m = np.arange(degree + 1, dtype=np.float64)
        # Modes -D..D; only m >= 0 carry weight, so Re(sum) is the cosine series
        # and (2 i m)^p turns it into its p-th derivative in w.
        theta, k = centred_angle(2.0 * w)
        modes = np.zeros(2 * degree + 1, dtype=np.complex128)
        modes[degree:] = coef * (2j * m) ** order * parity_sign(np.arange(degree + 1), k)
        eps = nufft_tolerance(modes, self.max_omega, order)
        out = finufft.nufft1d2(theta, modes, isign=1, eps=eps, nthreads=nufft_threads(modes.size))
        return out.real

    def _nufft_real(self, w: np.ndarray, order: int) -> np.ndarray:
        span = float(w.max() - w.min())
        if self.max_omega * span > MAX_BANDWIDTH_SPAN:
            raise ValueError(
                f"w window of width {span:g} is too wide for real x up to "
                f"{self.max_omega / 4:g}: max|x| * width must be at most {MAX_BANDWIDTH_SPAN / 4:g}"
            )
        strengths = (self.amp * (1j * self.omega) ** order).astype(np.complex128)
        eps = nufft_tolerance(strengths, self.max_omega, order)
        out = finufft.nufft1d3(
            self.omega, strengths, w, isign=1, eps=eps, nthreads=nufft_threads(strengths.size)
        )
        return out.real + (self.c0 if order == 0 else 0.0)


def nufft_threads(size: int) -> int:
    """finufft's ``nthreads`` for a transform of ``size`` modes or sources.

    Parameters
    ----------
    size : int
        Modes (type 2) or source points (type 3) of the transform.

    Returns
    -------
    int
        1 below ``_THREADED_MODES`` (the app's sizes: measured faster, less
        start-up), else 2 (there the FFT dominates and a second thread pays).
    """
    return 1 if size < _THREADED_MODES else 2


def nufft_tolerance(weights: np.ndarray, max_omega: float, order: int) -> float:
    """finufft's relative tolerance ``eps`` for an absolute error near ``_NUFFT_ABS_TOL``.

    The error of a transform is about ``eps * sum|weights|``, so
    ``eps = _NUFFT_ABS_TOL * max(max_omega / 4, 1)^order / sum|weights|``: the promise
    for the p-th derivative is scaled by ``max|x|^p = (max_omega / 4)^p``.

    Parameters
    ----------
    weights : ndarray
        The transform's modes or strengths (any shape, complex or real).
    max_omega : float
        Largest frequency of the series, ``4 max|x|``.
    order : int
        Derivative order p of what the transform evaluates.

    Returns
    -------
    float
        ``eps`` clipped to ``[1e-14, 1e-6]``.
    """
    l1 = max(float(np.abs(weights).sum()), 1e-300)
    eps = _NUFFT_ABS_TOL * max(max_omega / 4, 1.0) ** order / l1
    return float(np.clip(eps, 1e-14, 1e-6))


def _minus_k_pi(theta: np.ndarray, k: np.ndarray | int) -> np.ndarray:
    """``theta - k pi`` with pi carried in three parts (|k| < 2^23)."""
    return ((theta - k * _PI_A) - k * _PI_B) - k * _PI_C


def reduce_angle(theta: np.ndarray) -> np.ndarray:
    """``theta`` mapped to [-pi, pi] modulo 2 pi.

    A plain ``np.mod(theta, 2 * np.pi)`` is off by ``k * 2.4e-16`` after k turns,
    which a frequency of 10^6 multiplies into 1e-10 of loss.
    """
    return _minus_k_pi(theta, 2.0 * np.round(theta / (2 * np.pi)))


def centred_angle(theta: np.ndarray) -> tuple[np.ndarray, int]:
    """``(theta - k pi, k)`` with k pi the multiple of pi nearest the middle of theta's range.

    ``cos(m theta) = (-1)^(m k) cos(m (theta - k pi))``, and near the solutions
    ``w = pi/2 + j pi`` the shifted angle is tiny, so its rounding error (which
    a frequency m multiplies) shrinks from ~2e-16 to ~1e-16 * |theta - k pi|.
    Points more than 3 pi away (finufft's domain) are reduced modulo 2 pi.

    Parameters
    ----------
    theta : ndarray, shape (G,)
        Angles, float64, G >= 1, ``|theta| < 2^23 pi``.

    Returns
    -------
    shifted : ndarray, shape (G,)
        ``theta - k pi`` with pi in three parts, each in ``[-3 pi, 3 pi]``.
    k : int
        The shift; multiply mode m by :func:`parity_sign` ``(m, k)`` to make up for it.
    """
    k = int(np.round(0.5 * (theta.min() + theta.max()) / np.pi))
    shifted = _minus_k_pi(theta, k)
    far = np.abs(shifted) > 3 * np.pi
    if far.any():
        shifted[far] = reduce_angle(shifted[far])
    return shifted, k


def parity_sign(m: np.ndarray, k: int) -> np.ndarray:
    """``(-1)^(m k)``, the factor that a shift of theta by k pi puts on mode m.

    Parameters
    ----------
    m : ndarray of int
        Mode numbers (any sign).
    k : int
        The shift of :func:`centred_angle`.

    Returns
    -------
    ndarray of float, shape of ``m``
        +1.0 where ``m k`` is even, -1.0 where it is odd.
    """
    return 1.0 - 2.0 * ((m * k) % 2)


def check_points(w: object) -> np.ndarray:
    """``w`` as a float64 array, or a ValueError naming what is wrong with it."""
    try:
        arr = np.asarray(w, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"w must be an array of real numbers: {exc}") from None
    if arr.size > MAX_POINTS:
        raise ValueError(f"w has {arr.size} points; at most {MAX_POINTS} are allowed")
    if arr.size and not np.isfinite(arr).all():
        raise ValueError("w must be finite")
    if arr.size and np.abs(arr).max() > MAX_ABS_W:
        raise ValueError(f"|w| must be at most {MAX_ABS_W:g}, got {np.abs(arr).max():g}")
    return arr


def spectrum(data: Dataset) -> Spectrum:
    """Build the cosine series of ``data``'s loss; O(N + max|x|) for whole-number x.

    Each sample contributes ``(y - 1/2)/N`` at frequency ``2|x|`` and ``1/(8N)``
    at ``4|x|`` (cos is even, so the sign of x drops out); samples with x = 0
    fold into the constant, so that ``L(w) = c0 + sum_k amp_k cos(omega_k w)``
    holds term by term.
    """
    if not isinstance(data, Dataset):
        raise ValueError(f"data must be a Dataset, got {type(data).__name__}")
    n = data.n
    ax = np.abs(data.x)
    lin = (data.y - 0.5) / n
    quart = np.full(n, 0.125 / n)
    c0 = float(np.mean(0.375 - data.y + data.y**2))
    if data.is_integer and 2 * data.max_abs_x <= MAX_DEGREE:
        m = ax.astype(np.int64)
        size = 2 * int(m.max()) + 1
        coef = np.bincount(m, weights=lin, minlength=size) + np.bincount(
            2 * m, weights=quart, minlength=size
        )
        coef[0] += c0
        nz = np.flatnonzero(coef[1:]) + 1
        coef.setflags(write=False)
        return Spectrum(data, float(coef[0]), 2.0 * nz, coef[nz].copy(), coef)
    freqs = np.concatenate([2.0 * ax, 4.0 * ax])
    weights = np.concatenate([lin, quart])
    omega, index = np.unique(freqs, return_inverse=True)
    amp = np.bincount(index, weights=weights)
    if omega[0] == 0.0:
        c0 += float(amp[0])
        omega, amp = omega[1:], amp[1:]
    return Spectrum(data, c0, omega, amp, None)
