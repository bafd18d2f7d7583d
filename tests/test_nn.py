"""Ternary training and the portable model file."""

import copy
import json

import numpy as np
import pytest
import torch
from conftest import cost_settings
from conftest import settings as stage_settings

from dmp.data.loaders import load_iris
from dmp.data.split import split_dataset
from dmp.errors import DmpError
from dmp.nn.model import Layer, TernaryModel, load_model, model_from_json
from dmp.nn.train import TernaryLinear, export_difference, ternarize, train


def test_ternarize_threshold():
    w = torch.tensor([-0.9, -0.3, -0.29, 0.0, 0.3, 0.31, 1.0])
    assert ternarize(w, 0.3).tolist() == [-1, 0, 0, 0, 0, 1, 1]


def test_straight_through_gradient_reaches_shadow_weights():
    layer = TernaryLinear(3, 1, threshold=0.5, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[0.9, 0.1, -0.7]]))
    x = torch.tensor([[1.0, 2.0, 3.0]])
    out = layer(x)
    # Forward uses ternary weights (1, 0, -1): 1 - 3 = -2.
    assert out.item() == pytest.approx(-2.0)
    out.sum().backward()
    # d out / d w_i = x_i for every shadow weight, including the one that maps to 0.
    assert layer.weight.grad.tolist() == [[1.0, 2.0, 3.0]]


def hand_model() -> TernaryModel:
    from dmp.data.scaling import Scaling

    return TernaryModel(
        [
            Layer(np.array([[1, -1], [0, 1]], dtype=np.int8), np.array([0.5, -1.0])),
            Layer(np.array([[1, -1]], dtype=np.int8), np.array([0.25])),
        ],
        ["a", "b"],
        ["y"],
        Scaling("standard", np.array([1.0, 0.0]), np.array([2.0, 1.0])),
    )


def test_numpy_forward_by_hand():
    model = hand_model()
    # raw (3, 2) -> scaled ((3-1)/2, 2) = (1, 2) -> h = (0, 1) -> y = -1 + 0.25
    assert model.forward(np.array([[3.0, 2.0]]))[0, 0] == pytest.approx(-0.75)


def test_model_json_round_trip(tmp_path):
    model = hand_model()
    model.save(tmp_path / "model.json")
    again = load_model(tmp_path / "model.json")
    X = np.random.default_rng(0).normal(size=(20, 2))
    np.testing.assert_array_equal(again.forward(X), model.forward(X))
    data = json.loads((tmp_path / "model.json").read_text())
    assert data["layer_sizes"] == [2, 2, 1]
    assert data["layers"][0]["weights"] == [[1, -1], [0, 1]]


@pytest.mark.parametrize(
    ("edit", "fragment"),
    [
        (
            lambda d: d["layers"][0]["weights"][1].__setitem__(0, 0.5),
            "layers[0].weights[1][0] = 0.5 is not in {-1, 0, 1}",
        ),
        (lambda d: d["layers"][1]["weights"][0].append(1), "layers[1].weights has shape (1, 3); expected (n_out, 2)"),
        (lambda d: d["layers"][0]["bias"].pop(), "layers[0].bias has 1 entries; expected 2"),
        (lambda d: d.__setitem__("classes", ["a", "b"]), "output layer has 1 neurons but 2 classes"),
        (lambda d: d.__setitem__("format", "other"), "not a dmp model file"),
    ],
)
def test_malformed_model_files(edit, fragment):
    data = hand_model().to_json()
    data = copy.deepcopy(data)
    edit(data)
    with pytest.raises(DmpError) as info:
        model_from_json(data, "m.json")
    assert str(info.value).startswith("m.json: ")
    assert fragment in str(info.value)


def iris_data(seed=0):
    split = split_dataset(load_iris(), {"train": 0.7, "val": 0.1, "test": 0.2}, "standard", seed=seed)
    return split, {part: split.part(part) for part in ("train", "val", "test")}


@pytest.mark.parametrize(
    "changes",
    [
        {"selection": "validation", "lr_schedule": "step", "epochs": 40, "patience": 40, "restarts": 1},
        {"epochs": 40, "restarts": 2, "penalty_grid": [], "input_gain": False, "layer_gain": False},
        {"epochs": 40, "restarts": 2, "loss": "cross_entropy"},  # the default penalty search, learned gains
    ],
)
def test_training_exports_ternary_model_matching_pytorch(changes):
    split, data = iris_data()
    settings = stage_settings("training", zero_threshold=0.3, **changes)
    result = train(
        settings, [8], split.scaling, ["a", "b", "c", "d"], ["s", "ve", "vi"], data, seed=3, dsd=cost_settings()
    )
    model = result.model
    for layer in model.layers:
        assert set(np.unique(layer.weights)) <= {-1, 0, 1}
    assert result.export_max_abs_diff <= 1e-6
    assert model.info["metrics"]["test_accuracy"] >= 0.8  # IRIS is easy; a broken trainer stays near 1/3
    assert model.info["cost"]["nonzero_weights"] == sum(int(np.count_nonzero(layer.weights)) for layer in model.layers)
    again = train(
        settings, [8], split.scaling, ["a", "b", "c", "d"], ["s", "ve", "vi"], data, seed=3, dsd=cost_settings()
    )
    assert again.model.to_json() == model.to_json()  # fixed seed, fixed result


def test_export_difference_detects_a_wrong_export():
    split = split_dataset(load_iris(), {"train": 0.7, "val": 0.1, "test": 0.2}, "standard", seed=0)
    settings = stage_settings("training", epochs=5, patience=5, restarts=1, selection="validation")
    data = {part: split.part(part) for part in ("train", "val", "test")}
    result = train(settings, [4], split.scaling, list("abcd"), ["s", "ve", "vi"], data, seed=1, dsd=cost_settings())
    from dmp.nn.train import TernaryMLP

    net = TernaryMLP([4, 4, 3], settings.zero_threshold, torch.Generator().manual_seed(1))
    X = split.scaling.apply(split.part("test")[0])
    assert export_difference(net, result.model, X) > 1e-6
