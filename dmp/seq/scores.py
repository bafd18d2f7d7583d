"""Piperine's sequence-quality heuristics, with ViennaRNA (DNA, Mathews 2004) in place of NUPACK 3.

Each score is a function on plain sequences (so it can be tested on hand-made strand sets) and
has an entry in SCORES: which direction is better and a one-line explanation for the report.
`dmp.seq.design.score_candidate` computes all of them for one design of a compiled system.

Strand sets follow Piperine: *top strands* are the strands that float free at some time (signals,
strands released by gates, single-strand fuels and helpers); the base strand of a gate (its
longest strand) never does. Dimer and occlusion scores use every top strand at a reference
concentration (1 µM, as Piperine), and a pair is folded with ViennaRNA only if the two strands
share a complementary stretch of at least `screen` nt (pairs with shorter stretches bind weakly
and are counted as 0; benchmarks/seq_benchmark.py measures what that leaves out).

Large systems: with 0.3 M nt of free strands every 7-mer occurs about twenty times, so some 3.4
million of the 17 million pairs of a 64-32-10 network's 5,800 free strands pass a 7-nt screen,
which would take days to fold. Beyond `max_pairs` screened pairs, half the budget goes to the
pairs with the most complementary k-mer matches (the longest stretches: folded exactly, so the
worst pairs are always found) and half to a seeded uniform sample of the rest, each sampled pair
standing for (rest / sample) pairs: a stratified estimate of every sum, unbiased, reported as such.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from dmp.seq.model import revcomp
from dmp.seq.thermo import Thermo


@dataclass(frozen=True)
class ScoreInfo:
    better: str  # "lower" or "higher"
    unit: str
    explanation: str


SCORES: dict[str, ScoreInfo] = {
    "tsi_avg": ScoreInfo(
        "lower",
        "%",
        "Top-strand spurious interaction: % of a free strand in pairwise dimers, summed over the free strands it shares a complementary stretch with (can exceed 100), mean",
    ),
    "tsi_max": ScoreInfo(
        "lower", "%", "Top-strand spurious interaction of the worst free strand (same measure, maximum)"
    ),
    "to_avg": ScoreInfo(
        "lower",
        "%",
        "Toehold occlusion: % of an exposed gate toehold bound by free strands that are not its partner, mean",
    ),
    "to_max": ScoreInfo("lower", "%", "Toehold occlusion of the most occluded exposed toehold"),
    "bm_sum": ScoreInfo(
        "lower",
        "",
        "Shared substrings between branch-migration domains: sum over pairs of 2^(L-5) for the longest, L >= 5",
    ),
    "bm_max": ScoreInfo("lower", "nt", "Longest substring shared by two branch-migration domains"),
    "ssu_min": ScoreInfo("higher", "", "Lowest probability that a base of a free strand is unpaired (its own folding)"),
    "ssu_avg": ScoreInfo("higher", "", "Mean unpaired probability of the bases of free strands"),
    "sstu_min": ScoreInfo("higher", "", "Lowest unpaired probability of a toehold base on a free strand"),
    "sstu_avg": ScoreInfo("higher", "", "Mean unpaired probability of toehold bases on free strands"),
    "bn_max": ScoreInfo("lower", "%", "Bad nucleotides: worst ensemble defect of an intended gate complex"),
    "bn_avg": ScoreInfo(
        "lower", "%", "Bad nucleotides: ensemble defect of the gate complexes weighted by concentration x length"
    ),
    "wsas": ScoreInfo("lower", "", "spuriousSSM: weighted exact intra-strand spurious matches (6-12 nt) per strand"),
    "wsis": ScoreInfo("lower", "", "spuriousSSM: weighted exact inter-complex spurious matches (6-12 nt) per strand"),
    "wsas_m": ScoreInfo("lower", "", "spuriousSSM: weighted intra-strand matches with one mismatch per strand"),
    "wsis_m": ScoreInfo("lower", "", "spuriousSSM: weighted inter-complex matches with one mismatch per strand"),
    "verboten": ScoreInfo(
        "lower", "", "spuriousSSM: its verboten score (G/C runs, weak and repetitive windows) per strand"
    ),
    "spurious": ScoreInfo("lower", "", "spuriousSSM: its overall weighted score per strand"),
    "motifs": ScoreInfo("lower", "", "Occurrences of the configured forbidden motifs in all strands"),
    "dg_error": ScoreInfo(
        "lower",
        "kcal/mol",
        "Toehold ΔG: mean absolute deviation from the target (stickydesign nearest-neighbour model)",
    ),
    "dg_range": ScoreInfo(
        "lower", "kcal/mol", "Toehold ΔG: max - min over all toeholds (uniform toeholds give near 0)"
    ),
}


SPURIOUS_SCORES = ("wsas", "wsis", "wsas_m", "wsis_m", "verboten", "spurious")  # from spuriousSSM; None if not run

# ---------------------------------------------------------------------------- screens

WINDOW_FLANK = 20  # nt kept on each side of a complementary stretch when a long strand is cut
WINDOW_LIMIT = 70  # strands up to this length are folded whole
SCREEN_SAMPLE = 200  # screened-out top-strand pairs folded anyway, to report what the screen leaves out


def fold_plan(hits: Sequence[int], budget: int, seed: int) -> tuple[list[tuple[int, float]], dict[str, Any]]:
    """Which screened pairs to fold, and how many pairs each folded one stands for.

    `hits[i]` is pair i's number of complementary k-mer matches. All pairs if they fit in
    `budget` (0: no limit); otherwise the budget // 2 pairs with the most matches, weight 1, plus
    a seeded uniform sample of the others, weight (others / sample).
    """
    n = len(hits)
    if budget <= 0 or n <= budget:
        return [(i, 1.0) for i in range(n)], {}
    order = sorted(range(n), key=lambda i: (-hits[i], i))
    exact, rest = order[: budget // 2], order[budget // 2 :]
    size = budget - len(exact)
    sample = sorted(random.Random(seed).sample(rest, size))
    weight = len(rest) / size
    info = {
        "pairs_screened": n,
        "folded_exactly": len(exact),
        "fewest_matches_folded_exactly": hits[exact[-1]] if exact else 0,
        "sampled": size,
        "sample_weight": weight,
    }
    return [(i, 1.0) for i in sorted(exact)] + [(i, weight) for i in sample], info


def _kmers(sequence: str, k: int) -> set[str]:
    return {sequence[i : i + k] for i in range(len(sequence) - k + 1)}


def complementary_hits(
    first: Sequence[str], second: Sequence[str], k: int
) -> dict[tuple[int, int], tuple[list[int], list[int]]]:
    """Pairs (i, j) where first[i] and second[j] share an exactly complementary stretch of k nt.

    For each pair: the start positions of such stretches in first[i] and in second[j].
    """
    index: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for i, sequence in enumerate(first):
        for p in range(len(sequence) - k + 1):
            index[sequence[p : p + k]].append((i, p))
    hits: dict[tuple[int, int], tuple[list[int], list[int]]] = {}
    for j, sequence in enumerate(second):
        n = len(sequence)
        for q in range(n - k + 1):
            word = revcomp(sequence[q : q + k])
            for i, p in index.get(word, ()):
                entry = hits.setdefault((i, j), ([], []))
                entry[0].append(p)
                entry[1].append(q)
    return hits


def complementary_pairs(first: Sequence[str], second: Sequence[str], k: int) -> set[tuple[int, int]]:
    """Index pairs (i, j) where first[i] and second[j] share an exactly complementary stretch of k nt."""
    return set(complementary_hits(first, second, k))


def window(sequence: str, starts: list[int], k: int, flank: int = WINDOW_FLANK, limit: int = WINDOW_LIMIT) -> str:
    """The part of a long strand around its complementary stretches (the whole strand if short).

    Folding cost grows with the cube of length; a strand longer than `limit` is cut to its
    stretches plus `flank` nt each side (at most `limit` nt from the first stretch on), which
    keeps the local structure that competes with the spurious helix.
    """
    if len(sequence) <= limit:
        return sequence
    lo = max(0, min(starts) - flank)
    hi = min(len(sequence), max(starts) + k + flank, lo + limit)
    return sequence[lo:hi]


# ---------------------------------------------------------------------------- ViennaRNA scores


def unpaired_scores(
    strands: Sequence[str], toehold_masks: Sequence[Sequence[bool]], thermo: Thermo
) -> tuple[dict[str, float], list[float]]:
    """SSU/SSTU: unpaired probability of each base of each strand folded alone, over all and toehold bases.

    Returns the four scores and each strand's ensemble energy (reused by the dimer scores).
    """
    energies, minima, means, toe_min, toe_mean = [], [], [], [], []
    for sequence, mask in zip(strands, toehold_masks, strict=True):
        probabilities, energy = thermo.unpaired_probabilities(sequence)
        energies.append(energy)
        minima.append(min(probabilities))
        means.append(float(np.mean(probabilities)))
        toe = [p for p, is_toe in zip(probabilities, mask, strict=True) if is_toe]
        if toe:
            toe_min.append(min(toe))
            toe_mean.append(float(np.mean(toe)))
    scores = {
        "ssu_min": min(minima, default=1.0),
        "ssu_avg": float(np.mean(means)) if means else 1.0,
        "sstu_min": min(toe_min, default=1.0),
        "sstu_avg": float(np.mean(toe_mean)) if toe_mean else 1.0,
    }
    return scores, energies


def _screened_out(
    strands: Sequence[str],
    pairs: set[tuple[int, int]],
    thermo: Thermo,
    energy: Any,
    concentration_M: float,
    sample: int,
    seed: int,
) -> dict[str, Any] | None:
    """Fold a seeded sample of the hetero pairs the screen left out: how much binding the screen misses."""
    n = len(strands)
    outside = n * (n - 1) // 2 - sum(i != j for i, j in pairs)
    if not sample or outside <= 0:
        return None
    rng = random.Random(seed)
    chosen: set[tuple[int, int]] = set()
    if outside <= sample:  # few enough: fold them all
        chosen = {(i, j) for i in range(n) for j in range(i + 1, n) if (i, j) not in pairs}
    while len(chosen) < min(sample, outside):
        i, j = sorted(rng.sample(range(n), 2))
        if (i, j) not in pairs:
            chosen.add((i, j))
    percents: list[float] = []
    for i, j in sorted(chosen):
        a, b = strands[i][:WINDOW_LIMIT], strands[j][:WINDOW_LIMIT]
        dG = thermo.binding_energy(a, b, energy(a), energy(b))
        percents.append(100.0 * thermo.dimer_fraction(dG, concentration_M))
    if not percents:
        return None
    mean = sum(percents) / len(percents)
    return {
        "pairs": outside,
        "sample": len(percents),
        "mean_percent": mean,
        "max_percent": max(percents),
        "estimated_percent_per_strand": mean * 2 * outside / n,
    }


def top_strand_interactions(
    strands: Sequence[str],
    thermo: Thermo,
    concentration_M: float = 1e-6,
    screen: int = 7,
    energies: Sequence[float] | None = None,
    sample: int = 0,
    seed: int = 0,
    max_pairs: int = 0,
) -> tuple[list[float], dict[str, Any]]:
    """TSI per strand: sum over partners (itself included) of the % of the strand in that dimer.

    Each pair is taken alone at `concentration_M` per strand, in equilibrium with its monomers
    (ViennaRNA co-folding ensemble); pairs without a complementary stretch of `screen` nt count 0;
    strands longer than WINDOW_LIMIT are folded as the window around their stretches.
    With `sample` > 0, that many of the screened-out pairs (seeded) are folded too, to report how
    much the screen leaves out (details only; the scores do not include it). With `max_pairs`
    > 0 and more screened pairs than that, the sums are estimated (fold_plan).
    """
    hits = complementary_hits(strands, strands, screen)
    pairs: dict[tuple[int, int], tuple[list[int], list[int]]] = {}
    for (i, j), (pi, pj) in sorted(hits.items()):
        key = (min(i, j), max(i, j))
        if key not in pairs:
            pairs[key] = (pi, pj) if i <= j else (pj, pi)
    cache: dict[str, float] = {s: e for s, e in zip(strands, energies or (), strict=False)}

    def energy(sequence: str) -> float:
        if sequence not in cache:
            cache[sequence] = thermo.ensemble_energy(sequence)
        return cache[sequence]

    per_strand = [0.0] * len(strands)
    worst = (0.0, "")
    keys = list(pairs)
    plan, sampling = fold_plan([len(pairs[key][0]) for key in keys], max_pairs, seed + 1)
    for index, weight in plan:
        (i, j), (pi, pj) = keys[index], pairs[keys[index]]
        if i == j:
            a = b = window(strands[i], pi + pj, screen)
        else:
            a, b = window(strands[i], pi, screen), window(strands[j], pj, screen)
        dG = thermo.binding_energy(a, b, energy(a), energy(b))
        percent = 100.0 * thermo.dimer_fraction(dG, concentration_M, homo=i == j)
        per_strand[i] += weight * percent
        if j != i:
            per_strand[j] += weight * percent
        if percent > worst[0]:
            worst = (percent, f"{i},{j}")
    total = len(strands) * (len(strands) + 1) // 2
    details: dict[str, Any] = {
        "pairs_folded": len(plan),
        "pairs_total": total,
        "worst_pair_percent": worst[0],
        "worst_pair": worst[1],
    }
    if sampling:
        details["estimated"] = sampling
    outside = _screened_out(strands, set(pairs), thermo, energy, concentration_M, sample, seed)
    if outside:
        details["screened_out"] = outside
    return per_strand, details


def toehold_occlusion(
    toeholds: Sequence[str],
    partners: Sequence[Sequence[int]],
    strands: Sequence[str],
    thermo: Thermo,
    concentration_M: float = 1e-6,
    screen: int = 5,
    energies: Sequence[float] | None = None,
    max_pairs: int = 0,
    seed: int = 0,
) -> tuple[list[float], dict[str, Any]]:
    """TO per exposed toehold: sum over free strands that are not its partners of the % of it they bind.

    `toeholds` are the sequences exposed on gates (as short oligos, as Piperine folds them);
    `partners[t]` lists the strands meant to bind toehold t, which are left out. Long strands are
    folded as the window around their complementary stretches. With `max_pairs` > 0 and more
    screened pairs than that, the sums are estimated (fold_plan).
    """
    cache: dict[str, float] = {s: e for s, e in zip(strands, energies or (), strict=False)}

    def energy(sequence: str) -> float:
        if sequence not in cache:
            cache[sequence] = thermo.ensemble_energy(sequence)
        return cache[sequence]

    per_toehold = [0.0] * len(toeholds)
    screened = [
        (t, s, positions)
        for (t, s), (_, positions) in sorted(complementary_hits(toeholds, strands, screen).items())
        if s not in partners[t]
    ]
    plan, sampling = fold_plan([len(positions) for _, _, positions in screened], max_pairs, seed)
    for index, weight in plan:
        t, s, positions = screened[index]
        part = window(strands[s], positions, screen)
        dG = thermo.binding_energy(toeholds[t], part, energy(toeholds[t]), energy(part))
        per_toehold[t] += weight * 100.0 * thermo.dimer_fraction(dG, concentration_M)
    details: dict[str, Any] = {
        "pairs_folded": len(plan),
        "pairs_total": sum(len(strands) - len(p) for p in partners),
    }
    if sampling:
        details["estimated"] = sampling
    return per_toehold, details


def bad_nucleotides(
    complexes: Sequence[tuple[list[str], str, float]], thermo: Thermo
) -> tuple[dict[str, float], list[float], list[str]]:
    """Ensemble defect (%) of each intended complex (strand sequences, target dot-bracket, concentration).

    bn_max is the worst complex; bn_avg weights each complex by concentration x nucleotides (plain
    nucleotide weights if no complex has a concentration). Also returns the MFE structures.
    """
    defects, weights, structures = [], [], []
    for strands, target, concentration in complexes:
        structure, defect = thermo.complex_analysis(strands, target.replace("&", ""))
        defects.append(100.0 * defect)
        weights.append(concentration * len(target.replace("&", "")))
        structures.append(structure)
    if not defects:
        return {"bn_max": 0.0, "bn_avg": 0.0}, [], []
    w = np.asarray(weights) if sum(weights) > 0 else np.asarray([len(t.replace("&", "")) for _, t, _ in complexes])
    return {"bn_max": max(defects), "bn_avg": float(np.dot(defects, w) / w.sum())}, defects, structures


# ---------------------------------------------------------------------------- sequence-only scores


def longest_shared(a: str, b: str) -> int:
    """Length of the longest common substring of two sequences."""
    best = 0
    for k in range(1, min(len(a), len(b)) + 1):
        if _kmers(a, k) & _kmers(b, k):
            best = k
        else:
            break
    return best


def branch_migration_matches(domains: Sequence[str], floor: int = 5, cap: int = 10) -> dict[str, float]:
    """BM scores: for each pair of domains the longest shared substring L; sum of 2^(min(L,cap)-floor) for L >= floor.

    Shared substrings let an invading strand start branch migration in the wrong domain.
    """
    longest: dict[tuple[int, int], int] = {}
    k = floor
    while True:
        index: dict[str, set[int]] = defaultdict(set)
        for i, sequence in enumerate(domains):
            for word in _kmers(sequence, k):
                index[word].add(i)
        found = False
        for members in index.values():
            if len(members) > 1:
                ordered = sorted(members)
                for x, i in enumerate(ordered):
                    for j in ordered[x + 1 :]:
                        longest[(i, j)] = k
                        found = True
        if not found:
            break
        k += 1
    return {
        "bm_sum": float(sum(2.0 ** (min(L, cap) - floor) for L in longest.values())),
        "bm_max": float(max(longest.values(), default=0)),
    }


def count_motifs(strands: Iterable[str], motifs: Iterable[str]) -> int:
    """Occurrences (overlapping) of the motifs in the strands as written 5'->3'."""
    total = 0
    motifs = list(motifs)
    for sequence in strands:
        for motif in motifs:
            total += sum(sequence.startswith(motif, i) for i in range(len(sequence) - len(motif) + 1))
    return total
