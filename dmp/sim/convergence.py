"""When does a simulated output stop moving? Settling times from sampled trajectories.

A CRN computes its answer in the limit t -> infinity; a simulation runs to a finite t_end. For
each example the *stabilisation time* is the first time after which every output stays within
a tolerance of its value at t_end; the *time to 90 %* uses a tolerance of 10 % of each output's
total change instead. Both are read off the sampled trajectory, with linear interpolation of the
deviation between the last sample outside the tolerance and the next one.
"""

from __future__ import annotations

import numpy as np

DECADES = 6  # the measure grid spans t_end * 1e-6 .. t_end


def measure_grid(t_end: float, per_decade: int, decades: int = DECADES) -> np.ndarray:
    """0, then `per_decade` evenly spaced times in each decade from t_end * 10^-decades to t_end.

    Dense where a CRN moves fast (the start) and where it settles (the tail). Within a decade
    the spacing is uniform, so an engine that only samples uniform grids (GillesPy2) can run
    one decade at a time and sample exactly these times: the measures read off the grid are
    then the same for every engine. Neighbouring samples are at most 9 / per_decade of the
    later time apart.
    """
    t_end = float(t_end)
    edges = t_end * 10.0 ** np.arange(-decades, 1, dtype=np.float64)
    parts = [np.zeros(1), edges[:1]]
    for low, high in zip(edges[:-1], edges[1:], strict=True):
        parts.append(np.linspace(low, high, int(per_decade) + 1)[1:])
    grid = np.concatenate(parts)
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
