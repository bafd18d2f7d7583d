"""DNA cost predicted from the weights against the compiled system the DSD stage builds."""

import numpy as np
import pytest
from conftest import cost_settings
from conftest import settings as stage_settings

from dmp.crn.translate import network_to_crn
from dmp.data.scaling import Scaling
from dmp.dsd.compiler import compile_crn
from dmp.dsd.tables import distinct_strands, strand_length
from dmp.nn.cost import SCHEMES, cascade, network_cost
from dmp.nn.model import Layer, TernaryModel


def model_of(weights, biases):
    n_in = weights[0].shape[1]
    layers = [
        Layer(np.asarray(w, dtype=np.int8), np.asarray(b, dtype=float)) for w, b in zip(weights, biases, strict=True)
    ]
    scaling = Scaling("standard", np.zeros(n_in), np.ones(n_in))
    classes = [f"c{j}" for j in range(weights[-1].shape[0])]
    return TernaryModel(
        layers, [f"x{i}" for i in range(n_in)], classes, scaling, {"min": [-2.0] * n_in, "max": [2.0] * n_in}
    )


def compiled_counts(model, scheme, settings):
    """Strands and nt as the DSD stage counts them (dmp.dsd.tables on the compiled system)."""
    crn, _ = network_to_crn(model, settings.inputs)
    options = stage_settings(
        "dsd",
        toehold_length=settings.toehold_length,
        domain_length=settings.domain_length,
        max_products=settings.max_products,
    )
    system = compile_crn(crn, scheme, options).system
    strands = distinct_strands(system)
    return len(strands), sum(strand_length(system, s) for s in strands), len(system.modules)


def random_net(rng, sizes, density):
    weights, biases = [], []
    for a, b in zip(sizes[:-1], sizes[1:], strict=True):
        w = rng.choice([-1, 0, 1], size=(b, a), p=[density / 2, 1 - density, density / 2])
        bias = rng.normal(size=b)
        bias[rng.random(b) < 0.3] = 0.0  # zero biases: output rails that only a fan-out starts
        weights.append(w)
        biases.append(bias)
    return weights, biases


def test_cascade_by_hand():
    # 13 products, gates of at most 6: 5 + link, 5 + link, 3 -> three gates, 15 products in all.
    assert cascade(13, 6) == (6, 6, 3)
    assert cascade(6, 6) == (6,)
    assert cascade(7, 6) == (6, 2)
    assert cascade(11, 6) == (6, 6)


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize(
    ("sizes", "density", "settings"),
    [
        ([4, 5, 3], 0.6, cost_settings()),
        ([9, 6, 4], 0.9, cost_settings(max_products=4)),  # long fan-outs: cascades with links
        ([5, 4, 3, 2], 0.5, cost_settings(inputs="shifted")),
        ([6, 5, 3], 0.3, cost_settings(toehold_length=6, domain_length=20, max_products=3)),
    ],
)
def test_prediction_equals_compiled_system(scheme, sizes, density, settings):
    rng = np.random.default_rng(len(sizes) * 100 + int(density * 10))
    weights, biases = random_net(rng, sizes, density)
    weights[0][:, 1] = 0  # an unused input: no fan-out, no species
    weights[0][0, :] = 0  # a hidden neuron fed by nothing (its ReLU pair stays)
    weights[1][:, 2] = 0  # a hidden neuron feeding nothing
    predicted = network_cost(weights, biases, settings, [scheme])[scheme]
    strands, nt, modules = compiled_counts(model_of(weights, biases), scheme, settings)
    assert (predicted.strands, predicted.nucleotides, predicted.modules) == (strands, nt, modules)


def test_prediction_matches_the_readme_virus_figures():
    # README "DNA sequences": the repository's virus 10-8-4 net (seed 2020) compiles to 414 strands,
    # 21,988 nt (soloveichik2010) and 20,168 nt (cardelli2011_NM_noGC). Its non-zero weights per
    # input (first layer) and per hidden neuron (second layer) are 4 4 3 5 5 6 6 5 7 5 and
    # 3 2 4 2 3 3 4 3; every output bias is non-zero.
    first = np.zeros((8, 10), dtype=int)
    for i, count in enumerate([4, 4, 3, 5, 5, 6, 6, 5, 7, 5]):
        first[:count, i] = 1
    second = np.zeros((4, 8), dtype=int)
    for j, count in enumerate([3, 2, 4, 2, 3, 3, 4, 3]):
        second[:count, j] = -1
    readme = cost_settings(toehold_length=7, domain_length=15, max_products=6, inputs="dual_rail")
    cost = network_cost([first, second], [np.ones(8), np.ones(4)], readme)
    assert (cost["soloveichik2010"].strands, cost["soloveichik2010"].nucleotides) == (414, 21988)
    assert (cost["cardelli2011_NM_noGC"].strands, cost["cardelli2011_NM_noGC"].nucleotides) == (414, 20168)
    assert cost["soloveichik2010"].modules == 54  # README: full CRN, 54 modules
