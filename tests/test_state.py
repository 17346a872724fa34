"""The app's state (lab.state): the settings table, presets, URL codec and cross-field rules.

Settings are checked against the spec table, against URLs written by hand, and
against the question's draw written out here.
"""

import json
import math
import re
from dataclasses import asdict, fields
from pathlib import Path

import numpy as np
import pytest
from conftest import Marked
from hypothesis import given, settings
from hypothesis import strategies as st

from lab.state import (
    PARAMS,
    PRESET_QUESTION,
    PRESET_SIX,
    PRESETS,
    SPECS,
    UPLOAD_RULE,
    Settings,
    SettingsError,
    english,
    preset_base,
    resolve,
)
from landscape import datalink, i18n
from landscape.optim import OPTIMIZERS, takes


def test_spec_table_and_settings_agree():
    assert [p.key for p in PARAMS] == [f.name for f in fields(Settings)]
    defaults = Settings()
    for p in PARAMS:
        assert getattr(defaults, p.key) == p.default, p.key
        if p.kind in ("int", "float"):
            assert p.lo <= p.default <= p.hi, p.key
        if p.kind == "choice":
            assert p.default in p.choices, p.key


def test_defaults_are_the_question():
    s = Settings()
    # The question's script: np.random.seed(0); np.random.randint(0, 1000, 1000).
    np.random.seed(0)
    x = np.random.randint(0, 1000, 1000)
    data = s.dataset()
    assert np.array_equal(data.x, x.astype(float))
    assert np.array_equal(data.y, (x % 2).astype(float))
    assert (s.w0, s.lr, s.opt, s.epochs, s.batch) == (1.5, 0.0004, "sgd", 100, 0)
    assert s.lo < math.pi / 2 < s.hi
    assert s.to_query() == {}


def test_every_preset_is_valid_and_only_changes_its_keys():
    for name, changes in PRESETS.items():
        base = preset_base(name)
        for p in PARAMS:
            if p.key == "preset":
                assert base.preset == name
            elif p.key in changes:
                assert getattr(base, p.key) == changes[p.key]
            else:
                assert getattr(base, p.key) == p.default, (name, p.key)
        assert Settings.from_query({"preset": name}) == (base, [])
        assert base.to_query() == ({} if name == PRESET_QUESTION else {"preset": name})


def values_for(p):
    if p.kind == "int":
        return st.integers(int(p.lo), int(p.hi))
    if p.kind == "float":
        return st.floats(p.lo, p.hi, allow_nan=False)
    if p.kind == "bool":
        return st.booleans()
    if p.kind == "text":
        return st.just("") | st.from_regex(p.pattern, fullmatch=True)
    return st.sampled_from(p.choices)


@st.composite
def any_settings(draw):
    preset = draw(st.sampled_from(SPECS["preset"].choices))
    values = {p.key: draw(values_for(p)) for p in PARAMS if p.key != "preset"}
    return resolve(preset, values)[0]


@settings(max_examples=60, deadline=None)
@given(any_settings())
def test_url_round_trip(s):
    query = s.to_query()
    assert Settings.from_query(query) == (s, [])
    base = preset_base(s.preset)
    for key in query:
        assert key == "preset" or getattr(s, key) != getattr(base, key)
    # What a browser sends back is text: repeat keys and percent-encoding survive.
    assert Settings.from_query({k: [v] for k, v in query.items()})[0] == s


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.sampled_from([p.key for p in PARAMS]), st.text(max_size=12)))
def test_any_url_text_gives_valid_settings(query):
    s, notices = Settings.from_query(query)
    assert isinstance(s, Settings)
    assert len(notices) <= len(query) + 7  # one per key, one per cross-field rule
    for notice in map(str, notices):
        assert " must " in notice and "instead" in notice


JUNK = {
    "int": ["abc", "1.5", "-7000000", "1e999", "", "0x10"],
    "float": ["abc", "nan", "inf", "-1e300", "1e300", ""],
    "bool": ["maybe", "yes", "2", ""],
    "choice": ["zzz", "SGD ", ""],
    "text": ["z.", "z.a+b", "h.abc", "h." + "A" * 64, "x.abc", " z.abc"],
}


@pytest.mark.parametrize("param", PARAMS, ids=lambda p: p.key)
def test_junk_value_falls_back_with_a_notice_naming_the_key(param):
    for text in JUNK[param.kind]:
        s, notices = Settings.from_query({param.key: text})
        assert getattr(s, param.key) == param.default, (param.key, text)
        assert len(notices) == 1 and str(notices[0]).startswith(f"{param.key} must be"), notices


def test_cross_field_rules_are_fixed_with_a_notice():
    s, notices = Settings.from_query({"lo": "2", "hi": "1"})
    assert (s.lo, s.hi) == (1.4, 1.75)
    assert (
        str(notices[0]) == "lo must be less than hi, got lo=2, hi=1; using lo=1.4, hi=1.75 instead."
    )
    s, notices = Settings.from_query({"opt": "adam", "momentum": "0.9", "nesterov": "true"})
    assert (s.opt, s.momentum, s.nesterov) == ("adam", 0.0, False)
    assert [str(n) for n in notices] == [
        "momentum applies to sgd or rmsprop only, not to adam; using momentum=0 instead.",
        "nesterov needs opt=sgd and momentum > 0; using nesterov=false instead.",
    ]
    s, notices = Settings.from_query({"batch": "1", "epochs": "20000"})
    assert s.steps() <= 20_000 and "epochs x batches" in str(notices[0])
    s, notices = Settings.from_query({"high": "1000000"})
    assert (s.hi - s.lo) * 1_000_000 <= 1000 and "too wide" in str(notices[0])
    assert s.lo < (1.4 + 1.75) / 2 < s.hi


def test_bad_direct_construction_names_the_key():
    with pytest.raises(ValueError, match="lr must be"):
        Settings(lr=-1.0)
    with pytest.raises(ValueError, match="opt must be"):
        Settings(opt="lbfgs")
    with pytest.raises(SettingsError, match="lo must be less than hi"):
        Settings(lo=2.0, hi=1.0)


def test_url_text_is_never_evaluated():
    s, notices = Settings.from_query({"lr": "__import__('os').getcwd()", "n": "2**10"})
    assert (s.lr, s.n) == (0.0004, 1000) and len(notices) == 2


def test_settings_json_reproduces_the_settings():
    s = Settings(opt="adam", lr=0.003, w0=1.45, tab="Basins")
    payload = json.loads(s.to_json())
    assert payload["settings"] == asdict(s)
    assert Settings.from_query(payload["query"]) == (s, [])


def test_readme_url_table_is_the_settings_table():
    """The README's table of URL keys, row for row, is what PARAMS says (key, label, range,
    default); a key added, renamed or re-ranged without the README fails here."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    rows = re.findall(r"^\| `(\w+)` \| (.*?) \| (.*?) \| `(.*?)` \|$", readme, flags=re.MULTILINE)
    expected = [(p.key, p.label, p.describe(), p.format(p.default)) for p in PARAMS]
    assert rows == expected


# --- the words, in the page's language ------------------------------------------------------


def test_notices_are_translated_when_shown_and_quote_the_url_text_as_a_value():
    # Made before the page's language is known (as url_settings makes them)...
    notices = Settings.from_query({"lr": "{lo}«1»", "lo": "2", "hi": "1"})[1]
    token = i18n._current.set(Marked())
    try:
        shown = [str(n) for n in notices]
    finally:
        i18n._current.reset(token)
    # ... translated when shown, each part by its own msgid; the URL text only as a value.
    assert shown == [
        "«lr must be «a number in [1e-09, 100]», got '{lo}«1»'; using the default instead.»",
        "««lo must be less than hi, got lo=2, hi=1»; using lo=1.4, hi=1.75 instead.»",
    ]
    assert all("{lo}«1»" not in n.singular for n in notices)


def test_errors_and_the_readme_ranges_stay_english_in_any_language(marked):
    assert SPECS["lr"].describe() == "a number in [1e-09, 100]"
    assert SPECS["upload"].describe() == "empty or " + datalink.RULE
    with pytest.raises(SettingsError) as rule:
        Settings(lo=2.0, hi=1.0)
    assert str(rule.value) == "lo must be less than hi, got lo=2, hi=1"
    with pytest.raises(ValueError) as refusal:
        Settings(lr=-1.0)
    assert str(refusal.value) == "lr must be a number in [1e-09, 100], got -1.0"


def test_the_upload_rule_message_is_the_engines_rule():
    assert english(UPLOAD_RULE) == datalink.RULE
    assert str(UPLOAD_RULE) == datalink.RULE


def test_labels_and_helps_are_shown_translated_and_choices_stay_url_values(marked):
    assert SPECS["lr"].label_text() == "«Learning rate»"
    assert SPECS["holdout"].help_text().startswith("«Fraction of the samples")
    assert SPECS["n"].help_text() is None
    # Optimizer names are torch's, in any language; the words around them are translated.
    takers = [name for name in OPTIMIZERS if takes(name, "momentum")]
    assert len(takers) == 2
    assert SPECS["momentum"].help_text() == f"««{takers[0]} or {takers[1]}» only.»"
    assert preset_base(PRESET_SIX).to_query() == {"preset": "Six samples 0-5 (works)"}
