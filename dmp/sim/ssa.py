"""Stochastic ensembles: many GillesPy2 SSA trajectories per example, at a chosen molecule count.

One concentration unit maps to `molecules_per_unit` molecules (initial counts rounded to the
nearest integer) and the volume is set to that number, so that the stochastic propensities
match the ODE rates. With g++ present GillesPy2's C++ `SSACSolver` is compiled once per CRN and
time span (`variable=True`), and every example and molecule count only overrides the initial
counts and the `vol` parameter; without a compiler `NumPySSASolver` runs a model built per call.

A non-competitive CRN that runs to completion reaches the same final counts on every
trajectory: each reaction fires until one of its reactants is used up, whatever the order. The
noise that remains at t_end is therefore (i) rounding inputs and biases to whole molecules and
(ii) trajectories that have not finished (the last molecules of a bimolecular reaction meet at
rate k / volume). Both shrink as the molecule count grows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dmp.crn.model import CRN
from dmp.crn.species_map import SpeciesMap
from dmp.errors import DmpError
from dmp.sim.gillespy import build_model, cpp_available
from dmp.sim.readout import example_initials, output_matrix
from dmp.sim.settings import SimulationSettings


class EnsembleRunner:
    """SSA ensembles of one CRN, sampled at `points` times from 0 to the end time of each run.

    The C++ solver is compiled once for the span [0, `span`]. A run to another end time T scales
    every rate constant by T / span instead of recompiling: mass action (stochastic too) is
    invariant under scaling all rates by a factor and time by its inverse, so the trajectory of
    the scaled model on [0, span] is the original one on [0, T], sampled at the same fractions.
    """

    def __init__(self, crn: CRN, span: float, points: int) -> None:
        if not span > 0 or points < 2:
            raise DmpError(f"SSA needs a positive end time and at least 2 points (got {span}, {points})")
        self.crn = crn
        self.species = crn.species
        self.span = float(span)
        self.points = int(points)
        self.compiled = cpp_available()
        self.solver_name = "SSACSolver (C++)" if self.compiled else "NumPySSASolver"
        self._solver = None
        if self.compiled:
            from gillespy2 import SSACSolver

            model = build_model(crn, self.span, self.points, discrete=True, molecules_per_unit=1)
            self._solver = SSACSolver(model=model, variable=True)

    def times(self, t_end: float | None = None) -> np.ndarray:
        """Sample times of a run to t_end (default: the span)."""
        return np.linspace(0.0, float(t_end or self.span), self.points)

    def counts(self, initial: dict[str, float], molecules_per_unit: int) -> dict[str, int]:
        """Initial molecule counts: the CRN's concentrations, `initial` overriding, times the unit count."""
        values = dict(self.crn.initial)
        values.update(self.crn.constant)
        unknown = sorted(set(initial) - set(self.species))
        if unknown:
            raise DmpError(f"initial concentration given for unknown species {unknown[0]}")
        values.update(initial)
        return {name: int(round(values.get(name, 0.0) * molecules_per_unit)) for name in self.species}

    def run(
        self,
        initial: dict[str, float],
        molecules_per_unit: int,
        trajectories: int,
        seed: int,
        t_end: float | None = None,
    ) -> np.ndarray:
        """(trajectories, points, S) concentrations (molecule counts / molecules_per_unit) up to t_end."""
        if molecules_per_unit < 1:
            raise DmpError(f"molecules per unit must be at least 1, got {molecules_per_unit}")
        if trajectories < 1:
            raise DmpError(f"need at least one trajectory, got {trajectories}")
        t_end = float(t_end or self.span)
        seed = int(seed) % (2**31 - 1) or 1
        counts = self.counts(initial, molecules_per_unit)
        if self._solver is not None:
            variables: dict[str, float] = {f"s{i}": counts[name] for i, name in enumerate(self.species)}
            variables["vol"] = float(molecules_per_unit)
            factor = t_end / self.span
            if factor != 1.0:
                variables.update({f"k{i}": r.rate * factor for i, r in enumerate(self.crn.reactions)})
            results = self._solver.run(number_of_trajectories=trajectories, seed=seed, variables=variables)
        else:
            from gillespy2 import NumPySSASolver

            concentrations = {name: counts[name] / molecules_per_unit for name in self.species}
            model = build_model(
                self.crn, t_end, self.points, concentrations, discrete=True, molecules_per_unit=molecules_per_unit
            )
            results = NumPySSASolver(model=model).run(number_of_trajectories=trajectories, seed=seed)
        out = np.empty((trajectories, self.points, len(self.species)))
        for k, data in enumerate(results):
            for i in range(len(self.species)):
                out[k, :, i] = data[f"s{i}"]
        return out / molecules_per_unit


def example_seed(seed: int, *keys: int) -> int:
    """A seed for one (example, molecule count, ...) derived deterministically from the config seed."""
    return int(np.random.SeedSequence([int(seed), *map(int, keys)]).generate_state(1)[0] % (2**31 - 2)) + 1


def ensemble_statistics(outputs: np.ndarray, nn_outputs: np.ndarray) -> dict[str, float]:
    """Figures of one example's ensemble: outputs (trajectories, O) at t_end, nn_outputs (O,)."""
    target = int(np.argmax(nn_outputs))
    match = np.argmax(outputs, axis=1) == target
    return {
        "argmax_agreement": float(np.mean(match)),
        "output_std_max": float(np.max(np.std(outputs, axis=0))) if len(outputs) > 1 else 0.0,
        "mean_abs_error": float(np.mean(np.abs(outputs - nn_outputs[None, :]))),
        "max_abs_error": float(np.max(np.abs(outputs - nn_outputs[None, :]))),
    }


@dataclass
class SsaStudy:
    """Ensembles of every example at one molecule count, and the molecule-count sweep."""

    per_example: list[dict[str, float]]  # ensemble_statistics of each example
    sweep: list[dict[str, Any]]  # one row per molecule count
    runner: EnsembleRunner
    initials: list[dict[str, float]]
    matrix: np.ndarray  # (S, O): state -> outputs


def _sweep_row(molecules: int, stats: list[dict[str, float]]) -> dict[str, Any]:
    def mean(key: str) -> float | None:
        return float(np.mean([s[key] for s in stats])) if stats else None

    return {
        "molecules_per_unit": int(molecules),
        "examples": len(stats),
        "mean_argmax_agreement": mean("argmax_agreement"),
        "min_argmax_agreement": float(np.min([s["argmax_agreement"] for s in stats])) if stats else None,
        "mean_abs_error": mean("mean_abs_error"),
        "mean_output_std": mean("output_std_max"),
    }


def ssa_study(
    crn: CRN, species_map: SpeciesMap, X_scaled: np.ndarray, nn_out: np.ndarray, settings: SimulationSettings, seed: int
) -> SsaStudy:
    """SSA ensembles per example at `molecules_per_unit`, then the sweep over `ssa.molecules_sweep`.

    Every ensemble's seed derives from `seed`, the molecule count and the example, so a run on
    a subset of examples gives the same ensembles for those examples.
    """
    ssa = settings.ssa
    initials, _ = example_initials(crn, species_map, X_scaled)
    matrix = output_matrix(crn.species, species_map)
    mpu, trajectories = int(settings.molecules_per_unit), int(ssa.trajectories)
    # One compiled solver serves the figure's span and (rates scaled, see EnsembleRunner) the long runs.
    runner = EnsembleRunner(crn, settings.trajectory_t_end, 101)
    finals: dict[tuple[int, int], np.ndarray] = {}

    def final(k: int, molecules: int) -> np.ndarray:  # (trajectories, O) outputs at t_end
        if (molecules, k) not in finals:
            values = runner.run(initials[k], molecules, trajectories, example_seed(seed, molecules, k), ssa.t_end)
            finals[(molecules, k)] = values[:, -1, :] @ matrix
        return finals[(molecules, k)]

    per_example = [ensemble_statistics(final(k, mpu), nn_out[k]) for k in range(len(initials))]
    n_sweep = min(int(ssa.sweep_examples), len(initials))
    sweep = [
        _sweep_row(m, [ensemble_statistics(final(k, m), nn_out[k]) for k in range(n_sweep)])
        for m in ssa.molecules_sweep
    ]
    return SsaStudy(per_example, sweep, runner, initials, matrix)


def figure_ensembles(
    study: SsaStudy, picks: list[int], molecules: int, trajectories: int, seed: int
) -> list[np.ndarray]:
    """(trajectories, points, O) output curves of the picked examples over the runner's short span."""
    return [
        study.runner.run(study.initials[k], molecules, trajectories, example_seed(seed, molecules, k, 1)) @ study.matrix
        for k in picks
    ]
