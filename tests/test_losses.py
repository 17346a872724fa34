"""Each loss's float64 landscape, its minima and its comb, against independent computations."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from landscape.data import Dataset, parity_data, range_data, with_label_noise
from landscape.losses import (
    MAX_PAIR_POINTS,
    bce_poles,
    comb,
    direct_grid,
    grid_minima,
    locate_minima,
    loss_landscape,
    loss_values,
)
from landscape.plots.losses import losses_figure

LD = np.longdouble
LOSSES = ("mse", "l1", "huber", "bce")
QUESTION = parity_data()


def long_double_loss(x: np.ndarray, y: np.ndarray, w: float, loss: str, delta: float = 1.0):
    """The loss at one w, summed sample by sample in 80-bit long double, from the torch docs."""
    total = LD(0)
    for xi, yi in zip(x, y, strict=True):
        p = np.sin(LD(w) * LD(xi)) ** 2
        r = p - LD(yi)
        if loss == "mse":
            term = r * r
        elif loss == "l1":
            term = abs(r)
        elif loss == "huber":
            term = LD(0.5) * r * r if abs(r) < delta else LD(delta) * (abs(r) - LD(0.5) * delta)
        else:
            log_p = max(np.log(p), LD(-100)) if p > 0 else LD(-100)
            log_q = max(np.log1p(-p), LD(-100)) if p < 1 else LD(-100)
            term = -(LD(yi) * log_p + (1 - LD(yi)) * log_q)
        total += term
    return total / len(x)


def torch_float64_loss(data: Dataset, w: float, loss: str, delta: float = 1.0) -> float:
    """The question's forward pass and a stock torch.nn loss, in float64."""
    criterion = {
        "mse": torch.nn.MSELoss(),
        "l1": torch.nn.L1Loss(),
        "huber": torch.nn.HuberLoss(delta=delta),
        "bce": torch.nn.BCELoss(),
    }[loss]
    x = torch.tensor(data.x, dtype=torch.float64).reshape(-1, 1)
    y = torch.tensor(data.y, dtype=torch.float64).reshape(-1, 1)
    return criterion(torch.sin(w * x) ** 2, y).item()


@pytest.mark.parametrize("loss", LOSSES)
def test_each_loss_equals_a_long_double_sum_per_w(loss: str) -> None:
    rng = np.random.default_rng(1)
    data = parity_data(200, 1000, 3)
    ws = np.concatenate([rng.uniform(-3, 3, 5), [np.pi / 2 + 1e-3, 1.5]])
    got = loss_values(data, ws, loss)
    want = np.array([float(long_double_loss(data.x, data.y, w, loss)) for w in ws])
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-10)


@pytest.mark.parametrize("loss", LOSSES)
@settings(max_examples=15, deadline=None)
@given(
    x=st.lists(st.integers(-2000, 2000), min_size=1, max_size=30),
    labels=st.lists(st.floats(0, 1), min_size=30, max_size=30),
    w=st.floats(-5, 5),
    delta=st.floats(0.05, 2.0),
)
def test_each_loss_equals_torch_float64(loss, x, labels, w, delta) -> None:
    # Any whole or negative x, any labels in [0, 1] (noisy), any Huber delta.
    data = Dataset(np.array(x, dtype=np.float64), np.array(labels[: len(x)]))
    d = delta if loss == "huber" else 1.0
    got = float(loss_values(data, np.array([w]), loss, d)[0])
    assert got == pytest.approx(torch_float64_loss(data, w, loss, d), abs=1e-9)


def test_huber_with_delta_one_is_half_the_mse_for_labels_in_0_1() -> None:
    w = np.linspace(1.4, 1.75, 301)
    noisy = Dataset(QUESTION.x, np.clip(QUESTION.y + 0.2 * np.sin(QUESTION.x), 0, 1))
    for data in (QUESTION, noisy):
        np.testing.assert_allclose(
            loss_values(data, w, "huber"), 0.5 * loss_values(data, w, "mse"), atol=1e-12
        )


def test_bce_refuses_labels_outside_0_1_as_torch_does() -> None:
    noisy = with_label_noise(QUESTION, 0.3, 0)
    with pytest.raises(ValueError, match="bce"):
        loss_values(noisy, np.array([1.5]), "bce")
    with pytest.raises(RuntimeError):
        torch_float64_loss(noisy, 1.5, "bce")
    with pytest.raises(ValueError, match="loss must be one of"):
        loss_values(QUESTION, np.array([1.5]), "hinge")
    with pytest.raises(ValueError, match="x != 0"):
        loss_landscape(Dataset([0.0, 0.0], [0.0, 1.0]), 1.0, 2.0, "l1")
    with pytest.raises(ValueError, match="lo must be less than hi"):
        loss_landscape(QUESTION, 2.0, 1.0, "huber")


def test_grid_choice_is_capped_and_said() -> None:
    assert direct_grid(range_data(0, 6), 0.0, 3.2).kind == "dense"
    question = direct_grid(QUESTION, 1.4, 1.75)
    assert question.kind == "scan" and question.step <= 2 * np.pi / (4 * 999) / 16
    wide = parity_data(20_000, 100_000, 0)
    thinned = direct_grid(wide, 1.5, 1.51)
    assert thinned.kind == "thinned" and not thinned.resolves_basins
    pairs = np.unique(np.stack([wide.x, wide.y]), axis=1).shape[1]
    assert thinned.w.size * pairs <= MAX_PAIR_POINTS
    assert loss_landscape(wide, 1.5, 1.51, "l1").minima.size == 0


@pytest.mark.parametrize("loss", ["l1", "huber", "bce"])
@pytest.mark.parametrize(
    "data, lo, hi",
    [(QUESTION, 1.55, 1.6), (range_data(0, 6), 0.0, 3.2), (parity_data(300, 50, 2), 0.1, 2.0)],
)
def test_located_minima_are_minima_by_finite_differences(data, lo, hi, loss) -> None:
    land = loss_landscape(data, lo, hi, loss)
    step = land.grid.step
    found = locate_minima(data, loss, land.minima, step)
    assert found.w.size == land.minima.size > 0
    assert np.all(np.abs(found.w - land.minima) <= step)
    for m, within in zip(found.w, found.within, strict=True):
        at = loss_values(data, np.array([m]), loss)[0]
        for d in (step * 1e-2, step * 1e-4):
            around = loss_values(data, np.array([m - d, m + d]), loss)
            assert np.all(around >= at), (m, d)
        # The certificate: a minimum of L lies within +-within, and within is a real bound.
        assert np.isfinite(within) and within <= 100 * step
        if loss != "l1":  # smooth at its minima: the slope there vanishes
            d = step * 1e-5
            lo_v, hi_v = loss_values(data, np.array([m - d, m + d]), loss)
            far_lo, far_hi = loss_values(data, np.array([m - step, m + step]), loss)
            slope_far = max(abs(far_hi - at), abs(far_lo - at)) / step
            assert abs(hi_v - lo_v) / (2 * d) <= 1e-3 * slope_far + 1e-9 / d


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("data", [range_data(0, 6), QUESTION, parity_data(300, 50, 2)])
def test_the_certificate_holds_at_the_exact_solution(data, loss) -> None:
    """pi/2 solves parity data exactly; its minimum is flat (quartic for mse and huber), where
    float64 comparisons give out: the stated bound must still contain pi/2."""
    land = loss_landscape(data, 1.4, 1.75, loss)
    near = land.minima[np.argmin(np.abs(land.minima - np.pi / 2))]
    for refine in (True, False):
        found = locate_minima(data, loss, np.array([near]), land.grid.step, refine=refine)
        assert abs(found.w[0] - np.pi / 2) <= found.within[0] <= 100 * land.grid.step


def test_mse_minima_are_the_series_minima_and_grid_minima_bracket_them() -> None:
    land = loss_landscape(QUESTION, 1.4, 1.75, "mse")
    w = np.linspace(1.4, 1.75, 200_001)
    v = loss_values(QUESTION, w, "mse")
    brute = w[grid_minima(w, v)]
    assert land.minima.size == brute.size == 118
    assert np.max(np.abs(land.minima - brute)) <= w[1] - w[0]


def _poles_by_fractions(data: Dataset, lo: float, hi: float) -> list[Fraction]:
    """The BCE poles as exact rationals q (pole at q pi), independent of bce_poles."""
    out = set()
    for x, y in zip(data.x.astype(int), data.y, strict=True):
        if x == 0:
            continue
        for k in range(
            int(np.floor(lo * abs(x) / np.pi)) - 1, int(np.ceil(hi * abs(x) / np.pi)) + 2
        ):
            for half, has in ((Fraction(0), y != 0), (Fraction(1, 2), y != 1)):
                q = (k + half) / abs(x)
                if has and lo <= float(q) * np.pi <= hi:
                    out.add(q)
    return sorted(out)


def test_bce_poles_are_the_models_zeros_and_each_gap_holds_a_minimum() -> None:
    data = parity_data(40, 60, 5)
    lo, hi = 1.3, 1.8
    poles = bce_poles(data, lo, hi)
    want = [float(q) * np.pi for q in _poles_by_fractions(data, lo, hi)]
    np.testing.assert_allclose(poles, want, rtol=1e-15)
    # A fine grid: every gap between neighbouring poles holds a local minimum.
    w = np.linspace(lo, hi, 400_001)
    v = loss_values(data, w, "bce")
    found = w[grid_minima(w, v)]
    per_gap = np.histogram(found, bins=poles)[0]
    assert np.all(per_gap >= 1)
    c = comb(data, loss_landscape(data, lo, hi, "bce"), lo, hi)
    assert c.count == poles.size - 1


@pytest.mark.parametrize(
    "data, lo, hi",
    [
        (QUESTION, 1.4, 1.75),
        (range_data(0, 6), 0.0, 3.2),
        (Dataset(QUESTION.x, np.clip(QUESTION.y + 0.3 * np.cos(QUESTION.x), 0, 1)), 1.4, 1.75),
    ],
)
def test_the_figures_claim_minima_spacing_is_the_models_period(data, lo, hi) -> None:
    """The comb comes from the model: for mse, huber (and l1 on 0/1 labels) the minima lie
    pi/max|x| apart within a factor of 2 (measured on the data); bce's lie between the model's
    zeros; l1's kinks (labels inside (0, 1)) make its count a lower bound, said as such."""
    for loss in ("mse", "l1", "huber"):
        land = loss_landscape(data, lo, hi, loss)
        c = comb(data, land, lo, hi)
        if not c.complete:
            w = np.linspace(lo, hi, 12_001)
            assert loss == "l1" and grid_minima(w, loss_values(data, w, loss)).size >= c.count
            continue
        assert c.count >= 2
        assert 0.5 <= c.ratio <= 2.0, (loss, c)
        # Measured independently: minima of a brute-force grid, spacing over pi / max|x|.
        w = np.linspace(lo, hi, 12_001)
        brute = w[grid_minima(w, loss_values(data, w, loss))]
        spacing = (brute[-1] - brute[0]) / (brute.size - 1)
        assert spacing / (np.pi / np.abs(data.x).max()) == pytest.approx(c.ratio, rel=0.05)


def test_losses_figure_is_valid_plotly_and_states_each_comb() -> None:
    import plotly.graph_objects as go

    lands = [loss_landscape(QUESTION, 1.4, 1.75, name) for name in LOSSES]
    combs = [comb(QUESTION, land, 1.4, 1.75) for land in lands]
    fig = losses_figure(lands, combs, 1.4, 1.75, current=1.52)
    go.Figure(fig.to_dict())
    titles = [a["text"] for a in fig.layout.annotations]
    assert titles[0] == f"mse: 118 minima; minima {combs[0].ratio:.3g}·π/max|x| apart"
    assert titles[3].startswith("bce: ≥ ")
