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
    alphabet: str  # ACGT | ACT (the three-letter code covers the toeholds too)
    symmetry_k: tuple[int, int]  # shortest and longest k-mer of the energy-weighted symmetry term
    symmetry_weight: float  # weight of that term beside spuriousSSM's exact-match term
    mismatch_k: tuple[int, ...]  # () or (shortest, longest) k-mers also paired with one interior mismatch
    start: str  # walk (k-mer-unique, de Bruijn) | random

    def __post_init__(self) -> None:
        if self.gc_min > self.gc_max:
            raise ConfigError(f"seq.domains.gc_min ({self.gc_min}) exceeds seq.domains.gc_max ({self.gc_max})")
        for key in ("spurious_k", "symmetry_k", "mismatch_k"):
            pair = getattr(self, key)
            if len(pair) == 2 and pair[0] > pair[1]:
                raise ConfigError(f"seq.domains.{key}: shortest {pair[0]} exceeds longest {pair[1]}")
        if len(self.mismatch_k) == 1:
            raise ConfigError("seq.domains.mismatch_k: give the shortest and longest k-mer, or [] for none")


@dataclass(frozen=True)
class NegativeSettings:
    """Negative design on ViennaRNA energies after the domain search (the strongest non-complementary pairs)."""

    effort: float  # steps per designed nucleotide (0 = off)
    seed_nt: int  # a pair enters the energy index when it shares a complementary stretch this long
    flank: int  # nucleotides kept each side of a seed for duplexfold
    targets: int  # each step changes one of this many most strongly binding pairs
    refresh: int  # steps between re-rankings of the strongest pairs
    weight: float  # weight of the pairs' total association constant beside the k-mer terms


@dataclass(frozen=True)
class ScoringSettings:
    """Piperine-style scores: strand concentration, screens, and size limits."""

    reference_nM: float
    dimer_screen_nt: int
    occlusion_screen_nt: int
    max_pairs: int
    spurious_max_nt: int
    binding_pairs: int  # sampled non-complementary strand pairs in the binding comparison (0 = none)
    binding_kd_nM: float  # a pair binds when its K_d is below this; also negative design's reference


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
    negative: NegativeSettings
    scoring: ScoringSettings
    check: CheckSettings
    order: OrderSettings
