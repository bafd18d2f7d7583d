"""Rates step: every rate constant drawn at random, the test set simulated again; a competitive contrast."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dmp.crn.io import read_crn
from dmp.crn.species_map import SpeciesMap
from dmp.fileio import write_json, write_tsv
from dmp.sim.rates import rate_study
from dmp.sim.report import rates_html
from dmp.stages.common import Run, check_network_files, first, read_test, writes_together

HEADER = [
    "crn",
    "draw",
    "seed",
    "log10_k_min",
    "log10_k_max",
    "t_end",
    "max_deviation_from_original_rates",
    "max_abs_error_vs_network",
    "argmax_agreement",
]


@writes_together
def rates(
    run: Run,
    crn_paths: dict[str, str | Path],
    species_path: str | Path,
    model_path: str | Path,
    data_path: str | Path,
    out_dir: str | Path,
) -> dict[str, Any]:
    """draws.tsv, summary.json, summary.html and spread.png in `out_dir`."""
    settings = run.settings("simulation")
    r = settings.rates
    out_dir = Path(out_dir)
    model, X, y = read_test(model_path, data_path, first(r.max_examples, settings.max_examples))
    crns = {name: read_crn(path) for name, path in crn_paths.items()}
    species_map = SpeciesMap.load(species_path)
    for name, crn in crns.items():
        check_network_files(model, model_path, species_map, species_path, crn, crn_paths[name])
    study = rate_study(crns, species_map, model.scaling.apply(X), model.forward(X), settings, run.seed)
    comp = study.competitive
    summary: dict[str, Any] = {
        "draws": int(r.draws),
        "log10_rate_range": [r.log10_min, r.log10_max],
        "examples": int(len(y)),
        "tolerance": r.tolerance,
        "engine": settings.engine,
        "crns": study.per_crn,
        "all_unchanged": all(v["unchanged"] for v in study.per_crn.values()),
        "competitive": {
            "crn": "A + B -> C; A + D -> E; A = 1, B = D = 0.6",
            "output": "final C",
            "at_equal_rates": study.competitive_base,
            "min": float(comp.min()) if len(comp) else None,
            "max": float(comp.max()) if len(comp) else None,
            "max_deviation": float(abs(comp - study.competitive_base).max()) if len(comp) else None,
        },
        "provenance": run.provenance(),
    }
    write_tsv(out_dir / "draws.tsv", HEADER, ([("" if v is None else v) for v in row] for row in study.rows))
    write_json(out_dir / "summary.json", summary)
    rates_html(out_dir / "summary.html", summary)
    from dmp.plots import rate_spread

    rate_spread(
        out_dir / "spread.png",
        study.deviations,
        r.tolerance,
        comp,
        study.competitive_base,
        f"rate constants drawn log-uniformly on [1e{r.log10_min:g}, 1e{r.log10_max:g}] ({r.draws} draws, {len(y)} examples)",
    )
    return summary
