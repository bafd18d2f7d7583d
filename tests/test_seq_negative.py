"""Negative design on energies: the incremental pair index against a from-scratch recomputation."""

import random

import pytest
from conftest import compiled_folder

from dmp.seq.model import revcomp
from dmp.seq.negative import complementary_pairs
from dmp.seq.pairindex import PairIndex, PairSpec
from dmp.seq.thermo import Thermo

THERMO = Thermo(25.0, 1.0)


def small_system(seed: int = 3):
    """Six domains of 12 nt in one base array; eight strands built from domains and complements."""
    rng = random.Random(seed)
    lengths = 12
    bases = [rng.randrange(4) for _ in range(6 * lengths)]

    def dom(k, star=False):
        refs = [(k * lengths + i, 0) for i in range(lengths)]
        return [(p, 3) for p, _ in reversed(refs)] if star else refs

    layout = [
        (["a", "b"], dom(0) + dom(1)),
        (["b*", "c*"], dom(1, True) + dom(2, True)),
        (["c", "d", "e"], dom(2) + dom(3) + dom(4)),
        (["e*", "f"], dom(4, True) + dom(5)),
        (["f*"], dom(5, True)),
        (["d", "a"], dom(3) + dom(0)),
        (["a*", "f"], dom(0, True) + dom(5)),
        (["e", "c"], dom(4) + dom(2)),
    ]
    return bases, [refs for _, refs in layout], [names for names, _ in layout]


def snapshot(index):
    return {key: (sorted(r.seeds), round(r.energy, 6), r.spans) for key, r in index.pairs.items()}


def test_complementary_pairs_by_domain():
    _, _, names = small_system()
    # strand 0 (a b) meets b* in 1 and a* in 6; strand 2 (c d e) meets c* in 1 and e* in 3; ...
    assert complementary_pairs(names) == {(0, 1), (0, 6), (1, 2), (1, 7), (2, 3), (3, 4), (3, 7), (4, 6), (5, 6)}


def test_strand_sequences_follow_the_domains():
    bases, strands, _ = small_system()
    index = PairIndex(strands, bases, set(), THERMO, PairSpec(seed_nt=4, flank=5))
    assert index.sequence(1)[:12] == revcomp(index.sequence(0)[12:])


@pytest.mark.parametrize("seed_nt", [3, 4])
def test_incremental_equals_from_scratch(seed_nt):
    bases, strands, names = small_system()
    excluded = complementary_pairs(names)
    spec = PairSpec(seed_nt=seed_nt, flank=4)
    index = PairIndex(strands, bases, excluded, THERMO, spec)
    assert index.pairs, "a small random system has complementary 3-4 nt seeds"
    assert not set(index.pairs) & excluded
    rng = random.Random(11)
    kept = 0
    for step in range(40):
        before, total_before = snapshot(index), index.total
        positions = rng.sample(range(len(bases)), rng.choice([1, 1, 2, 3]))
        old = {p: bases[p] for p in positions}
        for p in positions:
            bases[p] = rng.choice([b for b in range(4) if b != bases[p]])
        delta = index.change(positions)
        fresh = PairIndex(strands, list(bases), excluded, THERMO, spec)
        assert snapshot(index) == snapshot(fresh)
        assert index.total == pytest.approx(fresh.total, rel=1e-9, abs=1e-12)
        assert delta == pytest.approx(fresh.total - total_before, rel=1e-9, abs=1e-12)
        if step % 3 == 0:  # undo: the state before the change comes back exactly
            index.rollback()
            for p, b in old.items():
                bases[p] = b
            assert snapshot(index) == before
            assert index.total == pytest.approx(total_before, rel=1e-9, abs=1e-12)
        else:
            index.commit()
            kept += 1
    assert kept > 20


def test_energy_is_viennas_duplex_of_the_seed_window():
    """A planted 8-nt complementary stretch between two unrelated strands is found and scored by duplexfold."""
    word = "GCGTCGGC"
    a = "A" * 10 + word + "A" * 10  # A never pairs with A: the complementary stretch is exactly the word
    b = "A" * 6 + revcomp(word) + "A" * 6
    letters = "ACGT"
    bases = [letters.index(c) for c in a + b]
    strands = [[(i, 0) for i in range(len(a))], [(len(a) + i, 0) for i in range(len(b))]]
    index = PairIndex(strands, bases, set(), THERMO, PairSpec(seed_nt=8, flank=3))
    assert set(index.pairs) == {(0, 1)}
    record = index.pairs[(0, 1)]
    assert record.seeds == {(10, 6)}
    expected = THERMO.duplex(a[7:21], b[3:17])[0]
    assert record.energy == pytest.approx(expected)
    assert record.energy < -8.0  # 8 GC-rich base pairs at 25 °C


def test_one_mismatch_patterns_pair_near_complements():
    from dmp.seq.domains import _code, _mismatch_keys

    def keys(word):
        bases = ["ACGT".index(c) for c in word]
        code, rc = _code(bases, tuple(range(len(word))), (0,) * len(word))
        return _mismatch_keys(code, rc, len(word))

    w = "ACGGTCAT"
    near = list(revcomp(w))
    near[2] = "A" if near[2] != "A" else "C"  # one interior mismatch at position 2 of the complement
    shared = set(keys(w)) & set(keys("".join(near)))
    assert len(shared) == 1  # exactly the pattern with the wildcard on the mismatch
    assert set(keys(w)) == set(keys(revcomp(w)))  # an exact complement shares every pattern
    assert not set(keys(w)) & set(keys("TTTTTTTT"))


def test_three_letter_code_keeps_g_off_top_strands(tmp_path):
    """With alphabet ACT (toeholds too) every top strand is A/C/T only and every base strand A/G/T only."""

    from dmp.seq.domains import DomainSpec
    from dmp.seq.model import strand_infos, toehold_domains
    from dmp.seq.negative import RefineSpec, design_negative, three_letter_conflicts
    from dmp.seq.toeholds import ToeholdSpec, design_toeholds
    from dmp.stages.dsd import load_compiled

    out = compiled_folder(tmp_path, "A -> B\nA @initial 1\n")
    _, system, _ = load_compiled(out)
    assert three_letter_conflicts(system) == []
    names = toehold_domains(system)
    spec_t = ToeholdSpec(7, 10.0, 0.5, 0.65, 25.0, alphabet="ACT")
    toeholds = dict(zip(names, design_toeholds(len(names), spec_t, 1), strict=True))
    stacks = tuple(map(tuple, THERMO.stack_energies()))
    spec = DomainSpec(effort=2.0, alphabet="ACT", symmetry_weight=1.0, stacks=stacks, rt=THERMO.rt, mismatch_k=(8, 9))
    design = design_negative(system, toeholds, spec, RefineSpec(effort=0.5, pairs=PairSpec(5, 4)), THERMO, 2)
    infos = strand_infos(system)
    tops = [design.strand(i.domains) for i in infos if i.top]
    bases = [design.strand(i.domains) for i in infos if not i.top]
    assert tops and bases
    assert all(set(s) <= set("ACT") for s in tops)
    assert all(set(s) <= set("AGT") for s in bases)
    for name, sequence in design.domains.items():
        gc = (sequence.count("C") + sequence.count("G")) / len(sequence)
        assert name in toeholds or 0.3 <= gc <= 0.7


@pytest.mark.parametrize("alphabet", ["ACGT", "ACT"])
def test_walk_uses_every_k_mer_once_within_the_constraints(alphabet):
    from collections import Counter

    from dmp.seq.debruijn import WalkSpec, choose_k, walk_domains

    lengths = {f"d{i}": 15 for i in range(300)}
    spec = WalkSpec(alphabet, 0.3, 0.7, ("GGGG", "CCCC", "AAAAA", "TTTTT"))
    sequences, info = walk_domains(lengths, spec, seed=4)
    k = info["k"]
    assert k == choose_k(list(lengths.values()), alphabet) and info["relaxed"] == 0
    words = Counter()
    for s in sequences.values():
        for i in range(len(s) - k + 1):
            w = s[i : i + k]
            words[min(w, revcomp(w))] += 1
    assert max(words.values()) == 1  # no k-mer, nor its complement, twice anywhere
    for s in sequences.values():
        assert len(s) == 15 and set(s) <= set(alphabet)
        assert 5 <= s.count("G") + s.count("C") <= 10  # 0.3 * 15 = 4.5 -> 5; 0.7 * 15 = 10.5 -> 10
        assert not any(m in s for m in spec.forbidden)
    assert walk_domains(lengths, spec, seed=4)[0] == sequences  # seeded
