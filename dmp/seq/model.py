"""Sequences for a domain-level system: one sequence per base domain, everything else derived.

A `Design` maps each base domain to a DNA sequence (5'->3'); a complement domain `x*` is the
reverse complement of `x`. Strand sequences concatenate their domains; a complex's target
structure at nucleotide level expands each domain's dot-bracket symbol over its bases (a paired
domain pairs base by base with its complement, which runs antiparallel, so '(' * n and ')' * n
match up exactly).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dmp.dsd.model import Complex, DSDSystem, base_domain

COMPLEMENT = str.maketrans("ACGT", "TGCA")


def revcomp(sequence: str) -> str:
    """Reverse complement of a DNA sequence."""
    return sequence.translate(COMPLEMENT)[::-1]


@dataclass
class Design:
    """One candidate: a sequence for every base domain of a system, and the seed that made it."""

    domains: dict[str, str]
    seed: int | None = None
    name: str = ""
    info: dict[str, object] = field(default_factory=dict)

    def domain(self, domain: str) -> str:
        """Sequence of a domain or of its complement (`x*`)."""
        if domain.endswith("*"):
            return revcomp(self.domains[domain[:-1]])
        return self.domains[domain]

    def strand(self, domains: tuple[str, ...] | list[str]) -> str:
        """Sequence of a strand given as domains 5'->3'."""
        return "".join(self.domain(d) for d in domains)

    def complex_strands(self, cplx: Complex) -> list[str]:
        """Sequences of the strands of a complex, in the complex's strand order."""
        return [self.strand(s) for s in cplx.strands]

    def complex_structure(self, cplx: Complex, lengths: dict[str, int]) -> str:
        """Target dot-bracket at nucleotide level, strands separated by '&' (ViennaRNA's convention)."""
        parts = []
        for strand, structure in zip(cplx.strands, cplx.structure, strict=True):
            parts.append("".join(symbol * lengths[base_domain(d)] for d, symbol in zip(strand, structure, strict=True)))
        return "&".join(parts)


def check_lengths(design: Design, system: DSDSystem) -> list[str]:
    """Domains whose sequence is missing or has the wrong length (empty list if all is well)."""
    problems = []
    for name, length in system.domains.items():
        sequence = design.domains.get(name)
        if sequence is None:
            problems.append(f"domain {name} has no sequence")
        elif len(sequence) != length:
            problems.append(f"domain {name} is {len(sequence)} nt, the system says {length}")
        elif set(sequence) - set("ACGT"):
            problems.append(f"domain {name} has letters other than A, C, G, T")
    return problems


# ---------------------------------------------------------------------------- views of a system


def toehold_domains(system: DSDSystem) -> list[str]:
    """Base domains that are toeholds: the short ones (at most the compiled toehold length)."""
    limit = system.meta.get("toehold_length")
    if limit is None:  # a system without the compile settings: toeholds are the shorter length class
        limit = min(system.domains.values()) if system.domains else 0
    return [d for d, n in system.domains.items() if n <= int(limit)]  # type: ignore[arg-type]


def long_domains(system: DSDSystem) -> list[str]:
    """Base domains that are not toeholds: branch-migration and history domains."""
    short = set(toehold_domains(system))
    return [d for d in system.domains if d not in short]


def exposed_toeholds(system: DSDSystem) -> list[str]:
    """Toehold domains left unpaired on gate complexes (where signals bind), each once."""
    toeholds = set(toehold_domains(system))
    exposed: dict[str, None] = {}
    for cplx in system.complexes.values():
        if len(cplx.strands) < 2:
            continue
        for strand, structure in zip(cplx.strands, cplx.structure, strict=True):
            for d, symbol in zip(strand, structure, strict=True):
                if symbol == "." and base_domain(d) in toeholds:
                    exposed.setdefault(d, None)
    return list(exposed)


@dataclass
class StrandInfo:
    """One distinct strand of a system, named as in the DSD stage's strands.tsv."""

    name: str
    domains: tuple[str, ...]
    complexes: list[str]
    role: str  # signal, gate, fuel, helper or reporter (the order sheets' groups)
    top: bool  # floats free at some point (not the base strand of any multi-strand complex)


ORDER_ROLES = ("signal", "gate", "fuel", "helper", "reporter")


def strand_infos(system: DSDSystem) -> list[StrandInfo]:
    """Every distinct strand with its role and whether it is a top strand (Piperine's notion).

    The base strand of a multi-strand complex is the one the others bind to: the strand carrying
    the most complement (starred) nucleotides, then the longest, then the last. Every other strand
    is a top strand: signals, strands released by gates, single-strand fuels and helpers.
    Role: `reporter` for a strand of a reporter complex (it carries a dye or a quencher); `gate`
    for a strand of any other multi-strand complex that is supplied (annealed before use; the
    fluorescent product a reporter forms is not); otherwise the role of the single-strand
    complex it forms.
    """
    from dmp.dsd.tables import distinct_strands, strand_length

    def starred(strand: tuple[str, ...]) -> int:
        return sum(system.domains[base_domain(d)] for d in strand if d.endswith("*"))

    complexes = system.complexes
    bases = set()
    for cplx in complexes.values():
        if len(cplx.strands) > 1:
            order = range(len(cplx.strands))
            best = max(order, key=lambda k: (starred(cplx.strands[k]), strand_length(system, cplx.strands[k]), k))
            bases.add(cplx.strands[best])
    infos = []
    for strand, entry in distinct_strands(system).items():
        used = [complexes[c] for c in entry["complexes"]]
        if any(c.role == "reporter" for c in used):
            role = "reporter"
        elif any(len(c.strands) > 1 and not (c.role == "signal" and c.reaction is not None) for c in used):
            role = "gate"
        else:
            role = next((c.role for c in used if len(c.strands) == 1), used[0].role)
        infos.append(StrandInfo(entry["name"], strand, list(entry["complexes"]), role, strand not in bases))
    return infos
