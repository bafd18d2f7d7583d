"""One function per workflow step: read its input files, call the library, write its outputs.

The CLI subcommands and hence the Snakemake rules call these; each takes paths and settings
(plain data) and writes every output atomically. Heavy imports (torch, GillesPy2, matplotlib)
happen inside the step that needs them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from dmp.config import config_hash, dataset_config, resolve_path, stage_settings
from dmp.crn.io import read_crn, require_known_species, write_crn
from dmp.errors import DmpError
from dmp.fileio import provenance, read_json, write_tsv

STAGE_SEED_DEFAULT = 2020  # the schema's default `seed`, for commands run without a config

# ---------------------------------------------------------------------------- dataset


def _data_path(config: dict[str, Any], dataset: str) -> Path | None:
    settings = dataset_config(config, dataset)
    return resolve_path(config, settings["path"]) if settings.get("path") else None


def prepare_dataset(config: dict[str, Any], dataset: str, out_dir: str | Path) -> dict[str, Any]:
    """Load, split and scale a configured dataset; writes train/val/test.csv and split.json."""
    from dmp.datasets import prepare

    settings = dataset_config(config, dataset)
    return prepare(settings, _data_path(config, dataset), config["seed"], out_dir, config_hash(config), dataset)


def dataset_problem(config: dict[str, Any], dataset: str) -> str | None:
    """One line saying why the dataset's files are missing (naming the config key), or None if present."""
    from dmp.datasets import data_problem

    return data_problem(dataset_config(config, dataset), _data_path(config, dataset), dataset)


def check_dataset(config: dict[str, Any], dataset: str) -> None:
    """Raise DmpError (one line, naming the config key) unless the dataset's files are present."""
    problem = dataset_problem(config, dataset)
    if problem is not None:
        raise DmpError(problem)


def _read_split(data_dir: str | Path) -> tuple[dict[str, Any], dict[str, tuple[np.ndarray, np.ndarray]]]:
    from dmp.datasets import read_part, require_two_classes

    data_dir = Path(data_dir)
    record = read_json(data_dir / "split.json", "not found; run the dataset stage first")
    missing = [k for k in ("features", "classes", "scaling") if k not in record]
    if missing:
        raise DmpError(f"{data_dir / 'split.json'}: missing key {missing[0]!r}; rerun the dataset stage")
    parts = {}
    for part in ("train", "val", "test"):
        X, y, features, _ = read_part(data_dir / f"{part}.csv", record["classes"])
        if features != record["features"]:
            raise DmpError(f"{data_dir / (part + '.csv')}: feature columns differ from split.json")
        parts[part] = (X, y)
    require_two_classes(data_dir / "train.csv", parts["train"][1], record["classes"])
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
    require_known_species(crn, str(crn_path))
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


# ---------------------------------------------------------------------------- pattern formation


def draw_pattern(
    data_dir: str | Path,
    model_path: str | Path,
    crn_paths: dict[str, str | Path],
    species_path: str | Path,
    settings: dict[str, Any],
    upsample: int,
    out_dir: str | Path,
    config: dict[str, Any] | None = None,
    jobs: int = 1,
) -> dict[str, Any]:
    """The image each CRN draws on the pixel grid, next to the target and the network's: drawing.png, pattern.json.

    Every CRN is simulated (batched mass-action ODE, `jobs` worker processes) at every pixel
    centre; with `upsample` > 1 also on a grid that many times finer. Pixel accuracies count the
    image's own pixels.
    """
    import time

    from dmp.config import config_hash
    from dmp.crn.io import read_crn
    from dmp.crn.noncompetitive import require_noncompetitive
    from dmp.crn.translate import SpeciesMap
    from dmp.fileio import provenance, write_json
    from dmp.nn.model import load_model
    from dmp.plots import pattern_drawing
    from dmp.sim.pattern import crn_outputs_many, grid_coordinates, pixel_indices

    record, parts = _read_split(data_dir)
    meta = record.get("meta", {})
    if "pixel_unit" not in meta or "image_shape" not in meta:
        raise DmpError(f"{Path(data_dir) / 'split.json'}: not a pattern dataset (no image_shape/pixel_unit in meta)")
    shape = (int(meta["image_shape"][0]), int(meta["image_shape"][1]))
    unit = float(meta["pixel_unit"])
    # The target image from the union of the parts (with `split: all` each part is the whole image).
    X = np.concatenate([X for X, _ in parts.values()])
    y = np.concatenate([y for _, y in parts.values()])
    try:
        rows, cols = pixel_indices(X, shape, unit)
    except ValueError as exc:
        raise DmpError(f"{data_dir}: {exc}") from None
    target_class = np.full(shape, -1, dtype=np.int64)
    target_class[rows, cols] = y
    if (target_class < 0).any():
        r, c = np.argwhere(target_class < 0)[0]
        raise DmpError(f"{data_dir}: pixel (row {r}, column {c}) is in no part of the split")

    model = load_model(model_path)
    if model.layer_sizes[0] != 2 or model.classes != record["classes"]:
        raise DmpError(f"{model_path}: expected a network from (x1, x2) to {record['classes']}")
    black = model.classes.index("black") if "black" in model.classes else 0
    species_map = SpeciesMap.load(species_path)
    crns = {}
    for name, path in crn_paths.items():
        crn = read_crn(path)
        require_noncompetitive(crn, str(path))
        crns[name] = crn

    grids = {1: grid_coordinates(shape, unit, 1)}
    if upsample > 1:
        grids[upsample] = grid_coordinates(shape, unit, upsample)
    target = target_class.ravel()
    nn_out = {k: model.forward(G) for k, G in grids.items()}
    crn_out: dict[str, dict[int, np.ndarray]] = {name: {} for name in crns}
    clipped = dict.fromkeys(crns, 0)
    pairs = [(name, k) for name in crns for k in grids]
    started = time.perf_counter()
    results = crn_outputs_many(
        [(crns[name], model.scaling.apply(grids[k])) for name, k in pairs], species_map, settings, jobs
    )
    seconds = time.perf_counter() - started
    for (name, k), (outputs, n_clipped) in zip(pairs, results, strict=True):
        crn_out[name][k] = outputs
        clipped[name] += n_clipped

    def argmax(outputs: np.ndarray) -> np.ndarray:
        return np.argmax(outputs, axis=1)

    nn_pixels = argmax(nn_out[1])
    nn_accuracy = float(np.mean(nn_pixels == target))
    per_crn: dict[str, Any] = {}
    for name in crns:
        pixels = argmax(crn_out[name][1])
        entry: dict[str, Any] = {
            "pixel_accuracy": float(np.mean(pixels == target)),
            "agreement_with_nn": float(np.mean(pixels == nn_pixels)),
            "pixels_differing_from_nn": int(np.sum(pixels != nn_pixels)),
            "max_abs_output_error": float(np.max(np.abs(crn_out[name][1] - nn_out[1]))),
            "clipped_inputs": clipped[name],
        }
        if upsample > 1:
            fine = argmax(crn_out[name][upsample])
            entry["fine_grid_agreement_with_nn"] = float(np.mean(fine == argmax(nn_out[upsample])))
            entry["fine_grid_max_abs_output_error"] = float(np.max(np.abs(crn_out[name][upsample] - nn_out[upsample])))
        per_crn[name] = entry
    height, width = shape
    summary: dict[str, Any] = {
        "image": meta.get("source"),
        "grid": {"rows": height, "cols": width, "pixel_unit": unit},
        "n_pixels": int(target.size),
        "black_pixels": int(np.sum(target == black)),
        "layer_sizes": model.layer_sizes,
        "nn_pixel_accuracy": nn_accuracy,
        # Headline figures are the worst over the simulated CRNs.
        "crn_pixel_accuracy": min(e["pixel_accuracy"] for e in per_crn.values()) if per_crn else None,
        "crn_nn_agreement": min(e["agreement_with_nn"] for e in per_crn.values()) if per_crn else None,
        "crns": per_crn,
        "fine_grid": {"upsample": upsample, "rows": height * upsample, "cols": width * upsample}
        if upsample > 1
        else None,
        "t_end": settings["t_end"],
        "method": "ode (dmp.sim.batch.simulate_batch: batched mass action)",
        "simulated_points": int(sum(len(grids[k]) for _, k in pairs)),
        "simulation_seconds": round(seconds, 3),
        "jobs": jobs,
        "rtol": settings["rtol"],
        "atol": settings["atol"],
    }
    if config is not None:
        summary["provenance"] = provenance(config_hash(config), config["seed"])

    def image(classes: np.ndarray, k: int) -> np.ndarray:
        return (classes == black).reshape(height * k, width * k)

    def percent(value: float) -> str:
        return f"{100 * value:.1f}%"

    panels: list[list[tuple[str, np.ndarray | None]]] = [
        [(f"target ({summary['black_pixels']}/{target.size} black)", image(target, 1))]
        + [(f"network: {percent(nn_accuracy)} of pixels", image(nn_pixels, 1))]
        + [
            (
                f"{name} CRN: {percent(e['pixel_accuracy'])} of pixels\n"
                f"agrees with network on {percent(e['agreement_with_nn'])}",
                image(argmax(crn_out[name][1]), 1),
            )
            for name, e in per_crn.items()
        ]
    ]
    if upsample > 1:
        panels.append(
            [(f"{upsample}x finer grid:", None), ("network", image(argmax(nn_out[upsample]), upsample))]
            + [
                (
                    f"{name} CRN (agrees on {percent(per_crn[name]['fine_grid_agreement_with_nn'])})",
                    image(argmax(crn_out[name][upsample]), upsample),
                )
                for name in crns
            ]
        )
    sizes = "-".join(map(str, model.layer_sizes))
    write_json(Path(out_dir) / "pattern.json", summary)
    pattern_drawing(
        Path(out_dir) / "drawing.png",
        panels,
        f"{Path(str(meta.get('source', ''))).name}: {sizes} ternary ReLU network and its CRNs, simulated to t = {settings['t_end']:g}",
    )
    return summary
