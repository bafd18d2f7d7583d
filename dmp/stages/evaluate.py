"""Evaluate step: one CRN (formal, or a scheme's DNA-level CRN) on the test examples -> outputs table.

A chunk of the examples (whole batches) is one job; `collect` merges the chunk tables into the
bytes one unchunked run would write.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

import numpy as np

from dmp.crn.io import read_crn
from dmp.crn.noncompetitive import require_noncompetitive
from dmp.crn.species_map import SpeciesMap
from dmp.errors import DmpError
from dmp.fileio import read_tsv, write_tsv
from dmp.sim.evaluate import chunk_examples, evaluate_examples
from dmp.stages.common import OUTPUT_COLUMNS, Run, check_network_files, read_test, writes_together


@writes_together
def evaluate(
    run: Run,
    crn_path: str | Path,
    species_path: str | Path,
    model_path: str | Path,
    data_path: str | Path,
    out: str | Path,
    level: str = "formal",
    options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write the outputs table of one CRN: example, label, y_<class>..., t_stable, t_90, converged, fuel left.

    `options` may set engine, jobs, unit_nM (DNA level; default dsd.unit_nM) and chunk/chunks
    (then only chunk `chunk` of `chunks` is simulated, and `out` is that chunk's table).
    """
    options = {k: v for k, v in (options or {}).items() if v is not None}
    settings = run.settings("simulation").at_level(level)
    if options.get("engine"):
        settings = dataclasses.replace(settings, engine=options["engine"])
    chunk, chunks = options.get("chunk"), options.get("chunks")
    if (chunk is None) != (chunks is None):
        raise DmpError("--chunk and --of go together (chunk K of N, counted from 0)")
    crn = read_crn(crn_path)
    if level == "formal":
        require_noncompetitive(crn, str(crn_path))
    species_map = SpeciesMap.load(species_path)
    model, X, y = read_test(model_path, data_path, settings.max_examples)
    check_network_files(model, model_path, species_map, species_path, crn, crn_path)
    unit = float(options.get("unit_nM", run.settings("dsd").unit_nM)) if level == "dna" else 1.0
    batch_size = settings.batch_size if settings.engine == "batch" else 1
    index = np.arange(len(y)) if chunk is None else chunk_examples(len(y), batch_size, chunk, chunks)
    started = time.perf_counter()
    evaluation, clipped = evaluate_examples(
        crn, species_map, model.scaling.apply(X[index]), settings, unit, int(options.get("jobs") or settings.jobs)
    )
    seconds = time.perf_counter() - started
    header = ["example", "label", *[f"y_{c}" for c in model.classes], *OUTPUT_COLUMNS]
    columns = (evaluation.t_stable, evaluation.t_90, evaluation.converged, evaluation.min_fuel_fraction)
    rows = [
        [int(k), model.classes[y[k]], *map(float, evaluation.outputs[i]), *(c[i].item() for c in columns)]
        for i, k in enumerate(index)
    ]
    write_tsv(out, header, rows)
    return {
        "out": str(out),
        "level": level,
        "engine": settings.engine,
        "examples": len(index),
        "seconds": round(seconds, 3),
        "ms_per_example": round(1000 * seconds / max(len(index), 1), 3),
        "clipped_inputs": clipped,
    }


class _Raw(str):
    """A table cell already formatted (kept as is by write_tsv)."""


@writes_together
def collect(chunk_paths: list[str | Path], out: str | Path) -> dict[str, Any]:
    """Merge chunk tables into `out`; every example must appear exactly once."""
    header: list[str] | None = None
    rows: list[dict[str, str]] = []
    for path in map(Path, chunk_paths):
        if not path.is_file():
            raise DmpError(f"{path}: not found; run `dmp evaluate ... --chunk K --of N --out {path}` first")
        with open(path, encoding="utf-8") as handle:
            first = handle.readline().rstrip("\n").split("\t")
        if header is None:
            header = first
        elif first != header:
            raise DmpError(f"{path}: columns differ from {chunk_paths[0]}")
        rows.extend(read_tsv(path))
    if header is None:
        raise DmpError("no chunk tables to collect")
    examples = [int(r["example"]) for r in rows]
    if sorted(examples) != list(range(len(examples))):
        raise DmpError(
            f"{out}: the {len(chunk_paths)} chunks do not cover examples 0..{len(examples) - 1} exactly once"
        )
    rows.sort(key=lambda r: int(r["example"]))
    # Cells are copied as text, so the merged table has exactly the bytes an unchunked run writes.
    write_tsv(out, header, ([_Raw(r[h]) for h in header] for r in rows))
    return {"out": str(out), "chunks": len(chunk_paths), "examples": len(rows)}
