"""Parameters of the DSD stage: compilation, peppercorn's limits, crnverifier's notions.

They mirror the config's `dsd` section; its defaults live in the config schema.
"""

from __future__ import annotations

from dataclasses import dataclass

from dmp.errors import ConfigError


@dataclass(frozen=True)
class EnumerationLimits:
    """Peppercorn's limits; a module that reaches one is reported, not verified."""

    max_complex_size: int  # strands in one complex
    max_complex_count: int
    max_reaction_count: int
    release_cutoff: int  # helices up to this length (nt) melt spontaneously


@dataclass(frozen=True)
class VerificationSettings:
    """Which crnverifier notions to check, and for how long."""

    methods: tuple[str, ...]  # bisimulation, pathway
    timeout_s: float  # per module and for the whole-system check; 0 = none
    crosstalk: bool


@dataclass(frozen=True)
class ReporterSettings:
    """Fluorophore-quencher reporters that read out every output rail (Y -> Lum_Y)."""

    enabled: bool
    excess: float  # reporter concentration over the most any rail can reach (firing bound, inputs at input_units)
    dyes: tuple[str, ...]  # dyes in order of use within a well (dmp.dsd.reporters.DYES)
    dyes_per_well: int  # spectrally separated channels read in one well

    def __post_init__(self) -> None:
        from dmp.dsd.reporters import DYES

        unknown = [d for d in self.dyes if d not in DYES]
        if unknown:
            raise ConfigError(f"dsd.reporters.dyes: unknown dye {unknown[0]!r}; known dyes: {', '.join(DYES)}")
        if len(set(self.dyes)) != len(self.dyes):
            raise ConfigError("dsd.reporters.dyes: a dye is named twice")
        if self.dyes_per_well > len(self.dyes):
            raise ConfigError(
                f"dsd.reporters.dyes_per_well ({self.dyes_per_well}) exceeds the {len(self.dyes)} dyes of dsd.reporters.dyes"
            )


@dataclass(frozen=True)
class DSDSettings:
    """The `dsd` config section: schemes, domain lengths, concentrations, limits."""

    schemes: tuple[str, ...]
    crn: str  # full | reduced: which formal CRN the workflow compiles
    backend: str  # dmp | nuskell
    toehold_length: int
    domain_length: int
    max_products: int  # products one gate releases; longer fan-outs become cascades
    unit_nM: float  # nM per formal concentration unit
    fuel_excess: float
    fuel_bound_margin: float
    input_units: float
    chunks: int  # verification jobs per scheme
    enumeration: EnumerationLimits
    verification: VerificationSettings
    reporters: ReporterSettings | None = None  # None: no reporters (a system without read-out)

    def __post_init__(self) -> None:
        cutoff = self.enumeration.release_cutoff
        if not self.toehold_length <= cutoff < self.domain_length:
            raise ConfigError(
                f"dsd.enumeration.release_cutoff ({cutoff}) must be at least dsd.toehold_length "
                f"({self.toehold_length}) so that toeholds melt, and below dsd.domain_length "
                f"({self.domain_length}) so that long domains hold"
            )
