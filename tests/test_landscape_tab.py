"""The Landscape tab's sentences: verdicts, stationary points, and advice the settings allow.

Verdicts are checked against the question's own classification loop (one
float32 forward pass per integer, ``pred < 0.5`` against ``x % 2 == 0``) or,
for other labels, its general form written here; advice windows against the
settings' own rules (``Settings`` refuses what the app cannot show).
"""

import math
import re
from dataclasses import replace

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from pseudo import PSEUDO, english_left, speak_pseudo
from torch import nn

from lab.state import DATA_RANGE, MAX_W, MAX_WINDOW, Settings
from lab.tabs.landscape import path_notice, path_window, stationary, success
from landscape.data import Dataset, parity_data
from landscape.i18n import speak
from landscape.train import train

QUESTION = Settings()
QUESTION_DATA = parity_data(1000, 1000, 0)


class Net(nn.Module):
    # The question's model, as its notebook writes it.
    def __init__(self, w):
        super().__init__()
        self.fc1 = nn.Linear(1, 1, bias=False)
        self.fc1.weight.data.fill_(w)

    def forward(self, x):
        return torch.sin(self.fc1(x)) ** 2


def notebook_correct(w, xs, ys):
    """The notebook's loop: one forward pass per sample, prediction side vs label side."""
    net, right = Net(w), 0
    with torch.no_grad():
        for x, y in zip(xs, ys, strict=True):
            pred = net(torch.tensor([[float(x)]], dtype=torch.float32)).item()
            right += (pred < 0.5) == (y < 0.5)
    return right


def said_count(sentence):
    m = re.search(r"classifies (?:all ([\d,]+)|its one|([\d,]+) of)", sentence)
    assert m, sentence
    if "its one" in m.group(0):
        return 1
    return int((m.group(1) or m.group(2)).replace(",", ""))


@pytest.mark.parametrize("w", [1.5, 1.4353302, math.pi / 2, 1.5312905, 4.712389])
def test_verdict_sentence_counts_what_the_notebook_counts(w):
    sentence = success(QUESTION_DATA, w)
    right = notebook_correct(w, QUESTION_DATA.x, QUESTION_DATA.y)
    assert said_count(sentence) == right
    assert ("**Solved**" in sentence) == (right == 1000)
    assert "solved means every training sample is classified" in sentence


def test_one_sample_run_that_converges_is_said_to_solve_it():
    # Issue 10 item 5: ?n=1 converges to loss 2e-10 at w = 1.35953.
    data = Settings(n=1).dataset()
    run = train(data, 1.5, lr=4e-4, epochs=100)
    sentence = success(data, float(run.w[-1]))
    assert notebook_correct(run.w[-1], data.x, data.y) == 1
    assert sentence.startswith("**Solved**") and "its one training sample" in sentence


def test_reversed_labels_are_judged_on_their_own_labels():
    x = np.arange(1.0, 41.0)
    data = Dataset(x, (x % 2 == 0).astype(float))
    w = math.pi  # sin^2(pi x) = 0 everywhere: "even" for every x
    right = notebook_correct(w, data.x, data.y)
    assert said_count(success(data, w)) == right == 20


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 50), st.floats(-3.0, 3.0), st.integers(0, 3))
def test_w0_zero_is_stationary_on_any_data(n, shift, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-50, 50, n) + shift
    data = Dataset(x, rng.uniform(0, 1, n))
    run = train(data, 0.0, lr=0.1, epochs=3)
    assert stationary(run)
    # Independently: every sample's term 2 (sin^2(0) - y) sin(0) x is 0.
    assert float(np.sum(2 * (np.sin(0.0 * x) ** 2 - data.y) * np.sin(0.0 * x) * x)) == 0.0
    notice = path_notice(Settings(), run, 1.4, 1.75)
    assert "stationary point" in notice and "visits" not in notice


def windows_in(text):
    return [(float(a), float(b)) for a, b in re.findall(r"\[([-\d.e+]+), ([-\d.e+]+)\]", text)]


@settings(max_examples=40, deadline=None)
@given(st.floats(-6.0, 2.0), st.floats(-MAX_W, MAX_W), st.sampled_from(["sgd", "adam"]))
def test_advice_stays_within_the_window_limits(log_lr, w0, opt):
    s = Settings(lr=round(10.0**log_lr, 6), w0=round(w0, 6), opt=opt, epochs=20)
    run = train(QUESTION_DATA, s.w0, optimizer=opt, lr=s.lr, epochs=s.epochs)
    notice = path_notice(s, run, s.lo, s.hi)
    lo, hi, covers = path_window(s, run.w)
    advised = replace(s, lo=lo, hi=hi)  # raises if the rules refuse it
    assert -MAX_W <= advised.lo < advised.hi <= MAX_W
    assert (advised.hi - advised.lo) * s.max_abs_x() <= MAX_WINDOW
    w = run.w[np.isfinite(run.w)]
    assert covers == (lo <= w.min() and w.max() <= hi)
    if notice and "stationary" not in notice:
        suggested = windows_in(notice)[-1]
        assert suggested == (lo, hi)
        assert ("whole path" in notice) == covers


def test_lr_100_gets_advice_it_can_follow():
    # Issue 10 item 9: lr = 100 was told to widen the window to [-4767, 21274].
    s = Settings(lr=100.0)
    run = train(QUESTION_DATA, 1.5, lr=100.0, epochs=100)
    notice = path_notice(s, run, s.lo, s.hi)
    lo, hi = windows_in(notice)[-1]
    replace(s, lo=lo, hi=hi)
    assert "No allowed window holds it all" in notice


def test_a_six_sample_path_gets_a_window_that_holds_it():
    s = Settings(data=DATA_RANGE, start=0, stop=6, lr=0.1, lo=1.4, hi=1.45)
    run = train(s.dataset(), 1.5, lr=0.1, epochs=100)
    lo, hi, covers = path_window(s, run.w)
    assert covers and lo <= run.w.min() and run.w.max() <= hi
    assert "whole path" in path_notice(s, run, s.lo, s.hi)


@pytest.mark.parametrize("w", [math.pi / 2, 1.5, 1e6])
def test_the_verdict_is_translated_whole(monkeypatch, w):
    speak_pseudo(monkeypatch)
    speak(PSEUDO)
    try:
        sentence = success(QUESTION_DATA, w)
    finally:
        speak("en")
    assert sentence.startswith("«") and not english_left(sentence), sentence


def test_notices_are_translated_whole(monkeypatch):
    still = train(QUESTION_DATA, 0.0, lr=0.1, epochs=3)
    wide = train(QUESTION_DATA, 1.5, lr=100.0, epochs=100)
    speak_pseudo(monkeypatch)
    speak(PSEUDO)
    try:
        notices = [path_notice(QUESTION, run, QUESTION.lo, QUESTION.hi) for run in (still, wide)]
    finally:
        speak("en")
    for notice in notices:
        assert notice and not english_left(notice), notice
