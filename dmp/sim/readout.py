"""Simulate one CRN on many inputs and read back the network's outputs: the one routine for it.

Each example sets the input species from its scaled features (times `unit`: 1 for the formal
CRN, `dsd.unit_nM` for the DNA-level CRN, whose concentrations are in nM), the CRN runs to the
last output time, and y_j = (Y_j+ - Y_j-) / unit is read at every output time. A DNA-level CRN
with reporters (dsd.reporters) is read as the wet lab reads it: from the fluorescent products,
y_j = (Lum_Yj+ - Lum_Yj-) / unit. Evaluation,
rate randomisation, pattern drawing and trajectory figures all call `simulate_inputs`; only
the output times differ. Two engines:

- `batch` (default): `dmp.sim.batch`, the examples of a batch integrated as one system;
- `gillespy2`: GillesPy2's ODESolver once per example (the reference; slow).

With `jobs` > 1 the batches (or examples) are spread over one pool of worker processes.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from dmp.crn.model import CRN
from dmp.crn.species_map import SpeciesMap, fluorescent_species
from dmp.errors import DmpError
from dmp.sim.settings import SimulationSettings

ENGINES = ("batch", "gillespy2")


@dataclass
class Readout:
    """Outputs of many examples of one CRN: y in formal units at each output time."""

    times: np.ndarray  # (T,)
    outputs: np.ndarray  # (T, B, O)
    finals: np.ndarray  # (B, S) concentrations at the last time, in the CRN's own unit
    species: list[str]
    clipped: int  # shifted inputs below zero, clipped to zero
    observed: np.ndarray | None = None  # (T, B, K) concentrations of the species asked for with `observe`

    @property
    def final_outputs(self) -> np.ndarray:
        """(B, O) outputs at the last output time."""
        return self.outputs[-1]


def output_matrix(species: list[str], species_map: SpeciesMap, unit: float = 1.0) -> np.ndarray:
    """(S, O) matrix that turns a state into outputs y_j = (Y_j+ - Y_j-) / unit.

    A rail whose reporter product Lum_Y is a species is read from that product instead.
    """
    index = {name: i for i, name in enumerate(species)}
    pairs = [
        tuple(fluorescent_species(rail) if fluorescent_species(rail) in index else rail for rail in pair)
        for pair in species_map.output_species()
    ]
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


_WORKER: dict[str, Any] = {}


def _init_worker(crn: CRN, matrix: np.ndarray, times: np.ndarray, engine: str, rtol: float, atol: float) -> None:
    _WORKER.clear()
    _WORKER.update(crn=crn, matrix=matrix, times=times, engine=engine, rtol=rtol, atol=atol)


def _simulate(initials: list[dict[str, float]]) -> tuple[np.ndarray, np.ndarray]:
    """(T, b, O) observed outputs and (b, S) final states of one batch (worker side)."""
    crn, matrix, times = _WORKER["crn"], _WORKER["matrix"], _WORKER["times"]
    rtol, atol = _WORKER["rtol"], _WORKER["atol"]
    if _WORKER["engine"] == "batch":
        from dmp.sim.batch import compile_crn, initial_states, integrate_observed

        compiled = _WORKER.get("compiled") or compile_crn(crn)
        _WORKER["compiled"] = compiled
        Y0 = initial_states(compiled, crn, initials)
        return integrate_observed(compiled, Y0, times, matrix, rtol, atol)
    from dmp.sim.gillespy import simulate_ode_on

    states = [simulate_ode_on(crn, times, initial, rtol, atol) for initial in initials]
    observed = np.stack([s @ matrix for s in states], axis=1) if states else np.zeros((len(times), 0, matrix.shape[1]))
    return observed, np.array([s[-1] for s in states]).reshape(len(states), len(crn.species))


def simulate_inputs(
    crn: CRN,
    species_map: SpeciesMap,
    X_scaled: np.ndarray,
    times: np.ndarray,
    settings: SimulationSettings,
    unit: float = 1.0,
    jobs: int = 1,
    batch_size: int | None = None,
    observe: list[str] | None = None,
) -> Readout:
    """Simulate every example from t = 0 and read its outputs at `times` (increasing, ending at t_end).

    `observe` names species whose concentrations (in the CRN's unit) are kept at every time as
    well (a species the CRN lacks reads 0). The engine and tolerances come from `settings`. The batch engine integrates `batch_size`
    (default `settings.batch_size`) consecutive examples as one system; results depend only on
    which examples share a batch, never on `jobs`.
    """
    engine, rtol, atol = settings.engine, settings.rtol, settings.atol
    batch_size = settings.batch_size if batch_size is None else batch_size
    if engine not in ENGINES:
        raise DmpError(f"simulation.engine: {engine!r} is not allowed; use one of {', '.join(ENGINES)}")
    times = np.asarray(times, dtype=np.float64)
    if not len(times) or not times[-1] > 0:
        raise DmpError(f"t_end must be positive, got {times[-1] if len(times) else 'no output time'}")
    initials, clipped = example_initials(crn, species_map, X_scaled, unit)
    outputs_only = output_matrix(crn.species, species_map, unit)
    matrix = np.hstack([outputs_only, _selection(crn.species, observe or [])])
    size = int(batch_size) if engine == "batch" else 1
    batches = [initials[i : i + size] for i in range(0, len(initials), size)]
    setup = (crn, matrix, times, engine, float(rtol), float(atol))
    if jobs > 1 and len(batches) > 1:
        with ProcessPoolExecutor(max_workers=min(jobs, len(batches)), initializer=_init_worker, initargs=setup) as pool:
            parts = list(pool.map(_simulate, batches))
    else:
        _init_worker(*setup)
        parts = [_simulate(batch) for batch in batches]
    _WORKER.clear()
    if parts:
        observed = np.concatenate([p[0] for p in parts], axis=1)
        finals = np.concatenate([p[1] for p in parts], axis=0)
    else:
        observed, finals = np.zeros((len(times), 0, matrix.shape[1])), np.zeros((0, len(crn.species)))
    n = outputs_only.shape[1]
    extra = observed[:, :, n:] if observe else None
    return Readout(times, observed[:, :, :n], finals, list(crn.species), clipped, extra)


def _selection(species: list[str], names: list[str]) -> np.ndarray:
    """(S, K) matrix picking the named species out of a state (a column of zeros for an absent one)."""
    index = {name: i for i, name in enumerate(species)}
    matrix = np.zeros((len(species), len(names)))
    for k, name in enumerate(names):
        if name in index:
            matrix[index[name], k] = 1.0
    return matrix
