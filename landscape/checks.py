"""Argument checks shared by every module: one wording for every refusal.

Each check returns the value in its canonical type or raises ``ValueError``
naming the argument and the allowed range, so that a caller (the app, a
notebook) can show the message as it is.
"""

from __future__ import annotations

import math

import numpy as np


def check_int(name: str, value: object, lo: int, hi: int) -> int:
    """``value`` as an int in [lo, hi]; bools and floats are refused."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{name} must be an integer in [{lo}, {hi}], got {value!r}")
    if not lo <= value <= hi:
        raise ValueError(f"{name} must be in [{lo}, {hi}], got {value}")
    return int(value)


def check_real(
    name: str, value: object, lo: float, hi: float, *, lo_open: bool = False, hi_open: bool = False
) -> float:
    """``value`` as a finite float in the interval from lo to hi (ends open on request)."""
    interval = f"{'(' if lo_open else '['}{lo:g}, {hi:g}{')' if hi_open else ']'}"
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ValueError(f"{name} must be a real number in {interval}, got {value!r}")
    v = float(value)
    ok = math.isfinite(v) and (lo < v if lo_open else lo <= v) and (v < hi if hi_open else v <= hi)
    if not ok:
        raise ValueError(f"{name} must be finite and in {interval}, got {value!r}")
    return v


def check_window(lo: object, hi: object, limit: float) -> tuple[float, float]:
    """``(lo, hi)`` as floats with ``-limit <= lo < hi <= limit``."""
    for name, value in (("lo", lo), ("hi", hi)):
        if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
            raise ValueError(f"{name} must be a finite number, got {value!r}")
        if not math.isfinite(value):
            raise ValueError(f"{name} must be a finite number, got {value!r}")
        if abs(value) > limit:
            raise ValueError(f"{name} must be in [{-limit:g}, {limit:g}], got {value!r}")
    if not lo < hi:
        raise ValueError(f"lo must be less than hi (lo < hi), got lo={lo!r}, hi={hi!r}")
    return float(lo), float(hi)
