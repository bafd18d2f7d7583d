"""Evaluate one CRN on the test examples: final outputs and how the chemistry got there.

Besides the outputs at t_end, each example gets its stabilisation time, its time to 90 % of
the final output, whether it had stopped moving over the second half of the run, and (for
CRNs with fuels) the smallest fraction of any fuel left at t_end. The times are read off the
measure grid (`dmp.sim.convergence.measure_grid`), which both engines sample exactly, so they
are measures of the CRN, not of an engine's output grid.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dmp.crn.model import CRN
from dmp.crn.species_map import SpeciesMap, is_reporter_complex
from dmp.errors import DmpError
from dmp.sim.convergence import converged, measure_grid, settling_times
from dmp.sim.readout import Readout, simulate_inputs
from dmp.sim.settings import SimulationSettings

# Time to 90 %: 10 % of each output's total change, plus this much (formal units) for outputs that hardly move.
T90_RTOL = 0.1
T90_ATOL = 1e-6


@dataclass
class Evaluation:
    """Per-example results; outputs in formal units, times in the CRN's time unit."""

    times: np.ndarray  # (T,)
    trajectories: np.ndarray  # (T, B, O)
    t_stable: np.ndarray  # (B,)
    t_90: np.ndarray  # (B,)
    converged: np.ndarray  # (B,) bool
    min_fuel_fraction: np.ndarray  # (B,), NaN without fuels

    @property
    def outputs(self) -> np.ndarray:
        """(B, O) outputs at t_end."""
        return self.trajectories[-1]


def fuel_species(crn: CRN) -> list[str]:
    """Fuel and helper complexes of an implementation CRN (Nuskell's naming: leading 'f'), with a supply.

    Reporters are left out: they are meant to be used up in proportion to the outputs they read.
    """
    return [
        name
        for name in crn.species
        if name.startswith("f") and not is_reporter_complex(name) and crn.concentration(name) > 0
    ]


def fuel_fraction_left(crn: CRN, readout: Readout) -> np.ndarray:
    """(B,) smallest fraction of any fuel's supply left at the end; NaN for a CRN without fuels."""
    fuels = fuel_species(crn)
    if not fuels:
        return np.full(len(readout.finals), np.nan)
    position = {name: i for i, name in enumerate(readout.species)}
    supply = np.array([crn.concentration(f) for f in fuels])
    left = readout.finals[:, [position[f] for f in fuels]] / supply[None, :]
    return np.min(left, axis=1) if len(left) else np.zeros(0)


def measures(readout: Readout, stabilisation_atol: float, crn: CRN) -> Evaluation:
    """Stabilisation time, time to 90 %, convergence and fuel left, from outputs on the measure grid."""
    times, outputs = readout.times, readout.outputs
    return Evaluation(
        times,
        outputs,
        settling_times(times, outputs, stabilisation_atol),
        settling_times(times, outputs, T90_ATOL, T90_RTOL),
        converged(times, outputs, stabilisation_atol),
        fuel_fraction_left(crn, readout),
    )


def evaluate_examples(
    crn: CRN,
    species_map: SpeciesMap,
    X_scaled: np.ndarray,
    settings: SimulationSettings,
    unit: float = 1.0,
    jobs: int = 1,
) -> tuple[Evaluation, int]:
    """Simulate every example on the measure grid to `settings.t_end`; the evaluation and the clipped inputs."""
    times = measure_grid(settings.t_end, settings.points_per_decade)
    readout = simulate_inputs(crn, species_map, X_scaled, times, settings, unit, jobs)
    return measures(readout, settings.stabilisation_atol, crn), readout.clipped


def chunk_examples(n: int, batch_size: int, chunk: int, chunks: int) -> np.ndarray:
    """Examples of chunk `chunk` (0-based) of `chunks`: whole batches, dealt in contiguous runs.

    Whole batches keep each batch's examples together, so collecting the chunks gives exactly
    the outputs of one run over all examples.
    """
    if chunks < 1 or not 0 <= chunk < chunks:
        raise DmpError(f"--chunk must be between 0 and {chunks - 1} (got --chunk {chunk} --of {chunks})")
    batches = np.array_split(np.arange(math.ceil(n / batch_size)), chunks)[chunk]
    if len(batches) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.arange(batches[0] * batch_size, min(n, (batches[-1] + 1) * batch_size))
