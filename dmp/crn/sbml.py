"""Export a CRN as an SBML Level 3 model (COPASI, Tellurium, libRoadRunner read it).

One compartment of volume 1, one species per CRN species with its initial concentration,
one irreversible reaction per CRN reaction with a mass-action kinetic law `k * [A] * [B] * V`
(SBML kinetic laws give substance per time, so the concentration product is multiplied by the
volume) and one global parameter `k` per reaction. Species held constant (`@constant`) become
boundary species with constant="true": reactions read them but never change them, as in dmp's
own simulators.

Units, two levels:
- formal: concentrations and time are dimensionless (the formal CRN has no physical units);
  every quantity, parameter and the volume is dimensionless.
- dna: the enumerated DNA-level CRNs of `dmp verify` state concentrations in nM and rate
  constants in /nM/s (bimolecular) and /s (unimolecular): substance nmol, volume 1 litre,
  time in seconds, a rate constant of order n in nM^(1-n)/s.
The level is read from a `.crn` file's header (`# concentrations in nM; rate constants ...`)
unless given.
"""

from __future__ import annotations

import math
import re
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from dmp.crn.io import read_crn
from dmp.crn.model import CRN, unique_name
from dmp.errors import CRNSyntaxError, DmpError, DmpWarning
from dmp.fileio import read_source_text, write_text

LEVELS = ("formal", "dna")
SBML_LEVEL, SBML_VERSION = 3, 1  # L3V1: the Level 3 version every current SBML reader supports
# Kinetic laws carry SBO:0000012 ("mass action rate law").
_SBO_MASS_ACTION = 12
# Names that infix readers of SBML (libSBML's L3 formula parser, Antimony) take as constants or
# functions: a species of that name gets an id with a trailing '_' (its name stays as written).
_RESERVED_NAMES = (
    "time pi e exponentiale avogadro true false inf infinity nan notanumber abs ceil ceiling floor exp ln log "
    "log10 pow power root sqrt sin cos tan sec csc cot sinh cosh tanh arcsin arccos arctan factorial delay "
    "piecewise and or xor not eq neq gt lt geq leq plus minus times divide rem quotient max min implies"
)
_RESERVED = frozenset(_RESERVED_NAMES.split())
_SID_BAD = re.compile(r"[^A-Za-z0-9_]")
_HEADER_UNITS = re.compile(r"concentrations in (?P<conc>[^;]+?)\s*(?:;|$)")
_HEADER_RATES = re.compile(r"(?P<unit>\S+)\s*\((?P<order>\d+)-molecular\)")


@dataclass
class SBMLModel:
    """An exported model: the SBML text, the id given to each CRN species, and the unit level."""

    xml: str
    species_ids: dict[str, str]
    level: str
    problems: list[str] = field(default_factory=list)


def sbml_id(name: str, used: set[str]) -> str:
    """A valid SBML SId for `name`, unique in `used` (added to it).

    SIds are ASCII letters, digits and '_', not starting with a digit; other characters become
    '_', a leading digit gets an 's_' prefix, a name an infix reader would misread gets '_'.
    """
    ident = _SID_BAD.sub("_", name) or "s"
    if ident[0].isdigit():
        ident = "s_" + ident
    if ident in _RESERVED:
        ident += "_"
    return unique_name(ident, used)


def level_from_header(text: str, source: str = "<string>") -> str | None:
    """The unit level a `.crn` file's header comments state: 'dna' (nM), 'formal', or None if silent.

    Rate-constant units the header lists must be the nM/second ones of the dna level.
    """
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            break  # header comments end at the first statement
        match = _HEADER_UNITS.search(stripped)
        if match is None:
            continue
        if match["conc"].strip() != "nM":
            raise DmpError(f"{source}: header states concentrations in {match['conc'].strip()}; SBML export knows nM")
        for rate in _HEADER_RATES.finditer(stripped):
            order = int(rate["order"])
            if rate["unit"] != _rate_unit_text(order):
                raise DmpError(
                    f"{source}: header states rate constants in {rate['unit']} ({order}-molecular); "
                    f"expected {_rate_unit_text(order)}"
                )
        return "dna"
    return None


def header_comments(text: str) -> list[str]:
    """The comment lines before a `.crn` file's first statement, without '#'."""
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            break
        if stripped.lstrip("#").strip():
            lines.append(stripped.lstrip("#").strip())
    return lines


def _rate_unit_text(order: int) -> str:
    """How dmp writes the unit of an order-n rate constant at the dna level."""
    return {0: "nM/s", 1: "/s", 2: "/nM/s"}.get(order, f"/nM{order - 1}/s")


def _libsbml():  # noqa: ANN202 (the libsbml module)
    import libsbml

    return libsbml


def _check(status: int, what: str) -> None:
    libsbml = _libsbml()
    if status != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise RuntimeError(f"libSBML could not {what}: {libsbml.OperationReturnValue_toString(status)}")


def _unit_definition(model, ident: str, name: str, units: Iterable[tuple[int, int, int]]) -> str:  # noqa: ANN001
    """Add a unit definition from (kind, exponent, scale) triples; returns its id."""
    definition = model.createUnitDefinition()
    _check(definition.setId(ident), f"set unit id {ident}")
    definition.setName(name)
    for kind, exponent, scale in units:
        unit = definition.createUnit()
        _check(unit.setKind(kind), f"set a unit kind of {ident}")
        unit.setExponent(exponent)
        unit.setScale(scale)
        unit.setMultiplier(1.0)
    return ident


def _rate_unit(model, order: int, level: str, made: dict[int, str], used: set[str]) -> str:  # noqa: ANN001
    """Unit id of an order-`order` rate constant: dimensionless (formal) or nM^(1-order)/s (dna)."""
    if level == "formal":
        return "dimensionless"
    if order not in made:
        libsbml = _libsbml()
        units = [(libsbml.UNIT_KIND_SECOND, -1, 0)]
        if order != 1:
            units += [(libsbml.UNIT_KIND_MOLE, 1 - order, -9), (libsbml.UNIT_KIND_LITRE, order - 1, 0)]
        name = {0: "nM_per_s", 1: "per_s", 2: "per_nM_per_s"}.get(order, f"per_nM{order - 1}_per_s")
        made[order] = _unit_definition(model, sbml_id(name, used), _rate_unit_text(order), units)
    return made[order]


def _notes(level: str, source: str, extra: Iterable[str]) -> str:
    if level == "formal":
        units = (
            "Formal CRN: concentrations, time and rate constants are dimensionless (the formal CRN has no "
            "physical units); the compartment has volume 1."
        )
    else:
        units = (
            "DNA-level CRN: concentrations in nM (substance nmol in a 1 litre compartment), time in seconds, "
            "rate constants of an n-molecular reaction in nM^(1-n)/s (/s unimolecular, /nM/s bimolecular)."
        )
    lines = [
        f"Exported by dmp from {source}." if source else "Exported by dmp.",
        units,
        "Mass-action kinetics: each reaction's rate is k times the product of its reactant concentrations "
        "(times the compartment volume, to give substance per time). Constant species are boundary species.",
        *extra,
    ]
    body = "".join(f"<p>{escape(line)}</p>" for line in lines)
    return f'<body xmlns="http://www.w3.org/1999/xhtml">{body}</body>'


def _initial_values(crn: CRN, initial: Mapping[str, float] | None, source: str = "") -> dict[str, float]:
    """Each species' starting concentration: the CRN's own, updated by `initial` (checked)."""
    values = {name: crn.concentration(name) for name in crn.species}
    for name, value in (initial or {}).items():
        if name not in values:
            where = f"{source}: " if source else ""
            raise DmpError(f"{where}initial concentration given for species {name}, which is not in the CRN")
        if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
            raise DmpError(f"initial concentration of {name} must be zero or positive, got {value!r}")
        values[name] = float(value)
    return values


def _model_units(model, level: str, used: set[str]) -> str:  # noqa: ANN001
    """Set the model-wide units; returns the volume unit of the compartment."""
    if level == "formal":
        for setter in (model.setSubstanceUnits, model.setTimeUnits, model.setVolumeUnits, model.setExtentUnits):
            _check(setter("dimensionless"), "set the model units")
        return "dimensionless"
    libsbml = _libsbml()
    nmol = _unit_definition(model, sbml_id("nmol", used), "nmol", [(libsbml.UNIT_KIND_MOLE, 1, -9)])
    for setter, unit in (
        (model.setSubstanceUnits, nmol),
        (model.setExtentUnits, nmol),
        (model.setTimeUnits, "second"),
        (model.setVolumeUnits, "litre"),
    ):
        _check(setter(unit), "set the model units")
    return "litre"


def _mass_action(reaction, k: str, reactants: Iterable[str], volume: str) -> None:  # noqa: ANN001
    """Kinetic law k * [A] * [B] * ... * V, built as a MathML tree (no infix text to mis-parse)."""
    libsbml = _libsbml()
    law = reaction.createKineticLaw()
    law.setSBOTerm(_SBO_MASS_ACTION)
    product = libsbml.ASTNode(libsbml.AST_TIMES)
    for ident in (k, *reactants, volume):
        leaf = libsbml.ASTNode(libsbml.AST_NAME)
        leaf.setName(ident)
        product.addChild(leaf)
    _check(law.setMath(product), f"set the kinetic law of {reaction.getId()}")


def crn_to_sbml(
    crn: CRN,
    level: str = "formal",
    initial: Mapping[str, float] | None = None,
    model_id: str = "crn",
    source: str = "",
    notes: Iterable[str] = (),
) -> SBMLModel:
    """SBML Level 3 text of `crn` at the given unit level, with optional initial-concentration overrides.

    `initial` maps CRN species names to concentrations (the level's units) that replace the
    `.crn` file's values, e.g. one example's inputs. The result carries libSBML's consistency
    findings (errors and warnings, units included) in `problems`; dmp's models have none.
    """
    if level not in LEVELS:
        raise DmpError(f"unknown SBML unit level {level!r} (choose from {', '.join(LEVELS)})")
    libsbml = _libsbml()
    values = _initial_values(crn, initial, source)
    document = libsbml.SBMLDocument(SBML_LEVEL, SBML_VERSION)
    model = document.createModel()
    used: set[str] = set()
    species_ids = {name: sbml_id(name, used) for name in crn.species}
    model.setId(sbml_id(model_id, used))
    model.setName(model_id)
    produced = {p for r in crn.reactions for p in r.products}
    unset = [
        n for n in dict.fromkeys(x for r in crn.reactions for x in r.reactants) if n not in produced and values[n] == 0
    ]
    if unset:  # a network CRN's inputs: without them nothing happens, so say where to set them
        notes = [*notes, f"Consumed, never produced and starting at 0 (inputs to set per example): {', '.join(unset)}."]
    _check(model.setNotes(_notes(level, source, notes)), "set the model notes")
    volume_unit = _model_units(model, level, used)
    compartment = model.createCompartment()
    volume = sbml_id("vessel", used)
    compartment.setId(volume)
    compartment.setName("reaction volume")
    compartment.setSpatialDimensions(3)
    compartment.setSize(1.0)
    compartment.setUnits(volume_unit)
    compartment.setConstant(True)
    for name, ident in species_ids.items():
        species = model.createSpecies()
        species.setId(ident)
        species.setName(name)
        species.setCompartment(volume)
        species.setInitialConcentration(values[name])
        species.setHasOnlySubstanceUnits(False)
        held = name in crn.constant
        species.setBoundaryCondition(held)
        species.setConstant(held)
    rate_units: dict[int, str] = {}
    for index, crn_reaction in enumerate(crn.reactions):
        k = model.createParameter()
        k.setId(sbml_id(f"k{index + 1}", used))
        k.setName(f"rate constant of reaction {index + 1}")
        k.setValue(float(crn_reaction.rate))
        k.setUnits(_rate_unit(model, crn_reaction.order, level, rate_units, used))
        k.setConstant(True)
        reaction = model.createReaction()
        reaction.setId(sbml_id(f"R{index + 1}", used))
        reaction.setName(str(crn_reaction))
        reaction.setReversible(False)
        reaction.setFast(False)
        for side, create in (
            (crn_reaction.reactants, reaction.createReactant),
            (crn_reaction.products, reaction.createProduct),
        ):
            for name, count in Counter(side).items():
                reference = create()
                reference.setSpecies(species_ids[name])
                reference.setStoichiometry(float(count))
                reference.setConstant(True)
        _mass_action(reaction, k.getId(), [species_ids[n] for n in crn_reaction.reactants], volume)
    return SBMLModel(libsbml.writeSBMLToString(document), species_ids, level, consistency_problems(document))


def consistency_problems(document) -> list[str]:  # noqa: ANN001 (libsbml.SBMLDocument or SBML text)
    """libSBML's findings with every consistency check on (units and modelling practice too), one line each."""
    libsbml = _libsbml()
    if isinstance(document, str):
        document = libsbml.readSBMLFromString(document)
    for category in (
        libsbml.LIBSBML_CAT_GENERAL_CONSISTENCY,
        libsbml.LIBSBML_CAT_IDENTIFIER_CONSISTENCY,
        libsbml.LIBSBML_CAT_UNITS_CONSISTENCY,
        libsbml.LIBSBML_CAT_MATHML_CONSISTENCY,
        libsbml.LIBSBML_CAT_SBO_CONSISTENCY,
        libsbml.LIBSBML_CAT_OVERDETERMINED_MODEL,
        libsbml.LIBSBML_CAT_MODELING_PRACTICE,
    ):
        document.setConsistencyChecks(category, True)
    document.checkConsistency()
    log = document.getErrorLog()
    problems = []
    for i in range(log.getNumErrors()):
        error = log.getError(i)
        message = " ".join(error.getMessage().split())
        problems.append(f"{error.getSeverityAsString()} {error.getErrorId()} (line {error.getLine()}): {message}")
    return problems


def resolve_level(crn_path: str | Path, level: str | None) -> str:
    """The unit level for a `.crn` file: `level` if given (a warning if the header disagrees), else the header's."""
    stated = level_from_header(read_source_text(crn_path, CRNSyntaxError), str(crn_path))
    if level is None:
        return stated or "formal"
    if level not in LEVELS:
        raise DmpError(f"unknown SBML unit level {level!r} (choose from {', '.join(LEVELS)})")
    if stated is not None and stated != level:
        warnings.warn(
            f"{crn_path}: header states {stated}-level units, exporting with {level}-level units",
            DmpWarning,
            stacklevel=2,
        )
    return level


def write_sbml(
    crn_path: str | Path,
    out_path: str | Path,
    level: str | None = None,
    initial: Mapping[str, float] | None = None,
    notes: Iterable[str] = (),
) -> dict[str, object]:
    """Read a `.crn` file, write its SBML model atomically; returns a summary (level, counts, id changes).

    `level` None: 'dna' if the header says concentrations are in nM (an enumerated.crn), else 'formal'.
    `notes`: extra sentences for the model's notes (e.g. which species are inputs and their units).
    Raises DmpError if libSBML finds an error in the model.
    """
    level = resolve_level(crn_path, level)
    crn = read_crn(crn_path)
    text = read_source_text(crn_path, CRNSyntaxError)
    notes = [*(f"Header of the .crn file: {line}" for line in header_comments(text)), *notes]
    exported = crn_to_sbml(crn, level, initial, model_id=Path(crn_path).stem, source=str(crn_path), notes=notes)
    errors = [p for p in exported.problems if not p.startswith(("Warning", "Advisory", "Informational"))]
    if errors:
        raise DmpError(f"{crn_path}: SBML export failed libSBML's check: {errors[0]}")
    write_text(out_path, exported.xml)
    return {
        "level": level,
        "species": len(exported.species_ids),
        "reactions": len(crn.reactions),
        "renamed_species": {n: i for n, i in exported.species_ids.items() if n != i},
        "warnings": exported.problems,
    }
