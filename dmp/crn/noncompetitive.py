"""The non-competitive (NC) condition of Vasic et al. (PNAS 2022).

A CRN is non-competitive if every species that some reaction consumes (net stoichiometry
< 0) is a reactant of no other reaction. Catalysts may be shared. For NC CRNs the reachable
steady state does not depend on rate constants or on the rate law, which is what lets a
DNA implementation with uncertain kinetics compute the network's function exactly.
"""

from __future__ import annotations

from collections import defaultdict

from dmp.crn.model import CRN
from dmp.errors import DmpError


def competition(crn: CRN) -> list[str]:
    """One message per violation: a consumed species that is also a reactant elsewhere."""
    reactant_of: dict[str, list[int]] = defaultdict(list)
    for index, reaction in enumerate(crn.reactions):
        for name in dict.fromkeys(reaction.reactants):
            reactant_of[name].append(index)
    problems = []
    for index, reaction in enumerate(crn.reactions):
        for name, change in reaction.net().items():
            if change >= 0:
                continue
            others = [j for j in reactant_of[name] if j != index]
            if others:
                problems.append(
                    f"species {name} is consumed by {crn.describe(index)} and is also a reactant of "
                    f"{crn.describe(others[0])}"
                )
    return problems


def is_noncompetitive(crn: CRN) -> bool:
    """True if no consumed species is a reactant of another reaction."""
    return not competition(crn)


def require_noncompetitive(crn: CRN, what: str) -> None:
    """Raise DmpError naming the first competing species; used before any CRN is written."""
    problems = competition(crn)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise DmpError(f"{what}: not non-competitive, output would depend on rates: {problems[0]}{more}")
