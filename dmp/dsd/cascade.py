"""Fan-out splitting: a reaction with more products than one gate releases becomes a cascade.

    X -> P1 + ... + Pn   with n > m   becomes
    X -> P1 + ... + P(m-1) + K1;  K1 -> Pm + ... + K2;  ...;  Kj -> (at most m products)

Each link species K is consumed by exactly one reaction, so the cascade stays
non-competitive and ends in the same state as the original reaction. Every split is checked
with crnverifier's CRN bisimulation against the reaction it replaces.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from dmp.crn.model import CRN, Reaction


@dataclass
class Split:
    """One original reaction and the cascade that replaces it."""

    original: int  # index in the original CRN
    reaction: Reaction
    cascade: list[Reaction]
    links: list[str]


def split_fan_out(crn: CRN, max_products: int) -> tuple[CRN, list[Split], list[int]]:
    """Rewrite reactions with more than `max_products` products into cascades.

    Returns the new CRN, the splits, and for each new reaction the index of the original
    reaction it came from.
    """
    if max_products < 2:
        raise ValueError("a cascade needs gates with at least 2 products")
    taken = set(crn.species)
    out = CRN(reactions=[], initial=dict(crn.initial), constant=dict(crn.constant))
    splits: list[Split] = []
    origin: list[int] = []
    for index, reaction in enumerate(crn.reactions):
        if len(reaction.products) <= max_products:
            out.reactions.append(reaction)
            origin.append(index)
            continue
        links: list[str] = []
        cascade: list[Reaction] = []
        remaining = list(reaction.products)
        reactants = reaction.reactants
        rate = reaction.rate
        while len(remaining) > max_products:
            link = _fresh(f"K{index}_{len(links)}", taken)
            links.append(link)
            head, remaining = remaining[: max_products - 1], remaining[max_products - 1 :]
            cascade.append(Reaction(reactants, (*head, link), rate, reaction.line))
            reactants, rate = (link,), 1.0
        cascade.append(Reaction(reactants, tuple(remaining), rate, reaction.line))
        out.reactions.extend(cascade)
        origin.extend([index] * len(cascade))
        splits.append(Split(index, reaction, cascade, links))
    return out, splits, origin


def _fresh(name: str, taken: set[str]) -> str:
    candidate, k = name, 0
    while candidate in taken:
        k += 1
        candidate = f"{name}x{k}"
    taken.add(candidate)
    return candidate


def verify_split(split: Split) -> dict[str, Any]:
    """CRN bisimulation between the original reaction and its cascade (crnverifier)."""
    from crnverifier.crn_bisimulation import crn_bisimulation_test

    formal = [[list(split.reaction.reactants), list(split.reaction.products)]]
    implementation = [[list(r.reactants), list(r.products)] for r in split.cascade]
    formals = set(split.reaction.reactants) | set(split.reaction.products)
    # Each link stands for the products still to come after it. Giving crnverifier this
    # interpretation lets it check the bisimulation conditions instead of searching over
    # multisets of up to hundreds of products; a wrong cascade still fails the check.
    interpretation: dict[str, list[str]] = {s: [s] for s in formals}
    for k, link in enumerate(split.links):
        interpretation[link] = [p for r in split.cascade[k + 1 :] for p in r.products if p not in split.links]
    started = time.perf_counter()
    ok, interpretation = crn_bisimulation_test(formal, implementation, formals, interpretation)
    return {
        "reaction": str(split.reaction),
        "cascade": [str(r) for r in split.cascade],
        "method": "crn-bisimulation (crnverifier)",
        "verified": bool(ok),
        "interpretation": {k: sorted(v) for k, v in (interpretation or {}).items() if k in split.links},
        "seconds": time.perf_counter() - started,
    }
