"""Landscape Lab: why gradient descent fails to learn w in ``x -> sin(w x)**2``."""

from .data import Dataset, parity_data, range_data, real_data, with_label_noise
from .spectrum import Spectrum, spectrum
from .surface import curvature_curve, global_minima, grad_curve, loss_curve, minima
from .train import OPTIMIZERS, TrainSettings, Trajectory, train

__all__ = [
    "OPTIMIZERS",
    "Dataset",
    "Spectrum",
    "TrainSettings",
    "Trajectory",
    "curvature_curve",
    "global_minima",
    "grad_curve",
    "loss_curve",
    "minima",
    "parity_data",
    "range_data",
    "real_data",
    "spectrum",
    "train",
    "with_label_noise",
]
