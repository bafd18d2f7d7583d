"""Domain-level reaction enumeration with peppercorn, one module (or module pair) at a time.

A module's complexes are written as PIL under canonical names (domains d0, d1, ... and
complexes c0, c1, ... in order of first appearance) before peppercorn sees them. Modules built
from the same template for reactions of the same shape then give identical PIL text, so each
distinct text is enumerated once and its result renamed back to every module that shares it:
the cost grows with the number of distinct reaction shapes, not with the size of the network.
Renaming is a bijection on names, so the renamed result is exactly what peppercorn would
return for the module itself (rates depend on domain lengths only, which are kept).
"""

from __future__ import annotations

import gc
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from dmp.dsd.kernel import canonical_kernel, rename_kernel
from dmp.dsd.model import Complex, base_domain
from dmp.dsd.settings import EnumerationLimits
from dmp.errors import DmpError, LimitReached
from dmp.params import to_dict


def peppercorn_options(limits: EnumerationLimits) -> dict[str, Any]:
    """Peppercorn's Enumerator attributes: the configured limits; remote toeholds stay allowed."""
    return {**to_dict(limits), "reject_remote": False}


class EnumerationLimitError(LimitReached):
    """Peppercorn hit a configured limit; the message names it and how to raise it."""


class EnumerationCrash(DmpError):
    """Peppercorn itself failed on a module: reported as that module's verdict, not a traceback."""


class _Dropped(logging.Handler):
    """Counts the reactions peppercorn drops because a product exceeds max_complex_size.

    Peppercorn does not stop at that limit: it logs a warning and leaves the reaction out, so
    the enumeration would look complete while missing reactions. dmp treats it as a limit hit.
    """

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "max-complex-size" in record.getMessage():
            self.count += 1


@dataclass
class Enumerated:
    """A condensed implementation CRN over resting macrostates (peppercorn's condensed output)."""

    # macrostate name -> kernel strings of its resting complexes
    species: dict[str, list[str]] = field(default_factory=dict)
    # (reactants, products, rate constant, unit) with macrostate names
    reactions: list[tuple[tuple[str, ...], tuple[str, ...], float, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"species": self.species, "reactions": [[list(r), list(p), k, u] for r, p, k, u in self.reactions]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Enumerated:
        return cls(dict(data["species"]), [(tuple(r), tuple(p), float(k), u) for r, p, k, u in data["reactions"]])


@dataclass
class CanonicalPIL:
    """A set of complexes under canonical names, as PIL text, and the maps back to real names."""

    text: str
    complexes: dict[str, str]  # canonical -> real complex name
    domains: dict[str, str]  # canonical -> real domain name
    lengths: dict[str, int]  # canonical domain -> length
    # (canonical name, domains with '+' between strands, dot-bracket with '+', present)
    entries: list[tuple[str, list[str], list[str], bool]]


def canonical_pil(complexes: Sequence[Complex], lengths: dict[str, int], present: set[str]) -> CanonicalPIL:
    """`complexes` under canonical names; complexes not in `present` are named at 0 nM.

    Complexes in `present` get 1 nM: peppercorn only starts from complexes that are there,
    and concentrations play no other part in enumeration.
    """
    domain_names: dict[str, str] = {}
    canon_lengths: dict[str, int] = {}
    complex_names: dict[str, str] = {}
    entries = []
    lines_cx: list[str] = []
    for k, cplx in enumerate(complexes):
        name = f"c{k}"
        complex_names[name] = cplx.name
        sequence: list[str] = []
        structure: list[str] = []
        for i, (strand, dots) in enumerate(zip(cplx.strands, cplx.structure, strict=True)):
            if i:
                sequence.append("+")
                structure.append("+")
            for domain, symbol in zip(strand, dots, strict=True):
                base = base_domain(domain)
                if base not in domain_names:
                    domain_names[base] = f"d{len(domain_names)}"
                    canon_lengths[domain_names[base]] = lengths[base]
                sequence.append(domain_names[base] + ("*" if domain.endswith("*") else ""))
                structure.append(symbol)
        entries.append((name, sequence, structure, cplx.name in present))
        kernel = rename_kernel(cplx.kernel, lambda d: domain_names[d])
        lines_cx.append(f"{name} = {kernel} @initial {1 if cplx.name in present else 0} nM")
    lines_len = [f"length {d} = {n}" for d, n in canon_lengths.items()]
    text = "\n".join(lines_len + lines_cx) + "\n"
    return CanonicalPIL(text, complex_names, {v: k for k, v in domain_names.items()}, canon_lengths, entries)


def enumerate_canonical(canon: CanonicalPIL, limits: EnumerationLimits, what: str = "module") -> Enumerated:
    """Enumerate canonical complexes with peppercorn and condense to resting macrostates.

    Builds peppercorn's domain and complex objects directly (the same objects its PIL reader
    makes), which saves the PIL parse that otherwise costs a fifth of the time.
    """
    from peppercornenumerator.objects import PepperComplex, PepperDomain

    # Peppercorn registers domains and complexes by name for the whole process. Suffixing
    # each run's names keeps runs apart without clearing the registry after every run.
    global _RUN
    _RUN += 1
    tag = f"_{_RUN}"
    domains = {}
    for name, length in canon.lengths.items():
        domains[name] = PepperDomain(name + tag, length=length)
        domains[name + "*"] = ~domains[name]
    named = []
    for name, sequence, structure, present in canon.entries:
        cplx = PepperComplex([domains[d] if d != "+" else "+" for d in sequence], list(structure), name=name + tag)
        cplx.concentration = ("initial", 1.0 if present else 0.0, "nM")
        named.append(cplx)
    initial = [c for c, entry in zip(named, canon.entries, strict=True) if entry[3]]
    del domains
    result = _run(initial, named, [], peppercorn_options(limits), what, clear=_RUN % CLEAR_EVERY == 0)
    return _strip_suffix(result, tag)


_RUN = 0
CLEAR_EVERY = 200


def _strip_suffix(result: Enumerated, tag: str) -> Enumerated:
    """Drop the run suffix and renumber the complexes peppercorn found as e1, e2, ...

    Peppercorn numbers new complexes from a process-wide counter, so its names depend on what
    ran before; numbering them in order of their (rotation-independent) kernels makes the
    names, and every file that shows them, the same in every run.
    """

    def strip(x: str) -> str:
        return x[: -len(tag)] if x.endswith(tag) else x

    species = {strip(n): [rename_kernel(k, strip) for k in kernels] for n, kernels in result.species.items()}
    found = sorted((n for n in species if _E_NAME.match(n)), key=lambda n: sorted(map(canonical_kernel, species[n])))
    names = {n: n for n in species}
    names.update({n: f"e{k + 1}" for k, n in enumerate(found)})
    species = {names[n]: kernels for n, kernels in species.items()}
    reactions = [
        (tuple(names[strip(x)] for x in r), tuple(names[strip(x)] for x in p), k, u) for r, p, k, u in result.reactions
    ]
    return Enumerated(species, sorted(reactions))


def enumerate_pil_text(text: str, limits: EnumerationLimits, what: str = "PIL") -> Enumerated:
    """Enumerate any PIL text (e.g. a user's `system.pil`) through peppercorn's own reader."""
    from peppercornenumerator.input import read_pil

    complexes, reactions = read_pil(text)
    named = list(complexes.values())
    initial = [c for c in named if c.concentration is None or c.concentration[1] != 0]
    del complexes
    return _run(initial, named, list(reactions), peppercorn_options(limits), what)


def _run(
    initial: list[Any], named: list[Any], reactions: list[Any], options: dict[str, Any], what: str, clear: bool = True
) -> Enumerated:
    """Enumerate, condense, and copy the result out of peppercorn's objects (then free them if `clear`)."""
    from peppercornenumerator.enumerator import Enumerator, PolymerizationError
    from peppercornenumerator.objects import clear_memory
    from peppercornenumerator.utils import PeppercornUsageError

    enumerator = Enumerator(initial, reactions, named_complexes=named)
    logger = logging.getLogger("peppercornenumerator.enumerator")
    dropped = _Dropped()
    logger.addHandler(dropped)
    level = logger.level
    if logger.getEffectiveLevel() > logging.WARNING:
        logger.setLevel(logging.WARNING)
    try:
        for key in ("max_complex_size", "max_complex_count", "max_reaction_count", "release_cutoff", "reject_remote"):
            setattr(enumerator, key, options[key])
        enumerator.enumerate()
        if dropped.count:
            raise EnumerationLimitError(
                what,
                "dsd.enumeration.max_complex_size",
                options["max_complex_size"],
                f"peppercorn left out {dropped.count} reaction(s) whose products have more strands",
            )
        enumerator.condense()
        result = Enumerated()
        for macrostate in enumerator.resting_macrostates:
            result.species[macrostate.name] = [c.kernel_string for c in macrostate.complexes]
        for reaction in enumerator.condensed_reactions:
            rate, unit = reaction.rate_constant
            if unit == "/M/s":  # dmp states concentrations in nM throughout
                rate, unit = rate * 1e-9, "/nM/s"
            result.reactions.append(
                (
                    tuple(x.name for x in reaction.reactants),
                    tuple(x.name for x in reaction.products),
                    float(rate),
                    str(unit),
                )
            )
    except (PolymerizationError, PeppercornUsageError) as exc:
        key = _limit_hit(str(exc))
        raise EnumerationLimitError(what, f"dsd.enumeration.{key}", options[key], f"peppercorn: {exc}") from None
    except DmpError:
        raise
    except Exception as exc:  # noqa: BLE001 - a crash inside peppercorn is this module's verdict
        raise EnumerationCrash(f"{what}: peppercorn crashed: {type(exc).__name__}: {exc}") from None
    finally:
        logger.removeHandler(dropped)
        logger.setLevel(level)
        del enumerator
        initial.clear()
        named.clear()
        reactions.clear()
        if clear:  # free peppercorn's process-wide registries of domains and complexes
            gc.collect()
            clear_memory()
    result.reactions.sort()
    return result


def whole_system_counts(pil_text: str, limits: EnumerationLimits) -> dict[str, Any]:
    """Enumerate a whole system at once, as Nuskell does, and count what peppercorn generated.

    For diagnosis, not verification: returns the numbers of complexes (resting and transient),
    reactions and strands in the largest complex, also when a limit stops the enumeration
    (`stopped` then names it). Nuskell's PolymerizationError is this limit.
    """
    from peppercornenumerator.enumerator import Enumerator
    from peppercornenumerator.input import read_pil
    from peppercornenumerator.objects import clear_memory

    options = peppercorn_options(limits)
    complexes, _ = read_pil(pil_text)
    named = list(complexes.values())
    initial = [c for c in named if c.concentration is None or c.concentration[1] != 0]
    enumerator = Enumerator(initial, named_complexes=named)
    for key in ("max_complex_size", "max_complex_count", "max_reaction_count", "release_cutoff", "reject_remote"):
        setattr(enumerator, key, options[key])
    # Interruptible: at a limit peppercorn logs an error and keeps what it found instead of raising.
    enumerator.interruptible = True
    enumerator.enumerate()
    resting = set(enumerator._E) | set(enumerator._S)  # noqa: SLF001 - peppercorn keeps them only here
    transient = set(enumerator._T)  # noqa: SLF001
    stopped = None
    if len(resting | transient) > options["max_complex_count"]:
        stopped = f"max_complex_count {options['max_complex_count']} exceeded (Nuskell: PolymerizationError)"
    elif len(enumerator._reactions) > options["max_reaction_count"]:  # noqa: SLF001
        stopped = f"max_reaction_count {options['max_reaction_count']} exceeded (Nuskell: PolymerizationError)"
    counts = {
        "named_complexes": len(named),
        "complexes": len(resting | transient),
        "resting": len(resting),
        "transient": len(transient),
        "reactions": len(enumerator._reactions),  # noqa: SLF001
        "max_strands": max((c.size for c in resting | transient), default=0),
        "stopped": stopped,
    }
    del enumerator, complexes, named, initial, resting, transient
    gc.collect()
    clear_memory()
    return counts


def _limit_hit(message: str) -> str:
    """The dsd.enumeration key behind one of peppercorn's limit messages."""
    text = message.lower()
    if "complex size" in text or "strands" in text:
        return "max_complex_size"
    if "reaction" in text:
        return "max_reaction_count"
    return "max_complex_count"


_E_NAME = re.compile(r"^e\d+$")


class ModuleEnumerator:
    """Enumerates modules through a cache keyed by canonical PIL text."""

    def __init__(self, limits: EnumerationLimits) -> None:
        self.limits = limits
        self.cache: dict[str, Enumerated] = {}
        self.runs = 0
        self.hits = 0

    def enumerate(
        self, complexes: Sequence[Complex], lengths: dict[str, int], present: set[str], tag: str, what: str
    ) -> tuple[Enumerated, CanonicalPIL]:
        """Enumerate `complexes`; new complexes are named after `tag`. Returns (result, canonical form)."""
        canon = canonical_pil(complexes, lengths, present)
        result = self.cache.get(canon.text)
        if result is None:
            result = enumerate_canonical(canon, self.limits, what)
            self.cache[canon.text] = result
            self.runs += 1
        else:
            self.hits += 1
        return rename_result(result, canon, tag), canon


def rename_result(result: Enumerated, canon: CanonicalPIL, tag: str) -> Enumerated:
    """Map a canonical enumeration back to real complex and domain names.

    Complexes peppercorn found become `i<tag>_<n>` when some reaction consumes them
    (intermediates) and `w<tag>_<n>` otherwise (wastes), as Nuskell names them.
    """
    consumed = {x for r, _, _, _ in result.reactions for x in r}
    names = {}
    for name in result.species:
        if name in canon.complexes:
            names[name] = canon.complexes[name]
        else:
            number = name[1:] if _E_NAME.match(name) else name
            names[name] = f"{'i' if name in consumed else 'w'}{tag}_{number}"

    def domain(d: str) -> str:
        return canon.domains.get(d, d)

    species = {
        names[n]: sorted(canonical_kernel(rename_kernel(k, domain)) for k in kernels)
        for n, kernels in result.species.items()
    }
    reactions = sorted(
        (tuple(names[x] for x in r), tuple(names[x] for x in p), k, u) for r, p, k, u in result.reactions
    )
    return Enumerated(species, reactions)


def name_map(source: CanonicalPIL, source_tag: str, target: CanonicalPIL, target_tag: str) -> Callable[[str], str]:
    """Species names of one module -> the corresponding names in an isomorphic module."""
    complexes = {real: target.complexes[c] for c, real in source.complexes.items()}

    def rename(name: str) -> str:
        if name in complexes:
            return complexes[name]
        for kind in ("i", "w"):
            prefix = f"{kind}{source_tag}_"
            if name.startswith(prefix):
                return f"{kind}{target_tag}_{name[len(prefix) :]}"
        raise KeyError(name)

    return rename


def pil_domains(complexes: Sequence[Complex]) -> list[str]:
    """Base domain names used by `complexes`, in order of first appearance."""
    return list(dict.fromkeys(base_domain(d) for c in complexes for d in c.domains()))
