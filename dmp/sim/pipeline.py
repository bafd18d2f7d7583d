"""The simulation stage as steps on files: evaluate (in chunks), collect, agreement, SSA, rates.

    evaluate   one CRN (formal, or the DNA-level enumerated CRN) on the test examples
               -> <crn>_outputs.tsv, or chunks/<crn>_outputs.<k>-of-<n>.tsv for one chunk
    collect    the chunks -> <crn>_outputs.tsv (the same bytes as an unchunked run)
    agreement  every CRN against the network -> agreement.tsv, summary.json/.html, figures
    ssa        stochastic ensembles and a molecule-count sweep -> ssa/
    rates      every rate constant drawn at random, and a competitive contrast -> rates/

Chunks are made of whole batches of `simulation.batch_size` examples, and the batched engine
integrates each batch the same way whichever chunk it falls in, so collecting chunks gives
byte-identical outputs to one run over all examples.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from dmp.config import config_hash
from dmp.crn.io import read_crn
from dmp.errors import DmpError
from dmp.fileio import provenance, read_tsv, write_json, write_tsv

LEVELS = ("formal", "dna")
EXTRA_COLUMNS = ("t_stable", "t_90", "converged", "min_fuel_fraction")


def level_settings(settings: dict[str, Any], level: str) -> dict[str, Any]:
    """Simulation settings of a level: the DNA level takes t_end etc. from `simulation.dna` (seconds)."""
    if level not in LEVELS:
        raise DmpError(f"--level must be one of {', '.join(LEVELS)}, got {level!r}")
    if level == "formal":
        return dict(settings)
    dna = settings["dna"]
    out = dict(settings)
    out.update(
        t_end=dna["t_end"],
        rtol=dna["rtol"],
        atol=dna["atol"],
        stabilisation_points=dna["stabilisation_points"],
        max_examples=dna["max_examples"] if dna["max_examples"] is not None else settings["max_examples"],
    )
    return out


def chunk_path(out: str | Path, chunk: int, chunks: int) -> Path:
    """Where chunk `chunk` of `chunks` of the outputs table `out` is written."""
    out = Path(out)
    return out.parent / "chunks" / f"{out.stem}.{chunk}-of-{chunks}.tsv"


def chunk_examples(n: int, batch_size: int, chunk: int, chunks: int) -> np.ndarray:
    """Examples of chunk `chunk` (0-based) of `chunks`: whole batches, dealt in contiguous runs."""
    if chunks < 1 or not 0 <= chunk < chunks:
        raise DmpError(f"--chunk must be between 0 and {chunks - 1} (got --chunk {chunk} --of {chunks})")
    batches = np.array_split(np.arange(math.ceil(n / batch_size)), chunks)[chunk]
    if len(batches) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.arange(batches[0] * batch_size, min(n, (batches[-1] + 1) * batch_size))


def _test_data(model_path: str | Path, data_path: str | Path, max_examples: int | None):
    from dmp.datasets import read_part
    from dmp.nn.model import load_model

    model = load_model(model_path)
    X, y, _, _ = read_part(data_path, model.classes)
    if max_examples:
        X, y = X[:max_examples], y[:max_examples]
    return model, X, y


def evaluate_crn(
    crn_path: str | Path,
    species_path: str | Path,
    model_path: str | Path,
    data_path: str | Path,
    settings: dict[str, Any],
    out: str | Path,
    jobs: int = 1,
    level: str = "formal",
    unit_nM: float = 1.0,
    chunk: int | None = None,
    chunks: int | None = None,
) -> dict[str, Any]:
    """Simulate one CRN on the test examples (or one chunk of them) and write its outputs table.

    Columns: example, label, y_<class>... (formal units), t_stable and t_90 (formal time units,
    or seconds at the DNA level), converged, min_fuel_fraction (DNA level; nan without fuels).
    """
    import time

    from dmp.crn.noncompetitive import require_noncompetitive
    from dmp.crn.translate import SpeciesMap
    from dmp.sim.evaluate import evaluate_examples

    settings = level_settings(settings, level)
    crn = read_crn(crn_path)
    if level == "formal":
        require_noncompetitive(crn, str(crn_path))
    species_map = SpeciesMap.load(species_path)
    model, X, y = _test_data(model_path, data_path, settings["max_examples"])
    unit = float(unit_nM) if level == "dna" else 1.0
    if (chunk is None) != (chunks is None):
        raise DmpError("--chunk and --of go together (chunk K of N, counted from 0)")
    engine = settings["engine"]
    batch_size = int(settings["batch_size"]) if engine == "batch" else 1
    index = np.arange(len(y)) if chunk is None else chunk_examples(len(y), batch_size, chunk, chunks)
    started = time.perf_counter()
    evaluation, clipped = evaluate_examples(
        crn, species_map, model.scaling.apply(X[index]), settings, engine, unit, jobs
    )
    seconds = time.perf_counter() - started
    header = ["example", "label", *[f"y_{c}" for c in model.classes], *EXTRA_COLUMNS]
    rows = [
        [
            int(k),
            model.classes[y[k]],
            *map(float, evaluation.outputs[i]),
            float(evaluation.t_stable[i]),
            float(evaluation.t_90[i]),
            bool(evaluation.converged[i]),
            float(evaluation.min_fuel_fraction[i]),
        ]
        for i, k in enumerate(index)
    ]
    target = Path(out) if chunk is None else chunk_path(out, chunk, chunks)
    write_tsv(target, header, rows)
    return {
        "out": str(target),
        "level": level,
        "engine": engine,
        "examples": len(index),
        "seconds": round(seconds, 3),
        "ms_per_example": round(1000 * seconds / max(len(index), 1), 3),
        "clipped_inputs": clipped,
    }


def collect_outputs(out: str | Path, chunks: int) -> dict[str, Any]:
    """Merge chunks/<stem>.<k>-of-<chunks>.tsv into `out`; checks that every example appears once."""
    header: list[str] | None = None
    rows: list[dict[str, str]] = []
    for k in range(chunks):
        path = chunk_path(out, k, chunks)
        if not path.is_file():
            raise DmpError(f"{path}: not found; run `dmp evaluate ... --chunk {k} --of {chunks} --out {out}` first")
        with open(path, encoding="utf-8") as handle:
            first = handle.readline().rstrip("\n").split("\t")
        if header is None:
            header = first
        elif first != header:
            raise DmpError(f"{path}: columns differ from {chunk_path(out, 0, chunks)}")
        rows.extend(read_tsv(path))
    examples = [int(r["example"]) for r in rows]
    if sorted(examples) != list(range(len(examples))):
        raise DmpError(f"{out}: the {chunks} chunks do not cover examples 0..{len(examples) - 1} exactly once")
    rows.sort(key=lambda r: int(r["example"]))
    assert header is not None
    # Cells are copied as text, so the merged table has exactly the bytes an unchunked run writes.
    write_tsv(out, header, ([_Raw(r[h]) for h in header] for r in rows))
    return {"out": str(out), "chunks": chunks, "examples": len(rows)}


class _Raw(str):
    """A table cell already formatted (kept as is by write_tsv)."""


def read_outputs(path: str | Path, classes: list[str]) -> dict[str, np.ndarray]:
    """An outputs table: y (n, classes) and the extra per-example columns."""
    rows = read_tsv(path)
    try:
        y = np.array([[float(r[f"y_{c}"]) for c in classes] for r in rows], dtype=np.float64).reshape(
            len(rows), len(classes)
        )
        extra = {
            name: np.array([float(r[name]) if name != "converged" else r[name] == "True" for r in rows])
            for name in EXTRA_COLUMNS
            if rows and name in rows[0]
        }
    except KeyError as exc:
        raise DmpError(f"{path}: missing column {exc}") from None
    return {"y": y, **extra}


# ---------------------------------------------------------------------------- agreement


def softmax_confidence(outputs: np.ndarray) -> np.ndarray:
    """Largest softmax probability of each row of network outputs."""
    shifted = outputs - outputs.max(axis=1, keepdims=True)
    p = np.exp(shifted)
    return (p / p.sum(axis=1, keepdims=True)).max(axis=1)


def spearman(x: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """Spearman rank correlation with its two-sided p-value (scipy.stats.spearmanr); null if undefined."""
    from scipy.stats import spearmanr

    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return {"rho": None, "p_value": None, "n": int(len(x))}
    result = spearmanr(x, y)
    return {"rho": float(result.statistic), "p_value": float(result.pvalue), "n": int(len(x))}


def confusion(nn_outputs: np.ndarray, crn_outputs: np.ndarray, n_classes: int) -> np.ndarray:
    """Counts of (network argmax, CRN argmax) pairs."""
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (np.argmax(nn_outputs, axis=1), np.argmax(crn_outputs, axis=1)), 1)
    return matrix


def _stats(values: np.ndarray) -> dict[str, float | None]:
    values = np.asarray(values, dtype=np.float64)
    values = values[np.isfinite(values)]
    if not len(values):
        return {"median": None, "max": None}
    return {"median": float(np.median(values)), "max": float(np.max(values))}


def _class_picks(y: np.ndarray, n_classes: int, count: int) -> list[int]:
    """The first test example of each class, at most `count` of them."""
    picks: list[int] = []
    for c in range(n_classes):
        picks += [int(k) for k in np.flatnonzero(y == c)[:1]]
    return sorted(picks)[:count] if count else []


def _trajectories(crn, species_map, X_scaled, t_end, settings, unit=1.0):  # noqa: ANN001, ANN202
    """(T,), list of (T, O) output curves of a few examples on a uniform grid (batched engine)."""
    from dmp.sim.batch import compile_crn, initial_states, integrate_observed
    from dmp.sim.evaluate import example_initials, output_matrix

    compiled = compile_crn(crn)
    initials, _ = example_initials(crn, species_map, X_scaled, unit)
    times = np.linspace(0.0, float(t_end), 201)
    observed, _ = integrate_observed(
        compiled,
        initial_states(compiled, crn, initials),
        times,
        output_matrix(crn.species, species_map, unit),
        settings["rtol"],
        settings["atol"],
    )
    return times, [observed[:, b, :] for b in range(observed.shape[1])]


def summarize_agreement(
    model_path: str | Path,
    data_path: str | Path,
    crn_outputs: dict[str, str | Path],
    crn_paths: dict[str, str | Path],
    species_path: str | Path,
    settings: dict[str, Any],
    out_dir: str | Path,
    config: dict[str, Any] | None = None,
    dna_outputs: dict[str, str | Path] | None = None,
    dna_paths: dict[str, str | Path] | None = None,
    unit_nM: float = 1.0,
    dna_source: str = "full",
) -> dict[str, Any]:
    """Compare every CRN with the network: agreement.tsv, summary.json, summary.html and figures.

    Formal CRNs give the headline figures; DNA-level CRNs (one per scheme, compiled from the
    formal CRN `dna_source`) are compared with the network and with that formal CRN.
    """
    from dmp.crn.translate import SpeciesMap
    from dmp.nn.model import accuracy
    from dmp.plots import confusion_matrices, output_trajectories, stabilisation_scatter
    from dmp.sim.agreement import compare
    from dmp.sim.report import write_tables

    out_dir = Path(out_dir)
    dna_outputs = dna_outputs or {}
    dna_paths = dna_paths or {}
    model, X, y = _test_data(model_path, data_path, None)
    classes = model.classes
    species_map = SpeciesMap.load(species_path)
    formal = {name: read_outputs(path, classes) for name, path in crn_outputs.items()}
    dna = {name: read_outputs(path, classes) for name, path in dna_outputs.items()}
    if not formal:
        raise DmpError("no formal CRN outputs given")
    n = min(len(v["y"]) for v in formal.values())
    X, y = X[:n], y[:n]
    nn_out = model.forward(X)
    confidence = softmax_confidence(nn_out)
    per_crn: dict[str, Any] = {}
    for name, values in formal.items():
        entry = compare(nn_out, values["y"][:n], y)
        t_stable = values.get("t_stable", np.full(n, np.nan))[:n]
        entry["stabilisation_time"] = _stats(t_stable)
        entry["time_to_90_percent"] = _stats(values.get("t_90", np.full(n, np.nan))[:n])
        entry["converged_fraction"] = float(np.mean(values["converged"][:n])) if "converged" in values else None
        entry["stabilisation_vs_confidence"] = spearman(confidence, t_stable)
        per_crn[name] = entry
    names = list(formal)
    summary: dict[str, Any] = {
        "n_test": int(n),
        "nn_test_accuracy": accuracy(nn_out, y),
        # Headline figures are the worst over all simulated formal CRNs (full and reduced).
        "crn_test_accuracy": min(v["crn_test_accuracy"] for v in per_crn.values()),
        "crn_nn_argmax_agreement": min(v["crn_nn_argmax_agreement"] for v in per_crn.values()),
        "max_abs_output_error": max(v["max_abs_output_error"] for v in per_crn.values()),
        "t_end": settings["t_end"],
        "engine": settings["engine"],
        "method": "ode (dmp.sim.batch: mass action, SciPy BDF, block-triangular Newton solves)"
        if settings["engine"] == "batch"
        else "ode (GillesPy2 ODESolver, LSODA)",
        "rtol": settings["rtol"],
        "atol": settings["atol"],
        "stabilisation_atol": settings["stabilisation_atol"],
        "crns": per_crn,
    }
    if len(names) > 1:
        first = formal[names[0]]["y"][:n]
        summary["max_abs_difference_between_crns"] = (
            max(float(np.max(np.abs(formal[nm]["y"][:n] - first))) for nm in names[1:]) if n else 0.0
        )
    dna_summary: dict[str, Any] = {}
    reference = formal.get(dna_source, formal[names[0]])["y"]
    for scheme, values in dna.items():
        m = min(len(values["y"]), n)
        entry = {"n_test": int(m), "vs_network": compare(nn_out[:m], values["y"][:m], y[:m])}
        vs_formal = compare(reference[:m], values["y"][:m], y[:m])
        entry["vs_formal"] = {
            "formal_crn": dna_source,
            "argmax_agreement": vs_formal["crn_nn_argmax_agreement"],
            "max_abs_difference": vs_formal["max_abs_output_error"],
            "mean_abs_difference": vs_formal["mean_abs_output_error"],
        }
        t90 = values.get("t_90", np.full(m, np.nan))[:m]
        entry["time_to_90_percent_s"] = _stats(t90)
        entry["time_to_90_percent_h"] = {k: (v / 3600 if v is not None else None) for k, v in _stats(t90).items()}
        entry["stabilisation_time_s"] = _stats(values.get("t_stable", np.full(m, np.nan))[:m])
        entry["converged_fraction"] = float(np.mean(values["converged"][:m])) if "converged" in values else None
        fuel = values.get("min_fuel_fraction", np.full(m, np.nan))[:m]
        finite = fuel[np.isfinite(fuel)]
        entry["min_fuel_fraction_left"] = {
            "min": float(finite.min()) if len(finite) else None,
            "median": float(np.median(finite)) if len(finite) else None,
        }
        dna_summary[scheme] = entry
    if dna:
        summary["dna"] = {
            "unit_nM": unit_nM,
            "t_end_s": settings["dna"]["t_end"],
            "rtol": settings["dna"]["rtol"],
            "atol_nM": settings["dna"]["atol"],
            "formal_crn": dna_source,
            "schemes": dna_summary,
        }
    if config is not None:
        summary["provenance"] = provenance(config_hash(config), config["seed"])

    # Per-example table.
    header = ["example", "label", "nn_confidence", *[f"nn_y_{c}" for c in classes]]
    every = [*names, *[f"dna_{s}" for s in dna]]
    tables = {**{nm: formal[nm] for nm in names}, **{f"dna_{s}": dna[s] for s in dna}}
    for name in every:
        header += [f"{name}_y_{c}" for c in classes] + [f"{name}_t_stable"]
    header += ["nn_argmax", *[f"{name}_argmax" for name in every]]
    rows = []
    for k in range(n):
        row: list[Any] = [k, classes[y[k]], float(confidence[k]), *map(float, nn_out[k])]
        for name in every:
            t = tables[name]
            if k < len(t["y"]):
                row += [*map(float, t["y"][k]), float(t["t_stable"][k]) if "t_stable" in t else ""]
            else:
                row += [""] * (len(classes) + 1)
        row.append(classes[int(np.argmax(nn_out[k]))])
        row += [classes[int(np.argmax(tables[nm]["y"][k]))] if k < len(tables[nm]["y"]) else "" for nm in every]
        rows.append(row)
    write_tsv(out_dir / "agreement.tsv", header, rows)
    write_json(out_dir / "summary.json", summary)
    _agreement_tables(out_dir / "summary.html", summary, write_tables)

    # Figures.
    count = settings["trajectory_examples"]
    picks = _class_picks(y, len(classes), count)
    crn_name = "reduced" if "reduced" in crn_paths else names[0]
    if picks:
        crn = read_crn(crn_paths[crn_name])
        times, curves = _trajectories(
            crn, species_map, model.scaling.apply(X[picks]), settings["trajectory_t_end"], settings
        )
        output_trajectories(
            out_dir / "trajectories.png",
            times,
            curves,
            nn_out[picks],
            classes,
            [f"example {k} (label {classes[y[k]]})" for k in picks],
            f"{crn_name} CRN outputs over time, one example per class; dashed: network outputs",
        )
    if dna_paths:
        curves_all, titles, nn_rows = [], [], []
        hours = None
        dna_picks = [k for k in picks if all(k < len(dna[s]["y"]) for s in dna)] if dna else picks
        for scheme, path in dna_paths.items():
            if not dna_picks:
                break
            crn = read_crn(path)
            times, curves = _trajectories(
                crn,
                species_map,
                model.scaling.apply(X[dna_picks]),
                settings["dna"]["trajectory_t_end"],
                level_settings(settings, "dna"),
                unit_nM,
            )
            hours = times / 3600.0
            curves_all += curves
            titles += [f"{scheme}: example {k} ({classes[y[k]]})" for k in dna_picks]
            nn_rows += [nn_out[k] for k in dna_picks]
        if curves_all:
            output_trajectories(
                out_dir / "dna_trajectories.png",
                hours,
                curves_all,
                np.array(nn_rows),
                classes,
                titles,
                f"DNA-level (enumerated) CRN outputs, {unit_nM:g} nM per unit; dashed: network outputs",
                xlabel="time (hours)",
            )
    panels = [
        (
            f"{nm} CRN ({per_crn[nm]['crn_nn_argmax_agreement']:.1%} agree)",
            confusion(nn_out, formal[nm]["y"][:n], len(classes)),
        )
        for nm in names
    ]
    for scheme in dna:
        m = dna_summary[scheme]["n_test"]
        panels.append(
            (
                f"DNA {scheme} ({dna_summary[scheme]['vs_network']['crn_nn_argmax_agreement']:.1%} agree)",
                confusion(nn_out[:m], dna[scheme]["y"][:m], len(classes)),
            )
        )
    confusion_matrices(out_dir / "confusion.png", panels, classes, "network argmax vs CRN argmax on the test set")
    scatter = []
    for nm in names:
        sc = per_crn[nm]["stabilisation_vs_confidence"]
        rho = f"rho = {sc['rho']:.2f}, p = {sc['p_value']:.2g}" if sc["rho"] is not None else "rho undefined"
        scatter.append((f"{nm} CRN: Spearman {rho}", confidence, formal[nm].get("t_stable", np.full(n, np.nan))[:n]))
    stabilisation_scatter(
        out_dir / "stabilisation.png",
        scatter,
        "network softmax confidence",
        f"stabilisation time (all outputs within {settings['stabilisation_atol']:g} of final) vs confidence",
    )
    return summary


def _agreement_tables(path: Path, summary: dict[str, Any], write_tables) -> None:  # noqa: ANN001
    formal_rows = []
    for name, e in summary["crns"].items():
        sc = e["stabilisation_vs_confidence"]
        formal_rows.append(
            [
                name,
                e["n_test"],
                e["crn_nn_argmax_agreement"],
                e["crn_test_accuracy"],
                e["max_abs_output_error"],
                e["stabilisation_time"]["median"],
                e["stabilisation_time"]["max"],
                e["converged_fraction"],
                sc["rho"],
                sc["p_value"],
            ]
        )
    sections = [
        (
            f"Formal CRNs ({summary['method']}, t_end {summary['t_end']:g})",
            [
                "CRN",
                "examples",
                "argmax agreement with network",
                "test accuracy",
                "max |y - y_NN|",
                "median stabilisation time",
                "max stabilisation time",
                "converged",
                "Spearman rho (t_stable vs confidence)",
                "p-value",
            ],
            formal_rows,
        )
    ]
    if "dna" in summary:
        rows = []
        for scheme, e in summary["dna"]["schemes"].items():
            rows.append(
                [
                    scheme,
                    e["n_test"],
                    e["vs_network"]["crn_nn_argmax_agreement"],
                    e["vs_network"]["max_abs_output_error"],
                    e["vs_formal"]["argmax_agreement"],
                    e["vs_formal"]["max_abs_difference"],
                    e["time_to_90_percent_h"]["median"],
                    e["time_to_90_percent_h"]["max"],
                    e["converged_fraction"],
                    e["min_fuel_fraction_left"]["min"],
                ]
            )
        sections.append(
            (
                f"DNA level: enumerated CRNs, {summary['dna']['unit_nM']:g} nM per unit, "
                f"t_end {summary['dna']['t_end_s'] / 3600:g} h",
                [
                    "scheme",
                    "examples",
                    "argmax agreement with network",
                    "max |y - y_NN|",
                    f"argmax agreement with {summary['dna']['formal_crn']} CRN",
                    "max |y - y_formal|",
                    "median time to 90 % (h)",
                    "max time to 90 % (h)",
                    "converged",
                    "least fuel left (fraction)",
                ],
                rows,
            )
        )
    write_tables(
        path,
        "Agreement of the chemistry with the network",
        sections,
        [
            f"Network test accuracy {summary['nn_test_accuracy']:.4f} on {summary['n_test']} examples.",
            "Stabilisation time: first time after which every output stays within the tolerance of its value "
            "at t_end; time to 90 %: within 10 % of each output's total change.",
        ],
    )


# ---------------------------------------------------------------------------- stochastic ensembles


def ssa_ensembles(
    crn_path: str | Path,
    species_path: str | Path,
    model_path: str | Path,
    data_path: str | Path,
    settings: dict[str, Any],
    out_dir: str | Path,
    seed: int,
    config: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """SSA ensembles per test example at `molecules_per_unit`, and a sweep over molecule counts.

    Writes ssa/examples.tsv, ssa/sweep.tsv, ssa/summary.json, ssa/summary.html, ssa/ensembles.png.
    """
    from dmp.crn.translate import SpeciesMap
    from dmp.plots import ssa_ensembles as plot_ensembles
    from dmp.sim.evaluate import example_initials, output_matrix
    from dmp.sim.report import write_tables
    from dmp.sim.ssa import EnsembleRunner, ensemble_statistics, example_seed

    ssa = settings["ssa"]
    out_dir = Path(out_dir)
    crn = read_crn(crn_path)
    species_map = SpeciesMap.load(species_path)
    limit = min(v for v in (ssa["examples"], settings["max_examples"], 10**12) if v)
    model, X, y = _test_data(model_path, data_path, limit)
    classes = model.classes
    nn_out = model.forward(X)
    initials, _ = example_initials(crn, species_map, model.scaling.apply(X))
    matrix = output_matrix(crn.species, species_map)
    mpu = int(settings["molecules_per_unit"])
    trajectories = int(ssa["trajectories"])
    # One compiled solver serves the figure's span and (rates scaled, see EnsembleRunner) the long runs.
    runner = EnsembleRunner(crn, settings["trajectory_t_end"], 101)

    def finals(k: int, molecules: int) -> np.ndarray:  # (trajectories, O) outputs at t_end
        values = runner.run(initials[k], molecules, trajectories, example_seed(seed, molecules, k), ssa["t_end"])
        return values[:, -1, :] @ matrix

    per_example = []
    cache: dict[tuple[int, int], np.ndarray] = {}
    for k in range(len(y)):
        cache[(mpu, k)] = finals(k, mpu)
        per_example.append(ensemble_statistics(cache[(mpu, k)], nn_out[k]))
    sweep_rows = []
    n_sweep = min(int(ssa["sweep_examples"]), len(y))
    for molecules in ssa["molecules_sweep"]:
        stats = [
            ensemble_statistics(cache[(molecules, k)] if (molecules, k) in cache else finals(k, molecules), nn_out[k])
            for k in range(n_sweep)
        ]
        sweep_rows.append(
            {
                "molecules_per_unit": int(molecules),
                "examples": n_sweep,
                "mean_argmax_agreement": float(np.mean([s["argmax_agreement"] for s in stats])) if stats else None,
                "min_argmax_agreement": float(np.min([s["argmax_agreement"] for s in stats])) if stats else None,
                "mean_abs_error": float(np.mean([s["mean_abs_error"] for s in stats])) if stats else None,
                "mean_output_std": float(np.mean([s["output_std_max"] for s in stats])) if stats else None,
            }
        )
    agreement = np.array([s["argmax_agreement"] for s in per_example])
    summary: dict[str, Any] = {
        "crn": str(crn_path),
        "solver": runner.solver_name,
        "molecules_per_unit": mpu,
        "trajectories_per_example": trajectories,
        "t_end": float(ssa["t_end"]),
        "n_examples": int(len(y)),
        "mean_argmax_agreement": float(agreement.mean()) if len(agreement) else None,
        "examples_all_trajectories_agree": int(np.sum(agreement == 1.0)),
        "examples_no_trajectory_agrees": int(np.sum(agreement == 0.0)),
        "mean_abs_error": float(np.mean([s["mean_abs_error"] for s in per_example])) if per_example else None,
        "max_abs_error": float(np.max([s["max_abs_error"] for s in per_example])) if per_example else None,
        "mean_output_std": float(np.mean([s["output_std_max"] for s in per_example])) if per_example else None,
        "sweep": sweep_rows,
    }
    if config is not None:
        summary["provenance"] = provenance(config_hash(config), config["seed"])
    write_tsv(
        out_dir / "examples.tsv",
        ["example", "label", "nn_argmax", "argmax_agreement", "output_std_max", "mean_abs_error", "max_abs_error"],
        (
            [k, classes[y[k]], classes[int(np.argmax(nn_out[k]))], *(s[c] for c in list(s))]
            for k, s in enumerate(per_example)
        ),
    )
    sweep_header = list(sweep_rows[0]) if sweep_rows else ["molecules_per_unit"]
    write_tsv(out_dir / "sweep.tsv", sweep_header, ([r[h] for h in sweep_header] for r in sweep_rows))
    write_json(out_dir / "summary.json", summary)
    write_tables(
        out_dir / "summary.html",
        "Stochastic simulation (GillesPy2 SSA)",
        [
            (
                f"{len(y)} test examples, {trajectories} trajectories each, {mpu} molecules per unit, "
                f"t_end {ssa['t_end']:g}, solver {runner.solver_name}",
                [
                    "mean argmax agreement",
                    "examples: all agree",
                    "examples: none agree",
                    "mean |y - y_NN|",
                    "max |y - y_NN|",
                    "mean output std",
                ],
                [
                    [
                        summary["mean_argmax_agreement"],
                        summary["examples_all_trajectories_agree"],
                        summary["examples_no_trajectory_agrees"],
                        summary["mean_abs_error"],
                        summary["max_abs_error"],
                        summary["mean_output_std"],
                    ]
                ],
            ),
            (
                f"Molecule-count sweep (first {n_sweep} examples)",
                sweep_header,
                [[r[h] for h in sweep_header] for r in sweep_rows],
            ),
        ],
        [
            "A non-competitive CRN that runs to completion reaches the same final counts on every trajectory; "
            "what differs from the network is the rounding of inputs and biases to whole molecules, and "
            "trajectories whose last bimolecular encounters had not happened by t_end."
        ],
    )
    # Figure: a few examples' ensembles on the short time span, and the sweep.
    picks = _class_picks(y, len(classes), int(ssa["figure_examples"]))
    ensembles = []
    for k in picks:
        values = runner.run(initials[k], mpu, trajectories, example_seed(seed, mpu, k, 1))
        ensembles.append((f"example {k} ({classes[y[k]]}), {mpu} molecules/unit", values @ matrix, nn_out[k]))
    times = runner.times()
    plot_ensembles(
        out_dir / "ensembles.png",
        times,
        ensembles,
        classes,
        (
            np.array([r["molecules_per_unit"] for r in sweep_rows]),
            np.array([r["mean_argmax_agreement"] for r in sweep_rows], dtype=float),
            np.array([r["mean_abs_error"] for r in sweep_rows], dtype=float),
        ),
        f"SSA ensembles ({runner.solver_name}); dashed: network outputs",
    )
    return summary


# ---------------------------------------------------------------------------- rate independence


def rate_independence(
    crn_paths: dict[str, str | Path],
    species_path: str | Path,
    model_path: str | Path,
    data_path: str | Path,
    settings: dict[str, Any],
    out_dir: str | Path,
    seed: int,
    config: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Re-simulate the test examples with every rate constant drawn log-uniformly; contrast a competitive CRN.

    The end time of a draw is t_end divided by its smallest rate-constant ratio (drawn / original),
    so the slowest reaction gets as many time constants as at the original rates.
    Writes rates/draws.tsv, rates/summary.json, rates/summary.html, rates/spread.png.
    """
    from dmp.crn.translate import SpeciesMap
    from dmp.plots import rate_spread
    from dmp.sim.evaluate import evaluate_examples
    from dmp.sim.rates import competitive_crn, draw_rates, draw_seed, with_rates
    from dmp.sim.report import write_tables

    rates = settings["rates"]
    out_dir = Path(out_dir)
    species_map = SpeciesMap.load(species_path)
    limit = min(v for v in (rates["max_examples"], settings["max_examples"], 10**12) if v)
    model, X, y = _test_data(model_path, data_path, limit)
    nn_out = model.forward(X)
    X_scaled = model.scaling.apply(X)
    lo, hi, draws, tolerance = rates["log10_min"], rates["log10_max"], int(rates["draws"]), rates["tolerance"]
    if hi < lo:
        raise DmpError(f"simulation.rates: log10_max ({hi}) is below log10_min ({lo})")
    rows: list[list[Any]] = []
    per_crn: dict[str, Any] = {}
    deviations: dict[str, np.ndarray] = {}
    engine = settings["engine"]
    for index, (name, path) in enumerate(crn_paths.items()):
        crn = read_crn(path)
        base_rates = np.array([r.rate for r in crn.reactions])
        base, _ = evaluate_examples(crn, species_map, X_scaled, settings, engine)
        devs, errors, agreements = [], [], []
        for d in range(draws):
            s = draw_seed(seed, index, d)
            k = draw_rates(len(crn.reactions), np.random.default_rng(s), lo, hi)
            t_end = float(settings["t_end"]) / float(np.min(k / base_rates)) if len(k) else float(settings["t_end"])
            run, _ = evaluate_examples(with_rates(crn, k), species_map, X_scaled, {**settings, "t_end": t_end}, engine)
            dev = float(np.max(np.abs(run.outputs - base.outputs))) if len(y) else 0.0
            err = float(np.max(np.abs(run.outputs - nn_out))) if len(y) else 0.0
            agree = float(np.mean(np.argmax(run.outputs, axis=1) == np.argmax(nn_out, axis=1))) if len(y) else 1.0
            devs.append(dev)
            errors.append(err)
            agreements.append(agree)
            rows.append([name, d, s, float(np.log10(k.min())), float(np.log10(k.max())), t_end, dev, err, agree])
        deviations[name] = np.array(devs)
        per_crn[name] = {
            "reactions": len(crn.reactions),
            "max_deviation_from_original_rates": float(max(devs)) if devs else 0.0,
            "max_abs_error_vs_network": float(max(errors)) if errors else 0.0,
            "min_argmax_agreement": float(min(agreements)) if agreements else 1.0,
            "base_max_abs_error_vs_network": float(np.max(np.abs(base.outputs - nn_out))) if len(y) else 0.0,
            "unchanged": bool(max(devs, default=0.0) <= tolerance),
        }
    # The competitive contrast, with the same kind of draws.
    comp = competitive_crn()
    from dmp.sim.batch import simulate_batch

    def final_c(crn_c) -> float:  # noqa: ANN001
        t_end = float(settings["t_end"]) / min(r.rate for r in crn_c.reactions)
        _, values, species = simulate_batch(crn_c, [{}], t_end, 2, settings["rtol"], settings["atol"])
        return float(values[-1, 0, species.index("C")])

    comp_base = final_c(comp)
    comp_values = []
    for d in range(draws):
        s = draw_seed(seed, 10**6, d)
        k = draw_rates(len(comp.reactions), np.random.default_rng(s), lo, hi)
        c = final_c(with_rates(comp, k))
        comp_values.append(c)
        rows.append(
            [
                "competitive",
                d,
                s,
                float(np.log10(k.min())),
                float(np.log10(k.max())),
                None,
                abs(c - comp_base),
                None,
                None,
            ]
        )
    comp_values_arr = np.array(comp_values)
    summary: dict[str, Any] = {
        "draws": draws,
        "log10_rate_range": [lo, hi],
        "examples": int(len(y)),
        "tolerance": tolerance,
        "engine": engine,
        "crns": per_crn,
        "all_unchanged": all(v["unchanged"] for v in per_crn.values()),
        "competitive": {
            "crn": "A + B -> C; A + D -> E; A = 1, B = D = 0.6",
            "output": "final C",
            "at_equal_rates": comp_base,
            "min": float(comp_values_arr.min()) if draws else None,
            "max": float(comp_values_arr.max()) if draws else None,
            "max_deviation": float(np.max(np.abs(comp_values_arr - comp_base))) if draws else None,
        },
    }
    if config is not None:
        summary["provenance"] = provenance(config_hash(config), config["seed"])
    header = [
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
    write_tsv(out_dir / "draws.tsv", header, ([("" if v is None else v) for v in r] for r in rows))
    write_json(out_dir / "summary.json", summary)
    write_tables(
        out_dir / "summary.html",
        "Rate independence",
        [
            (
                f"{draws} draws of every rate constant, log-uniform on [1e{lo:g}, 1e{hi:g}], {len(y)} test examples",
                [
                    "CRN",
                    "reactions",
                    "max change of any output",
                    "max |y - y_NN|",
                    "min argmax agreement",
                    f"unchanged (<= {tolerance:g})",
                ],
                [
                    [
                        n,
                        v["reactions"],
                        v["max_deviation_from_original_rates"],
                        v["max_abs_error_vs_network"],
                        v["min_argmax_agreement"],
                        v["unchanged"],
                    ]
                    for n, v in per_crn.items()
                ],
            ),
            (
                "Competitive contrast: A + B -> C, A + D -> E (A = 1, B = D = 0.6)",
                ["final C at equal rates", "min over draws", "max over draws", "max change"],
                [
                    [
                        comp_base,
                        summary["competitive"]["min"],
                        summary["competitive"]["max"],
                        summary["competitive"]["max_deviation"],
                    ]
                ],
            ),
        ],
    )
    rate_spread(
        out_dir / "spread.png",
        deviations,
        tolerance,
        comp_values_arr,
        comp_base,
        f"rate constants drawn log-uniformly on [1e{lo:g}, 1e{hi:g}] ({draws} draws, {len(y)} examples)",
    )
    return summary
