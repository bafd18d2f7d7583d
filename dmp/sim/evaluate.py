"""Run one CRN on many test examples and read back the network's outputs.

Each example sets the input species from its scaled features (times `unit`: 1 for the formal
CRN, `dsd.unit_nM` for the DNA-level CRN, whose concentrations are in nM), the CRN runs to
t_end, and y_j = (Y_j+ - Y_j-) / unit is read at every output time. Two engines:

- `batch` (default): `dmp.sim.batch`, all examples of a batch integrated as one system;
- `gillespy2`: GillesPy2's ODESolver once per example (the reference; slow).

Besides the final outputs, each example gets its stabilisation time, its time to 90 % of the
final output, whether it had stopped moving over the second half of the run, and (for CRNs with
fuels) the smallest fraction of any fuel left at t_end.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from dmp.crn.model import CRN
from dmp.crn.translate import SpeciesMap
from dmp.errors import DmpError
from dmp.sim.convergence import converged, settling_times, time_grid

ENGINES = ("batch", "gillespy2")
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


def output_matrix(species: list[str], species_map: SpeciesMap, unit: float = 1.0) -> np.ndarray:
    """(S, O) matrix that turns a state into outputs y_j = (Y_j+ - Y_j-) / unit."""
    index = {name: i for i, name in enumerate(species)}
    pairs = species_map.output_species()
    matrix = np.zeros((len(species), len(pairs)))
    for j, (plus, minus) in enumerate(pairs):
        if plus in index:
            matrix[index[plus], j] += 1.0 / unit
        if minus in index:
            matrix[index[minus], j] -= 1.0 / unit
    return matrix


def example_initials(
    crn: CRN, species_map: SpeciesMap, X_scaled: np.ndarray, unit: float = 1.0
) -> tuple[list[dict[str, float]], int]:
    """Input concentrations of every example (inputs absent from the CRN are left out), and clipped inputs."""
    present = set(crn.species)
    initials, clipped = [], 0
    for x in X_scaled:
        values, c = species_map.input_concentrations(x, present)
        initials.append({name: value * unit for name, value in values.items()})
        clipped += c
    return initials, clipped


def fuel_species(crn: CRN) -> list[str]:
    """Fuel and helper complexes of an implementation CRN (Nuskell's naming: leading 'f'), with a supply."""
    return [name for name in crn.species if name.startswith("f") and crn.concentration(name) > 0]


_WORKER: dict[str, Any] = {}


def _init_worker(crn: CRN, matrix: np.ndarray, settings: dict[str, Any], engine: str) -> None:
    _WORKER.clear()
    _WORKER.update(crn=crn, matrix=matrix, settings=settings, engine=engine)


def _simulate(initials: list[dict[str, float]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(T, b, O) observed outputs, (b, S) final states and (T,) times of one batch (worker side)."""
    crn, matrix, settings = _WORKER["crn"], _WORKER["matrix"], _WORKER["settings"]
    t_end = float(settings["t_end"])
    if _WORKER["engine"] == "batch":
        from dmp.sim.batch import compile_crn, initial_states, integrate_observed

        compiled = _WORKER.get("compiled") or compile_crn(crn)
        _WORKER["compiled"] = compiled
        times = time_grid(t_end, settings["points"], settings["stabilisation_points"])
        Y0 = initial_states(compiled, crn, initials)
        observed, final = integrate_observed(compiled, Y0, times, matrix, settings["rtol"], settings["atol"])
        return observed, final, times
    from dmp.sim.gillespy import simulate_ode

    # GillesPy2 samples a uniform grid only: its stabilisation times are as coarse as that grid.
    points = max(int(settings["points"]), int(settings["stabilisation_points"]))
    observed, finals, times = [], [], None
    for initial in initials:
        trajectory = simulate_ode(crn, t_end, points, initial, rtol=settings["rtol"], atol=settings["atol"])
        times = trajectory.times
        observed.append(trajectory.values @ matrix)
        finals.append(trajectory.values[-1])
    return np.stack(observed, axis=1), np.array(finals), times


def evaluate_examples(
    crn: CRN,
    species_map: SpeciesMap,
    X_scaled: np.ndarray,
    settings: dict[str, Any],
    engine: str = "batch",
    unit: float = 1.0,
    jobs: int = 1,
) -> tuple[Evaluation, int]:
    """Simulate every example; returns the evaluation and the number of clipped (shifted) inputs.

    `settings` needs t_end, points, stabilisation_points, stabilisation_atol, rtol, atol and
    batch_size (examples per batched system).
    """
    if engine not in ENGINES:
        raise DmpError(f"simulation.engine: {engine!r} is not allowed; use one of {', '.join(ENGINES)}")
    if not settings["t_end"] > 0:
        raise DmpError(f"t_end must be positive, got {settings['t_end']}")
    initials, clipped = example_initials(crn, species_map, X_scaled, unit)
    matrix = output_matrix(crn.species, species_map, unit)
    size = int(settings.get("batch_size", 64)) if engine == "batch" else 1
    batches = [initials[i : i + size] for i in range(0, len(initials), size)]
    if jobs > 1 and len(batches) > 1:
        with ProcessPoolExecutor(
            max_workers=jobs, initializer=_init_worker, initargs=(crn, matrix, settings, engine)
        ) as pool:
            parts = list(pool.map(_simulate, batches))
    else:
        _init_worker(crn, matrix, settings, engine)
        parts = [_simulate(batch) for batch in batches]
    _WORKER.clear()
    n_out = matrix.shape[1]
    if parts:
        times = parts[0][2]
        trajectories = np.concatenate([p[0] for p in parts], axis=1)
        finals = np.concatenate([p[1] for p in parts], axis=0)
    else:
        times = time_grid(float(settings["t_end"]), settings["points"], settings["stabilisation_points"])
        trajectories, finals = np.zeros((len(times), 0, n_out)), np.zeros((0, len(crn.species)))
    fuels = fuel_species(crn)
    if fuels:
        position = {name: i for i, name in enumerate(crn.species)}
        index = [position[f] for f in fuels]
        supply = np.array([crn.concentration(f) for f in fuels])
        fuel_fraction = np.min(finals[:, index] / supply[None, :], axis=1) if len(finals) else np.zeros(0)
    else:
        fuel_fraction = np.full(len(finals), np.nan)
    atol = float(settings["stabilisation_atol"])
    evaluation = Evaluation(
        times,
        trajectories,
        settling_times(times, trajectories, atol),
        settling_times(times, trajectories, T90_ATOL, T90_RTOL),
        converged(times, trajectories, atol),
        fuel_fraction,
    )
    return evaluation, clipped


def chunk_range(n: int, chunk: int, chunks: int) -> np.ndarray:
    """Indices of the examples in chunk `chunk` (0-based) of `chunks` contiguous, near-equal parts."""
    if chunks < 1 or not 0 <= chunk < chunks:
        raise DmpError(f"--chunk must be between 0 and {chunks - 1} (got chunk {chunk} of {chunks})")
    return np.array_split(np.arange(n), chunks)[chunk]
