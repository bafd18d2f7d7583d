"""The size reduction of Vasic et al. (ICML 2020): remove unimolecular reactions by substitution.

For a unimolecular reaction S -> P whose reactant S is consumed nowhere else, every
occurrence of S as a product is replaced by the multiset P, and S's initial concentration is
added to each species of P. Because S is a reactant of that one reaction only, it would
eventually turn into P anyway, so the final state does not change. Repeating until no such
reaction is left (input species are protected) leaves the input fan-out reactions and one
bimolecular reaction per ReLU neuron.
"""

from __future__ import annotations

from collections import Counter

from dmp.crn.model import CRN, Reaction


def _substitute(side: tuple[str, ...], name: str, replacement: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for species in side:
        out.extend(replacement if species == name else (species,))
    return tuple(out)


def reduce_unimolecular(crn: CRN, protected: set[str]) -> CRN:
    """Return a copy of `crn` without substitutable unimolecular reactions.

    A reaction S -> P is removed when S is not protected, S is a reactant of no other
    reaction, S is not among its own products, and S is not held constant.
    """
    reduced = crn.copy()
    while True:
        reactant_count: Counter[str] = Counter()
        for reaction in reduced.reactions:
            reactant_count.update(set(reaction.reactants))
        target = None
        for index, reaction in enumerate(reduced.reactions):
            if reaction.order != 1:
                continue
            (name,) = reaction.reactants
            if (
                name not in protected
                and name not in reduced.constant
                and reactant_count[name] == 1
                and name not in reaction.products
            ):
                target = index
                break
        if target is None:
            return reduced
        removed = reduced.reactions.pop(target)
        (name,) = removed.reactants
        reduced.reactions = [
            Reaction(r.reactants, _substitute(r.products, name, removed.products), r.rate, r.line)
            if name in r.products
            else r
            for r in reduced.reactions
        ]
        amount = reduced.initial.pop(name, 0.0)
        if amount:
            for product in removed.products:
                reduced.initial[product] = reduced.initial.get(product, 0.0) + amount
