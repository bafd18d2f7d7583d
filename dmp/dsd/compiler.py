"""Compile a formal CRN into a domain-level DSD system with a translation scheme.

Units: one formal concentration unit is `unit_nM` nanomolar. Input species (consumed, never
produced, no initial concentration) are written at `input_units` so that the system can be
enumerated as a whole; the simulation stage sets them per example. Fuels, gates and helpers
of a module are at `fuel_excess` times the largest signal concentration, and at least
`fuel_bound_margin` times the most its reaction can fire (dmp.crn.bounds, with every input at
`input_units`), so that a module deep in a wide network does not run dry.

Reporters (`dsd.reporters`): given the network's output rails, each rail Y gets one more module,
a fluorophore-quencher reporter Y -> Lum_Y (dmp.dsd.reporters), at `reporters.excess` times the
most any rail can reach (its firing bound), the same for every rail so that a Y+ and a Y- reporter
read alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from dmp.crn.bounds import firing_bounds
from dmp.crn.model import CRN, Reaction, invalid_formal_names
from dmp.crn.species_map import fluorescent_species, reporter_complex
from dmp.dsd.cascade import Split, split_fan_out
from dmp.dsd.model import DSDSystem, Module, base_domain
from dmp.dsd.reporters import DYES, Channel, assign_dyes
from dmp.dsd.schemes import DomainLengths, Scheme, SchemeError, get_scheme
from dmp.dsd.settings import DSDSettings


@dataclass
class Compiled:
    """A compiled system with the formal CRN it implements (after fan-out splitting)."""

    system: DSDSystem
    crn: CRN  # the CRN the modules implement, one module per reaction
    splits: list[Split]
    origin: list[int]  # module index -> reaction index in the original CRN
    inputs: list[str]
    formal: CRN | None = None  # the original CRN plus its reporter reactions (None: no reporters)


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
    crn: CRN,
    scheme_name: str,
    settings: DSDSettings,
    inputs: list[str] | None = None,
    source: str = "CRN",
    outputs: list[str] | None = None,
) -> Compiled:
    """Translate every reaction of `crn` with the named scheme.

    `inputs` (a network's input species, from its species map) narrows which species are
    supplied as inputs (see `input_species`); `outputs` (its output rails) get reporters when
    `settings.reporters` is enabled. Raises SchemeError, naming the reaction and the scheme,
    before anything is built if the scheme cannot implement some reaction or a species name is
    not a valid formal species.
    """
    lengths = DomainLengths(int(settings.toehold_length), int(settings.domain_length))
    scheme = get_scheme(scheme_name, lengths)
    _refuse_unbuildable(crn, scheme, source)
    split, splits, origin = split_fan_out(crn, int(settings.max_products))
    inputs = input_species(split, inputs)
    unit = float(settings.unit_nM)
    fuels = fuel_concentrations(split, inputs, settings)

    system = DSDSystem(scheme=scheme.name, formal_species=split.species)
    for species in split.species:
        units = float(settings.input_units) if species in inputs else split.initial.get(species, 0.0)
        scheme.signal(system, species, units * unit)
    pairs = _add_modules(system, scheme, split, fuels)
    enabled = settings.reporters is not None and settings.reporters.enabled
    rails = [y for y in outputs or [] if y in split.species] if enabled else []
    reporters = _add_reporters(system, scheme, split, rails, inputs, settings, origin, len(crn.reactions))
    system.formal_species = split.species
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
    formal = None
    if reporters:
        system.meta["reporters"] = reporters
        added = split.reactions[len(split.reactions) - len(reporters) :]
        formal = CRN(list(crn.reactions) + added, dict(crn.initial), dict(crn.constant))
    return Compiled(system, split, splits, origin, inputs, formal)


def _refuse_unbuildable(crn: CRN, scheme: Scheme, source: str) -> None:
    """SchemeError naming the first species or reaction `scheme` cannot build, before anything is built."""
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


def _add_modules(system: DSDSystem, scheme: Scheme, split: CRN, fuels: list[float]) -> list[tuple[int, int]]:
    """One module per reaction of `split` (a reversible pair as one gate pair); returns the reversible pairs."""
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
    return pairs


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


def _add_reporters(
    system: DSDSystem,
    scheme: Scheme,
    split: CRN,
    rails: list[str],
    inputs: list[str],
    settings: DSDSettings,
    origin: list[int],
    original_count: int,
) -> list[dict[str, Any]]:
    """One reporter module per rail, appended to `split` and `origin`; returns what each reporter is.

    Every reporter is at `reporters.excess` x the largest firing bound of any rail (inputs at
    `input_units`; at least the largest input or initial signal) in nM, whole nM rounded up.
    """
    if not rails or settings.reporters is None:
        return []
    reactions = [Reaction((y,), (fluorescent_species(y),)) for y in rails]
    bounds = firing_bounds(
        CRN(split.reactions + reactions, dict(split.initial)), {s: float(settings.input_units) for s in inputs}
    )[len(split.reactions) :]
    unit = float(settings.unit_nM)
    largest = max([float(settings.input_units), *split.initial.values()], default=1.0)
    reach = max((b or 0.0 for b in bounds), default=0.0)
    nM = float(math.ceil(float(settings.reporters.excess) * max(reach, largest) * unit))
    channels = assign_dyes(rails, settings.reporters.dyes, int(settings.reporters.dyes_per_well))
    records = []
    for k, (reaction, channel) in enumerate(zip(reactions, channels, strict=True)):
        index = len(split.reactions)
        rail, lum, name = channel.rail, reaction.products[0], reporter_complex(channel.rail)
        module = scheme.reporter(system, index, rail, lum, name, nM)
        system.modules.append(module)
        split.reactions.append(reaction)
        origin.append(original_count + k)
        records.append(_reporter_record(system, channel, lum, name, nM, module.index))
    return records


def _reporter_record(system: DSDSystem, channel: Channel, lum: str, name: str, nM: float, index: int) -> dict[str, Any]:
    """What the order sheet, the protocol and the read-out need to know about one reporter."""
    cplx = system.complexes[name]
    base = next(s for s in cplx.strands if any(d.endswith("*") for d in s))  # carries the complements
    top = next(s for s in cplx.strands if s != base)
    toehold_at_3 = system.domains[base_domain(base[-1])] < system.domains[base_domain(base[0])]
    dye = DYES[channel.dye]
    # The labels sit at the helix end away from the toehold: the base strand's 5' end when the
    # toehold is at its 3' end, and the end of the top strand that pairs there.
    dye_end, quencher_end = ("5'", "3'") if toehold_at_3 else ("3'", "5'")
    return {
        "rail": channel.rail,
        "fluorescent_species": lum,
        "complex": name,
        "module": f"r{index}",
        "concentration_nM": nM,
        "well": channel.well,
        "dye": dye.name,
        "quencher": dye.quencher,
        "excitation_nm": dye.excitation_nm,
        "emission_nm": dye.emission_nm,
        "fluorophore_strand": list(base),
        "fluorophore_end": dye_end,
        "fluorophore_code": dye.code(dye_end),
        "quencher_strand": list(top),
        "quencher_end": quencher_end,
        "quencher_code": dye.quencher_code(quencher_end),
    }
