"""The portable ternary-weight ReLU network: `model.json` I/O and a pure-NumPy forward pass.

This module never imports torch: every later stage (CRN translation, simulation) reads the
network from `model.json` alone. Hidden layers are ReLU(W h + b); the output layer is linear.
Weights are integers in {-1, 0, +1}; biases are real.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from dmp.data.scaling import Scaling, scaling_problem
from dmp.errors import DmpError
from dmp.fileio import read_json, write_json

MODEL_FORMAT = "dmp-ternary-mlp"
MODEL_FORMAT_VERSION = 1
# Largest |bias| accepted. Trained networks on scaled inputs have biases of order 1 (the baseline
# iris and virus networks: below 2); a bias is a concentration, and products of two such overflow.
MAX_ABS_BIAS = 1e6


@dataclass
class Layer:
    """One dense layer: integer weights (n_out x n_in) in {-1, 0, 1} and float biases (n_out)."""

    weights: np.ndarray
    bias: np.ndarray


@dataclass
class TernaryModel:
    """A trained ternary ReLU MLP with its input scaling and class names."""

    layers: list[Layer]
    features: list[str]
    classes: list[str]
    scaling: Scaling
    input_range: dict[str, list[float]] | None = None  # min/max of scaled training inputs
    info: dict[str, Any] = field(default_factory=dict)  # training settings, seed, metrics, provenance

    @property
    def layer_sizes(self) -> list[int]:
        return [self.layers[0].weights.shape[1]] + [layer.weights.shape[0] for layer in self.layers]

    def forward_scaled(self, X: np.ndarray) -> np.ndarray:
        """Outputs for already scaled inputs (n x d) in float64."""
        h = np.asarray(X, dtype=np.float64)
        for k, layer in enumerate(self.layers):
            h = h @ layer.weights.T.astype(np.float64) + layer.bias
            if k < len(self.layers) - 1:
                h = np.maximum(h, 0.0)
        return h

    def hidden_activations(self, X: np.ndarray) -> list[np.ndarray]:
        """ReLU outputs of every hidden layer for scaled inputs."""
        h = np.asarray(X, dtype=np.float64)
        activations = []
        for layer in self.layers[:-1]:
            h = np.maximum(h @ layer.weights.T.astype(np.float64) + layer.bias, 0.0)
            activations.append(h)
        return activations

    def forward(self, X_raw: np.ndarray) -> np.ndarray:
        """Outputs for raw (unscaled) feature vectors."""
        return self.forward_scaled(self.scaling.apply(X_raw))

    def predict(self, X_raw: np.ndarray) -> np.ndarray:
        """Class index (argmax of the outputs) per example."""
        return np.argmax(self.forward(X_raw), axis=1)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": MODEL_FORMAT,
            "format_version": MODEL_FORMAT_VERSION,
            "layer_sizes": self.layer_sizes,
            "hidden_activation": "relu",
            "output_activation": "linear",
            "features": self.features,
            "classes": self.classes,
            "input_scaling": self.scaling.to_json(),
            "input_range": self.input_range,
            "layers": [
                {"weights": layer.weights.astype(int).tolist(), "bias": [float(b) for b in layer.bias]}
                for layer in self.layers
            ],
            **self.info,
        }

    def save(self, path: str | Path) -> None:
        write_json(path, self.to_json())


def _fail(source: str, message: str) -> DmpError:
    return DmpError(f"{source}: {message}")


def model_from_json(data: dict[str, Any], source: str = "model.json") -> TernaryModel:
    """Build a model from its JSON form, checking shapes and that every weight is -1, 0 or 1."""
    if not isinstance(data, dict) or data.get("format") != MODEL_FORMAT:
        raise _fail(source, f'not a dmp model file (expected "format": "{MODEL_FORMAT}")')
    for key in ("layers", "features", "classes", "input_scaling"):
        if key not in data:
            raise _fail(source, f"missing key {key!r}")
    for key, what in (("features", "feature"), ("classes", "class")):
        names = data[key]
        if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
            raise _fail(source, f"{key} must be a list of names (non-empty strings)")
        twice = next((n for i, n in enumerate(names) if n in names[:i]), None)
        if twice is not None:
            raise _fail(source, f"{what} {twice!r} is named twice in {key}")
    layers: list[Layer] = []
    n_in = len(data["features"])
    for k, raw in enumerate(data["layers"]):
        try:
            weights = np.asarray(raw["weights"], dtype=np.float64)
            bias = np.asarray(raw["bias"], dtype=np.float64)
        except (KeyError, TypeError, ValueError):
            raise _fail(source, f"layers[{k}] needs numeric 'weights' (matrix) and 'bias' (vector)") from None
        if weights.ndim != 2 or weights.shape[1] != n_in:
            raise _fail(source, f"layers[{k}].weights has shape {weights.shape}; expected (n_out, {n_in})")
        if bias.shape != (weights.shape[0],):
            raise _fail(source, f"layers[{k}].bias has {bias.size} entries; expected {weights.shape[0]}")
        bad = np.argwhere(~np.isin(weights, (-1.0, 0.0, 1.0)))
        if len(bad):
            i, j = bad[0]
            raise _fail(source, f"layers[{k}].weights[{i}][{j}] = {weights[i, j]:g} is not in {{-1, 0, 1}}")
        if not np.isfinite(bias).all():
            raise _fail(source, f"layers[{k}].bias holds a non-finite value")
        if len(bias) and np.abs(bias).max() > MAX_ABS_BIAS:
            j = int(np.argmax(np.abs(bias)))
            raise _fail(
                source,
                f"layers[{k}].bias[{j}] = {bias[j]:g} is beyond ±{MAX_ABS_BIAS:g} (dmp.nn.model.MAX_ABS_BIAS): "
                "a bias is an initial concentration of the CRN, and one that large overflows its simulation",
            )
        layers.append(Layer(weights.astype(np.int8), bias))
        n_in = weights.shape[0]
    if not layers:
        raise _fail(source, "the model has no layers")
    if n_in != len(data["classes"]):
        raise _fail(source, f"the output layer has {n_in} neurons but {len(data['classes'])} classes are named")
    problem = scaling_problem(data["input_scaling"], data["features"])
    if problem is not None:
        raise _fail(source, f"input_scaling: {problem}")
    scaling = Scaling.from_json(data["input_scaling"])
    known = {
        "format",
        "format_version",
        "layer_sizes",
        "hidden_activation",
        "output_activation",
        "features",
        "classes",
        "input_scaling",
        "input_range",
        "layers",
    }
    info = {k: v for k, v in data.items() if k not in known}
    return TernaryModel(layers, list(data["features"]), list(data["classes"]), scaling, data.get("input_range"), info)


def load_model(path: str | Path) -> TernaryModel:
    """Read `model.json`; malformed files raise DmpError naming the file and the problem."""
    return model_from_json(read_json(path, "model file not found"), str(path))


def accuracy(outputs: np.ndarray, y: np.ndarray) -> float:
    """Fraction of examples whose argmax output equals the label."""
    if len(y) == 0:
        return math.nan
    return float(np.mean(np.argmax(outputs, axis=1) == y))
