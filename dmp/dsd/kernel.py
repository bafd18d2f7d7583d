"""Kernel notation: parse, rename domains, and a canonical form independent of strand rotation.

Peppercorn prints a multi-stranded complex starting from whichever strand its own canonical
form picks, and that choice depends on domain names. To recognise the same complex in runs
that used different names, complexes are compared by `canonical_kernel`: the smallest kernel
string over all cyclic rotations of the strand order. Hand-written because neither dsdobjects
nor peppercorn exposes a name-independent comparison.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from dmp.dsd.model import complement


def parse_kernel(kernel: str) -> tuple[list[list[str]], list[tuple[int, int]]]:
    """Strands (domain lists) and base pairs (flat domain indices) of a kernel string."""
    strands: list[list[str]] = [[]]
    pairs: list[tuple[int, int]] = []
    stack: list[int] = []
    position = 0
    for token in kernel.split():
        if token == "+":
            strands.append([])
        elif token == ")":
            if not stack:
                raise ValueError(f"unbalanced ')' in kernel {kernel!r}")
            opened = stack.pop()
            strands[-1].append(complement(_flat(strands)[opened]))
            pairs.append((opened, position))
            position += 1
        elif token.endswith("("):
            stack.append(position)
            strands[-1].append(token[:-1])
            position += 1
        else:
            strands[-1].append(token)
            position += 1
    if stack:
        raise ValueError(f"unbalanced '(' in kernel {kernel!r}")
    return strands, pairs


def _flat(strands: list[list[str]]) -> list[str]:
    return [d for s in strands for d in s]


def format_kernel(strands: list[list[str]], pairs: list[tuple[int, int]]) -> str:
    """Kernel string of strands and pairs (inverse of parse_kernel)."""
    partner = {}
    for i, j in pairs:
        partner[min(i, j)] = max(i, j)
        partner[max(i, j)] = min(i, j)
    parts: list[str] = []
    position = 0
    for k, strand in enumerate(strands):
        if k:
            parts.append("+")
        for domain in strand:
            other = partner.get(position)
            if other is None:
                parts.append(domain)
            elif other > position:
                parts.append(f"{domain}(")
            else:
                parts.append(")")
            position += 1
    return " ".join(parts)


def rename_kernel(kernel: str, rename: Callable[[str], str]) -> str:
    """Apply `rename` to every domain's base name, keeping complements and structure."""
    out = []
    for token in kernel.split():
        if token in ("+", ")"):
            out.append(token)
            continue
        suffix = "(" if token.endswith("(") else ""
        name = token[:-1] if suffix else token
        star = "*" if name.endswith("*") else ""
        out.append(rename(name[:-1] if star else name) + star + suffix)
    return " ".join(out)


def canonical_kernel(kernel: str) -> str:
    """The lexicographically smallest kernel over all rotations of the strand order."""
    strands, pairs = parse_kernel(kernel)
    if len(strands) == 1:
        return format_kernel(strands, pairs)
    sizes = [len(s) for s in strands]
    total = sum(sizes)
    best = None
    offset = 0
    for k in range(len(strands)):
        rotated = strands[k:] + strands[:k]
        moved = [((i - offset) % total, (j - offset) % total) for i, j in pairs]
        text = format_kernel(rotated, moved)
        if best is None or text < best:
            best = text
        offset += sizes[k]
    assert best is not None
    return best


def exposed_domains(kernel: str) -> set[str]:
    """Domains left unpaired in the complex: the only ones a second complex can bind."""
    strands, pairs = parse_kernel(kernel)
    paired_positions = {i for pair in pairs for i in pair}
    flat = [d for s in strands for d in s]
    return {d for i, d in enumerate(flat) if i not in paired_positions}


def structure_of(kernel: str) -> tuple[list[list[str]], list[list[str]]]:
    """Strands and per-strand dot-bracket of a kernel string."""
    strands, pairs = parse_kernel(kernel)
    symbol = {}
    for i, j in pairs:
        symbol[min(i, j)] = "("
        symbol[max(i, j)] = ")"
    structure, position = [], 0
    for strand in strands:
        structure.append([symbol.get(position + k, ".") for k in range(len(strand))])
        position += len(strand)
    return strands, structure


def occurrences(kernel: str) -> list[tuple[str, bool, bool]]:
    """(base domain, is complement, is paired) for every domain of the complex."""
    strands, pairs = parse_kernel(kernel)
    paired = {i for pair in pairs for i in pair}
    flat = [d for s in strands for d in s]
    return [(d.rstrip("*"), d.endswith("*"), i in paired) for i, d in enumerate(flat)]


def pair_table(structure: Sequence[Sequence[str]]) -> dict[tuple[int, int], tuple[int, int]]:
    """(strand, domain) -> (strand, domain) of its partner, from a per-strand dot-bracket structure."""
    stack: list[tuple[int, int]] = []
    pairs: dict[tuple[int, int], tuple[int, int]] = {}
    for k, part in enumerate(structure):
        for i, symbol in enumerate(part):
            if symbol == "(":
                stack.append((k, i))
            elif symbol == ")":
                other = stack.pop()
                pairs[other], pairs[(k, i)] = (k, i), other
    return pairs
