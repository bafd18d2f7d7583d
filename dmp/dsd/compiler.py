"""Compile a formal CRN into a domain-level DSD system with a translation scheme.

Units: one formal concentration unit is `unit_nM` nanomolar. Input species (consumed, never
produced, no initial concentration) are written at `input_units` so that the system can be
enumerated as a whole; the simulation stage sets them per example. Fuels, gates and helpers
of a module are at `fuel_excess` times the largest signal concentration, and at least
`fuel_bound_margin` times the most its reaction can fire (dmp.crn.bounds, with every input at
`input_units`), so that a module deep in a wide network does not run dry.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dmp.crn.bounds import firing_bounds
from dmp.crn.model import CRN, invalid_formal_names
from dmp.dsd.cascade import Split, split_fan_out
from dmp.dsd.model import DSDSystem, Module
from dmp.dsd.schemes import DomainLengths, SchemeError, get_scheme
from dmp.dsd.settings import DSDSettings


@dataclass
class Compiled:
    """A compiled system with the formal CRN it implements (after fan-out splitting)."""

    system: DSDSystem
    crn: CRN  # the CRN the modules implement, one module per reaction
    splits: list[Split]
    origin: list[int]  # module index -> reaction index in the original CRN
    inputs: list[str]


def input_species(crn: CRN, declared: list[str] | None = None) -> list[str]:
    """Species some reaction consumes, none produces, and that start at zero: the network's inputs.

    `declared` (the species map's input species) narrows this to the network's real inputs: a
    hidden rail that no reaction produces (a neuron whose incoming weights are all zero) also
    starts at zero and must stay there, not be supplied like an input.
    """
    produced = {p for r in crn.reactions for p in r.products}
    consumed = [s for r in crn.reactions for s in r.reactants]
    allowed = None if declared is None else set(declared)
    return [
        s
        for s in dict.fromkeys(consumed)
        if s not in produced
        and crn.initial.get(s, 0.0) == 0.0
        and s not in crn.constant
        and (allowed is None or s in allowed)
    ]


def fuel_concentrations(crn: CRN, inputs: list[str], settings: DSDSettings) -> list[float]:
    """Fuel (and gate, helper) concentration in nM of each reaction's module, whole nM rounded up.

    The floor is `fuel_excess` x the largest signal; a reaction that can fire more than that
    (a fan-out of a neuron summing many others) gets `fuel_bound_margin` x its firing bound.
    """
    unit = float(settings.unit_nM)
    input_units = float(settings.input_units)
    largest = max([input_units, *crn.initial.values()], default=1.0)
    floor = float(settings.fuel_excess) * largest
    margin = float(settings.fuel_bound_margin)
    bounds = firing_bounds(crn, {s: input_units for s in inputs})
    # A reaction without a bound (on a cycle, or a pure catalyst) keeps the floor: nothing better is known.
    return [float(math.ceil(max(floor, margin * (b or 0.0)) * unit)) for b in bounds]


def compile_crn(
    crn: CRN, scheme_name: str, settings: DSDSettings, inputs: list[str] | None = None, source: str = "CRN"
) -> Compiled:
    """Translate every reaction of `crn` with the named scheme.

    `inputs` (a network's input species, from its species map) narrows which species are
    supplied as inputs (see `input_species`). Raises SchemeError, naming the reaction and the
    scheme, before anything is built if the scheme cannot implement some reaction or a species
    name is not a valid formal species.
    """
    lengths = DomainLengths(int(settings.toehold_length), int(settings.domain_length))
    scheme = get_scheme(scheme_name, lengths)
    bad = invalid_formal_names(crn.species)
    if bad:
        # Name the first line that uses it: a reaction's line, else its concentration statement.
        line = next((r.line for r in crn.reactions if bad[0] in r.species() and r.line), crn.lines.get(bad[0]))
        raise SchemeError(
            f"{source}{f':{line}' if line else ''}: species {bad[0]} is not a valid formal species name for DNA compilation "
            "(letters, digits, '_', starting with a letter other than f, i, w)"
        )
    if crn.constant:
        name = next(iter(crn.constant))
        raise SchemeError(
            f"{source}: species {name} is held constant (@constant); "
            f"scheme {scheme.name} implements only reactions and initial concentrations"
        )
    for index, reaction in enumerate(crn.reactions):
        reason = scheme.why_not(reaction.reactants, reaction.products)
        if reason:
            raise SchemeError(f"{source}: {crn.describe(index)}: scheme {scheme.name} cannot implement it: {reason}")

    split, splits, origin = split_fan_out(crn, int(settings.max_products))
    inputs = input_species(split, inputs)
    unit = float(settings.unit_nM)
    fuels = fuel_concentrations(split, inputs, settings)

    system = DSDSystem(scheme=scheme.name, formal_species=split.species)
    for species in split.species:
        units = float(settings.input_units) if species in inputs else split.initial.get(species, 0.0)
        scheme.signal(system, species, units * unit)
    pairs = reverse_pairs(split) if scheme.reversible_gates else []
    partner = {j: i for i, j in pairs}
    primary = {i for i, _ in pairs}
    for index, reaction in enumerate(split.reactions):
        if index in partner:
            # Implemented by the reversible gate pair of its reverse reaction: no complexes of its own.
            module = Module(index, (reaction.reactants, reaction.products), [], _distinct(reaction.reactants), [])
            module.product_signals = _distinct(reaction.products)
        elif index in primary:
            fuel = max(fuels[index], fuels[next(j for i, j in pairs if i == index)])
            module = scheme.reversible_module(system, index, reaction.reactants, reaction.products, fuel)
        else:
            module = scheme.build(system, index, reaction.reactants, reaction.products, fuels[index])
        module.source = str(reaction)
        system.modules.append(module)
    system.meta = {
        "scheme_reference": scheme.reference,
        "toehold_length": lengths.toehold,
        "domain_length": lengths.long,
        "unit_nM": unit,
        "fuel_nM": min(fuels, default=0.0),
        "fuel_nM_max": max(fuels, default=0.0),
        "input_units": float(settings.input_units),
        "max_products": int(settings.max_products),
        "inputs": inputs,
    }
    if pairs:
        system.meta["reversible_pairs"] = [list(pair) for pair in pairs]
    return Compiled(system, split, splits, origin, inputs)


def reverse_pairs(crn: CRN) -> list[tuple[int, int]]:
    """Pairs (i, j), i < j, of reactions that are each other's reverse (as multisets), each reaction in one pair.

    `A <=> B` in a .crn file is read as two reactions; a scheme with reversible gates builds
    one gate pair for both (as Nuskell combines them for qian2011_3D).
    """
    key = [(tuple(sorted(r.reactants)), tuple(sorted(r.products))) for r in crn.reactions]
    taken: set[int] = set()
    pairs = []
    for i, (reactants, products) in enumerate(key):
        if i in taken or reactants == products:
            continue
        j = next((j for j in range(i + 1, len(key)) if j not in taken and key[j] == (products, reactants)), None)
        if j is not None:
            taken.update((i, j))
            pairs.append((i, j))
    return pairs


def _distinct(names: tuple[str, ...]) -> list[str]:
    return list(dict.fromkeys(names))
