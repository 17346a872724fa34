"""Every setting of the app in one place: key, type, range, default, and presets.

:class:`Settings` is the single serialisable state of the app (like
tensorflow/playground's ``State``): a frozen dataclass whose fields are the URL
keys of :data:`PARAMS`, the one table that states each key's type, range,
default and label. The app builds its widgets from that table and binds each one
to the URL; :meth:`Settings.from_query` validates a URL (unknown or invalid
values fall back to their default with a notice naming the key), and
:meth:`Settings.to_query` writes back only what differs from the defaults.

A *preset* is a partial Settings: a few keys with other values. A URL holding
``preset=...`` takes that preset's values as its defaults, so a share link only
lists what the user changed on top of the preset.

Nothing here computes: building the dataset and the training arguments from a
Settings are simple, explicit mappings onto :mod:`landscape.data` and
:func:`landscape.train.train`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from types import MappingProxyType
from typing import Any, Literal

from landscape.data import Dataset, Recipe
from landscape.optim import OPTIMIZERS, OptimizerSpec, takes
from landscape.remedies import VARIANTS as REMEDY_VARIANTS
from landscape.surface import SCAN_DENSITY
from landscape.train import TrainSettings

#: Most samples the app draws; training and maps stay interactive below this.
MAX_N = 100_000
#: Largest |x| (and ``high``) the app accepts: the landscape is exact up to 1e6.
MAX_X = 1_000_000
#: Most optimizer steps (epochs x batches per epoch) one run may take in the app
#: (the engine's own limit, landscape.train.MAX_STEPS, is larger).
MAX_RUN_STEPS = 20_000
#: Largest window width times max|x|: about three local minima per unit, so the
#: window holds ~300 minima at most (the question's holds 118, at 0.35 x 999 = 350).
#: Locating them (landscape.surface.minima, twice per window) took up to 2.5 s
#: each at this size (max|x| = 1e6); wider windows grow linearly.
MAX_WINDOW = 1000.0
#: Most points of that grid over an allowed window (MAX_WINDOW implies it).
MAX_GRID = math.ceil(MAX_WINDOW * 4 * SCAN_DENSITY / (2 * math.pi)) + 1
#: Largest |w| of the window and of w0 (the landscape is exact up to |w| = 1000).
MAX_W = 1000.0
#: Seeds are unsigned 32-bit integers, as ``np.random.RandomState`` requires.
MAX_SEED = 2**32 - 1

Value = bool | int | float | str
Kind = Literal["int", "float", "bool", "choice"]


@dataclass(frozen=True)
class Param:
    """One setting: its URL key, type, allowed values, default and label.

    ``lo``/``hi`` bound numbers (inclusive); ``choices`` lists the allowed
    strings of a choice, which are also their URL values and their labels.
    Floats keep ``digits`` significant digits, in the URL and in the run
    alike, so that a share link replays exactly what the app computed.
    ``step`` is the +/- increment of a number widget; ``bound`` is False for
    a key that only the URL sets (no widget holds it).
    """

    key: str
    kind: Kind
    default: Value
    label: str
    help: str = ""
    lo: float | None = None
    hi: float | None = None
    choices: tuple[str, ...] = ()
    digits: int = 12
    step: float | None = None
    bound: bool = True

    def describe(self) -> str:
        """The allowed range, as a notice states it."""
        if self.kind == "bool":
            return "true or false"
        if self.kind == "choice":
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.kind == "int":
            return f"an integer in [{int(self.lo)}, {int(self.hi)}]"
        return f"a number in [{self.lo:g}, {self.hi:g}]"

    def refusal(self, value: object) -> ValueError:
        """The error for a refused ``value``: the key, the allowed range, the value quoted."""
        return ValueError(f"{self.key} must be {self.describe()}, got {_short(value)}")

    def check(self, value: object) -> Value:
        """``value`` normalised to this parameter's type, or ValueError naming the key."""
        error = self.refusal(value)
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise error
            return value
        if self.kind == "choice":
            if value not in self.choices:
                raise error
            return str(value)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise error
        if self.kind == "int":
            if isinstance(value, float) and not value.is_integer():
                raise error
            if not self.lo <= int(value) <= self.hi:
                raise error
            return int(value)
        try:
            number = float(value)
        except OverflowError:
            raise error from None
        if not (math.isfinite(number) and self.lo <= number <= self.hi):
            raise error
        # Rounding may step just past a bound (0.99999999 -> 1 > 0.999): clip back.
        return min(max(round_significant(number, self.digits), self.lo), self.hi)

    def parse(self, text: str) -> Value:
        """A URL value read as this parameter (same rules as Streamlit's bound widgets)."""
        error = self.refusal(text)
        try:
            if self.kind == "bool":
                # Streamlit's bound widgets read only true/false; "1"/"0" too
                # for a key that no widget holds (locked=1).
                words = {"true": True, "false": False}
                if not self.bound:
                    words |= {"1": True, "0": False}
                if text.lower() not in words:
                    raise error
                return words[text.lower()]
            if self.kind == "choice":
                return self.check(text)
            if self.kind == "int":
                return self.check(int(text))
            return self.check(float(text))
        except (ValueError, OverflowError):
            raise error from None

    def format(self, value: Value) -> str:
        """``value`` as it goes into a URL."""
        if self.kind == "bool":
            return "true" if value else "false"
        if self.kind == "float":
            return _format_float(float(value))
        return str(value)


def _taking(hyperparameter: str) -> str:
    """The optimizers that take ``hyperparameter``, for a help text or a notice."""
    return " or ".join(name for name in OPTIMIZERS if takes(name, hyperparameter))


def _short(value: object) -> str:
    # URL text can be long: a notice quotes at most 40 characters of it.
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def round_significant(value: float, digits: int) -> float:
    """``value`` rounded to ``digits`` significant decimal digits (exact for typed values)."""
    if value == 0.0 or not math.isfinite(value):
        return value
    return float(f"{value:.{digits}g}")


def _format_float(value: float) -> str:
    # Shortest text that reads back as the same float; "5" rather than "5.0",
    # as Streamlit writes whole numbers into the URL.
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


PRESET_QUESTION = "The question (fails)"
PRESET_SIX = "Six samples 0-5 (works)"
PRESET_CURRICULUM = "Curriculum"
PRESET_ADAM = "Adam"
PRESET_COMPLEX = "Complex surrogate"
PRESET_GLOBAL = "Global search"

DATA_PARITY = "random integers"
DATA_RANGE = "consecutive integers"
DATA_REAL = "random reals"

TAB_LANDSCAPE = "Landscape"
TAB_WHY = "Why it fails"
TAB_BASINS = "Basins"
TAB_FIXES = "Fixes"
TAB_EXPORT = "Export"
TABS = (TAB_LANDSCAPE, TAB_WHY, TAB_BASINS, TAB_FIXES, TAB_EXPORT)

#: The method of the Landscape tab's run: ``"none"`` trains the question's model
#: with the chosen torch.optim optimizer; the others are remedies (see
#: :data:`REMEDY_VARIANTS`).
METHOD_NONE = "none"

#: Every setting, in the order the control panel shows them.
PARAMS: tuple[Param, ...] = (
    Param(
        "preset",
        "choice",
        PRESET_QUESTION,
        "Preset",
        "Sets everything at once; a share link stores only what you change on top of it.",
        choices=(
            PRESET_QUESTION,
            PRESET_SIX,
            PRESET_CURRICULUM,
            PRESET_ADAM,
            PRESET_COMPLEX,
            PRESET_GLOBAL,
        ),
    ),
    Param(
        "data",
        "choice",
        DATA_PARITY,
        "Data",
        "random integers: the question's draw, x = RandomState(seed).randint(0, high, n); "
        "consecutive integers: start, ..., stop - 1; random reals: uniform in [0, high), "
        "labelled by the parity of floor(x). Labels y = x mod 2.",
        choices=(DATA_PARITY, DATA_RANGE, DATA_REAL),
    ),
    Param("n", "int", 1000, "Samples n", lo=1, hi=MAX_N),
    Param("high", "int", 1000, "x below (high)", "x is drawn from [0, high).", lo=1, hi=MAX_X),
    Param(
        "seed", "int", 0, "Data seed", "Seeds the draw of x and the label noise.", lo=0, hi=MAX_SEED
    ),
    Param("start", "int", 0, "First x (start)", lo=-MAX_X, hi=MAX_X),
    Param("stop", "int", 6, "Stop (last x + 1)", lo=-MAX_X, hi=MAX_X),
    Param(
        "noise",
        "float",
        0.0,
        "Label noise sigma",
        "Adds sigma * N(0, 1) to every label (seeded by the data seed).",
        lo=0.0,
        hi=1.0,
        step=0.05,
    ),
    Param(
        "method",
        "choice",
        METHOD_NONE,
        "Method",
        "'none' trains the question's model with the optimizer below; the others replace "
        "that run by a remedy from the Fixes tab, with the remedy's own optimizer and steps.",
        choices=(METHOD_NONE, *REMEDY_VARIANTS),
    ),
    Param(
        "opt",
        "choice",
        "sgd",
        "Optimizer (torch.optim)",
        choices=OPTIMIZERS,
    ),
    Param("lr", "float", 4e-4, "Learning rate", lo=1e-9, hi=100.0, digits=6, step=1e-4),
    Param("w0", "float", 1.5, "Initial weight w0", lo=-MAX_W, hi=MAX_W, step=0.01),
    Param("epochs", "int", 100, "Epochs", lo=1, hi=MAX_RUN_STEPS),
    Param("batch", "int", 0, "Batch size (0 = full batch)", lo=0, hi=MAX_N),
    Param(
        "momentum",
        "float",
        0.0,
        "Momentum",
        f"{_taking('momentum')} only.",
        lo=0.0,
        hi=0.999,
        digits=6,
        step=0.1,
    ),
    Param("nesterov", "bool", False, "Nesterov", f"{_taking('nesterov')} with momentum > 0 only."),
    Param(
        "tseed",
        "int",
        0,
        "Shuffle seed",
        "Seeds the mini-batch order (unused for full batch).",
        lo=0,
        hi=MAX_SEED,
    ),
    Param("lo", "float", 1.40, "Window from w =", lo=-MAX_W, hi=MAX_W, step=0.05),
    Param("hi", "float", 1.75, "Window to w =", lo=-MAX_W, hi=MAX_W, step=0.05),
    Param("logy", "bool", False, "Log-scale loss axis"),
    Param(
        "f32",
        "bool",
        False,
        "Overlay the float32 landscape",
        "What the student's float32 forward pass computes, on a coarser grid.",
    ),
    Param("tab", "choice", TAB_LANDSCAPE, "Tab", choices=TABS),
    Param(
        "locked",
        "bool",
        False,
        "Student view",
        "Hides the control panel (locked=1 in the URL).",
        bound=False,
    ),
)

#: The table above by key.
SPECS: Mapping[str, Param] = MappingProxyType({p.key: p for p in PARAMS})


class SettingsError(ValueError):
    """A cross-field rule that fails; ``fix`` holds values of the keys involved that satisfy it."""

    def __init__(self, message: str, fix: Mapping[str, Value]) -> None:
        super().__init__(message)
        self.fix = dict(fix)


@dataclass(frozen=True)
class Settings:
    """The whole state of the app; the defaults are the question's setup.

    Construct it with keywords. Every value is checked against :data:`SPECS`
    (ValueError naming the key and its range), then against the cross-field
    rules (:class:`SettingsError`, a ValueError naming the keys). Floats are
    rounded to their spec's significant digits, so equal URLs give equal
    Settings and the URL holds exactly what the app computes with.
    """

    preset: str = PRESET_QUESTION
    data: str = DATA_PARITY
    n: int = 1000
    high: int = 1000
    seed: int = 0
    start: int = 0
    stop: int = 6
    noise: float = 0.0
    method: str = METHOD_NONE
    opt: str = "sgd"
    lr: float = 4e-4
    w0: float = 1.5
    epochs: int = 100
    batch: int = 0
    momentum: float = 0.0
    nesterov: bool = False
    tseed: int = 0
    lo: float = 1.40
    hi: float = 1.75
    logy: bool = False
    f32: bool = False
    tab: str = TAB_LANDSCAPE
    locked: bool = False

    def __post_init__(self) -> None:
        for f in fields(self):
            object.__setattr__(self, f.name, SPECS[f.name].check(getattr(self, f.name)))
        self._check_rules()

    def _check_rules(self) -> None:
        # Checked in dependency order (the window's limit depends on the data),
        # each failure proposing values that satisfy it.
        if self.data == DATA_RANGE and not 0 < self.stop - self.start <= MAX_N:
            fix = (
                {"start": 0, "stop": 6} if self.stop <= self.start else {"start": self.stop - MAX_N}
            )
            raise SettingsError(
                f"stop - start must be in [1, {MAX_N}], got start={self.start}, stop={self.stop}",
                fix,
            )
        if self.batch > self.samples():
            raise SettingsError(
                f"batch must be at most the number of samples ({self.samples()}), got {self.batch}",
                {"batch": 0},
            )
        if self.steps() > MAX_RUN_STEPS:
            per_epoch = self.steps() // self.epochs
            fix = (
                {"epochs": MAX_RUN_STEPS // per_epoch}
                if per_epoch <= MAX_RUN_STEPS
                else {"epochs": 1, "batch": -(-self.samples() // MAX_RUN_STEPS)}
            )
            raise SettingsError(
                f"epochs x batches per epoch must be at most {MAX_RUN_STEPS}, "
                f"got {self.epochs} x {per_epoch}",
                fix,
            )
        if self.momentum != 0.0 and not takes(self.opt, "momentum"):
            raise SettingsError(
                f"momentum applies to {_taking('momentum')} only, not to {self.opt}",
                {"momentum": 0.0},
            )
        if self.nesterov and (not takes(self.opt, "nesterov") or self.momentum == 0.0):
            raise SettingsError(
                f"nesterov needs opt={_taking('nesterov')} and momentum > 0", {"nesterov": False}
            )
        if REMEDY_VARIANTS.get(self.method, ("",))[0] == "complex surrogate" and (
            self.data == DATA_REAL
        ):
            raise SettingsError(
                "the complex surrogate needs whole-number x (z^x has a branch cut at the "
                "solution otherwise), not random reals",
                {"method": METHOD_NONE},
            )
        if self.lo >= self.hi:
            raise SettingsError(
                f"lo must be less than hi, got lo={self.lo:g}, hi={self.hi:g}",
                {"lo": SPECS["lo"].default, "hi": SPECS["hi"].default},
            )
        if (self.hi - self.lo) * self.max_abs_x() > MAX_WINDOW:
            half = 0.49 * MAX_WINDOW / self.max_abs_x()
            mid = 0.5 * (self.lo + self.hi)
            raise SettingsError(
                f"the window [lo, hi] = [{self.lo:g}, {self.hi:g}] is too wide for x up to "
                f"{self.max_abs_x():g}: it may be at most {2 * half:.3g} wide",
                {"lo": round_significant(mid - half, 9), "hi": round_significant(mid + half, 9)},
            )

    # -- derived quantities --------------------------------------------------

    def samples(self) -> int:
        """Number of training samples N the data settings describe."""
        return self.recipe().size

    def steps(self) -> int:
        """Optimizer steps of a plain run: epochs x ceil(N / batch)."""
        per_epoch = 1 if self.batch == 0 else -(-self.samples() // self.batch)
        return self.epochs * per_epoch

    def max_abs_x(self) -> float:
        """An upper bound on max|x| of the data, known without drawing it."""
        return self.recipe().max_abs_x

    def grid_step(self) -> float:
        """Spacing of the scan grid (landscape.surface.scan_step): 1/SCAN_DENSITY of ``2 pi / (4 max|x|)``."""
        return 2 * math.pi / (4 * self.max_abs_x()) / SCAN_DENSITY

    def grid_points(self) -> int:
        """Points of the scan grid over [lo, hi] (at most :data:`MAX_GRID`)."""
        return math.ceil((self.hi - self.lo) / self.grid_step()) + 1

    # -- mappings onto the engine -------------------------------------------

    def recipe(self) -> Recipe:
        """How the training data are drawn: only the fields the data choice uses."""
        fields_ = {k: getattr(self, k) for k in ("n", "high", "seed", "start", "stop", "noise")}
        return Recipe.keeping(DATA_KINDS[self.data], **fields_)

    def dataset(self) -> Dataset:
        """The training data these settings describe."""
        return self.recipe().build()

    def plain_run(self) -> PlainRun:
        """The plain run these settings describe (the Landscape tab's when method is none)."""
        return PlainRun(**{f.name: getattr(self, f.name) for f in fields(PlainRun)})

    def run(self) -> PlainRun | RemedyRun:
        """The Landscape tab's run: plain, or the chosen remedy from w0."""
        if self.method == METHOD_NONE:
            return self.plain_run()
        return RemedyRun(self.method, self.w0)

    # -- URL round trip ------------------------------------------------------

    def to_json(self) -> str:
        """Every setting by key, plus ``query``: the URL parameters that reproduce them."""
        payload = {"settings": asdict(self), "query": self.to_query()}
        return json.dumps(payload, indent=2)

    def to_query(self) -> dict[str, str]:
        """The URL parameters that differ from this preset's defaults, ``preset`` included.

        Floats are written as the shortest text that reads back exactly, so
        ``Settings.from_query(s.to_query())[0] == s``.
        """
        base = preset_base(self.preset)
        out = {}
        for p in PARAMS:
            value = getattr(self, p.key)
            if p.key == "preset":
                differs = value != PRESET_QUESTION
            else:
                differs = value != getattr(base, p.key)
            if differs:
                out[p.key] = p.format(value) if p.bound else str(int(value))
        return out

    @classmethod
    def from_query(cls, query: Mapping[str, str | list[str]]) -> tuple[Settings, list[str]]:
        """Settings from URL parameters, and a notice for each value that was refused.

        Each known key is parsed by its :class:`Param` (unknown keys are
        ignored). A missing key takes the preset's default; an invalid or
        out-of-range one takes it too and adds a notice naming the key and the
        allowed range. Keys that break a cross-field rule (e.g. ``lo >= hi``)
        revert together to the preset's defaults, with a notice. Text is only
        ever parsed as a number, a boolean or one of a fixed list of strings.
        """
        notices: list[str] = []
        values: dict[str, Value] = {}
        for key, raw in query.items():
            if key not in SPECS:
                continue
            text = raw[-1] if isinstance(raw, list) else raw
            try:
                values[key] = SPECS[key].parse(text if isinstance(text, str) else str(text))
            except ValueError:
                notices.append(f"{SPECS[key].refusal(text)}; using the default instead.")
        return resolve(str(values.pop("preset", PRESET_QUESTION)), values, notices)


#: The data choice's label -> the engine's :class:`~landscape.data.Recipe` kind.
DATA_KINDS: Mapping[str, str] = MappingProxyType(
    {DATA_PARITY: "parity", DATA_RANGE: "range", DATA_REAL: "real"}
)


@dataclass(frozen=True)
class PlainRun:
    """What determines a plain run besides the data: the question's model, a torch.optim optimizer.

    Small and frozen, so that caches key on it.
    """

    opt: str
    lr: float
    w0: float
    epochs: int
    batch: int
    momentum: float
    nesterov: bool
    tseed: int

    def train_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of ``landscape.train.train(data, w0, **kwargs)``; batch 0 = full."""
        return {
            "optimizer": self.opt,
            "lr": self.lr,
            "epochs": self.epochs,
            "batch_size": self.batch or None,
            "momentum": self.momentum,
            "nesterov": self.nesterov,
            "seed": self.tseed,
        }

    def train_settings(self) -> TrainSettings:
        """The engine's description of this run (what an exported script replays)."""
        kw = self.train_kwargs()
        optimizer = OptimizerSpec(self.opt, self.lr, momentum=self.momentum, nesterov=self.nesterov)
        return TrainSettings(optimizer, self.epochs, kw["batch_size"], self.tseed, self.w0)

    def swarm_kwargs(self) -> dict[str, Any]:
        """The optimizer arguments as the float64 swarm engine takes them (full batch)."""
        return {
            "optimizer": self.opt,
            "lr": self.lr,
            "momentum": self.momentum,
            "nesterov": self.nesterov,
        }


@dataclass(frozen=True)
class RemedyRun:
    """A remedy's run: the method (a key of :data:`REMEDY_VARIANTS`) and the start."""

    method: str
    w0: float


#: Presets: partial Settings, applied over the defaults.
PRESETS: Mapping[str, Mapping[str, Value]] = MappingProxyType(
    {
        PRESET_QUESTION: MappingProxyType({}),
        PRESET_SIX: MappingProxyType(
            {"data": DATA_RANGE, "start": 0, "stop": 6, "lr": 0.1, "lo": 0.0, "hi": 3.2}
        ),
        PRESET_CURRICULUM: MappingProxyType({"method": "curriculum"}),
        PRESET_ADAM: MappingProxyType({"opt": "adam", "lr": 1e-3}),
        PRESET_COMPLEX: MappingProxyType({"method": "complex surrogate, grown"}),
        PRESET_GLOBAL: MappingProxyType({"method": "global search"}),
    }
)


def preset_base(name: str) -> Settings:
    """The defaults with preset ``name`` applied: what a URL holding only ``preset=name`` means."""
    if name not in PRESETS:
        raise ValueError(f"preset must be {SPECS['preset'].describe()}, got {name!r}")
    return Settings(preset=name, **PRESETS[name])


def resolve(
    preset: str, values: Mapping[str, Value], notices: list[str] | None = None
) -> tuple[Settings, list[str]]:
    """Preset ``preset`` with ``values`` applied, broken cross-field rules fixed, and notices.

    ``values`` must be valid one by one (e.g. widget values); for each
    cross-field rule they break, the keys involved take the values the rule
    proposes and a notice says so. ``notices`` is extended and returned.
    """
    notices = [] if notices is None else notices
    base = preset_base(preset)
    merged = {f.name: getattr(base, f.name) for f in fields(base)} | dict(values)
    merged["preset"] = preset
    for _ in range(len(PARAMS)):
        try:
            return Settings(**merged), notices
        except SettingsError as exc:
            fix = ", ".join(f"{k}={SPECS[k].format(v)}" for k, v in exc.fix.items())
            notices.append(f"{exc}; using {fix} instead.")
            merged.update(exc.fix)
    raise AssertionError("cross-field fixes did not converge")  # pragma: no cover
