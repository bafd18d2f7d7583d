"""SSA step: stochastic ensembles of a formal CRN per test example, and a molecule-count sweep."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from dmp.crn.io import read_crn
from dmp.crn.species_map import SpeciesMap
from dmp.fileio import write_json, write_tsv
from dmp.sim.agreement import class_picks
from dmp.sim.report import ssa_html
from dmp.sim.ssa import figure_ensembles, ssa_study
from dmp.stages.common import Run, check_network_files, first, read_test, writes_together


@writes_together
def ssa(
    run: Run,
    crn_path: str | Path,
    species_path: str | Path,
    model_path: str | Path,
    data_path: str | Path,
    out_dir: str | Path,
) -> dict[str, Any]:
    """examples.tsv, sweep.tsv, summary.json, summary.html and ensembles.png in `out_dir`."""
    settings = run.settings("simulation")
    out_dir = Path(out_dir)
    model, X, y = read_test(model_path, data_path, first(settings.ssa.examples, settings.max_examples))
    classes = model.classes
    nn_out = model.forward(X)
    crn, species_map = read_crn(crn_path), SpeciesMap.load(species_path)
    check_network_files(model, model_path, species_map, species_path, crn, crn_path)
    study = ssa_study(crn, species_map, model.scaling.apply(X), nn_out, settings, run.seed)
    agreement = np.array([s["argmax_agreement"] for s in study.per_example])
    per_example = study.per_example

    def over_examples(key: str, reduce: Any) -> float | None:
        return float(reduce([s[key] for s in per_example])) if per_example else None

    summary: dict[str, Any] = {
        "crn": str(crn_path),
        "solver": study.runner.solver_name,
        "molecules_per_unit": int(settings.molecules_per_unit),
        "trajectories_per_example": int(settings.ssa.trajectories),
        "t_end": float(settings.ssa.t_end),
        "n_examples": int(len(y)),
        "mean_argmax_agreement": float(agreement.mean()) if len(agreement) else None,
        "examples_all_trajectories_agree": int(np.sum(agreement == 1.0)),
        "examples_no_trajectory_agrees": int(np.sum(agreement == 0.0)),
        "mean_abs_error": over_examples("mean_abs_error", np.mean),
        "max_abs_error": over_examples("max_abs_error", np.max),
        "mean_output_std": over_examples("output_std_max", np.mean),
        "sweep": study.sweep,
        "provenance": run.provenance(),
    }
    write_tsv(
        out_dir / "examples.tsv",
        ["example", "label", "nn_argmax", "argmax_agreement", "output_std_max", "mean_abs_error", "max_abs_error"],
        ([k, classes[y[k]], classes[int(np.argmax(nn_out[k]))], *s.values()] for k, s in enumerate(per_example)),
    )
    sweep_header = list(study.sweep[0]) if study.sweep else ["molecules_per_unit"]
    write_tsv(out_dir / "sweep.tsv", sweep_header, ([r[h] for h in sweep_header] for r in study.sweep))
    write_json(out_dir / "summary.json", summary)
    ssa_html(out_dir / "summary.html", summary, sweep_header, settings.ssa.t_end)
    _figure(out_dir / "ensembles.png", study, summary, classes, y, nn_out, settings.ssa.figure_examples, run.seed)
    return summary


def _figure(path, study, summary, classes, y, nn_out, count, seed) -> None:  # noqa: ANN001
    from dmp.plots import ssa_ensembles

    mpu, trajectories = summary["molecules_per_unit"], summary["trajectories_per_example"]
    picks = class_picks(y, len(classes), int(count))
    curves = figure_ensembles(study, picks, mpu, trajectories, seed)
    ensembles = [
        (f"example {k} ({classes[y[k]]}), {mpu} molecules/unit", c, nn_out[k])
        for k, c in zip(picks, curves, strict=True)
    ]
    sweep = summary["sweep"]
    ssa_ensembles(
        path,
        study.runner.times(),
        ensembles,
        classes,
        (
            np.array([r["molecules_per_unit"] for r in sweep]),
            np.array([r["mean_argmax_agreement"] for r in sweep], dtype=float),
            np.array([r["mean_abs_error"] for r in sweep], dtype=float),
        ),
        f"SSA ensembles ({study.runner.solver_name}); dashed: network outputs",
    )
