"""Read domain-level systems written in PIL (peppercorn's and Nuskell's format) into a `DSDSystem`.

The syntax is checked by dsdobjects' own PIL grammar (the parser peppercorn and Nuskell use),
so dmp accepts exactly what they accept; its errors are turned into one line with the file and
line. What the grammar cannot see is checked here and reported the same way: domains used but
never given a length, symbolic lengths (`short`/`long`), bound domains that are not
complementary, names given twice.

Only the statements that define a system are kept: domain lengths and complexes in kernel
notation with their concentrations. Enumerator output (`reaction`, `macrostate`) is skipped.
Roles follow Nuskell's naming: complexes whose names start with `f` are fuels, the others
signals of the formal species they are named after.
"""

from __future__ import annotations

import functools
import math
import re
from pathlib import Path

from dmp.dsd.kernel import canonical_kernel, parse_kernel, structure_of
from dmp.dsd.model import Complex, DSDSystem, base_domain
from dmp.errors import DmpError
from dmp.fileio import read_source_text

# Concentration units of the PIL grammar, in nM (dmp states concentrations in nM throughout).
UNITS_NM = {"M": 1e9, "mM": 1e6, "uM": 1e3, "nM": 1.0, "pM": 1e-3}

# The keyword a user wrote for each kind of statement dsdobjects' grammar reports.
_KEYWORDS = {"sl-domain": "sequence", "composite-domain": "sup-sequence", "strand-complex": "structure"}

_STATEMENT = re.compile(r"^\s*(?:(?:length|domain|sequence)\s+(?P<domain>[\w-]+)|(?P<complex>[\w-]+)\s*=)")


class PILError(DmpError):
    """A PIL file that cannot be read; names the file and line."""

    def __init__(self, source: str, line: int, message: str) -> None:
        self.source = source
        self.line = line
        super().__init__(f"{source}:{line}: {message}" if line else f"{source}: {message}")


def _kernel_text(pattern: list) -> str:  # type: ignore[type-arg]
    """Kernel string from dsdobjects' nested parse (`a( b( + ) )` arrives as ['a', ['b', ['+']]])."""
    out: list[str] = []
    items = list(pattern)
    k = 0
    while k < len(items):
        item = items[k]
        if k + 1 < len(items) and isinstance(items[k + 1], list):
            out.append(f"{item}(")
            inner = _kernel_text(items[k + 1])
            if inner:
                out.append(inner)
            out.append(")")
            k += 2
        else:
            out.append(item)
            k += 1
    return " ".join(out)


def _lines(text: str) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Line numbers of every domain statement and complex statement, by name, for messages."""
    domains: dict[str, list[int]] = {}
    complexes: dict[str, list[int]] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        match = _STATEMENT.match(raw.split("#", 1)[0])
        if match and match["domain"]:
            domains.setdefault(match["domain"], []).append(number)
        elif match and match["complex"] and match["complex"] not in ("length", "domain", "sequence"):
            complexes.setdefault(match["complex"], []).append(number)
    return domains, complexes


@functools.cache
def _grammar():  # type: ignore[no-untyped-def]
    """dsdobjects' PIL grammar, built once (building it costs more than parsing a small file)."""
    from dsdobjects.dsdparser.pil_parser import pil_document_setup

    return pil_document_setup()


def parse_pil(text: str, source: str = "<string>", scheme: str = "pil") -> DSDSystem:
    """Parse PIL text into a system of domains and complexes (no modules)."""
    from pyparsing import ParseBaseException

    if not text.strip():
        raise PILError(source, 1, "no PIL statements found (expected 'length NAME = N' and 'NAME = KERNEL')")
    try:
        statements = _grammar().parseString(text).asList()
    except ParseBaseException as exc:
        line = exc.line.strip()
        raise PILError(source, exc.lineno, f"PIL syntax error in {line!r}") from None
    domain_line, complex_line = _lines(text)
    system = DSDSystem(scheme=scheme)
    pending: list[tuple[str, str, float, int]] = []
    declared: dict[str, int] = {}  # domain statements seen so far per name (to find each one's line)
    for statement in statements:
        kind = statement[0]
        if kind == "dl-domain":
            name, length = statement[1], statement[2]
            base = name.rstrip("*")
            lines_of = domain_line.get(base, [])
            line = lines_of[min(declared.get(base, 0), len(lines_of) - 1)] if lines_of else 0
            declared[base] = declared.get(base, 0) + 1
            if name.endswith("*"):
                raise PILError(source, line, f"length declared for complement domain {name}; declare {name[:-1]}")
            if not length.isdigit() or int(length) == 0:
                raise PILError(source, line, f"domain {name} needs a length in nucleotides >= 1, got {length!r}")
            known = system.domains.get(name)
            if known is not None and known != int(length):
                raise PILError(source, line, f"domain {name} declared with lengths {known} and {length}")
            system.domains[name] = int(length)
        elif kind == "kernel-complex":
            name, *patterns = statement[1:]
            concentration = 0.0
            if len(patterns) == 2:  # the kernel, then '@initial VALUE UNIT' (or @constant)
                _, value, unit = patterns.pop()
                concentration = float(value) * UNITS_NM[unit]
                if not math.isfinite(concentration):
                    line = (complex_line.get(name) or [0])[0]
                    raise PILError(source, line, f"complex {name}: concentration {value} {unit} is not a finite number")
            kernel = " ".join(_kernel_text(p) for p in patterns)
            seen = sum(p[0] == name for p in pending)
            lines = complex_line.get(name, [])
            pending.append((name, kernel, concentration, lines[seen] if seen < len(lines) else 0))
        elif kind in ("sl-domain", "composite-domain", "strand-complex"):
            where = complex_line if kind == "strand-complex" else domain_line
            line = (where.get(statement[1]) or [0])[0]
            raise PILError(
                source,
                line,
                f"PIL statement {_KEYWORDS[kind]!r} ({statement[1]}) is not supported; write domains as 'length NAME = N' "
                "and complexes in kernel notation",
            )
        # reactions and macrostates: enumerator output, not part of the system's definition
    if not pending:
        raise PILError(source, 1, "no complexes found (expected 'NAME = KERNEL [@initial VALUE nM]')")
    for name, kernel, concentration, line in pending:
        system.complexes[name] = _complex(system, name, kernel, concentration, source, line)
    _refuse_duplicates(system, complex_line, source)
    system.formal_species = [c.name for c in system.complexes.values() if c.role == "signal"]
    return system


def _complex(system: DSDSystem, name: str, kernel: str, concentration: float, source: str, line: int) -> Complex:
    """One complex statement, checked against the system's domains and the complexes before it."""
    if name in system.complexes:
        raise PILError(source, line, f"complex {name} defined twice")
    try:
        strands, _ = parse_kernel(kernel)
    except ValueError as exc:
        raise PILError(source, line, f"complex {name}: {exc}") from None
    for domain in (d for s in strands for d in s):
        if base_domain(domain) not in system.domains:
            raise PILError(
                source,
                line,
                f"complex {name} uses domain {base_domain(domain)}, which has no 'length "
                f"{base_domain(domain)} = N' statement",
            )
    if any(not s for s in strands):
        raise PILError(source, line, f"complex {name} has an empty strand ('+' at an end or '+ +')")
    strand_lists, structure = structure_of(kernel)
    role = "fuel" if name.startswith("f") else "signal"
    return Complex(
        name,
        tuple(map(tuple, strand_lists)),
        tuple(map(tuple, structure)),
        role,
        formal=None if role == "fuel" else name,
        concentration=concentration,
    )


def _refuse_duplicates(system: DSDSystem, complex_line: dict[str, list[int]], source: str) -> None:
    """Two names for one complex (the same strands and pairs): sequences would make them one molecule."""
    first: dict[str, str] = {}
    for name, cplx in system.complexes.items():
        key = canonical_kernel(cplx.kernel)
        if key in first:
            other = first[key]
            line = (complex_line.get(name) or [0])[0]
            raise PILError(
                source,
                line,
                f"complex {name} has the same strands and structure as {other} (line "
                f"{(complex_line.get(other) or [0])[0]}); one complex, one name",
            )
        first[key] = name


def read_pil(path: str | Path) -> DSDSystem:
    """Read a PIL file."""
    return parse_pil(read_source_text(path, PILError), str(path), scheme=Path(path).stem)
