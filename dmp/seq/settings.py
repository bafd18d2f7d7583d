"""Parameters of sequence design, scoring, checks and ordering (the config's `seq` section).

Defaults live in the config schema; the config module builds these from the validated config.
"""

from __future__ import annotations

from dataclasses import dataclass

from dmp.errors import ConfigError


@dataclass(frozen=True)
class ToeholdSettings:
    """Toeholds from stickydesign: binding energy window and largest spurious interaction."""

    target_dG: float  # kcal/mol, positive
    spread: float
    max_spurious: float  # fraction of target_dG
    reuse: bool  # share non-interacting toeholds when the system needs more than exist


@dataclass(frozen=True)
class DomainSettings:
    """Long domains: composition, forbidden motifs, the spurious-match search."""

    gc_min: float
    gc_max: float
    forbidden: tuple[str, ...]
    spurious_k: tuple[int, int]  # shortest and longest match counted
    effort: float  # mutation attempts per designed nucleotide
    alphabet: str  # ACGT | ACT

    def __post_init__(self) -> None:
        if self.gc_min > self.gc_max:
            raise ConfigError(f"seq.domains.gc_min ({self.gc_min}) exceeds seq.domains.gc_max ({self.gc_max})")
        low, high = self.spurious_k
        if low > high:
            raise ConfigError(f"seq.domains.spurious_k: shortest {low} exceeds longest {high}")


@dataclass(frozen=True)
class ScoringSettings:
    """Piperine-style scores: strand concentration, screens, and size limits."""

    reference_nM: float
    dimer_screen_nt: int
    occlusion_screen_nt: int
    max_pairs: int
    spurious_max_nt: int


@dataclass(frozen=True)
class CheckSettings:
    """Consistency checks every written design passes."""

    min_helix_fraction: float


@dataclass(frozen=True)
class OrderSettings:
    """What the order sheets ask the vendor for."""

    scale: str
    purification: str
    gate_purification: str
    long_purification: str
    long_nt: int
    labelled_purification: str = "HPLC"  # strands carrying a dye or a quencher (reporters)


@dataclass(frozen=True)
class SeqSettings:
    """The `seq` config section."""

    candidates: int
    temperature: float  # degrees C
    salt: float  # mol/L Na+
    toeholds: ToeholdSettings
    domains: DomainSettings
    scoring: ScoringSettings
    check: CheckSettings
    order: OrderSettings
