"""When does a simulated output stop moving? Settling times from sampled trajectories.

A CRN computes its answer in the limit t -> infinity; a simulation runs to a finite t_end. For
each example the *stabilisation time* is the first time after which every output stays within
a tolerance of its value at t_end; the *time to 90 %* uses a tolerance of 10 % of each output's
total change instead. Both are read off the sampled trajectory, with linear interpolation of the
deviation between the last sample outside the tolerance and the next one.
"""

from __future__ import annotations

import numpy as np


def time_grid(t_end: float, points: int, log_points: int, first: float = 1e-6) -> np.ndarray:
    """Output times: 0, `log_points` log-spaced times from first * t_end to t_end, and a uniform grid.

    Log spacing resolves the fast start and the slow tail of a CRN with one array.
    """
    parts = [np.zeros(1), np.linspace(0.0, t_end, max(int(points), 2))]
    if log_points > 0:
        parts.append(np.geomspace(first * t_end, t_end, int(log_points)))
    grid = np.unique(np.concatenate(parts))
    grid[-1] = t_end
    return grid


def settling_times(times: np.ndarray, outputs: np.ndarray, atol: float, rtol: float = 0.0) -> np.ndarray:
    """First time after which each example's outputs all stay within their tolerance of the final value.

    `outputs` is (T, B, O) sampled at `times` (T,), the last sample taken as final. The tolerance
    of output j is atol + rtol * |y_j(t_end) - y_j(0)|. Returns (B,) times (0 if never outside).
    """
    outputs = np.asarray(outputs, dtype=np.float64)
    T, B, _ = outputs.shape
    final = outputs[-1]
    tolerance = atol + rtol * np.abs(final - outputs[0])  # (B, O)
    excess = np.max(np.abs(outputs - final[None]) - tolerance[None], axis=2)  # (T, B): > 0 means outside
    result = np.zeros(B)
    outside = excess > 0
    for b in np.flatnonzero(outside.any(axis=0)):
        k = int(np.flatnonzero(outside[:, b])[-1])  # last sample outside the tolerance
        if k == T - 1:  # cannot happen with final == outputs[-1] and atol >= 0, but be safe
            result[b] = times[-1]
            continue
        e0, e1 = excess[k, b], excess[k + 1, b]
        fraction = e0 / (e0 - e1) if e0 != e1 else 1.0
        result[b] = times[k] + fraction * (times[k + 1] - times[k])
    return result


def converged(times: np.ndarray, outputs: np.ndarray, atol: float) -> np.ndarray:
    """(B,) True where no output moved by more than atol over the second half of the run."""
    half = int(np.searchsorted(times, times[-1] / 2))
    change = np.max(np.abs(outputs[half:] - outputs[-1][None]), axis=(0, 2))
    return change <= atol
