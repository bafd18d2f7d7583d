"""DSD steps on a folder: compile, verify modules (in chunks), collect.

    compile  CRN -> system.json (the hand-off to later steps), system.pil, gates.tsv, strands.tsv,
             and for people and other tools gates.html, shapes/*.svg, system.dna (Visual DSD)
    verify   chunk k of n: enumerate and verify its modules -> the chunk's JSON file
    collect  every chunk's file -> enumerated.crn (+ enumerated.xml, SBML), verification.json, summary.json

The chunks are independent jobs (Snakemake runs them in parallel, or on a cluster);
`verify_all` runs every step in one process.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

from dmp import __version__
from dmp.crn.io import format_crn, read_crn, warn_inert_species
from dmp.crn.model import CRN
from dmp.crn.sbml import crn_to_sbml, write_sbml
from dmp.crn.species_map import SpeciesMap
from dmp.dsd.collect import collect as collect_results
from dmp.dsd.compiler import Compiled, compile_crn
from dmp.dsd.diagram import write_shape_diagrams
from dmp.dsd.gates_html import write_gates_page
from dmp.dsd.model import DSDSystem, system_from_json, system_to_json
from dmp.dsd.modules import chunk_of, verify_modules
from dmp.dsd.schemes import SchemeError
from dmp.dsd.settings import DSDSettings
from dmp.dsd.tables import write_pil, write_tables
from dmp.dsd.visualdsd import write_visualdsd
from dmp.errors import DmpError
from dmp.fileio import read_json, write_json, write_text
from dmp.params import build, to_dict
from dmp.stages.common import Run, check_crn_species, writes_together

SYSTEM_FILE = "system.json"
DNA_INPUTS_NOTE = "Inputs start at dsd.input_units x dsd.unit_nM nM; a simulation sets them per example."


@writes_together
def compile_system(
    run: Run,
    crn_path: str | Path,
    scheme: str,
    out_dir: str | Path,
    backend: str | None = None,
    species_path: str | Path | None = None,
) -> dict[str, Any]:
    """Compile a .crn file with `scheme` into `out_dir`; nothing is written if compilation fails.

    With `species_path` (a network's species.json) only its input species are supplied as inputs,
    and its output rails get reporters (dsd.reporters).
    """
    settings: DSDSettings = run.settings("dsd")
    if backend:
        settings = dataclasses.replace(settings, backend=backend)
    started = time.perf_counter()
    crn = read_crn(crn_path)
    if not crn.reactions:
        raise DmpError(f"{crn_path}: no reactions to compile (only concentrations)")
    warn_inert_species(crn, str(crn_path))
    declared = outputs = None
    if species_path:
        species_map = SpeciesMap.load(species_path)
        check_crn_species(crn, crn_path, species_map, species_path, formal=True)
        declared, outputs = species_map.input_species(), species_map.output_rails()
    if settings.backend == "nuskell":
        from dmp.dsd.nuskell import compile_with_nuskell

        compiled = compile_with_nuskell(crn, scheme, settings, declared, source=str(crn_path))
    else:
        try:
            compiled = compile_crn(crn, scheme, settings, declared, source=str(crn_path), outputs=outputs)
        except SchemeError as exc:
            raise DmpError(str(exc)) from None
    seconds = time.perf_counter() - started
    system = compiled.system
    out_dir = Path(out_dir)
    record = _record(crn_path, crn, compiled, settings, declared, seconds, run)
    counts = write_tables(system, out_dir, {m.index: f"r{m.index}: {m.source}" for m in system.modules})
    header = _pil_header(crn_path, compiled, settings.backend, run)
    write_pil(system, out_dir / "system.pil", header)
    _write_views(system, out_dir, header, run)
    write_json(out_dir / SYSTEM_FILE, record)
    return {
        "scheme": system.scheme,
        "modules": len(system.modules),
        "fan_out_splits": len(compiled.splits),
        **counts,
        "seconds": seconds,
    }


def _write_views(system: DSDSystem, out_dir: Path, header: list[str], run: Run) -> None:
    """The system for people and other tools: gate drawings, the gates page, Visual DSD's .dna."""
    write_shape_diagrams(system, out_dir / "shapes")
    write_gates_page(system, out_dir / "gates.tsv", out_dir / "gates.html")
    write_visualdsd(system, out_dir / "system.dna", header, final_time=run.settings("simulation").dna.t_end)


def _record(crn_path, crn: CRN, compiled: Compiled, settings, declared, seconds: float, run: Run) -> dict[str, Any]:  # noqa: ANN001
    """system.json: the system and everything the verify, collect and sequence steps need."""
    return {
        "dmp_version": __version__,
        "backend": settings.backend,
        "source_crn": str(crn_path),
        "system": system_to_json(compiled.system),
        "crn": format_crn(compiled.crn),
        "origin": compiled.origin,
        "original_reactions": [str(r) for r in (compiled.formal or crn).reactions],
        "splits": [
            {
                "original": s.original,
                "reaction": format_crn(CRN([s.reaction])),
                "cascade": format_crn(CRN(s.cascade)),
                "links": s.links,
            }
            for s in compiled.splits
        ],
        "settings": to_dict(settings),
        "declared_inputs": declared,
        "compile_seconds": seconds,
        "provenance": run.provenance(),
    }


def _pil_header(crn_path: str | Path, compiled: Compiled, backend: str, run: Run) -> list[str]:
    system, meta = compiled.system, compiled.system.meta
    header = [
        f"{system.scheme} compilation of {Path(crn_path).name} by dmp {__version__} ({backend} translation)",
        f"scheme: {meta.get('scheme_reference', '')}",
        f"one formal unit = {meta.get('unit_nM')} nM; inputs {', '.join(compiled.inputs) or 'none'} at "
        f"{meta.get('input_units')} unit (the simulation sets them per example); fuels at "
        f"{meta.get('fuel_nM')}-{meta.get('fuel_nM_max')} nM (by module)",
        f"{len(system.modules)} modules (one per formal reaction, fan-outs split to at most "
        f"{meta.get('max_products')} products per gate)",
    ]
    reporters = meta.get("reporters") or []
    if reporters:
        header.append(
            f"{len(reporters)} reporters (Y -> Lum_Y, one per output rail) at {reporters[0]['concentration_nM']} nM: "
            + ", ".join(f"{r['rail']} {r['dye']} well {r['well']}" for r in reporters)
        )
    if run.config is not None:
        header.append(f"config sha256 {(run.config_sha256 or '')[:16]}, seed {run.seed}")
    return header


def load_compiled(dsd_dir: str | Path) -> tuple[dict[str, Any], DSDSystem, DSDSettings]:
    """The hand-off record of a compiled folder, its system and the settings it was compiled with."""
    path = Path(dsd_dir) / SYSTEM_FILE
    record = read_json(path, "not found; run `dmp compile` into this folder first")
    try:
        system = system_from_json(record["system"])
        settings = build(DSDSettings, record["settings"], f"{path}: settings")
    except (KeyError, TypeError) as exc:
        raise DmpError(f"{path}: not a dmp compiled system ({exc}); run `dmp compile` again") from None
    return record, system, settings


@writes_together
def verify_chunk(dsd_dir: str | Path, chunk: int, chunks: int, out: str | Path) -> Path:
    """Enumerate and verify chunk `chunk` of `chunks` of the modules; writes `out`."""
    if not 0 <= chunk < chunks:
        raise DmpError(f"--chunk must be between 0 and {chunks - 1}, got {chunk}")
    _, system, settings = load_compiled(dsd_dir)
    started = time.perf_counter()
    result = verify_modules(system, chunk_of(system, chunk, chunks), settings)
    result["seconds"] = time.perf_counter() - started
    write_json(out, result)
    return Path(out)


@writes_together
def collect(dsd_dir: str | Path, chunk_paths: list[str | Path]) -> dict[str, Any]:
    """Cross-module checks and the step's outputs from every chunk's module results."""
    results = [read_json(p, "not found; run `dmp verify DIR --chunk K --of N --out FILE` first") for p in chunk_paths]
    _, system, _ = load_compiled(dsd_dir)
    for path, result in zip(chunk_paths, results, strict=True):
        _check_chunk(path, result, system, Path(dsd_dir) / SYSTEM_FILE)
    return _write_collected(dsd_dir, results)


def _check_chunk(path: str | Path, result: Any, system: DSDSystem, system_path: Path) -> None:
    """A chunk file must hold module results of this very system (not of another compilation)."""
    modules = result.get("modules") if isinstance(result, dict) else None
    if not isinstance(modules, list) or not all(
        isinstance(m, dict) and isinstance(m.get("index"), int) for m in modules
    ):
        raise DmpError(f"{path}: not a chunk file of `dmp verify --chunk` (no list of module results)")
    for entry in modules:
        k = entry["index"]
        if not 0 <= k < len(system.modules) or entry.get("reaction") != system.modules[k].source:
            mine = f"'{system.modules[k].source}'" if 0 <= k < len(system.modules) else "no such module"
            raise DmpError(
                f"{path}: module r{k} is '{entry.get('reaction')}' there but {mine} in {system_path}; "
                "the chunk comes from another compilation (rerun `dmp verify --chunk`)"
            )


@writes_together
def verify_all(dsd_dir: str | Path) -> dict[str, Any]:
    """Every module, then the cross-module checks, in this process."""
    _, system, settings = load_compiled(dsd_dir)
    started = time.perf_counter()
    result = verify_modules(system, list(range(len(system.modules))), settings)
    result["seconds"] = time.perf_counter() - started
    return _write_collected(dsd_dir, [result])


def _write_collected(dsd_dir: str | Path, results: list[dict[str, Any]]) -> dict[str, Any]:
    dsd_dir = Path(dsd_dir)
    record, system, settings = load_compiled(dsd_dir)
    report, crn_text, summary = collect_results(system, record, settings, results, str(dsd_dir))
    write_text(dsd_dir / "enumerated.crn", crn_text)
    if summary["implementation_reactions"]:
        write_sbml(dsd_dir / "enumerated.crn", dsd_dir / "enumerated.xml", "dna", notes=[DNA_INPUTS_NOTE])
    else:  # no module could be enumerated: an empty model, so the step's outputs stay complete
        empty = crn_to_sbml(CRN(), "dna", model_id="enumerated", notes=["No module could be enumerated."])
        write_text(dsd_dir / "enumerated.xml", empty.xml)
    write_json(dsd_dir / "verification.json", report)
    write_json(dsd_dir / "summary.json", summary)
    return summary
