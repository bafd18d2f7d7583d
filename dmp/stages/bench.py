"""Bench steps: what a wet lab needs besides the order sheet.

    readout   DSD folder + species map + model -> readout.tsv: per output rail its reporter, dye,
              quencher, well and sign, and what turns fluorescence into y_j and the class
    inputs    model + species map + a samples CSV -> inputs.tsv (nM of every input strand per
              sample) and pipetting.csv (uL of each input stock per reaction)
    protocol  DSD folder + sequence folder + inputs.tsv -> protocol.md and mix.csv: what to anneal,
              at what ratio, how much of each stock, and whether each ordered strand suffices

The leak study is `dmp.stages.leak`.
"""

from __future__ import annotations

import csv
import io
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from dmp.crn.species_map import SpeciesMap
from dmp.data.samples import read_samples, warn_out_of_range
from dmp.dsd.tables import distinct_strands
from dmp.errors import DmpError, DmpWarning
from dmp.fileio import read_tsv, write_text, write_tsv
from dmp.nn.model import load_model
from dmp.seq.protocol import BenchSettings, pipetting_uL
from dmp.stages.common import Run
from dmp.stages.dsd import load_compiled

READOUT_HEADER = [
    "well",
    "dye",
    "excitation_nm",
    "emission_nm",
    "class",
    "rail",
    "sign",
    "fluorescent_species",
    "reporter",
    "reporter_nM",
    "unit_nM",
    "fluorophore_strand",
    "fluorophore_modification",
    "quencher",
    "quencher_strand",
    "quencher_modification",
    "calibration_trigger",
    "readout_h",
]


def readout(
    run: Run, dsd_dir: str | Path, species_path: str | Path, model_path: str | Path, out: str | Path
) -> dict[str, Any]:
    """readout.tsv: one row per output rail, in well order; y_j = sum over its two rows of sign x Lum / unit_nM."""
    _, system, dsd = load_compiled(dsd_dir)
    reporters = {r["rail"]: r for r in system.meta.get("reporters") or []}  # type: ignore[union-attr]
    if not reporters:
        raise DmpError(f"{dsd_dir}: no reporters; compile with dsd.reporters.enabled and the network's species.json")
    species_map = SpeciesMap.load(species_path)
    classes = load_model(model_path).classes
    names = {tuple(s): e["name"] for s, e in distinct_strands(system).items()}
    rows, absent = [], []
    for j, pair in enumerate(species_map.output_species()):
        for rail, sign in zip(pair, (1, -1), strict=True):
            r = reporters.get(rail)
            if r is None and rail not in system.formal_species:
                absent.append(rail)  # no reaction makes it and it starts at 0: it reads 0, no reporter needed
                continue
            if r is None:
                raise DmpError(
                    f"{dsd_dir}: rail {rail} of {species_path} has no reporter; recompile with this species map"
                )
            rows.append(
                [
                    r["well"],
                    r["dye"],
                    r["excitation_nm"],
                    r["emission_nm"],
                    classes[j],
                    rail,
                    sign,
                    r["fluorescent_species"],
                    r["complex"],
                    r["concentration_nM"],
                    float(dsd.unit_nM),
                    names[tuple(r["fluorophore_strand"])],
                    f"{r['fluorophore_end']} {r['fluorophore_code']}",
                    r["quencher"],
                    names[tuple(r["quencher_strand"])],
                    f"{r['quencher_end']} {r['quencher_code']}",
                    rail,
                    run.settings("leak").readout_h,
                ]
            )
    rows.sort(key=lambda row: (row[0], list(reporters).index(row[5])))
    write_tsv(out, READOUT_HEADER, rows)
    return {
        "rails": len(rows),
        "rails_always_zero": absent,
        "wells": max(row[0] for row in rows),
        "reporter_nM": rows[0][9],
    }


def inputs(
    run: Run,
    model_path: str | Path,
    species_path: str | Path,
    samples_path: str | Path,
    out: str | Path,
    pipetting: str | Path | None = None,
) -> dict[str, Any]:
    """inputs.tsv (sample, feature, raw and scaled value, strand, nM) and pipetting.csv (uL per reaction)."""
    model = load_model(model_path)
    species_map = SpeciesMap.load(species_path)
    bench: BenchSettings = run.settings("bench")
    unit = float(run.settings("dsd").unit_nM)
    samples = read_samples(samples_path, model.features)
    out_of_range = 0
    if model.input_range:
        scale, offset = model.scaling.scale, model.scaling.offset
        low = offset + scale * np.asarray(model.input_range["min"], dtype=np.float64)
        high = offset + scale * np.asarray(model.input_range["max"], dtype=np.float64)
        out_of_range = warn_out_of_range(samples, model.features, low, high)
    X = model.scaling.apply(samples.X)
    strands = species_map.input_species()
    rows, table = [], []
    for i, name in enumerate(samples.names):
        values, clipped = species_map.input_concentrations(X[i])
        if clipped:
            warnings.warn(f"sample {name}: {clipped} shifted input(s) below 0, clipped to 0", DmpWarning, stacklevel=2)
        nM = {s: v * unit for s, v in values.items()}
        label = samples.labels[i] if samples.labels else ""
        for k, entry in enumerate(species_map.inputs):
            for strand in (s for s in (entry.get("plus"), entry.get("minus"), entry.get("species")) if s):
                row = [name, label, model.features[k], float(samples.X[i, k]), float(X[i, k]), strand, nM[strand]]
                rows.append(row)
        table.append(
            [name, *[_round(pipetting_uL(nM[s], bench.input_stock_uM, bench.reaction_volume_uL)) for s in strands]]
        )
    header = ["sample", "label", "feature", "value", "scaled", "strand", "concentration_nM"]
    write_tsv(out, header, rows)
    volumes = np.array([row[1:] for row in table], dtype=np.float64)
    small = int(((volumes > 0) & (volumes < bench.min_pipette_uL)).sum())
    if small:
        warnings.warn(
            f"{small} input volume(s) below bench.min_pipette_uL ({bench.min_pipette_uL} uL) at "
            f"{bench.input_stock_uM} uM stocks; dilute those stocks (bench.input_stock_uM)",
            DmpWarning,
            stacklevel=2,
        )
    pipetting = Path(pipetting) if pipetting else Path(out).with_name("pipetting.csv")
    totals = volumes.sum(axis=1)
    write_text(
        pipetting,
        _csv(
            ["sample", *[f"{s}_uL" for s in strands], "inputs_total_uL", "reaction_volume_uL", "input_stock_uM"],
            (
                [*row, _round(total), bench.reaction_volume_uL, bench.input_stock_uM]
                for row, total in zip(table, totals, strict=True)
            ),
        ),
    )
    return {
        "samples": len(samples.names),
        "strands": len(strands),
        "unit_nM": unit,
        "out_of_range_values": out_of_range,
        "max_inputs_uL": float(totals.max()),
        "below_min_pipette": small,
    }


def _round(value: float, digits: int = 4) -> float:
    """`value` to `digits` significant digits (tables people read)."""
    return float(f"{value:.{digits}g}")


def _csv(header: list[str], rows: Any) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return buffer.getvalue()


def read_inputs(path: str | Path) -> tuple[list[str], dict[str, list[float]]]:
    """Samples and per input strand its nM in every sample, from an inputs.tsv written by `inputs`."""
    try:
        rows = read_tsv(path)
    except FileNotFoundError:
        raise DmpError(f"{path}: not found; run `dmp inputs` first") from None
    samples = list(dict.fromkeys(r["sample"] for r in rows))
    conc: dict[str, list[float]] = {}
    for r in rows:
        conc.setdefault(r["strand"], []).append(float(r["concentration_nM"]))
    return samples, conc


MIX_HEADER = [
    "complex",
    "role",
    "strand",
    "strand_is_base",
    "ratio",
    "final_nM",
    "wells",
    "reactions",
    "stock_uM",
    "uL_stock_per_reaction",
    "uL_stock_master_mix",
    "anneal_uL",
    "uL_strand_stock_in_anneal",
    "purified",
    "strand_nmol",
    "strand_total_nmol",
    "order_scale",
    "nmol_usable",
    "enough",
]


def protocol(
    run: Run, dsd_dir: str | Path, seq_dir: str | Path, inputs_path: str | Path, out_dir: str | Path
) -> dict[str, Any]:
    """protocol.md and mix.csv in `out_dir` for the samples of `inputs_path` (an inputs.tsv)."""
    from dmp.seq.protocol import (
        anneal_fill,
        check_scales,
        input_needs,
        mix_rows,
        reactions_per_well,
        stock_uM,
        supplied_complexes,
        trigger_needs,
    )
    from dmp.seq.protocol_report import protocol_markdown

    _, system, dsd = load_compiled(dsd_dir)
    bench: BenchSettings = run.settings("bench")
    leak = run.settings("leak")
    reporters = list(system.meta.get("reporters") or [])  # type: ignore[call-overload]
    scales = _order_scales(Path(seq_dir) / "order_bulk.csv")
    samples, conc = read_inputs(inputs_path)
    supplied = supplied_complexes(system)
    wells = max((int(r["well"]) for r in reporters), default=1)
    rows, need = mix_rows(supplied, wells, len(samples), bench)
    extra = {"input": input_needs(conc, wells, bench), "calibration": trigger_needs(reporters, len(samples), bench)}
    for part in extra.values():
        for strand, nmol in part.items():
            need[strand] = need.get(strand, 0.0) + nmol
    checks = {c["strand"]: c for c in check_scales(need, scales, bench)}
    for role, part in extra.items():
        rows += [{"complex": f"({role})", "role": role, "strand": s, "strand_nmol": n} for s, n in part.items()]
    for row in rows:
        c = checks[row["strand"]]
        row.update(strand_total_nmol=c["nmol_needed"], order_scale=c["order_scale"], nmol_usable=c["nmol_usable"])
        row["enough"] = c["enough"]
    out_dir = Path(out_dir)
    write_text(out_dir / "mix.csv", _csv(MIX_HEADER, ([_cell(row.get(h)) for h in MIX_HEADER] for row in rows)))
    budget = {
        w: sum(
            pipetting_uL(x.final_nM, stock_uM(x, bench), bench.reaction_volume_uL)
            for x in supplied
            if x.wells is None or w in x.wells
        )
        for w in range(1, wells + 1)
    }
    inputs_uL = [
        sum(pipetting_uL(values[k], bench.input_stock_uM, bench.reaction_volume_uL) for values in conc.values())
        for k in range(len(samples))
    ]
    context = {
        "samples": len(samples),
        "wells": wells,
        "dyes_per_well": dsd.reporters.dyes_per_well if dsd.reporters else 0,
        "reactions": reactions_per_well(len(samples), bench) * wells,
        "unit_nM": float(dsd.unit_nM),
        "readout_h": leak.readout_h,
        "margin": leak.margin,
        "labelled": 2 * len(reporters),
        "max_inputs_uL": max(inputs_uL, default=0.0),
    }
    short = [c for c in checks.values() if not c["enough"]]
    context["overfull_anneals"] = sorted(c for c, f in anneal_fill(rows).items() if f > 0.9)
    text = protocol_markdown(system.scheme, supplied, reporters, list(checks.values()), budget, context, bench)
    write_text(out_dir / "protocol.md", text)
    return {
        "complexes": len(supplied),
        "strands": len(checks),
        "short_strands": [c["strand"] for c in short],
        "overfull_anneals": context["overfull_anneals"],
        "uL_stocks_per_reaction": {str(w): _round(v) for w, v in budget.items()},
        "reaction_volume_uL": bench.reaction_volume_uL,
    }


def _order_scales(path: Path) -> dict[str, str]:
    """Strand name -> synthesis scale, from an order_bulk.csv (Name, Sequence, Scale, Purification)."""
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except FileNotFoundError:
        raise DmpError(f"{path}: not found; run `dmp select` first") from None
    if rows and not {"Name", "Scale"} <= set(rows[0]):
        raise DmpError(f"{path}: expected the columns Name and Scale of an order sheet")
    return {r["Name"]: r["Scale"] for r in rows}


def _cell(value: Any) -> Any:
    """Rounded numbers, booleans as yes/no, missing as empty: for people reading mix.csv."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return "" if np.isnan(value) else _round(value)
    return value
