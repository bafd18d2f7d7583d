"""What every translation scheme provides: signal strands and one module per formal reaction."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from dmp.dsd.model import Complex, DSDSystem, Module
from dmp.errors import DmpError

Token = tuple[str, str] | str


@dataclass(frozen=True)
class DomainLengths:
    """Toeholds (short) and branch-migration / history domains (long), in nucleotides."""

    toehold: int = 7
    long: int = 15


class SchemeError(DmpError):
    """A reaction the scheme cannot implement (raised before any output is written)."""


class Scheme(ABC):
    """A CRN-to-DSD translation scheme.

    `signal` gives the strand of a formal species; `module` adds the fuels, helpers and
    released signal strands that implement one irreversible formal reaction.
    """

    name: str = ""
    reference: str = ""
    min_reactants = 1
    max_reactants: int | None = None
    # Formation (no reactants) through a source fuel: a strand shaped like a signal of a private
    # species, in excess, that the scheme's own gate consumes (as Nuskell generalises `-> X`
    # to `f -> X` for schemes whose papers define no source gate).
    source_fuel = False
    # One gate pair implements a reaction together with its reverse (see compile_crn).
    reversible_gates = False

    def __init__(self, lengths: DomainLengths) -> None:
        self.lengths = lengths

    def why_not(self, reactants: tuple[str, ...], products: tuple[str, ...]) -> str | None:
        """Why this scheme cannot implement the reaction, or None if it can."""
        n = len(reactants)
        if n == 0 and not products:
            return "it has neither reactants nor products"
        if n < self.min_reactants and not (n == 0 and self.source_fuel):
            return "it has no reactants, and the scheme defines no source gate"
        if self.max_reactants is not None and n > self.max_reactants:
            return f"it has {n} reactants; the scheme's gates take at most {self.max_reactants}"
        return None

    def short(self, system: DSDSystem, name: str) -> str:
        return system.add_domain(name, self.lengths.toehold)

    def long(self, system: DSDSystem, name: str) -> str:
        return system.add_domain(name, self.lengths.long)

    def domains_of(self, system: DSDSystem, species: str) -> tuple[str, ...]:
        """The domains of `species`'s signal strand after its history domain, 5' to 3'."""
        raise NotImplementedError(f"scheme {self.name} defines its signals in signal_tokens")

    def signal_tokens(self, system: DSDSystem, species: str, history: str) -> list[Token]:
        """Tokens of the single-stranded signal for `species` with the given history domain: the history
        domain, then the species' own domains (a scheme whose signals are laid out otherwise overrides this)."""
        return unpaired(history, *self.domains_of(system, species))

    def signal_domains(self, system: DSDSystem, species: str) -> list[str]:
        """Domain names of `species`'s signal strand (history domain `<species>_h` first), 5' to 3'."""
        history = self.long(system, f"{species}_h")
        return [t[0] if isinstance(t, tuple) else t for t in self.signal_tokens(system, species, history)]

    def signal(self, system: DSDSystem, species: str, concentration: float = 0.0) -> Complex:
        """The signal complex a formal species starts as (history domain `<species>_h`)."""
        history = self.long(system, f"{species}_h")
        return system.add(
            Complex.from_spec(
                species,
                self.signal_tokens(system, species, history),
                "signal",
                formal=species,
                concentration=concentration,
            )
        )

    def released_signal(self, system: DSDSystem, species: str, history: str, name: str, reaction: int) -> Complex:
        """A signal strand released by a gate: same species domains, the gate's history domain."""
        return system.add(
            Complex.from_spec(
                name, self.signal_tokens(system, species, history), "signal", reaction=reaction, formal=species
            )
        )

    @abstractmethod
    def module(
        self, system: DSDSystem, index: int, reactants: tuple[str, ...], products: tuple[str, ...], fuel_nM: float
    ) -> Module:
        """Add the complexes of reaction `index` to `system` and return its module."""

    def reversible_module(
        self, system: DSDSystem, index: int, reactants: tuple[str, ...], products: tuple[str, ...], fuel_nM: float
    ) -> Module:
        """One module for reaction `index` and its reverse (schemes with `reversible_gates`)."""
        raise NotImplementedError(f"scheme {self.name} has no reversible gates")

    def build(
        self, system: DSDSystem, index: int, reactants: tuple[str, ...], products: tuple[str, ...], fuel_nM: float
    ) -> Module:
        """The module of reaction `index`; a formation reaction goes through a source fuel if the scheme uses one."""
        if reactants or not self.source_fuel:
            return self.module(system, index, reactants, products, fuel_nM)
        # A private species (domains <source>_*, used by this module only), named apart from the formal ones.
        source = f"r{index}src"
        while source in system.formal_species:
            source += "x"
        history = self.long(system, f"{source}_h")
        fuel = system.add(
            Complex.from_spec(
                f"fr{index}_S",
                self.signal_tokens(system, source, history),
                "fuel",
                reaction=index,
                concentration=fuel_nM,
            )
        )
        module = self.module(system, index, (source,), products, fuel_nM)
        module.reaction = ((), products)
        module.reactant_signals = []
        module.complexes.insert(0, fuel.name)
        return module

    def reporter_domains(self, system: DSDSystem, species: str) -> tuple[str, str, bool]:
        """(toehold, branch-migration domain, toehold on the 5' side) that a reporter of `species` reads.

        By default the first toehold of the signal strand next to a long domain, preferring a
        toehold on the long domain's 5' side; a scheme whose signals differ overrides this.
        """
        domains = self.signal_domains(system, species)[1:]
        short = self.lengths.toehold
        pairs = [(a, b, True) for a, b in zip(domains, domains[1:], strict=False)]
        pairs += [(b, a, False) for a, b in zip(domains, domains[1:], strict=False)]
        for toehold, long, five in pairs:
            if system.domains[toehold] == short and system.domains[long] != short:
                return toehold, long, five
        raise SchemeError(f"scheme {self.name}: the signal of {species} has no toehold next to a long domain")

    def reporter(self, system: DSDSystem, index: int, species: str, product: str, name: str, nM: float) -> Module:
        """Module `index`: a fluorophore-quencher reporter that turns `species` into `product` (Y -> Lum_Y).

        The reporter `name` is a duplex: a base strand with the complement of the toehold and the
        branch-migration domain (it carries the fluorophore), and a top strand over the
        branch-migration domain (it carries the quencher, at the helix end far from the toehold).
        The signal binds the toehold and displaces the top strand; `product` is the signal strand
        on the base strand, fluorescent. See dmp.dsd.reporters for which ends carry the labels.
        """
        toehold, long, five = self.reporter_domains(system, species)
        if five:  # signal 5'-t b-3': base 5'-b* t*-3', top 5'-b-3'
            spec: list[Token] = paired(long) + ["+"] + closing(long) + [(toehold + "*", ".")]
        else:  # signal 5'-b t-3': base 5'-t* b*-3'
            spec = [(toehold + "*", "."), (long + "*", "("), "+", (long, ")")]
        system.add(Complex.from_spec(name, spec, "reporter", reaction=index, concentration=nM))
        signal = self.signal_domains(system, species)
        bound = [d for d in signal if d in (toehold, long)]
        lit: list[Token] = [(d, "(" if d in (toehold, long) else ".") for d in signal] + ["+"] + closing(*bound[::-1])
        system.add(Complex.from_spec(product, lit, "signal", reaction=index, formal=product))
        return Module(index, ((species,), (product,)), [name], [species], [product], f"{species} -> {product}")


def paired(*domains: str) -> list[Token]:
    return [(d, "(") for d in domains]


def closing(*domains: str) -> list[Token]:
    return [(d + "*" if not d.endswith("*") else d[:-1], ")") for d in domains]


def unpaired(*domains: str) -> list[Token]:
    return [(d, ".") for d in domains]
