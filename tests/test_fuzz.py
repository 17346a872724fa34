"""Fuzzing the URL: no query string crashes the app, and every refused value is named.

Part 1 feeds :meth:`Settings.from_query` and :func:`resolve` a few thousand
generated inputs (known keys with junk, extreme, unicode, huge, negative, NaN,
inf and empty values; unknown keys; repeated keys; raw query strings) and
checks each outcome against an oracle written here from the spec table alone:
a value is valid when Python reads it as the key's type and it lies in the
key's range (the rule Streamlit's bound widgets apply to the URL), so

- each invalid value gets a notice that names its key and the allowed range,
  and no valid value gets one;
- each value the cross-field rules change is named in a notice ("using k=v"),
  with the value actually used;
- every other key holds the URL's value, or else the preset's default: nothing
  changes silently;
- the Settings is valid and ``to_query() -> from_query()`` gives it back with
  no notices.

Part 2 opens the whole app (Streamlit's AppTest) on a few generated share
links and on extreme but valid ones: no exception, a visible notice naming
each invalid key, and each bound control holding the URL's value unless a
notice says otherwise. The long run, ``pytest tests/test_fuzz.py
--hypothesis-profile=fuzz`` (the profile is in tests/conftest.py), runs the
same properties with ten times the examples and also opens the heaviest valid
share links.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from lab.state import (
    DATA_RANGE,
    DATA_REAL,
    MAX_GRID,
    MAX_N,
    MAX_RUN_STEPS,
    MAX_X,
    PARAMS,
    PRESETS,
    SPECS,
    TAB_EXPORT,
    TAB_WHY,
    Param,
    Settings,
    resolve,
)
from landscape.deferred import Message

APP = str(Path(__file__).resolve().parents[1] / "app.py")
APP_TIMEOUT = 120

# Budgets: >= 2000 generated settings cases in all and 14 app runs at Hypothesis's
# default max_examples (100); a profile's max_examples scales them all (the "fuzz"
# profile's 1000: ten times). Read at import, after pytest has loaded the profile.
SCALE = settings.default.max_examples / 100
EXAMPLES = {
    k: max(1, round(n * SCALE))
    for k, n in {"query": 900, "raw": 400, "resolve": 600, "round_trip": 300, "app": 14}.items()
}
NO_DEADLINE = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}

# --- the oracle -------------------------------------------------------------------------

_DEFAULT_NOTICE = "; using the default instead."
_RULE_NOTICE = re.compile(r"; using (.+) instead\.$", re.DOTALL)


def last(raw: str | list[str]) -> str:
    """The value an app reads for a repeated key: the last one (as ``st.query_params``)."""
    return raw[-1] if isinstance(raw, list) else raw


def read(p: Param, text: str) -> tuple[bool, object]:
    """Whether URL ``text`` is a valid value of ``p``, and the value it stands for.

    Written from the spec table, not from the code under test: booleans are
    true/false in any case (also 1/0 for a key no widget holds), choices are
    exact, numbers are what Python's ``int``/``float`` read and must lie in
    ``[lo, hi]`` as written (Streamlit's bound number inputs refuse anything
    outside, before any rounding).
    """
    if p.kind == "bool":
        words = {"true": True, "false": False}
        if not p.bound:
            words |= {"1": True, "0": False}
        return text.lower() in words, words.get(text.lower())
    if p.kind == "choice":
        return text in p.choices, text
    if p.kind == "text":
        return text == "" or re.fullmatch(p.pattern, text) is not None, text
    try:
        value = int(text) if p.kind == "int" else float(text)
    except ValueError:
        return False, None
    finite = isinstance(value, int) or math.isfinite(value)
    return finite and p.lo <= value <= p.hi, value


def rounds_into_range(p: Param, text: str) -> bool:
    """True for a float just outside ``p``'s range that rounds onto a bound at ``p.digits``."""
    if p.kind != "float":
        return False
    try:
        value = float(text)
    except ValueError:
        return False
    if not math.isfinite(value) or p.lo <= value <= p.hi:
        return False
    return p.lo <= float(f"{value:.{p.digits}g}") <= p.hi


def same(p: Param, got: object, want: object) -> bool:
    """``got`` equals ``want``, floats up to rounding at ``p.digits`` significant digits."""
    if p.kind == "float":
        return math.isclose(float(got), float(want), rel_tol=10.0 ** (1 - p.digits))
    return got == want and type(got) is type(want)


def fixes_in(notice: str) -> dict[str, str]:
    """The ``k=v`` pairs a cross-field notice says it used (``{}`` for a value notice)."""
    match = _RULE_NOTICE.search(notice)
    if notice.endswith(_DEFAULT_NOTICE) or match is None:
        return {}
    return dict(pair.split("=", 1) for pair in match.group(1).split(", "))


def check_valid(s: Settings) -> None:
    """Every field passes its own spec, and the cross-field rules hold."""
    for f in fields(s):
        value = getattr(s, f.name)
        assert SPECS[f.name].check(value) == value, f.name
    assert Settings(**{f.name: getattr(s, f.name) for f in fields(s)}) == s
    assert s.samples() >= 1 and s.steps() <= MAX_RUN_STEPS and s.grid_points() <= MAX_GRID
    assert s.lo < s.hi and s.batch <= s.samples()


def check_outcome(
    given_values: Mapping[str, tuple[bool, object]],
    s: Settings,
    notices: list[Message],
    texts: Mapping[str, str] | None = None,
) -> None:
    """The settings and notices for ``given_values`` (key -> (valid, value)) are honest.

    ``texts`` holds the URL text of each key, when the values came from a URL.
    """
    check_valid(s)
    bad = {k for k, (ok, _) in given_values.items() if not ok}
    shown = [str(n) for n in notices]  # as the page shows them (English here)
    value_notices = [n for n in shown if n.endswith(_DEFAULT_NOTICE)]
    rule_notices = [n for n in shown if not n.endswith(_DEFAULT_NOTICE)]
    # One notice per invalid value, naming its key, its allowed range and its text.
    named = [n.split(" ", 1)[0] for n in value_notices]
    assert sorted(named) == sorted(bad), (named, bad, notices)
    for key, notice in zip(named, value_notices, strict=True):
        p = SPECS[key]
        assert notice.startswith(f"{key} must be "), notice
        bounds = p.choices if p.kind == "choice" else ()
        if p.kind in ("int", "float"):
            bounds = (
                (f"{int(p.lo)}", f"{int(p.hi)}") if p.kind == "int" else (f"{p.lo:g}", f"{p.hi:g}")
            )
        assert all(b in notice for b in bounds), notice
        if texts is not None:
            assert repr(texts[key])[:37] in notice, notice  # long text is quoted in part
    # Cross-field fixes are named, with the value used (the last notice on a key wins).
    fixed: dict[str, str] = {}
    for notice in rule_notices:
        pairs = fixes_in(notice)
        assert pairs and set(pairs) <= set(SPECS), notice
        fixed |= pairs
    for key, text in fixed.items():
        ok, value = read(SPECS[key], text)
        assert ok and same(SPECS[key], getattr(s, key), value), (key, text, s)
    # Nothing else moves: the given value, else the preset's default.
    for p in PARAMS:
        if p.key in fixed:
            continue
        ok, value = given_values.get(p.key, (False, None))
        if not ok:
            value = PRESETS[s.preset].get(p.key, p.default)
        assert same(p, getattr(s, p.key), value), (p.key, getattr(s, p.key), value)


def check_query(query: Mapping[str, str | list[str]]) -> None:
    """Property of :meth:`Settings.from_query` on any mapping a URL can give."""
    s, notices = Settings.from_query(query)
    texts = {k: last(v) for k, v in query.items() if k in SPECS}
    check_outcome({k: read(SPECS[k], t) for k, t in texts.items()}, s, notices, texts)
    assert Settings.from_query(s.to_query()) == (s, [])


# --- strategies ---------------------------------------------------------------------------

JUNK = (
    "", " ", "nan", "NaN", "-nan", "inf", "-inf", "Infinity", "1e309", "-1e309", "1e-400",
    "0x10", "0b1", "1_000", " 7 ", "\t7\n", "+3", "-0", "-0.0", "7.0", "7.", ".5", "1e3", "1E-3",
    "٣", "１２", "²", "Ⅻ", "true", "True", "FALSE", "1", "0", "yes", "None", "null", "[]",
    "{}", "__import__('os').getcwd()", "2**10", "1;2", "1,5", "%00", "\x00", "é", "😀",
    "9" * 5000, "-" + "9" * 400, "0." + "0" * 400 + "1", "1" + "0" * 400,
)  # fmt: skip
UNKNOWN_KEYS = st.one_of(
    st.sampled_from(["LR", "lr ", " lr", "lr[]", "Lr", "embed", "embed_options", "", "=", "&"]),
    st.text(max_size=8),
).filter(lambda k: k not in SPECS)


def valid_text(p: Param) -> st.SearchStrategy[str]:
    """Text of values in ``p``'s range, written as a user or Streamlit would."""
    if p.kind == "bool":
        return st.sampled_from(["true", "false", "TRUE", "False"] + ([] if p.bound else ["1", "0"]))
    if p.kind == "choice":
        return st.sampled_from(p.choices)
    if p.kind == "text":
        return st.just("") | st.from_regex(p.pattern, fullmatch=True)
    if p.kind == "int":
        return st.integers(int(p.lo), int(p.hi)).map(str)
    return st.floats(p.lo, p.hi).flatmap(lambda v: st.sampled_from([repr(v), f"{v:g}", str(v)]))


def outside_text(p: Param) -> st.SearchStrategy[str]:
    """Text of values of the right type but outside ``p``'s range (or of the wrong kind)."""
    if p.kind == "int":
        return st.one_of(st.integers(max_value=int(p.lo) - 1), st.integers(min_value=int(p.hi) + 1))
    if p.kind == "float":
        out = st.floats(max_value=p.lo, exclude_max=True) | st.floats(
            min_value=p.hi, exclude_min=True
        )
        # Just past a bound, yet rounding onto it at p.digits: still out of range.
        past = [math.nextafter(p.hi, math.inf), p.hi + abs(p.hi) * 1e-9 + 1e-300]
        past += [math.nextafter(p.lo, -math.inf), p.lo - abs(p.lo) * 1e-9 - 1e-300]
        return (out | st.sampled_from(past)).map(repr)
    return st.sampled_from([c.upper() + " " for c in p.choices] or ["2", "maybe"])


def value_text(key: str) -> st.SearchStrategy[str]:
    if key not in SPECS:
        return st.text(max_size=12)
    p = SPECS[key]
    other = st.sampled_from(PARAMS).flatmap(valid_text)
    return st.one_of(
        valid_text(p),
        valid_text(p),
        outside_text(p),
        st.sampled_from(JUNK),
        st.text(max_size=12),
        other,
    )


@st.composite
def queries(draw) -> dict[str, str | list[str]]:
    """A URL's mapping: known and unknown keys; a list stands for a repeated key."""
    out: dict[str, str | list[str]] = {}
    keys = st.sampled_from(tuple(SPECS)) | UNKNOWN_KEYS
    for key in draw(st.lists(keys, max_size=14, unique=True)):
        text = value_text(key)
        out[key] = draw(st.one_of(text, text, st.lists(text, min_size=2, max_size=3)))
    return out


def valid_value(p: Param) -> st.SearchStrategy[object]:
    """Values that pass ``p`` one by one (as widgets give them)."""
    if p.kind == "bool":
        return st.booleans()
    if p.kind == "choice":
        return st.sampled_from(p.choices)
    if p.kind == "text":
        return st.just("") | st.from_regex(p.pattern, fullmatch=True)
    if p.kind == "int":
        return st.integers(int(p.lo), int(p.hi))
    return st.floats(p.lo, p.hi).map(lambda v: float(f"{v:.{p.digits}g}"))


@st.composite
def panels(draw) -> tuple[str, dict[str, object]]:
    """A preset and some individually valid values, often breaking the cross-field rules."""
    preset = draw(st.sampled_from(SPECS["preset"].choices))
    keys = draw(st.lists(st.sampled_from([p.key for p in PARAMS[1:]]), unique=True))
    return preset, {k: draw(valid_value(SPECS[k])) for k in keys}


# --- part 1: settings -------------------------------------------------------------------------


@settings(max_examples=EXAMPLES["query"], **NO_DEADLINE)
@given(queries())
@example({"lr": "1e-9", "w0": "-1000", "hi": "1000", "lo": "999.999999"})
@example({"data": DATA_RANGE, "start": "-1000000", "stop": "1000000", "batch": "1"})
@example({"data": DATA_RANGE, "start": "5", "stop": "5", "n": "0"})
@example({"high": "1000000", "lo": "-1000", "hi": "1000", "epochs": "20000", "batch": "1"})
@example({"preset": ["Adam", "zzz"], "opt": ["adam", "sgd"], "momentum": "0.999"})
@example({"nesterov": "TRUE", "momentum": "0", "opt": "sgd"})
@example({"locked": "1", "tab": "Export", "f32": "true", "logy": "false"})
def test_from_query_names_every_refused_value(query):
    check_query(query)


@settings(max_examples=EXAMPLES["raw"], **NO_DEADLINE)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(tuple(SPECS)) | st.text(max_size=6),
            st.sampled_from(JUNK)
            | st.text(max_size=10)
            | st.sampled_from(PARAMS).flatmap(valid_text),
        ),
        max_size=10,
    ).flatmap(
        lambda pairs: st.sampled_from(
            [urlencode(pairs), "&".join(f"{k}={v}" for k, v in pairs)]  # encoded, and raw
        )
    )
    | st.text(max_size=60)
)
def test_raw_query_strings(query_string):
    # What st.query_params.to_dict() hands the app: parse_qs, last value, no embed keys.
    parsed = parse_qs(query_string, keep_blank_values=True)
    query = {k: v[-1] for k, v in parsed.items() if k.lower() not in ("embed", "embed_options")}
    check_query(query)


@settings(max_examples=EXAMPLES["resolve"], **NO_DEADLINE)
@given(panels())
@example(("Six samples 0-5 (works)", {"stop": -1_000_000, "start": 1_000_000}))
@example(("Adam", {"data": DATA_RANGE, "start": -1_000_000, "stop": 1_000_000, "batch": MAX_N}))
@example(("The question (fails)", {"data": DATA_REAL, "high": 1_000_000, "lo": -1000.0}))
def test_resolve_fixes_broken_rules_and_says_so(case):
    preset, values = case
    s, notices = resolve(preset, values)
    assert s.preset == preset
    check_outcome(
        {"preset": (True, preset)} | {k: (True, v) for k, v in values.items()}, s, notices
    )


@settings(max_examples=EXAMPLES["round_trip"], **NO_DEADLINE)
@given(panels())
def test_share_link_round_trip(case):
    s = resolve(*case)[0]
    query = s.to_query()
    assert Settings.from_query(query) == (s, [])
    # As the address bar carries it: one string, percent-encoded, read back by parse_qs.
    parsed = parse_qs(urlencode(query), keep_blank_values=True)
    assert Settings.from_query({k: v for k, v in parsed.items()}) == (s, [])


def test_a_float_just_outside_its_range_is_refused():
    # lr = 100.0000001 > 100 rounds to 100 at 6 digits; Streamlit's bound
    # number_input refuses it and silently shows the default 4e-4, so the
    # URL path must refuse it too, with a notice.
    # (w0 keeps 17 digits, so nothing outside its range rounds into it; hi keeps 12.)
    for key, text in [("lr", "100.0000001"), ("lr", "9.9999999e-10"), ("hi", "1000.00000000001")]:
        assert rounds_into_range(SPECS[key], text)
        s, notices = Settings.from_query({key: text})
        assert getattr(s, key) == SPECS[key].default and len(notices) == 1, (key, text, s)
        assert str(notices[0]).startswith(f"{key} must be")


# --- part 2: the whole app ----------------------------------------------------------------------

# Share links a teacher might write on the board, at the edges of what is valid;
# each stays within a few seconds of work (the cost bound is the steps, the grid
# and the samples; the long run also opens the heaviest, HEAVY below).
EXTREMES = (
    {"lr": "100"},  # diverges: w leaves the exact landscape's range
    {"lr": "100", "opt": "rmsprop", "momentum": "0.999", "tab": TAB_WHY},
    {"lr": "1e-9", "w0": "-1000", "lo": "-1000", "hi": "-999.9", "tab": TAB_WHY},
    {"lo": "-98", "hi": "98"},  # the widest window the default data allows
    {"data": DATA_RANGE, "start": "-3", "stop": "3", "epochs": "2000", "lr": "0.5", "logy": "true"},
    {"n": "4000", "batch": "1", "epochs": "1", "tab": TAB_EXPORT},
    {"locked": "1", "lr": "5", "w0": "999", "f32": "true"},
)


def run_app(query: Mapping[str, str | list[str]]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=APP_TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    return at


def check_app(query: Mapping[str, str | list[str]]) -> None:
    """No exception; a notice names each invalid key; each control holds what the page says.

    A shown control holds the URL's value, or, for a value whose notice says
    "using the default instead", the preset's default; keys that a cross-field
    notice names are left to that notice.
    """
    at = run_app(query)
    assert not at.exception, [e.value for e in at.exception]
    # The page escapes every punctuation mark of a notice (lab.text.plain); undo it.
    shown = [re.sub(r"\\(.)", r"\1", w.value) for w in at.warning]
    texts = {k: last(v) for k, v in query.items() if k in SPECS}
    ok, preset = read(SPECS["preset"], texts.get("preset", ""))
    preset = preset if ok else SPECS["preset"].default
    controls = {
        w.key: w.value
        for kind in ("number_input", "selectbox", "checkbox")
        for w in at.get(kind)
        if w.key in SPECS
    }
    fixed = {k for notice in shown for k in fixes_in(notice)}
    for key, text in texts.items():
        ok, value = read(SPECS[key], text)
        if not ok:
            assert any(n.startswith(f"{key} must be ") for n in shown), (key, text, shown)
            value = PRESETS[preset].get(key, SPECS[key].default)
        if key in controls and key not in fixed:
            assert same(SPECS[key], controls[key], value), (key, text, controls[key])


@st.composite
def cheap_queries(draw) -> dict[str, str | list[str]]:
    """Share links mixed with junk whose plain runs stay small (<= 3000 samples, <= 600 steps)."""
    cheap = {
        "n": st.integers(1, 3000),
        "high": st.integers(1, 3000),
        "start": st.integers(-50, 50),
        "stop": st.integers(-50, 60),
        "epochs": st.integers(1, 100),
        "batch": st.sampled_from([0, 0, 500, 1000, 2999]),
        "lo": st.floats(0, 3.5),
        "hi": st.floats(0.5, 4),
    }
    keys = draw(st.lists(st.sampled_from(tuple(SPECS)) | UNKNOWN_KEYS, max_size=8, unique=True))
    out: dict[str, str | list[str]] = {}
    for key in keys:
        good = cheap[key].map(str) if key in cheap else value_text(key)
        bad = st.sampled_from(JUNK) | st.text(max_size=8)
        if key in SPECS and SPECS[key].kind != "choice" and key not in cheap:
            bad = bad | outside_text(SPECS[key])
        out[key] = draw(st.one_of(good, good, bad))
    return out


@settings(max_examples=EXAMPLES["app"], deadline=None, database=None)
@given(cheap_queries())
@example({"n": "inf", "epochs": "2.5"})  # Streamlit's int inputs read these as floats
def test_app_survives_generated_share_links(query):
    check_app(query)


def test_app_survives_extreme_share_links():
    failures = []
    for query in EXTREMES:
        try:
            check_app(query)
        except AssertionError as exc:
            failures.append((query, str(exc)[:300]))
    assert not failures, failures


# Valid share links at the limits: the most steps, the most samples, the largest x.
# Seconds each, so only in the long run; --durations=0 reports each one's time.
HEAVY = (
    {"epochs": str(MAX_RUN_STEPS)},  # full batch, 20000 steps on the question's data
    {"n": "20000", "batch": "1", "epochs": "1"},  # 20000 single-sample steps
    {"n": str(MAX_N), "high": str(MAX_X), "lo": "1.5", "hi": "1.6"},
    {"data": DATA_REAL, "n": str(MAX_N), "high": str(MAX_X), "lo": "1.57", "hi": "1.58"},
    {"data": DATA_RANGE, "start": str(MAX_X - MAX_N), "stop": str(MAX_X), "lo": "1.57"},
    {"high": str(MAX_X), "lo": "-0.09", "hi": "0.09", "f32": "true", "logy": "true"},
)


@pytest.mark.skipif(SCALE < 10, reason="the long run only: --hypothesis-profile=fuzz")
@pytest.mark.parametrize("query", HEAVY, ids=urlencode)
def test_app_survives_heaviest_share_links(query):
    check_app(query)
