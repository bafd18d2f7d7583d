"""The motif repair pass: motifs where a toehold meets a long domain, with no domain search at all."""

import pytest
from conftest import compiled_folder

from dmp.seq.model import Design, long_domains, strand_infos, toehold_domains
from dmp.seq.motifs import repair_motifs
from dmp.seq.scores import count_motifs
from dmp.stages.dsd import load_compiled

MOTIFS = ("GGGG", "CCCC", "AAAAA", "TTTTT")


@pytest.mark.parametrize(
    ("sequence", "expected"),
    [("AAAAAA", 2), ("GGGGCCCC", 2), ("GGGGG", 2), ("ACGTACGT", 0), ("TTTTTGGGG", 2)],
)
def test_count_motifs_counts_overlapping_occurrences(sequence, expected):
    assert count_motifs([sequence], MOTIFS) == expected


@pytest.fixture(scope="module")
def system(tmp_path_factory):
    out = compiled_folder(tmp_path_factory.mktemp("motifs"), "A + B -> C\nA @initial 1\nB @initial 1\n")
    return load_compiled(out)[1]


def junction_design(system):
    """Toeholds end in CC and long domains start with CC (GC 7/15), so a toehold followed by a long domain makes CCCC."""
    toeholds = set(toehold_domains(system))
    domains = {}
    for name, n in system.domains.items():
        domains[name] = ("ACT" * n)[: n - 2] + "CC" if name in toeholds else ("CC" + "ATGACTAGTCATG" * 2)[:n]
    return Design(domains), toeholds


def test_repair_breaks_junction_motifs_and_changes_only_long_domains(system):
    design, toeholds = junction_design(system)
    strands = [design.strand(i.domains) for i in strand_infos(system)]
    assert sum(count_motifs([s], MOTIFS) for s in strands) > 0  # the construction does make junction motifs
    designed = set(long_domains(system)) - toeholds
    repaired, changes = repair_motifs(system, design, designed, MOTIFS, "ACGT", (0.3, 0.7), seed=1)
    assert changes > 0
    assert all(count_motifs([repaired.strand(i.domains)], MOTIFS) == 0 for i in strand_infos(system))
    for name in toeholds:
        assert repaired.domains[name] == design.domains[name]
    for name in designed:
        assert len(repaired.domains[name]) == len(design.domains[name])
        gc = sum(ch in "GC" for ch in repaired.domains[name]) / len(repaired.domains[name])
        assert 0.3 <= gc <= 0.7
    # complements stay derived from their domains, so intended helices stay intact
    for info in strand_infos(system):
        assert repaired.strand(info.domains) == "".join(repaired.domain(d) for d in info.domains)


def test_repair_is_seeded_and_leaves_a_clean_design_alone(system):
    design, toeholds = junction_design(system)
    designed = set(long_domains(system)) - toeholds
    first, _ = repair_motifs(system, design, designed, MOTIFS, "ACGT", (0.3, 0.7), seed=5)
    second, _ = repair_motifs(system, design, designed, MOTIFS, "ACGT", (0.3, 0.7), seed=5)
    assert first.domains == second.domains
    again, changes = repair_motifs(system, first, designed, MOTIFS, "ACGT", (0.3, 0.7), seed=9)
    assert changes == 0 and again.domains == first.domains


def test_repair_keeps_the_three_letter_code(system):
    design, toeholds = junction_design(system)
    act = Design({name: seq.replace("G", "A") for name, seq in design.domains.items()})
    designed = set(long_domains(system)) - toeholds
    repaired, _ = repair_motifs(system, act, designed, MOTIFS, "ACT", (0.0, 1.0), seed=2)
    assert all(set(repaired.domains[name]) <= set("ACT") for name in designed)
    assert all(count_motifs([repaired.strand(i.domains)], MOTIFS) == 0 for i in strand_infos(system))


def test_two_toeholds_side_by_side_trade_sequences(system):
    """fr0_B0 is A_b A_c B_a: a motif across the toeholds A_c and B_a has no long-domain base to change."""
    toeholds = sorted(toehold_domains(system))
    assert {"A_c", "B_a"} <= set(toeholds)
    others = iter(["ACTCATC", "TCACTCA", "CATCACT", "ATCACTC", "CTCATCA", "TCTCACA"])
    domains = {name: ("CATGACTAGTCATGA" * 2)[:n] for name, n in system.domains.items()}
    for name in toeholds:
        domains[name] = {"A_c": "ACTCAGG", "B_a": "GGTCACA"}.get(name) or next(others)
    design = Design(domains)
    assert count_motifs([design.strand(("A_b", "A_c", "B_a"))], MOTIFS) == 1
    designed = set(long_domains(system)) - set(toeholds)
    repaired, changes = repair_motifs(system, design, designed, MOTIFS, "ACGT", (0.3, 0.7), 3, set(toeholds))
    assert changes > 0
    assert all(count_motifs([repaired.strand(i.domains)], MOTIFS) == 0 for i in strand_infos(system))
    assert sorted(repaired.domains[t] for t in toeholds) == sorted(design.domains[t] for t in toeholds)
    assert all(repaired.domains[name] == design.domains[name] for name in designed)
