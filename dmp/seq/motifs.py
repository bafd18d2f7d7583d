"""Forbidden motifs where domains meet: a last pass that removes them base by base.

The walk keeps forbidden motifs (GGGG, long A/T runs) out of each long domain, and the domain
search removes those that form where domains meet. Without a search (`seq.domains.effort` 0,
the setting for MNIST-size systems, whose search tables would not fit in memory) a motif can
still form where a toehold meets a long domain. This pass finds every strand holding a motif,
changes one designed base inside the occurrence (same G/C class first, so the domain's GC count
stays put) and keeps the change only if the strands holding that domain carry fewer motifs in
all. Toeholds are never changed. It works on strings, not the search's window tables, so it
costs memory in proportion to the strands alone. No library offers this repair step.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence

from dmp.dsd.model import DSDSystem, base_domain
from dmp.seq.model import Design, strand_infos

COMPLEMENT = {"A": "T", "C": "G", "G": "C", "T": "A"}
SAME_CLASS = {"A": "T", "T": "A", "C": "G", "G": "C"}  # the swap that keeps a domain's GC count
MAX_ROUNDS = 20


def count_motifs(sequence: str, motifs: Sequence[str]) -> int:
    """Occurrences of the motifs in a sequence, overlapping ones included (AAAAAA holds AAAAA twice)."""
    total = 0
    for motif in motifs:
        start = sequence.find(motif)
        while start >= 0:
            total += 1
            start = sequence.find(motif, start + 1)
    return total


def _layout(domains: Sequence[str], lengths: dict[str, int]) -> list[tuple[str, int, bool]]:
    """Per strand position: (base domain, offset in the domain as named, whether read as complement)."""
    out = []
    for domain in domains:
        name, starred = base_domain(domain), domain.endswith("*")
        n = lengths[name]
        out.extend((name, n - 1 - i if starred else i, starred) for i in range(n))
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
) -> tuple[Design, int]:
    """The design with forbidden motifs removed where a designed base can break them; and the changes made.

    `designed`: the domains this pass may change (the long ones; toeholds stay); `letters`: the
    alphabet of domains as named; `gc`: the (min, max) GC fraction a changed domain must keep.
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
    current = Design(sequences)
    rng = random.Random(seed)
    changes = 0
    for _ in range(MAX_ROUNDS):
        bad = [k for k, domains in enumerate(strands) if any(m in current.strand(domains) for m in motifs)]
        progress = sum(_repair_strand(strands, k, current, holders, designed, motifs, letters, gc, rng) for k in bad)
        changes += progress
        if not progress:
            break
    return Design(sequences, seed=design.seed, name=design.name, info=design.info), changes


def _repair_strand(
    strands: list[tuple[str, ...]],
    k: int,
    current: Design,
    holders: dict[str, list[int]],
    designed: set[str],
    motifs: Sequence[str],
    letters: str,
    gc: tuple[float, float],
    rng: random.Random,
) -> int:
    """Try to break the first motif of strand k by one designed base; 1 if a change was kept."""
    sequence = current.strand(strands[k])
    hits = [(sequence.find(m), len(m)) for m in motifs if m in sequence]
    if not hits:
        return 0
    start, length = min(hits)
    layout = _layout(strands[k], {name: len(seq) for name, seq in current.domains.items()})
    spots = [layout[p] for p in range(start, start + length) if layout[p][0] in designed]
    rng.shuffle(spots)
    for name, offset, _ in spots:
        old_domain = current.domains[name]
        old = old_domain[offset]
        before = sum(count_motifs(current.strand(strands[j]), motifs) for j in holders[name])
        for new in [SAME_CLASS[old], *(x for x in letters if x not in (old, SAME_CLASS[old]))]:
            if new not in letters:
                continue
            candidate = old_domain[:offset] + new + old_domain[offset + 1 :]
            if not _gc_ok(candidate, *gc):
                continue
            current.domains[name] = candidate
            if sum(count_motifs(current.strand(strands[j]), motifs) for j in holders[name]) < before:
                return 1
            current.domains[name] = old_domain
    return 0
