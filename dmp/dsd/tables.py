"""The compiled system as files people read: PIL for peppercorn and Nuskell, gate and strand tables."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from dmp.crn.io import format_number
from dmp.dsd.model import Complex, DSDSystem, base_domain
from dmp.fileio import write_text, write_tsv

GATES_HEADER = ["name", "role", "formal_species", "reaction", "module", "kernel", "strands", "concentration_nM"]
STRANDS_HEADER = ["name", "domains", "length_nt", "complexes"]


def _complex_order(system: DSDSystem) -> list[Complex]:
    """Signals of the formal species first, then each module's fuels, helpers and released signals."""
    ordered = [c for c in system.complexes.values() if c.role == "signal" and c.reaction is None]
    for module in system.modules:
        ordered += [system.complexes[n] for n in module.complexes + module.product_signals]
    ordered = list({c.name: c for c in ordered}.values())  # a complex shared by modules: once, where first used
    seen = {c.name for c in ordered}
    ordered += [c for c in system.complexes.values() if c.name not in seen]
    return ordered


def format_pil(system: DSDSystem, header: Iterable[str] = ()) -> str:
    """PIL text that peppercorn reads unchanged: domain lengths, then every complex with its concentration."""
    lines = [f"# {h}" if h else "#" for h in header]
    lines.append(f"# Domains ({len(system.domains)})")
    lines += [f"length {name} = {length}" for name, length in system.domains.items()]
    signals = [c for c in system.complexes.values() if c.role == "signal" and c.reaction is None]
    lines += ["", f"# Signal strands of the formal species ({len(signals)})"]
    lines += [_pil_complex(c) for c in signals]
    written = {c.name for c in signals}
    for module in system.modules:
        # A complex shared by several modules (a species' fuel in qian2011) is written with the first.
        names = [n for n in dict.fromkeys(module.complexes + module.product_signals) if n not in written]
        lines += ["", f"# Module r{module.index}: {module.source}"]
        lines += [_pil_complex(system.complexes[n]) for n in names]
        written.update(names)
    rest = [c for c in system.complexes.values() if c.name not in written]
    if rest:  # complexes outside any module, e.g. of a system read from a user's PIL file
        lines += ["", f"# Other complexes ({len(rest)})"]
        lines += [_pil_complex(c) for c in rest]
    return "\n".join(lines) + "\n"


def _pil_complex(cplx: Complex) -> str:
    return f"{cplx.name} = {cplx.kernel} @initial {format_number(round(cplx.concentration, 9))} nM"


def distinct_strands(system: DSDSystem) -> dict[tuple[str, ...], dict[str, Any]]:
    """One entry per distinct strand (domain sequence): a stable name and the complexes using it.

    A strand that is also a complex on its own (a signal or helper strand) takes that
    complex's name; any other takes the name of the first complex holding it plus its index.
    """
    single = {c.strands[0]: c.name for c in _complex_order(system) if len(c.strands) == 1}
    strands: dict[tuple[str, ...], dict[str, Any]] = {}
    for cplx in _complex_order(system):
        for k, strand in enumerate(cplx.strands):
            entry = strands.get(strand)
            if entry is None:
                name = single.get(strand, f"{cplx.name}_s{k + 1}")
                entry = strands[strand] = {"name": name, "complexes": []}
            if cplx.name not in entry["complexes"]:
                entry["complexes"].append(cplx.name)
    return strands


def strand_length(system: DSDSystem, strand: Iterable[str]) -> int:
    return sum(system.domains[base_domain(d)] for d in strand)


def write_tables(system: DSDSystem, out_dir: str | Path, reactions: dict[int, str]) -> dict[str, int]:
    """gates.tsv (one row per complex) and strands.tsv (one row per distinct strand)."""
    out_dir = Path(out_dir)
    strands = distinct_strands(system)
    strand_name = {s: e["name"] for s, e in strands.items()}
    users: dict[str, list[str]] = {}
    for module in system.modules:
        for name in module.complexes:
            users.setdefault(name, []).append(f"r{module.index}")
    rows = []
    for cplx in _complex_order(system):
        if cplx.role == "signal" and cplx.reaction is None:
            serves = "input or initial signal"
        elif cplx.reaction is None and len(users.get(cplx.name, [])) > 1:
            serves = f"shared by {len(users[cplx.name])} modules"
        else:
            serves = reactions.get(cplx.reaction, "") if cplx.reaction is not None else ""
        rows.append(
            [
                cplx.name,
                cplx.role,
                cplx.formal or "",
                serves,
                ",".join(users.get(cplx.name, [])) if cplx.reaction is None else f"r{cplx.reaction}",
                cplx.kernel,
                ",".join(strand_name[s] for s in cplx.strands),
                round(cplx.concentration, 6),
            ]
        )
    write_tsv(out_dir / "gates.tsv", GATES_HEADER, rows)
    write_tsv(
        out_dir / "strands.tsv",
        STRANDS_HEADER,
        ([e["name"], " ".join(s), strand_length(system, s), ",".join(e["complexes"])] for s, e in strands.items()),
    )
    return {
        "complexes": len(system.complexes),
        "strands": len(strands),
        "domains": len(system.domains),
        "nucleotides": sum(strand_length(system, s) for s in strands),
    }


def write_pil(system: DSDSystem, path: str | Path, header: Iterable[str] = ()) -> None:
    write_text(path, format_pil(system, header))
