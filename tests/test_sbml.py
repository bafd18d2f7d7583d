"""SBML export: libSBML's consistency check (units included), and libRoadRunner against dmp's own simulators."""

import subprocess
import sys
import warnings
from pathlib import Path

import libsbml
import numpy as np
import pytest
import roadrunner
from conftest import SMALL_NETWORK_CRN, compile_dir, random_ternary_net

from dmp.crn.io import parse_crn, read_crn
from dmp.crn.model import CRN, Reaction
from dmp.crn.sbml import crn_to_sbml, level_from_header, resolve_level, sbml_id, write_sbml
from dmp.crn.translate import network_to_crn
from dmp.errors import DmpError
from dmp.sim.batch import simulate_batch

# Orders 0 to 3, a homodimer, a catalyst held constant, a reversible pair.
MIXED = """
-> S [k = 0.1]
A -> B + C [k = 0.7]
2 A -> D [k = 0.3]
A + B + C -> E [k = 0.05]
K + C -> K + F [k = 2]
B <=> G [kf = 1, kr = 0.5]
A @initial 1; C @initial 0.5; K @constant 2
"""
ENUMERATED_HEADER = "# concentrations in nM; rate constants /s (1-molecular), /nM/s (2-molecular)\n"


def roadrunner_final(xml: str, ids: dict[str, str], t_end: float) -> dict[str, float]:
    """Concentrations at t_end according to libRoadRunner (CVODE), tight tolerances."""
    rr = roadrunner.RoadRunner(xml)
    rr.integrator.relative_tolerance = 1e-10
    rr.integrator.absolute_tolerance = 1e-12
    rr.integrator.maximum_num_steps = 10**6
    rr.simulate(0, t_end, 2)
    return {name: rr[f"[{ident}]"] for name, ident in ids.items()}


def assert_same_final_state(crn: CRN, overrides: dict[str, float], level: str, t_end: float) -> None:
    """SBML (carrying `overrides`) in libRoadRunner and the .crn in dmp's batch engine end within 1e-6 relative."""
    exported = crn_to_sbml(crn, level, overrides)
    assert exported.problems == []
    theirs = roadrunner_final(exported.xml, exported.species_ids, t_end)
    _, values, species = simulate_batch(crn, [overrides], t_end, 2, rtol=1e-10, atol=1e-12)
    ours = values[-1, 0]
    scale = float(np.max(np.abs(ours)))
    for name, value in zip(species, ours, strict=True):
        # Relative to the species' own value; species that are (nearly) used up are held to 1e-9 of the largest.
        assert abs(theirs[name] - value) <= 1e-6 * abs(value) + 1e-9 * scale, (name, theirs[name], value)


def assert_file_matches_dmp(xml_path: Path, crn_path: Path, overrides: dict[str, float], t_end: float) -> None:
    """A written SBML file, with `overrides` set in libRoadRunner, ends where dmp's simulation of the .crn does."""
    document = libsbml.readSBMLFromFile(str(xml_path))
    assert document.getNumErrors(libsbml.LIBSBML_SEV_ERROR) == 0
    model = document.getModel()
    ids = {model.getSpecies(i).getName(): model.getSpecies(i).getId() for i in range(model.getNumSpecies())}
    rr = roadrunner.RoadRunner(str(xml_path))
    rr.integrator.relative_tolerance = 1e-10
    rr.integrator.absolute_tolerance = 1e-12
    rr.integrator.maximum_num_steps = 10**6
    for name, value in overrides.items():
        rr.setValue(f"init([{ids[name]}])", value)
    rr.simulate(0, t_end, 2)
    crn = read_crn(crn_path)
    _, values, species = simulate_batch(crn, [overrides], t_end, 2, rtol=1e-10, atol=1e-12)
    ours = values[-1, 0]
    scale = float(np.max(np.abs(ours)))
    for name, value in zip(species, ours, strict=True):
        theirs = rr[f"[{ids[name]}]"]
        assert abs(theirs - value) <= 1e-6 * abs(value) + 1e-9 * scale, (xml_path, name, theirs, value)


@pytest.mark.parametrize("level", ["formal", "dna"])
def test_consistency_check_passes_without_errors_or_warnings(level):
    exported = crn_to_sbml(parse_crn(MIXED), level)
    assert exported.problems == []
    document = libsbml.readSBMLFromString(exported.xml)
    assert document.getNumErrors() == 0
    document.setConsistencyChecks(libsbml.LIBSBML_CAT_UNITS_CONSISTENCY, True)
    assert document.checkConsistency() == 0


def test_document_carries_species_concentrations_constants_and_rate_units():
    document = libsbml.readSBMLFromString(crn_to_sbml(parse_crn(MIXED), "dna").xml)
    model = document.getModel()
    assert (model.getLevel(), model.getVersion()) == (3, 1)
    assert model.getNumCompartments() == 1
    assert model.getNumReactions() == 7  # the reversible pair is two reactions, as in dmp
    assert model.getSpecies("A").getInitialConcentration() == 1.0
    assert model.getSpecies("E").getInitialConcentration() == 0.0
    k = model.getSpecies("K")
    assert k.getInitialConcentration() == 2.0 and k.getBoundaryCondition() and k.getConstant()
    assert not model.getSpecies("A").getBoundaryCondition()
    assert model.getReaction("R3").getReactant(0).getStoichiometry() == 2.0  # 2 A -> D
    assert "nM" in model.getNotesString() and "seconds" in model.getNotesString()
    # Rate-constant units by hand: order n is nM^(1-n)/s = (1e-9 mol)^(1-n) L^(n-1) s^-1.
    expected = {
        "k1": {"second": -1, "mole": 1, "litre": -1},  # -> S
        "k2": {"second": -1},  # A -> B + C
        "k3": {"second": -1, "mole": -1, "litre": 1},  # 2 A -> D
        "k4": {"second": -1, "mole": -2, "litre": 2},  # A + B + C -> E
    }
    for pid, units in expected.items():
        definition = model.getUnitDefinition(model.getParameter(pid).getUnits())
        found = {libsbml.UnitKind_toString(u.getKind()): u.getExponent() for u in definition.getListOfUnits()}
        assert found == units, pid
        assert all(
            u.getScale() == (-9 if u.getKind() == libsbml.UNIT_KIND_MOLE else 0) for u in definition.getListOfUnits()
        )
    # Formal level: everything dimensionless.
    formal = libsbml.readSBMLFromString(crn_to_sbml(parse_crn(MIXED), "formal").xml).getModel()
    assert formal.getTimeUnits() == "dimensionless" and formal.getSubstanceUnits() == "dimensionless"
    assert {formal.getParameter(i).getUnits() for i in range(formal.getNumParameters())} == {"dimensionless"}
    assert "dimensionless" in formal.getNotesString()


def test_names_that_are_not_sbml_ids_keep_their_name():
    crn = CRN([Reaction(("3x-y", "time"), ("k1",)), Reaction(("k1",), ("vessel",))], {"3x-y": 1.0, "time": 2.0})
    exported = crn_to_sbml(crn, "formal")
    assert exported.problems == []
    ids = exported.species_ids
    assert ids["3x-y"] == "s_3x_y" and ids["time"] == "time_"
    model = libsbml.readSBMLFromString(exported.xml).getModel()
    assert model.getSpecies("s_3x_y").getName() == "3x-y"
    assert model.getSpecies("time_").getInitialConcentration() == 2.0
    # The species took 'k1' and 'vessel'; the parameter and compartment moved aside.
    assert model.getParameter("k1") is None and model.getSpecies("k1") is not None
    assert model.getCompartment(0).getId() != "vessel"
    used: set[str] = {"a"}
    assert [sbml_id(n, used) for n in ("a", "a", "é1", "")] == ["a_2", "a_3", "_1", "s"]


def test_roadrunner_matches_closed_forms():
    # A -> B, k = 2: A(t) = exp(-2t); 2 A -> C, k = 0.5: dA/dt = -2 k A^2, so A(t) = 1 / (1 + t).
    for text, species, closed in (
        ("A -> B [k = 2]; A @initial 1", "A", np.exp(-2 * 1.5)),
        ("2 A -> C [k = 0.5]; A @initial 1", "A", 1 / (1 + 1.5)),
        ("K + C -> K + D [k = 2]; K @constant 0.5; C @initial 1", "C", np.exp(-1.5)),
    ):
        exported = crn_to_sbml(parse_crn(text), "formal")
        final = roadrunner_final(exported.xml, exported.species_ids, 1.5)
        assert final[species] == pytest.approx(closed, rel=1e-7)


@pytest.mark.parametrize("level", ["formal", "dna"])
def test_roadrunner_agrees_with_dmp_on_mixed_orders(level):
    assert_same_final_state(parse_crn(MIXED), {"A": 1.3, "G": 0.2}, level, 5.0)


def test_roadrunner_agrees_with_dmp_on_a_virus_shaped_network_crn():
    """The full CRN of a 10-8-4 ternary net (the virus classifier's shape), one example's inputs set."""
    crn, species_map = network_to_crn(random_ternary_net([10, 8, 4], seed=7))
    assert len(crn.reactions) > 40 and crn.initial  # fan-outs, ReLU pairs, biases as initial values
    x = np.random.default_rng(7).normal(size=10)
    inputs, _ = species_map.input_concentrations(x, set(crn.species))
    assert not set(inputs) & set(crn.initial)  # the .crn file carries no input concentration
    for t_end in (2.0, 100.0):  # mid-computation and settled
        assert_same_final_state(crn, inputs, "formal", t_end)


def test_roadrunner_agrees_with_dmp_on_an_enumerated_dna_level_crn(tmp_path):
    from dmp.stages.dsd import verify_all

    path = tmp_path / "small.crn"
    path.write_text(SMALL_NETWORK_CRN)
    compile_dir(path, "soloveichik2010", tmp_path / "dsd", max_products=4)
    verify_all(tmp_path / "dsd")
    enumerated = tmp_path / "dsd" / "enumerated.crn"
    assert resolve_level(enumerated, None) == "dna"
    summary = write_sbml(enumerated, tmp_path / "enumerated.xml", initial={"X0p": 3.0, "X0m": 7.0})
    assert summary["level"] == "dna" and summary["warnings"] == []
    crn = read_crn(enumerated)
    model = libsbml.readSBMLFromFile(str(tmp_path / "enumerated.xml")).getModel()
    assert model.getSpecies("X0p").getInitialConcentration() == 3.0
    assert model.getTimeUnits() == "second"
    assert_same_final_state(crn, {"X0p": 3.0, "X0m": 7.0}, "dna", 20000.0)


def test_level_from_header():
    assert level_from_header(ENUMERATED_HEADER + "A -> B [k = 1]\n") == "dna"
    assert level_from_header("# full translation\nA -> B\n") is None
    # Only the header counts: a comment after the first statement says nothing about units.
    assert level_from_header("A -> B\n# concentrations in nM\n") is None
    with pytest.raises(DmpError, match=r"x\.crn: header states rate constants in /M/s \(2-molecular\)"):
        level_from_header("# concentrations in nM; rate constants /M/s (2-molecular)\n", "x.crn")
    with pytest.raises(DmpError, match="concentrations in uM"):
        level_from_header("# concentrations in uM\n", "x.crn")


def test_write_sbml_infers_and_overrides_the_level(tmp_path):
    path = tmp_path / "e.crn"
    path.write_text(ENUMERATED_HEADER + "A + B -> C [k = 0.002]\nC -> D [k = 0.1]\nA @initial 10\n")
    assert write_sbml(path, tmp_path / "e.xml")["level"] == "dna"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert write_sbml(path, tmp_path / "f.xml", level="formal")["level"] == "formal"
    assert any("header states dna-level units" in str(w.message) for w in caught)
    plain = tmp_path / "p.crn"
    plain.write_text("# full translation of a net\nX1p -> B + C\nB + X2m -> D\nB @initial 1\n")
    assert write_sbml(plain, tmp_path / "p.xml")["level"] == "formal"
    model = libsbml.readSBMLFromFile(str(tmp_path / "p.xml")).getModel()
    assert model.getId() == "p" and model.getTimeUnits() == "dimensionless"
    notes = model.getNotesString()
    assert "Header of the .crn file: full translation of a net" in notes
    assert "(inputs to set per example): X1p, X2m." in notes
    write_sbml(plain, tmp_path / "q.xml", initial={"X1p": 1.0, "X2m": 0.5}, notes=["Example 3 of test.csv."])
    notes = libsbml.readSBMLFromFile(str(tmp_path / "q.xml")).getModel().getNotesString()
    assert "inputs to set" not in notes and "<p>Example 3 of test.csv.</p>" in notes


def test_bad_overrides_and_levels_are_one_line_errors(tmp_path):
    crn = parse_crn("A -> B; A @initial 1")
    with pytest.raises(DmpError, match="initial concentration given for species Q, which is not in the CRN"):
        crn_to_sbml(crn, "formal", {"Q": 1.0})
    with pytest.raises(DmpError, match="initial concentration of A must be zero or positive"):
        crn_to_sbml(crn, "formal", {"A": -1.0})
    with pytest.raises(DmpError, match="unknown SBML unit level 'molar'"):
        crn_to_sbml(crn, "molar")
    with pytest.raises(DmpError, match=r"gone\.crn: file not found"):
        write_sbml(tmp_path / "gone.crn", tmp_path / "x.xml")


def test_cli_writes_sbml_with_inputs_set(tmp_path):
    """`dmp sbml` on a .crn file: a valid SBML model whose initial values include --initial."""

    crn = tmp_path / "a.crn"
    crn.write_text("X -> Y [k = 2]\nY @initial 0.5\n")
    out = tmp_path / "a.xml"
    run = subprocess.run(
        [sys.executable, "-m", "dmp", "sbml", str(crn), "--out", str(out), "--initial", "X=1.5"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    model = libsbml.readSBMLFromString(out.read_text()).getModel()
    values = {
        model.getSpecies(i).getName() or model.getSpecies(i).getId(): model.getSpecies(i).getInitialConcentration()
        for i in range(model.getNumSpecies())
    }
    assert values == {"X": 1.5, "Y": 0.5}
    bad = subprocess.run(
        [sys.executable, "-m", "dmp", "sbml", str(crn), "--out", str(out), "--initial", "X=lots"],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 1 and bad.stderr.strip() == "dmp: error: --initial X=lots: expected NAME=NUMBER"
