"""Which species carries which network value: the species map, written as `species.json`.

Every later step that sets inputs or reads outputs (simulation at the formal and DNA levels,
per-sample input concentrations) goes through it, so the naming of rails lives in one place.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from dmp.errors import DmpError
from dmp.fileio import read_json, write_json

# Reporters (dsd.reporters): each output rail Y is read out by a fluorophore-quencher reporter,
# formally Y -> Lum_Y, where Lum_Y is the unquenched (fluorescent) complex. (The name avoids the
# prefixes f, i and w, which Nuskell reserves for fuels, intermediates and wastes.) The reporter
# complex itself is supplied like a fuel, hence its leading `f`.
FLUORESCENT_PREFIX = "Lum_"
REPORTER_PREFIX = "fRep_"


def fluorescent_species(rail: str) -> str:
    """The formal species a rail's reporter turns it into: its fluorescent product."""
    return FLUORESCENT_PREFIX + rail


def reporter_complex(rail: str) -> str:
    """Name of the reporter complex that reads out `rail`."""
    return REPORTER_PREFIX + rail


def is_reporter_complex(name: str) -> bool:
    return name.startswith(REPORTER_PREFIX)


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

    def output_rails(self) -> list[str]:
        """Every output rail, class by class: Y0+, Y0-, Y1+, Y1-, ..."""
        return [rail for pair in self.output_species() for rail in pair]

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

    def zero_input(self) -> np.ndarray:
        """The scaled input that sets every input species to 0 (a no-input control): 0, or -shift."""
        if self.input_encoding == "dual_rail":
            return np.zeros(len(self.inputs))
        return np.array([-float(entry["shift"]) for entry in self.inputs])

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
        data = read_json(path, "species map not found; run the crn stage first")
        try:
            return cls.from_json(data)
        except (KeyError, TypeError) as exc:
            raise DmpError(f"{path}: not a dmp species map ({exc})") from None
