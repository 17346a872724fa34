"""The exported PyTorch script with a loss, a schedule and a validation set equals the replay.

Each script runs unchanged in a separate interpreter; its printed weights and
``val_loss=`` lines must equal, with ``==``, what :func:`landscape.train.train`
returns for the same settings. The app's path (URL keys -> PlainRun ->
TrainSettings) is checked to describe the run the engine made.
"""

import pytest
from test_export import run_scripts

from lab.state import Settings
from landscape.data import Recipe
from landscape.export import pytorch_script
from landscape.train import train

# (data, train() arguments): the question's draw, held-out splits, noise, no validation.
CASES = [
    (Recipe(), {"loss": "bce", "schedule": "step", "step_size": 5}),
    (
        Recipe("range", start=0, stop=40, holdout=0.25, seed=3),
        {"loss": "huber", "delta": 0.5, "schedule": "exp", "gamma": 0.8, "batch_size": 8},
    ),
    (
        Recipe("real", n=200, high=50, seed=2, holdout=0.2),
        {"loss": "l1", "schedule": "cosine", "lr": 1e-3},
    ),
    (Recipe(n=300, high=300, seed=1, noise=0.1), {}),
    (Recipe("range", start=0, stop=12), {"schedule": "cosine"}),
]


def test_scripts_print_the_replays_weights_and_validation_losses():
    runs = [train(r.build(), 1.5, epochs=12, val=r.validation(), **kw) for r, kw in CASES]
    scripts = [pytorch_script(r, run.settings) for (r, _), run in zip(CASES, runs, strict=True)]
    outs = run_scripts(scripts)
    for run, out in zip(runs, outs, strict=True):
        weights = [t for t in out if not t.startswith("val_loss=")]
        vals = [t.removeprefix("val_loss=") for t in out if t.startswith("val_loss=")]
        assert weights == [repr(float(w)) for w in run.w], run.settings
        expected = [] if run.val_loss is None else [repr(float(v)) for v in run.val_loss]
        assert vals == expected, run.settings


def test_script_writes_the_torch_calls():
    r = Recipe("range", start=0, stop=40, holdout=0.25, seed=3)
    run = train(r.build(), 1.5, epochs=3, loss="huber", delta=0.5, schedule="step", gamma=0.5)
    code = pytorch_script(r, run.settings)
    assert "criterion = torch.nn.HuberLoss(delta=0.5)" in code
    assert "torch.optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.5)" in code
    compile(code, "script.py", "exec")


def test_app_settings_describe_the_engines_run():
    s = Settings(data="consecutive integers", start=0, stop=30, holdout=0.2)
    s = Settings(
        **{k: getattr(s, k) for k in ("data", "start", "stop", "holdout")},
        loss="huber",
        delta=0.25,
        sched="step",
        gamma=0.5,
        step_size=4,
        epochs=9,
    )
    run = s.plain_run()
    r = s.recipe()
    tr = train(r.build(), run.w0, **run.replay_kwargs(), val=r.validation())
    assert tr.settings == run.train_settings()
    assert Settings.from_query(s.to_query())[0] == s
    assert s.to_query()["loss"] == "huber" and s.to_query()["sched"] == "step"


@pytest.mark.parametrize(
    "values, reverted",
    [
        ({"delta": 0.5}, "delta"),
        ({"sched": "cosine", "gamma": 0.5}, "gamma"),
        ({"sched": "exp", "step_size": 3}, "step_size"),
        ({"holdout": 0.2}, "holdout"),
        ({"loss": "bce", "noise": 0.1}, "loss"),
    ],
)
def test_keys_that_do_not_apply_revert_with_a_notice(values, reverted):
    query = {k: str(v) for k, v in values.items()}
    s, notices = Settings.from_query(query)
    assert getattr(s, reverted) == getattr(Settings(), reverted)
    assert any(reverted in str(notice) for notice in notices)


# Settings that compare a second run: another optimizer (with or without momentum to
# keep), lr, w0 and loss, on the question's draw and on a mini-batched held-out split.
COMPARED = [
    {"epochs": 12, "cmp": True, "opt2": "adam", "lr2": 0.01, "w02": 1.2, "loss2": "bce"},
    {
        "data": "consecutive integers",
        "start": 0,
        "stop": 40,
        "holdout": 0.25,
        "batch": 8,
        "epochs": 5,
        "momentum": 0.9,
        "nesterov": True,
        "sched": "exp",
        "gamma": 0.8,
        "cmp": True,
        "opt2": "rmsprop",
        "lr2": 0.002,
        "w02": 1.6,
        "loss2": "huber",
    },
]


def printed(lines):
    """The weights and the validation losses among a run's printed lines."""
    vals = [t.removeprefix("val_loss=") for t in lines if t.startswith("val_loss=")]
    return [t for t in lines if not t.startswith("val_loss=")], vals


def test_a_compared_run_prints_the_apps_second_replay_after_the_first():
    settings = [Settings.from_query({k: str(v).lower() for k, v in c.items()})[0] for c in COMPARED]
    scripts, expected = [], []
    for s in settings:
        r = s.recipe()
        runs = [s.plain_run(), s.second_run()]
        # The app's replays (lab.cache._compute_run), written out here.
        replays = [train(r.build(), p.w0, **p.replay_kwargs(), val=r.validation()) for p in runs]
        assert replays[1].settings == runs[1].train_settings()
        expected.append(replays)
        train_settings = [p.train_settings() for p in runs]
        scripts.append(pytorch_script(r, train_settings[0], second=train_settings[1]))
    for out, replays in zip(run_scripts(scripts), expected, strict=True):
        cut = out.index("# second run")
        for lines, run in zip([out[:cut], out[cut + 1 :]], replays, strict=True):
            weights, vals = printed(lines)
            assert weights == [repr(float(w)) for w in run.w], run.settings
            assert vals == [repr(float(v)) for v in run.val_loss], run.settings
