"""The DSD stage as steps on a folder: compile, verify modules (in chunks), collect.

    compile  CRN -> system.json (hand-off), system.pil, gates.tsv, strands.tsv
    verify   chunk k of n: enumerate and verify its modules -> chunks/<k>-of-<n>.json
    collect  all chunks -> enumerated.crn, verification.json, summary.json

Modules are assigned to chunks by their canonical shape, so that each shape is enumerated
in one chunk only; the chunks are independent jobs (Snakemake runs them in parallel, or on
a cluster). `verify_all` runs every step in one process.
"""

from __future__ import annotations

import hashlib
import json
import signal
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dmp import __version__
from dmp.config import STAGE_DEFAULTS
from dmp.crn.io import format_crn, parse_crn, read_crn, require_known_species
from dmp.crn.model import CRN, Reaction
from dmp.dsd.cascade import Split, verify_split
from dmp.dsd.compiler import COMPILE_DEFAULTS, compile_crn
from dmp.dsd.crosstalk import check_crosstalk
from dmp.dsd.enumeration import (
    ENUMERATION_DEFAULTS,
    CanonicalPIL,
    Enumerated,
    ModuleEnumerator,
    canonical_pil,
    name_map,
)
from dmp.dsd.model import DSDSystem, Module, system_from_json, system_to_json
from dmp.dsd.schemes import SchemeError
from dmp.dsd.tables import write_pil, write_tables
from dmp.dsd.verification import check, check_whole, signal_interpretation, signal_patterns
from dmp.errors import DmpError, LimitReached
from dmp.fileio import provenance, read_json, write_json, write_text

VERIFY_DEFAULTS: dict[str, Any] = STAGE_DEFAULTS["dsd"]["verification"]
SYSTEM_FILE = "system.json"


class VerificationTimeout(LimitReached):
    """A verification step ran past its configured time limit (dsd.verification.timeout_s)."""


def _settings(settings: dict[str, Any] | None) -> dict[str, Any]:
    settings = dict(settings or {})
    return {
        **{k: settings.get(k, v) for k, v in COMPILE_DEFAULTS.items()},
        "inputs": settings.get("inputs"),  # the species map's input species, when given
        "enumeration": {**ENUMERATION_DEFAULTS, **settings.get("enumeration", {})},
        "verification": {**VERIFY_DEFAULTS, **settings.get("verification", {})},
    }


# ---------------------------------------------------------------------------- compile


def compile_to_dir(
    crn_path: str | Path,
    scheme: str,
    out_dir: str | Path,
    settings: dict[str, Any] | None = None,
    stamp: dict[str, Any] | None = None,
    backend: str = "dmp",
) -> dict[str, Any]:
    """Compile a `.crn` file with `scheme` into `out_dir`; nothing is written if compilation fails."""
    options = _settings(settings)
    started = time.perf_counter()
    crn = read_crn(crn_path)
    require_known_species(crn, str(crn_path))
    if backend == "nuskell":
        from dmp.dsd.nuskell import compile_with_nuskell

        compiled = compile_with_nuskell(crn, scheme, options, source=str(crn_path))
    else:
        try:
            compiled = compile_crn(crn, scheme, options, source=str(crn_path))
        except SchemeError as exc:
            raise DmpError(str(exc)) from None
    system = compiled.system
    seconds = time.perf_counter() - started
    out_dir = Path(out_dir)
    record = {
        "dmp_version": __version__,
        "backend": backend,
        "source_crn": str(crn_path),
        "system": system_to_json(system),
        "crn": format_crn(compiled.crn),
        "origin": compiled.origin,
        "original_reactions": [str(r) for r in crn.reactions],
        "splits": [
            {
                "original": s.original,
                "reaction": format_crn(CRN([s.reaction])),
                "cascade": format_crn(CRN(s.cascade)),
                "links": s.links,
            }
            for s in compiled.splits
        ],
        "settings": options,
        "compile_seconds": seconds,
        "provenance": stamp or provenance(),
    }
    header = [
        f"{system.scheme} compilation of {Path(crn_path).name} by dmp {__version__} ({backend} translation)",
        f"scheme: {system.meta.get('scheme_reference', '')}",
        f"one formal unit = {system.meta.get('unit_nM')} nM; inputs {', '.join(compiled.inputs) or 'none'} at "
        f"{system.meta.get('input_units')} unit (the simulation sets them per example); fuels at "
        f"{system.meta.get('fuel_nM')}-{system.meta.get('fuel_nM_max')} nM (by module)",
        f"{len(system.modules)} modules (one per formal reaction, fan-outs split to at most "
        f"{system.meta.get('max_products')} products per gate)",
    ]
    if stamp:
        header.append(f"config sha256 {stamp.get('config_sha256', '')[:16]}, seed {stamp.get('seed')}")
    reactions = {m.index: f"r{m.index}: {m.source}" for m in system.modules}
    counts = write_tables(system, out_dir, reactions)
    write_pil(system, out_dir / "system.pil", header)
    write_json(out_dir / SYSTEM_FILE, record)
    return {
        "scheme": system.scheme,
        "modules": len(system.modules),
        "fan_out_splits": len(compiled.splits),
        **counts,
        "seconds": seconds,
    }


def load_compiled(out_dir: str | Path) -> tuple[dict[str, Any], DSDSystem]:
    path = Path(out_dir) / SYSTEM_FILE
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DmpError(f"{path}: not found; run `dmp compile` into this folder first") from None
    except json.JSONDecodeError as exc:
        raise DmpError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from None
    return record, system_from_json(record["system"])


# ---------------------------------------------------------------------------- modules


def module_shapes(system: DSDSystem) -> list[str]:
    """Short hash of each module's canonical PIL: equal hashes mean isomorphic modules."""
    out = []
    for module in system.modules:
        text = canonical_pil(system.module_complexes(module), system.domains, _present(module)).text
        out.append(hashlib.sha256(text.encode()).hexdigest()[:12])
    return out


def _present(module: Module) -> set[str]:
    return set(module.reactant_signals + module.complexes)


def chunk_of(system: DSDSystem, chunk: int, chunks: int) -> list[int]:
    """Modules of chunk `chunk` (0-based) of `chunks`: whole shape groups, dealt round-robin."""
    groups: dict[str, list[int]] = defaultdict(list)
    for index, shape in enumerate(module_shapes(system)):
        groups[shape].append(index)
    ordered = sorted(groups.values(), key=lambda g: g[0])
    return sorted(i for k, group in enumerate(ordered) if k % chunks == chunk for i in group)


@contextmanager
def _time_limit(seconds: float, what: str):  # type: ignore[no-untyped-def]
    """Stop a verification step after `seconds` (SIGALRM; a no-op where signals are unavailable)."""
    if not seconds or not hasattr(signal, "SIGALRM"):
        yield
        return

    def expire(signum, frame):  # type: ignore[no-untyped-def]
        raise VerificationTimeout(what, "dsd.verification.timeout_s", seconds, "seconds of verification")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def verify_modules(system: DSDSystem, indices: list[int], settings: dict[str, Any]) -> dict[str, Any]:
    """Enumerate and verify the given modules; a module that hits a limit is reported, not fatal."""
    options = _settings(settings)
    enumerator = ModuleEnumerator(options["enumeration"])
    methods = options["verification"]["methods"]
    shapes = module_shapes(system)
    patterns = signal_patterns(system)
    verified_shapes: dict[str, tuple[int, CanonicalPIL, dict[str, Any]]] = {}
    results = []
    for index in indices:
        module = system.modules[index]
        started = time.perf_counter()
        entry: dict[str, Any] = {
            "module": f"r{index}",
            "index": index,
            "reaction": module.source,
            "shape": shapes[index],
        }
        try:
            enumerated, canon = enumerator.enumerate(
                system.module_complexes(module),
                system.domains,
                _present(module),
                f"r{index}",
                f"module r{index} ({module.source})",
            )
            if canon.text in verified_shapes:
                # Isomorphic to a module already verified: equal canonical PIL means the two differ
                # only by names, and both verification notions are invariant under renaming.
                first, first_canon, first_verdict = verified_shapes[canon.text]
                verdict = _renamed_verdict(first_verdict, first_canon, f"r{first}", canon, f"r{index}", system)
                verdict["same_shape_as"] = f"r{first}"
            else:
                formal = [[list(module.reaction[0]), list(module.reaction[1])]]
                with _time_limit(options["verification"]["timeout_s"], f"module r{index} ({module.source})"):
                    verdict = check(formal, enumerated, system, methods, patterns)
                verified_shapes[canon.text] = (index, canon, verdict)
            entry.update(verdict)
            entry["enumerated"] = enumerated.to_json()
            entry["implementation_species"] = len(enumerated.species)
            entry["implementation_reactions"] = len(enumerated.reactions)
        except LimitReached as exc:  # enumeration limit or verification timeout: this module stops here
            entry.update({"verified": False, "error": str(exc), "limit": exc.to_json()})
        except DmpError as exc:
            entry.update({"verified": False, "error": str(exc)})
        entry["seconds"] = time.perf_counter() - started
        results.append(entry)
    return {"modules": results, "enumerations": enumerator.runs, "cache_hits": enumerator.hits}


def _renamed_verdict(
    verdict: dict[str, Any],
    source: CanonicalPIL,
    source_tag: str,
    target: CanonicalPIL,
    target_tag: str,
    system: DSDSystem,
) -> dict[str, Any]:
    """A module's verdict carried to an isomorphic module: same verdicts, renamed interpretation."""
    rename = name_map(source, source_tag, target, target_tag)
    formal = {}  # formal species of the source module -> those of the target, via corresponding signals
    for c, real in source.complexes.items():
        a, b = system.complexes[real], system.complexes[target.complexes[c]]
        if a.role == "signal" and a.formal and b.formal:
            formal[a.formal] = b.formal
    out = {k: v for k, v in verdict.items() if k != "interpretation"}
    out["interpretation"] = {rename(k): sorted(formal[x] for x in v) for k, v in verdict["interpretation"].items()}
    return out


def verify_chunk(out_dir: str | Path, chunk: int, chunks: int) -> Path:
    """Run chunk `chunk` of `chunks` and write chunks/<chunk>-of-<chunks>.json."""
    if not 0 <= chunk < chunks:
        raise DmpError(f"--chunk must be between 0 and {chunks - 1}, got {chunk}")
    record, system = load_compiled(out_dir)
    started = time.perf_counter()
    result = verify_modules(system, chunk_of(system, chunk, chunks), record["settings"])
    result["seconds"] = time.perf_counter() - started
    path = Path(out_dir) / "chunks" / f"{chunk}-of-{chunks}.json"
    write_json(path, result)
    return path


# ---------------------------------------------------------------------------- collect


def _splits(record: dict[str, Any]) -> list[Split]:
    out = []
    for s in record["splits"]:
        original = parse_crn(s["reaction"]).reactions[0]
        cascade = parse_crn(s["cascade"]).reactions
        out.append(Split(s["original"], original, cascade, s["links"]))
    return out


def collect(out_dir: str | Path, chunk_results: list[dict[str, Any]]) -> dict[str, Any]:
    """Cross-module checks and the stage's outputs from all module results."""
    out_dir = Path(out_dir)
    record, system = load_compiled(out_dir)
    options = record["settings"]
    started = time.perf_counter()
    modules = sorted((m for c in chunk_results for m in c["modules"]), key=lambda m: m["index"])
    if [m["index"] for m in modules] != list(range(len(system.modules))):
        missing = sorted(set(range(len(system.modules))) - {m["index"] for m in modules})
        raise DmpError(
            f"{out_dir}: module results missing for r{missing[0]}"
            if missing
            else f"{out_dir}: module results given twice"
        )
    enumerated = {m["index"]: Enumerated.from_json(m["enumerated"]) for m in modules if "enumerated" in m}

    fan_out = [verify_split(s) for s in _splits(record)]
    enumerator = ModuleEnumerator(options["enumeration"])
    timeout = options["verification"]["timeout_s"]
    if options["verification"]["crosstalk"] and len(enumerated) == len(modules):
        try:
            crosstalk = check_crosstalk(system, enumerated, enumerator, options["enumeration"]["release_cutoff"])
        except LimitReached as exc:
            crosstalk = {"verified": False, "error": str(exc), "limit": exc.to_json()}
    else:
        crosstalk = {"verified": False, "skipped": "crosstalk check disabled or modules failed"}
    if len(enumerated) == len(modules):
        try:
            with _time_limit(timeout, "whole system (modular bisimulation)"):
                whole = check_whole(
                    [
                        ([[list(system.modules[i].reaction[0]), list(system.modules[i].reaction[1])]], enumerated[i])
                        for i in sorted(enumerated)
                    ],
                    system,
                )
        except LimitReached as exc:
            whole = {"verified": False, "error": str(exc), "limit": exc.to_json()}
    else:
        whole = {"verified": False, "skipped": "some modules could not be enumerated"}
    failures = [m["module"] for m in modules if not m.get("verified")]
    verified = not failures and crosstalk["verified"] and whole["verified"] and all(f["verified"] for f in fan_out)
    # Every limit that stopped a step: the run is then not verified, and says which limit to raise.
    limits = [{"step": m["module"], **m["limit"], "error": m["error"]} for m in modules if "limit" in m]
    limits += [
        {"step": step, **part["limit"], "error": part["error"]}
        for step, part in (("crosstalk", crosstalk), ("whole", whole))
        if "limit" in part
    ]

    interpretation: dict[str, list[str]] = {}
    for m in modules:
        interpretation.update(m.get("interpretation", {}))
    module_rows = [{k: v for k, v in m.items() if k not in ("enumerated", "interpretation")} for m in modules]
    for row, m in zip(module_rows, modules, strict=True):
        row["original_reaction"] = record["original_reactions"][record["origin"][m["index"]]]
    shapes = {m["shape"] for m in modules}
    report = {
        "scheme": system.scheme,
        "backend": record.get("backend", "dmp"),
        "source_crn": record["source_crn"],
        "verified": verified,
        "methods": {
            "modules": [
                f"crn-{x}" if x == "bisimulation" else f"{x}-decomposition" for x in options["verification"]["methods"]
            ],
            "whole": whole.get("method", "modular crn-bisimulation (crnverifier)"),
            "crosstalk": crosstalk.get("method", ""),
            "fan_out": "crn-bisimulation (crnverifier) of each cascade against its original reaction",
            "enumeration": "peppercorn condensed (resting macrostates), one module at a time",
        },
        "summary": {
            "modules": len(modules),
            "modules_verified": len(modules) - len(failures),
            "failed_modules": failures,
            "distinct_module_shapes": len(shapes),
            "fan_out_splits": len(fan_out),
        },
        "limits_reached": limits,
        "whole": whole,
        "crosstalk": crosstalk,
        "fan_out": fan_out,
        "modules": module_rows,
        "interpretation": interpretation,
        "wall_time_seconds": {
            "compile": record.get("compile_seconds"),
            "modules": sum(c.get("seconds", 0.0) for c in chunk_results),
            "collect": None,
        },
        "settings": {"enumeration": options["enumeration"], "verification": options["verification"]},
        "provenance": record.get("provenance"),
    }
    crn_text = _enumerated_crn(system, enumerated, record)
    report["wall_time_seconds"]["collect"] = time.perf_counter() - started
    write_text(out_dir / "enumerated.crn", crn_text)
    write_json(out_dir / "verification.json", report)
    summary = _summary(system, report, crn_text)
    write_json(out_dir / "summary.json", summary)
    return summary


def _enumerated_crn(system: DSDSystem, enumerated: dict[int, Enumerated], record: dict[str, Any]) -> str:
    """Union of the module CRNs, signal strands merged into their formal species."""
    crn = CRN()
    units = {}
    seen = set()
    merge: dict[str, str] = {}
    patterns = signal_patterns(system)
    for index in sorted(enumerated):
        merge.update(signal_interpretation(system, enumerated[index], patterns))
        for reactants, products, rate, unit in enumerated[index].reactions:
            r = tuple(merge.get(x, x) for x in reactants)
            p = tuple(merge.get(x, x) for x in products)
            key = (tuple(sorted(r)), tuple(sorted(p)), rate)
            if key in seen:
                continue
            seen.add(key)
            crn.reactions.append(Reaction(r, p, rate))
            units[len(r)] = unit
    species = set(crn.species)
    for cplx in system.complexes.values():
        name = merge.get(cplx.name, cplx.name)
        if name in species and cplx.concentration > 0 and (cplx.role != "signal" or cplx.reaction is None):
            crn.initial[name] = cplx.concentration
    header = [
        f"condensed implementation CRN of {system.scheme} ({record['source_crn']}), enumerated by peppercorn",
        "species: formal names = signal strands (any history domain); f* fuels/helpers, i* intermediates, w* wastes",
        "concentrations in nM; rate constants " + ", ".join(f"{u} ({n}-molecular)" for n, u in sorted(units.items())),
        f"dmp {__version__}",
    ]
    return format_crn(crn, header)


def _summary(system: DSDSystem, report: dict[str, Any], crn_text: str) -> dict[str, Any]:
    from dmp.dsd.tables import distinct_strands, strand_length

    strands = distinct_strands(system)
    # No module enumerated (every one stopped at a limit): the implementation CRN is empty.
    crn = parse_crn(crn_text) if any(not x.startswith("#") for x in crn_text.splitlines()) else CRN()
    return {
        "scheme": system.scheme,
        "verified": report["verified"],
        "complexes": len(system.complexes),
        "complexes_by_role": {
            r: sum(c.role == r for c in system.complexes.values()) for r in ("signal", "fuel", "helper")
        },
        "strands": len(strands),
        "domains": len(system.domains),
        "nucleotides": sum(strand_length(system, s) for s in strands),
        "modules": report["summary"]["modules"],
        "modules_verified": report["summary"]["modules_verified"],
        "failed_modules": report["summary"]["failed_modules"],
        "distinct_module_shapes": report["summary"]["distinct_module_shapes"],
        "limits_reached": report["limits_reached"],
        "crosstalk_verified": report["crosstalk"]["verified"],
        "whole_verified": report["whole"]["verified"],
        "implementation_species": len(crn.species),
        "implementation_reactions": len(crn.reactions),
        "module_status": {
            m["module"]: ("verified" if m.get("verified") else m.get("error", "not verified"))
            for m in report["modules"]
        },
        "provenance": report.get("provenance"),
    }


def collect_chunks(out_dir: str | Path, chunks: int) -> dict[str, Any]:
    """Read chunks/<k>-of-<chunks>.json for every k and collect them."""
    results = []
    for k in range(chunks):
        path = Path(out_dir) / "chunks" / f"{k}-of-{chunks}.json"
        results.append(read_json(path, f"not found; run `dmp verify {out_dir} --chunk {k} --of {chunks}` first"))
    return collect(out_dir, results)


def verify_all(out_dir: str | Path) -> dict[str, Any]:
    """Every module, then the cross-module checks, in this process."""
    record, system = load_compiled(out_dir)
    started = time.perf_counter()
    result = verify_modules(system, list(range(len(system.modules))), record["settings"])
    result["seconds"] = time.perf_counter() - started
    return collect(out_dir, [result])
