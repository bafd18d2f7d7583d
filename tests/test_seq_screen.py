"""The streamed pair screen against the dictionary screen of scores.py, and its fold plan."""

import random

from dmp.seq.scores import complementary_hits
from dmp.seq.screen import KmerIndex, choose_pairs, kmer_codes, partner_counts, revcomp_codes


def strands(n=30, seed=2):
    rng = random.Random(seed)
    return ["".join(rng.choice("ACGT") for _ in range(rng.randint(20, 60))) for _ in range(n)]


def test_codes_and_reverse_complements():
    assert kmer_codes("ACGTA", 3).tolist() == [0 * 16 + 1 * 4 + 2, 1 * 16 + 2 * 4 + 3, 2 * 16 + 3 * 4 + 0]
    # ACG -> CGT = 1*16 + 2*4 + 3, CGT -> ACG = 0 + 1*4 + 2, GTA -> TAC = 3*16 + 0 + 1
    assert revcomp_codes(kmer_codes("ACGTA", 3), 3).tolist() == [27, 6, 49]


def test_partner_counts_match_the_dictionary_screen():
    seqs = strands()
    reference = complementary_hits(seqs, seqs, 5)
    index = KmerIndex.build(seqs, 5)
    streamed = {}
    for i, partners, counts in partner_counts(seqs, index):
        for j, c in zip(partners.tolist(), counts.tolist(), strict=True):
            streamed[(i, j)] = c
    assert streamed == {key: len(pos[0]) for key, pos in reference.items()}


def test_choose_pairs_keeps_the_most_matches_and_samples_the_rest():
    seqs = strands(60, seed=4)
    index = KmerIndex.build(seqs, 4)
    counts = {}
    for i, partners, c in partner_counts(seqs, index, upper=True):
        counts.update({(i, j): n for j, n in zip(partners.tolist(), c.tolist(), strict=True)})
    everything, info = choose_pairs(partner_counts(seqs, index, upper=True), 0, seed=1)
    assert [(i, j) for i, j, _ in everything] == sorted(counts) and info["pairs_screened"] == len(counts)
    plan, info = choose_pairs(partner_counts(seqs, index, upper=True), 100, seed=1)
    exact = [(i, j) for i, j, w in plan if w == 1.0]
    sampled = [(i, j) for i, j, w in plan if w != 1.0]
    assert len(exact) == 50 and len(sampled) == 50 and info["pairs_screened"] == len(counts)
    # the exact half are the 50 pairs with the most matches (ties by lower i, then lower j)
    assert set(exact) == set(sorted(counts, key=lambda key: (-counts[key], key))[:50])
    # each sampled pair stands for (others / sample) pairs, so the weights add up to all pairs
    assert abs(sum(w for _, _, w in plan) - len(counts)) < 1e-6
    # seeded: the same seed gives the same sample, another seed another one
    assert plan == choose_pairs(partner_counts(seqs, index, upper=True), 100, seed=1)[0]
    assert plan != choose_pairs(partner_counts(seqs, index, upper=True), 100, seed=2)[0]
