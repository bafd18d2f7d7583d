"""CRN step: model.json -> full.crn, reduced.crn (both checked non-competitive, each also as SBML) and species.json."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from dmp.crn.io import write_crn
from dmp.crn.sbml import write_sbml
from dmp.crn.translate import network_to_crn, reduce_network_crn
from dmp.nn.model import load_model
from dmp.stages.common import Run, writes_together


@writes_together
def build(
    run: Run, model_path: str | Path, out_dir: str | Path, inputs: str | None = None, rate: float | None = None
) -> dict[str, Any]:
    """Translate the network; `inputs` and `rate` override the config's crn section."""
    settings = run.settings("crn")
    settings = dataclasses.replace(
        settings,
        inputs=inputs or settings.inputs,
        rate_constant=rate if rate is not None else settings.rate_constant,
    )
    model = load_model(model_path)
    full, species_map = network_to_crn(model, settings.inputs, settings.rate_constant)
    reduced = reduce_network_crn(full, species_map)
    species_map.provenance = run.provenance()
    sizes = "-".join(map(str, model.layer_sizes))
    out_dir = Path(out_dir)
    for name, crn, what in (
        ("full", full, "full translation"),
        ("reduced", reduced, "reduced (unimolecular reactions substituted)"),
    ):
        header = [
            f"{what} of the {sizes} ternary ReLU network {Path(model_path).name}",
            f"inputs: {settings.inputs}; {len(crn.reactions)} reactions, {len(crn.species)} species; non-competitive",
            run.stamp(),
        ]
        write_crn(crn, out_dir / f"{name}.crn", header)
        # The same CRN for SBML readers (COPASI, Tellurium, libRoadRunner); inputs are set per example.
        inputs = ", ".join(species_map.input_species())
        write_sbml(
            out_dir / f"{name}.crn", out_dir / f"{name}.xml", "formal", notes=[f"Inputs, set per example: {inputs}"]
        )
    species_map.save(out_dir / "species.json")
    return {
        "full": {"reactions": len(full.reactions), "species": len(full.species)},
        "reduced": {"reactions": len(reduced.reactions), "species": len(reduced.species)},
    }
