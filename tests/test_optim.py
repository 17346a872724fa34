"""The optimizer rules of landscape.optim against torch.optim calls written here by hand."""

import dataclasses
import inspect

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from landscape.optim import (
    HYPERPARAMETERS,
    MAX_LR,
    MAX_WEIGHT_DECAY,
    OPTIMIZERS,
    OptimizerSpec,
    takes,
)

# What each optimizer takes besides lr, and the torch call a user writes with
# every one of them spelled out.
TAKES = {
    "sgd": {"momentum", "nesterov", "weight_decay"},
    "adam": {"betas", "weight_decay"},
    "adamw": {"betas", "weight_decay"},
    "rmsprop": {"momentum", "weight_decay"},
    "adagrad": {"weight_decay"},
}
BY_HAND = {
    "sgd": lambda p, lr, h: torch.optim.SGD(
        p, lr=lr, momentum=h["momentum"], nesterov=h["nesterov"], weight_decay=h["weight_decay"]
    ),
    "adam": lambda p, lr, h: torch.optim.Adam(
        p, lr=lr, betas=h["betas"], weight_decay=h["weight_decay"]
    ),
    "adamw": lambda p, lr, h: torch.optim.AdamW(
        p, lr=lr, betas=h["betas"], weight_decay=h["weight_decay"]
    ),
    "rmsprop": lambda p, lr, h: torch.optim.RMSprop(
        p, lr=lr, momentum=h["momentum"], weight_decay=h["weight_decay"]
    ),
    "adagrad": lambda p, lr, h: torch.optim.Adagrad(p, lr=lr, weight_decay=h["weight_decay"]),
}
NEUTRAL = {"momentum": 0.0, "nesterov": False, "betas": (0.9, 0.999), "weight_decay": 0.0}


def hyperparameters_of(group):
    """A param group's settings without its tensors."""
    return {k: v for k, v in group.items() if k != "params"}


@st.composite
def choices(draw):
    """A valid (name, lr, hyperparameters) with only what the optimizer takes set."""
    name = draw(st.sampled_from(OPTIMIZERS))
    unit = st.floats(0.0, 1.0, exclude_max=True)
    h = dict(NEUTRAL)
    lr = draw(st.floats(0.0, MAX_LR, exclude_min=True))
    if name in ("sgd", "rmsprop"):
        h["momentum"] = draw(st.one_of(st.just(0.0), unit))
    if name == "sgd" and h["momentum"] > 0:
        h["nesterov"] = draw(st.booleans())
    if name in ("adam", "adamw"):
        h["betas"] = draw(st.one_of(st.just((0.9, 0.999)), st.tuples(unit, unit)))
    h["weight_decay"] = draw(st.sampled_from([0.0, 0.01]) | st.floats(0.0, MAX_WEIGHT_DECAY))
    return name, lr, h


def test_limits_are_the_documented_ones():
    assert (MAX_LR, MAX_WEIGHT_DECAY) == (1e3, 1e3)
    assert OPTIMIZERS == ("sgd", "adam", "adamw", "rmsprop", "adagrad")


def test_hyperparameter_table():
    for name in OPTIMIZERS:
        assert set(HYPERPARAMETERS[name]) == TAKES[name]
        for hyperparameter in NEUTRAL:
            assert takes(name, hyperparameter) == (hyperparameter in TAKES[name])
    # and each is a keyword of the torch class itself
    for name in OPTIMIZERS:
        signature = inspect.signature(OptimizerSpec(name, 0.1).torch_class).parameters
        assert TAKES[name] <= set(signature)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (("lbfgs", "momentum"), r"name must be one of sgd, adam, adamw, rmsprop, adagrad"),
        (("adam", "lr"), r"hyperparameter must be one of momentum, nesterov, betas, weight_decay"),
        (("adam", "eps"), r"hyperparameter"),
    ],
)
def test_takes_refuses_unknown_names(args, match):
    with pytest.raises(ValueError, match=match):
        takes(*args)


BAD = [
    ({"name": "SGD"}, r"optimizer name must be one of sgd, adam, adamw, rmsprop, adagrad"),
    ({"name": "lbfgs"}, r"optimizer name must be one of sgd, adam, adamw, rmsprop, adagrad"),
    ({"name": ["sgd"]}, r"optimizer name"),
    ({"lr": 0.0}, r"lr must be finite and in \(0, 1000\]"),
    ({"lr": -1e-3}, r"lr must be finite and in \(0, 1000\]"),
    ({"lr": float("nan")}, r"lr must be finite and in \(0, 1000\]"),
    ({"lr": float("inf")}, r"lr must be finite and in \(0, 1000\]"),
    ({"lr": 1000.5}, r"lr must be finite and in \(0, 1000\]"),
    ({"lr": 1e9}, r"lr must be finite and in \(0, 1000\]"),
    ({"lr": "0.1"}, r"lr must be a real number in \(0, 1000\]"),
    ({"lr": True}, r"lr must be a real number in \(0, 1000\]"),
    ({"momentum": -0.1}, r"momentum must be finite and in \[0, 1\)"),
    ({"momentum": 1.0}, r"momentum must be finite and in \[0, 1\)"),
    ({"momentum": float("nan")}, r"momentum must be finite and in \[0, 1\)"),
    ({"nesterov": "yes"}, r"nesterov must be True or False"),
    ({"nesterov": 1}, r"nesterov must be True or False"),
    ({"nesterov": True}, r"nesterov=True needs momentum in \(0, 1\)"),
    ({"name": "adam", "betas": (1.0, 0.999)}, r"betas\[0\] must be finite and in \[0, 1\)"),
    ({"name": "adam", "betas": (0.9, -0.1)}, r"betas\[1\] must be finite and in \[0, 1\)"),
    ({"name": "adam", "betas": (0.9, 1.0)}, r"betas\[1\] must be finite and in \[0, 1\)"),
    ({"name": "adam", "betas": (0.9,)}, r"betas must be a pair of reals in \[0, 1\)"),
    ({"name": "adam", "betas": 0.9}, r"betas must be a pair of reals in \[0, 1\)"),
    ({"name": "adam", "betas": (0.9, 0.99, 0.9)}, r"betas must be a pair"),
    ({"weight_decay": -1e-3}, r"weight_decay must be finite and in \[0, 1000\]"),
    ({"weight_decay": float("inf")}, r"weight_decay must be finite and in \[0, 1000\]"),
    ({"weight_decay": 1e4}, r"weight_decay must be finite and in \[0, 1000\]"),
    ({"weight_decay": None}, r"weight_decay must be a real number in \[0, 1000\]"),
]


@pytest.mark.parametrize(("kwargs", "match"), BAD)
def test_bad_values_raise_value_error_naming_the_argument_and_range(kwargs, match):
    kwargs = {"name": "sgd", "lr": 0.1} | kwargs
    with pytest.raises(ValueError, match=match):
        OptimizerSpec(**kwargs)


UNTAKEN = [
    (
        "adam",
        {"momentum": 0.9},
        r"'adam' takes no momentum \(it is for sgd and rmsprop only\); leave momentum=0.0",
    ),
    ("adamw", {"momentum": 0.1}, r"'adamw' takes no momentum \(it is for sgd and rmsprop"),
    ("adagrad", {"momentum": 0.5}, r"'adagrad' takes no momentum \(it is for sgd and rmsprop"),
    ("rmsprop", {"momentum": 0.9, "nesterov": True}, r"takes no nesterov \(it is for sgd only"),
    ("adam", {"nesterov": True}, r"'adam' takes no nesterov \(it is for sgd only\)"),
    (
        "sgd",
        {"betas": (0.8, 0.99)},
        r"'sgd' takes no betas \(it is for adam and adamw only\); leave betas=\(0.9, 0.999\)",
    ),
    ("rmsprop", {"betas": (0.9, 0.99)}, r"'rmsprop' takes no betas \(it is for adam and adamw"),
    ("adagrad", {"betas": (0.5, 0.999)}, r"'adagrad' takes no betas \(it is for adam and adamw"),
]


@pytest.mark.parametrize(("name", "kwargs", "match"), UNTAKEN)
def test_a_hyperparameter_the_optimizer_does_not_take_must_keep_its_default(name, kwargs, match):
    with pytest.raises(ValueError, match=match):
        OptimizerSpec(name, 0.1, **kwargs)
    # at its default it is accepted, as given or as an equal value of another type
    neutral = {k: NEUTRAL[k] for k in kwargs}
    OptimizerSpec(name, 0.1, **neutral)
    OptimizerSpec(name, 0.1, betas=[0.9, 0.999], momentum=0)


def test_values_are_stored_in_canonical_types():
    spec = OptimizerSpec(
        np.str_("adam"), np.float32(0.5), betas=np.array([0.5, 0.25]), weight_decay=np.int64(2)
    )
    assert spec == OptimizerSpec("adam", 0.5, betas=(0.5, 0.25), weight_decay=2.0)
    assert type(spec.name) is str and type(spec.lr) is float and type(spec.weight_decay) is float
    assert type(spec.betas) is tuple and all(type(b) is float for b in spec.betas)
    sgd = OptimizerSpec("sgd", 1, momentum=np.float64(0.5), nesterov=np.bool_(True))
    assert type(sgd.nesterov) is bool and type(sgd.momentum) is float and type(sgd.lr) is float
    assert hash(sgd) == hash(OptimizerSpec("sgd", 1.0, momentum=0.5, nesterov=True))


def test_spec_is_frozen_and_replace_validates():
    spec = OptimizerSpec("sgd", 0.1, momentum=0.9)
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.lr = 1.0
    assert dataclasses.replace(spec, lr=1.0).lr == 1.0
    with pytest.raises(ValueError, match="lr"):
        dataclasses.replace(spec, lr=0.0)
    with pytest.raises(ValueError, match="momentum"):
        dataclasses.replace(spec, name="adam")
    with pytest.raises(TypeError):
        OptimizerSpec("sgd", 0.1, 0.9)  # hyperparameters are keyword-only


@settings(max_examples=200, deadline=None)
@given(choices())
def test_build_is_the_optimizer_a_user_writes(choice):
    name, lr, h = choice
    spec = OptimizerSpec(name, lr, **h)
    p = [torch.zeros(3, requires_grad=True)]
    built, by_hand = spec.build(p), BY_HAND[name](p, lr, h)
    assert type(built) is type(by_hand)
    assert built.defaults == by_hand.defaults
    assert [hyperparameters_of(g) for g in built.param_groups] == [
        hyperparameters_of(g) for g in by_hand.param_groups
    ]
    assert built.param_groups[0]["params"][0] is p[0]


# torch's own defaults, written out: a call passes only what differs from them.
TORCH_DEFAULTS = {
    "sgd": {"momentum": 0.0, "nesterov": False, "weight_decay": 0.0},
    "adam": {"betas": (0.9, 0.999), "weight_decay": 0.0},
    "adamw": {"betas": (0.9, 0.999), "weight_decay": 0.01},
    "rmsprop": {"momentum": 0.0, "weight_decay": 0.0},
    "adagrad": {"weight_decay": 0.0},
}


@settings(max_examples=200, deadline=None)
@given(choices())
def test_kwargs_are_lr_and_what_differs_from_torch(choice):
    name, lr, h = choice
    kwargs = OptimizerSpec(name, lr, **h).kwargs()
    differ = {k: h[k] for k, default in TORCH_DEFAULTS[name].items() if h[k] != default}
    assert kwargs == {"lr": lr} | differ
    assert next(iter(kwargs)) == "lr"


@settings(max_examples=200, deadline=None)
@given(choices())
def test_source_builds_the_same_optimizer(choice):
    name, lr, h = choice
    spec = OptimizerSpec(name, lr, **h)
    net = torch.nn.Linear(1, 1, bias=False)
    namespace = {"torch": torch, "net": net}
    from_source = eval(spec.source(), {"__builtins__": {}}, namespace)
    built = spec.build(net.parameters())
    assert type(from_source) is type(built)
    assert from_source.defaults == built.defaults
    assert hyperparameters_of(from_source.param_groups[0]) == hyperparameters_of(
        built.param_groups[0]
    )
    # the values read back exactly
    for key, value in spec.kwargs().items():
        assert from_source.defaults[key] == value


def test_source_text():
    assert OptimizerSpec("sgd", 4e-4).source() == "torch.optim.SGD(net.parameters(), lr=0.0004)"
    assert (
        OptimizerSpec("sgd", 0.1, momentum=0.9, nesterov=True, weight_decay=1e-2).source()
        == "torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, nesterov=True, "
        "weight_decay=0.01)"
    )
    # weight_decay=0.0 is no decay: AdamW, whose torch default is 0.01, gets it spelled out
    assert (
        OptimizerSpec("adamw", 1e-3).source()
        == "torch.optim.AdamW(net.parameters(), lr=0.001, weight_decay=0.0)"
    )
    assert (
        OptimizerSpec("adamw", 1e-3, weight_decay=0.01).source()
        == "torch.optim.AdamW(net.parameters(), lr=0.001)"
    )
    assert (
        OptimizerSpec("adam", 1e-2, betas=(0.8, 0.99)).source("model.parameters()")
        == "torch.optim.Adam(model.parameters(), lr=0.01, betas=(0.8, 0.99))"
    )
    assert OptimizerSpec("rmsprop", 1e-5, momentum=0.5).source("params") == (
        "torch.optim.RMSprop(params, lr=1e-05, momentum=0.5)"
    )
    assert (
        OptimizerSpec("adagrad", 0.01).source() == "torch.optim.Adagrad(net.parameters(), lr=0.01)"
    )


@pytest.mark.parametrize(
    "params", ["", "net.parameters(); import os", "net.parameters(", "1net", "a[0]", None]
)
def test_source_refuses_anything_but_a_dotted_name(params):
    with pytest.raises(ValueError, match="params"):
        OptimizerSpec("sgd", 0.1).source(params)


def test_build_takes_param_groups():
    a, b = torch.zeros(2, requires_grad=True), torch.zeros(2, requires_grad=True)
    opt = OptimizerSpec("adam", 1e-3, weight_decay=0.5).build(
        [{"params": [a], "lr": 0.1}, {"params": [b]}]
    )
    assert [g["lr"] for g in opt.param_groups] == [0.1, 1e-3]
    assert [g["weight_decay"] for g in opt.param_groups] == [0.5, 0.5]


def test_adamw_default_is_no_decay():
    w = torch.tensor([2.0], requires_grad=True)
    opt = OptimizerSpec("adamw", 0.1).build([w])
    assert opt.param_groups[0]["weight_decay"] == 0.0
    w.grad = torch.zeros(1)
    opt.step()  # a zero gradient and no decay leave w where it was
    assert w.item() == 2.0
