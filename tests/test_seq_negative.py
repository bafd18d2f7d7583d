"""Negative design on energies: the incremental pair index against a from-scratch recomputation."""

import random

import pytest

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
