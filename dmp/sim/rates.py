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

import numpy as np

from dmp.crn.io import parse_crn
from dmp.crn.model import CRN

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
