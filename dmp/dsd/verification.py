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
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from dmp.dsd.enumeration import Enumerated
from dmp.dsd.model import DSDSystem
from dmp.errors import DmpError

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
    """Verify `enumerated` against `formal` with the named methods; returns verdicts and interpretation.

    A method that crashes inside crnverifier gives a verdict with its reason instead of a
    traceback; the module's verdict is then the other method's, when that one decided.
    """
    from crnverifier import pathway_decomposition_eq
    from crnverifier.crn_bisimulation import crn_bisimulation_test

    formal, implemented_by, reversible = module_formal(system, formal, enumerated)
    signals = signal_interpretation(system, enumerated, patterns)
    if implemented_by:
        note = {"verified": True, "implemented_by": implemented_by, "seconds": 0.0}
        return {
            "methods": {m: dict(note) for m in methods},
            "verified": True,
            "implemented_by": implemented_by,
            "interpretation": {k: [v] for k, v in signals.items()},
        }
    constant = fuels(system, enumerated.species)
    formals = {s for r, p in formal for s in r + p}
    icrn = implementation_crn(enumerated, constant)
    result: dict[str, Any] = {"methods": {}}
    if "bisimulation" in methods:
        interpretation = waste_interpretation(enumerated, icrn, signals, constant)
        verdict, value = guarded(
            "crn-bisimulation", crn_bisimulation_test, _copy(formal), _copy(icrn), set(formals), interpretation
        )
        result["methods"]["bisimulation"] = verdict
        if verdict["verified"]:
            # Sorted by name: crnverifier's dict order varies from run to run.
            result["interpretation"] = {k: sorted(v) for k, v in sorted(value[1].items()) if k not in constant}
    if "pathway" in methods:
        merged = implementation_crn(enumerated, constant, signals)
        verdict, _ = guarded("pathway decomposition", pathway_decomposition_eq, [_copy(formal), merged], set(formals))
        if reversible and not verdict["verified"] and not verdict.get("crashed"):
            # A reversible gate pair has pathways that take back a product they released (the
            # reaction turning round midway); pathway decomposition calls such pathways irregular
            # and finds no formal basis, whatever the gates (Nuskell's own qian2011_3D runs show
            # the same). CRN bisimulation, which interprets the intermediates, decides instead.
            verdict["applies"] = False
            verdict["note"] = "reversible reaction: pathways that turn round are not regular; bisimulation decides"
        result["methods"]["pathway"] = verdict
    result.update(combine(result["methods"]))
    if "interpretation" not in result:
        result["interpretation"] = {k: [v] for k, v in signals.items()}
    return result


def module_formal(system: DSDSystem, formal: FormalCRN, enumerated: Enumerated) -> tuple[FormalCRN, str | None, bool]:
    """The formal CRN a module's enumeration implements, which module implements it if not this one, and
    whether it is a reversible gate pair.

    A reversible gate pair (qian2011) is one module for a reaction and its reverse: the
    module of the reaction holds both gates and implements both directions; the module of the
    reverse holds nothing and names the other (`system.meta["reversible_pairs"]`). A module is
    recognised by its own gates among the enumerated species.
    """
    pairs = system.meta.get("reversible_pairs") or []
    for i, _ in pairs:
        gates = [n for n in system.modules[i].complexes if system.complexes[n].reaction == i]
        if any(n in enumerated.species for n in gates):
            reactants, products = system.modules[i].reaction
            return [[list(reactants), list(products)], [list(products), list(reactants)]], None, True
    for i, j in pairs:
        reactants, products = system.modules[j].reaction
        if formal == [[list(reactants), list(products)]] and not enumerated.reactions:
            return formal, f"r{i}", False
    return formal, None, False


def waste_interpretation(
    enumerated: Enumerated, icrn: FormalCRN, signals: dict[str, str], constant: set[str]
) -> dict[str, list[str]]:
    """Signals as their formal species; species that no reaction consumes and that are not signals as nothing.

    A species that no reaction consumes is a waste: it stands for nothing. (All reactants are
    present during a module's enumeration, so an intermediate that still has work to do is
    consumed by some reaction.) Without this, a corrupted strand that can never act as a
    product could be interpreted as one.
    """
    interpretation: dict[str, list[str]] = {k: [v] for k, v in signals.items()}
    consumed = {x for r, _ in icrn for x in r}
    for name in enumerated.species:
        if name not in signals and name not in constant and name not in consumed:
            interpretation[name] = []
    return interpretation


def guarded(method: str, run: Callable[..., Any], *args: Any) -> tuple[dict[str, Any], Any]:
    """Run one crnverifier call; a crash inside it becomes a failed verdict that names it.

    crnverifier 0.3 has known crashes, e.g. a TypeError in its CRN-bisimulation column search
    when an implementation reaction has the same uninterpreted species on both sides
    (`x + y -> x + z`). dmp's own errors (a verification timeout) pass through.
    """
    started = time.perf_counter()
    try:
        value = run(*args)
    except DmpError:
        raise
    except Exception as exc:  # noqa: BLE001 - any crash inside the verifier is reported, not raised
        where = traceback.extract_tb(exc.__traceback__)[-1]
        reason = (
            f"crnverifier's {method} crashed: {type(exc).__name__}: {exc} ({Path(where.filename).name}:{where.lineno})"
        )
        return {"verified": False, "crashed": True, "error": reason, "seconds": time.perf_counter() - started}, None
    ok = value[0] if isinstance(value, tuple) else value
    return {"verified": bool(ok), "seconds": time.perf_counter() - started}, value


def combine(methods: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The overall verdict of several methods: all must verify; a crashed (or inapplicable) method defers to
    those that decided."""
    decided = {name: m for name, m in methods.items() if not m.get("crashed") and m.get("applies", True)}
    crashed = [m["error"] for m in methods.values() if m.get("crashed")]
    out: dict[str, Any] = {"verified": bool(decided) and all(m["verified"] for m in decided.values())}
    if crashed:
        out["verifier_errors"] = crashed
        out["decided_by"] = sorted(decided) if decided else []
    return out


def check_whole(modules: list[tuple[FormalCRN, Enumerated]], system: DSDSystem) -> dict[str, Any]:
    """Modular CRN bisimulation (Johnson, Dong & Winfree 2019, Def. 3.3) over all modules.

    Signal strands are merged into their formal species, which are then the only species that
    modules share. This is crnverifier's `modular_crn_bisimulation_test` step by step, built
    from its own `crn_bisimulations` and `passes_modularity_condition`: the wrapper recomputes
    the shared-species sets for every module, which is quadratic in the number of modules.

    If crnverifier crashes on some module, the verdict is pathway decomposition of the whole
    system instead (crnverifier splits it into its modules itself, which share only formal
    species), and the crash is named in the result.
    """
    from collections import Counter

    patterns = signal_patterns(system)
    fcrns, icrns, ispecies, fspecies, wastes, names = [], [], [], [], [], []
    for position, (formal, enumerated) in enumerate(modules):
        formal, implemented_by, _ = module_formal(system, formal, enumerated)
        if implemented_by:  # the reverse of a reversible gate pair: checked with that module
            continue
        names.append(f"r{position}")
        signals = signal_interpretation(system, enumerated, patterns)
        constant = fuels(system, enumerated.species)
        icrn = implementation_crn(enumerated, constant, signals)
        fcrns.append(_copy(formal))
        icrns.append(icrn)
        ispecies.append({x for r, p in icrn for x in r + p})
        fspecies.append({x for r, p in formal for x in r + p})
        consumed = {x for r, _ in icrn for x in r}
        wastes.append({x for x in ispecies[-1] if x not in consumed and x not in signals.values()})
    impl_count = Counter(x for species in ispecies for x in set(species))
    formal_count = Counter(x for species in fspecies for x in set(species))
    formals = set(formal_count)
    started = time.perf_counter()
    failed, crash = None, None
    for index, (fcrn, icrn) in enumerate(zip(fcrns, icrns, strict=True)):
        shared_impl = {x for x in ispecies[index] if impl_count[x] > 1}
        shared_formal = {x for x in fspecies[index] if formal_count[x] > 1}
        unexplained = shared_impl - formals
        if unexplained:  # only formal signals may be shared; anything else is crosstalk by name
            failed = f"module {names[index]} shares implementation species {sorted(unexplained)[0]}"
            break
        interpretation = {x: [x] for x in ispecies[index] & formals}
        interpretation.update({x: [] for x in wastes[index] - formals})
        verdict, found = guarded(
            "modular crn-bisimulation",
            _modular_bisimulation,
            *(fcrn, icrn, interpretation, fspecies[index], shared_impl, shared_formal),
        )
        if verdict.get("crashed"):
            crash = f"module {names[index]}: {verdict['error']}"
            break
        if not found:
            failed = f"module {names[index]} has no bisimulation that meets the modularity condition"
            break
    result: dict[str, Any] = {"method": "modular crn-bisimulation (crnverifier)"}
    if crash:
        result = _whole_by_pathway(fcrns, icrns, formals, crash)
    else:
        result["verified"] = failed is None
        if failed:
            result["failure"] = failed
    result["seconds"] = time.perf_counter() - started
    return result


def _modular_bisimulation(
    fcrn: FormalCRN,
    icrn: FormalCRN,
    interpretation: dict[str, list[str]],
    formals: set[str],
    shared_impl: set[str],
    shared_formal: set[str],
) -> bool:
    """True if some CRN bisimulation of one module meets the modularity condition."""
    from crnverifier.crn_bisimulation import crn_bisimulations, passes_modularity_condition

    for bisim in crn_bisimulations(fcrn, icrn, interpretation=interpretation, formals=set(formals)):
        if passes_modularity_condition(bisim, icrn, shared_impl, shared_formal):
            return True
    return False


def _whole_by_pathway(fcrns: list[FormalCRN], icrns: list[FormalCRN], formals: set[str], crash: str) -> dict[str, Any]:
    """Pathway decomposition of all modules together, as the whole-system verdict after a bisimulation crash."""
    from crnverifier import pathway_decomposition_eq

    fcrn = [r for crn in fcrns for r in crn]
    icrn = [r for crn in icrns for r in crn]
    verdict, _ = guarded("pathway decomposition", pathway_decomposition_eq, [fcrn, icrn], set(formals))
    result: dict[str, Any] = {
        "method": "pathway decomposition of the whole system (crnverifier), after modular crn-bisimulation crashed",
        "verified": verdict["verified"],
        "verifier_errors": [crash] + ([verdict["error"]] if verdict.get("crashed") else []),
    }
    if not verdict["verified"]:
        result["failure"] = verdict.get("error", "the whole system is not pathway-decomposition equivalent")
    return result


def _copy(crn: FormalCRN) -> FormalCRN:
    return [[list(r), list(p)] for r, p in crn]
