"""The bench stage: reporters, inputs per sample, leak, protocol."""

import csv
import json

import numpy as np
import pytest
from conftest import one_line_error, run_dmp, settings

from dmp.config import defaults
from dmp.crn.io import format_crn, parse_crn
from dmp.crn.model import CRN
from dmp.crn.translate import network_to_crn
from dmp.dsd.compiler import compile_crn
from dmp.dsd.enumeration import ModuleEnumerator
from dmp.dsd.reporters import calibrated_concentration, outputs_from_reporters, read_class
from dmp.dsd.verification import check
from dmp.seq.model import Design, strand_infos
from dmp.seq.order import order_lines
from dmp.seq.protocol import Supplied, mix_rows, scale_nmol
from dmp.seq.select import strand_labels
from dmp.sim.leak import answer_times, leak_sources, summarise, with_leak

SCHEMES = ["soloveichik2010", "cardelli2011_NM_noGC"]
RAILS = ["Y0p", "Y0m", "Y1p", "Y1m"]
# A small network-like CRN: two inputs, a ReLU, two classes.
SMALL = """
X0p -> Z0p + Y0p + Y1m
X0m -> Z0m + Y0m + Y1p
X1p -> Y1p
X1m -> Y1m
Z0p -> H0p + A0
A0 + Z0m -> H0m
H0p -> Y0p
H0m -> Y0m
"""

# The model of the `dmp inputs` tests, written by hand: features p1, p2, standard scaling
# x_scaled = (x - offset) / scale, training range of the scaled inputs [-3, 3].
MODEL = {
    "format": "dmp-ternary-mlp",
    "format_version": 1,
    "features": ["p1", "p2"],
    "classes": ["a", "b"],
    "input_scaling": {"method": "standard", "offset": [1.0, 2.0], "scale": [0.5, 4.0]},
    "input_range": {"min": [-3.0, -3.0], "max": [3.0, 3.0]},
    "layers": [
        {"weights": [[1, -1], [0, 1]], "bias": [0.5, 0.0]},
        {"weights": [[1, 0], [0, 1]], "bias": [0.0, 0.0]},
    ],
}


@pytest.fixture
def network(tmp_path):
    """model.json (by hand) and species.json (from `dmp crn`) in tmp_path."""
    (tmp_path / "model.json").write_text(json.dumps(MODEL))

    def make(encoding: str = "dual_rail"):
        out = tmp_path / encoding
        result = run_dmp("crn", tmp_path / "model.json", "--out-dir", out, "--inputs", encoding)
        assert result.returncode == 0, result.stderr
        return tmp_path / "model.json", out / "species.json"

    return make


def write_samples(path, rows):
    with open(path, "w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


# ---------------------------------------------------------------------------- inputs per sample


@pytest.mark.parametrize("encoding", ["dual_rail", "shifted"])
def test_input_concentrations_match_a_hand_computation(tmp_path, network, encoding):
    model, species = network(encoding)
    samples = write_samples(tmp_path / "s.csv", [["sample", "p2", "p1"], ["s1", "0.0", "2.0"], ["s2", "6.0", "0.5"]])
    result = run_dmp(
        "inputs", "--model", model, "--species", species, "--samples", samples, "--out", tmp_path / "in.tsv"
    )
    assert result.returncode == 0, result.stderr
    unit = defaults("dsd").unit_nM
    # By hand: s1 = ((2 - 1) / 0.5, (0 - 2) / 4) = (2, -0.5); s2 = ((0.5 - 1) / 0.5, (6 - 2) / 4) = (-1, 1).
    if encoding == "dual_rail":
        expected = {
            "s1": {"X0p": 2.0, "X0m": 0.0, "X1p": 0.0, "X1m": 0.5},
            "s2": {"X0p": 0.0, "X0m": 1.0, "X1p": 1.0, "X1m": 0.0},
        }
    else:  # one species per input at x + shift, shift = -(training minimum) = 3
        expected = {"s1": {"X0": 5.0, "X1": 2.5}, "s2": {"X0": 2.0, "X1": 4.0}}
    with open(tmp_path / "in.tsv") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    got = {(r["sample"], r["strand"]): float(r["concentration_nM"]) for r in rows}
    assert got == pytest.approx({(s, k): v * unit for s, d in expected.items() for k, v in d.items()})
    bench = defaults("bench")
    with open(tmp_path / "pipetting.csv") as handle:
        sheet = {r["sample"]: r for r in csv.DictReader(handle)}
    for sample, values in expected.items():
        for strand, units in values.items():
            # uL = volume x c / stock, with c in nM and the stock in uM
            uL = bench.reaction_volume_uL * units * unit / (1000 * bench.input_stock_uM)
            assert float(sheet[sample][f"{strand}_uL"]) == pytest.approx(uL, rel=1e-3)


def test_missing_column_is_one_line_naming_file_and_column(tmp_path, network):
    model, species = network()
    samples = write_samples(tmp_path / "s.csv", [["sample", "p1"], ["s1", "2.0"]])
    message = one_line_error(
        run_dmp("inputs", "--model", model, "--species", species, "--samples", samples, "--out", tmp_path / "o.tsv")
    )
    assert message.startswith(f"{samples}:1: missing column 'p2'")
    assert not (tmp_path / "o.tsv").exists()


@pytest.mark.parametrize(
    ("cell", "problem"),
    [("abc", "'abc' is not a number"), ("NaN", "NaN"), ("", "empty cell"), ("inf", "is not a finite number")],
)
def test_bad_cell_is_one_line_naming_file_row_and_column(tmp_path, network, cell, problem):
    model, species = network()
    rows = [["label", "p1", "p2"], ["a", "1.0", "2.0"], ["b", "1.5", cell]]
    samples = write_samples(tmp_path / "s.csv", rows)
    message = one_line_error(
        run_dmp("inputs", "--model", model, "--species", species, "--samples", samples, "--out", tmp_path / "o.tsv")
    )
    assert message.startswith(f"{samples}:3: column 'p2': ")
    assert problem in message
    assert not (tmp_path / "o.tsv").exists()


def test_value_outside_the_training_range_is_a_warning_naming_sample_feature_and_distance(tmp_path, network):
    model, species = network()
    samples = write_samples(tmp_path / "s.csv", [["sample", "p1", "p2"], ["ok", "1.0", "2.0"], ["far", "6.0", "2.0"]])
    result = run_dmp(
        "inputs", "--model", model, "--species", species, "--samples", samples, "--out", tmp_path / "o.tsv"
    )
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("dmp: warning:")]
    assert len(warnings) == 1
    # By hand: p1's raw training range is 1 + 0.5 x [-3, 3] = [-0.5, 2.5]; 6.0 lies 3.5 above it.
    assert "sample far" in warnings[0] and "feature p1" in warnings[0]
    assert "3.5 above the training range [-0.5, 2.5]" in warnings[0]
    assert (tmp_path / "o.tsv").exists()


# ---------------------------------------------------------------------------- reporters


def enumerate_module(system, module):
    enumerator = ModuleEnumerator(settings("dsd").enumeration)
    present = set(module.reactant_signals + module.complexes)
    return enumerator.enumerate(system.module_complexes(module), system.domains, present, f"r{module.index}", "t")[0]


@pytest.mark.parametrize("scheme", SCHEMES)
def test_reporter_modules_verify_as_rail_to_fluorescent_species(scheme):
    compiled = compile_crn(parse_crn(SMALL), scheme, settings("dsd"), outputs=RAILS)
    system = compiled.system
    reporters = [m for m in system.modules if any(system.complexes[c].role == "reporter" for c in m.complexes)]
    assert [m.reaction for m in reporters] == [((y,), (f"Lum_{y}",)) for y in RAILS]
    # By hand from the signal layout (toehold t on the 5' side of the branch-migration domain b):
    # reporter = quencher strand b on base strand b* t*; product = the signal strand on the base strand.
    t = "a" if scheme == "soloveichik2010" else "t"
    assert system.complexes["fRep_Y0p"].kernel == f"Y0p_b( + ) Y0p_{t}*"
    tail = " Y0p_c" if scheme == "soloveichik2010" else ""
    assert system.complexes["Lum_Y0p"].kernel == f"Y0p_h Y0p_{t}( Y0p_b({tail} + ) )"
    for module in reporters:
        formal = [[list(module.reaction[0]), list(module.reaction[1])]]
        verdict = check(formal, enumerate_module(system, module), system, ["bisimulation", "pathway"])
        assert verdict["methods"]["bisimulation"]["verified"] and verdict["methods"]["pathway"]["verified"]
        rail = module.reaction[0][0]
        assert verdict["interpretation"][f"Lum_{rail}"] == [f"Lum_{rail}"]
    # A reporter whose base strand carries another rail's toehold complement is caught.
    bad = system.complexes["fRep_Y0p"]
    system.complexes["fRep_Y0p"] = type(bad)(
        bad.name,
        tuple(tuple(d.replace(f"Y0p_{t}*", f"Y1p_{t}*") for d in s) for s in bad.strands),
        bad.structure,
        bad.role,
        bad.reaction,
        bad.formal,
        bad.concentration,
    )
    module = reporters[0]
    formal = [[list(module.reaction[0]), list(module.reaction[1])]]
    assert not check(formal, enumerate_module(system, module), system, ["bisimulation"])["verified"]


def test_reporters_sit_at_an_excess_over_the_most_a_rail_can_reach():
    compiled = compile_crn(parse_crn(SMALL), "soloveichik2010", settings("dsd"), inputs=None, outputs=RAILS)
    meta = compiled.system.meta["reporters"]
    # By hand, inputs at 1 unit: Y0p gets X0p (1) and H0p (at most Z0p = 1): 2 units; likewise the others.
    dsd = settings("dsd")
    assert {r["concentration_nM"] for r in meta} == {float(np.ceil(dsd.reporters.excess * 2 * dsd.unit_nM))}
    assert [(r["rail"], r["well"], r["dye"]) for r in meta] == [
        ("Y0p", 1, "ROX"),
        ("Y0m", 1, "FAM"),
        ("Y1p", 1, "HEX"),
        ("Y1m", 1, "Cy5"),
    ]


def test_order_lines_of_labelled_strands_carry_their_modifications_and_hplc():
    system = compile_crn(parse_crn(SMALL), "soloveichik2010", settings("dsd"), outputs=RAILS).system
    rng = np.random.default_rng(0)
    design = Design({d: "".join(rng.choice(list("ACGT"), n)) for d, n in system.domains.items()})
    infos = strand_infos(system)
    lines = {
        line.name: line
        for line in order_lines(
            [(i.name, design.strand(i.domains), i.role) for i in infos],
            settings("seq").order,
            strand_labels(system, infos),
        )
    }
    plain = {i.name: design.strand(i.domains) for i in infos}
    # IDT's codes, by hand: the dye at the base strand's 5' end, the matching quencher at the top strand's 3' end.
    five = {"ROX": "/56-ROXN/", "FAM": "/56-FAM/", "HEX": "/5HEX/", "Cy5": "/5Cy5/"}
    three = {"ROX": "/3IAbRQSp/", "FAM": "/3IABkFQ/", "HEX": "/3IABkFQ/", "Cy5": "/3IAbRQSp/"}
    labelled = set()
    for r in system.meta["reporters"]:
        base = f"{r['complex']}_s2"  # strands.tsv names: the complex, then the strand's position
        top = f"{r['complex']}_s1"
        assert lines[base].sequence == five[r["dye"]] + plain[base]
        assert lines[top].sequence == plain[top] + three[r["dye"]]
        assert lines[base].purification == lines[top].purification == "HPLC"
        assert lines[base].role == lines[top].role == "reporter"
        labelled |= {base, top}
    others = [line for name, line in lines.items() if name not in labelled]
    assert all("/" not in line.sequence and line.purification != "HPLC" for line in others)
    assert lines["Y0p"].role == "signal"  # the calibration trigger stays a signal strand


def test_the_dna_level_reads_the_class_off_the_reporters(tmp_path):
    from conftest import random_ternary_net

    from dmp.crn.io import read_crn
    from dmp.sim.readout import simulate_inputs
    from dmp.stages.common import Run
    from dmp.stages.dsd import compile_system, verify_all

    model = random_ternary_net([3, 3, 2], seed=4)
    crn, species_map = network_to_crn(model)
    (tmp_path / "full.crn").write_text(format_crn(crn))
    species_map.save(tmp_path / "species.json")
    compile_system(
        Run(), tmp_path / "full.crn", "cardelli2011_NM_noGC", tmp_path / "dsd", species_path=tmp_path / "species.json"
    )
    assert verify_all(tmp_path / "dsd")["verified"]
    enumerated = read_crn(tmp_path / "dsd" / "enumerated.crn")
    assert {f"Lum_{y}" for y in species_map.output_rails()} <= set(enumerated.species)
    X = np.random.default_rng(1).uniform(-1, 1, size=(6, 3))
    sim = settings("simulation").at_level("dna")
    unit = settings("dsd").unit_nM
    readout = simulate_inputs(enumerated, species_map, X, np.array([sim.t_end]), sim, unit)
    assert readout.final_outputs == pytest.approx(model.forward_scaled(X), abs=1e-3)
    # The rails themselves end in the reporters: read directly they would say nothing.
    rails = [enumerated.species.index(y) for y in species_map.output_rails() if y in enumerated.species]
    assert np.abs(readout.finals[:, rails]).max() < 1e-3 * unit


def test_fluorescence_becomes_outputs_and_a_class_by_hand():
    # Reporter at 500 nM read 150 over a blank of 100 and a full signal of 1100: 50 nM triggered.
    assert calibrated_concentration(150.0, 100.0, 1100.0, 500.0) == pytest.approx(25.0)
    lum_plus = calibrated_concentration(np.array([600.0, 350.0]), 100.0, 1100.0, 500.0)  # 250, 125 nM
    lum_minus = calibrated_concentration(np.array([200.0, 300.0]), 100.0, 1100.0, 500.0)  # 50, 100 nM
    y = outputs_from_reporters(lum_plus, lum_minus, 10.0)
    assert y == pytest.approx([20.0, 2.5])
    assert read_class(y) == 0


# ---------------------------------------------------------------------------- leak


def test_leak_adds_one_reaction_per_gate_and_one_per_module_pair():
    system = compile_crn(parse_crn("X -> Y + Z\nY + Z -> V"), "cardelli2011_NM_noGC", settings("dsd")).system
    enumerated = CRN([], {c.name: c.concentration for c in system.complexes.values() if c.role in ("fuel", "helper")})
    # Every supplied complex is a species here, as in an enumerated CRN.
    from dmp.crn.model import Reaction

    enumerated.reactions = [Reaction((name,), (name,)) for name in enumerated.initial]
    leaky = with_leak(enumerated, leak_sources(system), 1e-6, 1e-8)
    added = leaky.reactions[len(enumerated.reactions) :]
    # By hand (Cardelli's n x m gate): each module has one gate G (multi-strand) and one fuel strand F.
    assert sorted((r.reactants, r.products, r.rate) for r in added) == sorted(
        [
            (("fr0_G",), ("Y", "Z"), 1e-6),
            (("fr0_G", "fr0_F"), ("Y", "Z"), 1e-8),
            (("fr1_G",), ("V",), 1e-6),
            (("fr1_G", "fr1_F"), ("V",), 1e-8),
        ]
    )


def test_answer_times_on_a_hand_made_trajectory():
    times = np.array([1.0, 10.0, 100.0, 1000.0, 10000.0])
    # Example 0: right from t = 10 until t = 10000 (leak flips it); example 1: right from t = 100 on;
    # example 2: wrong at the read-out (t = 1000).
    outputs = np.array(
        [
            [[0.0, 0.05], [1.0, 0.0], [0.0, 1.0]],
            [[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]],
            [[1.0, 0.0], [1.0, 0.0], [1.0, 0.0]],
            [[1.0, 0.0], [1.0, 0.0], [1.0, 0.0]],
            [[0.0, 1.0], [1.0, 0.0], [1.0, 0.0]],
        ]
    )
    answers = answer_times(times, outputs, np.array([0, 0, 1]), readout=1000.0, margin=0.1)
    assert answers.correct.tolist() == [True, True, False]
    assert answers.t_answer[:2].tolist() == [10.0, 100.0] and np.isnan(answers.t_answer[2])
    assert answers.t_lost[:2].tolist() == [10000.0, np.inf]
    summary = summarise(answers, times, np.ones((5, 3), dtype=bool))
    assert summary["agreement"] == 2 and summary["wrong_at_readout"] == [2]  # the example a user should look at
    assert summary["t_answer_median_h"] == pytest.approx(55.0 / 3600) and summary["t_lost_earliest_h"] == 10000.0 / 3600


# ---------------------------------------------------------------------------- protocol


def test_mix_amounts_by_hand():
    bench = settings(
        "bench", replicates=1, controls_per_well=2, overage=0.1, reaction_volume_uL=20.0, complex_stock_uM=10.0
    )
    bench = settings("bench", **{**bench.__dict__, "anneal": {"excess": 0.2, "purify": True, "recovery": 0.5}})
    gate = Supplied("fr0_L", "gate", [("fr0_L_s1", False), ("fr0_L_s2", True)], 100.0, None)
    reporter = Supplied("fRep_Y0p", "reporter", [("fRep_Y0p_s1", False), ("fRep_Y0p_s2", True)], 500.0, [2])
    rows, need = mix_rows([gate, reporter], wells=2, samples=8, settings=bench)
    # Gate: 10 reactions per well (8 samples + 2 controls) x 2 wells = 20; 100 nM x 20 uL x 20 x 1.1 x 1e-6
    # = 0.044 nmol, made at 50 % gel recovery: 0.088 nmol of base strand, 0.1056 of the top strand (1.2x).
    assert need["fr0_L_s2"] == pytest.approx(0.088)
    assert need["fr0_L_s1"] == pytest.approx(0.1056)
    # Reporter: its well only (10 reactions), not purified: 500 x 20 x 10 x 1.1 x 1e-6 = 0.11 nmol.
    assert need["fRep_Y0p_s2"] == pytest.approx(0.11)
    assert need["fRep_Y0p_s1"] == pytest.approx(0.132)
    # Per reaction: 20 uL x 100 nM / 10 uM = 0.2 uL of the gate stock.
    assert rows[0]["uL_stock_per_reaction"] == pytest.approx(0.2)
    assert scale_nmol("25nm") == 25.0 and scale_nmol("1 umol") == 1000.0
