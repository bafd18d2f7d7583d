"""Strand pairs that share a complementary stretch, streamed one strand at a time.

A system of 0.45 M nt has millions of strand pairs sharing a complementary 7-mer; listing them
all (with the positions of every match) takes gigabytes. Here the k-mers of the second strand set
are indexed once in sorted NumPy arrays; the first set is then walked strand by strand, each
yielding its partners with their match counts, and `choose_pairs` keeps only what the fold plan
needs: the pairs with the most matches (a bounded heap) and a seeded uniform sample of the rest
(bottom-k of a per-pair hash), so memory stays proportional to the budget.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

CODE = np.full(256, -1, dtype=np.int64)
for _value, _letter in enumerate("ACGT"):
    CODE[ord(_letter)] = _value


def kmer_codes(sequence: str, k: int) -> np.ndarray:
    """Base-4 codes of every k-mer of a sequence (5'->3' order)."""
    values = CODE[np.frombuffer(sequence.encode(), dtype=np.uint8)]
    if len(values) < k:
        return np.zeros(0, dtype=np.int64)
    codes = np.zeros(len(values) - k + 1, dtype=np.int64)
    for i in range(k):
        codes = codes * 4 + values[i : len(values) - k + 1 + i]
    return codes


def revcomp_codes(codes: np.ndarray, k: int) -> np.ndarray:
    """Codes of the reverse complements."""
    out = np.zeros_like(codes)
    rest = codes.copy()
    for _ in range(k):
        out = out * 4 + (3 - (rest & 3))
        rest >>= 2
    return out


@dataclass
class KmerIndex:
    """Every k-mer occurrence of a strand set, sorted by code: code, strand, offset."""

    k: int
    codes: np.ndarray
    strands: np.ndarray
    offsets: np.ndarray

    @classmethod
    def build(cls, sequences: Sequence[str], k: int) -> KmerIndex:
        parts = [kmer_codes(s, k) for s in sequences]
        codes = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        strands = np.repeat(np.arange(len(parts), dtype=np.int64), [len(p) for p in parts])
        offsets = np.concatenate([np.arange(len(p), dtype=np.int64) for p in parts]) if parts else strands
        order = np.argsort(codes, kind="stable")
        return cls(k, codes[order], strands[order], offsets[order])

    def complementary(self, sequence: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Occurrences complementary to the k-mers of `sequence`: (offset in sequence, strand, offset)."""
        wanted = revcomp_codes(kmer_codes(sequence, self.k), self.k)
        lo = np.searchsorted(self.codes, wanted, side="left")
        hi = np.searchsorted(self.codes, wanted, side="right")
        counts = hi - lo
        if not counts.sum():
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty
        mine = np.repeat(np.arange(len(wanted), dtype=np.int64), counts)
        starts = np.repeat(lo - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
        return mine, self.strands[starts], self.offsets[starts]


def partner_counts(
    first: Sequence[str], index: KmerIndex, skip: Sequence[set[int]] | None = None, upper: bool = False
) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """For each strand i of `first`: partners j in the index's set and their complementary k-mer match counts.

    `skip[i]` lists partners to leave out; with `upper` (both sets the same) only j >= i.
    """
    for i, sequence in enumerate(first):
        _, strands, _ = index.complementary(sequence)
        if upper:
            strands = strands[strands >= i]
        partners, counts = np.unique(strands, return_counts=True)
        if skip is not None and skip[i]:
            keep = ~np.isin(partners, np.fromiter(skip[i], dtype=np.int64))
            partners, counts = partners[keep], counts[keep]
        yield i, partners, counts


def _hash(i: int, j: np.ndarray, seed: int) -> np.ndarray:
    """A seeded 64-bit hash of each pair (splitmix64 finaliser): a uniform random key per pair."""
    with np.errstate(over="ignore"):
        x = (np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15)) ^ (np.uint64(i) << np.uint64(32)) ^ j.astype(np.uint64)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def choose_pairs(
    stream: Iterator[tuple[int, np.ndarray, np.ndarray]], budget: int, seed: int
) -> tuple[list[tuple[int, int, float]], dict[str, int | float]]:
    """Which screened pairs to fold, with the number of pairs each stands for, from a stream of partners.

    All pairs if they fit in `budget` (0: no limit). Otherwise the budget // 2 pairs with the most
    matches (ties: lower i, then lower j) with weight 1, plus a uniform sample of the others, chosen
    by the smallest seeded per-pair hashes, each with weight (others / sample). Returns the pairs
    sorted by (i, j) and the plan's figures.
    """
    exact_size = budget // 2 if budget > 0 else 0
    sample_size = budget - exact_size
    limit = sample_size + exact_size
    top: list[tuple[int, int, int]] = []  # min-heap of (count, -i, -j): the smallest is evicted
    keys: list[tuple[int, int, int]] = []  # max-heap of (-hash, i, j): the bottom `limit` hashes
    every: list[tuple[int, int]] | None = []  # all pairs, while they fit in the budget
    total = 0
    for i, partners, counts in stream:
        total += len(partners)
        if every is not None:
            every.extend((i, j) for j in partners.tolist())
            if 0 < budget < len(every):
                every = None
        if budget <= 0:
            continue
        # only candidates that can enter a full heap go through Python
        pick = counts >= top[0][0] if len(top) >= exact_size and top else np.ones(len(partners), dtype=bool)
        for j, c in zip(partners[pick].tolist(), counts[pick].tolist(), strict=True):
            item = (c, -i, -j)
            if len(top) < exact_size:
                heapq.heappush(top, item)
            elif item > top[0]:
                heapq.heapreplace(top, item)
        hashes = _hash(i, partners, seed)
        pick = hashes <= np.uint64(-keys[0][0]) if len(keys) >= limit else np.ones(len(partners), dtype=bool)
        for h, j in zip(hashes[pick].tolist(), partners[pick].tolist(), strict=True):
            if len(keys) < limit:
                heapq.heappush(keys, (-h, i, j))
            elif -h > keys[0][0]:
                heapq.heapreplace(keys, (-h, i, j))
    if every is not None:
        return [(i, j, 1.0) for i, j in every], {"pairs_screened": total}
    exact = {(-mi, -mj) for _, mi, mj in top}
    rest = sorted((-negh, i, j) for negh, i, j in keys if (i, j) not in exact)[:sample_size]
    weight = (total - len(exact)) / len(rest) if rest else 0.0
    plan = sorted([(i, j, 1.0) for i, j in exact] + [(i, j, weight) for _, i, j in rest])
    info = {
        "pairs_screened": total,
        "folded_exactly": len(exact),
        "fewest_matches_folded_exactly": min((c for c, _, _ in top), default=0),
        "sampled": len(rest),
        "sample_weight": weight,
    }
    return plan, info
