"""Crosstalk between modules: can a resting complex of one module react with one of another?

In peppercorn's condensed model every bimolecular reaction starts from two resting complexes
that bind through complementary unpaired domains. So any reaction between modules must begin
with a resting complex of one module binding a resting complex of another. Signal strands
need no check here: a released strand differs from the signal its consumers were enumerated
with at most by its history domain, and every module holding a complement of a signal's long
domains (the history too, in qian2011) has that signal in its own enumeration. For every other
pair of resting complexes from different modules with complementary unpaired domains:

- a lone toehold contact needs no enumeration: if every domain the two complexes could pair
  across is short enough to melt (length <= the release cutoff) and no two such domains are
  neighbours, then after binding nothing can extend the helix, and a 3-way or 4-way branch
  migration could only swap a toehold for another copy of itself, so the complexes fall apart
  again and peppercorn's condensed model has no reaction between them;
- a pair whose complexes meet in one module's own enumeration (a fuel that several modules
  share) needs none either: that enumeration holds their reactions;
- every other pair is enumerated on its own with peppercorn; a reaction there is crosstalk,
  reported with the modules and complexes involved.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from dmp.dsd.enumeration import Enumerated, ModuleEnumerator
from dmp.dsd.kernel import exposed_domains, occurrences, parse_kernel, structure_of
from dmp.dsd.model import Complex, DSDSystem, base_domain, complement
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


def _interacting(a: Resting, b: Resting) -> set[str]:
    """Base domains of both complexes that could pair across them (or swap partners by branch migration)."""
    in_a = _occurrences(a.kernel)
    in_b = _occurrences(b.kernel)
    out = set()
    for base in {d for d, _, _ in in_a} & {d for d, _, _ in in_b}:
        xa = [(star, paired) for d, star, paired in in_a if d == base]
        xb = [(star, paired) for d, star, paired in in_b if d == base]
        # Only unpaired occurrences of the same orientation on both sides: no way to interact.
        if not any(p for _, p in xa + xb) and len({s for s, _ in xa + xb}) == 1:
            continue
        out.add(base)
    return out


def _adjacent(kernel: str, bases: set[str]) -> bool:
    """True if two neighbouring domains of one strand both have their base in `bases`."""
    strands = _strands(kernel)
    return any(
        base_domain(s[i]) in bases and base_domain(s[i + 1]) in bases for s in strands for i in range(len(s) - 1)
    )


def lone_toehold_contact(a: Resting, b: Resting, lengths: dict[str, int], release_cutoff: int) -> bool:
    """True if every domain `a` and `b` could pair across is short enough to melt, and no two are neighbours.

    Then any helix between them is one short domain long, and a branch migration can only swap
    such a domain for another copy of itself, so nothing is released or held: the complexes fall
    apart again and peppercorn's condensed model has no reaction between them. (With one shared
    toehold this is the lone toehold contact; with a toehold shared by every species, as in
    qian2011, it covers every contact through that toehold.)
    """
    interacting = _interacting(a, b)
    if any(lengths[base] > release_cutoff for base in interacting):
        return False
    return not (_adjacent(a.kernel, interacting) or _adjacent(b.kernel, interacting))


def reacting_candidates(
    resting: list[Resting], lengths: dict[str, int], release_cutoff: int, members: dict[int, set[str]]
) -> list[tuple[Resting, Resting]]:
    """The pairs of `candidate_pairs` that are not lone toehold contacts, without listing every contact.

    A pair that is more than a lone toehold contact shares a long domain, or two neighbouring
    short ones, so only complexes that share such a key are paired up; each pair must also have
    an unpaired domain complementary across (or no reaction can start). Pairs whose complexes
    already meet in one module's enumeration (a fuel shared by modules) are left out: that
    enumeration, verified with the module, holds their reactions.
    """
    # A complex that several modules share (a species' fuel) once: each pair with it is skipped
    # when its partner's module has it anyway, whichever module's copy is paired.
    first: dict[tuple[str, str], Resting] = {}
    for r in resting:
        first.setdefault((r.name, r.kernel), r)
    resting = list(first.values())
    index: dict[tuple[str, ...], list[Resting]] = defaultdict(list)
    for r in resting:
        for key in _keys(r.kernel, lengths, release_cutoff):
            index[key].append(r)
    seen: set[tuple[int, int]] = set()
    pairs = []
    number = {id(r): k for k, r in enumerate(resting)}
    for holders in index.values():
        # Within the holders of one key, only pairs in contact: an unpaired domain of one whose
        # complement is unpaired in the other (looked up, not tried pair by pair).
        by_exposed: dict[str, list[Resting]] = defaultdict(list)
        for r in holders:
            for domain in _exposed(r.kernel)[0]:
                by_exposed[domain].append(r)
        for a in holders:
            for domain in _exposed(a.kernel)[1]:
                for b in by_exposed.get(domain, ()):
                    key = tuple(sorted((number[id(a)], number[id(b)])))
                    if key in seen:
                        continue
                    seen.add(key)  # type: ignore[arg-type]
                    if (
                        a.module == b.module
                        or b.name in members.get(a.module, ())
                        or a.name in members.get(b.module, ())
                    ):
                        continue
                    if not lone_toehold_contact(a, b, lengths, release_cutoff):
                        pairs.append((a, b) if key[0] == number[id(a)] else (b, a))
    return pairs


def _keys(kernel: str, lengths: dict[str, int], release_cutoff: int) -> set[tuple[str, ...]]:
    strands = _strands(kernel)
    keys = {(base_domain(d),) for s in strands for d in s if lengths[base_domain(d)] > release_cutoff}
    for s in strands:
        for x, y in zip(s, s[1:], strict=False):
            if lengths[base_domain(x)] <= release_cutoff and lengths[base_domain(y)] <= release_cutoff:
                keys.add(tuple(sorted((base_domain(x), base_domain(y)))))
    return keys


def _in_contact(a: Resting, b: Resting) -> bool:
    return not _exposed(a.kernel)[0].isdisjoint(_exposed(b.kernel)[1])


@lru_cache(maxsize=65536)
def _exposed(kernel: str) -> tuple[frozenset[str], frozenset[str]]:
    """The complex's unpaired domains, and their complements."""
    exposed = exposed_domains(kernel)
    return frozenset(exposed), frozenset(complement(d) for d in exposed)


@lru_cache(maxsize=65536)
def _strands(kernel: str) -> list[list[str]]:
    return parse_kernel(kernel)[0]


@lru_cache(maxsize=65536)
def _occurrences(kernel: str) -> tuple[tuple[str, bool, bool], ...]:
    return tuple(occurrences(kernel))


def _as_complex(r: Resting) -> Complex:
    strands, structure = structure_of(r.kernel)
    return Complex(r.name, tuple(map(tuple, strands)), tuple(map(tuple, structure)), "fuel")


def check_crosstalk(
    system: DSDSystem, results: dict[int, Enumerated], enumerator: ModuleEnumerator, release_cutoff: int
) -> dict[str, Any]:
    """Enumerate every candidate pair of resting complexes that is not a lone toehold contact."""
    started = time.perf_counter()
    resting = resting_complexes(system, results)
    members = {index: set(enumerated.species) for index, enumerated in results.items()}
    pairs = reacting_candidates(resting, system.domains, release_cutoff, members)
    runs_before = enumerator.runs
    reacting = []
    for a, b in pairs:
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
        "enumerated_pairs": len(pairs),
        "distinct_enumerations": enumerator.runs - runs_before,
        "reacting_pairs": reacting,
        "verified": not reacting,
        "seconds": time.perf_counter() - started,
    }
