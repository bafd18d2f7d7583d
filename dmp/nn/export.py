"""From a trained replica to the portable TernaryModel: fold the learned gains, drop dead neurons, check.

Folding (exact up to float rounding): an input gain g_i multiplies scaled input i, which is
the input scaling with scale_i / g_i. Layer gains a_1..a_L multiply each layer's weighted sum;
with c_k = a_1 ... a_k, the network equals c_L times the network with biases b_k / c_k, and a
positive factor on every output leaves every argmax unchanged.

Dead neurons: a hidden neuron whose outgoing weights are all zero changes nothing and is
dropped; one whose incoming weights are all zero outputs the constant ReLU(b_j), which is added
to the next layer's biases before the neuron is dropped. Each dropped neuron saves its ReLU
pair of reactions and five species in the CRN (658 nt with soloveichik2010 at 7/15 nt).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from dmp.data.scaling import Scaling
from dmp.nn.model import Layer, TernaryModel
from dmp.nn.ternary import ReplicaMLP, ternarize

EXPORT_TOLERANCE = 1e-6


def fold_gains(
    biases: list[np.ndarray], scaling: Scaling, input_gain: np.ndarray | None, layer_gain: np.ndarray | None
) -> tuple[list[np.ndarray], Scaling, float]:
    """Biases and input scaling of the gain-free network, and the factor its outputs are scaled by (1 / c_L)."""
    if input_gain is not None:
        scaling = Scaling(scaling.method, scaling.offset.copy(), scaling.scale / np.asarray(input_gain, np.float64))
    if layer_gain is None:
        return [b.copy() for b in biases], scaling, 1.0
    cumulative = np.cumprod(np.asarray(layer_gain, dtype=np.float64))
    return [b / c for b, c in zip(biases, cumulative, strict=True)], scaling, float(1.0 / cumulative[-1])


def prune_dead_neurons(layers: list[Layer]) -> tuple[list[Layer], int]:
    """Drop hidden neurons that feed nothing or are fed by nothing (folded into the next biases); keeps one per layer."""
    layers = [Layer(layer.weights.copy(), layer.bias.astype(np.float64).copy()) for layer in layers]
    removed = 0
    changed = True
    while changed:
        changed = False
        for k in range(len(layers) - 1):
            here, after = layers[k], layers[k + 1]
            silent = ~after.weights.any(axis=0)  # feeds nothing
            constant = ~here.weights.any(axis=1)  # fed by nothing: outputs ReLU(bias)
            drop = silent | constant
            if drop.all():  # keep one neuron so the layer exists; prefer one that still feeds something
                drop[int(np.argmin(silent))] = False
            if not drop.any():
                continue
            fold = drop & constant & ~silent
            after.bias = after.bias + after.weights[:, fold].astype(np.float64) @ np.maximum(here.bias[fold], 0.0)
            keep = ~drop
            layers[k] = Layer(here.weights[keep], here.bias[keep])
            layers[k + 1] = Layer(after.weights[:, keep], after.bias)
            removed += int(drop.sum())
            changed = True
    return layers, removed


def replica_model(
    net: ReplicaMLP,
    replica: int,
    features: list[str],
    classes: list[str],
    scaling: Scaling,
    X_train_scaled: np.ndarray,
    prune: bool = True,
) -> tuple[TernaryModel, float, int]:
    """Export one replica; returns the model, the factor on its outputs (1 / c_L) and how many neurons were dropped."""
    weights = [ternarize(w[replica].detach(), net.threshold).to(torch.int8).numpy().copy() for w in net.weights]
    biases = [b[replica].detach().to(torch.float64).numpy().copy() for b in net.biases]
    gain_in, gain_layer = net.gains(replica)
    biases, scaling, factor = fold_gains(
        biases,
        scaling,
        None if gain_in is None else gain_in.to(torch.float64).numpy(),
        None if gain_layer is None else gain_layer.to(torch.float64).numpy(),
    )
    layers = [Layer(w, b) for w, b in zip(weights, biases, strict=True)]
    removed = 0
    if prune:
        layers, removed = prune_dead_neurons(layers)
    model_inputs = X_train_scaled if gain_in is None else X_train_scaled * gain_in.to(torch.float64).numpy()
    input_range = {"min": model_inputs.min(axis=0).tolist(), "max": model_inputs.max(axis=0).tolist()}
    return TernaryModel(layers, features, classes, scaling, input_range), factor, removed


def replica_difference(
    net: ReplicaMLP, replica: int, model: TernaryModel, factor: float, X_scaled: np.ndarray
) -> float:
    """Largest |factor x replica output - model output| in float64 over `X_scaled` (inf if an argmax differs)."""
    X = np.asarray(X_scaled, dtype=np.float64)
    net.double()
    try:
        with torch.no_grad():
            torch_out = net(torch.from_numpy(X))[replica].numpy() * factor
    finally:
        net.float()
    gain_in, _ = net.gains(replica)
    model_X = X if gain_in is None else X * gain_in.to(torch.float64).numpy()
    numpy_out = model.forward_scaled(model_X)
    if not np.array_equal(np.argmax(torch_out, 1), np.argmax(numpy_out, 1)):
        return math.inf
    return float(np.max(np.abs(torch_out - numpy_out))) if len(X) else 0.0
