"""The app itself, driven by Streamlit's AppTest.

The app is opened with query parameters as a share link would open it, and the
trajectory in its chart is compared with ``landscape.train.train`` run here for
the same settings, and with the question's draw written out here.
"""

import base64
import inspect
import json
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from lab.state import (
    PRESET_ADAM,
    PRESETS,
    SPECS,
    TABS,
    Settings,
    preset_base,
)
from landscape.data import parity_data, range_data
from landscape.train import train

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TIMEOUT = 180


pytestmark = pytest.mark.usefixtures("app_threads")


# --- the app ----------------------------------------------------------------------------


def run_app(query=None):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown(markdown: str) -> str:
    """What the browser displays for Markdown whose punctuation is backslash-escaped."""
    return re.sub(r"\\(.)", r"\1", markdown)


def decode(values):
    """A Plotly array as numpy: plain lists, or base64 {"dtype", "bdata"} blocks."""
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])
    return np.asarray(values, dtype=np.float64)


def charts(at):
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def trace(at, prefix):
    """The first trace, over all charts, whose name starts with ``prefix``."""
    for spec in charts(at):
        for t in spec["data"]:
            if str(t.get("name", "")).startswith(prefix):
                return t
    raise AssertionError(f"no trace named {prefix!r}")


def widget_values(at):
    values = {}
    for kind in ("number_input", "selectbox", "checkbox"):
        for w in at.get(kind):
            if w.key in SPECS:
                values[w.key] = w.value
    return values


def test_default_page_replays_the_question():
    at = run_app()
    path = decode(trace(at, "path of the run")["x"])
    expected = train(parity_data(1000, 1000, 0), 1.5, lr=4e-4, epochs=100).w
    assert np.array_equal(path, expected)
    assert not at.warning
    assert widget_values(at)["lr"] == 0.0004


def test_share_link_sets_widgets_and_the_run():
    query = {"n": "500", "seed": "3", "w0": "1.45", "lr": "0.0005", "opt": "adam", "epochs": "30"}
    at = run_app(query)
    values = widget_values(at)
    assert (values["n"], values["seed"], values["w0"], values["lr"]) == (500, 3, 1.45, 0.0005)
    assert (values["opt"], values["epochs"]) == ("adam", 30)
    path = decode(trace(at, "path of the run")["x"])
    run = train(parity_data(500, 1000, 3), 1.45, optimizer="adam", lr=0.0005, epochs=30)
    assert np.array_equal(path, run.w)
    links = [c.value for c in at.code if c.value.startswith("http")]
    shared = dict(parse_qsl(urlsplit(links[0]).query))
    assert shared == query


def test_junk_url_gives_notices_and_the_defaults():
    # "2.5" and "inf" for integers: Streamlit itself would truncate the one to 2
    # and crash on the other (int(float("inf"))); the app must refuse both.
    junk = {"lr": "fast", "opt": "lbfgs", "n": "-5", "nesterov": "maybe", "w0": "nan"}
    at = run_app(junk | {"epochs": "2.5", "seed": "inf", "high": "1e400"})
    text = " ".join(shown(w.value) for w in at.warning)
    for key in (*junk, "epochs", "seed", "high"):
        assert f"{key} must be" in text
    values = widget_values(at)
    assert (values["lr"], values["opt"], values["n"], values["w0"]) == (0.0004, "sgd", 1000, 1.5)
    assert (values["epochs"], values["seed"], values["high"]) == (100, 0, 1000)
    path = decode(trace(at, "path of the run")["x"])
    assert np.array_equal(path, train(parity_data(1000, 1000, 0), 1.5).w)


def test_a_broken_rule_in_the_url_is_reported():
    at = run_app({"lo": "1.7", "hi": "1.5"})
    assert any("lo must be less than hi" in shown(w.value) for w in at.warning)
    layout = charts(at)[0]["layout"]
    assert layout["xaxis"]["range"] == [1.4, 1.75]


@pytest.mark.parametrize("preset", SPECS["preset"].choices)
def test_every_preset_renders_with_its_values(preset):
    at = run_app({"preset": preset})
    values = widget_values(at)
    base = preset_base(preset)
    for key, value in values.items():
        assert value == getattr(base, key), key
    s = base
    data = s.dataset()
    assert data.n == s.samples()


def test_choosing_a_preset_sets_every_control():
    at = run_app()
    at.selectbox(key="preset").set_value(PRESET_ADAM).run()
    assert not at.exception
    values = widget_values(at)
    assert (values["opt"], values["lr"]) == ("adam", PRESETS[PRESET_ADAM]["lr"])
    path = decode(trace(at, "path of the run")["x"])
    assert np.array_equal(path, train(parity_data(), 1.5, optimizer="adam", lr=1e-3).w)


def test_six_samples_preset_runs_on_zero_to_five():
    at = run_app({"preset": "Six samples 0-5 (works)"})
    s = preset_base("Six samples 0-5 (works)")
    path = decode(trace(at, "path of the run")["x"])
    assert np.array_equal(path, train(range_data(0, 6), s.w0, lr=s.lr, epochs=s.epochs).w)


@pytest.mark.parametrize("tab", TABS)
def test_every_tab_renders(tab):
    at = run_app({"tab": tab})
    assert at.tabs[0].label == TABS[0]
    assert len(at.get("plotly_chart")) + len(at.get("download_button")) > 0


def test_locked_view_hides_the_control_panel():
    at = run_app({"locked": "1", "lr": "0.0005"})
    assert not widget_values(at)
    path = decode(trace(at, "path of the run")["x"])
    assert np.array_equal(path, train(parity_data(), 1.5, lr=0.0005).w)


def test_remedy_variants_name_real_remedies():
    from lab.state import METHOD_NONE, REMEDY_VARIANTS
    from landscape.remedies import REMEDIES

    assert SPECS["method"].choices == (METHOD_NONE, *REMEDY_VARIANTS)
    for name, kwargs in REMEDY_VARIANTS.values():
        assert name in REMEDIES
        assert set(kwargs) <= set(inspect.signature(REMEDIES[name]).parameters)
    s, notices = Settings.from_query({"data": "random reals", "method": "complex surrogate"})
    assert s.method == METHOD_NONE and "whole-number x" in notices[0]


def test_remedy_preset_draws_the_remedy():
    from landscape.remedies import REMEDIES

    at = run_app({"preset": "Global search"})
    path = decode(trace(at, "path of the run")["x"])
    result = REMEDIES["global search"](parity_data(), 1.5)
    assert np.array_equal(path, result.w)
    assert any(result.claim in m.value for m in at.markdown)


def test_hard_settings_give_messages_not_exceptions():
    at = run_app({"lr": "50", "epochs": "20"})  # diverges past |w| = 1000
    assert "path of the run" in trace(at, "path of the run")["name"]
    at = run_app(
        {"data": "consecutive integers", "start": "0", "stop": "1", "method": "curriculum"}
    )
    assert at.error and "x != 0" in shown(at.error[0].value)


def test_uploaded_csv_becomes_the_data_and_a_broken_one_changes_nothing():
    at = run_app()
    rows = "\n".join(f"{x},{x % 2}" for x in range(0, 12))
    at.file_uploader(key="upload").set_value(("mine.csv", f"x,y\n{rows}".encode(), "text/csv"))
    at.run()
    assert not at.exception
    path = decode(trace(at, "path of the run")["x"])
    expected = train(range_data(0, 12), 1.5, lr=4e-4, epochs=100).w
    assert np.array_equal(path, expected)
    at.file_uploader(key="upload").set_value(("bad.csv", b"x,y\n1,0\n2,abc\n", "text/csv"))
    at.run()
    assert not at.exception
    assert any("row 3, column y" in shown(e.value) for e in at.error)
    assert np.array_equal(decode(trace(at, "path of the run")["x"]), expected)
    at.file_uploader(key="upload").set_value(None)
    at.run()
    question = train(parity_data(1000, 1000, 0), 1.5, lr=4e-4, epochs=100).w
    assert np.array_equal(decode(trace(at, "path of the run")["x"]), question)


def test_two_sessions_uploading_the_same_bytes_each_see_their_own_name():
    """Issue 13: the shared store holds samples only; a name stays in its session."""
    rows = "x,y\n" + "\n".join(f"{x},{x % 2}" for x in range(3, 15))
    first, second = run_app(), run_app()
    first.file_uploader(key="upload").set_value(("teacher.csv", rows.encode(), "text/csv"))
    first.run()
    second.file_uploader(key="upload").set_value(("[evil](x).csv", rows.encode(), "text/csv"))
    second.run()
    first.run()
    captions = [
        [shown(c.value) for c in at.caption if "In use:" in c.value] for at in (first, second)
    ]
    assert "teacher.csv" in captions[0][0] and "evil" not in captions[0][0]
    assert "[evil](x).csv" in captions[1][0]
    # Both train on the same samples: one computation, shared.
    paths = [decode(trace(at, "path of the run")["x"]) for at in (first, second)]
    assert np.array_equal(paths[0], paths[1])
    assert np.array_equal(paths[0], train(range_data(3, 15), 1.5).w)
