"""Datasets of (x, y) pairs for the model ``x -> sin(w x)**2``.

A :class:`Dataset` is validated once, at construction, so that every function
downstream can trust it: two 1-D float64 arrays of equal, non-zero length with
finite values, stored read-only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from .checks import check_int
from .i18n import _

#: Largest |x| accepted. Beyond it the phase ``w x`` of a float64 sum carries
#: rounding errors above 1e-7 near ``w = pi/2``, and no loss value means much.
MAX_ABS_X = 1e9

#: Most samples a dataset may hold (the question has 1e3; benchmarks use 1e6).
MAX_SAMPLES = 10_000_000

#: Largest fraction of the samples that may be held out for validation.
MAX_HOLDOUT = 0.5


def readonly(values: object) -> np.ndarray:
    """``values`` as a float64 array that cannot be written (results are shared)."""
    arr = np.array(values, dtype=np.float64)
    arr.setflags(write=False)
    return arr


def _as_vector(name: str, values: object) -> np.ndarray:
    try:
        arr = np.array(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be an array of real numbers: {exc}") from None
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must hold at least one sample, got none")
    if arr.size > MAX_SAMPLES:
        raise ValueError(f"{name} holds {arr.size} samples; at most {MAX_SAMPLES} are allowed")
    bad = ~np.isfinite(arr)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{name} must be finite; {name}[{first}] = {arr[first]!r}")
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False)
class Dataset:
    """Samples ``(x_i, y_i)``, i = 0..N-1, for the loss

    .. math:: L(w) = \\frac{1}{N} \\sum_i (\\sin^2(w x_i) - y_i)^2 .

    Parameters
    ----------
    x, y : array_like
        1-D, equal length N >= 1, finite; ``|x| <= MAX_ABS_X``. Copied to
        read-only float64 arrays.
    name : str
        A label for plots and exports.

    Raises
    ------
    ValueError
        Naming the offending argument and the allowed range.
    """

    x: np.ndarray
    y: np.ndarray
    name: str = field(default="custom")

    def __post_init__(self) -> None:
        x = _as_vector("x", self.x)
        y = _as_vector("y", self.y)
        if x.shape != y.shape:
            raise ValueError(f"x and y must have the same length, got {x.size} and {y.size}")
        if np.abs(x).max() > MAX_ABS_X:
            raise ValueError(f"|x| must be at most {MAX_ABS_X:g}, got {np.abs(x).max():g}")
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)

    @property
    def n(self) -> int:
        """Number of samples N."""
        return int(self.x.size)

    @property
    def is_integer(self) -> bool:
        """True when every x is a whole number (then L has period pi in w)."""
        return bool(np.all(self.x == np.round(self.x)))

    @property
    def max_abs_x(self) -> float:
        """``max_i |x_i|``: sets the finest period ``pi / max|x|`` of the loss."""
        return float(np.abs(self.x).max())

    def __repr__(self) -> str:
        return f"Dataset(name={self.name!r}, n={self.n}, max|x|={self.max_abs_x:g})"


def parity_data(n: int = 1000, high: int = 1000, seed: int = 0) -> Dataset:
    """The question's training set: ``n`` integers drawn uniformly from [0, high).

    Exactly the question's draw: ``x = np.random.RandomState(seed).randint(0,
    high, n)`` (with repeats), labels ``y = x mod 2`` (1 for odd). Any
    ``w = pi/2 + k pi`` fits it exactly.
    """
    n = check_int("n", n, 1, MAX_SAMPLES)
    high = check_int("high", high, 1, int(MAX_ABS_X))
    seed = check_int("seed", seed, 0, 2**32 - 1)
    x = np.random.RandomState(seed).randint(0, high, n)
    return Dataset(
        x.astype(np.float64),
        (x % 2).astype(np.float64),
        name=f"parity n={n} high={high} seed={seed}",
    )


def range_data(start: int, stop: int) -> Dataset:
    """Consecutive integers ``start, ..., stop - 1`` labelled by parity.

    ``range_data(0, 6)`` is the question's six-sample set, on which SGD works.
    """
    start = check_int("start", start, -int(MAX_ABS_X), int(MAX_ABS_X))
    stop = check_int("stop", stop, start + 1, min(start + MAX_SAMPLES, int(MAX_ABS_X) + 1))
    x = np.arange(start, stop)
    return Dataset(
        x.astype(np.float64), (x % 2).astype(np.float64), name=f"range {start}..{stop - 1}"
    )


def real_data(n: int = 1000, high: float = 1000.0, seed: int = 0) -> Dataset:
    """``n`` real x drawn uniformly from [0, high), labelled by the parity of floor(x).

    Not learnable exactly by ``sin^2(w x)``; it shows that the comb of minima
    does not depend on x being whole numbers. Drawn with
    ``np.random.default_rng(seed).uniform(0, high, n)``.
    """
    n = check_int("n", n, 1, MAX_SAMPLES)
    seed = check_int("seed", seed, 0, 2**32 - 1)
    if not (np.isfinite(high) and 0 < high <= MAX_ABS_X):
        raise ValueError(f"high must be in (0, {MAX_ABS_X:g}], got {high!r}")
    x = np.random.default_rng(seed).uniform(0.0, float(high), n)
    return Dataset(x, np.floor(x) % 2, name=f"real n={n} high={high:g} seed={seed}")


def with_label_noise(data: Dataset, sigma: float, seed: int = 0) -> Dataset:
    """A copy of ``data`` with ``y + sigma * N(0, 1)`` labels.

    Noise is drawn with ``np.random.default_rng(seed).normal(size=n)``; the
    minimisers move little, but no w reaches zero loss any more.
    """
    if not (np.isfinite(sigma) and 0 <= sigma <= 10):
        raise ValueError(f"sigma must be in [0, 10], got {sigma!r}")
    seed = check_int("seed", seed, 0, 2**32 - 1)
    noise = np.random.default_rng(seed).normal(size=data.n)
    return Dataset(data.x, data.y + sigma * noise, name=f"{data.name} + noise {sigma:g}")


#: The kinds of drawn data a :class:`Recipe` describes.
RecipeKind = Literal["parity", "range", "real"]


@dataclass(frozen=True)
class Recipe:
    """How a dataset is drawn: a small, hashable description that rebuilds it exactly.

    It is what caches key on and what a generated script writes out, so only
    the fields that the kind uses may differ from their defaults (two recipes
    that draw the same data compare equal).

    Parameters
    ----------
    kind : {"parity", "range", "real"}
        ``"parity"``: :func:`parity_data` ``(n, high, seed)``, the question's
        draw; ``"range"``: :func:`range_data` ``(start, stop)``; ``"real"``:
        :func:`real_data` ``(n, high, seed)``.
    n, high, seed, start, stop : int
        As the kind's function takes them.
    noise : float
        With ``noise > 0``, :func:`with_label_noise` ``(., noise, seed)`` on top.
    holdout : float
        Fraction in ``[0, MAX_HOLDOUT]`` of the drawn samples held out for
        validation ("range" and "real" only): :func:`holdout_split` ``(.,
        holdout, seed)`` after the draw (and the noise); :meth:`build` returns
        the rest. The "parity" kind takes none: its validation set is the
        question's second draw (see :meth:`validation`).

    Raises
    ------
    ValueError
        For an unknown kind, a holdout out of range, or a field that the kind
        does not use set away from its default.
    """

    kind: RecipeKind = "parity"
    n: int = 1000
    high: int = 1000
    seed: int = 0
    start: int = 0
    stop: int = 6
    noise: float = 0.0
    holdout: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in _RECIPE_FIELDS:
            raise ValueError(f"kind must be one of {', '.join(_RECIPE_FIELDS)}, got {self.kind!r}")
        if not (isinstance(self.holdout, int | float) and 0 <= self.holdout <= MAX_HOLDOUT):
            raise ValueError(f"holdout must be in [0, {MAX_HOLDOUT:g}], got {self.holdout!r}")
        used = _used_fields(self.kind, self.noise, self.holdout)
        for name in ("n", "high", "seed", "start", "stop", "holdout"):
            if name not in used and getattr(self, name) != getattr(Recipe, name):
                raise ValueError(
                    f"{name} is not used by kind={self.kind!r}; leave it at its default"
                )

    @classmethod
    def keeping(
        cls,
        kind: RecipeKind,
        *,
        n: int,
        high: int,
        seed: int,
        start: int,
        stop: int,
        noise: float,
        holdout: float = 0.0,
    ) -> Recipe:
        """The recipe of ``kind`` from a full set of fields, dropping those the kind does not use."""
        if kind not in _RECIPE_FIELDS:
            raise ValueError(f"kind must be one of {', '.join(_RECIPE_FIELDS)}, got {kind!r}")
        given = {
            "n": n,
            "high": high,
            "seed": seed,
            "start": start,
            "stop": stop,
            "holdout": holdout,
        }
        used = _used_fields(kind, noise, holdout)
        return cls(kind, noise=noise, **{k: v for k, v in given.items() if k in used})

    def build(self) -> Dataset:
        """The training set this recipe describes (without the held-out part). Cost O(n)."""
        out = self._drawn()
        return holdout_split(out, self.holdout, self.seed)[0] if self.holdout > 0 else out

    def _drawn(self) -> Dataset:
        # The whole draw, label noise included, held-out part not yet removed.
        if self.kind == "parity":
            out = parity_data(self.n, self.high, self.seed)
        elif self.kind == "range":
            out = range_data(self.start, self.stop)
        else:
            out = real_data(self.n, float(self.high), self.seed)
        return with_label_noise(out, self.noise, self.seed) if self.noise > 0 else out

    def validation(self) -> Dataset | None:
        """The validation set: the question's second draw, the held-out part, or None.

        - "parity": the next draw of the same stream, as the question's notebook
          makes it (``np.random.seed(seed); generate_data(n)`` twice): ``rs =
          np.random.RandomState(seed)``, training ``rs.randint(0, high, n)``,
          validation the next ``rs.randint(0, high, n)``, labels ``x mod 2``;
          with label noise, the next ``n`` normals of ``default_rng(seed)``
          after the training set's.
        - "range", "real" with ``holdout > 0``: the held-out part of
          :func:`holdout_split` (None if it holds no sample).
        - otherwise None. Cost O(n).
        """
        if self.kind == "parity":
            stream = np.random.RandomState(self.seed)
            stream.randint(0, self.high, self.n)
            x = stream.randint(0, self.high, self.n)
            y = (x % 2).astype(np.float64)
            if self.noise > 0:
                normals = np.random.default_rng(self.seed).normal(size=2 * self.n)
                y = y + self.noise * normals[self.n :]
            name = f"parity n={self.n} high={self.high} seed={self.seed} validation"
            return Dataset(x.astype(np.float64), y, name=name)
        if self.holdout == 0:
            return None
        return holdout_split(self._drawn(), self.holdout, self.seed)[1]

    def validation_note(self) -> str:
        """One sentence saying which validation set :meth:`validation` gives, for the page.

        In the language of the thread (:func:`landscape.i18n.speak`); the calls
        quoted are the script's code, the same in every language.
        """
        if self.kind == "parity":
            call = (
                f"generate_data({self.n})"
                if self.n == self.high
                else f"np.random.randint(0, {self.high}, {self.n})"
            )
            return _(
                "Validation set: the second draw of the same random stream, as the question's "
                "notebook makes it (np.random.seed({seed}), then {call} called twice): {n} more "
                "integers from [0, {high})."
            ).format(seed=self.seed, call=call, n=self.n, high=self.high)
        k = held_out_count(self.size_drawn, self.holdout)
        if k == 0:
            if self.holdout == 0:
                return _("No validation set: set 'holdout' to hold out a fraction of the samples.")
            return _(
                "No validation set: a fraction {fraction} of {n} samples rounds down to none."
            ).format(fraction=f"{self.holdout:g}", n=self.size_drawn)
        return _(
            "Validation set: {k} of the {n} samples held out (fraction {fraction}, chosen with "
            "seed {seed}); training uses the other {rest}."
        ).format(
            k=k,
            n=self.size_drawn,
            fraction=f"{self.holdout:g}",
            seed=self.seed,
            rest=self.size_drawn - k,
        )

    @property
    def has_validation(self) -> bool:
        """Whether :meth:`validation` gives a set (known without drawing)."""
        return self.kind == "parity" or held_out_count(self.size_drawn, self.holdout) > 0

    @property
    def size_drawn(self) -> int:
        """Number of samples the recipe draws, held-out part included."""
        return self.stop - self.start if self.kind == "range" else self.n

    @property
    def size(self) -> int:
        """Number of training samples (held-out part excluded), known without drawing them."""
        return self.size_drawn - held_out_count(self.size_drawn, self.holdout)

    @property
    def max_abs_x(self) -> float:
        """An upper bound on ``max|x|`` of the data, known without drawing them."""
        if self.kind == "range":
            return float(max(abs(self.start), abs(self.stop - 1), 1))
        return float(self.high)


# The fields each kind of recipe reads (noise and holdout read seed too).
_RECIPE_FIELDS = {
    "parity": ("n", "high", "seed"),
    "range": ("start", "stop", "holdout"),
    "real": ("n", "high", "seed", "holdout"),
}


def _used_fields(kind: str, noise: float, holdout: float = 0.0) -> set[str]:
    # Label noise and the held-out choice are drawn from the seed, whatever the kind.
    seeded = noise > 0 or (holdout > 0 and "holdout" in _RECIPE_FIELDS[kind])
    return set(_RECIPE_FIELDS[kind]) | ({"seed"} if seeded else set())


def held_out_count(n: int, fraction: float) -> int:
    """Samples :func:`holdout_split` holds out of ``n``: ``floor(fraction * n)``."""
    return math.floor(fraction * n)


def holdout_split(data: Dataset, fraction: float, seed: int) -> tuple[Dataset, Dataset | None]:
    """``data`` split into a training part and a held-out validation part.

    The held-out part is ``floor(fraction * N)`` samples, those at the first
    indices of ``np.random.default_rng(seed).permutation(N)``; both parts keep
    the samples in their original order (the training sums then add in the
    same order as on the whole set).

    Parameters
    ----------
    data : Dataset
    fraction : float
        In ``[0, MAX_HOLDOUT]``.
    seed : int
        In ``[0, 2**32 - 1]``.

    Returns
    -------
    (Dataset, Dataset or None)
        Training part (at least half the samples) and held-out part, None
        when ``floor(fraction * N) == 0``. Cost O(N).

    Raises
    ------
    ValueError
        For a fraction or seed out of range.
    """
    if not (isinstance(fraction, int | float) and 0 <= fraction <= MAX_HOLDOUT):
        raise ValueError(f"fraction must be in [0, {MAX_HOLDOUT:g}], got {fraction!r}")
    seed = check_int("seed", seed, 0, 2**32 - 1)
    k = held_out_count(data.n, fraction)
    held = np.zeros(data.n, dtype=bool)
    held[np.random.default_rng(seed).permutation(data.n)[:k]] = True
    train = Dataset(data.x[~held], data.y[~held], name=f"{data.name}, {data.n - k} kept")
    if k == 0:
        return train, None
    return train, Dataset(data.x[held], data.y[held], name=f"{data.name}, {k} held out")
