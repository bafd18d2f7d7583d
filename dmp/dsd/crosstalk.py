"""Crosstalk between modules: can a resting complex of one module react with one of another?

In peppercorn's condensed model every bimolecular reaction starts from two resting complexes
that bind through complementary unpaired domains. So any reaction between modules must begin
with a resting complex of one module binding a resting complex of another. Signal strands
need no check here: a released strand differs from the signal its consumers were enumerated
with only by its history domain, whose complement exists only in the module that released
it. For every other pair of resting complexes from different modules with complementary
unpaired domains:

- a lone toehold contact needs no enumeration: if the two complexes share exactly one base
  domain, short enough to melt (length <= the release cutoff), unpaired in one and its
  complement unpaired in the other, then after binding nothing can extend the helix or start
  a 3-way or 4-way branch migration (each needs a second shared domain), so the complexes fall
  apart again and peppercorn's condensed model has no reaction between them;
- every other pair is enumerated on its own with peppercorn; a reaction there is crosstalk,
  reported with the modules and complexes involved.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from dmp.dsd.enumeration import Enumerated, ModuleEnumerator
from dmp.dsd.kernel import exposed_domains, occurrences, structure_of
from dmp.dsd.model import Complex, DSDSystem, complement
from dmp.dsd.verification import signal_interpretation, signal_patterns


@dataclass(frozen=True)
class Resting:
    module: int
    name: str
    kernel: str


def resting_complexes(system: DSDSystem, results: dict[int, Enumerated]) -> list[Resting]:
    """Resting complexes of every module that are not signal strands."""
    out = []
    patterns = signal_patterns(system)
    for index, enumerated in results.items():
        signals = signal_interpretation(system, enumerated, patterns)
        for name, kernels in enumerated.species.items():
            if name not in signals:
                out.extend(Resting(index, name, k) for k in kernels)
    return out


def candidate_pairs(resting: list[Resting]) -> list[tuple[Resting, Resting]]:
    """Pairs from different modules with a domain unpaired on one and its complement unpaired on the other."""
    by_domain: dict[str, list[Resting]] = defaultdict(list)
    for r in resting:
        for domain in exposed_domains(r.kernel):
            by_domain[domain].append(r)
    seen = set()
    pairs = []
    for domain, holders in by_domain.items():
        if domain.endswith("*"):
            continue
        for a in holders:
            for b in by_domain.get(complement(domain), []):
                if a.module == b.module:
                    continue
                key = tuple(sorted([(a.module, a.name, a.kernel), (b.module, b.name, b.kernel)]))
                if key not in seen:
                    seen.add(key)
                    pairs.append((a, b))
    return pairs


def lone_toehold_contact(a: Resting, b: Resting, lengths: dict[str, int], release_cutoff: int) -> bool:
    """True if `a` and `b` share one short base domain, unpaired and complementary, and nothing else."""
    in_a = occurrences(a.kernel)
    in_b = occurrences(b.kernel)
    shared = {d for d, _, _ in in_a} & {d for d, _, _ in in_b}
    interacting = set()
    for base in shared:
        xa = [(star, paired) for d, star, paired in in_a if d == base]
        xb = [(star, paired) for d, star, paired in in_b if d == base]
        # Only unpaired occurrences of the same orientation on both sides: no way to interact.
        if not any(p for _, p in xa + xb) and len({s for s, _ in xa + xb}) == 1:
            continue
        interacting.add(base)
    if len(interacting) != 1:
        return False
    (base,) = interacting
    xa = [(star, paired) for d, star, paired in in_a if d == base]
    xb = [(star, paired) for d, star, paired in in_b if d == base]
    return (
        lengths[base] <= release_cutoff
        and len(xa) == 1
        and len(xb) == 1
        and not xa[0][1]
        and not xb[0][1]
        and xa[0][0] != xb[0][0]
    )


def _as_complex(r: Resting) -> Complex:
    strands, structure = structure_of(r.kernel)
    return Complex(r.name, tuple(map(tuple, strands)), tuple(map(tuple, structure)), "fuel")


def check_crosstalk(
    system: DSDSystem, results: dict[int, Enumerated], enumerator: ModuleEnumerator, release_cutoff: int
) -> dict[str, Any]:
    """Enumerate every candidate pair of resting complexes that is not a lone toehold contact."""
    started = time.perf_counter()
    resting = resting_complexes(system, results)
    pairs = candidate_pairs(resting)
    runs_before = enumerator.runs
    reacting = []
    contacts = 0
    for a, b in pairs:
        if lone_toehold_contact(a, b, system.domains, release_cutoff):
            contacts += 1
            continue
        enumerated, _ = enumerator.enumerate(
            [_as_complex(a), _as_complex(b)],
            system.domains,
            {a.name, b.name},
            f"x{a.module}_{b.module}",
            f"crosstalk of r{a.module} and r{b.module}",
        )
        if enumerated.reactions:
            reacting.append(
                {
                    "modules": [a.module, b.module],
                    "complexes": [a.name, b.name],
                    "reactions": [f"{' + '.join(r)} -> {' + '.join(p)}" for r, p, _, _ in enumerated.reactions],
                }
            )
    return {
        "method": "pairwise enumeration of resting complexes with complementary unpaired domains (peppercorn)",
        "resting_complexes": len(resting),
        "candidate_pairs": len(pairs),
        "lone_toehold_contacts": contacts,
        "enumerated_pairs": len(pairs) - contacts,
        "distinct_enumerations": enumerator.runs - runs_before,
        "reacting_pairs": reacting,
        "verified": not reacting,
        "seconds": time.perf_counter() - started,
    }
