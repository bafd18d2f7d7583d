"""Upper bounds on how often each reaction of a CRN can fire, from its supplies alone.

Why: a DNA implementation consumes one fuel (or gate) complex per formal firing, so each
module's fuels must outlast the most its reaction can ever fire. Sizing them from the largest
signal alone is not enough: a neuron that sums 64 hidden neurons can fire its fan-out 64 times
as often as any input.

The bound is a conservation argument, not a simulation. Reactions are irreversible, so for
every species s

    0 <= final(s) = supply(s) + sum_r net_r(s) * F_r

and the total a reaction can consume of s is at most what was ever supplied plus what other
reactions net-produce. Written out:

    U(s) = supply(s) + sum over reactions net-producing s of net_r(s) * F_r
    F_r  = min over species r net-consumes of U(s) / |net_r(s)|

which is computed once, in dependency order, for a CRN whose net production graph is acyclic
(every CRN dmp translates from a feed-forward network). A reaction on a cycle, or one that
net-consumes nothing (a pure catalyst), gets no bound (None).
"""

from __future__ import annotations

from collections import defaultdict

from dmp.crn.model import CRN


def firing_bounds(crn: CRN, supply: dict[str, float]) -> list[float | None]:
    """Most times each reaction of `crn` can fire given at most `supply[s]` of each species.

    `supply` adds to (not replaces) `crn.initial`: pass the inputs' largest concentrations.
    """
    nets = [reaction.net() for reaction in crn.reactions]
    consumed = [{s: -n for s, n in net.items() if n < 0} for net in nets]
    producers: dict[str, list[int]] = defaultdict(list)
    for index, net in enumerate(nets):
        for species, n in net.items():
            if n > 0:
                producers[species].append(index)

    bound: list[float | None] = [None] * len(nets)
    available: dict[str, float] = {}
    waiting_species = {s: len(producers[s]) for s in crn.species}
    waiting_reactions = [len(c) for c in consumed]
    users: dict[str, list[int]] = defaultdict(list)
    for index, needs in enumerate(consumed):
        for species in needs:
            users[species].append(index)

    # Kahn's order on the bipartite species/reaction graph: a species is settled once all its
    # producers are, a reaction once all the species it consumes are.
    ready = [s for s, n in waiting_species.items() if n == 0]
    while ready:
        species = ready.pop()
        available[species] = (
            crn.initial.get(species, 0.0)
            + supply.get(species, 0.0)
            + sum(nets[r][species] * bound[r] for r in producers[species])  # type: ignore[operator]
        )
        for index in users[species]:
            waiting_reactions[index] -= 1
            if waiting_reactions[index] == 0:
                bound[index] = min(available[s] / n for s, n in consumed[index].items())
                for product in (s for s, n in nets[index].items() if n > 0):
                    waiting_species[product] -= 1
                    if waiting_species[product] == 0:
                        ready.append(product)
    return bound
