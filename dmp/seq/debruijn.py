"""Starting sequences for the long domains by a walk that never reuses a k-mer (sequence symmetry by construction).

seqwalk (Winfree lab) builds libraries with every k-mer used at most once by walking a de Bruijn
graph; it requires NumPy < 2, so here is the same idea in a few lines, with dmp's constraints:
each domain is built base by base, each base chosen at random (seeded) among the letters that
(1) make a k-mer whose canonical form (the k-mer or its reverse complement, whichever is
smaller) no domain has used yet, (2) complete no forbidden motif, and (3) keep the domain's
target GC count reachable. A domain that gets stuck is restarted; after `RESTARTS` failures
the uniqueness rule is dropped for it (counted in the result). k is the smallest length at
which the distinct canonical k-mers outnumber the k-mers the domains need by `SLACK`.

Junctions between domains and the toeholds (designed beforehand) are not covered: the search
that follows scores every window of every strand.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from dmp.errors import DmpError
from dmp.seq.domains import gc_bounds

COMPLEMENT = {"A": "T", "C": "G", "G": "C", "T": "A"}
SLACK = 3.0  # distinct canonical k-mers per k-mer needed
RESTARTS = 20


@dataclass(frozen=True)
class WalkSpec:
    """Letters, GC bounds (fractions), forbidden motifs and the seed of the walk."""

    alphabet: str = "ACGT"
    gc_min: float = 0.3
    gc_max: float = 0.7
    forbidden: tuple[str, ...] = ("GGGG", "CCCC", "AAAAA", "TTTTT")


def choose_k(lengths: Sequence[int], alphabet: str) -> int:
    """Smallest k with SLACK times more distinct canonical k-mers than the domains hold."""
    letters = len(set(alphabet))
    for k in range(4, 20):
        need = sum(max(0, n - k + 1) for n in lengths)
        # a 3-letter word's reverse complement uses other letters: every word is its own class
        distinct = letters**k / (2 if letters == 4 else 1)
        if distinct >= SLACK * need:
            return k
    return 20


def _canonical(word: str) -> str:
    rc = "".join(COMPLEMENT[c] for c in reversed(word))
    return min(word, rc)


def walk_domains(
    lengths: dict[str, int], spec: WalkSpec, seed: int, gc_targets: dict[str, int] | None = None
) -> tuple[dict[str, str], dict[str, int]]:
    """Sequences for the named domains, every canonical k-mer used at most once; and the walk's figures."""

    rng = random.Random(seed)
    k = choose_k(list(lengths.values()), spec.alphabet)
    letters = sorted(set(spec.alphabet))
    strong = [c for c in letters if c in "CG"]
    weak = [c for c in letters if c in "AT"]
    if not strong or not weak:
        raise DmpError(f"seq.domains.alphabet: {spec.alphabet!r} needs at least one of C/G and one of A/T")
    used: set[str] = set()
    out: dict[str, str] = {}
    relaxed = 0
    for name, n in lengths.items():
        low, high = gc_bounds(n, spec.gc_min, spec.gc_max, name)
        target = gc_targets[name] if gc_targets and name in gc_targets else rng.randint(low, high)
        for attempt in range(RESTARTS + 1):
            if attempt == RESTARTS // 2:  # an extreme G/C count may not fit the motif rules (CCCC with ACT)
                target = (low + high) // 2
            sequence = _walk(n, target, k, strong, weak, spec.forbidden, used, rng, unique=attempt < RESTARTS)
            if sequence is not None:
                break
        if sequence is None:  # even without uniqueness the motif and GC rules always leave a letter
            raise DmpError(f"domain {name}: no {n}-nt sequence meets seq.domains.forbidden with {target} G/C")
        relaxed += attempt == RESTARTS
        out[name] = sequence
        for t in range(n - k + 1):
            used.add(_canonical(sequence[t : t + k]))
    return out, {"k": k, "domains": len(out), "relaxed": relaxed}


def _walk(
    n: int,
    target: int,
    k: int,
    strong: list[str],
    weak: list[str],
    forbidden: tuple[str, ...],
    used: set[str],
    rng: random.Random,
    unique: bool,
) -> str | None:
    sequence: list[str] = []
    placed: set[str] = set()  # this domain's own k-mers
    gc = 0
    reach = max((len(m) for m in forbidden), default=1) - 1
    for t in range(n):
        left = n - t - 1  # positions after this one
        options = []
        for c in strong + weak:
            s = gc + (c in "CG")
            if not (s <= target <= s + left):
                continue
            if t >= k - 1 and unique:
                word = "".join(sequence[-(k - 1) :]) + c
                canonical = _canonical(word)
                if canonical in used or canonical in placed or word == _rc(word):
                    continue
            tail = "".join(sequence[-reach:]) + c if reach else c
            if any(tail.endswith(m) for m in forbidden):
                continue
            options.append(c)
        if not options:
            return None
        # G/C with the probability that spreads the remaining G/C evenly over the remaining positions
        share = (target - gc) / (left + 1)
        pool = [c for c in options if (c in "CG") == (rng.random() < share)] or options
        c = rng.choice(pool)
        sequence.append(c)
        gc += c in "CG"
        if t >= k - 1:
            placed.add(_canonical("".join(sequence[-k:])))
    return "".join(sequence)


def _rc(word: str) -> str:
    return "".join(COMPLEMENT[c] for c in reversed(word))
