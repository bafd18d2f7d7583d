"""Branch-migration and history domains: a seeded stochastic search against spurious complementarity.

The objective is spuriousSSM's (Winfree's SpuriousDesign, shipped with peppercompiler): count pairs
of length-k subsequences anywhere in the system that are identical or exactly complementary
without the design implying it, weighted by beta^(k - kmin) so long matches dominate. A window of
a strand is identified by the domain positions it covers; windows covering the same positions (the
same junction in two strands), or the complementary positions (x in one strand, x* in another),
are one window, so intended pairings never count. Forbidden motifs (e.g. GGGG, long A/T runs)
are counted over the strands as they are written 5'->3', and the search minimises them first
(lexicographically), then the spurious score. GC content of every designed domain stays within
the configured bounds throughout (a base change that would cross a bound becomes an exchange of
two bases of the domain instead). The toeholds (designed beforehand for uniform energy) keep their
sequences, but the search may exchange two of them between toehold domains, which fixes motifs
and matches that span a junction between two toeholds.

Why not run spuriousSSM itself: it seeds its random generator from /dev/urandom and has no seed
option, so two runs never give the same sequences. The search here follows its scheme (mutate a
random base, keep the change if the score does not get worse) with a seeded generator; the
scores module still runs the real spuriousSSM to score every candidate.
"""

from __future__ import annotations

import math
import random
from array import array
from collections import defaultdict
from dataclasses import dataclass, field

from dmp.dsd.model import DSDSystem, base_domain
from dmp.errors import DmpError
from dmp.seq.model import Design, long_domains, strand_infos

BASES = "ACGT"  # A=0, C=1, G=2, T=3: complement is b ^ 3
BETA = 5.0  # spuriousSSM's per-base multiplicative penalty
SWAP_PROBABILITY = 0.05
SYMMETRY_K_LIMIT = 11  # the symmetry term tabulates 4^k Boltzmann factors  # share of search steps that try exchanging two toeholds instead of changing a base


@dataclass(frozen=True)
class DomainSpec:
    gc_min: float = 0.3
    gc_max: float = 0.7
    forbidden: tuple[str, ...] = ("GGGG", "CCCC", "AAAAA", "TTTTT")
    k_min: int = 6
    k_max: int = 10
    effort: float = 10.0  # mutation attempts per designed nucleotide
    alphabet: str = "ACGT"  # letters of every domain as named (its complement uses the complementary letters)
    # energy-weighted sequence symmetry: k-mer pairs weighted by their duplex's Boltzmann factor
    symmetry_k: tuple[int, int] = (4, 10)
    symmetry_weight: float = 0.0  # its weight beside spuriousSSM's term (0: spuriousSSM's objective alone)
    stacks: tuple[tuple[float, ...], ...] = ()  # nearest-neighbour stack ΔG, 4 x 4 (Thermo.stack_energies)
    rt: float = 0.5925  # RT (kcal/mol) at the design temperature
    mismatch_k: tuple[int, ...] = ()  # (shortest, longest) k-mers also paired with one interior mismatch; () = off
    start: str = "random"  # "random" (seeded letters) or "walk" (every k-mer used once, debruijn.py)


@dataclass
class _Layout:
    """Every base domain laid out in one array; strands as (position, complement mask) lists."""

    offset: dict[str, int]
    length: dict[str, int]
    strands: list[list[tuple[int, int]]]
    size: int


def _layout(system: DSDSystem) -> _Layout:
    offset, length, size = {}, {}, 0
    for name, n in system.domains.items():
        offset[name], length[name] = size, n
        size += n
    strands = []
    for info in strand_infos(system):
        refs: list[tuple[int, int]] = []
        for d in info.domains:
            b = base_domain(d)
            if d.endswith("*"):  # x* runs antiparallel to x: its first base pairs with x's last
                refs += [(offset[b] + length[b] - 1 - i, 3) for i in range(length[b])]
            else:
                refs += [(offset[b] + i, 0) for i in range(length[b])]
        strands.append(refs)
    return _Layout(offset, length, strands, size)


@dataclass
class _Windows:
    """Unique windows of one length: positions, complement masks, current key, and the counts of keys."""

    k: int
    weight: float
    positions: list[tuple[int, ...]] = field(default_factory=list)
    masks: list[tuple[int, ...]] = field(default_factory=list)
    keys: list[int] = field(default_factory=list)
    counts: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    canonical: bool = True  # spurious windows: a window and its complement are one; motif windows: oriented
    score: float = 0.0
    energy: array | None = None  # Boltzmann factor of each k-mer's duplex (symmetry term), by code
    escore: float = 0.0
    mismatch: bool = False  # keys are the window's one-wildcard patterns (pairs with one interior mismatch)
    mweights: dict[int, float] = field(default_factory=dict)  # Boltzmann factor by pattern key (memo)


def _collect(layout: _Layout, k: int, canonical: bool) -> tuple[list[tuple[int, ...]], list[tuple[int, ...]]]:
    seen: dict[tuple[tuple[int, int], ...], None] = {}
    for refs in layout.strands:
        for s in range(len(refs) - k + 1):
            window = tuple(refs[s : s + k])
            if canonical:
                other = tuple((p, m ^ 3) for p, m in reversed(window))
                window = min(window, other)
            seen.setdefault(window, None)
    positions = [tuple(p for p, _ in w) for w in seen]
    masks = [tuple(m for _, m in w) for w in seen]
    return positions, masks


def _code(bases: list[int], positions: tuple[int, ...], masks: tuple[int, ...]) -> tuple[int, int]:
    """The window's sequence and its reverse complement as base-4 integers."""
    code = rc = 0
    for i, (p, m) in enumerate(zip(positions, masks, strict=True)):
        v = bases[p] ^ m
        code = code * 4 + v
        rc += (v ^ 3) << (2 * i)
    return code, rc


def _energy_table(k: int, stacks: tuple[tuple[float, ...], ...], rt: float) -> array:
    """exp(-ΔG/RT) of the duplex of every k-mer (sum of its nearest-neighbour stacks), indexed by code."""
    import numpy as np

    codes = np.arange(4**k, dtype=np.int64)
    table = np.asarray(stacks, dtype=float)
    energy = np.zeros(4**k)
    for i in range(k - 1):
        energy += table[(codes >> (2 * (k - 1 - i))) & 3, (codes >> (2 * (k - 2 - i))) & 3]
    return array("d", np.exp(-energy / rt).tobytes())


MISMATCH_DG = 1.0  # kcal/mol for a single mismatch inside a DNA duplex (1x1 internal loops: about +0.5 to +2)


def _mismatch_keys(code: int, rc: int, k: int) -> tuple[int, ...]:
    """Canonical keys of the window with one interior base as a wildcard (set to 0; position in the low 4 bits).

    A window w and a window v pair with one mismatch at position i of w exactly when w's pattern
    at i equals the reverse complement of v's pattern at k-1-i; the key takes the smaller of the two.
    """
    keys = []
    for i in range(1, k - 1):
        shift = 2 * (k - 1 - i)
        plain = code & ~(3 << shift)
        other = rc & ~(3 << (2 * i))  # the same base, counted from the other end in the reverse complement
        keys.append(min((plain << 4) | i, (other << 4) | (k - 1 - i)))
    return tuple(keys)


def _mismatch_weight(key: int, k: int, stacks: tuple[tuple[float, ...], ...], rt: float) -> float:
    """exp(-ΔG/RT) of a duplex with one mismatch: the stacks not touching the wildcard plus MISMATCH_DG."""
    i, code = key & 15, key >> 4
    digits = [(code >> (2 * (k - 1 - t))) & 3 for t in range(k)]
    energy = MISMATCH_DG + sum(stacks[digits[t]][digits[t + 1]] for t in range(k - 1) if t + 1 < i or t > i)
    return math.exp(-energy / rt)


def _encode(word: str) -> int:
    code = 0
    for ch in word:
        code = code * 4 + BASES.index(ch)
    return code


class DomainDesigner:
    """The state of one search: bases, window tables, scores; `run` mutates until the effort is spent."""

    def __init__(
        self,
        system: DSDSystem,
        fixed: dict[str, str],
        spec: DomainSpec,
        seed: int,
        initial: dict[str, str] | None = None,
    ) -> None:
        if spec.k_min > spec.k_max:
            raise DmpError(f"seq.domains.spurious_k: minimum {spec.k_min} exceeds maximum {spec.k_max}")
        bad = [m for m in spec.forbidden if not m or set(m) - set(BASES)]
        if bad:
            raise DmpError(f"seq.domains.forbidden: motif {bad[0]!r} must be a non-empty word over A, C, G, T")
        self.letters = sorted({BASES.index(ch) for ch in spec.alphabet})
        self.strong = [b for b in self.letters if b in (1, 2)]
        self.weak = [b for b in self.letters if b in (0, 3)]
        if not self.strong or not self.weak:
            raise DmpError(f"seq.domains.alphabet: {spec.alphabet!r} needs at least one of C/G and one of A/T")
        self.system = system
        self.spec = spec
        self.rng = random.Random(seed)
        self.layout = _layout(system)
        self.designed = [d for d in long_domains(system) if d not in fixed]
        lay = self.layout
        self.bases = [0] * lay.size
        for name, sequence in fixed.items():
            if len(sequence) != lay.length[name]:
                raise DmpError(
                    f"domain {name}: fixed sequence has {len(sequence)} nt, the system says {lay.length[name]}"
                )
            for i, ch in enumerate(sequence):
                self.bases[lay.offset[name] + i] = BASES.index(ch)
        self.domain_of: dict[int, str] = {}
        self.gc: dict[str, int] = {}
        self.gc_bounds: dict[str, tuple[int, int]] = {}
        for name in self.designed:
            n = lay.length[name]
            low, high = gc_bounds(n, spec.gc_min, spec.gc_max, name)
            self.gc_bounds[name] = (low, high)
            if initial and name in initial:  # e.g. from the k-mer-unique walk (debruijn.py)
                self.bases[lay.offset[name] : lay.offset[name] + n] = [BASES.index(c) for c in initial[name]]
                self.gc[name] = sum(c in "CG" for c in initial[name])
            else:
                self._randomise(name, low, high)
            for i in range(n):
                self.domain_of[lay.offset[name] + i] = name
        # the spuriousSSM term counts each match at the Boltzmann factor of an average k_min-mer duplex, so
        # both terms are in the same units (association constants); without the symmetry term, plain counts
        mean_stack = sum(map(sum, spec.stacks)) / 16 if spec.stacks else 0.0
        self.scale_spurious = math.exp(-(spec.k_min - 1) * mean_stack / spec.rt) if spec.symmetry_weight > 0 else 1.0
        self.scale_symmetry = spec.symmetry_weight
        # no search, no tables: a large system's start (and the energy refinement) needs no window tables
        self.spurious = self._tables(lay) if spec.effort > 0 else []
        self.forbidden_codes: dict[int, set[int]] = defaultdict(set)
        for motif in spec.forbidden:
            self.forbidden_codes[len(motif)].add(_encode(motif))
        self.motifs = (
            [_Windows(k, 1.0, *_collect(lay, k, False), canonical=False) for k in sorted(self.forbidden_codes)]
            if spec.effort > 0
            else []
        )
        # fixed domains of equal length (the toeholds) may trade places: the set stays uniform
        by_length: dict[int, list[str]] = defaultdict(list)
        for name in fixed:
            by_length[lay.length[name]].append(name)
        self.swappable = [names for _, names in sorted(by_length.items()) if len(names) > 1]
        movable = set(self.domain_of)
        for names in self.swappable:
            for name in names:
                movable.update(range(lay.offset[name], lay.offset[name] + lay.length[name]))
        self.touching: dict[int, list[tuple[_Windows, int]]] = defaultdict(list)
        for table in self.spurious + self.motifs:
            table.keys = [0] * len(table.positions)
            for w, positions in enumerate(table.positions):
                for p in set(positions):
                    if p in movable:
                        self.touching[p].append((table, w))
                key = self._key(table, w)
                table.keys[w] = key
                self._add(table, key, +1)

    def _tables(self, lay: _Layout) -> list[_Windows]:
        """Canonical window tables for spuriousSSM's k range and, with a symmetry weight, the symmetry k range."""
        spec = self.spec
        ks = set(range(spec.k_min, spec.k_max + 1))
        lo, hi = spec.symmetry_k
        if spec.symmetry_weight > 0:
            if not 1 <= lo <= hi <= SYMMETRY_K_LIMIT:
                raise DmpError(f"seq.domains.symmetry_k: [{lo}, {hi}] must lie within 1..{SYMMETRY_K_LIMIT}")
            if len(spec.stacks) != 4:
                raise DmpError("seq.domains: the symmetry term needs the 4 x 4 nearest-neighbour stack energies")
            ks |= set(range(lo, hi + 1))
        tables = []
        for k in sorted(ks):
            weight = BETA ** (k - spec.k_min) if spec.k_min <= k <= spec.k_max else 0.0
            table = _Windows(k, weight, *_collect(lay, k, True))
            if spec.symmetry_weight > 0 and lo <= k <= hi:
                table.energy = _energy_table(k, spec.stacks, spec.rt)
            tables.append(table)
        if spec.symmetry_weight > 0 and spec.mismatch_k:
            m_lo, m_hi = spec.mismatch_k
            if not 4 <= m_lo <= m_hi <= 15:
                raise DmpError(f"seq.domains.mismatch_k: [{m_lo}, {m_hi}] must lie within 4..15")
            for k in range(m_lo, m_hi + 1):
                tables.append(_Windows(k, 0.0, *_collect(lay, k, True), mismatch=True))
        return tables

    # ------------------------------------------------------------------ bookkeeping

    def _randomise(self, name: str, low: int, high: int) -> None:
        n, start = self.layout.length[name], self.layout.offset[name]
        gc = self.rng.randint(low, high)
        letters = [self.rng.choice(self.strong) for _ in range(gc)] + [
            self.rng.choice(self.weak) for _ in range(n - gc)
        ]
        self.rng.shuffle(letters)
        self.bases[start : start + n] = letters
        self.gc[name] = gc

    def _key(self, table: _Windows, w: int) -> int | tuple[int, ...]:
        code, rc = _code(self.bases, table.positions[w], table.masks[w])
        if table.mismatch:
            return _mismatch_keys(code, rc, table.k)
        if not table.canonical:
            return code
        # canonical key; the lowest bit marks a palindrome (a window that is its own complement)
        return (min(code, rc) << 1) | (code == rc)

    def _add(self, table: _Windows, key: int | tuple[int, ...], sign: int) -> float:
        """Add (+1) or remove (-1) one window with `key`; returns the change of the table's objective."""
        if isinstance(key, tuple):
            return self._add_patterns(table, key, sign)
        if not table.canonical:
            delta = sign if key in self.forbidden_codes[table.k] else 0
            table.score += delta
            return float(delta)
        count = table.counts[key]
        delta = (count if sign > 0 else -(count - 1)) + (key & 1) * sign
        table.counts[key] = count + sign
        table.score += delta
        change = delta * table.weight * self.scale_spurious
        if table.energy is not None and delta:
            energy = delta * table.energy[key >> 1]
            table.escore += energy
            change += energy * self.scale_symmetry
        return change

    def _add_patterns(self, table: _Windows, keys: tuple[int, ...], sign: int) -> float:
        """One window's one-wildcard patterns: pairs of windows sharing one differ in at most that base."""
        change = 0.0
        for key in keys:
            count = table.counts[key]
            delta = count if sign > 0 else -(count - 1)
            table.counts[key] = count + sign
            if delta:
                weight = table.mweights.get(key)
                if weight is None:
                    weight = table.mweights[key] = _mismatch_weight(key, table.k, self.spec.stacks, self.spec.rt)
                table.escore += delta * weight
                change += delta * weight
        return change * self.scale_symmetry

    def scores(self) -> tuple[float, float]:
        """(forbidden-motif windows, weighted spurious score) of the current sequences."""
        return sum(t.score for t in self.motifs), sum(t.score * t.weight for t in self.spurious)

    def symmetry(self) -> float:
        """The energy-weighted symmetry term: pairs of equal or complementary k-mers x their Boltzmann factor."""
        return sum(t.escore for t in self.spurious)

    def objective(self) -> float:
        """What the search minimises after the motifs: the spuriousSSM term and the weighted symmetry term."""
        return self.scores()[1] * self.scale_spurious + self.symmetry() * self.scale_symmetry

    def _mutate(self, p: int, value: int) -> tuple[float, float, list[tuple[_Windows, int, int]]]:
        """Set base p to `value`, updating all tables; returns (Δmotif, Δspurious, undo log)."""
        self.bases[p] = value
        d_motif = d_spur = 0.0
        log = []
        for table, w in self.touching[p]:
            old = table.keys[w]
            new = self._key(table, w)
            if new == old:
                continue
            change = self._add(table, old, -1) + self._add(table, new, +1)
            table.keys[w] = new
            log.append((table, w, old))
            if table.canonical:
                d_spur += change
            else:
                d_motif += change
        return d_motif, d_spur, log

    def _undo(self, p: int, value: int, log: list[tuple[_Windows, int, int]]) -> None:
        self.bases[p] = value
        for table, w, old in reversed(log):
            self._add(table, table.keys[w], -1)
            self._add(table, old, +1)
            table.keys[w] = old

    # ------------------------------------------------------------------ search

    def run(self) -> dict[str, float]:
        """Mutate random designed bases; keep a change unless it adds motifs or raises the spurious score."""
        positions = sorted(self.domain_of)
        steps = int(round(self.spec.effort * len(positions)))
        accepted = 0
        others = {b: tuple(x for x in self.letters if x != b) for b in range(4)}
        for _ in range(steps if positions else 0):
            if self.swappable and self.rng.random() < SWAP_PROBABILITY:
                accepted += self._swap(self.rng.choice(self.swappable))
                continue
            p = self.rng.choice(positions)
            name = self.domain_of[p]
            old = self.bases[p]
            new = self.rng.choice(others[old])
            gc_change = (new in (1, 2)) - (old in (1, 2))
            low, high = self.gc_bounds[name]
            if not low <= self.gc[name] + gc_change <= high:
                # at a GC bound: move the base within its domain instead (keeps the GC count)
                accepted += self._transpose(p, name)
                continue
            d_motif, d_spur, log = self._mutate(p, new)
            if _no_worse(d_motif, d_spur):
                self.gc[name] += gc_change
                accepted += 1
            else:
                self._undo(p, old, log)
        motif, spurious = self.scores()
        out = {"steps": steps, "accepted": accepted, "motif_windows": motif, "spurious": spurious}
        if self.spec.symmetry_weight > 0:
            out["symmetry"] = self.symmetry()
        return out

    def _keep_or_undo(
        self, history: list[tuple[int, int, list[tuple[_Windows, int, int]]]], d_motif: float, d_spur: float
    ) -> bool:
        """Keep a multi-base change that is no worse, else undo its steps in reverse order."""
        if _no_worse(d_motif, d_spur):
            return True
        for position, old, log in reversed(history):
            self._undo(position, old, log)
        return False

    def _transpose(self, p: int, name: str) -> bool:
        """Exchange base p with another base of the same domain if that does not make things worse."""
        start = self.layout.offset[name]
        q = start + self.rng.randrange(self.layout.length[name])
        bp, bq = self.bases[p], self.bases[q]
        if bp == bq:
            return False
        history = []
        d_motif = d_spur = 0.0
        for position, old, new in ((p, bp, bq), (q, bq, bp)):
            dm, ds, log = self._mutate(position, new)
            d_motif, d_spur = d_motif + dm, d_spur + ds
            history.append((position, old, log))
        return self._keep_or_undo(history, d_motif, d_spur)

    def _swap(self, names: list[str]) -> bool:
        """Exchange the sequences of two fixed domains of equal length if that does not make things worse."""
        x, y = self.rng.sample(names, 2)
        lay = self.layout
        history = []
        d_motif = d_spur = 0.0
        for i in range(lay.length[x]):
            px, py = lay.offset[x] + i, lay.offset[y] + i
            bx, by = self.bases[px], self.bases[py]
            for p, old, new in ((px, bx, by), (py, by, bx)):
                if old != new:
                    dm, ds, log = self._mutate(p, new)
                    d_motif, d_spur = d_motif + dm, d_spur + ds
                    history.append((p, old, log))
        return self._keep_or_undo(history, d_motif, d_spur)

    def sequences(self) -> dict[str, str]:
        lay = self.layout
        return {
            name: "".join(BASES[b] for b in self.bases[lay.offset[name] : lay.offset[name] + lay.length[name]])
            for name in self.system.domains
        }

    def spurious_by_k(self) -> dict[int, float]:
        return {t.k: t.score for t in self.spurious if not t.mismatch}


def _no_worse(d_motif: float, d_spur: float) -> bool:
    """The acceptance rule: fewer forbidden motifs, or as many and a spurious score no higher."""
    return d_motif < 0 or (d_motif == 0 and d_spur <= 0)


def gc_bounds(n: int, gc_min: float, gc_max: float, name: str) -> tuple[int, int]:
    """Fewest and most G/C of an n-nt domain within [gc_min, gc_max]; DmpError with a bound that works."""
    low, high = math.ceil(gc_min * n - 1e-9), math.floor(gc_max * n + 1e-9)
    if low > high:
        raise DmpError(
            f"seq.domains.gc_min/gc_max: no GC count of the {n}-nt domain {name} lies in "
            f"[{gc_min:g}, {gc_max:g}]; widen the bounds (e.g. gc_max: {math.ceil(gc_min * n) / n:.2f})"
        )
    return low, high


def design_domains(system: DSDSystem, toeholds: dict[str, str], spec: DomainSpec, seed: int) -> Design:
    """Sequences for every long domain around the given toeholds; seeded, so reproducible."""
    designer = DomainDesigner(system, toeholds, spec, seed)
    stats = designer.run()
    stats["spurious_by_k"] = designer.spurious_by_k()  # type: ignore[assignment]
    return Design(designer.sequences(), seed=seed, info={"domain_search": stats})
