"""Write a DSD system in the language of Microsoft Research's Visual DSD (a `.dna` program).

Syntax (Phillips & Cardelli 2009; Lakin et al. 2011; the examples and parser of Visual DSD's
public source, github.com/microsoft/crn-engine, ClassicDSD):
- `<a b^ c>` an upper strand, written 5'->3' from left to right; `{a b}` a lower strand,
  written 3'->5' (Visual DSD draws the 3' arrowhead at the right of upper strands and at the
  left of lower strands, and rotating `<a b c>` gives `{c b a}`).
- `t^` a toehold, `x*` a complement (`t^*`).
- A gate is a row of segments `<ul>{ll}[d]{lr}<ur>`: the double-stranded part `[d]` (upper
  domains d bound to their complements below), overhangs left and right; `:` joins two
  segments along the lower strand (the upper strand has a nick there), `::` along the upper.
- `new t@bind,unbind` declares a domain (with toehold rates, /nM/s and /s), `def N() = S`
  names a species, `( c * N() | ... )` is the initial population, `//` comments.

A dmp complex is written as one lower strand (the strand with the most bound domains) with
every other strand bound to it side by side, which covers the gates of dmp's schemes. A
complex outside that form (strands bound to each other above the lower strand, hairpins,
bulges) is left out with a warning and a comment in the file.
Toehold rates are peppercorn's (the enumerator behind dmp's DNA-level CRNs): binding
3e5 /M/s per nucleotide, unbinding from its duplex-opening rate, so a Visual DSD simulation
starts from the same toehold kinetics.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from dmp.crn.model import unique_name
from dmp.dsd.diagram import toehold_domains
from dmp.dsd.kernel import pair_table
from dmp.dsd.model import Complex, DSDSystem, base_domain
from dmp.errors import DmpError, DmpWarning
from dmp.fileio import write_text

# Identifiers of the DSD language: letters, digits, '_' and "'".
_NAME_BAD = re.compile(r"[^A-Za-z0-9_']")
_KEYWORDS = frozenset({"new", "def", "dom", "directive", "constant", "rxn", "with", "of", "tether", "sum", "_"})


class NotExpressible(ValueError):
    """A complex whose structure Visual DSD's gate syntax cannot state."""


def dsd_name(name: str, used: set[str]) -> str:
    """A DSD identifier for `name` (other characters become '_'), unique within `used` (added to it)."""
    ident = _NAME_BAD.sub("_", name) or "d"
    if ident in _KEYWORDS:
        ident += "_"
    return unique_name(ident, used)


def _number(value: float, digits: int | None = None) -> str:
    """Positional decimal notation (no exponent): the shortest exact form, or `digits` significant digits."""
    if digits is None:
        return np.format_float_positional(float(value), trim="-")
    return np.format_float_positional(float(value), precision=digits, unique=False, fractional=False, trim="-")


def toehold_rates(length: int) -> tuple[float, float]:
    """(binding /nM/s, unbinding /s) of a toehold of `length` nt in peppercorn's rate model."""
    from peppercornenumerator.ratemodel import bimolecular_binding_rate, opening_rate

    return bimolecular_binding_rate(length) * 1e-9, opening_rate(length)


def complex_to_dsd(cplx: Complex, token: dict[str, str], toeholds: set[str]) -> str:
    """Visual DSD text of one complex; `token` maps base domains to DSD names.

    Raises NotExpressible for a structure that is not one lower strand with the other strands
    bound to it side by side.
    """

    def text(domain: str) -> str:
        base = base_domain(domain)
        return token[base] + ("^" if base in toeholds else "") + ("*" if domain.endswith("*") else "")

    def run(domains: Iterable[str]) -> str:
        return " ".join(text(d) for d in domains)

    strands, pairs = cplx.strands, pair_table(cplx.structure)
    if any(k == m for (k, _), (m, _) in pairs.items()):
        raise NotExpressible("a strand is bound to itself (a hairpin)")
    if len(strands) == 1:
        return f"<{run(strands[0])}>"
    bound = [sum((k, i) in pairs for i in range(len(s))) for k, s in enumerate(strands)]
    base = max(range(len(strands)), key=lambda k: (bound[k], bound[k] - len(strands[k]), k))
    if any(base not in (k, m) for (k, _), (m, _) in pairs.items()):
        raise NotExpressible("two strands are bound to each other besides the strand that holds them")
    width = len(strands[base])
    uppers = []
    for k, strand in enumerate(strands):
        if k == base:
            continue
        held = [i for i in range(len(strand)) if (k, i) in pairs]
        if not held:
            raise NotExpressible(f"strand {k + 1} is not bound")
        if held != list(range(held[0], held[-1] + 1)):
            raise NotExpressible(f"strand {k + 1} has an unbound domain between bound ones (a bulge)")
        positions = [width - 1 - pairs[(k, i)][1] for i in held]  # left-to-right places on the lower strand
        if positions != list(range(positions[0], positions[0] + len(held))):
            raise NotExpressible(f"strand {k + 1} is bound to domains that are not adjacent")
        uppers.append((positions[0], positions[-1], k, held[0], held[-1]))
    uppers.sort()
    lower = [strands[base][width - 1 - p] for p in range(width)]  # the lower strand, left to right (3'->5')
    segments = []
    for n, (start, end, k, first, last) in enumerate(uppers):
        stop = uppers[n + 1][0] if n + 1 < len(uppers) else width
        upper_left, upper_right = strands[k][:first], strands[k][last + 1 :]
        lower_left = lower[:start] if n == 0 else []
        lower_right = lower[end + 1 : stop]
        segments.append(
            (f"<{run(upper_left)}>" if upper_left else "")
            + (f"{{{run(lower_left)}}}" if lower_left else "")
            + f"[{run(strands[k][first : last + 1])}]"
            + (f"{{{run(lower_right)}}}" if lower_right else "")
            + (f"<{run(upper_right)}>" if upper_right else "")
        )
    return ":".join(segments)


def _groups(system: DSDSystem) -> list[tuple[str, list[Complex]]]:
    """Complexes in system.pil's order: the formal species' signals, then each module's, then any others."""
    signals = [c for c in system.complexes.values() if c.role == "signal" and c.reaction is None]
    groups = [(f"Signal strands of the formal species ({len(signals)})", signals)]
    seen = {c.name for c in signals}
    for module in system.modules:
        names = [n for n in module.complexes + module.product_signals if n not in seen]
        groups.append((f"Module r{module.index}: {module.source}", [system.complexes[n] for n in names]))
        seen.update(names)
    rest = [c for c in system.complexes.values() if c.name not in seen]
    if rest:
        groups.append((f"Other complexes ({len(rest)})", rest))
    return groups


def _plots(system: DSDSystem, names: dict[str, str], token, toeholds, formal: Sequence[str] | None) -> list[str]:  # noqa: ANN001
    """One plot per formal species: its signal, or the sum over its signals with `_` where their histories differ."""
    plots = []
    for species in formal if formal is not None else system.formal_species:
        signals = [c for c in system.complexes.values() if c.role == "signal" and c.formal == species]
        signals = [c for c in signals if c.name in names]
        if len(signals) == 1:
            plots.append(f"{names[signals[0].name]}()")
        elif signals and all(len(c.strands) == 1 and len(c.strands[0]) == len(signals[0].strands[0]) for c in signals):
            columns = list(zip(*(c.strands[0] for c in signals), strict=True))
            parts = [
                "_"
                if len(set(column)) > 1
                else token[base_domain(column[0])]
                + ("^" if base_domain(column[0]) in toeholds else "")
                + ("*" if column[0].endswith("*") else "")
                for column in columns
            ]
            plots.append(f"sum([<{' '.join(parts)}>])")
    return plots


def format_visualdsd(
    system: DSDSystem,
    header: Iterable[str] = (),
    final_time: float | None = None,
    plots: Sequence[str] | None = None,
    toehold_max: int | None = None,
) -> tuple[str, list[str]]:
    """Visual DSD program text of `system` and the names of complexes it had to leave out.

    Every complex is written with its initial concentration (nM); `final_time` (s) sets the
    simulation's end; `plots` names the formal species to plot (default: all).
    """
    toeholds = toehold_domains(system, toehold_max)
    used: set[str] = set()
    token = {d: dsd_name(d, used) for d in system.domains}
    lines = [f"// {h}" if h else "//" for h in header]
    lines += [
        f"// Visual DSD program of the {system.scheme} system: {len(system.complexes)} complexes, "
        f"{len(system.domains)} domains (written by dmp).",
        "// Concentrations in nM, time in seconds; toehold rates from peppercorn's rate model (/nM/s, /s).",
    ]
    body: list[str] = []
    process: list[str] = []
    names: dict[str, str] = {}
    skipped: list[str] = []
    for title, members in _groups(system):
        body += ["", f"// {title}"]
        for cplx in members:
            try:
                species = complex_to_dsd(cplx, token, toeholds)
            except NotExpressible as exc:
                warnings.warn(
                    f"complex {cplx.name} ({cplx.kernel}) left out of the Visual DSD file: {exc}",
                    DmpWarning,
                    stacklevel=2,
                )
                body.append(f"// not written: {cplx.name} = {cplx.kernel} ({exc})")
                skipped.append(cplx.name)
                continue
            names[cplx.name] = dsd_name(cplx.name, used)
            body.append(f"def {names[cplx.name]}() = {species}")
            process.append(f"{_number(cplx.concentration)} * {names[cplx.name]}()")
    settings = [f"final={_number(final_time)}"] if final_time is not None else []
    settings.append(f"plots=[{'; '.join(_plots(system, names, token, toeholds, plots))}]")
    lines += [
        "directive simulator deterministic",
        "directive units {concentration=nM; time=s}",
        f"directive simulation {{{'; '.join(settings)}}}",
        "",
        "// Domains: toeholds (^) with binding and unbinding rates, then long domains",
    ]
    for domain in sorted(system.domains, key=lambda d: (d not in toeholds, list(system.domains).index(d))):
        if domain in toeholds:
            bind, unbind = toehold_rates(system.domains[domain])
            lines.append(f"new {token[domain]}@{_number(bind, 6)},{_number(unbind, 6)}")
        else:
            lines.append(f"new {token[domain]}")
    if not process:
        raise DmpError(f"no complex of the {system.scheme} system can be written in Visual DSD's syntax")
    lines += body + ["", "( " + "\n| ".join(process) + "\n)"]
    return "\n".join(lines) + "\n", skipped


def write_visualdsd(
    system: DSDSystem,
    path: str | Path,
    header: Iterable[str] = (),
    final_time: float | None = None,
    plots: Sequence[str] | None = None,
    toehold_max: int | None = None,
) -> dict[str, object]:
    """Write the Visual DSD program (`system.dna` beside system.pil); returns counts and the complexes left out."""
    text, skipped = format_visualdsd(system, header, final_time, plots, toehold_max)
    write_text(path, text)
    return {"complexes": len(system.complexes) - len(skipped), "left_out": skipped, "domains": len(system.domains)}
