"""Agreement step: every CRN's outputs against the network -> agreement.tsv, summary.json/.html, figures.

Formal CRNs (full, reduced) give the headline figures; each scheme's DNA-level CRN, compiled from
the formal CRN `dsd.crn`, is compared with the network and with that formal CRN.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from dmp.crn.io import read_crn
from dmp.crn.species_map import SpeciesMap
from dmp.errors import DmpError
from dmp.fileio import write_json, write_tsv
from dmp.sim.agreement import agreement_summary, class_picks, confusion, per_example_table, softmax_confidence
from dmp.sim.readout import simulate_inputs
from dmp.sim.report import agreement_html
from dmp.sim.settings import SimulationSettings
from dmp.stages.common import Run, check_network_files, read_outputs, read_test, writes_together

TRAJECTORY_POINTS = 201


@writes_together
def agreement(
    run: Run,
    model_path: str | Path,
    data_path: str | Path,
    species_path: str | Path,
    outputs: dict[str, str | Path],
    crns: dict[str, str | Path],
    out_dir: str | Path,
    dna_outputs: dict[str, str | Path] | None = None,
    dna_crns: dict[str, str | Path] | None = None,
) -> dict[str, Any]:
    """Compare the outputs tables of the formal CRNs (`outputs`) and DNA-level CRNs with the network."""
    settings, dsd = run.settings("simulation"), run.settings("dsd")
    out_dir = Path(out_dir)
    model, X, y = read_test(model_path, data_path)
    species_map = SpeciesMap.load(species_path)
    check_network_files(model, model_path, species_map, species_path)
    for level, paths in (("formal", crns), ("dna", dna_crns or {})):
        for path in paths.values():
            check_network_files(model, model_path, species_map, species_path, read_crn(path), path, level)
    if dna_outputs and dna_crns and set(dna_outputs) != set(dna_crns):
        raise DmpError(
            f"--dna-outputs names {', '.join(sorted(dna_outputs))} but --dna-crns names {', '.join(sorted(dna_crns))}; "
            "give both for the same schemes"
        )
    classes = model.classes
    formal = {name: read_outputs(path, classes, y, data_path) for name, path in outputs.items()}
    dna = {name: read_outputs(path, classes, y, data_path) for name, path in (dna_outputs or {}).items()}
    if not formal:
        raise DmpError("no formal CRN outputs given")
    n = min(len(v["y"]) for v in formal.values())
    X, y = X[:n], y[:n]
    nn_out = model.forward(X)
    summary = agreement_summary(nn_out, y, formal, dna, settings, dsd.unit_nM, dsd.crn)
    summary["provenance"] = run.provenance()
    tables = {**formal, **{f"dna_{s}": values for s, values in dna.items()}}
    header, rows = per_example_table(classes, y, nn_out, tables)
    write_tsv(out_dir / "agreement.tsv", header, rows)
    write_json(out_dir / "summary.json", summary)
    agreement_html(out_dir / "summary.html", summary)
    picks = class_picks(y, len(classes), settings.trajectory_examples)
    _trajectory_figures(out_dir, crns, dna_crns or {}, dna, species_map, model, X, y, picks, settings, dsd.unit_nM)
    _agreement_figures(out_dir, summary, formal, dna, nn_out, y, classes, settings)
    return summary


def _curves(
    crn_path: str | Path,
    species_map: SpeciesMap,
    X_scaled: np.ndarray,
    settings: SimulationSettings,
    t_end: float,
    unit: float = 1.0,
) -> tuple[np.ndarray, list[np.ndarray]]:
    """(T,) times and one (T, O) output curve per example on a uniform grid to `t_end`."""
    times = np.linspace(0.0, float(t_end), TRAJECTORY_POINTS)
    readout = simulate_inputs(
        read_crn(crn_path), species_map, X_scaled, times, settings, unit, batch_size=max(len(X_scaled), 1)
    )
    return times, [readout.outputs[:, b, :] for b in range(readout.outputs.shape[1])]


def _trajectory_figures(out_dir, crns, dna_crns, dna, species_map, model, X, y, picks, settings, unit_nM):  # noqa: ANN001, ANN202
    from dmp.plots import output_trajectories

    classes, nn_out = model.classes, model.forward(X)
    if picks:
        name = "reduced" if "reduced" in crns else next(iter(crns))
        times, curves = _curves(
            crns[name], species_map, model.scaling.apply(X[picks]), settings, settings.trajectory_t_end
        )
        output_trajectories(
            out_dir / "trajectories.png",
            times,
            curves,
            nn_out[picks],
            classes,
            [f"example {k} (label {classes[y[k]]})" for k in picks],
            f"{name} CRN outputs over time, one example per class; dashed: network outputs",
        )
    dna_picks = [k for k in picks if all(k < len(dna[s]["y"]) for s in dna)] if dna else picks
    if not dna_crns or not dna_picks:
        return
    dna_settings = settings.at_level("dna")
    curves_all, titles, hours = [], [], None
    for scheme, path in dna_crns.items():
        times, curves = _curves(
            path, species_map, model.scaling.apply(X[dna_picks]), dna_settings, settings.dna.trajectory_t_end, unit_nM
        )
        hours, curves_all = times / 3600.0, curves_all + curves
        titles += [f"{scheme}: example {k} ({classes[y[k]]})" for k in dna_picks]
    output_trajectories(
        out_dir / "dna_trajectories.png",
        hours,
        curves_all,
        np.array([nn_out[k] for k in dna_picks] * len(dna_crns)),
        classes,
        titles,
        f"DNA-level (enumerated) CRN outputs, {unit_nM:g} nM per unit; dashed: network outputs",
        xlabel="time (hours)",
    )


def _agreement_figures(out_dir, summary, formal, dna, nn_out, y, classes, settings) -> None:  # noqa: ANN001
    from dmp.plots import confusion_matrices, stabilisation_scatter

    n = len(y)
    panels = [
        (f"{nm} CRN ({e['crn_nn_argmax_agreement']:.1%} agree)", confusion(nn_out, formal[nm]["y"][:n], len(classes)))
        for nm, e in summary["crns"].items()
    ]
    for scheme, e in summary.get("dna", {}).get("schemes", {}).items():
        m = e["n_test"]
        agree = e["vs_network"]["crn_nn_argmax_agreement"]
        panels.append((f"DNA {scheme} ({agree:.1%} agree)", confusion(nn_out[:m], dna[scheme]["y"][:m], len(classes))))
    confusion_matrices(out_dir / "confusion.png", panels, classes, "network argmax vs CRN argmax on the test set")
    scatter = []
    confidence = softmax_confidence(nn_out)
    for nm, e in summary["crns"].items():
        sc = e["stabilisation_vs_confidence"]
        rho = f"rho = {sc['rho']:.2f}, p = {sc['p_value']:.2g}" if sc["rho"] is not None else "rho undefined"
        scatter.append((f"{nm} CRN: Spearman {rho}", confidence, formal[nm].get("t_stable", np.full(n, np.nan))[:n]))
    stabilisation_scatter(
        out_dir / "stabilisation.png",
        scatter,
        "network softmax confidence",
        f"stabilisation time (all outputs within {settings.stabilisation_atol:g} of final) vs confidence",
    )
