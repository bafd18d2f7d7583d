"""NN -> CRN translation on nets small enough to write their CRNs by hand."""

from collections import Counter

import numpy as np
import pytest

from dmp.crn.model import CRN, Reaction
from dmp.crn.noncompetitive import competition, is_noncompetitive, require_noncompetitive
from dmp.crn.reduce import reduce_unimolecular
from dmp.crn.translate import network_to_crn, reduce_network_crn
from dmp.data.scaling import Scaling
from dmp.errors import DmpError
from dmp.nn.model import Layer, TernaryModel
from dmp.sim.gillespy import simulate_ode

# 2-2-1 network: h = ReLU(W1 x + b1), y = W2 h + b2.
W1 = np.array([[1, -1], [0, 1]])
B1 = np.array([0.5, -1.0])
W2 = np.array([[1, -1]])
B2 = np.array([0.25])


def small_model(input_min=(-2.0, -3.0)) -> TernaryModel:
    return TernaryModel(
        [Layer(W1.astype(np.int8), B1), Layer(W2.astype(np.int8), B2)],
        ["a", "b"],
        ["out"],
        Scaling("none", np.zeros(2), np.ones(2)),
        input_range={"min": list(input_min), "max": [2.0, 3.0]},
    )


def as_multiset(reactions):
    return Counter((tuple(sorted(r.reactants)), tuple(sorted(r.products))) for r in reactions)


def R(reactants, products):
    return Reaction(tuple(reactants.split()), tuple(products.split()))


# Written by hand from the construction in Vasic et al. (ICML 2020):
# fan-out per input rail (weight -1 swaps the rail), ReLU pair per hidden neuron, hidden fan-out.
HAND_FULL = [
    R("X0p", "Z1_0p"),
    R("X0m", "Z1_0m"),
    R("X1p", "Z1_0m Z1_1p"),
    R("X1m", "Z1_0p Z1_1m"),
    R("Z1_0p", "H1_0p A1_0"),
    R("A1_0 Z1_0m", "H1_0m"),
    R("Z1_1p", "H1_1p A1_1"),
    R("A1_1 Z1_1m", "H1_1m"),
    R("H1_0p", "Y0p"),
    R("H1_0m", "Y0m"),
    R("H1_1p", "Y0m"),
    R("H1_1m", "Y0p"),
]
HAND_FULL_INITIAL = {"Z1_0p": 0.5, "Z1_1m": 1.0, "Y0p": 0.25}

# Substituting Z+ -> H+ + A and H -> fan-out by hand:
HAND_REDUCED = [
    R("X0p", "Y0p A1_0"),
    R("X0m", "Z1_0m"),
    R("X1p", "Z1_0m Y0m A1_1"),
    R("X1m", "Y0p A1_0 Z1_1m"),
    R("A1_0 Z1_0m", "Y0m"),
    R("A1_1 Z1_1m", "Y0p"),
]
# Z1_0p's bias 0.5 moves to A1_0 and (through H1_0p) to Y0p: 0.25 + 0.5.
HAND_REDUCED_INITIAL = {"A1_0": 0.5, "Y0p": 0.75, "Z1_1m": 1.0}


def test_full_crn_matches_hand_derivation():
    crn, species_map = network_to_crn(small_model())
    assert as_multiset(crn.reactions) == as_multiset(HAND_FULL)
    assert crn.initial == HAND_FULL_INITIAL
    assert species_map.output_species() == [("Y0p", "Y0m")]
    assert species_map.input_species() == ["X0p", "X0m", "X1p", "X1m"]
    assert is_noncompetitive(crn)


def test_reduced_crn_matches_hand_derivation():
    crn, species_map = network_to_crn(small_model())
    reduced = reduce_network_crn(crn, species_map)
    assert as_multiset(reduced.reactions) == as_multiset(HAND_REDUCED)
    assert reduced.initial == pytest.approx(HAND_REDUCED_INITIAL)
    assert is_noncompetitive(reduced)


@pytest.mark.parametrize(
    ("x", "y"),
    [
        # z1 = 1 - 2 + 0.5 = -0.5 -> 0; z2 = 2 - 1 = 1 -> 1; y = 0 - 1 + 0.25
        ((1.0, 2.0), -0.75),
        # z1 = -1 + 1 + 0.5 = 0.5; z2 = -1 - 1 = -2 -> 0; y = 0.5 + 0.25
        ((-1.0, -1.0), 0.75),
        # z1 = 3 - 0 + 0.5 = 3.5; z2 = 0 - 1 -> 0; y = 3.75
        ((3.0, 0.0), 3.75),
    ],
)
def test_both_crns_compute_hand_values(x, y):
    model = small_model()
    assert model.forward_scaled(np.array([x]))[0, 0] == pytest.approx(y)
    crn, species_map = network_to_crn(model)
    reduced = reduce_network_crn(crn, species_map)
    initial, clipped = species_map.input_concentrations(np.array(x))
    assert clipped == 0
    for net in (crn, reduced):
        final = simulate_ode(net, 2000.0, 5, initial).final()
        assert species_map.read_outputs(final)[0] == pytest.approx(y, abs=1e-6)


def test_shifted_inputs_fold_shift_into_first_layer_biases():
    model = small_model(input_min=(-2.0, -3.0))
    crn, species_map = network_to_crn(model, inputs="shifted")
    assert species_map.input_shift == [2.0, 3.0]
    # b' = b - W s = (0.5 - (2 - 3), -1 - 3) = (1.5, -4)
    assert crn.initial["Z1_0p"] == pytest.approx(1.5)
    assert crn.initial["Z1_1m"] == pytest.approx(4.0)
    assert {r.reactants for r in crn.reactions if r.order == 1 and r.reactants[0].startswith("X")} == {("X0",), ("X1",)}
    initial, _ = species_map.input_concentrations(np.array([1.0, 2.0]))
    assert initial == {"X0": 3.0, "X1": 5.0}
    final = simulate_ode(reduce_network_crn(crn, species_map), 2000.0, 5, initial).final()
    assert species_map.read_outputs(final)[0] == pytest.approx(-0.75, abs=1e-6)


def test_shifted_input_below_training_minimum_is_clipped_and_counted():
    _, species_map = network_to_crn(small_model(), inputs="shifted")
    initial, clipped = species_map.input_concentrations(np.array([-5.0, 0.0]))
    assert clipped == 1 and initial["X0"] == 0.0


def dense_model(sizes, seed=0):
    rng = np.random.default_rng(seed)
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:], strict=True):
        w = rng.choice([-1, 1], size=(b, a)).astype(np.int8)  # no zeros: every input is used
        layers.append(Layer(w, rng.normal(size=b)))
    return TernaryModel(
        layers,
        [f"f{i}" for i in range(sizes[0])],
        [f"c{j}" for j in range(sizes[-1])],
        Scaling("none", np.zeros(sizes[0]), np.ones(sizes[0])),
    )


def test_published_virus_net_sizes():
    # Vasic et al.: the 10-8-4 network has a 52-reaction / 68-species CRN, 28 / 44 after reduction.
    crn, species_map = network_to_crn(dense_model([10, 8, 4]))
    assert (len(crn.reactions), len(crn.species)) == (52, 68)
    reduced = reduce_network_crn(crn, species_map)
    assert (len(reduced.reactions), len(reduced.species)) == (28, 44)
    bimolecular = [r for r in reduced.reactions if r.order == 2]
    assert len(bimolecular) == 8  # one per hidden ReLU neuron
    assert all(r.reactants[0].startswith("X") for r in reduced.reactions if r.order == 1)


def test_published_iris_and_mnist_reaction_counts():
    # IRIS 4-8-3: 40 -> 16 reactions; MNIST 196-64-10: 648 -> 456 (Vasic et al.).
    for sizes, full_n, reduced_n in (([4, 8, 3], 40, 16), ([196, 64, 10], 648, 456)):
        crn, species_map = network_to_crn(dense_model(sizes))
        assert len(crn.reactions) == full_n
        assert len(reduce_network_crn(crn, species_map).reactions) == reduced_n


def test_two_hidden_layers_agree_with_forward_pass():
    model = dense_model([3, 4, 3, 2], seed=3)
    crn, species_map = network_to_crn(model)
    reduced = reduce_network_crn(crn, species_map)
    x = np.array([0.7, -1.2, 0.4])
    expected = model.forward_scaled(x[None, :])[0]
    initial, _ = species_map.input_concentrations(x)
    for net in (crn, reduced):
        got = species_map.read_outputs(simulate_ode(net, 3000.0, 5, initial).final())
        np.testing.assert_allclose(got, expected, atol=1e-5)


def test_competitive_crn_is_rejected_with_species_and_reactions_named():
    crn = CRN([Reaction(("A",), ("B",)), Reaction(("A", "C"), ("D",))])
    problems = competition(crn)
    assert len(problems) == 2
    assert "species A is consumed by reaction 1 'A -> B'" in problems[0]
    with pytest.raises(DmpError, match="not non-competitive"):
        require_noncompetitive(crn, "test CRN")


def test_catalysts_may_be_shared():
    crn = CRN([Reaction(("A", "K"), ("B", "K")), Reaction(("C", "K"), ("D", "K"))])
    assert is_noncompetitive(crn)


def test_reduction_keeps_protected_and_autocatalytic_reactions():
    crn = CRN([Reaction(("X",), ("S",)), Reaction(("S",), ("T", "T")), Reaction(("T",), ("T", "U"))], {"S": 1.0})
    reduced = reduce_unimolecular(crn, protected={"X"})
    assert reduced.reactions == [Reaction(("X",), ("T", "T")), Reaction(("T",), ("T", "U"))]
    assert reduced.initial == {"T": 2.0}
