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
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from types import MappingProxyType
from typing import Any, Literal

from landscape import datalink, deferred
from landscape.criteria import HUBER_DELTA, LOSSES, MAX_DELTA, Criterion
from landscape.data import MAX_HOLDOUT, Dataset, Recipe
from landscape.deferred import Message
from landscape.i18n import LANGUAGES, N_, _, translations
from landscape.optim import OPTIMIZERS, OptimizerSpec, takes
from landscape.plane import MODEL_W, MODELS
from landscape.remedies import VARIANTS as REMEDY_VARIANTS
from landscape.schedule import DEFAULT_GAMMA, DEFAULT_STEP_SIZE, SCHEDULES, Schedule
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
Kind = Literal["int", "float", "bool", "choice", "text"]


@dataclass(frozen=True)
class Param:
    """One setting: its URL key, type, allowed values, default and label.

    ``lo``/``hi`` bound numbers (inclusive); ``choices`` lists the allowed
    strings of a choice, which are also their URL values and their labels:
    translated where shown if ``translated`` (English words, msgids), as they
    are otherwise (names: torch's, the engine's). ``label`` is a msgid and
    ``help`` a msgid or a deferred message: the page shows them in its language
    (:meth:`label_text`, :meth:`help_text`).
    Floats keep ``digits`` significant digits, in the URL and in the run
    alike, so that a share link replays exactly what the app computed.
    ``step`` is the +/- increment of a number widget; ``bound`` is False for
    a key that only the URL sets (no widget holds it). A text is empty or
    matches the regular expression ``pattern``, which ``rule`` states in words.
    """

    key: str
    kind: Kind
    default: Value
    label: str
    help: str | Message = ""
    lo: float | None = None
    hi: float | None = None
    choices: tuple[str, ...] = ()
    digits: int = 12
    step: float | None = None
    bound: bool = True
    pattern: str = ""
    rule: str | Message = ""
    translated: bool = False

    def label_text(self) -> str:
        """The label in the page's language."""
        return _(self.label)

    def help_text(self) -> str | None:
        """The help in the page's language; None if there is none."""
        if isinstance(self.help, Message):
            return str(self.help)
        return _(self.help) if self.help else None

    def allowed(self) -> Message:
        """The allowed range, translated when shown (``str()``)."""
        if self.kind == "bool":
            return deferred.gettext("true or false")
        if self.kind == "choice":
            return deferred.gettext(
                "one of {choices}", choices=", ".join(repr(c) for c in self.choices)
            )
        if self.kind == "text":
            return _nested(N_("empty or {rule}"), rule=self.rule)
        if self.kind == "int":
            return deferred.gettext("an integer in [{lo}, {hi}]", lo=int(self.lo), hi=int(self.hi))
        return deferred.gettext("a number in [{lo}, {hi}]", lo=f"{self.lo:g}", hi=f"{self.hi:g}")

    def describe(self) -> str:
        """The allowed range in English, as errors and the README state it."""
        return english(self.allowed())

    def refusal(self, value: object) -> ValueError:
        """The error for a refused ``value``: the key, the allowed range, the value quoted."""
        return ValueError(f"{self.key} must be {self.describe()}, got {_short(value)}")

    def notice(self, value: object) -> Message:
        """The notice for a refused ``value`` that the default replaced: :meth:`refusal`'s
        words, translated when shown; the quoted value is a placeholder's, never a msgid."""
        return _nested(
            N_("{key} must be {allowed}, got {value}; using the default instead."),
            key=self.key,
            allowed=self.allowed(),
            value=_short(value),
        )

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
        if self.kind == "text":
            if not isinstance(value, str) or (value and not re.fullmatch(self.pattern, value)):
                raise error
            return value
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
            if self.kind in ("choice", "text"):
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


def _taking(hyperparameter: str) -> str | Message:
    """The optimizers that take ``hyperparameter``, for a help text or a notice."""
    *others, last = (name for name in OPTIMIZERS if takes(name, hyperparameter))
    if not others:
        return last
    return deferred.gettext("{others} or {last}", others=", ".join(others), last=last)


def _nested(msgid: str, /, **values: object) -> Message:
    """:func:`landscape.deferred.gettext` for a sentence holding other messages.

    A :class:`Message` among ``values`` stays one, so that it is translated
    with the sentence, when shown; other values become text now.
    """
    kept = {k: v if isinstance(v, Message) else str(v) for k, v in values.items()}
    return Message(msgid, values=tuple(kept.items()))


def english(text: str | Message) -> str:
    """``text`` in English, whatever the thread's language: a message's msgid, filled in."""
    if not isinstance(text, Message):
        return text
    msgid = text.singular if text.plural is None or text.n == 1 else text.plural
    return msgid.format(**{k: english(v) for k, v in text.values})


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


# Choices are URL values in English, whatever the page's language; marked as
# msgids, they are translated only where shown (format_func=_).
PRESET_QUESTION = N_("The question (fails)")
PRESET_SIX = N_("Six samples 0-5 (works)")
PRESET_CURRICULUM = N_("Curriculum")
PRESET_ADAM = N_("Adam")
PRESET_COMPLEX = N_("Complex surrogate")
PRESET_GLOBAL = N_("Global search")

DATA_PARITY = N_("random integers")
DATA_RANGE = N_("consecutive integers")
DATA_REAL = N_("random reals")

# Tab names are msgids: a URL holds the name in the page's language (tab_label),
# and any language's name reads back as the tab (tab_named).
TAB_LANDSCAPE = N_("Landscape")
TAB_NOTEBOOK = N_("Notebook")
TAB_WHY = N_("Why it fails")
TAB_BASINS = N_("Basins")
TAB_FIXES = N_("Fixes")
TAB_EXPORT = N_("Export")
TAB_PLANE = N_("Two parameters")
TAB_LESSON = N_("Lesson")
TABS = (
    TAB_LANDSCAPE,
    TAB_NOTEBOOK,
    TAB_WHY,
    TAB_BASINS,
    TAB_FIXES,
    TAB_PLANE,
    TAB_LESSON,
    TAB_EXPORT,
)


def tab_label(tab: str, lang: str) -> str:
    """The name of ``tab`` (one of :data:`TABS`) shown, and written in URLs, in ``lang``."""
    return translations(lang).gettext(tab)


def tab_named(label: str) -> str:
    """The tab whose name is ``label`` in any language, or ``label`` itself if none is."""
    for lang in LANGUAGES:
        for tab in TABS:
            if tab_label(tab, lang) == label:
                return tab
    return label


#: Steps of the Lesson tab (lab.tabs.lesson: the comb, the jumps, chaos, the floor, the fixes).
LESSON_STEPS = 5

#: The method of the Landscape tab's run: ``"none"`` trains the question's model
#: with the chosen torch.optim optimizer; the others are remedies (see
#: :data:`REMEDY_VARIANTS`).
METHOD_NONE = N_("none")

#: :data:`landscape.datalink.RULE` as a message, so that a notice states it in the
#: page's language (tests/test_state.py checks that its English is the engine's).
UPLOAD_RULE = deferred.gettext(
    "'{inline}' and 1 to {chars} base64url characters (samples in the link), or '{stored}' and "
    "{digits} lowercase hex digits (a stored dataset's SHA-256)",
    inline=datalink.INLINE,
    chars=f"{datalink.MAX_INLINE_CHARS:,}",
    stored=datalink.STORED,
    digits=datalink.DIGEST_CHARS,
)

#: Every setting, in the order the control panel shows them.
PARAMS: tuple[Param, ...] = (
    Param(
        "preset",
        "choice",
        PRESET_QUESTION,
        N_("Preset"),
        N_("Sets everything at once; a share link stores only what you change on top of it."),
        choices=(
            PRESET_QUESTION,
            PRESET_SIX,
            PRESET_CURRICULUM,
            PRESET_ADAM,
            PRESET_COMPLEX,
            PRESET_GLOBAL,
        ),
        translated=True,
    ),
    Param(
        "data",
        "choice",
        DATA_PARITY,
        N_("Data"),
        N_(
            "random integers: the question's draw, x = RandomState(seed).randint(0, high, n); "
            "consecutive integers: start, ..., stop - 1; random reals: uniform in [0, high), "
            "labelled by the parity of floor(x). Labels y = x mod 2."
        ),
        choices=(DATA_PARITY, DATA_RANGE, DATA_REAL),
        translated=True,
    ),
    Param("n", "int", 1000, N_("Samples n"), lo=1, hi=MAX_N),
    Param(
        "high", "int", 1000, N_("x below (high)"), N_("x is drawn from [0, high)."), lo=1, hi=MAX_X
    ),
    Param(
        "seed",
        "int",
        0,
        N_("Data seed"),
        N_("Seeds the draw of x and the label noise."),
        lo=0,
        hi=MAX_SEED,
    ),
    Param("start", "int", 0, N_("First x (start)"), lo=-MAX_X, hi=MAX_X),
    Param("stop", "int", 6, N_("Stop (last x + 1)"), lo=-MAX_X, hi=MAX_X),
    Param(
        "noise",
        "float",
        0.0,
        N_("Label noise sigma"),
        N_("Adds sigma * N(0, 1) to every label (seeded by the data seed)."),
        lo=0.0,
        hi=1.0,
        step=0.05,
    ),
    Param(
        "holdout",
        "float",
        0.0,
        N_("Held out for validation"),
        N_(
            "Fraction of the samples held out as a validation set, chosen with the data seed "
            "(consecutive integers and random reals; random integers use the question's second "
            "draw). 0 = none."
        ),
        lo=0.0,
        hi=MAX_HOLDOUT,
        step=0.05,
    ),
    Param(
        "upload",
        "text",
        "",
        N_("Uploaded data"),
        N_(
            "Samples of an upload that a share link carries: inside the link, or by their "
            "SHA-256 in the server's store (the share box writes it)."
        ),
        bound=False,
        pattern=datalink.PATTERN,
        rule=UPLOAD_RULE,
    ),
    Param(
        "method",
        "choice",
        METHOD_NONE,
        N_("Method"),
        N_(
            "'none' trains the question's model with the optimizer below; the others replace "
            "that run by a remedy from the Fixes tab, with the remedy's own optimizer and steps."
        ),
        choices=(METHOD_NONE, *REMEDY_VARIANTS),
        translated=True,
    ),
    Param(
        "opt",
        "choice",
        "sgd",
        N_("Optimizer (torch.optim)"),
        choices=OPTIMIZERS,
    ),
    Param("lr", "float", 4e-4, N_("Learning rate"), lo=1e-9, hi=100.0, digits=6, step=1e-4),
    # 17 digits: a start picked on a map keeps its exact float64 value, so the
    # Landscape tab's float64 path is the map's own (12 digits part it by chaos).
    Param("w0", "float", 1.5, N_("Initial weight w0"), lo=-MAX_W, hi=MAX_W, step=0.01, digits=17),
    Param(
        "model",
        "choice",
        MODEL_W,
        N_("Parameters learned"),
        N_(
            "w: sin²(w·x), the question's model; w,b: sin²(w·x + b), nn.Linear(1, 1, bias=True); "
            "w,a: a·sin²(w·x), a learned amplitude. Two parameters are drawn on their own tab."
        ),
        choices=MODELS,
    ),
    Param(
        "b0",
        "float",
        0.0,
        N_("Initial bias b0"),
        N_("The loss has period π in b: [-4, 4] holds more than two periods."),
        lo=-4.0,
        hi=4.0,
        step=0.05,
    ),
    Param("a0", "float", 1.0, N_("Initial amplitude a0"), lo=-10.0, hi=10.0, step=0.05),
    Param("epochs", "int", 100, N_("Epochs"), lo=1, hi=MAX_RUN_STEPS),
    Param("batch", "int", 0, N_("Batch size (0 = full batch)"), lo=0, hi=MAX_N),
    Param(
        "momentum",
        "float",
        0.0,
        N_("Momentum"),
        _nested(N_("{optimizers} only."), optimizers=_taking("momentum")),
        lo=0.0,
        hi=0.999,
        digits=6,
        step=0.1,
    ),
    Param(
        "nesterov",
        "bool",
        False,
        N_("Nesterov"),
        _nested(N_("{optimizers} with momentum > 0 only."), optimizers=_taking("nesterov")),
    ),
    Param(
        "tseed",
        "int",
        0,
        N_("Shuffle seed"),
        N_("Seeds the mini-batch order (unused for full batch)."),
        lo=0,
        hi=MAX_SEED,
    ),
    Param(
        "loss",
        "choice",
        "mse",
        N_("Loss (torch.nn)"),
        N_(
            "mse: MSELoss (the question's); l1: L1Loss; huber: HuberLoss(delta); "
            "bce: BCELoss on sin², logs clamped at -100 by torch (labels in [0, 1] only)."
        ),
        choices=LOSSES,
    ),
    Param(
        "delta",
        "float",
        HUBER_DELTA,
        N_("Huber delta"),
        N_(
            "huber only; torch's default is 1.0 (for labels in [0, 1], any delta >= 1 gives "
            "half the MSE)."
        ),
        lo=1e-6,
        hi=MAX_DELTA,
        digits=6,
        step=0.1,
    ),
    Param(
        "sched",
        "choice",
        "none",
        N_("LR schedule (torch.optim.lr_scheduler)"),
        N_(
            "Stepped once per epoch. step: StepLR(step_size, gamma); exp: ExponentialLR(gamma); "
            "cosine: CosineAnnealingLR(T_max = epochs)."
        ),
        choices=SCHEDULES,
    ),
    Param(
        "gamma",
        "float",
        DEFAULT_GAMMA,
        N_("Schedule gamma"),
        N_("Decay factor of step and exp (StepLR's default 0.1)."),
        lo=1e-6,
        hi=1.0,
        digits=6,
        step=0.05,
    ),
    Param(
        "step_size",
        "int",
        DEFAULT_STEP_SIZE,
        N_("Schedule step size (epochs)"),
        N_("step only: epochs between two decays."),
        lo=1,
        hi=MAX_RUN_STEPS,
    ),
    Param("lo", "float", 1.40, N_("Window from w ="), lo=-MAX_W, hi=MAX_W, step=0.05),
    Param("hi", "float", 1.75, N_("Window to w ="), lo=-MAX_W, hi=MAX_W, step=0.05),
    Param("logy", "bool", False, N_("Log-scale loss axis")),
    Param(
        "f32",
        "bool",
        False,
        N_("Overlay the float32 landscape"),
        N_("What the student's float32 forward pass computes, on a coarser grid."),
    ),
    Param(
        "fit",
        "bool",
        False,
        N_("Fit the window to the run"),
        N_(
            "The Landscape tab shows the window around the run's path (within the window limits), "
            "with the basin edges (local maxima of L) marked."
        ),
    ),
    Param(
        "f64",
        "bool",
        False,
        N_("Overlay the maps' float64 path"),
        N_(
            "The path the Basins maps compute for this start (float64, full batch), beside the "
            "float32 replay. Set when you pick a start on a map."
        ),
    ),
    Param(
        "cmp",
        "bool",
        False,
        N_("Compare with a second run"),
        N_("A second plain run on the same charts, animated in step with the first."),
    ),
    Param("opt2", "choice", "adam", N_("Second run: optimizer"), choices=OPTIMIZERS),
    Param("lr2", "float", 1e-3, N_("Second run: learning rate"), lo=1e-9, hi=100.0, digits=6),
    Param("w02", "float", 1.5, N_("Second run: w0"), lo=-MAX_W, hi=MAX_W, step=0.01),
    Param(
        "loss2",
        "choice",
        "mse",
        N_("Second run: loss"),
        N_("The second run's torch.nn loss (Huber takes the delta above)."),
        choices=LOSSES,
    ),
    Param("tab", "choice", TAB_LANDSCAPE, N_("Tab"), choices=TABS),
    Param("step", "int", 1, N_("Lesson step"), lo=1, hi=LESSON_STEPS),
    Param(
        "lang", "choice", "en", N_("Language"), N_("English or 简体中文."), choices=tuple(LANGUAGES)
    ),
    Param(
        "locked",
        "bool",
        False,
        N_("Student view"),
        N_("Hides the control panel (locked=1 in the URL)."),
        bound=False,
    ),
)

#: The table above by key.
SPECS: Mapping[str, Param] = MappingProxyType({p.key: p for p in PARAMS})


class SettingsError(ValueError):
    """A cross-field rule that fails; ``fix`` holds values of the keys involved that satisfy it."""

    def __init__(self, rule: Message, fix: Mapping[str, Value]) -> None:
        # In English, as errors are; the notice translates the rule when shown.
        super().__init__(english(rule))
        self.rule = rule
        self.fix = dict(fix)

    def notice(self) -> Message:
        """The rule and the values used instead, translated when shown."""
        fix = ", ".join(f"{k}={SPECS[k].format(v)}" for k, v in self.fix.items())
        return _nested(N_("{rule}; using {fix} instead."), rule=self.rule, fix=fix)


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
    # The data's defaults are the engine's (the question's draw).
    n: int = Recipe.n
    high: int = Recipe.high
    seed: int = Recipe.seed
    start: int = Recipe.start
    stop: int = Recipe.stop
    noise: float = Recipe.noise
    holdout: float = Recipe.holdout
    upload: str = ""
    method: str = METHOD_NONE
    opt: str = "sgd"
    lr: float = 4e-4
    w0: float = 1.5
    model: str = MODEL_W
    b0: float = 0.0
    a0: float = 1.0
    epochs: int = 100
    batch: int = 0
    momentum: float = 0.0
    nesterov: bool = False
    tseed: int = 0
    loss: str = "mse"
    delta: float = HUBER_DELTA
    sched: str = "none"
    gamma: float = DEFAULT_GAMMA
    step_size: int = DEFAULT_STEP_SIZE
    lo: float = 1.40
    hi: float = 1.75
    logy: bool = False
    f32: bool = False
    fit: bool = False
    f64: bool = False
    cmp: bool = False
    opt2: str = "adam"
    lr2: float = 1e-3
    w02: float = 1.5
    loss2: str = "mse"
    tab: str = TAB_LANDSCAPE
    step: int = 1
    lang: str = "en"
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
                deferred.gettext(
                    "stop - start must be in [1, {max_n}], got start={start}, stop={stop}",
                    max_n=MAX_N,
                    start=self.start,
                    stop=self.stop,
                ),
                fix,
            )
        if self.batch > self.samples():
            raise SettingsError(
                deferred.gettext(
                    "batch must be at most the number of samples ({samples}), got {batch}",
                    samples=self.samples(),
                    batch=self.batch,
                ),
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
                deferred.gettext(
                    "epochs x batches per epoch must be at most {max_steps}, "
                    "got {epochs} x {per_epoch}",
                    max_steps=MAX_RUN_STEPS,
                    epochs=self.epochs,
                    per_epoch=per_epoch,
                ),
                fix,
            )
        if self.momentum != 0.0 and not takes(self.opt, "momentum"):
            raise SettingsError(
                _nested(
                    N_("momentum applies to {optimizers} only, not to {opt}"),
                    optimizers=_taking("momentum"),
                    opt=self.opt,
                ),
                {"momentum": 0.0},
            )
        if self.nesterov and (not takes(self.opt, "nesterov") or self.momentum == 0.0):
            raise SettingsError(
                _nested(
                    N_("nesterov needs opt={optimizers} and momentum > 0"),
                    optimizers=_taking("nesterov"),
                ),
                {"nesterov": False},
            )
        self._check_replay_rules()
        if REMEDY_VARIANTS.get(self.method, ("",))[0] == "complex surrogate" and (
            self.data == DATA_REAL
        ):
            raise SettingsError(
                deferred.gettext(
                    "the complex surrogate needs whole-number x (z^x has a branch cut at the "
                    "solution otherwise), not random reals"
                ),
                {"method": METHOD_NONE},
            )
        if self.lo >= self.hi:
            raise SettingsError(
                deferred.gettext(
                    "lo must be less than hi, got lo={lo}, hi={hi}",
                    lo=f"{self.lo:g}",
                    hi=f"{self.hi:g}",
                ),
                {"lo": SPECS["lo"].default, "hi": SPECS["hi"].default},
            )
        if (self.hi - self.lo) * self.max_abs_x() > MAX_WINDOW:
            half = 0.49 * MAX_WINDOW / self.max_abs_x()
            mid = 0.5 * (self.lo + self.hi)
            raise SettingsError(
                deferred.gettext(
                    "the window [lo, hi] = [{lo}, {hi}] is too wide for x up to {max_x}: it may "
                    "be at most {width} wide",
                    lo=f"{self.lo:g}",
                    hi=f"{self.hi:g}",
                    max_x=f"{self.max_abs_x():g}",
                    width=f"{2 * half:.3g}",
                ),
                {"lo": round_significant(mid - half, 9), "hi": round_significant(mid + half, 9)},
            )

    def _check_replay_rules(self) -> None:
        # Loss, schedule and validation: each extra key only where it applies.
        if self.delta != HUBER_DELTA and self.loss != "huber":
            raise SettingsError(
                deferred.gettext("delta applies to loss huber only, not to {loss}", loss=self.loss),
                {"delta": HUBER_DELTA},
            )
        if self.gamma != DEFAULT_GAMMA and self.sched not in ("step", "exp"):
            raise SettingsError(
                deferred.gettext(
                    "gamma applies to sched step or exp only, not to {sched}", sched=self.sched
                ),
                {"gamma": DEFAULT_GAMMA},
            )
        if self.step_size != DEFAULT_STEP_SIZE and self.sched != "step":
            raise SettingsError(
                deferred.gettext(
                    "step_size applies to sched step only, not to {sched}", sched=self.sched
                ),
                {"step_size": DEFAULT_STEP_SIZE},
            )
        if self.holdout != 0.0 and self.data == DATA_PARITY:
            raise SettingsError(
                deferred.gettext(
                    "holdout applies to consecutive integers and random reals; random integers "
                    "are validated on the question's second draw"
                ),
                {"holdout": 0.0},
            )
        if self.loss == "bce" and self.noise > 0:
            raise SettingsError(
                deferred.gettext("loss bce needs labels in [0, 1], which label noise breaks"),
                {"loss": "mse"},
            )
        if self.loss2 == "bce" and self.noise > 0:
            raise SettingsError(
                deferred.gettext("loss2 bce needs labels in [0, 1], which label noise breaks"),
                {"loss2": "mse"},
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
        keys = ("n", "high", "seed", "start", "stop", "noise", "holdout")
        return Recipe.keeping(DATA_KINDS[self.data], **{k: getattr(self, k) for k in keys})

    def dataset(self) -> Dataset:
        """The training data these settings describe."""
        return self.recipe().build()

    def plain_run(self) -> PlainRun:
        """The plain run these settings describe (the Landscape tab's when method is none)."""
        return PlainRun(**{f.name: getattr(self, f.name) for f in fields(PlainRun)})

    def second_run(self) -> PlainRun:
        """The compared run: this plain run with opt2, lr2, w02 and loss2 (what opt2 takes)."""
        kw = {f.name: getattr(self, f.name) for f in fields(PlainRun)}
        momentum = self.momentum if takes(self.opt2, "momentum") else 0.0
        nesterov = self.nesterov and takes(self.opt2, "nesterov") and momentum > 0.0
        kw |= {"opt": self.opt2, "lr": self.lr2, "w0": self.w02, "loss": self.loss2}
        return PlainRun(**kw | {"momentum": momentum, "nesterov": nesterov})

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
                unbound_bool = p.kind == "bool" and not p.bound
                out[p.key] = str(int(value)) if unbound_bool else p.format(value)
        if "tab" in out:
            out["tab"] = tab_label(self.tab, self.lang)
        return out

    @classmethod
    def from_query(cls, query: Mapping[str, str | list[str]]) -> tuple[Settings, list[Message]]:
        """Settings from URL parameters, and a notice for each value that was refused.

        Each known key is parsed by its :class:`Param` (unknown keys are
        ignored). A missing key takes the preset's default; an invalid or
        out-of-range one takes it too and adds a notice naming the key and the
        allowed range. Keys that break a cross-field rule (e.g. ``lo >= hi``)
        revert together to the preset's defaults, with a notice. Text is only
        ever parsed as a number, a boolean or one of a fixed list of strings.
        The notices are messages, translated when shown (``str()``): this
        runs once per session, before the page's language is known.
        """
        notices: list[Message] = []
        values: dict[str, Value] = {}
        for key, raw in query.items():
            if key not in SPECS:
                continue
            text = raw[-1] if isinstance(raw, list) else raw
            if key == "tab":
                text = tab_named(str(text))
            try:
                values[key] = SPECS[key].parse(text if isinstance(text, str) else str(text))
            except ValueError:
                notices.append(SPECS[key].notice(text))
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
    loss: str = "mse"
    delta: float = HUBER_DELTA
    sched: str = "none"
    gamma: float = DEFAULT_GAMMA
    step_size: int = DEFAULT_STEP_SIZE

    def replay_kwargs(self) -> dict[str, Any]:
        """:meth:`train_kwargs` plus the loss and the schedule: the float32 replay's arguments."""
        return self.train_kwargs() | {
            "loss": self.loss,
            "delta": self.delta,
            "schedule": self.sched,
            "gamma": self.gamma,
            "step_size": self.step_size,
        }

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
        """The engine's description of this run (what an exported script replays).

        ``validate`` is True: the app evaluates the data's validation set
        whenever it has one (``landscape.data.Recipe.validation``).
        """
        kw = self.train_kwargs()
        optimizer = OptimizerSpec(self.opt, self.lr, momentum=self.momentum, nesterov=self.nesterov)
        return TrainSettings(
            optimizer,
            self.epochs,
            kw["batch_size"],
            self.tseed,
            self.w0,
            criterion=Criterion(self.loss, self.delta),
            schedule=Schedule(self.sched, self.gamma, self.step_size),
            validate=True,
        )

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


def fit_to_data(s: Settings, n: int, max_abs_x: float) -> tuple[Settings, list[Message]]:
    """``s`` with the rules that depend on the data checked on other data, and notices.

    The rules of :class:`Settings` read the sample count and max|x| off the
    settings' own draw; an upload has others. Each rule the uploaded data
    break (a batch above N, too many steps, a window too wide for its max|x|)
    is fixed as :func:`resolve` fixes a URL, with a notice.
    """

    class OnData(Settings):
        # The same rules, on the data in use (a subclass: no new fields, no new URL keys).
        def samples(self) -> int:
            return n

        def max_abs_x(self) -> float:
            return max_abs_x

    values = {f.name: getattr(s, f.name) for f in fields(s)}
    notices: list[Message] = []
    for _attempt in range(len(PARAMS)):
        try:
            OnData(**values)
        except SettingsError as exc:
            notices.append(exc.notice())
            values.update(exc.fix)
            continue
        return Settings(**values), notices
    raise AssertionError("cross-field fixes did not converge")  # pragma: no cover


def resolve(
    preset: str, values: Mapping[str, Value], notices: list[Message] | None = None
) -> tuple[Settings, list[Message]]:
    """Preset ``preset`` with ``values`` applied, broken cross-field rules fixed, and notices.

    ``values`` must be valid one by one (e.g. widget values); for each
    cross-field rule they break, the keys involved take the values the rule
    proposes and a notice says so. ``notices`` is extended and returned.
    """
    notices = [] if notices is None else notices
    base = preset_base(preset)
    merged = {f.name: getattr(base, f.name) for f in fields(base)} | dict(values)
    merged["preset"] = preset
    for _attempt in range(len(PARAMS)):
        try:
            return Settings(**merged), notices
        except SettingsError as exc:
            notices.append(exc.notice())
            merged.update(exc.fix)
    raise AssertionError("cross-field fixes did not converge")  # pragma: no cover
