"""One function per workflow step: read its input files, call the library, write its outputs.

The CLI subcommands and hence the Snakemake rules call these; each takes paths and settings
(plain data) and writes every output atomically. Heavy imports (torch, GillesPy2, matplotlib)
happen inside the step that needs them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from dmp.config import config_hash, dataset_config, resolve_path, stage_settings
from dmp.crn.io import read_crn, write_crn
from dmp.errors import DmpError
from dmp.fileio import provenance, write_tsv

STAGE_SEED_DEFAULT = 2020  # the schema's default `seed`, for commands run without a config

# ---------------------------------------------------------------------------- dataset


def prepare_dataset(config: dict[str, Any], dataset: str, out_dir: str | Path) -> dict[str, Any]:
    """Load, split and scale a configured dataset; writes train/val/test.csv and split.json."""
    from dmp.datasets import prepare

    settings = dataset_config(config, dataset)
    path = resolve_path(config, settings["path"]) if settings.get("path") else None
    record = prepare(settings, path, config["seed"], out_dir, config_hash(config))
    return record


def _read_split(data_dir: str | Path) -> tuple[dict[str, Any], dict[str, tuple[np.ndarray, np.ndarray]]]:
    from dmp.datasets import read_part

    data_dir = Path(data_dir)
    try:
        record = json.loads((data_dir / "split.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DmpError(f"{data_dir / 'split.json'}: not found; run the dataset stage first") from None
    parts = {}
    for part in ("train", "val", "test"):
        X, y, features, _ = read_part(data_dir / f"{part}.csv", record["classes"])
        if features != record["features"]:
            raise DmpError(f"{data_dir / (part + '.csv')}: feature columns differ from split.json")
        parts[part] = (X, y)
    return record, parts


# ---------------------------------------------------------------------------- training


def train_network(
    config: dict[str, Any],
    dataset: str,
    data_dir: str | Path,
    out: str | Path,
    history_path: str | Path | None = None,
    curves_path: str | Path | None = None,
) -> dict[str, Any]:
    """Train the ternary network of `dataset` and write model.json (+ history TSV and curve PNG)."""
    from dmp.datasets import Scaling
    from dmp.nn.train import train

    record, parts = _read_split(data_dir)
    settings = stage_settings(config, dataset, "training")
    hidden = dataset_config(config, dataset)["hidden"]
    result = train(
        settings,
        hidden,
        Scaling.from_json(record["scaling"]),
        record["features"],
        record["classes"],
        parts,
        config["seed"],
    )
    model = result.model
    model.info["dataset"] = dataset
    model.info["provenance"] = provenance(config_hash(config), config["seed"])
    model.save(out)
    if history_path:
        keys = list(result.history[0])
        write_tsv(history_path, keys, ([h[k] for k in keys] for h in result.history))
    if curves_path:
        from dmp.plots import training_curves

        training_curves(
            curves_path, result.history, f"{dataset}: {'-'.join(map(str, model.layer_sizes))} ternary ReLU network"
        )
    return model.info["metrics"]


# ---------------------------------------------------------------------------- CRN


def build_crns(
    model_path: str | Path, out_dir: str | Path, settings: dict[str, Any], config: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Translate model.json into full.crn, reduced.crn and species.json (both CRNs checked NC)."""
    from dmp.crn.translate import network_to_crn, reduce_network_crn
    from dmp.nn.model import load_model

    model = load_model(model_path)
    full, species_map = network_to_crn(model, settings["inputs"], settings["rate_constant"])
    reduced = reduce_network_crn(full, species_map)
    sha = config_hash(config) if config else None
    seed = config["seed"] if config else None
    species_map.provenance = provenance(sha, seed)
    sizes = "-".join(map(str, model.layer_sizes))
    stamp = f"dmp {provenance()['dmp_version']}" + (f", config sha256 {sha[:16]}, seed {seed}" if sha else "")
    out_dir = Path(out_dir)
    for name, crn, what in (
        ("full", full, "full translation"),
        ("reduced", reduced, "reduced (unimolecular reactions substituted)"),
    ):
        header = [
            f"{what} of the {sizes} ternary ReLU network {Path(model_path).name}",
            f"inputs: {settings['inputs']}; {len(crn.reactions)} reactions, {len(crn.species)} species; non-competitive",
            stamp,
        ]
        write_crn(crn, out_dir / f"{name}.crn", header)
    species_map.save(out_dir / "species.json")
    return {
        "full": {"reactions": len(full.reactions), "species": len(full.species)},
        "reduced": {"reactions": len(reduced.reactions), "species": len(reduced.species)},
    }


# ---------------------------------------------------------------------------- DSD


def compile_dsd(
    crn_path: str | Path,
    scheme: str,
    out_dir: str | Path,
    settings: dict[str, Any],
    config: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Compile a .crn file with a translation scheme into out_dir (system.pil, gates.tsv, strands.tsv)."""
    from dmp.dsd.pipeline import compile_to_dir

    stamp = provenance(config_hash(config), config["seed"]) if config else provenance()
    return compile_to_dir(crn_path, scheme, out_dir, settings, stamp, settings.get("backend", "dmp"))


# ---------------------------------------------------------------------------- sequences


def design_sequences(
    dsd_dir: str | Path,
    candidate: int,
    out_dir: str | Path,
    settings: dict[str, Any],
    config: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Design and score one sequence candidate for a compiled DSD folder (out_dir/candidates/<k>.json)."""
    from dmp.seq.pipeline import design_candidate

    seed = config["seed"] if config else STAGE_SEED_DEFAULT
    stamp = provenance(config_hash(config), seed) if config else provenance(seed=seed)
    return design_candidate(dsd_dir, candidate, out_dir, settings, seed, stamp)


def select_sequences(
    seq_dir: str | Path,
    candidates: int,
    dsd_dir: str | Path | None = None,
    settings: dict[str, Any] | None = None,
    config: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Rank the candidates in seq_dir and write sequences, scores, report and order sheets."""
    from dmp.seq.pipeline import select

    stamp = provenance(config_hash(config), config["seed"]) if config else None
    return select(seq_dir, candidates, dsd_dir, settings, stamp)


# ---------------------------------------------------------------------------- simulation


def simulate_file(
    crn_path: str | Path,
    t_end: float,
    method: str,
    seed: int,
    out: str | Path | None,
    points: int = 101,
    molecules_per_unit: int = 100,
) -> str:
    """Simulate a .crn file from its own initial concentrations; returns/writes CSV text."""
    from dmp.sim.gillespy import simulate_ode, simulate_ssa

    crn = read_crn(crn_path)
    if method == "ode":
        trajectory = simulate_ode(crn, t_end, points)
    else:
        trajectory = simulate_ssa(crn, t_end, points, seed=seed, molecules_per_unit=molecules_per_unit)[0]
    if out is not None:
        trajectory.write_csv(out)
    header = "time," + ",".join(trajectory.species)
    rows = [",".join(f"{v:.12g}" for v in row) for row in np.column_stack([trajectory.times, trajectory.values])]
    return "\n".join([header, *rows]) + "\n"


def evaluate_crn(
    crn_path: str | Path,
    species_path: str | Path,
    model_path: str | Path,
    data_path: str | Path,
    settings: dict[str, Any],
    out: str | Path,
    jobs: int = 1,
    **options: Any,
) -> dict[str, Any]:
    """Simulate one CRN on every test example (or one chunk) and write its outputs as TSV.

    See `dmp.sim.pipeline.evaluate_crn` for the options (level, unit_nM, chunk, chunks).
    """
    from dmp.sim.pipeline import evaluate_crn as evaluate

    return evaluate(crn_path, species_path, model_path, data_path, settings, out, jobs, **options)


def summarize_agreement(
    model_path: str | Path,
    data_path: str | Path,
    crn_outputs: dict[str, str | Path],
    crn_paths: dict[str, str | Path],
    species_path: str | Path,
    settings: dict[str, Any],
    out_dir: str | Path,
    config: dict[str, Any] | None = None,
    **options: Any,
) -> dict[str, Any]:
    """Compare every CRN's outputs with the network: agreement.tsv, summary.json/.html and figures.

    See `dmp.sim.pipeline.summarize_agreement` for the DNA-level options.
    """
    from dmp.sim.pipeline import summarize_agreement as summarize

    return summarize(model_path, data_path, crn_outputs, crn_paths, species_path, settings, out_dir, config, **options)
