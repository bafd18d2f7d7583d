"""One sequence candidate for a compiled system: toeholds, long domains, every score, the checks.

A candidate is independent of every other (its seed derives from the config seed, the scheme
and its index), so each is one job; the select step ranks them afterwards.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from typing import Any

import numpy as np

from dmp.dsd.model import DSDSystem, base_domain, complement, system_to_json
from dmp.errors import DmpError
from dmp.seq.check import check_design
from dmp.seq.domains import DomainSpec, design_domains
from dmp.seq.model import Design, long_domains, strand_infos, toehold_domains
from dmp.seq.scores import (
    SCORES,
    SCREEN_SAMPLE,
    SPURIOUS_SCORES,
    bad_nucleotides,
    branch_migration_matches,
    count_motifs,
    toehold_occlusion,
    top_strand_interactions,
    unpaired_scores,
)
from dmp.seq.settings import SeqSettings
from dmp.seq.spurious import spurious_scores
from dmp.seq.thermo import Thermo
from dmp.seq.toeholds import ToeholdSpec, design_toeholds, score_toeholds

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
    """Toehold sequences from stickydesign, one non-interacting set per toehold length (normally one)."""
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
            reuse=bool(th.reuse),
        )
        fixed.update(zip(names, design_toeholds(len(names), spec, seed + length), strict=True))
    return fixed


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


def design_candidate(system: DSDSystem, settings: SeqSettings, seed: int) -> dict[str, Any]:
    """Domain sequences, every score and the consistency checks of one candidate (no file is touched)."""
    check_sizes(system)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    fixed = design_toehold_domains(system, settings, seed)
    timings["toeholds"] = time.perf_counter() - started
    uses = Counter(fixed.values())
    toehold_use = {"domains": len(fixed), "distinct": len(uses), "max_uses": max(uses.values(), default=0)}
    dom = settings.domains
    spec = DomainSpec(
        dom.gc_min, dom.gc_max, tuple(dom.forbidden), dom.spurious_k[0], dom.spurious_k[1], dom.effort, dom.alphabet
    )
    mark = time.perf_counter()
    design = design_domains(system, fixed, spec, seed + 1)
    check_motifs(system, design, settings)
    timings["domains"] = time.perf_counter() - mark
    mark = time.perf_counter()
    thermo = Thermo(settings.temperature, settings.salt)
    scored = score_candidate(system, design, settings, thermo, seed + 2)
    timings["scores"] = time.perf_counter() - mark
    checks = check_design(system, design, thermo, settings.check.min_helix_fraction, mfe=scored["mfe"])
    timings["total"] = time.perf_counter() - started
    return {
        "domains": design.domains,
        "scores": scored["scores"],
        "details": scored["details"],
        "domain_search": design.info.get("domain_search", {}),
        "toehold_use": toehold_use,
        "checks": checks,
        "passed": not any(checks.values()),
        "seconds": timings,
    }


def score_candidate(
    system: DSDSystem, design: Design, settings: SeqSettings, thermo: Thermo, seed: int = 0
) -> dict[str, Any]:
    """Every score of SCORES for one design, plus details and the MFE structure of each gate complex.

    `seed` drives the sample of screened-out top-strand pairs that the details report.
    """
    infos = strand_infos(system)
    toeholds = set(toehold_domains(system))
    top = [info for info in infos if info.top]
    top_sequences = [design.strand(info.domains) for info in top]
    masks = [
        [base_domain(d) in toeholds for d in info.domains for _ in range(system.domains[base_domain(d)])]
        for info in top
    ]
    scores: dict[str, float | None] = {}
    details: dict[str, Any] = {"top_strands": len(top)}
    unpaired, energies = unpaired_scores(top_sequences, masks, thermo)
    scores.update(unpaired)
    _interaction_scores(system, design, top, top_sequences, energies, settings, thermo, seed, scores, details)
    gates = [c for c in system.complexes.values() if len(c.strands) > 1]
    bn, defects, structures = bad_nucleotides(
        [(design.complex_strands(c), design.complex_structure(c, system.domains), c.concentration) for c in gates],
        thermo,
    )
    scores.update(bn)
    if defects:
        details["bn"] = {"worst_complex": gates[int(np.argmax(defects))].name, "complexes": len(gates)}
    _sequence_scores(system, design, infos, settings, thermo, scores, details)
    ordered = {name: None if scores[name] is None else float(scores[name]) for name in SCORES}
    return {"scores": ordered, "details": details, "mfe": {c.name: s for c, s in zip(gates, structures, strict=True)}}


def _interaction_scores(system, design, top, top_sequences, energies, settings, thermo, seed, scores, details) -> None:  # noqa: ANN001
    """Top-strand spurious interaction (tsi_*) and toehold occlusion (to_*), into `scores` and `details`."""
    scoring = settings.scoring
    concentration = scoring.reference_nM * 1e-9
    tsi, tsi_info = top_strand_interactions(
        top_sequences,
        thermo,
        concentration,
        scoring.dimer_screen_nt,
        energies,
        sample=SCREEN_SAMPLE,
        seed=seed,
        max_pairs=int(scoring.max_pairs),
    )
    scores["tsi_avg"] = float(np.mean(tsi)) if tsi else 0.0
    scores["tsi_max"] = max(tsi, default=0.0)
    if tsi_info["worst_pair"]:
        i, j = map(int, tsi_info["worst_pair"].split(","))
        tsi_info["worst_pair"] = f"{top[i].name} + {top[j].name}"
        tsi_info["worst_strand"] = top[int(np.argmax(tsi))].name
    details["tsi"] = tsi_info
    exposed = _exposed_toeholds(system, set(toehold_domains(system)))
    partners = [[s for s, info in enumerate(top) if complement(d) in info.domains] for d in exposed]
    occlusion, to_info = toehold_occlusion(
        [design.domain(d) for d in exposed],
        partners,
        top_sequences,
        thermo,
        concentration,
        scoring.occlusion_screen_nt,
        energies,
        int(scoring.max_pairs),
        seed + 3,
    )
    scores["to_avg"] = float(np.mean(occlusion)) if occlusion else 0.0
    scores["to_max"] = max(occlusion, default=0.0)
    details["to"] = {**to_info, "exposed_toeholds": len(exposed)}
    if occlusion:
        details["to"]["worst_toehold"] = exposed[int(np.argmax(occlusion))]


def _sequence_scores(system, design, infos, settings, thermo, scores, details) -> None:  # noqa: ANN001
    """Branch-migration matches, motifs, spuriousSSM's six scores and toehold energies."""
    scores.update(branch_migration_matches([design.domains[d] for d in long_domains(system)]))
    all_strands = [design.strand(info.domains) for info in infos]
    scores["motifs"] = float(count_motifs(all_strands, settings.domains.forbidden))
    nucleotides = sum(len(design.strand(s)) for c in system.complexes.values() for s in c.strands)
    limit = int(settings.scoring.spurious_max_nt)
    if nucleotides <= limit:
        scores.update(spurious_scores(system, design))
    else:
        # spuriousSSM compares every pair of positions: hours at 0.4 M nt. The domain search
        # minimised the same exact-match objective; its counts are in details["domain_search"].
        scores.update({name: None for name in SPURIOUS_SCORES})
        details["spurious"] = f"not run: {nucleotides} nt in complexes exceed seq.scoring.spurious_max_nt ({limit})"
    error, spread = score_toeholds(
        [design.domains[d] for d in toehold_domains(system)], settings.toeholds.target_dG, thermo.temperature
    )
    scores["dg_error"], scores["dg_range"] = error, spread


def _exposed_toeholds(system: DSDSystem, toeholds: set[str]) -> list[str]:
    """Toehold domains left unpaired on gate complexes (where signals bind), each once."""
    exposed: dict[str, None] = {}
    for cplx in system.complexes.values():
        if len(cplx.strands) < 2:
            continue
        for strand, structure in zip(cplx.strands, cplx.structure, strict=True):
            for d, symbol in zip(strand, structure, strict=True):
                if symbol == "." and base_domain(d) in toeholds:
                    exposed.setdefault(d, None)
    return list(exposed)
