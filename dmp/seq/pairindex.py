"""Incremental ViennaRNA binding energies of the strand pairs that must not bind.

The system's strands are lists of references into one array of bases (position, complement mask),
as the domain search lays them out, so changing one base of a domain changes every strand that
holds the domain or its complement. A *seed* is an exactly complementary stretch of `seed_nt`
nt between two strands that share no complementary domain (found with a k-mer index: every
`seed_nt`-mer occurrence of every strand, by code). Each pair with seeds gets the energy of its
strongest duplex: seeds whose windows (`flank` nt each side) overlap on both strands are merged
into one box, and ViennaRNA's duplexfold (intermolecular pairs only, so a strand cannot look inert
by folding on itself) scores each box; the pair's energy is the minimum. Pairs without a seed
count as not binding.

The objective is the sum over pairs of exp(-(ΔG - ΔG_ref) / RT) with ΔG_ref = RT ln K_d at the
configured K_d (a pair at the threshold weighs 1): the total spurious association constant in
units of the threshold's, dominated by the strongest pairs.

`change(positions, bases)` updates after bases changed: only the seeds of the k-mers that
contain a changed base and the pairs whose boxes contain one are re-scored. `rollback()`
restores the state before the last change; `commit()` keeps it. `rescore_all()` recomputes
everything from scratch (the tests compare the two).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dmp.seq.thermo import Thermo

LETTERS = "ACGT"


@dataclass(frozen=True)
class PairSpec:
    """Seed length (nt), flank (nt) around seeds, and the K_d (nM) whose ΔG weighs 1 in the objective."""

    seed_nt: int = 6
    flank: int = 8
    kd_nM: float = 100.0


@dataclass
class PairRecord:
    """One pair's seeds (offset in the first strand, offset in the second), energy and paired spans."""

    seeds: set[tuple[int, int]]
    energy: float = 0.0
    spans: tuple[int, int, int, int] = (0, 0, 0, 0)  # paired stretch: first strand lo, hi; second lo, hi
    boxes: tuple[tuple[int, int, int, int], ...] = ()


Ref = tuple[int, int]  # (base position, complement mask: 0 as written, 3 complemented)


class PairIndex:
    """Pairs of strands sharing a complementary seed, with duplexfold energies kept up to date."""

    def __init__(
        self,
        strands: Sequence[Sequence[Ref]],
        bases: list[int],
        excluded: set[tuple[int, int]],
        thermo: Thermo,
        spec: PairSpec,
    ) -> None:
        self.strands = [list(s) for s in strands]
        self.bases = bases  # shared with the caller: changed there, announced through change()
        self.excluded = excluded  # pairs (i < j) meant to bind (they share a complementary domain)
        self.thermo = thermo
        self.spec = spec
        self.rt = thermo.rt
        self.reference = thermo.kd_energy(spec.kd_nM * 1e-9)
        self.where: dict[int, list[tuple[int, int]]] = defaultdict(list)  # base position -> (strand, offset)
        for s, refs in enumerate(self.strands):
            for t, (p, _) in enumerate(refs):
                self.where[p].append((s, t))
        self.rescore_all()

    # ------------------------------------------------------------------ from scratch

    def rescore_all(self) -> None:
        """Build codes, k-mer index, seeds and energies from the current bases."""
        m = self.spec.seed_nt
        self._journal: dict[tuple[int, int], PairRecord | None] | None = None
        self._code_log: list[tuple[int, int, int, int]] = []
        self.codes = [[self._code(s, u) for u in range(len(refs) - m + 1)] for s, refs in enumerate(self.strands)]
        self.occurrences: dict[int, set[tuple[int, int]]] = defaultdict(set)
        for s, codes in enumerate(self.codes):
            for u, code in enumerate(codes):
                self.occurrences[code].add((s, u))
        self.pairs: dict[tuple[int, int], PairRecord] = {}
        self.partners: dict[int, set[int]] = defaultdict(set)
        for s, codes in enumerate(self.codes):
            for u, code in enumerate(codes):
                for s2, u2 in self.occurrences.get(self._rc(code), ()):
                    if s2 > s:
                        self._seed(s, u, s2, u2, add=True)
        self.total = 0.0
        for key in sorted(self.pairs):
            self._score(key)
            self.total += self.weight(self.pairs[key].energy)

    # ------------------------------------------------------------------ primitives

    def _code(self, s: int, u: int) -> int:
        code = 0
        for p, mask in self.strands[s][u : u + self.spec.seed_nt]:
            code = code * 4 + (self.bases[p] ^ mask)
        return code

    def _rc(self, code: int) -> int:
        rc = 0
        for _ in range(self.spec.seed_nt):
            rc = rc * 4 + ((code & 3) ^ 3)
            code >>= 2
        return rc

    def sequence(self, s: int, lo: int = 0, hi: int | None = None) -> str:
        return "".join(LETTERS[self.bases[p] ^ mask] for p, mask in self.strands[s][lo:hi])

    def weight(self, energy: float) -> float:
        """exp(-(ΔG - ΔG_ref)/RT): 1 at the K_d threshold, e-fold per RT stronger."""
        return math.exp(-(energy - self.reference) / self.rt) if energy < 0 else 0.0

    def _seed(self, s: int, u: int, s2: int, u2: int, add: bool) -> None:
        """Add or remove the seed between window u of strand s and window u2 of strand s2 (s != s2)."""
        if s == s2:
            return
        key, seed = ((s, s2), (u, u2)) if s < s2 else ((s2, s), (u2, u))
        if key in self.excluded:
            return
        record = self.pairs.get(key)
        if add:
            if record is None:
                self._remember(key)
                record = self.pairs[key] = PairRecord(set())
                self.partners[key[0]].add(key[1])
                self.partners[key[1]].add(key[0])
            elif self._journal is not None:
                self._remember(key)
            record.seeds.add(seed)
        elif record is not None and seed in record.seeds:
            self._remember(key)
            record.seeds.discard(seed)

    def _boxes(self, key: tuple[int, int], seeds: Iterable[tuple[int, int]]) -> tuple[tuple[int, int, int, int], ...]:
        """Windows around the seeds, merged while they overlap on both strands (sorted, deterministic)."""
        m, f = self.spec.seed_nt, self.spec.flank
        na, nb = len(self.strands[key[0]]), len(self.strands[key[1]])
        boxes: list[list[int]] = []
        for a, b in sorted(seeds):
            box = [max(0, a - f), min(na, a + m + f), max(0, b - f), min(nb, b + m + f)]
            for other in boxes:
                if box[0] < other[1] and other[0] < box[1] and box[2] < other[3] and other[2] < box[3]:
                    other[0], other[1] = min(other[0], box[0]), max(other[1], box[1])
                    other[2], other[3] = min(other[2], box[2]), max(other[3], box[3])
                    break
            else:
                boxes.append(box)
        return tuple(tuple(b) for b in boxes)  # type: ignore[misc]

    def _score(self, key: tuple[int, int]) -> None:
        """Energy and paired spans of a pair: the strongest duplex over its boxes."""
        record = self.pairs[key]
        record.boxes = self._boxes(key, record.seeds)
        best = (0.0, (0, 0, 0, 0))
        for lo_a, hi_a, lo_b, hi_b in record.boxes:
            energy, i0, i1, j0, j1 = self.thermo.duplex(
                self.sequence(key[0], lo_a, hi_a), self.sequence(key[1], lo_b, hi_b)
            )
            if energy < best[0]:
                best = (energy, (lo_a + i0, lo_a + i1, lo_b + j0, lo_b + j1))
        record.energy, record.spans = best

    # ------------------------------------------------------------------ incremental

    def _remember(self, key: tuple[int, int]) -> None:
        if self._journal is not None and key not in self._journal:
            old = self.pairs.get(key)
            self._journal[key] = None if old is None else PairRecord(set(old.seeds), old.energy, old.spans, old.boxes)

    def change(self, positions: Iterable[int]) -> float:
        """Update after the bases at `positions` changed (already written into `bases`); returns Δobjective."""
        m = self.spec.seed_nt
        self._journal, self._code_log = {}, []
        touched: set[tuple[int, int]] = set()  # (strand, window start) whose code may change
        hit: dict[int, set[int]] = defaultdict(set)  # strand -> offsets that changed
        for p in set(positions):
            for s, t in self.where.get(p, ()):
                hit[s].add(t)
                touched.update((s, u) for u in range(max(0, t - m + 1), min(t, len(self.codes[s]) - 1) + 1))
        changed = []
        for s, u in sorted(touched):
            old, new = self.codes[s][u], self._code(s, u)
            if old != new:
                changed.append((s, u, old, new))
        for s, u, old, _ in changed:  # remove old seeds first, then re-code, then add new seeds
            for s2, u2 in list(self.occurrences.get(self._rc(old), ())):
                self._seed(s, u, s2, u2, add=False)
        for s, u, old, new in changed:
            self.occurrences[old].discard((s, u))
            self.occurrences[new].add((s, u))
            self.codes[s][u] = new
            self._code_log.append((s, u, old, new))
        for s, u, _, new in changed:
            for s2, u2 in list(self.occurrences.get(self._rc(new), ())):
                self._seed(s, u, s2, u2, add=True)
        for s, offsets in hit.items():  # pairs whose boxes hold a changed base
            for s2 in list(self.partners.get(s, ())):
                key = (s, s2) if s < s2 else (s2, s)
                record = self.pairs.get(key)
                side = 0 if s < s2 else 2
                if record is not None and any(b[side] <= t < b[side + 1] for b in record.boxes for t in offsets):
                    self._remember(key)
        return self._rescore_journal()

    def _rescore_journal(self) -> float:
        delta = 0.0
        assert self._journal is not None
        for key in sorted(self._journal):
            old = self._journal[key]
            before = 0.0 if old is None else self.weight(old.energy)
            record = self.pairs.get(key)
            after = 0.0
            if record is not None and record.seeds:
                self._score(key)
                after = self.weight(record.energy)
            elif record is not None:
                del self.pairs[key]
                self.partners[key[0]].discard(key[1])
                self.partners[key[1]].discard(key[0])
            delta += after - before
        self.total += delta
        return delta

    def rollback(self) -> None:
        """Undo the last change() (the caller restores the bases)."""
        assert self._journal is not None
        for s, u, old, new in reversed(self._code_log):
            self.occurrences[new].discard((s, u))
            self.occurrences[old].add((s, u))
            self.codes[s][u] = old
        delta = 0.0
        for key, old in self._journal.items():
            record = self.pairs.get(key)
            delta += (0.0 if old is None else self.weight(old.energy)) - (
                self.weight(record.energy) if record is not None else 0.0
            )
            if old is None:
                if record is not None:
                    del self.pairs[key]
                    self.partners[key[0]].discard(key[1])
                    self.partners[key[1]].discard(key[0])
            else:
                self.pairs[key] = old
                self.partners[key[0]].add(key[1])
                self.partners[key[1]].add(key[0])
        self.total += delta
        self._journal, self._code_log = None, []

    def commit(self) -> None:
        self._journal, self._code_log = None, []

    # ------------------------------------------------------------------ queries

    def worst(self, count: int) -> list[tuple[tuple[int, int], PairRecord]]:
        """The `count` pairs with the lowest energy (ties by pair), strongest first."""
        import heapq

        return heapq.nsmallest(count, self.pairs.items(), key=lambda item: (item[1].energy, item[0]))

    def energies(self) -> dict[tuple[int, int], float]:
        return {key: record.energy for key, record in self.pairs.items()}
