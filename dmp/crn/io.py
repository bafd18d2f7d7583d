"""Read and write the plain-text `.crn` format of the Nuskell / crnverifier family.

    # comment
    A + B -> C [k = 1]
    A <=> 2 B [kf = 1, kr = 0.5]        # read as two irreversible reactions
    X @initial 0.5; Y @constant 1       # ';' separates statements

Hand-written rather than calling crnverifier's pyparsing grammar because users need one
line naming the file, line and problem, and that grammar reports neither reliably; the test
suite parses everything this writer emits with crnverifier's own parser to keep the two in step.
"""

from __future__ import annotations

import math
import re
import warnings
from pathlib import Path

from dmp.crn.model import CRN, SPECIES_NAME, Reaction, format_side
from dmp.errors import CRNSyntaxError, DmpWarning
from dmp.fileio import read_source_text, write_text

# Most copies of one species on one side of a reaction. Elementary reactions have one or two;
# the bound keeps a typing slip (1000000 A -> B) from building a reaction of that order.
MAX_STOICHIOMETRY = 100

_NUMBER = r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_TERM = re.compile(r"^(?:(?P<count>\d+)\s*)?(?P<name>[A-Za-z][A-Za-z0-9_]*)$")
_CONCENTRATION = re.compile(rf"^(?P<name>\S+)\s*@\s*(?P<mode>initial|i|constant|c)\s+(?P<value>-?{_NUMBER})$")
_RATE_SINGLE = re.compile(rf"^\[\s*(?:k\s*=\s*)?(?P<k>-?{_NUMBER})\s*\]$")
_RATE_PAIR = re.compile(
    rf"^\[\s*(?:(?:kf|fw)\s*=\s*)?(?P<kf>-?{_NUMBER})\s*,\s*(?:(?:kr|bw|rv)\s*=\s*)?(?P<kr>-?{_NUMBER})\s*\]$"
)


def _parse_side(text: str, source: str, line: int) -> tuple[str, ...]:
    text = text.strip()
    if not text:
        return ()
    species: list[str] = []
    for term in text.split("+"):
        term = term.strip()
        match = _TERM.match(term)
        if match is None:
            if not term:
                raise CRNSyntaxError(source, line, "empty term around '+'")
            bad = term.split()[-1]
            if not SPECIES_NAME.match(bad):
                raise CRNSyntaxError(
                    source,
                    line,
                    f"invalid species name {bad!r} (use letters, digits and '_', starting with a letter)",
                )
            raise CRNSyntaxError(source, line, f"cannot read term {term!r} (expected 'NAME' or 'COUNT NAME')")
        count = int(match["count"]) if match["count"] else 1
        if count == 0:
            raise CRNSyntaxError(source, line, f"stoichiometry 0 in term {term!r}")
        if count > MAX_STOICHIOMETRY:
            raise CRNSyntaxError(
                source,
                line,
                f"stoichiometry {count} in term {term!r} exceeds {MAX_STOICHIOMETRY} (dmp.crn.io.MAX_STOICHIOMETRY): "
                "mass action of that order cannot be simulated or built from DNA gates",
            )
        species.extend([match["name"]] * count)
    return tuple(species)


def _positive(value: str, what: str, source: str, line: int) -> float:
    number = float(value)
    if not math.isfinite(number) or number <= 0:
        raise CRNSyntaxError(source, line, f"{what} must be a positive number, got {value}")
    return number


def _parse_statement(text: str, source: str, line: int, crn: CRN) -> None:
    if "@" in text:
        match = _CONCENTRATION.match(text)
        if match is None:
            raise CRNSyntaxError(source, line, f"cannot read concentration {text!r} (expected 'NAME @initial VALUE')")
        name = match["name"]
        if not SPECIES_NAME.match(name):
            raise CRNSyntaxError(source, line, f"invalid species name {name!r}")
        value = float(match["value"])
        if value < 0 or not math.isfinite(value):
            raise CRNSyntaxError(
                source, line, f"concentration of {name} must be zero or positive, got {match['value']}"
            )
        if name in crn.initial or name in crn.constant:
            raise CRNSyntaxError(source, line, f"concentration of {name} given twice")
        (crn.constant if match["mode"] in ("constant", "c") else crn.initial)[name] = value
        crn.lines[name] = line
        return

    rate_text = ""
    bracket = text.find("[")
    if bracket >= 0:
        rate_text = text[bracket:].strip()
        text = text[:bracket]
    if "<=>" in text:
        left, right = text.split("<=>", 1)
        reversible = True
    elif "->" in text:
        left, right = text.split("->", 1)
        reversible = False
    else:
        raise CRNSyntaxError(
            source,
            line,
            f"cannot read {text.strip()!r} (expected a reaction with '->' or '<=>', or 'NAME @initial VALUE')",
        )
    if "->" in right or "<=>" in right:
        raise CRNSyntaxError(
            source, line, "more than one arrow in one reaction (separate reactions with ';' or a new line)"
        )
    reactants = _parse_side(left, source, line)
    products = _parse_side(right, source, line)
    if not reactants and not products:
        raise CRNSyntaxError(source, line, "reaction has neither reactants nor products")
    if reversible:
        kf = kr = 1.0
        if rate_text:
            match = _RATE_PAIR.match(rate_text)
            if match is None:
                raise CRNSyntaxError(source, line, f"cannot read rates {rate_text!r} (expected '[kf = A, kr = B]')")
            kf = _positive(match["kf"], "rate constant kf", source, line)
            kr = _positive(match["kr"], "rate constant kr", source, line)
        crn.reactions.append(Reaction(reactants, products, kf, line))
        crn.reactions.append(Reaction(products, reactants, kr, line))
    else:
        k = 1.0
        if rate_text:
            match = _RATE_SINGLE.match(rate_text)
            if match is None:
                raise CRNSyntaxError(source, line, f"cannot read rate {rate_text!r} (expected '[k = VALUE]')")
            k = _positive(match["k"], "rate constant k", source, line)
        crn.reactions.append(Reaction(reactants, products, k, line))


def parse_crn(text: str, source: str = "<string>") -> CRN:
    """Parse `.crn` text; raises CRNSyntaxError('source:line: problem') on the first bad statement."""
    crn = CRN()
    for number, raw in enumerate(text.splitlines(), start=1):
        content = raw.split("#", 1)[0]
        for statement in content.split(";"):
            statement = statement.strip()
            if statement:
                _parse_statement(statement, source, number, crn)
    if not crn.reactions and not crn.initial and not crn.constant:
        raise CRNSyntaxError(source, 1, "no reactions or concentrations found")
    return crn


def warn_inert_species(crn: CRN, source: str) -> list[str]:
    """Warn (DmpWarning) about each species with a concentration that takes part in no reaction.

    Valid input: a published CRN may give every input rail a concentration, including rails
    that no reaction reads. Such a species simply stays at its concentration in a simulation
    and is a strand that no gate reads in a DNA compilation. The warning names it, because a
    misspelt species name looks the same. Returns the inert species.
    """
    used = {name for reaction in crn.reactions for name in reaction.reactants + reaction.products}
    inert = [name for name in list(crn.initial) + list(crn.constant) if name not in used]
    for name in inert:
        line = crn.lines.get(name)
        warnings.warn(
            DmpWarning(
                f"{source}{f':{line}' if line else ''}: species {name} has a concentration but takes part in no "
                "reaction; it stays at that concentration (check the name if it should react)"
            ),
            stacklevel=2,
        )
    return inert


def read_crn(path: str | Path) -> CRN:
    """Read a `.crn` file."""
    return parse_crn(read_source_text(path, CRNSyntaxError), str(path))


def format_number(value: float) -> str:
    """A number in the `.crn` grammar: no sign, integers without '.0', shortest round-trip float."""
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"cannot write {value!r} in a .crn file")
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def format_crn(crn: CRN, header: list[str] | None = None) -> str:
    """`.crn` text: header comments, one reaction per line, then concentrations in species order."""
    lines = [f"# {h}" if h else "#" for h in (header or [])]
    for reaction in crn.reactions:
        lines.append(
            f"{format_side(reaction.reactants)} -> {format_side(reaction.products)} [k = {format_number(reaction.rate)}]".replace(
                "  ", " "
            ).strip()
        )
    for name in crn.species:
        if name in crn.constant:
            lines.append(f"{name} @constant {format_number(crn.constant[name])}")
        elif crn.initial.get(name, 0.0) != 0.0:
            lines.append(f"{name} @initial {format_number(crn.initial[name])}")
    return "\n".join(lines) + "\n"


def write_crn(crn: CRN, path: str | Path, header: list[str] | None = None) -> None:
    """Write a `.crn` file atomically."""
    write_text(path, format_crn(crn, header))
