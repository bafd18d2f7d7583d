"""Consistency of sequences with the domain-level system, checked before anything is written.

1. Complementarity: expand each complex's domain-level structure to nucleotides and check that
   every intended base pair joins Watson-Crick partners in the strands' actual sequences (this
   works on the final strand sequences, so it catches a wrong domain, a corrupted base or a
   strand assembled in the wrong order).
2. Helices: in ViennaRNA's MFE structure of each multi-strand complex at the design temperature,
   every intended helix (a bound domain and its complement) keeps at least `min_helix_fraction`
   of its base pairs.

Each function returns a list of one-line failures (empty if all is well).
"""

from __future__ import annotations

from dmp.dsd.model import Complex, DSDSystem, base_domain
from dmp.seq.model import Design, check_lengths
from dmp.seq.thermo import Thermo, pair_table

WATSON_CRICK = {("A", "T"), ("T", "A"), ("C", "G"), ("G", "C")}


def _helices(cplx: Complex, lengths: dict[str, int]) -> list[tuple[str, str, list[tuple[int, int]]]]:
    """Each bound domain pair of a complex with its intended base pairs (nucleotide indices, no '&')."""
    starts, names, position = [], [], 0
    for strand in cplx.strands:
        for d in strand:
            starts.append(position)
            names.append(d)
            position += lengths[base_domain(d)]
    symbols = [x for part in cplx.structure for x in part]
    stack: list[int] = []
    helices = []
    for k, symbol in enumerate(symbols):
        if symbol == "(":
            stack.append(k)
        elif symbol == ")":
            j = stack.pop()
            n = lengths[base_domain(names[j])]
            pairs = [(starts[j] + i, starts[k] + n - 1 - i) for i in range(n)]
            helices.append((names[j], names[k], pairs))
    return helices


def complementarity_failures(system: DSDSystem, strand_sequences: dict[tuple[str, ...], str]) -> list[str]:
    """Intended base pairs that are not Watson-Crick in the given strand sequences (keyed by domain tuple)."""
    failures = []
    lengths = system.domains
    for cplx in system.complexes.values():
        missing = [s for s in cplx.strands if s not in strand_sequences]
        if missing:
            failures.append(f"complex {cplx.name}: no sequence for strand {' '.join(missing[0])}")
            continue
        sequences = [strand_sequences[s] for s in cplx.strands]
        expected = [sum(lengths[base_domain(d)] for d in s) for s in cplx.strands]
        if [len(s) for s in sequences] != expected:
            failures.append(f"complex {cplx.name}: strand lengths {[len(s) for s in sequences]} differ from {expected}")
            continue
        joined = "".join(sequences)
        for left, right, pairs in _helices(cplx, lengths):
            bad = [(i, j) for i, j in pairs if (joined[i], joined[j]) not in WATSON_CRICK]
            if bad:
                i, j = bad[0]
                failures.append(
                    f"complex {cplx.name}: {left}/{right} has {len(bad)} non-complementary base pair(s), "
                    f"first {joined[i]}-{joined[j]} at nucleotides {i + 1} and {j + 1}"
                )
    return failures


def helix_failures(system: DSDSystem, mfe: dict[str, str], min_fraction: float, temperature: float) -> list[str]:
    """Intended helices that the MFE structure of their complex does not form."""
    failures = []
    for name, structure in mfe.items():
        cplx = system.complexes[name]
        partner = pair_table(structure)
        for left, right, pairs in _helices(cplx, system.domains):
            formed = sum(partner[i] == j for i, j in pairs)
            if formed < min_fraction * len(pairs):
                failures.append(
                    f"complex {name}: helix {left}/{right} has {formed} of {len(pairs)} base pairs in the "
                    f"ViennaRNA MFE at {temperature:g} °C"
                )
    return failures


def mfe_structures(system: DSDSystem, design: Design, thermo: Thermo) -> dict[str, str]:
    """ViennaRNA MFE structure of every multi-strand complex."""
    return {c.name: thermo.mfe(design.complex_strands(c))[0] for c in system.complexes.values() if len(c.strands) > 1}


def check_design(
    system: DSDSystem,
    design: Design,
    thermo: Thermo,
    min_fraction: float,
    mfe: dict[str, str] | None = None,
    strand_sequences: dict[tuple[str, ...], str] | None = None,
) -> dict[str, list[str]]:
    """All checks; `strand_sequences` defaults to the design's own strands, `mfe` is computed if absent."""
    lengths = check_lengths(design, system)
    if lengths:
        return {"lengths": lengths, "complementarity": [], "helices": []}
    if strand_sequences is None:
        strand_sequences = {s: design.strand(s) for c in system.complexes.values() for s in c.strands}
    if mfe is None:
        mfe = mfe_structures(system, design, thermo)
    return {
        "lengths": [],
        "complementarity": complementarity_failures(system, strand_sequences),
        "helices": helix_failures(system, mfe, min_fraction, thermo.temperature),
    }
