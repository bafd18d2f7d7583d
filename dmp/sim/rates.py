"""Rate independence: the same CRN with every rate constant drawn at random.

A non-competitive CRN reaches the same final state whatever its (positive) rate constants:
every consumed species is a reactant of exactly one reaction, so no reaction can steal a
molecule that another one needed. Drawing each rate constant log-uniformly over several orders
of magnitude and simulating again must leave the final outputs unchanged, up to how far the
slowest reactions got by t_end. A competitive CRN (two reactions racing for one reactant)
shows the contrast: its final state depends on the ratio of the rate constants.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from dmp.crn.io import parse_crn
from dmp.crn.model import CRN
from dmp.crn.species_map import SpeciesMap
from dmp.errors import DmpError
from dmp.sim.batch import simulate_batch
from dmp.sim.readout import simulate_inputs
from dmp.sim.settings import SimulationSettings

# A + B -> C and A + D -> E race for A (1 unit) against 1.2 units of demand: with equal rates
# C = E = 0.5; if the first is much faster C -> 0.6 (all of B), if much slower C -> 0.4.
COMPETITIVE_EXAMPLE = "A + B -> C; A + D -> E; A @initial 1; B @initial 0.6; D @initial 0.6"
COMPETITIVE_OUTPUT = "C"


def competitive_crn() -> CRN:
    """The small competitive CRN used as a contrast (output: final C)."""
    return parse_crn(COMPETITIVE_EXAMPLE, "competitive example")


def draw_rates(n: int, rng: np.random.Generator, log10_min: float, log10_max: float) -> np.ndarray:
    """n rate constants, log-uniform on [10^log10_min, 10^log10_max]."""
    return 10.0 ** rng.uniform(log10_min, log10_max, size=n)


def with_rates(crn: CRN, rates: np.ndarray) -> CRN:
    """A copy of `crn` whose reaction i has rate constant rates[i]."""
    out = crn.copy()
    out.reactions = [dataclasses.replace(r, rate=float(k)) for r, k in zip(crn.reactions, rates, strict=True)]
    return out


def draw_seed(seed: int, network: int, draw: int) -> int:
    """Seed of draw `draw` for network number `network`, derived from the config seed."""
    return int(np.random.SeedSequence([int(seed), 7919, int(network), int(draw)]).generate_state(1)[0])


@dataclass
class RateStudy:
    """Every CRN re-simulated with random rate constants, and the competitive contrast."""

    rows: list[list[Any]]  # one per draw: crn, draw, seed, log10 k min/max, t_end, deviation, error, agreement
    per_crn: dict[str, dict[str, Any]]
    deviations: dict[str, np.ndarray]  # largest output change per draw, per CRN
    competitive: np.ndarray  # final C per draw
    competitive_base: float  # final C at equal rates


def _final_outputs(crn: CRN, species_map: SpeciesMap, X_scaled: np.ndarray, settings: SimulationSettings, t_end: float):  # noqa: ANN202
    times = np.array([0.0, t_end])
    return simulate_inputs(crn, species_map, X_scaled, times, settings).final_outputs


def _crn_draws(
    index: int,
    name: str,
    crn: CRN,
    species_map: SpeciesMap,
    X_scaled: np.ndarray,
    nn_out: np.ndarray,
    settings: SimulationSettings,
    seed: int,
) -> tuple[list[list[Any]], dict[str, Any], np.ndarray]:
    r = settings.rates
    base_rates = np.array([reaction.rate for reaction in crn.reactions])
    base = _final_outputs(crn, species_map, X_scaled, settings, settings.t_end)
    rows, devs, errors, agreements = [], [], [], []
    n = len(X_scaled)
    for d in range(int(r.draws)):
        s = draw_seed(seed, index, d)
        k = draw_rates(len(crn.reactions), np.random.default_rng(s), r.log10_min, r.log10_max)
        # The slowest reaction gets as many time constants as at the original rates.
        t_end = float(settings.t_end) / float(np.min(k / base_rates)) if len(k) else float(settings.t_end)
        run = _final_outputs(with_rates(crn, k), species_map, X_scaled, settings, t_end)
        devs.append(float(np.max(np.abs(run - base))) if n else 0.0)
        errors.append(float(np.max(np.abs(run - nn_out))) if n else 0.0)
        agreements.append(float(np.mean(np.argmax(run, axis=1) == np.argmax(nn_out, axis=1))) if n else 1.0)
        rows.append(
            [
                name,
                d,
                s,
                float(np.log10(k.min())),
                float(np.log10(k.max())),
                t_end,
                devs[-1],
                errors[-1],
                agreements[-1],
            ]
        )
    entry = {
        "reactions": len(crn.reactions),
        "max_deviation_from_original_rates": float(max(devs)) if devs else 0.0,
        "max_abs_error_vs_network": float(max(errors)) if errors else 0.0,
        "min_argmax_agreement": float(min(agreements)) if agreements else 1.0,
        "base_max_abs_error_vs_network": float(np.max(np.abs(base - nn_out))) if n else 0.0,
        "unchanged": bool(max(devs, default=0.0) <= r.tolerance),
    }
    return rows, entry, np.array(devs)


def _competitive_final(crn: CRN, settings: SimulationSettings) -> float:
    t_end = float(settings.t_end) / min(r.rate for r in crn.reactions)
    _, values, species = simulate_batch(crn, [{}], t_end, 2, settings.rtol, settings.atol)
    return float(values[-1, 0, species.index(COMPETITIVE_OUTPUT)])


def rate_study(
    crns: dict[str, CRN],
    species_map: SpeciesMap,
    X_scaled: np.ndarray,
    nn_out: np.ndarray,
    settings: SimulationSettings,
    seed: int,
) -> RateStudy:
    """Draw every rate constant log-uniformly `rates.draws` times per CRN and re-simulate the examples.

    The end time of a draw is t_end divided by its smallest rate-constant ratio (drawn / original).
    Draw seeds derive from `seed`, the CRN's position and the draw.
    """
    r = settings.rates
    if r.log10_max < r.log10_min:
        raise DmpError(f"simulation.rates: log10_max ({r.log10_max}) is below log10_min ({r.log10_min})")
    rows: list[list[Any]] = []
    per_crn, deviations = {}, {}
    for index, (name, crn) in enumerate(crns.items()):
        crn_rows, per_crn[name], deviations[name] = _crn_draws(
            index, name, crn, species_map, X_scaled, nn_out, settings, seed
        )
        rows += crn_rows
    comp = competitive_crn()
    base = _competitive_final(comp, settings)
    values = []
    for d in range(int(r.draws)):
        s = draw_seed(seed, 10**6, d)
        k = draw_rates(len(comp.reactions), np.random.default_rng(s), r.log10_min, r.log10_max)
        values.append(_competitive_final(with_rates(comp, k), settings))
        rows.append(
            [
                "competitive",
                d,
                s,
                float(np.log10(k.min())),
                float(np.log10(k.max())),
                None,
                abs(values[-1] - base),
                None,
                None,
            ]
        )
    return RateStudy(rows, per_crn, deviations, np.array(values), base)
