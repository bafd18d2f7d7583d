"""Does the CRN compute what the network computes? Per-example simulation and comparison.

For each test example the input species are set from the scaled features, the CRN runs to
`t_end`, and y_j = Y_j+ - Y_j- is compared with the NumPy forward pass of `model.json`.
"""

from __future__ import annotations

import math
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np

from dmp.crn.model import CRN
from dmp.crn.translate import SpeciesMap
from dmp.sim.gillespy import simulate_ode

_WORKER: dict[str, Any] = {}


def _init_worker(crn: CRN, species_map: SpeciesMap, settings: dict[str, Any]) -> None:
    _WORKER.clear()
    _WORKER.update(crn=crn, species_map=species_map, settings=settings)


def _simulate_one(x_scaled: np.ndarray) -> tuple[np.ndarray, int]:
    crn: CRN = _WORKER["crn"]
    species_map: SpeciesMap = _WORKER["species_map"]
    settings = _WORKER["settings"]
    present = _WORKER.setdefault("present", set(crn.species))
    initial, clipped = species_map.input_concentrations(x_scaled, present)
    trajectory = simulate_ode(
        crn, settings["t_end"], settings["points"], initial, rtol=settings["rtol"], atol=settings["atol"]
    )
    return species_map.read_outputs(trajectory.final()), clipped


def simulate_examples(
    crn: CRN, species_map: SpeciesMap, X_scaled: np.ndarray, settings: dict[str, Any], jobs: int = 1
) -> tuple[np.ndarray, int]:
    """CRN outputs (n x classes) at t_end for each scaled example, and the count of clipped inputs."""
    if jobs > 1 and len(X_scaled) > 1:
        with ProcessPoolExecutor(
            max_workers=jobs, initializer=_init_worker, initargs=(crn, species_map, settings)
        ) as pool:
            results = list(pool.map(_simulate_one, list(X_scaled), chunksize=max(1, len(X_scaled) // (4 * jobs))))
    else:
        _init_worker(crn, species_map, settings)
        results = [_simulate_one(x) for x in X_scaled]
    n_out = len(species_map.outputs)
    outputs = np.array([r[0] for r in results], dtype=np.float64).reshape(len(results), n_out)
    return outputs, int(sum(r[1] for r in results))


def compare(nn_outputs: np.ndarray, crn_outputs: np.ndarray, labels: np.ndarray) -> dict[str, Any]:
    """Agreement figures of one CRN against the network on the same examples."""
    nn_argmax = np.argmax(nn_outputs, axis=1)
    crn_argmax = np.argmax(crn_outputs, axis=1)
    n = len(labels)
    # Examples whose two largest NN outputs are within 1e-6: argmax is not well defined there.
    top2 = np.sort(nn_outputs, axis=1)[:, -2:] if nn_outputs.shape[1] > 1 else np.zeros((n, 2))
    near_ties = int(np.sum(np.abs(top2[:, 1] - top2[:, 0]) < 1e-6)) if nn_outputs.shape[1] > 1 else 0
    return {
        "n_test": int(n),
        "crn_test_accuracy": float(np.mean(crn_argmax == labels)) if n else math.nan,
        "crn_nn_argmax_agreement": float(np.mean(crn_argmax == nn_argmax)) if n else math.nan,
        "n_disagreements": int(np.sum(crn_argmax != nn_argmax)),
        "max_abs_output_error": float(np.max(np.abs(crn_outputs - nn_outputs))) if n else math.nan,
        "mean_abs_output_error": float(np.mean(np.abs(crn_outputs - nn_outputs))) if n else math.nan,
        "nn_near_ties": near_ties,
    }
