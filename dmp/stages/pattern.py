"""Pattern step: the image each CRN draws on the pixel grid, next to the target and the network's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from dmp.crn.io import read_crn
from dmp.crn.noncompetitive import require_noncompetitive
from dmp.crn.species_map import SpeciesMap
from dmp.errors import DmpError
from dmp.fileio import write_json
from dmp.nn.model import load_model
from dmp.sim.pattern import draw, panels, pattern_summary, target_image
from dmp.stages.common import Run, check_network_files, read_split, writes_together


@writes_together
def pattern(
    run: Run,
    data_dir: str | Path,
    model_path: str | Path,
    crn_paths: dict[str, str | Path],
    species_path: str | Path,
    out_dir: str | Path,
    upsample: int | None = None,
    jobs: int | None = None,
) -> dict[str, Any]:
    """drawing.png and pattern.json: every CRN simulated at every pixel centre (and a finer grid)."""
    settings = run.settings("simulation")
    upsample = upsample if upsample is not None else run.settings("pattern").upsample
    if upsample < 1:
        raise DmpError(f"--upsample must be at least 1 (got {upsample})")
    jobs = jobs or settings.jobs
    record, parts = read_split(data_dir)
    meta = record.get("meta", {})
    if "pixel_unit" not in meta or "image_shape" not in meta:
        raise DmpError(f"{Path(data_dir) / 'split.json'}: not a pattern dataset (no image_shape/pixel_unit in meta)")
    shape = (int(meta["image_shape"][0]), int(meta["image_shape"][1]))
    unit = float(meta["pixel_unit"])
    # The target image from the union of the parts (with `split: all` each part is the whole image).
    try:
        target = target_image(
            np.concatenate([X for X, _ in parts.values()]), np.concatenate([y for _, y in parts.values()]), shape, unit
        )
    except ValueError as exc:
        raise DmpError(f"{data_dir}: {exc}") from None
    model = load_model(model_path)
    if model.layer_sizes[0] != 2 or model.classes != record["classes"]:
        raise DmpError(f"{model_path}: expected a network from (x1, x2) to {record['classes']}")
    black = model.classes.index("black") if "black" in model.classes else 0
    species_map = SpeciesMap.load(species_path)
    crns = {}
    for name, path in crn_paths.items():
        crns[name] = read_crn(path)
        require_noncompetitive(crns[name], str(path))
        check_network_files(model, model_path, species_map, species_path, crns[name], path)
    drawing = draw(model, crns, species_map, shape, unit, upsample, settings, jobs)
    summary = pattern_summary(drawing, target.ravel(), black, meta, model.layer_sizes, settings, jobs)
    summary["provenance"] = run.provenance()
    write_json(Path(out_dir) / "pattern.json", summary)
    from dmp.plots import pattern_drawing

    sizes = "-".join(map(str, model.layer_sizes))
    source = Path(str(meta.get("source", ""))).name
    pattern_drawing(
        Path(out_dir) / "drawing.png",
        panels(drawing, target.ravel(), black, summary),
        f"{source}: {sizes} ternary ReLU network and its CRNs, simulated to t = {settings.t_end:g}",
    )
    return summary
