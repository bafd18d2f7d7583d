"""One sequence candidate for a compiled system: toeholds, long domains with negative design, every score, the checks.

A candidate is independent of every other (its seed derives from the config seed, the scheme
and its index), so each is one job; the select step ranks them afterwards.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from typing import Any

from dmp.dsd.model import DSDSystem, base_domain, system_to_json
from dmp.errors import DmpError
from dmp.seq.check import check_design
from dmp.seq.domains import DomainSpec
from dmp.seq.model import Design, strand_infos, toehold_domains
from dmp.seq.negative import RefineSpec, design_negative
from dmp.seq.pairindex import PairSpec
from dmp.seq.scorejobs import score_design
from dmp.seq.settings import SeqSettings
from dmp.seq.thermo import Thermo
from dmp.seq.toeholds import ToeholdSpec, design_toeholds

CANDIDATE_FORMAT = "dmp-seq-candidate/1"
# Sizes sequence design takes on: longer domains cannot be designed as single helices here, and a
# strand longer than the longest oligo vendors synthesise (IDT's Ultramers: 200 nt) cannot be ordered.
MAX_DOMAIN_NT = 64
MAX_STRAND_NT = 200


def candidate_seed(base_seed: int, scheme: str, candidate: int) -> int:
    """A 32-bit seed from the config seed, the scheme and the candidate index."""
    digest = hashlib.sha256(f"dmp-seq:{base_seed}:{scheme}:{candidate}".encode()).hexdigest()
    return int(digest[:8], 16)


def system_hash(system: DSDSystem) -> str:
    """SHA-256 of the domain-level system itself (not of the file, which also holds timings)."""
    text = json.dumps(system_to_json(system), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def design_toehold_domains(system: DSDSystem, settings: SeqSettings, seed: int) -> dict[str, str]:
    """Toehold sequences from stickydesign, one non-interacting set per toehold length (normally one).

    The three-letter code (seq.domains.alphabet ACT) covers the toeholds too.
    """
    toeholds = toehold_domains(system)
    th = settings.toeholds
    fixed: dict[str, str] = {}
    for length in sorted({system.domains[d] for d in toeholds}):
        names = [d for d in toeholds if system.domains[d] == length]
        spec = ToeholdSpec(
            length,
            th.target_dG,
            th.spread,
            th.max_spurious,
            settings.temperature,
            tuple(settings.domains.forbidden),
            alphabet=settings.domains.alphabet,
            reuse=bool(th.reuse),
        )
        fixed.update(zip(names, design_toeholds(len(names), spec, seed + length), strict=True))
    return fixed


def domain_spec(settings: SeqSettings, thermo: Thermo) -> DomainSpec:
    """The long-domain search's parameters: composition, k-mer terms (energy-weighted at the design temperature), start."""
    dom = settings.domains
    return DomainSpec(
        dom.gc_min,
        dom.gc_max,
        tuple(dom.forbidden),
        dom.spurious_k[0],
        dom.spurious_k[1],
        dom.effort,
        dom.alphabet,
        tuple(dom.symmetry_k),
        dom.symmetry_weight,
        tuple(map(tuple, thermo.stack_energies())),
        thermo.rt,
        tuple(dom.mismatch_k),
        dom.start,
    )


def refine_spec(settings: SeqSettings) -> RefineSpec:
    """Negative design's parameters (seq.negative; the K_d reference is seq.scoring.binding_kd_nM)."""
    neg = settings.negative
    pairs = PairSpec(neg.seed_nt, neg.flank, settings.scoring.binding_kd_nM)
    return RefineSpec(neg.effort, pairs, neg.targets, neg.refresh, neg.weight)


def check_sizes(system: DSDSystem) -> None:
    """Refuse, before any work, domains and strands longer than design or synthesis can handle."""
    for name, length in system.domains.items():
        if length > MAX_DOMAIN_NT:
            raise DmpError(f"domain {name} is {length} nt; dmp designs domains of up to {MAX_DOMAIN_NT} nt")
    for info in strand_infos(system):
        length = sum(system.domains[base_domain(d)] for d in info.domains)
        if length > MAX_STRAND_NT:
            raise DmpError(
                f"strand {info.name} is {length} nt; oligos are synthesised up to {MAX_STRAND_NT} nt, so it cannot be ordered"
            )


def check_motifs(system: DSDSystem, design: Design, settings: SeqSettings) -> None:
    """The design search removes forbidden motifs where it can; one left means no sequence avoids it."""
    for info in strand_infos(system):
        sequence = design.strand(info.domains)
        motif = next((m for m in settings.domains.forbidden if m in sequence), None)
        if motif is not None:
            raise DmpError(
                f"seq.domains.forbidden: motif {motif} cannot be avoided (strand {info.name}: {sequence}); "
                "remove it from the list or relax the other constraints"
            )


def design_sequences(
    system: DSDSystem, settings: SeqSettings, seed: int
) -> tuple[Design, dict[str, int], dict[str, float]]:
    """Toeholds, then long domains with negative design: the design part of a candidate (no scoring).

    Returns the design, how the toeholds are shared, and the seconds each part took.
    """
    check_sizes(system)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    fixed = design_toehold_domains(system, settings, seed)
    timings["toeholds"] = time.perf_counter() - started
    uses = Counter(fixed.values())
    toehold_use = {"domains": len(fixed), "distinct": len(uses), "max_uses": max(uses.values(), default=0)}
    thermo = Thermo(settings.temperature, settings.salt)
    mark = time.perf_counter()
    design = design_negative(system, fixed, domain_spec(settings, thermo), refine_spec(settings), thermo, seed + 1)
    check_motifs(system, design, settings)
    timings["domains"] = time.perf_counter() - mark
    return design, toehold_use, timings


def candidate_result(
    system: DSDSystem,
    design: Design,
    toehold_use: dict[str, int],
    scored: dict[str, Any],
    settings: SeqSettings,
) -> dict[str, Any]:
    """A candidate's design, scores and consistency checks (what its file holds besides identity and provenance)."""
    thermo = Thermo(settings.temperature, settings.salt)
    checks = check_design(system, design, thermo, settings.check.min_helix_fraction, mfe=scored["mfe"])
    return {
        "domains": design.domains,
        "scores": scored["scores"],
        "details": scored["details"],
        "domain_search": design.info.get("domain_search", {}),
        "toehold_use": toehold_use,
        "checks": checks,
        "passed": not any(checks.values()),
    }


def design_candidate(system: DSDSystem, settings: SeqSettings, seed: int) -> dict[str, Any]:
    """Domain sequences, every score and the consistency checks of one candidate (no file is touched).

    The scores run here as one chunk of the scoring plan; a large system can split that plan
    into jobs (`dmp.seq.scorejobs`) between `design_sequences` and `candidate_result`.
    """
    started = time.perf_counter()
    design, toehold_use, timings = design_sequences(system, settings, seed)
    mark = time.perf_counter()
    thermo = Thermo(settings.temperature, settings.salt)
    scored = score_candidate(system, design, settings, thermo, seed + 2)
    timings["scores"] = time.perf_counter() - mark
    result = candidate_result(system, design, toehold_use, scored, settings)
    timings["total"] = time.perf_counter() - started
    return {**result, "seconds": timings}


def score_candidate(
    system: DSDSystem, design: Design, settings: SeqSettings, thermo: Thermo, seed: int = 0
) -> dict[str, Any]:
    """Every score of SCORES for one design, plus details and the MFE structure of each gate complex.

    Computed as the scoring plan of `scorejobs` run in one chunk (a large system splits the same
    plan into independent jobs and collects them to the same record). `seed` drives the samples.
    """
    return score_design(system, design, settings, thermo, seed)
