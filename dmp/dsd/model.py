"""Domain-level strand-displacement systems: domains, strands, complexes, modules.

A complex is a list of strands (each a list of domain names, 5'->3', complements marked with
a trailing `*`) and a dot-bracket structure with one symbol per domain. Its kernel notation
(`a( b( + ) ) c*`) is what PIL files, peppercorn and Nuskell read.

Naming follows Nuskell's convention so that enumerated CRNs read the same way: signal
complexes carry the formal species name; fuels start with `f`, intermediates with `i`,
wastes with `w` (which is why formal species may not start with those letters).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

ROLES = ("signal", "fuel", "helper", "reporter")


def complement(domain: str) -> str:
    """`a` <-> `a*`."""
    return domain[:-1] if domain.endswith("*") else domain + "*"


def base_domain(domain: str) -> str:
    return domain[:-1] if domain.endswith("*") else domain


@dataclass(frozen=True)
class Complex:
    """A complex of one or more strands with a dot-bracket structure (one symbol per domain).

    role: signal (a formal species' strand, or a reporter's fluorescent product), fuel (gates and
    strands consumed by a reaction module), helper (strands that only make a step reversible, such
    as buffers), reporter (a fluorophore-quencher duplex that reads out an output rail).
    """

    name: str
    strands: tuple[tuple[str, ...], ...]
    structure: tuple[tuple[str, ...], ...]
    role: str
    reaction: int | None = None  # index of the formal reaction it serves (None for input signals)
    formal: str | None = None  # formal species a signal complex stands for
    concentration: float = 0.0  # nM; 0 for signals produced during the reaction

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}")
        if len(self.strands) != len(self.structure) or any(
            len(s) != len(t) for s, t in zip(self.strands, self.structure, strict=True)
        ):
            raise ValueError(f"{self.name}: structure does not match strands")
        depth = 0
        for symbol in (x for part in self.structure for x in part):
            depth += {"(": 1, ")": -1, ".": 0}[symbol]
            if depth < 0:
                raise ValueError(f"{self.name}: unbalanced structure")
        if depth:
            raise ValueError(f"{self.name}: unbalanced structure")

    @classmethod
    def from_spec(cls, name: str, spec: Sequence[tuple[str, str] | str], role: str, **extra: object) -> Complex:
        """Build from a token list: (domain, '(' | ')' | '.') pairs, strands separated by '+'."""
        strands: list[list[str]] = [[]]
        structure: list[list[str]] = [[]]
        for token in spec:
            if token == "+":
                strands.append([])
                structure.append([])
                continue
            domain, symbol = token
            strands[-1].append(domain)
            structure[-1].append(symbol)
        return cls(name, tuple(map(tuple, strands)), tuple(map(tuple, structure)), role, **extra)  # type: ignore[arg-type]

    @property
    def kernel(self) -> str:
        """Kernel notation: paired domains open as `d(` and close as `)`."""
        parts: list[str] = []
        for k, (strand, structure) in enumerate(zip(self.strands, self.structure, strict=True)):
            if k:
                parts.append("+")
            for domain, symbol in zip(strand, structure, strict=True):
                parts.append({"(": f"{domain}(", ")": ")", ".": domain}[symbol])
        return " ".join(parts)

    def domains(self) -> list[str]:
        return [d for strand in self.strands for d in strand]

    def pairs_are_complementary(self) -> bool:
        """Every '(' pairs with a ')' on the complementary domain."""
        stack: list[str] = []
        for domain, symbol in zip(self.domains(), (x for part in self.structure for x in part), strict=True):
            if symbol == "(":
                stack.append(domain)
            elif symbol == ")" and complement(stack.pop()) != domain:
                return False
        return True


@dataclass
class Module:
    """The complexes that implement one formal reaction, plus the signals it touches."""

    index: int
    reaction: tuple[tuple[str, ...], tuple[str, ...]]  # (reactants, products) as formal species
    complexes: list[str]  # names of fuel/helper complexes of this module
    reactant_signals: list[str]  # signal complexes consumed (formal species names)
    product_signals: list[str]  # signal complexes released (names of the variant complexes)
    source: str = ""  # text of the formal reaction it implements (after fan-out splitting)


@dataclass
class DSDSystem:
    """A compiled domain-level system: domains with lengths, complexes, one module per formal reaction."""

    scheme: str
    domains: dict[str, int] = field(default_factory=dict)
    complexes: dict[str, Complex] = field(default_factory=dict)
    modules: list[Module] = field(default_factory=list)
    formal_species: list[str] = field(default_factory=list)
    meta: dict[str, object] = field(default_factory=dict)

    def add_domain(self, name: str, length: int) -> str:
        known = self.domains.get(name)
        if known is not None and known != length:
            raise ValueError(f"domain {name} declared with lengths {known} and {length}")
        self.domains[name] = length
        return name

    def add(self, cplx: Complex) -> Complex:
        """Add a complex; an identical complex of the same name (a shared signal) is kept once."""
        known = self.complexes.get(cplx.name)
        if known is not None:
            if (known.strands, known.structure) != (cplx.strands, cplx.structure):
                raise ValueError(f"two different complexes named {cplx.name}")
            return known
        for domain in cplx.domains():
            if base_domain(domain) not in self.domains:
                raise ValueError(f"complex {cplx.name} uses undeclared domain {base_domain(domain)}")
        self.complexes[cplx.name] = cplx
        return cplx

    def module_complexes(self, module: Module) -> list[Complex]:
        """Signals the module consumes, its fuels and helpers, and the signals it releases."""
        names = list(dict.fromkeys(module.reactant_signals + module.complexes + module.product_signals))
        return [self.complexes[n] for n in names]

    def signals_of(self, formal: str) -> list[Complex]:
        return [c for c in self.complexes.values() if c.role == "signal" and c.formal == formal]

    def nucleotides(self, names: Iterable[str] | None = None) -> int:
        """Total length of all strands of the given complexes (default: all)."""
        chosen = self.complexes.values() if names is None else (self.complexes[n] for n in names)
        return sum(self.domains[base_domain(d)] for c in chosen for d in c.domains())


def system_to_json(system: DSDSystem) -> dict[str, object]:
    """Plain-data form of a system (for the hand-off between compile and verification jobs)."""
    return {
        "scheme": system.scheme,
        "domains": system.domains,
        "formal_species": system.formal_species,
        "complexes": [
            {
                "name": c.name,
                "strands": [list(s) for s in c.strands],
                "structure": ["".join(s) for s in c.structure],
                "role": c.role,
                "reaction": c.reaction,
                "formal": c.formal,
                "concentration_nM": c.concentration,
            }
            for c in system.complexes.values()
        ],
        "modules": [
            {
                "index": m.index,
                "reactants": list(m.reaction[0]),
                "products": list(m.reaction[1]),
                "complexes": m.complexes,
                "reactant_signals": m.reactant_signals,
                "product_signals": m.product_signals,
                "source": m.source,
            }
            for m in system.modules
        ],
        "meta": system.meta,
    }


def system_from_json(data: dict) -> DSDSystem:  # type: ignore[type-arg]
    system = DSDSystem(
        scheme=data["scheme"],
        domains=dict(data["domains"]),
        formal_species=list(data["formal_species"]),
        meta=dict(data.get("meta", {})),
    )
    for c in data["complexes"]:
        system.complexes[c["name"]] = Complex(
            c["name"],
            tuple(tuple(s) for s in c["strands"]),
            tuple(tuple(s) for s in c["structure"]),
            c["role"],
            c["reaction"],
            c["formal"],
            float(c["concentration_nM"]),
        )
    for m in data["modules"]:
        system.modules.append(
            Module(
                m["index"],
                (tuple(m["reactants"]), tuple(m["products"])),
                list(m["complexes"]),
                list(m["reactant_signals"]),
                list(m["product_signals"]),
                m.get("source", ""),
            )
        )
    return system
