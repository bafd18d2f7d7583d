"""Forbidden motifs where domains meet: a last pass that removes them base by base.

The walk keeps forbidden motifs (GGGG, long A/T runs) out of each long domain, and the domain
search removes those that form where domains meet. Without a search (`seq.domains.effort` 0,
the setting for MNIST-size systems, whose search tables would not fit in memory) a motif can
still form where a toehold meets a long domain. This pass finds every strand holding a motif,
changes one designed base inside the occurrence (same G/C class first, so the domain's GC count
stays put) and keeps the change only if the strands holding that domain carry fewer motifs in
all. Where the occurrence lies in toeholds alone (two toeholds side by side), two toeholds of
the same length trade sequences instead, as in the search: the set of toeholds, designed
together for uniform binding, stays the same. It works on strings, not the search's window tables, so it
costs memory in proportion to the strands alone. No library offers this repair step.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from dmp.dsd.model import DSDSystem, base_domain
from dmp.seq.model import Design, strand_infos
from dmp.seq.scores import count_motifs

SAME_CLASS = {"A": "T", "T": "A", "C": "G", "G": "C"}  # the swap that keeps a domain's GC count
MAX_ROUNDS = 20


def _layout(domains: Sequence[str], lengths: dict[str, int]) -> list[tuple[str, int]]:
    """Per strand position: (base domain, offset in the domain as named)."""
    out = []
    for domain in domains:
        name, starred = base_domain(domain), domain.endswith("*")
        n = lengths[name]
        out.extend((name, n - 1 - i if starred else i) for i in range(n))
    return out


def _gc_ok(sequence: str, gc_min: float, gc_max: float) -> bool:
    return gc_min - 1e-9 <= sum(ch in "GC" for ch in sequence) / len(sequence) <= gc_max + 1e-9


def repair_motifs(
    system: DSDSystem,
    design: Design,
    designed: set[str],
    motifs: Sequence[str],
    letters: str,
    gc: tuple[float, float],
    seed: int,
    swappable: set[str] = frozenset(),
) -> tuple[Design, int]:
    """The design with forbidden motifs removed where a designed base can break them; and the changes made.

    `designed`: the domains this pass may change base by base (the long ones); `letters`: the
    alphabet of domains as named; `gc`: the (min, max) GC fraction a changed domain must keep;
    `swappable`: domains (the toeholds) that may trade whole sequences with one of equal length.
    """
    motifs = [m for m in motifs if m]
    if not motifs:
        return design, 0
    strands = [info.domains for info in strand_infos(system)]
    holders: dict[str, list[int]] = defaultdict(list)
    for k, domains in enumerate(strands):
        for name in {base_domain(d) for d in domains}:
            holders[name].append(k)
    sequences = dict(design.domains)
    lengths = {name: len(sequence) for name, sequence in sequences.items()}
    by_length: dict[int, list[str]] = defaultdict(list)
    for name in sorted(swappable):
        by_length[lengths[name]].append(name)
    current = Design(sequences)
    rng = random.Random(seed)
    context = _Context(strands, current, holders, motifs, rng, lengths, by_length)
    changes = 0
    for _ in range(MAX_ROUNDS):
        bad = [k for k, domains in enumerate(strands) if any(m in current.strand(domains) for m in motifs)]
        progress = sum(
            _repair_strand(context, k, designed, letters, gc) or _swap_toehold(context, k, swappable) for k in bad
        )
        changes += progress
        if not progress:
            break
    return Design(sequences, seed=design.seed, name=design.name, info=design.info), changes


@dataclass
class _Context:
    """What the repair works on: the strands (as domains), the design it changes, who holds each domain."""

    strands: list[tuple[str, ...]]
    design: Design
    holders: dict[str, list[int]]
    motifs: Sequence[str]
    rng: random.Random
    lengths: dict[str, int]
    toeholds_of_length: dict[int, list[str]]  # the swappable domains by length, sorted (a seeded draw needs an order)

    def motifs_in(self, names: Sequence[str]) -> int:
        strands = {j for name in names for j in self.holders[name]}
        return count_motifs((self.design.strand(self.strands[j]) for j in strands), self.motifs)

    def first_motif(self, k: int) -> list[tuple[str, int]]:
        """The (domain, offset) of each base of strand k's first motif; [] if it has none."""
        sequence = self.design.strand(self.strands[k])
        hits = [(sequence.find(m), len(m)) for m in self.motifs if m in sequence]
        if not hits:
            return []
        start, length = min(hits)
        layout = _layout(self.strands[k], self.lengths)
        return layout[start : start + length]


def _repair_strand(context: _Context, k: int, designed: set[str], letters: str, gc: tuple[float, float]) -> int:
    """Try to break the first motif of strand k by one designed base; 1 if a change was kept."""
    spots = [spot for spot in context.first_motif(k) if spot[0] in designed]
    context.rng.shuffle(spots)
    domains = context.design.domains
    for name, offset in spots:
        old_domain = domains[name]
        old = old_domain[offset]
        before = context.motifs_in([name])
        for new in [SAME_CLASS[old], *(x for x in letters if x not in (old, SAME_CLASS[old]))]:
            candidate = old_domain[:offset] + new + old_domain[offset + 1 :]
            if new not in letters or not _gc_ok(candidate, *gc):
                continue
            domains[name] = candidate
            if context.motifs_in([name]) < before:
                return 1
            domains[name] = old_domain
    return 0


def _swap_toehold(context: _Context, k: int, swappable: set[str], tries: int = 50) -> int:
    """Try to break the first motif of strand k by trading one of its toeholds' sequence with another's."""
    names = sorted({spot[0] for spot in context.first_motif(k) if spot[0] in swappable})
    domains = context.design.domains
    for name in names:
        partners = [p for p in context.toeholds_of_length[len(domains[name])] if p != name]
        for partner in context.rng.sample(partners, min(tries, len(partners))):
            before = context.motifs_in([name, partner])
            domains[name], domains[partner] = domains[partner], domains[name]
            if context.motifs_in([name, partner]) < before:
                return 1
            domains[name], domains[partner] = domains[partner], domains[name]
    return 0
