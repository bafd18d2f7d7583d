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

from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from dmp.crn.model import CRN, Reaction, invalid_formal_names
from dmp.crn.noncompetitive import require_noncompetitive
from dmp.crn.reduce import reduce_unimolecular
from dmp.errors import DmpError
from dmp.fileio import write_json
from dmp.nn.model import TernaryModel

INPUT_ENCODINGS = ("dual_rail", "shifted")


@dataclass
class SpeciesMap:
    """Which species carries which network value; written as `species.json`."""

    input_encoding: str
    inputs: list[dict[str, Any]]
    hidden: list[list[dict[str, Any]]]
    outputs: list[dict[str, Any]]
    input_shift: list[float] | None = None
    provenance: dict[str, Any] = field(default_factory=dict)

    def input_species(self) -> list[str]:
        names = []
        for entry in self.inputs:
            names.extend(n for n in (entry.get("plus"), entry.get("minus"), entry.get("species")) if n)
        return names

    def output_species(self) -> list[tuple[str, str]]:
        return [(entry["plus"], entry["minus"]) for entry in self.outputs]

    def input_concentrations(
        self, x_scaled: np.ndarray, present: Collection[str] | None = None
    ) -> tuple[dict[str, float], int]:
        """Initial concentrations of the input species for one scaled example.

        Returns the concentrations and the number of shifted inputs that fell below zero
        and were clipped (always 0 for dual-rail inputs). With `present` (the species of a
        CRN), inputs absent from it are left out: an input whose weights are all zero has no
        fan-out reaction, so it is inert and not a species of the CRN.
        """
        values: dict[str, float] = {}
        clipped = 0
        for entry, x in zip(self.inputs, np.asarray(x_scaled, dtype=np.float64), strict=True):
            if self.input_encoding == "dual_rail":
                values[entry["plus"]] = max(float(x), 0.0)
                values[entry["minus"]] = max(-float(x), 0.0)
            else:
                shifted = float(x) + entry["shift"]
                if shifted < 0:
                    clipped += 1
                values[entry["species"]] = max(shifted, 0.0)
        if present is not None:
            values = {name: value for name, value in values.items() if name in present}
        return values, clipped

    def read_outputs(self, concentration: dict[str, float] | Any) -> np.ndarray:
        """y_j = Y_j+ - Y_j- from a mapping species -> concentration.

        A rail absent from the mapping is 0: an output with no bias and no incoming weight on
        that rail never appears in the CRN.
        """
        return np.array(
            [concentration.get(p, 0.0) - concentration.get(m, 0.0) for p, m in self.output_species()], dtype=np.float64
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "input_encoding": self.input_encoding,
            "input_shift": self.input_shift,
            "inputs": self.inputs,
            "hidden": self.hidden,
            "outputs": self.outputs,
            "provenance": self.provenance,
        }

    def save(self, path: str | Path) -> None:
        write_json(path, self.to_json())

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SpeciesMap:
        return cls(
            data["input_encoding"],
            data["inputs"],
            data["hidden"],
            data["outputs"],
            data.get("input_shift"),
            data.get("provenance", {}),
        )

    @classmethod
    def load(cls, path: str | Path) -> SpeciesMap:
        import json

        path = Path(path)
        try:
            return cls.from_json(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise DmpError(f"{path}: species map not found; run the crn stage first") from None
        except (KeyError, TypeError, json.JSONDecodeError) as exc:
            raise DmpError(f"{path}: not a dmp species map ({exc})") from None


def _rails(value: float) -> tuple[float, float]:
    return (value, 0.0) if value >= 0 else (0.0, -value)


def input_shift(model: TernaryModel) -> np.ndarray:
    """Per-input shift s_i = max(0, -min over the training data) so that x_i + s_i >= 0."""
    if model.input_range is None:
        raise DmpError("model.json has no input_range; shifted inputs need the training minimum of each input")
    return np.maximum(0.0, -np.asarray(model.input_range["min"], dtype=np.float64))


def network_to_crn(model: TernaryModel, inputs: str = "dual_rail", rate: float = 1.0) -> tuple[CRN, SpeciesMap]:
    """The full (unreduced) CRN of `model` and its species map."""
    if inputs not in INPUT_ENCODINGS:
        raise DmpError(f"crn.inputs: {inputs!r} is not allowed; use one of {', '.join(INPUT_ENCODINGS)}")
    crn = CRN()
    n_in = model.layer_sizes[0]
    biases = [layer.bias.astype(np.float64).copy() for layer in model.layers]

    # Rails of the values feeding the current layer: list of (plus species, minus species or None).
    if inputs == "dual_rail":
        source = [(f"X{i}p", f"X{i}m") for i in range(n_in)]
        input_entries = [
            {"index": i, "feature": model.features[i], "plus": p, "minus": m} for i, (p, m) in enumerate(source)
        ]
        shift = None
    else:
        shift = input_shift(model)
        source = [(f"X{i}", None) for i in range(n_in)]
        input_entries = [
            {"index": i, "feature": model.features[i], "species": p, "shift": float(shift[i])}
            for i, (p, _) in enumerate(source)
        ]
        biases[0] = biases[0] - model.layers[0].weights.astype(np.float64) @ shift

    hidden_entries: list[list[dict[str, Any]]] = []
    n_layers = len(model.layers)
    for k, layer in enumerate(model.layers):
        level = k + 1
        last = k == n_layers - 1
        if last:
            targets = [(f"Y{j}p", f"Y{j}m") for j in range(layer.weights.shape[0])]
        else:
            targets = [(f"Z{level}_{j}p", f"Z{level}_{j}m") for j in range(layer.weights.shape[0])]
        # Fan-out: one reaction per rail of every source value, one product per non-zero weight.
        for i, (plus, minus) in enumerate(source):
            for rail, species in ((0, plus), (1, minus)):
                if species is None:
                    continue
                products = tuple(
                    targets[j][rail if w > 0 else 1 - rail] for j, w in enumerate(layer.weights[:, i]) if w != 0
                )
                if products:
                    crn.reactions.append(Reaction((species,), products, rate))
        # Biases are initial concentrations of the target rails.
        for j, (plus, minus) in enumerate(targets):
            up, down = _rails(float(biases[k][j]))
            if up:
                crn.initial[plus] = up
            if down:
                crn.initial[minus] = down
        if last:
            break
        # ReLU module per hidden neuron.
        entries = []
        next_source = []
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
            next_source.append((hp, hm))
        hidden_entries.append(entries)
        source = next_source

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
