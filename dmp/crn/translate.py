"""Translate a ternary ReLU network into a non-competitive CRN (Vasic et al., ICML 2020).

Every signal is dual-rail, value = plus - minus. For layer l (1-based) and neuron j:

- pre-activation  Z{l}_{j}p / Z{l}_{j}m, with the bias as initial concentration of one rail;
- ReLU module     Z{l}_{j}p -> H{l}_{j}p + A{l}_{j}      and   A{l}_{j} + Z{l}_{j}m -> H{l}_{j}m
  so H+ = z+ and H- = min(z+, z-), hence H+ - H- = max(0, z+ - z-);
- fan-out         one unimolecular reaction per rail of every input X{i} and hidden output H,
                  one product per non-zero weight; weight +1 keeps the rail, -1 swaps it;
- outputs         Y{j}p / Y{j}m, with the output bias as initial concentration.

With `inputs='shifted'` each input is a single species X{i} holding x_i + s_i >= 0, and the
shift is folded into the first-layer biases (b - W s). Each consumed species is a reactant
of exactly one reaction, so the CRN is non-competitive and its final state is rate independent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dmp.crn.model import CRN, Reaction, invalid_formal_names
from dmp.crn.noncompetitive import require_noncompetitive
from dmp.crn.reduce import reduce_unimolecular
from dmp.crn.species_map import SpeciesMap
from dmp.errors import DmpError
from dmp.nn.model import TernaryModel

INPUT_ENCODINGS = ("dual_rail", "shifted")


@dataclass(frozen=True)
class CrnSettings:
    """The `crn` config section: how inputs are encoded and the rate constant of every reaction."""

    inputs: str  # dual_rail | shifted
    rate_constant: float


def _rails(value: float) -> tuple[float, float]:
    return (value, 0.0) if value >= 0 else (0.0, -value)


def input_shift(model: TernaryModel) -> np.ndarray:
    """Per-input shift s_i = max(0, -min over the training data) so that x_i + s_i >= 0."""
    if model.input_range is None:
        raise DmpError("model.json has no input_range; shifted inputs need the training minimum of each input")
    return np.maximum(0.0, -np.asarray(model.input_range["min"], dtype=np.float64))


def _input_rails(model: TernaryModel, inputs: str, biases: list[np.ndarray]) -> tuple[list, list, np.ndarray | None]:
    """Rails of the inputs and their species-map entries; shifted inputs fold -W s into the first biases."""
    n_in = model.layer_sizes[0]
    if inputs == "dual_rail":
        source = [(f"X{i}p", f"X{i}m") for i in range(n_in)]
        entries = [{"index": i, "feature": model.features[i], "plus": p, "minus": m} for i, (p, m) in enumerate(source)]
        return source, entries, None
    shift = input_shift(model)
    source = [(f"X{i}", None) for i in range(n_in)]
    entries = [
        {"index": i, "feature": model.features[i], "species": p, "shift": float(shift[i])}
        for i, (p, _) in enumerate(source)
    ]
    biases[0] = biases[0] - model.layers[0].weights.astype(np.float64) @ shift
    return source, entries, shift


def _fan_out(crn: CRN, source: list, targets: list, weights: np.ndarray, rate: float) -> None:
    """One reaction per rail of every source value, one product per non-zero weight (-1 swaps the rail)."""
    for i, (plus, minus) in enumerate(source):
        for rail, species in ((0, plus), (1, minus)):
            if species is None:
                continue
            products = tuple(targets[j][rail if w > 0 else 1 - rail] for j, w in enumerate(weights[:, i]) if w != 0)
            if products:
                crn.reactions.append(Reaction((species,), products, rate))


def _relu(crn: CRN, level: int, targets: list, rate: float) -> tuple[list[dict[str, Any]], list]:
    """The two-reaction ReLU module of every neuron of a hidden layer: its entries and its output rails."""
    entries, outputs = [], []
    for j, (zp, zm) in enumerate(targets):
        helper, hp, hm = f"A{level}_{j}", f"H{level}_{j}p", f"H{level}_{j}m"
        crn.reactions.append(Reaction((zp,), (hp, helper), rate))
        crn.reactions.append(Reaction((helper, zm), (hm,), rate))
        entries.append(
            {
                "layer": level,
                "neuron": j,
                "plus": hp,
                "minus": hm,
                "preactivation": {"plus": zp, "minus": zm},
                "relu_helper": helper,
            }
        )
        outputs.append((hp, hm))
    return entries, outputs


def network_to_crn(model: TernaryModel, inputs: str = "dual_rail", rate: float = 1.0) -> tuple[CRN, SpeciesMap]:
    """The full (unreduced) CRN of `model` and its species map."""
    if inputs not in INPUT_ENCODINGS:
        raise DmpError(f"crn.inputs: {inputs!r} is not allowed; use one of {', '.join(INPUT_ENCODINGS)}")
    crn = CRN()
    biases = [layer.bias.astype(np.float64).copy() for layer in model.layers]
    # Rails of the values feeding the current layer: list of (plus species, minus species or None).
    source, input_entries, shift = _input_rails(model, inputs, biases)
    hidden_entries: list[list[dict[str, Any]]] = []
    for k, layer in enumerate(model.layers):
        level, last = k + 1, k == len(model.layers) - 1
        prefix = "Y{j}" if last else f"Z{level}_{{j}}"
        targets = [(prefix.format(j=j) + "p", prefix.format(j=j) + "m") for j in range(layer.weights.shape[0])]
        _fan_out(crn, source, targets, layer.weights, rate)
        for j, (plus, minus) in enumerate(targets):  # biases are initial concentrations of the target rails
            up, down = _rails(float(biases[k][j]))
            if up:
                crn.initial[plus] = up
            if down:
                crn.initial[minus] = down
        if not last:
            entries, source = _relu(crn, level, targets, rate)
            hidden_entries.append(entries)
    outputs = [
        {"index": j, "class": model.classes[j], "plus": f"Y{j}p", "minus": f"Y{j}m"}
        for j in range(model.layer_sizes[-1])
    ]
    species_map = SpeciesMap(
        inputs, input_entries, hidden_entries, outputs, None if shift is None else [float(s) for s in shift]
    )
    bad = invalid_formal_names(crn.species)
    if bad:  # cannot happen with the names above; guards later edits of the naming scheme
        raise DmpError(f"species name(s) {bad[:3]} are not valid Nuskell formal species")
    require_noncompetitive(crn, "translated CRN")
    return crn, species_map


def reduce_network_crn(crn: CRN, species_map: SpeciesMap) -> CRN:
    """The paper's reduced CRN: input fan-outs plus one bimolecular reaction per ReLU neuron."""
    reduced = reduce_unimolecular(crn, protected=set(species_map.input_species()))
    require_noncompetitive(reduced, "reduced CRN")
    return reduced
