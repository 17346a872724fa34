"""Independent references for the tests: direct sums over samples in long double.

Nothing here uses ``landscape``: these are the definitions, evaluated the slow
way, with the phase ``w x`` formed in 80-bit precision so that the reference
is more accurate than the float64 code under test.
"""

import numpy as np

LD = np.longdouble


def _phases(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return np.multiply.outer(np.asarray(w, dtype=LD), np.asarray(x, dtype=LD))


def direct_loss(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """mean_i (sin^2(w x_i) - y_i)^2, one row per w."""
    residual = np.sin(_phases(x, w)) ** 2 - np.asarray(y, dtype=LD)
    return np.mean(residual**2, axis=-1)


def direct_grad(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """mean_i 2 (sin^2(w x_i) - y_i) sin(2 w x_i) x_i."""
    t = _phases(x, w)
    residual = np.sin(t) ** 2 - np.asarray(y, dtype=LD)
    return np.mean(2 * residual * np.sin(2 * t) * np.asarray(x, dtype=LD), axis=-1)


def direct_curvature(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """mean_i 2 x_i^2 [sin^2(2 w x_i) + 2 (sin^2(w x_i) - y_i) cos(2 w x_i)]."""
    t = _phases(x, w)
    xl = np.asarray(x, dtype=LD)
    residual = np.sin(t) ** 2 - np.asarray(y, dtype=LD)
    return np.mean(2 * xl**2 * (np.sin(2 * t) ** 2 + 2 * residual * np.cos(2 * t)), axis=-1)
