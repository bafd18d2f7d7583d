"""Formal chemical reaction networks: species, reactions with rate constants, concentrations."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

# Letters, digits and '_', starting with a letter: the identifier rule of the Nuskell/crnverifier
# `.crn` grammar.
SPECIES_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
# Nuskell reserves these prefixes for fuels, intermediates and wastes of the implementation.
NUSKELL_RESERVED_PREFIXES = ("f", "i", "w")


@dataclass(frozen=True)
class Reaction:
    """An irreversible mass-action reaction; reactants and products are multisets kept in order."""

    reactants: tuple[str, ...]
    products: tuple[str, ...]
    rate: float = 1.0
    line: int | None = field(default=None, compare=False)

    @property
    def order(self) -> int:
        return len(self.reactants)

    def net(self) -> Counter[str]:
        """Net change of each species (products minus reactants), zeros dropped."""
        change: Counter[str] = Counter(self.products)
        change.subtract(self.reactants)
        return Counter({s: n for s, n in change.items() if n != 0})

    def species(self) -> list[str]:
        return list(dict.fromkeys(self.reactants + self.products))

    def __str__(self) -> str:
        return f"{format_side(self.reactants)} -> {format_side(self.products)}".strip()


def format_side(side: Iterable[str]) -> str:
    """`A + 2 B` from ('A', 'B', 'B'), keeping first-appearance order."""
    counts = Counter(side)
    return " + ".join(name if counts[name] == 1 else f"{counts[name]} {name}" for name in dict.fromkeys(side))


@dataclass
class CRN:
    """Reactions plus initial (and constant) concentrations of species."""

    reactions: list[Reaction] = field(default_factory=list)
    initial: dict[str, float] = field(default_factory=dict)
    constant: dict[str, float] = field(default_factory=dict)
    # Source line of each concentration statement, for error messages (filled by the reader).
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    @property
    def species(self) -> list[str]:
        """All species in first-appearance order: reactions first, then concentration-only species."""
        names: dict[str, None] = {}
        for reaction in self.reactions:
            for name in reaction.reactants + reaction.products:
                names.setdefault(name)
        for name in list(self.initial) + list(self.constant):
            names.setdefault(name)
        return list(names)

    def concentration(self, name: str) -> float:
        return self.constant.get(name, self.initial.get(name, 0.0))

    def copy(self) -> CRN:
        return CRN(list(self.reactions), dict(self.initial), dict(self.constant))

    def describe(self, index: int) -> str:
        """How error messages name a reaction: its number, text and source line if known."""
        reaction = self.reactions[index]
        where = f" (line {reaction.line})" if reaction.line else ""
        return f"reaction {index + 1} '{reaction}'{where}"


def invalid_formal_names(names: Iterable[str]) -> list[str]:
    """Species names that Nuskell would reject as formal species (bad syntax or reserved prefix)."""
    return [name for name in names if not SPECIES_NAME.match(name) or name[0].lower() in NUSKELL_RESERVED_PREFIXES]


def unique_name(base: str, used: set[str]) -> str:
    """`base`, or `base_2`, `base_3`, ... : the first not in `used` (which it joins). For names in other tools' files."""
    candidate, n = base, 2
    while candidate in used:
        candidate, n = f"{base}_{n}", n + 1
    used.add(candidate)
    return candidate


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b)) + 1e-12


def _reaction_key(reaction: Reaction) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return tuple(sorted(reaction.reactants)), tuple(sorted(reaction.products))


def reaction_distance(crn: CRN, reference: CRN) -> int:
    """How many reactions one CRN has that the other lacks (as multisets, rate constants aside)."""
    mine, theirs = Counter(map(_reaction_key, crn.reactions)), Counter(map(_reaction_key, reference.reactions))
    return sum((mine - theirs).values()) + sum((theirs - mine).values())


def first_difference(crn: CRN, reference: CRN) -> str | None:
    """The first way `crn` differs from `reference` up to rate constants, or None if it is the same CRN.

    Reactions are compared as multisets of (reactant multiset, product multiset), in any order;
    initial and constant concentrations must agree. Rate constants are left out: a CRN keeps its
    function under other rates (the `--rate` option, random rate draws).
    """
    key = _reaction_key
    mine, theirs = Counter(map(key, crn.reactions)), Counter(map(key, reference.reactions))
    for reaction in crn.reactions:
        if mine[key(reaction)] > theirs[key(reaction)]:
            where = f" (line {reaction.line})" if reaction.line else ""
            return f"reaction '{reaction}'{where} is not one of its reactions"
    for reaction in reference.reactions:
        if theirs[key(reaction)] > mine[key(reaction)]:
            return f"its reaction '{reaction}' is missing"
    for what, here, there in (
        ("initial", crn.initial, reference.initial),
        ("constant", crn.constant, reference.constant),
    ):
        for name in sorted(set(here) | set(there), key=lambda n: (n not in here, n)):
            if not _close(here.get(name, 0.0), there.get(name, 0.0)):
                return f"{what} concentration of {name} is {here.get(name, 0.0):g}, not {there.get(name, 0.0):g}"
    return None
