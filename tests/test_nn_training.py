"""The cost-aware training recipe: folding learned gains, pruning, the penalty, the budget."""

import numpy as np
import pytest
import torch
import yaml
from conftest import cost_settings
from conftest import settings as stage_settings

from dmp.crn.translate import network_to_crn
from dmp.data.loaders import load_iris
from dmp.data.scaling import Scaling
from dmp.data.split import split_dataset
from dmp.dsd.compiler import compile_crn
from dmp.dsd.tables import distinct_strands, strand_length
from dmp.errors import DmpError
from dmp.nn.budget import choose
from dmp.nn.export import fold_gains, prune_dead_neurons, replica_difference, replica_model
from dmp.nn.fit import sample_losses
from dmp.nn.model import Layer
from dmp.nn.ternary import ReplicaMLP
from dmp.nn.train import train


def test_fold_gains_by_hand():
    # Net: h = relu(a1 (w1 . (g * x)) + b1), y = a2 (w2 h) + b2 with one hidden neuron and two outputs.
    # x = (1, 2), g = (2, 3), w1 = (1, -1), a1 = 0.5, b1 = 4: h = relu(0.5 (2 - 6) + 4) = 2.
    # w2 = (1, -1), a2 = 4, b2 = (1, 0): y = (9, -8). Folded: c = (0.5, 2), biases (8, (0.5, 0)),
    # scaling scale / g, and y / 2 = (4.5, -4).
    biases, scaling, factor = fold_gains(
        [np.array([4.0]), np.array([1.0, 0.0])],
        Scaling("standard", np.zeros(2), np.ones(2)),
        np.array([2.0, 3.0]),
        np.array([0.5, 4.0]),
    )
    assert factor == pytest.approx(0.5)
    np.testing.assert_allclose(biases[0], [8.0])
    np.testing.assert_allclose(biases[1], [0.5, 0.0])
    x = scaling.apply(np.array([[1.0, 2.0]]))
    np.testing.assert_allclose(x, [[2.0, 6.0]])
    h = max(0.0, 1 * x[0, 0] - 1 * x[0, 1] + biases[0][0])
    np.testing.assert_allclose([h + biases[1][0], -h + biases[1][1]], [4.5, -4.0])


def test_prune_dead_neurons_by_hand():
    # Hidden neuron 0 feeds nothing (dropped), neuron 1 is fed by nothing (relu(-1) = 0 or relu(2) = 2 folded
    # into the output biases), neuron 2 stays.
    first = Layer(np.array([[1, 0], [0, 0], [-1, 1]], dtype=np.int8), np.array([0.1, 2.0, 0.3]))
    second = Layer(np.array([[0, 1, 1], [0, -1, 0]], dtype=np.int8), np.array([0.0, 1.0]))
    layers, removed = prune_dead_neurons([first, second])
    assert removed == 2
    np.testing.assert_array_equal(layers[0].weights, [[-1, 1]])
    np.testing.assert_allclose(layers[0].bias, [0.3])
    np.testing.assert_array_equal(layers[1].weights, [[1], [0]])
    np.testing.assert_allclose(layers[1].bias, [2.0, -1.0])  # (0 + 1 * 2, 1 - 1 * 2)


def test_replica_export_with_gains_matches_the_torch_network():
    torch.manual_seed(0)
    net = ReplicaMLP([3, 5, 2], seeds=[1, 2], threshold=0.3, input_gain=True, layer_gain=True)
    with torch.no_grad():
        net.log_input_gain.normal_(0, 0.5)
        net.log_layer_gain.normal_(0, 0.5)
        for b in net.biases:
            b.normal_()
    X = np.random.default_rng(0).normal(size=(50, 3))
    scaling = Scaling("standard", np.zeros(3), np.ones(3))
    for replica in (0, 1):
        model, factor, _ = replica_model(net, replica, list("abc"), ["p", "q"], scaling, X)
        assert replica_difference(net, replica, model, factor, X) <= 1e-9
        # The portable model reads raw inputs through its own (gain-folded) scaling.
        with torch.no_grad():
            expected = net(torch.from_numpy(X).float())[replica].numpy() * factor
        np.testing.assert_allclose(model.forward(X), expected, atol=1e-4)


def test_replica_losses_equal_pytorch_losses():
    out = torch.randn(3, 7, 4, generator=torch.Generator().manual_seed(0))
    y = torch.tensor([0, 1, 2, 3, 0, 1, 2])
    for r in range(3):
        assert float(sample_losses(out, y, "hinge")[r].mean()) == pytest.approx(
            float(torch.nn.MultiMarginLoss()(out[r], y)), abs=1e-6
        )
        assert float(sample_losses(out, y, "cross_entropy")[r].mean()) == pytest.approx(
            float(torch.nn.CrossEntropyLoss()(out[r], y)), abs=1e-6
        )


def one_relevant_input(seed=0, n=400):
    """Label = [x0 > 0]; inputs x1..x4 are noise. The cheapest exact network uses input 0 alone (2 weights)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    y = (X[:, 0] > 0).astype(np.int64)
    parts = {"train": slice(0, 240), "val": slice(240, 280), "test": slice(280, n)}
    return {name: (X[s], y[s]) for name, s in parts.items()}


def test_penalty_keeps_only_the_relevant_input():
    data = one_relevant_input()
    scaling = Scaling("none", np.zeros(5), np.ones(5))
    common = {"epochs": 150, "restarts": 3, "lr": 0.01, "penalty_grid": []}
    names = [f"x{i}" for i in range(5)]
    plain = train(training(**common), [4], scaling, names, ["neg", "pos"], data, seed=1, dsd=cost_settings()).model
    sparse = train(
        training(**common, nt_penalty=0.2), [4], scaling, names, ["neg", "pos"], data, seed=1, dsd=cost_settings()
    )
    model = sparse.model
    first = model.layers[0].weights
    assert np.count_nonzero(first[:, 1:]) == 0  # no weight on a noise input
    assert np.count_nonzero(first[:, 0]) >= 1
    assert model.info["metrics"]["test_accuracy"] >= 0.95
    assert model.info["cost"]["nonzero_weights"] <= 4
    # Without the penalty the same training keeps weights on noise inputs.
    assert np.count_nonzero(plain.layers[0].weights[:, 1:]) > 0
    assert plain.info["cost"]["nonzero_weights"] > model.info["cost"]["nonzero_weights"]
    costs = (plain.info["cost"]["predicted"]["soloveichik2010"], model.info["cost"]["predicted"]["soloveichik2010"])
    assert costs[1]["nucleotides"] < costs[0]["nucleotides"]


def training(**changes):
    """The training section at the schema's defaults, with `changes`."""
    return stage_settings("training", **changes)


def compiled_nt(model, scheme):
    crn, _ = network_to_crn(model)
    system = compile_crn(crn, scheme, stage_settings("dsd")).system
    return sum(strand_length(system, s) for s in distinct_strands(system))


def test_training_under_a_budget_returns_a_network_under_the_budget():
    split = split_dataset(load_iris(), {"train": 0.7, "val": 0.1, "test": 0.2}, "standard", seed=0)
    data = {part: split.part(part) for part in ("train", "val", "test")}
    settings = training(epochs=60, restarts=2, cv_folds=3, max_nt=8000, penalty_grid=[0.0, 0.1, 0.4])
    result = train(settings, [8], split.scaling, list("abcd"), ["s", "ve", "vi"], data, seed=0, dsd=cost_settings())
    info = result.model.info
    nt = info["cost"]["predicted"]["soloveichik2010"]["nucleotides"]
    assert nt <= 8000
    assert compiled_nt(result.model, "soloveichik2010") == nt  # what the DSD stage will build
    search = info["search"]
    assert len(search["candidates"]) == 3
    chosen = search["candidates"][search["chosen"]]
    assert chosen["nucleotides"] == nt
    under = [c for c in search["candidates"] if c["nucleotides"] <= 8000]
    assert len(under) < len(search["candidates"])  # the budget ruled a candidate out
    assert chosen["cv_accuracy"] == max(c["cv_accuracy"] for c in under)
    with pytest.raises(DmpError, match=r"training.max_nt = 100: no candidate network fits"):
        small = training(epochs=60, restarts=2, cv_folds=3, max_nt=100, penalty_grid=[0.0, 0.1, 0.4])
        train(small, [8], split.scaling, list("abcd"), ["s", "ve", "vi"], data, seed=0, dsd=cost_settings())


def test_choose_prefers_accuracy_then_fewer_nucleotides():
    candidates = [
        {"cv_accuracy": 0.95, "nucleotides": 9000, "hidden": [8], "penalty": 0.0},
        {"cv_accuracy": 0.93, "nucleotides": 5000, "hidden": [8], "penalty": 0.1},
        {"cv_accuracy": 0.93, "nucleotides": 4000, "hidden": [8], "penalty": 0.2},
    ]
    assert choose(candidates, None, "soloveichik2010") is candidates[0]
    assert choose(candidates, 8000, "soloveichik2010") is candidates[2]


@pytest.mark.parametrize(
    ("section", "fragment"),
    [
        ({"epoch": 3}, "training"),
        ({"selection": "best"}, "training.selection"),
        ({"max_nt": -5}, "training.max_nt"),
        ({"hidden_grid": [[8], ["x"]]}, "training.hidden_grid"),
        ({"input_gain": "yes"}, "training.input_gain"),
    ],
)
def test_bad_training_settings_name_the_key(section, fragment, tmp_path):
    from dmp.config import load_config
    from dmp.errors import ConfigError

    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump({"datasets": {"iris": {"loader": "iris", "hidden": [4]}}, "training": section}))
    with pytest.raises(ConfigError, match=fragment.replace(".", r"\.")):
        load_config(path)


def test_crn_of_a_gain_folded_penalised_network_agrees_with_it():
    """Folded gains change the input scaling and the biases; the CRN must still compute the network."""
    from dmp.sim.readout import simulate_inputs

    split = split_dataset(load_iris(), {"train": 0.7, "val": 0.1, "test": 0.2}, "standard", seed=1)
    data = {part: split.part(part) for part in ("train", "val", "test")}
    settings = training(epochs=60, restarts=2, input_gain=True, layer_gain=True, nt_penalty=0.02, penalty_grid=[])
    model = train(
        settings, [8], split.scaling, list("abcd"), ["s", "ve", "vi"], data, seed=1, dsd=cost_settings()
    ).model
    assert model.info["output_factor"] != 1.0  # the layer gains were learned and folded
    crn, species_map = network_to_crn(model)
    X = model.scaling.apply(data["test"][0])
    simulation = stage_settings("simulation", t_end=2000.0, batch_size=30, engine="batch")
    outputs = simulate_inputs(crn, species_map, X, np.array([2000.0]), simulation).final_outputs
    np.testing.assert_allclose(outputs, model.forward_scaled(X), atol=1e-3)
    assert (np.argmax(outputs, 1) == np.argmax(model.forward_scaled(X), 1)).all()


def test_dmp_train_max_nt_picks_a_network_under_the_budget(tmp_path):
    """`dmp train --max-nt N`: model.json's predicted nucleotides fit N, equal what the DSD stage builds;
    an impossible budget is one line, exit 1, no model written."""
    import json
    import subprocess
    import sys

    config = {
        "seed": 5,
        "datasets": {"iris": {"loader": "iris", "hidden": [6]}},
        "training": {"epochs": 40, "restarts": 2, "cv_folds": 3, "penalty_grid": [0.0, 0.05, 0.3]},
    }
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(config))
    base = [sys.executable, "-m", "dmp"]
    common = ["--config", str(tmp_path / "c.yaml"), "--dataset", "iris"]
    done = subprocess.run([*base, "dataset", *common, "--out-dir", str(tmp_path / "data")], capture_output=True)
    assert done.returncode == 0, done.stderr
    train_args = [*base, "train", *common, "--data-dir", str(tmp_path / "data")]
    ok = subprocess.run([*train_args, "--out", str(tmp_path / "m.json"), "--max-nt", "6000"], capture_output=True)
    assert ok.returncode == 0, ok.stderr
    model = json.loads((tmp_path / "m.json").read_text())
    nt = model["cost"]["predicted"]["soloveichik2010"]["nucleotides"]
    assert nt <= 6000 and model["training"]["max_nt"] == 6000
    from dmp.nn.model import load_model

    assert compiled_nt(load_model(tmp_path / "m.json"), "soloveichik2010") == nt
    bad = subprocess.run(
        [*train_args, "--out", str(tmp_path / "n.json"), "--max-nt", "50"], capture_output=True, text=True
    )
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert bad.stderr.strip().startswith("dmp: error: training.max_nt = 50: no candidate network fits")
    assert not (tmp_path / "n.json").exists()
