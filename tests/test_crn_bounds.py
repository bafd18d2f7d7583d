"""Firing bounds (dmp.crn.bounds) and the fuel they size: hand derivations and a DNA-level run."""

import numpy as np
import pytest
from conftest import compile_dir, settings

from dmp.crn.bounds import firing_bounds
from dmp.crn.io import parse_crn, read_crn
from dmp.dsd.compiler import compile_crn
from dmp.stages.dsd import verify_all


def test_bounds_follow_conservation_through_a_feed_forward_crn():
    # By hand, inputs X and Y at 1:
    #   X -> A + B fires <= 1; Y -> A fires <= 1      => A <= 2, B <= 0.5 (initial) + 1 = 1.5
    #   A + B -> C fires <= min(2, 1.5) = 1.5          => C <= 1.5
    #   C -> 2 D fires <= 1.5 (D <= 3, nothing consumes it)
    crn = parse_crn("X -> A + B; Y -> A; A + B -> C; C -> 2 D; B @initial 0.5")
    assert firing_bounds(crn, {"X": 1.0, "Y": 1.0}) == pytest.approx([1.0, 1.0, 1.5, 1.5])


def test_a_reaction_consuming_two_of_a_species_fires_half_as_often():
    crn = parse_crn("X -> 3 A; 2 A -> B; B -> C")
    assert firing_bounds(crn, {"X": 2.0}) == pytest.approx([2.0, 3.0, 3.0])


def test_a_catalyst_is_not_counted_as_consumed():
    # The ReLU shape: Hm catalyses the removal of Hp and is given back, so only Hp limits it.
    crn = parse_crn("X -> Hp; Hp + Hm -> Hm; Hm @initial 0.3")
    assert firing_bounds(crn, {"X": 1.0}) == pytest.approx([1.0, 1.0])


def test_cycles_and_pure_catalysts_get_no_bound():
    assert firing_bounds(parse_crn("A -> B; B -> A; A @initial 1"), {}) == [None, None]
    # A -> A + B consumes nothing net: unbounded, and so is everything made from B.
    assert firing_bounds(parse_crn("A -> A + B; B -> C; A @initial 1"), {}) == [None, None]


def test_a_wide_sum_gets_fuel_for_every_firing():
    # Eight inputs at 1 unit feed S; S -> Y can fire 8 times. Floor: fuel_excess 4 x largest
    # signal (1 unit) x 10 nM = 40 nM; bound: fuel_bound_margin 2 x 8 units x 10 nM = 160 nM.
    text = "; ".join(f"X{i} -> S" for i in range(8)) + "; S -> Y"
    options = settings("dsd", unit_nM=10, fuel_excess=4, fuel_bound_margin=2)
    system = compile_crn(parse_crn(text), "soloveichik2010", options).system
    assert [system.complexes[f"fr{i}_L"].concentration for i in range(8)] == [40.0] * 8
    assert system.complexes["fr8_L"].concentration == 160.0
    assert system.meta["fuel_nM"] == 40.0 and system.meta["fuel_nM_max"] == 160.0


def test_the_dna_level_of_a_wide_sum_does_not_run_dry(tmp_path):
    """With fuels at only 1 x the largest signal the old rule left S -> Y one unit of gate for
    eight units of S; the bound gives it 16. Peppercorn's enumerated CRN, simulated to the end,
    must deliver all 8 units of Y (80 nM)."""
    from dmp.sim.batch import compile_crn as compile_mass_action
    from dmp.sim.batch import initial_states, integrate_observed

    (tmp_path / "wide.crn").write_text("\n".join([*(f"X{i} -> S" for i in range(8)), "S -> Y"]) + "\n")
    options = {"unit_nM": 10, "fuel_excess": 1, "fuel_bound_margin": 2, "input_units": 1}
    compile_dir(tmp_path / "wide.crn", "soloveichik2010", tmp_path / "dsd", **options)
    verify_all(tmp_path / "dsd")
    dna = read_crn(tmp_path / "dsd" / "enumerated.crn")
    # Free Y signal strands carry the formal name followed by their history (Y, Y_r8_0, ...).
    observe = np.array([[1.0] if s == "Y" or s.startswith("Y_") else [0.0] for s in dna.species])
    assert observe.sum() >= 1
    compiled = compile_mass_action(dna)
    _, final = integrate_observed(compiled, initial_states(compiled, dna, [{}]), np.array([0.0, 1e6]), observe)
    assert final[0] @ observe[:, 0] == pytest.approx(80.0, rel=1e-3)
