"""Formal verification of enumerated modules with crnverifier (Nuskell's own verifier).

Per module: the condensed CRN that peppercorn enumerated, with fuels and helpers removed
(they are in excess and treated as constant, as Nuskell does), is compared with the formal
reaction by CRN bisimulation (Johnson, Dong & Winfree 2019) and by pathway decomposition
(Shin, Thachuk & Winfree 2019). Signal strands interpret as their formal species whatever
their history domain.

Crosstalk: two modules that share a formal species are enumerated together and checked
against their two formal reactions, which catches a released strand that triggers the wrong
gate, or a gate of one module that reacts with an intermediate of the other. Modules share
no other domains (histories and gate domains are private), so pairs that share no species
cannot react beyond transient toehold binding.

Whole system: crnverifier's modular CRN bisimulation over all modules, signal variants merged
into their formal species.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from dmp.dsd.enumeration import Enumerated
from dmp.dsd.model import DSDSystem

FormalCRN = list[list[list[str]]]
SUPPLIED = ("fuel", "helper", "reporter")  # roles of complexes supplied in excess, treated as constant


def signal_patterns(system: DSDSystem) -> dict[tuple[str, ...], str]:
    """Domains after the history domain of each formal species' signal strand -> the species."""
    patterns = {}
    for cplx in system.complexes.values():
        if cplx.role == "signal" and cplx.formal and cplx.reaction is None and len(cplx.strands) == 1:
            patterns[cplx.strands[0][1:]] = cplx.formal
    return patterns


def signal_interpretation(
    system: DSDSystem, enumerated: Enumerated, patterns: dict[tuple[str, ...], str] | None = None
) -> dict[str, str]:
    """Enumerated species that are signal strands -> their formal species.

    A species is a signal if the system names it so, or, as Nuskell decides it, if it is one
    free strand whose domains after the first (the history domain) are a formal species'.
    Pass `patterns` (from signal_patterns) when calling this for many modules.
    """
    patterns = signal_patterns(system) if patterns is None else patterns
    out = {}
    for name, kernels in enumerated.species.items():
        cplx = system.complexes.get(name)
        if cplx is not None:
            if cplx.role == "signal" and cplx.formal:
                out[name] = cplx.formal
            continue
        if len(kernels) == 1 and "(" not in kernels[0] and "+" not in kernels[0]:
            formal = patterns.get(tuple(kernels[0].split()[1:]))
            if formal:
                out[name] = formal
    return out


def fuels(system: DSDSystem, names: Iterable[str]) -> set[str]:
    """Enumerated species that are fuels, helpers or reporters of the system (supplied in excess)."""
    return {n for n in names if n in system.complexes and system.complexes[n].role in SUPPLIED}


def implementation_crn(enumerated: Enumerated, constant: set[str], merge: dict[str, str] | None = None) -> FormalCRN:
    """crnverifier's list form of the enumerated CRN without `constant` species; `merge` renames species."""
    merge = merge or {}
    crn = []
    for reactants, products, _, _ in enumerated.reactions:
        r = [merge.get(x, x) for x in reactants if x not in constant]
        p = [merge.get(x, x) for x in products if x not in constant]
        crn.append([r, p])
    return crn


def check(
    formal: FormalCRN,
    enumerated: Enumerated,
    system: DSDSystem,
    methods: Iterable[str],
    patterns: dict[tuple[str, ...], str] | None = None,
) -> dict[str, Any]:
    """Verify `enumerated` against `formal` with the named methods; returns verdicts and interpretation."""
    from crnverifier import pathway_decomposition_eq
    from crnverifier.crn_bisimulation import crn_bisimulation_test

    signals = signal_interpretation(system, enumerated, patterns)
    constant = fuels(system, enumerated.species)
    formals = {s for r, p in formal for s in r + p}
    icrn = implementation_crn(enumerated, constant)
    result: dict[str, Any] = {"methods": {}}
    if "bisimulation" in methods:
        started = time.perf_counter()
        interpretation: dict[str, list[str]] = {k: [v] for k, v in signals.items()}
        # A species that no reaction consumes and that is not a signal strand is a waste: it
        # stands for nothing. (All reactants are present during a module's enumeration, so an
        # intermediate that still has work to do is consumed by some reaction.) Without this,
        # a corrupted strand that can never act as a product could be interpreted as one.
        consumed = {x for r, _ in icrn for x in r}
        for name in enumerated.species:
            if name not in signals and name not in constant and name not in consumed:
                interpretation[name] = []
        ok, found = crn_bisimulation_test(_copy(formal), _copy(icrn), set(formals), interpretation)
        result["methods"]["bisimulation"] = {"verified": bool(ok), "seconds": time.perf_counter() - started}
        if ok:
            # Sorted by name: crnverifier's dict order varies from run to run.
            result["interpretation"] = {k: sorted(v) for k, v in sorted(found.items()) if k not in constant}
    if "pathway" in methods:
        started = time.perf_counter()
        merged = implementation_crn(enumerated, constant, signals)
        ok = pathway_decomposition_eq([_copy(formal), merged], set(formals))
        result["methods"]["pathway"] = {"verified": bool(ok), "seconds": time.perf_counter() - started}
    result["verified"] = all(m["verified"] for m in result["methods"].values())
    if "interpretation" not in result:
        result["interpretation"] = {k: [v] for k, v in signals.items()}
    return result


def check_whole(modules: list[tuple[FormalCRN, Enumerated]], system: DSDSystem) -> dict[str, Any]:
    """Modular CRN bisimulation (Johnson, Dong & Winfree 2019, Def. 3.3) over all modules.

    Signal strands are merged into their formal species, which are then the only species that
    modules share. This is crnverifier's `modular_crn_bisimulation_test` step by step, built
    from its own `crn_bisimulations` and `passes_modularity_condition`: the wrapper recomputes
    the shared-species sets for every module, which is quadratic in the number of modules.
    """
    from collections import Counter

    from crnverifier.crn_bisimulation import crn_bisimulations, passes_modularity_condition

    patterns = signal_patterns(system)
    fcrns, icrns, ispecies, fspecies = [], [], [], []
    for formal, enumerated in modules:
        signals = signal_interpretation(system, enumerated, patterns)
        icrn = implementation_crn(enumerated, fuels(system, enumerated.species), signals)
        fcrns.append(_copy(formal))
        icrns.append(icrn)
        ispecies.append({x for r, p in icrn for x in r + p})
        fspecies.append({x for r, p in formal for x in r + p})
    impl_count = Counter(x for species in ispecies for x in set(species))
    formal_count = Counter(x for species in fspecies for x in set(species))
    formals = set(formal_count)
    started = time.perf_counter()
    failed = None
    for index, (fcrn, icrn) in enumerate(zip(fcrns, icrns, strict=True)):
        shared_impl = {x for x in ispecies[index] if impl_count[x] > 1}
        shared_formal = {x for x in fspecies[index] if formal_count[x] > 1}
        unexplained = shared_impl - formals
        if unexplained:  # only formal signals may be shared; anything else is crosstalk by name
            failed = f"module r{index} shares implementation species {sorted(unexplained)[0]}"
            break
        interpretation = {x: [x] for x in ispecies[index] & formals}
        for bisim in crn_bisimulations(fcrn, icrn, interpretation=interpretation, formals=set(fspecies[index])):
            if passes_modularity_condition(bisim, icrn, shared_impl, shared_formal):
                break
        else:
            failed = f"module r{index} has no bisimulation that meets the modularity condition"
            break
    result = {
        "method": "modular crn-bisimulation (crnverifier)",
        "verified": failed is None,
        "seconds": time.perf_counter() - started,
    }
    if failed:
        result["failure"] = failed
    return result


def _copy(crn: FormalCRN) -> FormalCRN:
    return [[list(r), list(p)] for r, p in crn]
