"""Collect the module results of a compiled system: cross-module checks, the implementation CRN, the report.

Takes the hand-off record the compile step wrote (plain data) and every chunk's module results;
returns verification.json's report, enumerated.crn's text and summary.json's figures.
"""

from __future__ import annotations

import time
from typing import Any

from dmp import __version__
from dmp.crn.io import format_crn, parse_crn
from dmp.crn.model import CRN, Reaction
from dmp.dsd.cascade import Split, verify_split
from dmp.dsd.crosstalk import check_crosstalk
from dmp.dsd.enumeration import Enumerated, ModuleEnumerator, peppercorn_options
from dmp.dsd.model import ROLES, DSDSystem
from dmp.dsd.modules import time_limit
from dmp.dsd.settings import DSDSettings
from dmp.dsd.verification import check_whole, signal_interpretation, signal_patterns
from dmp.errors import DmpError, LimitReached
from dmp.params import to_dict


def _splits(record: dict[str, Any]) -> list[Split]:
    out = []
    for s in record["splits"]:
        original = parse_crn(s["reaction"]).reactions[0]
        cascade = parse_crn(s["cascade"]).reactions
        out.append(Split(s["original"], original, cascade, s["links"]))
    return out


def _sorted_modules(system: DSDSystem, chunk_results: list[dict[str, Any]], where: str) -> list[dict[str, Any]]:
    modules = sorted((m for c in chunk_results for m in c["modules"]), key=lambda m: m["index"])
    if [m["index"] for m in modules] != list(range(len(system.modules))):
        missing = sorted(set(range(len(system.modules))) - {m["index"] for m in modules})
        raise DmpError(
            f"{where}: module results missing for r{missing[0]}" if missing else f"{where}: module results given twice"
        )
    return modules


def _cross_checks(
    system: DSDSystem, enumerated: dict[int, Enumerated], settings: DSDSettings
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Crosstalk between modules that share species, and the whole system by modular bisimulation."""
    complete = len(enumerated) == len(system.modules)
    if settings.verification.crosstalk and complete:
        try:
            enumerator = ModuleEnumerator(settings.enumeration)
            crosstalk = check_crosstalk(system, enumerated, enumerator, settings.enumeration.release_cutoff)
        except LimitReached as exc:
            crosstalk = {"verified": False, "error": str(exc), "limit": exc.to_json()}
    else:
        crosstalk = {"verified": False, "skipped": "crosstalk check disabled or modules failed"}
    if not complete:
        return crosstalk, {"verified": False, "skipped": "some modules could not be enumerated"}
    parts = [
        ([[list(system.modules[i].reaction[0]), list(system.modules[i].reaction[1])]], enumerated[i])
        for i in sorted(enumerated)
    ]
    try:
        with time_limit(settings.verification.timeout_s, "whole system (modular bisimulation)"):
            whole = check_whole(parts, system)
    except LimitReached as exc:
        whole = {"verified": False, "error": str(exc), "limit": exc.to_json()}
    return crosstalk, whole


def _limits(modules: list[dict[str, Any]], crosstalk: dict[str, Any], whole: dict[str, Any]) -> list[dict[str, Any]]:
    """Every limit that stopped a step: the run is then not verified, and says which limit to raise."""
    limits = [{"step": m["module"], **m["limit"], "error": m["error"]} for m in modules if "limit" in m]
    return limits + [
        {"step": step, **part["limit"], "error": part["error"]}
        for step, part in (("crosstalk", crosstalk), ("whole", whole))
        if "limit" in part
    ]


def collect(
    system: DSDSystem, record: dict[str, Any], settings: DSDSettings, chunk_results: list[dict[str, Any]], where: str
) -> tuple[dict[str, Any], str, dict[str, Any]]:
    """verification.json's report, enumerated.crn's text and summary.json, from every module result.

    `record` is the compile step's hand-off (splits, origin, source, timings, provenance);
    `where` names the system in error messages.
    """
    started = time.perf_counter()
    modules = _sorted_modules(system, chunk_results, where)
    enumerated = {m["index"]: Enumerated.from_json(m["enumerated"]) for m in modules if "enumerated" in m}
    fan_out = [verify_split(s) for s in _splits(record)]
    crosstalk, whole = _cross_checks(system, enumerated, settings)
    failures = [m["module"] for m in modules if not m.get("verified")]
    verified = not failures and crosstalk["verified"] and whole["verified"] and all(f["verified"] for f in fan_out)
    interpretation: dict[str, list[str]] = {}
    for m in modules:
        interpretation.update(m.get("interpretation", {}))
    module_rows = [{k: v for k, v in m.items() if k not in ("enumerated", "interpretation")} for m in modules]
    for row, m in zip(module_rows, modules, strict=True):
        row["original_reaction"] = record["original_reactions"][record["origin"][m["index"]]]
    report = {
        "scheme": system.scheme,
        "backend": record.get("backend", "dmp"),
        "source_crn": record["source_crn"],
        "verified": verified,
        "methods": {
            "modules": [
                f"crn-{x}" if x == "bisimulation" else f"{x}-decomposition" for x in settings.verification.methods
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
            "distinct_module_shapes": len({m["shape"] for m in modules}),
            "fan_out_splits": len(fan_out),
        },
        "limits_reached": _limits(modules, crosstalk, whole),
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
        "settings": {
            "enumeration": peppercorn_options(settings.enumeration),
            "verification": to_dict(settings.verification),
        },
        "provenance": record.get("provenance"),
    }
    crn_text = _enumerated_crn(system, enumerated, record)
    report["wall_time_seconds"]["collect"] = time.perf_counter() - started
    return report, crn_text, _summary(system, report, crn_text)


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
        "complexes_by_role": {r: sum(c.role == r for c in system.complexes.values()) for r in ROLES},
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
