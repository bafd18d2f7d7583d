"""The batched ODE engine against closed forms and against GillesPy2 (the reference)."""

from pathlib import Path

import numpy as np
import pytest
from conftest import SMALL_NETWORK_CRN, compile_dir, random_ternary_net

from dmp.crn.io import parse_crn, read_crn
from dmp.crn.translate import network_to_crn
from dmp.sim.batch import compile_crn, integrate_observed, simulate_batch
from dmp.sim.gillespy import simulate_ode
from dmp.sim.newton import BlockTriangularSolver
from dmp.stages.dsd import verify_all


def test_first_order_decay_closed_form():
    # A -> B, k = 2: A(t) = A0 exp(-2t), for two initial values in one batch.
    crn = parse_crn("A -> B [k = 2]; A @initial 1")
    times, values, species = simulate_batch(crn, [{}, {"A": 3.0}], 3.0, 31)
    a, b = species.index("A"), species.index("B")
    for k, a0 in enumerate([1.0, 3.0]):
        np.testing.assert_allclose(values[:, k, a], a0 * np.exp(-2 * times), rtol=1e-7, atol=1e-10)
        np.testing.assert_allclose(values[:, k, b], a0 * (1 - np.exp(-2 * times)), rtol=1e-7, atol=1e-10)


def test_bimolecular_closed_form():
    # A + B -> C, k = 1, a0 = 1, b0 = 0.5: a(t) = d / (1 - (b0/a0) exp(-d t)) with d = a0 - b0.
    crn = parse_crn("A + B -> C; A @initial 1; B @initial 0.5")
    times, values, species = simulate_batch(crn, [{}], 4.0, 9)
    expected = 0.5 / (1 - 0.5 * np.exp(-0.5 * times))
    np.testing.assert_allclose(values[:, 0, species.index("A")], expected, rtol=1e-7)
    np.testing.assert_allclose(values[:, 0, species.index("C")], 1 - expected, rtol=1e-6, atol=1e-9)


def test_homodimer_and_constant_species():
    # 2A -> B: dA/dt = -2 k A^2, so A(t) = 1 / (1/a0 + 2 k t); K held constant drives A' -> B' at rate 2.
    crn = parse_crn("2 A -> B; K + C -> K + D; A @initial 1; K @constant 2; C @initial 1")
    times, values, species = simulate_batch(crn, [{}], 5.0, 6)
    np.testing.assert_allclose(values[:, 0, species.index("A")], 1 / (1 + 2 * times), rtol=1e-7)
    np.testing.assert_allclose(values[:, 0, species.index("K")], 2.0)
    np.testing.assert_allclose(values[:, 0, species.index("C")], np.exp(-2 * times), rtol=1e-7, atol=1e-9)


def _small_dsd_crn(tmp_path: Path):
    path = tmp_path / "small.crn"
    path.write_text(SMALL_NETWORK_CRN)
    compile_dir(path, "soloveichik2010", tmp_path / "dsd", max_products=4)
    verify_all(tmp_path / "dsd")
    return read_crn(tmp_path / "dsd" / "enumerated.crn")


@pytest.mark.parametrize("case", ["unimolecular", "bimolecular", "network", "enumerated_dsd"])
def test_batched_engine_agrees_with_gillespy2(case, tmp_path):
    """Both engines on the same CRN and several initial states: every species, every time, within 1e-6."""
    rng = np.random.default_rng(3)
    if case == "unimolecular":
        crn = parse_crn("A -> B + C [k = 0.7]; B -> D [k = 3]; C -> [k = 0.2]; A @initial 1")
        overrides, t_end = [{"A": float(a)} for a in rng.uniform(0.1, 2, 3)], 10.0
    elif case == "bimolecular":
        crn = parse_crn("A + B -> C [k = 2]; C -> A + D [k = 0.5]; 2 D -> E [k = 0.3]; A @initial 1; B @initial 0.6")
        overrides, t_end = [{"A": float(a), "B": float(b)} for a, b in rng.uniform(0.1, 2, (3, 2))], 20.0
    elif case == "network":
        model = random_ternary_net([5, 4, 3], seed=1)
        crn, species_map = network_to_crn(model)
        present = set(crn.species)
        overrides = [species_map.input_concentrations(x, present)[0] for x in rng.normal(size=(3, 5))]
        t_end = 100.0
    else:
        crn = _small_dsd_crn(tmp_path)  # concentrations in nM, rate constants per nM per second
        overrides, t_end = [{"X0p": float(x), "X0m": float(10 - x)} for x in (2.0, 5.0, 9.0)], 20000.0
    times, values, species = simulate_batch(crn, overrides, t_end, 21, rtol=1e-10, atol=1e-12)
    scale = max(1.0, float(np.max(values)))
    for k, initial in enumerate(overrides):
        reference = simulate_ode(crn, t_end, 21, initial, rtol=1e-10, atol=1e-12)
        assert reference.species == species
        np.testing.assert_allclose(times, reference.times)
        assert np.max(np.abs(values[:, k, :] - reference.values)) <= 1e-6 * scale


def test_observed_outputs_and_batches_of_one_match_the_full_state():
    crn = parse_crn("A + B -> C; C -> D [k = 0.5]; A @initial 1; B @initial 0.7")
    compiled = compile_crn(crn)
    Y0 = np.array([[1.0, 0.7, 0.0, 0.0], [0.3, 0.9, 0.1, 0.0]])
    times = np.array([0.0, 0.5, 2.0, 7.0])
    observe = np.array([[1.0], [0.0], [0.0], [-1.0]])  # A - D
    observed, final = integrate_observed(compiled, Y0, times, observe)
    full, _ = integrate_observed(compiled, Y0, times)
    np.testing.assert_allclose(observed[:, :, 0], full[:, :, 0] - full[:, :, 3], atol=1e-12)
    np.testing.assert_allclose(final, full[-1], atol=1e-12)
    for b in range(2):
        alone, _ = integrate_observed(compiled, Y0[b : b + 1], times)
        np.testing.assert_allclose(alone[:, 0], full[:, b], atol=1e-7)


def test_block_triangular_solve_equals_dense_solve():
    """The level-by-level solve of (I - cJ) x = b equals numpy.linalg.solve on random values."""
    rng = np.random.default_rng(0)
    S, B = 7, 3
    # 0 -> 1 -> {2, 3 cycle} -> 4; 5 <-> 6 (large block via dense_limit=1); 3 -> 5.
    entries = [(1, 0), (2, 1), (3, 2), (2, 3), (4, 3), (4, 2), (5, 3), (5, 6), (6, 5), (0, 0), (2, 2), (6, 6)]
    rows, cols = np.array(entries).T
    constant = np.array([True, False, True, False, True, False, True, False, True, True, False, False])
    const_values = rng.normal(size=constant.sum())
    var_values = rng.normal(size=((~constant).sum(), B))
    c = 0.37
    b = rng.normal(size=(S, B))
    for limit in (48, 1):
        solver = BlockTriangularSolver(S, rows, cols, constant, const_values, dense_limit=limit)
        x = solver.factor(var_values, c).solve(b)
        for k in range(B):
            J = np.zeros((S, S))
            J[rows[constant], cols[constant]] = const_values
            J[rows[~constant], cols[~constant]] = var_values[:, k]
            np.testing.assert_allclose(x[:, k], np.linalg.solve(np.eye(S) - c * J, b[:, k]), rtol=1e-10, atol=1e-12)
