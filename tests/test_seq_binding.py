"""The designed-vs-shuffled-vs-random binding comparison: sampling, baselines, thresholds, summaries."""

import math
from collections import Counter

import pytest

from dmp.seq.binding import report_lines, sample_pairs, share_complement, shuffled, summarise, uniform_random
from dmp.seq.model import revcomp
from dmp.seq.thermo import Thermo

THERMO = Thermo(25.0, 1.0)


def test_kd_threshold_at_25_degrees():
    # RT ln(1e-7 M) with R = 1.9872 cal/(mol K) at 298.15 K (NOTES: K_d < 100 nM <=> ΔG_bind < -9.5)
    assert THERMO.kd_energy(100e-9) == pytest.approx(0.0019872036 * 298.15 * math.log(1e-7))
    assert THERMO.kd_energy(100e-9) == pytest.approx(-9.55, abs=0.01)


def test_pairs_sharing_a_complementary_domain_are_never_sampled():
    strands = [("a", "b"), ("b*", "c"), ("c*",), ("d", "a"), ("e",)]
    assert share_complement(strands[0], strands[1]) and share_complement(strands[2], strands[1])
    assert not share_complement(strands[0], strands[3])  # a and a: equal, not complementary
    allowed = {(0, 2), (0, 3), (0, 4), (1, 3), (1, 4), (2, 3), (2, 4), (3, 4)}
    assert set(sample_pairs(strands, 100, seed=1)) == allowed  # few pairs: all of them
    sample = sample_pairs(strands, 3, seed=1)
    assert len(sample) == 3 and set(sample) <= allowed and sample == sample_pairs(strands, 3, seed=1)


def test_rejection_sampling_on_a_large_system_is_uniform_and_distinct():
    strands = [(f"x{i}", f"x{i + 1}*") for i in range(300)]  # strand i binds strand i+1 only
    pairs = sample_pairs(strands, 400, seed=3)
    assert len(pairs) == len(set(pairs)) == 400
    assert all(j != i + 1 and i < j for i, j in pairs)


def test_baselines_keep_lengths_and_shuffles_keep_composition():
    sequences = ["ACGTTTGA", "GGGCCCAT", "A" * 12]
    for a, b in zip(sequences, shuffled(sequences, 4), strict=True):
        assert Counter(a) == Counter(b)
    rand = uniform_random([8, 8, 12], 4)
    assert [len(s) for s in rand] == [8, 8, 12] and set("".join(rand)) <= set("ACGT")
    assert shuffled(sequences, 4) == shuffled(sequences, 4) and uniform_random([8], 4) == uniform_random([8], 4)


def test_summary_by_hand():
    energies = [-2.0, -10.0, -6.0, -12.5]
    summary = summarise(energies, [(0, 1), (0, 2), (1, 3), (2, 3)], -9.55)
    assert summary["mean_dG"] == pytest.approx(-7.625)
    assert summary["percent_below"] == 50.0
    assert summary["worst_dG"] == -12.5 and summary["worst_pair"] == [2, 3]


def test_complementary_strands_bind_below_the_threshold_unrelated_ones_do_not():
    a = "GCATGCTAGCTAGGCTTACGACTG"
    assert THERMO.mfe_binding(a, revcomp(a)) < THERMO.kd_energy(1e-9)  # a 24-bp duplex: far below 1 nM
    assert THERMO.mfe_binding("A" * 20, "C" * 20) == 0.0  # no base pair possible


def test_report_lines_show_all_three_sets():
    row = {"mean_dG": -5.0, "percent_below": 1.0, "worst_dG": -11.0, "worst_pair": "x + y"}
    binding = {
        "pairs": 400, "kd_nM": 100.0, "threshold_dG": -9.55, "seed": 7,
        "designed": row, "shuffled": {**row, "mean_dG": -5.6}, "random": {**row, "mean_dG": -5.9},
        "margin_vs_shuffled": 0.6, "margin_vs_random": 0.9,
    }  # fmt: skip
    text = "\n".join(report_lines(binding))
    assert "| designed | -5.00 |" in text and "| shuffled | -5.60 |" in text and "| random | -5.90 |" in text
    assert "0.60 kcal/mol weaker" in text
