"""Share links carry the data in use: inside the URL, or by SHA-256 from a bounded disk store.

The encoding is checked against bytes written here (zlib and base64 of the
float64 samples), the round trip bit for bit over random arrays, every
malformed value is refused with a ValueError naming the key (the disk store
is tested in test_store.py). The app is opened on the link its share box
shows, in a new session (and in a new Chromium context), and its run is
compared with ``landscape.train.train`` on the uploaded samples.
"""

import base64
import dataclasses
import hashlib
import json
import zlib
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from pseudo import english_left, speak_pseudo
from test_app import decode, run_app, shown, trace

from lab.store import ENV_DIR
from landscape.data import MAX_ABS_X, Dataset
from landscape.datalink import (
    MAX_INLINE_CHARS,
    MAX_INLINE_SAMPLES,
    decode_inline,
    inline_value,
    stored_digest,
    stored_value,
)
from landscape.train import train

pytestmark = pytest.mark.usefixtures("app_threads")


def z(raw: bytes) -> str:
    """An inline value for ``raw``, written here: zlib, then base64url without padding."""
    return "z." + base64.urlsafe_b64encode(zlib.compress(raw)).rstrip(b"=").decode()


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype == np.float64 and a.tobytes() == b.tobytes()


# --- the link value --------------------------------------------------------------------


def test_inline_value_is_zlib_of_the_float64_samples():
    data = Dataset([0.5, -3.0, 7.25], [1.0, 0.0, 0.3])
    value = inline_value(data)
    payload = value.removeprefix("z.")
    raw = zlib.decompress(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert raw == np.array([0.5, -3.0, 7.25, 1.0, 0.0, 0.3], dtype="<f8").tobytes()
    assert set(payload) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


finite = st.floats(-MAX_ABS_X, MAX_ABS_X, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 250).flatmap(lambda n: st.tuples(arrays(np.float64, n, elements=finite),
                                                       arrays(np.float64, n, elements=finite))))  # fmt: skip
def test_round_trip_is_lossless(xy):
    x, y = xy
    data = Dataset(x, y)
    value = inline_value(data)
    if data.n <= 180:  # any 180 samples fit: 16 bytes each and zlib's few bytes, in base64
        assert value is not None
    if value is None:
        assert (
            stored_value(data)
            == "h." + hashlib.sha256(x.tobytes() + b"|" + y.tobytes()).hexdigest()
        )
        return
    assert len(value) <= 2 + MAX_INLINE_CHARS
    back = decode_inline(value)
    assert same_bits(back.x, x) and same_bits(back.y, y)  # -0.0 and subnormals too


def test_the_question_data_fit_a_link():
    rng = np.random.RandomState(0)
    x = rng.randint(0, 1000, 1000).astype(float)
    value = inline_value(Dataset(x, x % 2))
    assert value is not None and len(value) < 4000
    assert (
        inline_value(Dataset(np.zeros(MAX_INLINE_SAMPLES + 1), np.zeros(MAX_INLINE_SAMPLES + 1)))
        is None
    )


BAD = {
    "": "upload must be",
    "z.": "upload must be",
    "z.ab+c": "upload must be",
    "z.ab/c": "upload must be",
    "z.ab=": "upload must be",
    " z.abc": "upload must be",
    "y.abc": "upload must be",
    "h.abc": "upload must be",
    "h." + "A" * 64: "upload must be",
    "h." + "0" * 65: "upload must be",
    "z." + "A" * (MAX_INLINE_CHARS + 1): "upload must be",
    "z.A": "not valid base64url",
    "z.AAAA": "not valid zlib",
    z(b"\0" * 15): "16 bytes per sample",
    z(b""): "16 bytes per sample",
    z(np.zeros(2 * (MAX_INLINE_SAMPLES + 1)).tobytes()): f"at most {MAX_INLINE_SAMPLES:,} samples",
    z(np.array([1.0, np.nan]).tobytes()): "finite",
    z(np.array([np.inf, 1.0]).tobytes()): "finite",
    z(np.array([2e9, 1.0]).tobytes()): "at most 1e+09",
    z(np.array([1.0, 0.0]).tobytes())[:-3]: "cut short",
    "z." + base64.urlsafe_b64encode(zlib.compress(b"\0" * 16) + b"junk").decode().rstrip("="): (
        "followed by other bytes"
    ),
}


@pytest.mark.parametrize("text", list(BAD), ids=range(len(BAD)))
def test_malformed_values_are_refused_naming_the_key(text):
    with pytest.raises(ValueError, match="upload") as info:
        decode_inline(text)
    assert BAD[text] in str(info.value)


def test_the_rule_is_stated_in_the_refusal():
    with pytest.raises(ValueError, match=f"1 to {MAX_INLINE_CHARS:,} base64url") as info:
        stored_digest("h.xyz")
    assert "64 lowercase hex digits" in str(info.value)
    assert stored_digest("h." + "0a" * 32) == "0a" * 32 and stored_digest("z.AAAA") is None


# --- the app ---------------------------------------------------------------------------


@pytest.fixture
def store(tmp_path, monkeypatch):
    """The app's upload store on a fresh directory (the process's store is rebuilt)."""
    from lab.cache import upload_store

    monkeypatch.setenv(ENV_DIR, str(tmp_path))
    upload_store.clear()
    yield tmp_path
    upload_store.clear()


def uploaded(rows: str):
    at = run_app()
    at.file_uploader(key="upload").set_value(("class data.csv", rows.encode(), "text/csv"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def share_links(at) -> list[str]:
    return [c.value for c in at.code if c.value.startswith("http")]


def path_of_run(at) -> np.ndarray:
    return decode(trace(at, "path of the run")["x"])


def csv_rows(x, y) -> str:
    return "x,y\n" + "".join(f"{float(a)!r},{float(b)!r}\n" for a, b in zip(x, y, strict=True))


@pytest.mark.parametrize("kind", ["inline", "stored"])
def test_a_share_link_opens_the_uploaded_data_in_a_new_session(store, kind):
    rng = np.random.default_rng(4)
    n = 40 if kind == "inline" else 600  # 600 random reals do not fit a link
    x = np.round(rng.uniform(0, 30, n), 3) if kind == "inline" else rng.uniform(0, 30, n)
    y = (np.floor(x) + 1) % 2  # reversed parity: not the draw's labels
    teacher = uploaded(csv_rows(x, y))
    link = share_links(teacher)[0]
    query = dict(parse_qsl(urlsplit(link).query))
    assert query["upload"].startswith("z." if kind == "inline" else "h.")
    assert "class data" not in link
    assert not teacher.warning
    expected = train(Dataset(x, y), 1.5, lr=4e-4, epochs=100).w
    assert np.array_equal(path_of_run(teacher), expected)
    if kind == "stored":
        from lab.cache import upload_store

        upload_store.clear()  # a server restart: only the disk store remembers
    student = run_app(query)  # a new session: another browser
    assert np.array_equal(path_of_run(student), expected)
    caption = [c.value for c in student.caption if "In use" in c.value]
    assert caption == [f"In use: uploaded data from the link, {n:,} samples (replace the draw)."]
    summary = [c.value for c in teacher.caption if "local minima" in c.value]
    assert summary and summary == [c.value for c in student.caption if "local minima" in c.value]
    # The student's share box passes the same data on; a click goes back to the draw.
    assert dict(parse_qsl(urlsplit(share_links(student)[0]).query))["upload"] == query["upload"]
    student.button(key="_drop_link_data").click().run()
    question = train(Dataset(*question_xy()), 1.5, lr=4e-4, epochs=100).w
    assert np.array_equal(path_of_run(student), question)
    assert not any("upload=" in link for link in share_links(student))


def test_a_link_whose_data_the_server_lacks_opens_the_draw_with_a_notice(store):
    at = run_app({"upload": "h." + "0" * 64})
    question = train(Dataset(*question_xy()), 1.5, lr=4e-4, epochs=100).w
    assert np.array_equal(path_of_run(at), question)
    assert any("missing" in c.value for c in at.caption)
    # The notice lab.upload.link_notices() hands the page's header.
    notices = [shown(w.value) for w in at.warning]
    assert any("(SHA-256 000000000000...) are not on this server" in n for n in notices)
    assert not any("upload=" in link for link in share_links(at))


def question_xy():
    x = np.random.RandomState(0).randint(0, 1000, 1000).astype(float)
    return x, x % 2


def test_the_share_box_says_when_a_link_cannot_carry_the_data(tmp_path, monkeypatch):
    from lab.cache import upload_store

    monkeypatch.setenv(ENV_DIR, "off")
    upload_store.clear()
    try:
        x = np.random.default_rng(1).uniform(0, 30, 600)
        at = uploaded(csv_rows(x, np.floor(x) % 2))
        assert any("do not carry your uploaded data (600 samples)" in w.value for w in at.warning)
        assert not any("upload=" in link for link in share_links(at))
    finally:
        upload_store.clear()


def _boxes_page(lang):
    # The upload box, the link's notices and the share box, without the rest of the page.
    import streamlit as st

    from lab.i18n import speak
    from lab.share import share_box
    from lab.state import Settings
    from lab.upload import link_notices, upload_box

    speak(lang)
    upload_box()
    for notice in link_notices():
        st.warning(notice)
    share_box(Settings(lang=lang), "Landscape")


def boxes(lang: str, query: dict[str, str] | None = None):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_boxes_page, args=(lang,), default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def test_the_share_box_and_the_upload_box_speak_the_pages_language(tmp_path, monkeypatch):
    from lab.cache import upload_store

    speak_pseudo(monkeypatch)
    monkeypatch.setenv(ENV_DIR, "off")
    upload_store.clear()
    try:
        at = boxes("zh")
        x = np.random.default_rng(1).uniform(0, 30, 600)
        rows = csv_rows(x, np.floor(x) % 2).encode()
        at.file_uploader(key="upload").set_value(("class.csv", rows, "text/csv")).run()
        assert not at.exception, [e.value for e in at.exception]
        texts = [m.value for m in at.markdown] + [w.value for w in at.warning]
        texts += [c.value for c in at.caption]
        texts += [at.file_uploader(key="upload").proto.label, at.file_uploader(key="upload").help]
        assert len(texts) == 6 and not [(t, english_left(t)) for t in texts if english_left(t)]
        at.file_uploader(key="upload").set_value(("bad.csv", b"x,y\n1,oops\n", "text/csv")).run()
        (error,) = [e.value for e in at.error]
        assert error.startswith("«Upload refused, the previous data stay in use.» bad")
    finally:
        upload_store.clear()


def test_a_links_notice_speaks_the_pages_language(store, monkeypatch):
    speak_pseudo(monkeypatch)
    at = boxes("zh", {"upload": "h." + "0" * 64})
    assert [w.value for w in at.warning] == [
        "«The link's uploaded data (SHA-256 000000000000...) are not on this server: it dropped "
        "them or the link was made on another server. The settings' own data are shown instead; "
        "ask whoever sent the link for the data file.»"
    ]
    assert [c.value for c in at.caption if "missing" in c.value] == [
        "«The link's uploaded data are missing: the draw above is in use.»"
    ]


IDLE = "[data-test-script-state='notRunning']"
CAPTION = "[data-testid='stCaptionContainer']"


def caption(page, containing: str) -> str:
    found = page.locator(CAPTION, has_text=containing).first
    found.wait_for(timeout=60_000)
    page.wait_for_selector(IDLE, state="attached", timeout=60_000)
    return found.inner_text()


@pytest.mark.browser
def test_a_link_made_after_an_upload_opens_the_same_page_in_a_new_browser(server, browser):
    teacher = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    teacher.goto(server, timeout=120_000)
    rows = b"x,y\n" + b"".join(b"%d,%d\n" % (x, (x + 1) % 2) for x in range(1, 30))
    upload = teacher.locator("[data-testid='stFileUploaderDropzoneInput']")
    upload.set_input_files({"name": "class.csv", "mimeType": "text/csv", "buffer": rows})
    assert "29 samples" in caption(teacher, "In use: class.csv")
    summary = caption(teacher, "local minima")
    links = teacher.locator("[data-testid='stSidebar'] [data-testid='stCode'] code")
    link = links.first.inner_text().strip()
    assert "upload=z." in link and "class" not in link
    assert "upload=z." in teacher.url  # the address bar is a share link too
    # A fresh browser context: no cookies, no session, nothing but the link.
    student = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    student.goto(link, timeout=120_000)
    assert "29 samples" in caption(student, "uploaded data from the link")
    assert caption(student, "local minima") == summary
    student.context.close()
    teacher.context.close()


def test_the_export_tab_writes_the_uploaded_samples_and_their_link(store):
    x = np.array([0.5, 2.0, 3.25, 7.0, -4.0])
    teacher = uploaded(csv_rows(x, [0.0, 1.0, 0.3, 1.0, 0.0]))
    teacher.query_params["tab"] = "Export"
    teacher.run()
    assert not teacher.exception, [e.value for e in teacher.exception]
    link = dict(parse_qsl(urlsplit(share_links(teacher)[0]).query))
    script = next(c.value for c in teacher.code if "APP_QUERY" in c.value)
    assert f"'upload': {link['upload']!r}" in script
    assert "x = np.array([0.5, 2.0, 3.25, 7.0, -4.0])" in script
    assert "parity" not in script and "class data" not in script


def test_broken_link_data_fall_back_to_the_draw_with_a_notice(store):
    question = train(Dataset(*question_xy()), 1.5, lr=4e-4, epochs=100).w
    at = run_app({"upload": "z.a+b"})  # not the form: the URL check names the key
    assert any("upload must be empty or 'z.'" in w.value.replace("\\", "") for w in at.warning)
    assert np.array_equal(path_of_run(at), question)
    at = run_app({"upload": "z.AAAA"})  # the form, but no samples in it
    notices = [shown(w.value) for w in at.warning]
    assert any("not valid zlib data" in n and "own data are shown instead" in n for n in notices)
    assert np.array_equal(path_of_run(at), question)


def test_the_settings_json_holds_the_link_and_the_samples(monkeypatch):
    from lab.state import Settings
    from lab.tabs import export as export_tab

    data = Dataset([0.5, -2.0, 1e-300], [1.0, 0.0, 0.25], name="secret.csv")
    link = inline_value(data)
    monkeypatch.setattr(export_tab, "session_upload", lambda: data)
    monkeypatch.setattr(export_tab, "in_use", lambda s: dataclasses.replace(s, upload=link))
    payload = json.loads(export_tab.settings_json(Settings(lr=0.01)))
    assert payload["settings"]["upload"] == payload["query"]["upload"] == link
    assert Settings.from_query(payload["query"])[0].upload == link
    assert payload["data"]["x"] == [0.5, -2.0, 1e-300] and payload["data"]["y"][2] == 0.25
    assert payload["data"]["sha256"] == stored_value(data).removeprefix("h.")
    assert "secret" not in json.dumps(payload)
