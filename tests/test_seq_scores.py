"""Sequence-quality scores on small hand-made strand sets whose answers are known."""

import math

import numpy as np
import pytest
import stickydesign as sd
from stickydesign.energetics_daoe import EnergeticsDAOE

from dmp.seq.model import revcomp
from dmp.seq.rank import rank_candidates
from dmp.seq.scores import (
    SCORES,
    bad_nucleotides,
    branch_migration_matches,
    complementary_pairs,
    count_motifs,
    fold_plan,
    longest_shared,
    toehold_occlusion,
    top_strand_interactions,
    unpaired_scores,
)
from dmp.seq.thermo import Thermo
from dmp.seq.toeholds import ToeholdSpec, design_toeholds, score_toeholds

THERMO = Thermo(25.0, 1.0)
# A and C only: no Watson-Crick pair can form within or between such strands (A needs T, C needs G).
UNSTRUCTURED = "CACCAACACCCAACAACACCAACCACACAC"


def test_perfect_hairpin_scores_badly_on_unpaired_probability():
    stem = "GCGCCGGACGCG"
    hairpin = stem + "TTTT" + revcomp(stem)
    scores, _ = unpaired_scores([hairpin], [[False] * len(hairpin)], THERMO)
    # a 12-bp GC stem (about -20 kcal/mol) is essentially always closed: stem bases almost never unpaired
    assert scores["ssu_min"] < 0.01
    assert scores["ssu_avg"] < 0.3
    good, _ = unpaired_scores([UNSTRUCTURED], [[False] * len(UNSTRUCTURED)], THERMO)
    assert good["ssu_min"] == pytest.approx(1.0) and good["ssu_avg"] == pytest.approx(1.0)


def test_toehold_bases_are_scored_separately():
    stem = "GCGCCGGACGCG"
    hairpin = stem + "TTTT" + revcomp(stem)
    mask = [False] * len(stem) + [True] * 4 + [False] * len(stem)  # the loop is the "toehold"
    scores, _ = unpaired_scores([hairpin], [mask], THERMO)
    assert scores["sstu_avg"] > scores["ssu_avg"]  # loop bases are unpaired, stem bases are not
    assert scores["sstu_min"] > 0.5


def test_dimer_fraction_closed_forms():
    # K c = 1: x = (1 - x)^2 gives x = (3 - sqrt 5) / 2 for A + B <-> AB
    c = 1e-6
    dG = -THERMO.rt * math.log(1 / c)
    assert THERMO.dimer_fraction(dG, c) == pytest.approx((3 - math.sqrt(5)) / 2, rel=1e-9)
    # 2A <-> AA with K c = 1: the fraction y = 2x/c in dimers solves y/2 = (1 - y)^2
    y = THERMO.dimer_fraction(dG, c, homo=True)
    assert y / 2 == pytest.approx((1 - y) ** 2, rel=1e-9)
    assert THERMO.dimer_fraction(-200.0, c) == pytest.approx(1.0)
    assert THERMO.dimer_fraction(+20.0, c) < 1e-12


def test_complementary_strands_form_a_strong_dimer_orthogonal_ones_do_not():
    a = "GATCCGTAGCTAGGCTTACGATCC"
    b = revcomp(a)
    strong, info = top_strand_interactions([a, b], THERMO, 1e-6, screen=7)
    # a 24-bp duplex at 1 uM: essentially every strand is in the dimer (about 100 % each)
    assert strong[0] == pytest.approx(100.0, abs=1.0) and strong[1] == pytest.approx(100.0, abs=1.0)
    assert info["pairs_folded"] >= 1
    other = "ACCAACCACACCAACACAACCACA"  # A/C only, like UNSTRUCTURED: no pair can form
    weak, _ = top_strand_interactions([UNSTRUCTURED, other], THERMO, 1e-6, screen=3)
    assert max(weak) == 0.0


def test_fold_plan_folds_the_most_matched_pairs_and_weights_the_sample():
    hits = [1, 9, 2, 2, 7, 1, 1, 3, 1, 1, 1, 1]
    plan, info = fold_plan(hits, 100, seed=0)
    assert plan == [(i, 1.0) for i in range(12)] and info == {}
    plan, info = fold_plan(hits, 6, seed=0)
    weights = dict(plan)
    # half the budget: the three pairs with most matches (9, 7, 3) exactly; three of the other nine
    # sampled, each standing for 9 / 3 = 3 pairs, so the weights still add up to the 12 pairs
    assert {i for i, w in plan if w == 1.0} == {1, 4, 7}
    assert len(plan) == 6 and sum(weights.values()) == pytest.approx(12.0)
    assert info["sample_weight"] == pytest.approx(3.0) and info["pairs_screened"] == 12
    assert fold_plan(hits, 6, seed=0) == (plan, info)  # seeded


def test_sampled_dimer_scores_estimate_the_exact_ones():
    rng = np.random.default_rng(3)
    strands = ["".join(rng.choice(list("ACGT"), 30)) for _ in range(30)]
    strands[7] = revcomp(strands[3])  # one pair that binds completely
    exact, info = top_strand_interactions(strands, THERMO, 1e-6, screen=4)
    assert "estimated" not in info and info["pairs_folded"] > 200
    totals = []
    for seed in range(40):
        estimate, details = top_strand_interactions(strands, THERMO, 1e-6, screen=4, max_pairs=120, seed=seed)
        assert details["pairs_folded"] == 120 and details["estimated"]["pairs_screened"] == info["pairs_folded"]
        assert details["worst_pair"] == info["worst_pair"] == "3,7"  # the worst pair is always folded exactly
        totals.append(sum(estimate))
    # unbiased: the mean of 40 seeded estimates is near the exact sum. One estimate spreads by
    # about 18 % here (the sample is 60 of 355 pairs), so the mean's standard error is about 3 %.
    assert np.mean(totals) == pytest.approx(sum(exact), rel=0.08)


def test_complementary_pairs_screen():
    first = ["AAACCCGGGTTT", "ACACACACACAC"]
    second = [revcomp("CCCGGGT"), "TTTTTTTTTTTT"]
    assert complementary_pairs(first, second, 7) == {(0, 0)}
    assert (0, 1) in complementary_pairs(first, second, 3)  # AAA pairs with TTT


def test_toehold_occlusion_counts_non_partners_only():
    toehold = "GACTCGA"
    binder = "CCAACACACA" + revcomp(toehold) + "CACCAACA"
    occlusion, _ = toehold_occlusion([toehold], [[]], [binder, UNSTRUCTURED], THERMO, 1e-6, screen=5)
    assert occlusion[0] > 10.0  # a 7-bp GC-rich duplex at 1 uM binds a good part of the toehold
    as_partner, info = toehold_occlusion([toehold], [[0]], [binder, UNSTRUCTURED], THERMO, 1e-6, screen=5)
    assert as_partner[0] < 0.5 and info["pairs_folded"] == 0


def test_bad_nucleotides_of_a_duplex():
    top = "GCAGTCCGATGCAGCTAGCG"
    complex_ = ([top, revcomp(top)], "(" * 20 + "&" + ")" * 20, 100.0)
    scores, defects, structures = bad_nucleotides([complex_], THERMO)
    assert scores["bn_max"] < 3.0  # a 20-bp GC-rich duplex is formed as intended
    assert structures[0] == "(" * 20 + ")" * 20
    wrong = ([top, revcomp(top)], "." * 20 + "&" + "." * 20, 100.0)
    scores, _, _ = bad_nucleotides([wrong], THERMO)
    assert scores["bn_max"] > 95.0


def test_bad_nucleotides_weighted_by_concentration_and_length():
    top = "GCAGTCCGATGCAGCTAGCG"
    good = ([top, revcomp(top)], "(" * 20 + "&" + ")" * 20, 300.0)
    bad = ([top, revcomp(top)], "." * 20 + "&" + "." * 20, 100.0)
    scores, defects, _ = bad_nucleotides([good, bad], THERMO)
    assert scores["bn_avg"] == pytest.approx((300 * defects[0] + 100 * defects[1]) / 400)
    assert scores["bn_max"] == pytest.approx(defects[1])


def test_branch_migration_matches_hand_counted():
    domains = ["AAAAACCCCCA", "TTTCCCCCGGT", "GTGTGTGTGTG", "ACGGACCTCAGCA", "TTACCTCAGTT"]
    # pairs: (0,1) share CCCCC (5) -> 2^0; (3,4) share ACCTCAG (7; G|T before, C|T after) -> 2^2;
    # no other pair shares a 5-mer
    scores = branch_migration_matches(domains)
    assert scores == {"bm_sum": 1.0 + 4.0, "bm_max": 7.0}
    assert longest_shared("ACGGACCTCAGCA", "TTACCTCAGTT") == 7


def test_count_motifs_counts_overlaps():
    assert count_motifs(["GGGGG", "ACCCCA"], ["GGGG", "CCCC"]) == 3
    assert count_motifs(["AAAAAT"], ["AAAAA", "TTTTT"]) == 1


def test_toehold_scores_against_stickydesign():
    toeholds = ["ACTCACA", "GTCAGTC", "CATCCAT"]
    energies = EnergeticsDAOE(temperature=25.0).matching_uniform(
        sd.EndArray([f"c{t.lower()}c" for t in toeholds], "TD")
    )
    error, spread = score_toeholds(toeholds, 9.0, 25.0)
    assert error == pytest.approx(float(np.mean(np.abs(energies - 9.0))))
    assert spread == pytest.approx(float(energies.max() - energies.min()))
    assert score_toeholds([toeholds[0]] * 3, 9.0, 25.0)[1] == 0.0


def test_designed_toeholds_are_uniform_and_reproducible():
    spec = ToeholdSpec(7, 10.0, 0.5, 0.65, 25.0, ("GGGG", "CCCC", "AAAAA", "TTTTT"))
    toeholds = design_toeholds(12, spec, seed=3)
    assert len(set(toeholds)) == 12 and all(len(t) == 7 for t in toeholds)
    energies = EnergeticsDAOE(temperature=25.0).matching_uniform(
        sd.EndArray([f"c{t.lower()}c" for t in toeholds], "TD")
    )
    assert np.all(np.abs(energies - 10.0) < 0.5)
    assert design_toeholds(12, spec, seed=3) == toeholds
    assert design_toeholds(12, spec, seed=4) != toeholds


def test_rank_aggregation_on_a_hand_made_table():
    table = {
        0: {"a": 1.0, "b": 5.0, "c": 0.9},
        1: {"a": 2.0, "b": 5.0, "c": 0.5},
        2: {"a": 3.0, "b": 1.0, "c": 0.1},
    }
    better = {"a": "lower", "b": "lower", "c": "higher"}
    ranking = rank_candidates(table, better)
    # a: 1,2,3   b: 0 and 1 tie for ranks 2-3 -> 2.5 each, 2 gets 1   c (higher better): 1,2,3
    assert ranking.ranks[0] == {"a": 1.0, "b": 2.5, "c": 1.0}
    assert ranking.ranks[1] == {"a": 2.0, "b": 2.5, "c": 2.0}
    assert ranking.ranks[2] == {"a": 3.0, "b": 1.0, "c": 3.0}
    assert ranking.totals == {0: 4.5, 1: 6.5, 2: 7.0}
    assert ranking.candidates == [0, 1, 2] and ranking.winner == 0
    # the best total cannot win if it failed a check
    assert rank_candidates(table, better, {0: False, 1: True, 2: True}).winner == 1


def test_rank_ties_broken_by_worst_rank_then_index():
    table = {0: {"a": 1.0, "b": 3.0}, 1: {"a": 2.0, "b": 2.0}, 2: {"a": 3.0, "b": 1.0}}
    ranking = rank_candidates(table, {"a": "lower", "b": "lower"})
    # totals all 4; worst ranks 3, 2, 3 -> candidate 1 first, then 0 before 2 by index
    assert ranking.candidates == [1, 0, 2]


def test_every_score_has_a_direction_and_a_one_line_explanation():
    for name, info in SCORES.items():
        assert info.better in ("lower", "higher"), name
        assert info.explanation and "\n" not in info.explanation and "|" not in info.explanation, name


def test_a_score_not_computed_ranks_last_and_decides_nothing_when_nobody_has_it():
    table = {0: {"a": 1.0, "b": None}, 1: {"a": 2.0, "b": None}, 2: {"a": None, "b": None}}
    ranking = rank_candidates(table, {"a": "lower", "b": "higher"})
    assert [ranking.ranks[c]["a"] for c in range(3)] == [1.0, 2.0, 3.0]  # missing = worst
    assert [ranking.ranks[c]["b"] for c in range(3)] == [2.0, 2.0, 2.0]  # all missing: a three-way tie
    assert ranking.winner == 0
