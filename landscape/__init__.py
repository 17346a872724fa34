"""Landscape Lab: why gradient descent fails to learn w in ``x -> sin(w x)**2``."""

from .data import Dataset, parity_data, range_data, real_data, with_label_noise
from .maps import BasinMap, Chaos, ConvergenceMap, basin_map, chaos, convergence_map
from .spectrum import Spectrum, spectrum
from .surface import curvature_curve, global_minima, grad_curve, loss_curve, minima
from .swarm import Swarm, swarm
from .train import OPTIMIZERS, TrainSettings, Trajectory, train

__all__ = [
    "OPTIMIZERS",
    "BasinMap",
    "Chaos",
    "ConvergenceMap",
    "Dataset",
    "Spectrum",
    "Swarm",
    "TrainSettings",
    "Trajectory",
    "basin_map",
    "chaos",
    "convergence_map",
    "curvature_curve",
    "global_minima",
    "grad_curve",
    "loss_curve",
    "minima",
    "parity_data",
    "range_data",
    "real_data",
    "spectrum",
    "swarm",
    "train",
    "with_label_noise",
]
