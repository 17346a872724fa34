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
from pseudo import PSEUDO, english_left, speak_pseudo
from streamlit.testing.v1 import AppTest

from lab.state import (
    PRESET_ADAM,
    PRESETS,
    SPECS,
    TAB_PLANE,
    TABS,
    Settings,
    preset_base,
)
from landscape import datalink, i18n
from landscape.data import Dataset, parity_data, range_data
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


def test_notices_and_the_panel_speak_the_pages_language():
    # The URL is read before the page's language is known: its notices are
    # translated when shown, the refused text quoted as it was.
    query = {"lr": "abc", "lo": "2", "hi": "1"}
    notices = Settings.from_query(query)[1]
    at = run_app(query | {"lang": "zh"})
    token = i18n._current.set(i18n.translations("zh"))
    try:
        chinese = [str(n) for n in notices]
        header = i18n._("Control panel")
    finally:
        i18n._current.reset(token)
    assert [shown(w.value) for w in at.warning] == chinese
    assert chinese[0].startswith("lr ") and "'abc'" in chinese[0] and "默认值" in chinese[0]
    assert "lo=1.4, hi=1.75" in chinese[1] and "instead" not in chinese[1]
    assert header == "控制面板" and at.sidebar.header[0].value == header
    # The URL keeps its English values: the choice, not its label.
    data = at.selectbox(key="data")
    assert data.value == "random integers" and data.options[0] == "随机整数"
    # AppTest formats every box's value with its format_func in this thread: speak zh here too.
    token = i18n._current.set(i18n.translations("zh"))
    try:
        data.set_value("consecutive integers").run()
    finally:
        i18n._current.reset(token)
    assert at.query_params["data"] == "consecutive integers"
    # ... and reads its own choices back, not only the labels of the page's language.
    at = run_app({"lang": "zh", "data": "random reals", "method": "curriculum"})
    assert (at.selectbox(key="data").value, at.selectbox(key="method").value) == (
        "random reals",
        "curriculum",
    )
    assert at.selectbox(key="method").options[2] == "课程式扩展"


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
    # The two-parameter tab draws a chart for a two-parameter model only.
    at = run_app({"tab": tab} | ({"model": "w,b"} if tab == TAB_PLANE else {}))
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
    assert s.method == METHOD_NONE and "whole-number x" in str(notices[0])


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


# --- the Landscape tab: verdicts, advice, the maps' path, a second run, a fitted window ----


def landscape_text(at):
    """The tab's sentences as read: Markdown escapes and bold markers removed."""
    parts = [m.value for m in at.markdown] + [i.value for i in at.info]
    return " ".join(shown(p) for p in parts).replace("**", "")


def test_one_sample_run_is_said_to_solve_the_task():
    # Issue 10 item 5: ?n=1 converges at w = 1.35953 (x = 684, y = 0).
    at = run_app({"n": "1"})
    text = landscape_text(at)
    assert "Solved: w = 1.3595251 classifies its one training sample" in text
    assert "solved means every training sample is classified" in text
    assert "the run ends in w*'s basin" in text
    history = next(c for c in charts(at) if c["layout"].get("yaxis2"))
    (line,) = [s["y0"] for s in history["layout"]["shapes"] if s.get("yref") == "y"]
    # Independently: the zeros of sin^2(684 w) are k pi / 684; the nearest to the end.
    k = np.round(1.3595251 * 684 / np.pi)
    assert abs(line - k * np.pi / 684) < 1e-6


def test_w0_zero_is_called_a_stationary_point():
    at = run_app({"w0": "0"})
    text = landscape_text(at)
    assert "w₀ = 0 is a stationary point" in text and "visits" not in text


def test_lr_100_advice_is_a_window_the_settings_allow():
    at = run_app({"lr": "100"})
    (info,) = [shown(i.value) for i in at.info if "visits" in i.value]
    lo, hi = (float(v) for v in re.findall(r"\[([-\d.e+]+), ([-\d.e+]+)\]", info)[-1])
    assert Settings.from_query({"lr": "100", "lo": str(lo), "hi": str(hi)})[1] == []
    assert "-4767" not in info and "21274" not in info


def test_a_value_typed_out_of_range_is_reported_on_the_page():
    at = run_app()
    at.number_input(key="lr").set_value(1000.0)
    at.run()
    assert not at.exception
    (notice,) = [shown(w.value) for w in at.warning]
    assert notice.startswith("lr must be a number in [1e-09, 100], got '1000'")
    # The page runs the default, and says so, instead of keeping old results silently.
    path = decode(trace(at, "path of the run")["x"])
    assert np.array_equal(path, train(parity_data(1000, 1000, 0), 1.5).w)
    at.number_input(key="epochs").set_value(50000)
    at.run()
    assert any("epochs must be an integer in [1, 20000]" in shown(w.value) for w in at.warning)


def test_a_start_from_the_map_shows_both_paths_and_where_they_part():
    # Issue 10 item 7: the basin map's green start 1.5265 (its exact float64
    # value survives the URL) reaches pi/2 in float64; the float32 replay does not.
    from landscape.maps import basin_map

    data = parity_data(1000, 1000, 0)
    bm = basin_map(data, 1.4, 1.75, 1000, steps=100)
    start = float(bm.w0[361])
    assert f"{start:.5g}" == "1.5265" and bm.reached[361] >= 0
    at = run_app({"w0": repr(start), "f64": "true"})
    assert decode(trace(at, "float64 path")["x"])[-1] == bm.w[361]
    replay = train(data, start, lr=4e-4, epochs=100).w
    w, ref = start, [start]
    for _ in range(100):  # plain float64 gradient descent, the direct sum
        w -= 4e-4 * float(
            np.mean(2 * (np.sin(w * data.x) ** 2 - data.y) * np.sin(2 * w * data.x) * data.x)
        )
        ref.append(w)
    part = int(np.flatnonzero(np.abs(np.array(ref) - replay) > np.pi / (8 * 999))[0])
    text = landscape_text(at)
    assert f"part at step {part}," in text and "chaotic" in text
    assert np.array_equal(decode(trace(at, "float32 replay")["x"]), replay)
    f64 = decode(trace(at, "float64 path")["x"])
    np.testing.assert_allclose(f64[: part + 1], ref[: part + 1], atol=1e-6)
    assert trace(at, f"paths part (step {part})")


def test_a_second_run_shares_the_charts_and_the_share_link():
    query = {"cmp": "true", "opt2": "sgd", "lr2": "0.0002", "w02": "1.52", "epochs": "60"}
    at = run_app(query)
    second = train(parity_data(1000, 1000, 0), 1.52, lr=2e-4, epochs=60)
    landscape = charts(at)[0]
    drawn = [t for t in landscape["data"] if t.get("name", "").startswith("second run")]
    assert np.array_equal(decode(drawn[0]["x"]), second.w)
    # Animated in step: every frame moves both runs to the frame's step.
    for frame in landscape["frames"]:
        k = int(frame["name"])
        assert frame["data"][3]["x"] == [second.w[k]]
    assert "Second run: 60 steps of `sgd` (lr 0.0002, loss `mse`) from w₀ = 1.52" in (
        landscape_text(at)
    )
    links = [c.value for c in at.code if c.value.startswith("http")]
    assert query.items() <= dict(parse_qsl(urlsplit(links[0]).query)).items()


def test_fit_sets_the_window_around_the_path_with_basin_edges():
    at = run_app({"fit": "true"})
    landscape = charts(at)[0]
    lo, hi = landscape["layout"]["xaxis"]["range"]
    path = train(parity_data(1000, 1000, 0), 1.5).w
    assert lo <= path.min() and path.max() <= hi and hi - lo < 0.35
    assert (hi - lo) * 999 <= 1000
    edges = next(t for t in landscape["data"] if t["name"].startswith("basin edges"))
    assert int(edges["name"].rsplit(" ", 1)[1]) > 10


def test_step_buttons_move_the_shown_step_and_play_continues_from_it():
    at = run_app()
    run = train(parity_data(1000, 1000, 0), 1.5).w
    at.button(key="step_forward").click().run()
    at.button(key="step_forward").click().run()
    landscape = charts(at)[0]
    assert landscape["layout"]["sliders"][0]["active"] == 2
    marker = next(t for t in landscape["data"] if t.get("name") == "w at the shown step")
    assert marker["x"] == [run[2]]
    play = landscape["layout"]["updatemenus"][0]["buttons"][0]["args"][0]
    assert play[0] == "3" and play[-1] == "100"
    at.button(key="step_back").click().run()
    assert charts(at)[0]["layout"]["sliders"][0]["active"] == 1
    assert any("Shown: step 1 of 100" in c.value for c in at.caption)


def test_a_second_run_with_another_loss_replays_that_loss():
    at = run_app({"cmp": "true", "loss2": "l1", "opt2": "sgd", "lr2": "0.0004", "epochs": "30"})
    drawn = trace(at, "second run")
    assert drawn["name"].endswith(", l1 loss")
    # Independently: the question's loop with torch.nn.L1Loss.
    import torch
    from torch import nn

    data = parity_data(1000, 1000, 0)
    x = torch.tensor(data.x, dtype=torch.float32).reshape(-1, 1)
    y = torch.tensor(data.y, dtype=torch.float32).reshape(-1, 1)
    fc1 = nn.Linear(1, 1, bias=False)
    fc1.weight.data.fill_(1.5)
    opt, ws = torch.optim.SGD(fc1.parameters(), lr=0.0004), [fc1.weight.item()]
    for _ in range(30):
        opt.zero_grad()
        nn.L1Loss()(torch.sin(fc1(x)) ** 2, y).backward()
        opt.step()
        ws.append(fc1.weight.item())
    assert np.array_equal(decode(drawn["x"]), np.array(ws))


@pytest.mark.parametrize(
    "query",
    [
        {"cmp": "true"},
        {"f64": "true", "fit": "true"},
        {"w0": "0"},
        {"lr": "100"},
        {"method": "curriculum"},
        {"tab": "Basins"},
    ],
)
def test_the_landscape_and_basins_tabs_speak_the_pages_language(monkeypatch, query):
    speak_pseudo(monkeypatch)
    at = run_app(query | {"lang": PSEUDO})
    (tab,) = [t for t in at.tabs if t.get("plotly_chart")]  # Streamlit runs the open tab only
    texts = [e.value for kind in ("markdown", "caption", "info") for e in tab.get(kind)]
    texts += [b.label for b in tab.get("button")]
    specs = [json.loads(c.proto.spec) for c in tab.get("plotly_chart")]
    legends = [t for spec in specs for t in spec["data"] if t.get("showlegend", True)]
    texts += [t.get("name", "") for t in legends]
    axes = [spec["layout"].get(k, {}) for spec in specs for k in ("xaxis", "yaxis", "xaxis2")]
    texts += [axis.get("title", {}).get("text", "") for axis in axes]
    assert len(texts) > 8
    left = {w for text in texts for w in english_left(shown(text))}
    # Names the URL holds (optimizer, loss), the same in every language.
    assert left <= {"sgd", "adam", "mse"}, [t for t in texts if english_left(shown(t))]


@pytest.mark.parametrize("tab", ["Why it fails", "Basins", "Fixes"])
def test_tabs_built_on_mse_say_so_when_the_run_uses_another_loss(tab):
    said = [i.value for i in run_app({"tab": tab, "loss": "l1"}).info]
    assert any("mean squared error" in v and "`l1`" in v for v in said)
    assert not any("mean squared error" in i.value for i in run_app({"tab": tab}).info)


def test_rules_that_depend_on_the_data_are_checked_on_the_uploaded_data():
    # Five samples up to x = 1e6 in the link: the default window (0.35 wide) is far too
    # wide for them, and a batch of 50 exceeds them; the draw's rules would allow both.
    x = np.array([1.0, 2.0, 3.0, 4.0, 1e6])
    link = datalink.inline_value(Dataset(x, x % 2))
    at = run_app({"upload": link, "batch": "50", "tab": "Why it fails"})
    said = [shown(w.value) for w in at.warning]
    assert any("batch must be at most the number of samples (5)" in w for w in said)
    assert any("too wide for x up to 1e+06" in w for w in said)
