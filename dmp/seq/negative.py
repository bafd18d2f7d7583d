"""Negative design on energies: the domain search, then a refinement against ViennaRNA binding energies.

Stage 1 is the k-mer search of `domains.py` (spuriousSSM's exact-match score plus, with a
symmetry weight, the same k-mer pairs weighted by the Boltzmann factor of their duplex, so
strong GC-rich coincidences go first). Exact k-mer matches do not capture what makes two
unrelated strands bind - a lab's ViennaRNA check finds 20-30 nt imperfect duplexes of short
helices, bulges and mismatches - so stage 2 works on the energies themselves: a `PairIndex`
holds every pair of strands that must not interact (no complementary domain) and shares a
complementary seed, scored with ViennaRNA's duplexfold. Each step picks one of the most strongly
binding pairs, changes a base inside its duplex (or exchanges two toeholds when the duplex runs
through a toehold), re-scores only the pairs the change touches, and keeps the change if the
motif count does not rise and the sum of the two objectives (k-mer terms, and the pairs'
total association constant, each relative to its value when stage 2 starts) does not rise.
Complements stay derived from their domains, so every intended helix stays intact.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dmp.dsd.model import DSDSystem, base_domain
from dmp.seq.debruijn import WalkSpec, walk_domains
from dmp.seq.domains import DomainDesigner, DomainSpec, _no_worse
from dmp.seq.model import Design, long_domains, strand_infos
from dmp.seq.motifs import repair_motifs
from dmp.seq.pairindex import PairIndex, PairSpec
from dmp.seq.thermo import Thermo


@dataclass(frozen=True)
class RefineSpec:
    """Stage 2: steps per designed nucleotide, the pair index, targets drawn from, re-ranking period, weight."""

    effort: float = 0.5
    pairs: PairSpec = PairSpec()
    targets: int = 40
    refresh: int = 20
    weight: float = 1.0  # weight of the pair term beside the k-mer terms


MAX_SEEDS = 60_000  # expected seeds of a random system of the same size, at most


def seed_length(strands: Sequence[Sequence[tuple[int, int]]], shortest: int) -> int:
    """The configured seed length, or longer for a large system: N^2 / (2 * 4^m) expected seeds at most MAX_SEEDS."""
    total = sum(len(s) for s in strands)
    m = shortest
    while total * total / (2 * 4**m) > MAX_SEEDS:
        m += 1
    return m


def _overlapping(text: str, motif: str) -> int:
    """Occurrences of a motif, overlapping ones included (AAAAAA holds AAAAA twice), as the motif score counts."""
    return sum(text.startswith(motif, i) for i in range(len(text) - len(motif) + 1))


def complementary_pairs(strands: Sequence[Sequence[str]]) -> set[tuple[int, int]]:
    """Pairs (i < j) of strands, given as domains, in which one holds a domain and the other its complement."""
    plain: dict[str, set[int]] = defaultdict(set)
    starred: dict[str, set[int]] = defaultdict(set)
    for i, domains in enumerate(strands):
        for d in domains:
            (starred if d.endswith("*") else plain)[base_domain(d)].add(i)
    pairs = set()
    for name, holders in plain.items():
        for i in holders:
            for j in starred.get(name, ()):
                if i != j:
                    pairs.add((min(i, j), max(i, j)))
    return pairs


class Refiner:
    """Stage 2 on top of a finished stage-1 designer (shares its bases and k-mer tables)."""

    def __init__(self, designer: DomainDesigner, thermo: Thermo, spec: RefineSpec, seed: int) -> None:
        import random

        self.designer = designer
        self.spec = spec
        self.rng = random.Random(seed)
        infos = strand_infos(designer.system)
        excluded = complementary_pairs([info.domains for info in infos])
        pairs = PairSpec(seed_length(designer.layout.strands, spec.pairs.seed_nt), spec.pairs.flank, spec.pairs.kd_nM)
        self.index = PairIndex(designer.layout.strands, designer.bases, excluded, thermo, pairs)
        self.start_total = self.index.total
        # the index weighs pairs relative to the K_d threshold; the k-mer terms are plain Boltzmann factors
        self.scale = spec.weight * math.exp(-self.index.reference / self.index.rt)
        self.forbidden = designer.spec.forbidden
        self.reach = max((len(m) for m in self.forbidden), default=1) - 1
        self.toehold_of: dict[int, list[str]] = {}
        lay = designer.layout
        for names in designer.swappable:
            for name in names:
                for i in range(lay.length[name]):
                    self.toehold_of[lay.offset[name] + i] = names

    def _motifs_near(self, positions: list[int]) -> int:
        """Forbidden-motif occurrences in the stretches of every strand around the given base positions."""
        spans: dict[int, list[int]] = {}
        for p in positions:
            for s, t in self.index.where.get(p, ()):
                lo, hi = spans.get(s, (t, t))
                spans[s] = [min(lo, t), max(hi, t)]
        count = 0
        for s, (lo, hi) in sorted(spans.items()):
            text = self.index.sequence(s, max(0, lo - self.reach), hi + self.reach + 1)
            count += sum(_overlapping(text, m) for m in self.forbidden)
        return count

    def _apply(self, changes: list[tuple[int, int]]) -> bool:
        """Set bases, score with both objectives, keep or undo; True if kept."""
        d = self.designer
        positions = [p for p, new in changes if d.bases[p] != new]
        if not positions:
            return False
        motifs_before = self._motifs_near(positions)
        history, d_kmer = [], 0.0
        for p, new in changes:
            old = d.bases[p]
            if old == new:
                continue
            _, dk, log = d._mutate(p, new)
            d_kmer += dk
            history.append((p, old, log))
        d_motif = self._motifs_near(positions) - motifs_before
        d_pair = self.index.change([p for p, _, _ in history])
        if _no_worse(d_motif, d_kmer + d_pair * self.scale):
            self.index.commit()
            return True
        self.index.rollback()
        for p, old, log in reversed(history):
            d._undo(p, old, log)
        return False

    def _move(self, p: int) -> list[tuple[int, int]]:
        """A change at base p: a new letter (or, at a GC bound, an exchange within the domain), or a toehold swap."""
        d = self.designer
        if p in d.domain_of:
            name = d.domain_of[p]
            old = d.bases[p]
            new = self.rng.choice([x for x in d.letters if x != old])
            change = (new in (1, 2)) - (old in (1, 2))
            low, high = d.gc_bounds[name]
            if low <= d.gc[name] + change <= high:
                return [(p, new)]
            start, n = d.layout.offset[name], d.layout.length[name]
            q = start + self.rng.randrange(n)
            return [(p, d.bases[q]), (q, old)] if d.bases[q] != old else []
        names = self.toehold_of.get(p)
        if not names:
            return []
        lay = d.layout
        x = next(n for n in names if lay.offset[n] <= p < lay.offset[n] + lay.length[n])
        y = self.rng.choice([n for n in names if n != x])
        moves = []
        for i in range(lay.length[x]):
            px, py = lay.offset[x] + i, lay.offset[y] + i
            moves += [(px, d.bases[py]), (py, d.bases[px])]
        return moves

    def run(self) -> dict[str, Any]:
        d = self.designer
        steps = int(round(self.spec.effort * len(d.domain_of)))
        accepted, targets = 0, []
        for step in range(steps):
            if step % self.spec.refresh == 0:
                targets = [key for key, _ in self.index.worst(self.spec.targets)]
            if not targets:
                break
            key = self.rng.choice(targets)
            record = self.index.pairs.get(key)
            if record is None:
                continue
            side = self.rng.randrange(2)
            lo, hi = record.spans[2 * side], record.spans[2 * side + 1]
            offset = self.rng.randint(lo, hi)
            p = d.layout.strands[key[side]][offset][0]
            changes = self._move(p)
            if changes and self._apply(changes):
                accepted += 1
                for name in {d.domain_of[q] for q, _ in changes if q in d.domain_of}:
                    start = d.layout.offset[name]
                    d.gc[name] = sum(b in (1, 2) for b in d.bases[start : start + d.layout.length[name]])
        worst = self.index.worst(1)
        return {
            "steps": steps,
            "accepted": accepted,
            "pairs_indexed": len(self.index.pairs),
            "association_start": self.start_total,
            "association": self.index.total,
            "strongest_duplex_dG": worst[0][1].energy if worst else 0.0,
            "window_duplexes_below_threshold": sum(
                1 for r in self.index.pairs.values() if r.energy < self.index.reference
            ),
        }


def three_letter_conflicts(system: DSDSystem) -> list[str]:
    """Top strands holding a complement domain: under a three-letter code they would carry the fourth letter."""
    return [info.name for info in strand_infos(system) if info.top and any(d.endswith("*") for d in info.domains)]


def design_negative(
    system: DSDSystem, fixed: dict[str, str], spec: DomainSpec, refine: RefineSpec, thermo: Thermo, seed: int
) -> Design:
    """Stage 1 (k-mer search) then stage 2 (ViennaRNA pair energies); seeded, so reproducible."""
    if len(set(spec.alphabet)) == 3:
        conflicts = three_letter_conflicts(system)
        if conflicts:
            import warnings

            from dmp.errors import DmpWarning

            warnings.warn(
                f"seq.domains.alphabet {spec.alphabet}: {len(conflicts)} top strands hold complement domains "
                f"(first {conflicts[0]}), so they carry the fourth letter; the code holds for the others",
                DmpWarning,
                stacklevel=2,
            )
    initial = None
    stats: dict[str, Any] = {}
    if spec.start == "walk":
        lengths = {d: system.domains[d] for d in long_domains(system) if d not in fixed}
        walk = WalkSpec(spec.alphabet, spec.gc_min, spec.gc_max, spec.forbidden)
        initial, stats["walk"] = walk_domains(lengths, walk, seed + 3)
    designer = DomainDesigner(system, fixed, spec, seed, initial)
    stats.update(designer.run())
    stats["spurious_by_k"] = designer.spurious_by_k()
    if refine.effort > 0:
        stats["refine"] = Refiner(designer, thermo, refine, seed + 7).run()
        stats["motif_windows"], stats["spurious"] = designer.scores()
    design = Design(designer.sequences(), seed=seed, info={"domain_search": stats})
    designed = {d for d in long_domains(system) if d not in fixed}
    design, stats["motif_repairs"] = repair_motifs(
        system, design, designed, spec.forbidden, spec.alphabet, (spec.gc_min, spec.gc_max), seed + 11, set(fixed)
    )
    return design
