"""Landscape Lab: why gradient descent fails to learn w in ``x -> sin(w x)**2``."""

from .data import Dataset, parity_data, range_data, real_data, with_label_noise
from .maps import BasinMap, Chaos, ConvergenceMap, basin_map, chaos, convergence_map
from .optim import OPTIMIZERS, OptimizerSpec
from .remedies import REMEDIES, RemedyResult
from .spectrum import Spectrum, spectrum
from .surface import curvature_curve, global_minima, grad_curve, loss_curve, maxima, minima
from .swarm import Swarm, swarm
from .train import TrainSettings, Trajectory, train
from .why import WhyNumbers, why_numbers

__all__ = [
    "OPTIMIZERS",
    "REMEDIES",
    "BasinMap",
    "Chaos",
    "ConvergenceMap",
    "Dataset",
    "OptimizerSpec",
    "RemedyResult",
    "Spectrum",
    "Swarm",
    "TrainSettings",
    "Trajectory",
    "WhyNumbers",
    "basin_map",
    "chaos",
    "convergence_map",
    "curvature_curve",
    "global_minima",
    "grad_curve",
    "loss_curve",
    "maxima",
    "minima",
    "parity_data",
    "range_data",
    "real_data",
    "spectrum",
    "swarm",
    "train",
    "why_numbers",
    "with_label_noise",
]
