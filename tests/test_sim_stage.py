"""The simulation stage: stabilisation, chunks, DNA level, rate independence, SSA, statistics."""

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from conftest import random_ternary_net
from conftest import settings as stage_settings

from dmp.cli import main
from dmp.crn.io import parse_crn, read_crn
from dmp.crn.species_map import SpeciesMap
from dmp.sim.agreement import softmax_confidence, spearman
from dmp.sim.batch import compile_crn, integrate_observed
from dmp.sim.convergence import measure_grid, settling_times
from dmp.sim.evaluate import evaluate_examples
from dmp.sim.rates import competitive_crn, with_rates
from dmp.sim.ssa import EnsembleRunner, ensemble_statistics
from dmp.stages.agreement import agreement
from dmp.stages.common import Run
from dmp.stages.crn import build
from dmp.stages.dsd import compile_system, verify_all
from dmp.stages.evaluate import collect, evaluate
from dmp.stages.rates import rates
from dmp.stages.ssa import ssa


def settings(**changes):
    """Simulation settings of these tests: short runs, batches of 3."""
    return stage_settings("simulation", **{"t_end": 200.0, "batch_size": 3, **changes})


def run_with(sim=None, seed=0, **stages):
    return Run(seed=seed, overrides={"simulation": sim or settings(), **stages})


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    """A random 4-5-3 ternary network with its CRNs, species map and a 7-example test table."""
    folder = tmp_path_factory.mktemp("network")
    model = random_ternary_net([4, 5, 3], seed=4)
    model.input_range = {"min": [-3.0] * 4, "max": [3.0] * 4}
    model.save(folder / "model.json")
    X = np.random.default_rng(5).normal(size=(7, 4))
    frame = pd.DataFrame(X, columns=model.features)
    frame.insert(0, "label", [model.classes[int(i)] for i in np.argmax(model.forward(X), axis=1)])
    frame.to_csv(folder / "test.csv", index=False, float_format="%.17g")
    build(Run(), folder / "model.json", folder / "crn")
    return folder, model, X


# ---------------------------------------------------------------------------- stabilisation


def test_stabilisation_of_exponential_decay_matches_hand_derivation():
    # A -> B (k = 1): |B(t) - B(t_end)| = exp(-t) - exp(-t_end) <= tol  <=>  t = -ln(tol + exp(-t_end)).
    crn = parse_crn("A -> B; A @initial 1")
    compiled = compile_crn(crn)
    times = measure_grid(100.0, 200)
    observed, _ = integrate_observed(compiled, np.array([[1.0, 0.0]]), times, np.array([[0.0], [1.0]]))
    stable = settling_times(times, observed, atol=1e-3)[0]
    assert stable == pytest.approx(-math.log(1e-3 + math.exp(-100)), rel=0.01)  # 6.908
    # Time to 90 %: within 10 % of the total change (1 - exp(-100)) = exp(-t) <= 0.1 (approximately) -> ln 10.
    assert settling_times(times, observed, atol=0.0, rtol=0.1)[0] == pytest.approx(math.log(10), rel=0.01)


def test_stabilisation_of_bimolecular_tail_matches_hand_derivation():
    # A + B -> C with a0 = b0 = 1: a(t) = 1 / (1 + t), algebraic tail. Within 0.01 of a(T):
    # 1/(1+t) - 1/(1+T) = 0.01  =>  t = 1 / (0.01 + 1/(1+T)) - 1  (= 98.02 for T = 1e4).
    crn = parse_crn("A + B -> C; A @initial 1; B @initial 1")
    compiled = compile_crn(crn)
    T = 1e4
    times = measure_grid(T, 200)
    observed, _ = integrate_observed(compiled, np.array([[1.0, 1.0, 0.0]]), times, np.array([[1.0], [0.0], [0.0]]))
    assert settling_times(times, observed, atol=0.01)[0] == pytest.approx(1 / (0.01 + 1 / (1 + T)) - 1, rel=0.01)


# ---------------------------------------------------------------------------- statistics


def test_spearman_on_hand_made_examples():
    perfect = spearman(np.arange(10.0), -(np.arange(10.0) ** 3))
    assert perfect["rho"] == pytest.approx(-1.0) and perfect["p_value"] < 1e-6 and perfect["n"] == 10
    # d = (1, -1, 1, -1, 0): rho = 1 - 6 * 4 / (5 * 24) = 0.8.
    assert spearman(np.array([1, 2, 3, 4, 5.0]), np.array([2, 1, 4, 3, 5.0]))["rho"] == pytest.approx(0.8)
    assert spearman(np.ones(5), np.arange(5.0))["rho"] is None


def test_softmax_confidence():
    # Outputs (0, ln 3): probabilities 1/4 and 3/4.
    np.testing.assert_allclose(softmax_confidence(np.array([[0.0, math.log(3.0)], [5.0, 5.0]])), [0.75, 0.5])


# ---------------------------------------------------------------------------- evaluation, chunks


def test_chunks_collect_to_the_unchunked_bytes(network, tmp_path):
    folder, _, _ = network
    args = (folder / "crn" / "full.crn", folder / "crn" / "species.json", folder / "model.json", folder / "test.csv")
    evaluate(run_with(), *args, tmp_path / "one.tsv")
    chunks = [tmp_path / "chunks" / f"{k}.tsv" for k in range(3)]
    for k, path in enumerate(chunks):
        evaluate(run_with(), *args, path, options={"chunk": k, "chunks": 3})
    collect(chunks, tmp_path / "split.tsv")
    assert (tmp_path / "split.tsv").read_bytes() == (tmp_path / "one.tsv").read_bytes()
    # A missing chunk is named, and --chunk without --of is refused, in one line each.
    chunks[1].unlink()
    assert main(["evaluate", "--collect", *map(str, chunks), "--out", str(tmp_path / "split.tsv")]) == 1
    names = ["--crn", "--species", "--model", "--data"]
    assert main(["evaluate", *[x for pair in zip(names, map(str, args), strict=True) for x in pair], "--chunk", "0", "--out", str(tmp_path / "x.tsv")]) == 1  # fmt: skip


def test_both_engines_and_the_network_agree(network):
    folder, model, X = network
    crn = read_crn(folder / "crn" / "reduced.crn")
    species_map = SpeciesMap.load(folder / "crn" / "species.json")
    batch, _ = evaluate_examples(crn, species_map, X, settings())
    reference, _ = evaluate_examples(crn, species_map, X, settings(engine="gillespy2"))
    np.testing.assert_allclose(batch.outputs, model.forward(X), atol=1e-6)
    np.testing.assert_allclose(reference.outputs, batch.outputs, atol=1e-6)
    assert batch.converged.all() and reference.converged.all()
    # Both engines sample the same measure grid, so their dynamic measures agree to the solvers' accuracy.
    np.testing.assert_allclose(reference.t_stable, batch.t_stable, rtol=0.01)
    np.testing.assert_allclose(reference.t_90, batch.t_90, rtol=0.01)


def test_dynamic_measures_of_a_virus_sized_network_do_not_depend_on_the_engine(tmp_path):
    """A random 10-8-4 net (the virus shape), a few examples at the workflow's t_end and tolerances."""
    model = random_ternary_net([10, 8, 4], seed=2020)
    build(Run(), *_saved(model, tmp_path), tmp_path / "crn")
    crn = read_crn(tmp_path / "crn" / "full.crn")
    species_map = SpeciesMap.load(tmp_path / "crn" / "species.json")
    X = np.random.default_rng(1).normal(size=(4, 10))
    base = stage_settings("simulation")  # t_end 5000, rtol 1e-9
    batch, _ = evaluate_examples(crn, species_map, X, base)
    reference, _ = evaluate_examples(crn, species_map, X, dataclasses.replace(base, engine="gillespy2"))
    assert (batch.t_90 > 1.0).all()  # the measures are not trivially zero
    np.testing.assert_allclose(reference.t_stable, batch.t_stable, rtol=0.01)
    np.testing.assert_allclose(reference.t_90, batch.t_90, rtol=0.01)


def _saved(model, folder):
    model.save(folder / "model.json")
    return (folder / "model.json",)


def test_dna_level_reads_outputs_in_formal_units(network, tmp_path):
    """The enumerated strand-displacement CRN (nM, seconds) computes the network's outputs (formal units)."""
    folder, model, X = network
    compile_system(Run(), folder / "crn" / "full.crn", "soloveichik2010", tmp_path / "dsd")
    verify_all(tmp_path / "dsd")
    common = (folder / "crn" / "species.json", folder / "model.json", folder / "test.csv")
    s = settings(trajectory_examples=2, dna={"t_end": 2e5, "trajectory_t_end": 3600.0})
    evaluate(run_with(s), tmp_path / "dsd" / "enumerated.crn", *common, tmp_path / "dna.tsv", "dna", {"unit_nM": 10.0})
    evaluate(run_with(s), folder / "crn" / "full.crn", *common, tmp_path / "full.tsv")
    summary = agreement(
        run_with(s),
        folder / "model.json",
        folder / "test.csv",
        folder / "crn" / "species.json",
        {"full": tmp_path / "full.tsv"},
        {"full": folder / "crn" / "full.crn"},
        tmp_path / "out",
        dna_outputs={"soloveichik2010": tmp_path / "dna.tsv"},
        dna_crns={"soloveichik2010": tmp_path / "dsd" / "enumerated.crn"},
    )
    dna = summary["dna"]["schemes"]["soloveichik2010"]
    assert summary["dna"]["unit_nM"] == 10.0  # the dsd default
    assert dna["vs_network"]["crn_nn_argmax_agreement"] == 1.0
    assert dna["vs_formal"]["max_abs_difference"] < 1e-4
    assert 0.0 < dna["min_fuel_fraction_left"]["min"] < 1.0  # fuels are consumed, not exhausted
    assert dna["time_to_90_percent_s"]["max"] > 10.0  # seconds: rate constants are ~1e-3 /nM/s
    for name in ("agreement.tsv", "summary.html", "confusion.png", "stabilisation.png", "dna_trajectories.png"):
        assert (tmp_path / "out" / name).stat().st_size > 200


# ---------------------------------------------------------------------------- rate independence


def test_random_rates_leave_the_network_crn_unchanged_but_move_the_competitive_one(network, tmp_path):
    folder, model, X = network
    s = settings(rtol=1e-7, atol=1e-10, rates={"draws": 2, "log10_min": -2.0, "log10_max": 2.0, "tolerance": 1e-6})
    summary = rates(
        run_with(s, seed=11),
        {"full": folder / "crn" / "full.crn", "reduced": folder / "crn" / "reduced.crn"},
        folder / "crn" / "species.json",
        folder / "model.json",
        folder / "test.csv",
        tmp_path,
    )
    for entry in summary["crns"].values():
        assert entry["unchanged"] and entry["max_deviation_from_original_rates"] < 1e-6
        assert entry["min_argmax_agreement"] == 1.0
    assert summary["competitive"]["max_deviation"] > 0.01
    draws = pd.read_csv(tmp_path / "draws.tsv", sep="\t")
    assert draws["log10_k_max"].max() - draws["log10_k_min"].min() > 2  # several orders of magnitude drawn
    # Closed-form limits of the contrast: the faster reaction takes all of its partner (0.6), the slower the rest.
    crn = competitive_crn()
    for ks, expected in (([1e3, 1e-3], 0.6), ([1e-3, 1e3], 0.4)):
        final = read_final(with_rates(crn, np.array(ks)), "C", 1e7)
        assert final == pytest.approx(expected, abs=2e-3)


def read_final(crn, name, t_end):
    compiled = compile_crn(crn)
    Y0 = np.array([[crn.concentration(s) for s in compiled.species]])
    _, final = integrate_observed(compiled, Y0, np.array([0.0, t_end]), rtol=1e-9, atol=1e-12)
    return float(final[0, compiled.species.index(name)])


# ---------------------------------------------------------------------------- stochastic


def test_ssa_agreement_improves_with_molecule_count_and_runs_rescale_time():
    """Two outputs 0.49 vs 0.52 read before the conversions finish: the winner is noisy with few molecules."""
    crn = parse_crn("X0 -> Y0; X1 -> Y1")
    runner = EnsembleRunner(crn, 1.0, 3)  # compiled for [0, 1]; runs to t = 2 scale the rate constants
    nn = np.array([0.49, 0.52])
    agreement = {}
    for molecules in (10, 1000):
        values = runner.run({"X0": 0.49, "X1": 0.52}, molecules, 60, seed=17, t_end=2.0)
        outputs = values[:, -1, [crn.species.index("Y0"), crn.species.index("Y1")]]
        agreement[molecules] = ensemble_statistics(outputs, nn)["argmax_agreement"]
    # 10 molecules: 5 vs 5 starting molecules, each converted with probability 1 - exp(-2) = 0.86, and a tie
    # goes to output 0, so output 1 wins well under 70 % of the time; 1000: 490 vs 520, winning ~99 %.
    assert agreement[10] <= 0.7
    assert agreement[1000] >= 0.9
    # The rescaled run really ends at t = 2: X1(2)/X1(0) = exp(-2) = 0.135 on average over 60 x 520
    # molecules (binomial standard error 0.002).
    left = values[:, -1, crn.species.index("X1")] / 0.52
    assert abs(left.mean() - math.exp(-2)) < 0.01
    np.testing.assert_allclose(runner.times(2.0), [0.0, 1.0, 2.0])


def test_ssa_stage_writes_its_tables(network, tmp_path):
    folder, _, _ = network
    s = settings(
        ssa={"examples": 3, "trajectories": 3, "t_end": 200.0, "molecules_sweep": (5, 50), "sweep_examples": 2}
    )
    files = (
        folder / "crn" / "reduced.crn",
        folder / "crn" / "species.json",
        folder / "model.json",
        folder / "test.csv",
    )
    summary = ssa(run_with(s, seed=3), *files, tmp_path)
    assert summary["n_examples"] == 3 and summary["solver"] in ("SSACSolver (C++)", "NumPySSASolver")
    sweep = {r["molecules_per_unit"]: r for r in summary["sweep"]}
    assert sweep[50]["mean_abs_error"] < sweep[5]["mean_abs_error"]  # rounding to 1/50 beats 1/5
    assert (tmp_path / "ensembles.png").stat().st_size > 1000
    again = tmp_path / "again"
    ssa(run_with(s, seed=3), *files, again)
    assert (again / "examples.tsv").read_bytes() == (tmp_path / "examples.tsv").read_bytes()
