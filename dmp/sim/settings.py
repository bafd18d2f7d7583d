"""Parameters of the simulation steps (the config's `simulation` section).

Defaults live in the config schema; the config module builds these from the validated config.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from dmp.errors import DmpError

LEVELS = ("formal", "dna")


@dataclass(frozen=True)
class SsaSettings:
    """Stochastic ensembles and the molecule-count sweep."""

    crn: str  # full | reduced
    examples: int | None
    trajectories: int
    t_end: float
    molecules_sweep: tuple[int, ...]
    sweep_examples: int
    figure_examples: int


@dataclass(frozen=True)
class DnaSettings:
    """The DNA level: enumerated CRNs in nM and seconds."""

    t_end: float  # seconds
    rtol: float
    atol: float  # nM
    max_examples: int | None
    trajectory_t_end: float  # seconds


@dataclass(frozen=True)
class RatesSettings:
    """Rate independence: log-uniform draws of every rate constant."""

    draws: int
    log10_min: float
    log10_max: float
    max_examples: int | None
    tolerance: float


@dataclass(frozen=True)
class SimulationSettings:
    """The `simulation` config section (formal level; `dna` holds the DNA level's values)."""

    engine: str  # batch | gillespy2
    t_end: float
    stabilisation_atol: float
    rtol: float
    atol: float
    batch_size: int
    chunks: int
    max_examples: int | None
    trajectory_examples: int
    trajectory_t_end: float
    molecules_per_unit: int
    jobs: int
    ssa: SsaSettings
    dna: DnaSettings
    rates: RatesSettings
    points_per_decade: int  # measure grid (both levels); see dmp.sim.convergence.measure_grid

    def at_level(self, level: str) -> SimulationSettings:
        """The settings one level runs with: the DNA level takes t_end and tolerances from `dna`."""
        if level not in LEVELS:
            raise DmpError(f"--level must be one of {', '.join(LEVELS)}, got {level!r}")
        if level == "formal":
            return self
        dna = self.dna
        return dataclasses.replace(
            self,
            t_end=dna.t_end,
            rtol=dna.rtol,
            atol=dna.atol,
            max_examples=dna.max_examples if dna.max_examples is not None else self.max_examples,
        )


@dataclass(frozen=True)
class PatternSettings:
    """Pattern datasets: how much finer than the image the drawing is also made."""

    upsample: int
