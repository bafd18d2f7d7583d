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
    check_network_files(model, model_path, species_map, species_path, crn, crn_path, level)
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


def _header(path: Path) -> list[str]:
    """The header row of a table without data rows (read_tsv has checked that the file is a table)."""
    return path.read_text(encoding="utf-8").splitlines()[0].split("\t")


class _Raw(str):
    """A table cell already formatted (kept as is by write_tsv)."""


@writes_together
def collect(chunk_paths: list[str | Path], out: str | Path) -> dict[str, Any]:
    """Merge chunk tables into `out`; every example must appear exactly once."""
    header: list[str] | None = None
    rows: list[dict[str, str]] = []
    examples: list[int] = []
    for path in map(Path, chunk_paths):
        table = read_tsv(path, f"not found; run `dmp evaluate ... --chunk K --of N --out {path}` first")
        first = list(table[0]) if table else _header(path)
        if "example" not in first:
            raise DmpError(f"{path}: no 'example' column; not an outputs table of `dmp evaluate`")
        if header is None:
            header = first
        elif first != header:
            raise DmpError(f"{path}: columns differ from {chunk_paths[0]}")
        for line, row in enumerate(table, start=2):
            if not row["example"].isdigit():
                raise DmpError(f"{path}:{line}: example {row['example']!r} is not an example number")
            examples.append(int(row["example"]))
        rows.extend(table)
    if header is None:
        raise DmpError("no chunk tables to collect")
    if not rows:
        raise DmpError(f"{out}: the {len(chunk_paths)} chunk table(s) hold no examples")
    if sorted(examples) != list(range(len(examples))):
        raise DmpError(
            f"{out}: the {len(chunk_paths)} chunks do not cover examples 0..{len(examples) - 1} exactly once"
        )
    rows.sort(key=lambda r: int(r["example"]))
    # Cells are copied as text, so the merged table has exactly the bytes an unchunked run writes.
    write_tsv(out, header, ([_Raw(r[h]) for h in header] for r in rows))
    return {"out": str(out), "chunks": len(chunk_paths), "examples": len(rows)}
