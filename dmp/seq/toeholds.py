"""Toeholds of uniform binding energy, chosen with stickydesign's energetics and filters.

Every toehold binds its complement with ΔG within `target_dG ± spread` (kcal/mol, stickydesign's
EnergeticsDAOE nearest-neighbour model at the design temperature, in Piperine's reference context:
the toehold flanked by a C on each side, as a 5'-terminal end next to a helix), and no two
toeholds or complements interact spuriously by more than `max_spurious × target_dG`.

Why not `stickydesign.easyends`: its end chooser draws from an unseeded numpy Generator (so runs
are not reproducible), its automatic target (`enhist`) fails under numpy 2, and its greedy loop
re-filters the whole remaining space after every pick, which costs minutes for a hundred
toeholds. Here the candidate space is filtered by stickydesign's `spacefilter_standard` (energy
window, self-interaction, no GGGG/CCCC) plus the configured forbidden motifs, and toeholds are
drawn in seeded random order, each kept if stickydesign's `endfilter_standard_advanced` finds no
spurious interaction with the toeholds kept so far (random sequential adsorption).

A large system needs more toeholds than exist: at 7 nt, ΔG 10 ± 0.5 kcal/mol and max_spurious
0.65 the whole candidate space yields about 280 mutually non-interacting toeholds, while a
64-32-10 network compiles to about 1,700 toehold domains. With `reuse` the toehold domains share
the non-interacting set, assigned in turn; species stay distinct through their branch-migration
domains (the seesaw circuits' universal toehold is the extreme case), and the cost - signals
binding transiently to other species' gates - is what the toehold-occlusion score measures.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import stickydesign as sd
from stickydesign.energetics_daoe import EnergeticsDAOE

from dmp.errors import DmpError
from dmp.seq.model import revcomp

FLANK = "c"  # reference context of every toehold: 5'-C toehold C-3' (Piperine's score_toeholds)
ENUMERATE_UP_TO = 8  # toeholds up to this length: every sequence is a candidate; longer: a seeded sample
SAMPLE_SIZE = 200_000
RELAX_SEARCH_UP_TO = 100  # the error suggests relaxed values only for up to this many toeholds
CHECK_BLOCK = 24  # kept toeholds tested per stickydesign call (its energetics loop over pairs in Python)
MAX_DRAWS_PER_TOEHOLD = 25  # give up after this many draws per toehold still missing


class ToeholdError(DmpError):
    """The toehold constraints cannot be met; the message names the constraint and a value that works."""


@dataclass(frozen=True)
class ToeholdSpec:
    length: int
    target_dG: float
    spread: float
    max_spurious: float
    temperature: float
    forbidden: tuple[str, ...] = ()
    alphabet: str = "ACGT"
    reuse: bool = True


def energetics(temperature: float) -> EnergeticsDAOE:
    return EnergeticsDAOE(temperature=temperature)


def _ends(toeholds: list[str]) -> sd.EndArray:
    return sd.EndArray([f"{FLANK}{t.lower()}{FLANK}" for t in toeholds], "TD")


def toehold_energies(toeholds: list[str], temperature: float) -> np.ndarray:
    """Binding free energy (kcal/mol, positive = binding) of each toehold to its complement."""
    if not toeholds:
        return np.zeros(0)
    return np.asarray(energetics(temperature).matching_uniform(_ends(toeholds)), dtype=float)


def _space(length: int, rng: np.random.Generator) -> sd.EndArray:
    if length <= ENUMERATE_UP_TO:
        middles = ("".join(p) for p in itertools.product("acgt", repeat=length))
    else:
        draws = rng.integers(0, 4, size=(SAMPLE_SIZE, length))
        middles = ("".join("acgt"[b] for b in row) for row in draws)
    return sd.EndArray([f"{FLANK}{m}{FLANK}" for m in middles], "TD")


def candidate_pool(spec: ToeholdSpec, seed: int) -> sd.EndArray:
    """All toeholds (with flanks) in the energy window, without self-interaction or forbidden motifs."""
    ef = energetics(spec.temperature)
    space = _space(spec.length, np.random.default_rng(seed))
    pool = sd.spacefilter_standard(spec.target_dG, spec.spread, spec.max_spurious * spec.target_dG)(space, ef)
    if len(pool):
        words = [s[1:-1].upper() for s in pool.tolist()]
        letters = set(spec.alphabet)
        keep = [i for i, w in enumerate(words) if set(w) <= letters and not any(m in w for m in spec.forbidden)]
        pool = pool[keep]
    return pool


def choose(pool: sd.EndArray, count: int, spec: ToeholdSpec, seed: int) -> list[str]:
    """Up to `count` mutually non-interacting toeholds from `pool`, drawn in seeded random order."""
    if count <= 0 or not len(pool):
        return []
    ef = energetics(spec.temperature)
    limit = spec.max_spurious * spec.target_dG
    endfilter = sd.endfilter_standard_advanced(limit, limit)
    rng = np.random.default_rng(seed)
    chosen = None
    budget = MAX_DRAWS_PER_TOEHOLD * count
    for draws, index in enumerate(rng.permutation(len(pool)), 1):
        end = pool[index : index + 1]
        if chosen is None:
            chosen = end
        elif all(
            len(endfilter(end, None, chosen[b : b + CHECK_BLOCK], ef)) == len(chosen[b : b + CHECK_BLOCK])
            for b in range(0, len(chosen), CHECK_BLOCK)
        ):  # block by block, stopping at the first interaction: most late draws fail early, same decisions
            chosen = chosen.append(end)
        if len(chosen) >= count or draws >= budget:
            break
    return [s[1:-1].upper() for s in chosen.tolist()]


def design_toeholds(count: int, spec: ToeholdSpec, seed: int) -> list[str]:
    """`count` toeholds meeting `spec`, or ToeholdError naming the constraint and a relaxed value.

    With `spec.reuse`, fewer non-interacting toeholds than `count` are shared in turn
    (toehold i gets sequence i mod n); without it, that is an error.
    """
    _refuse_impossible_motifs(spec)
    pool = candidate_pool(spec, seed)
    chosen = choose(pool, count, spec, seed)
    if len(chosen) < count:
        if spec.reuse and chosen:
            return [chosen[i % len(chosen)] for i in range(count)]
        raise ToeholdError(_infeasible(count, spec, len(pool), len(chosen), seed))
    return chosen


def _refuse_impossible_motifs(spec: ToeholdSpec) -> None:
    """Forbidden motifs that every sequence of the alphabet, or its complement, contains: say so first.

    A toehold's complement is on another strand of the same system, so both must avoid the motifs
    (forbidding A, C and G leaves TTTTTTT, whose complement AAAAAAA holds an A).
    """
    if spec.length > ENUMERATE_UP_TO:
        return
    for word in itertools.product(spec.alphabet, repeat=spec.length):
        text = "".join(word)
        if not any(m in text or m in revcomp(text) for m in spec.forbidden):
            return
    raise ToeholdError(
        f"seq.domains.forbidden ({', '.join(spec.forbidden)}) excludes every {spec.length}-nt sequence of "
        f"{spec.alphabet} or its complement: no toehold can be designed; shorten the list"
    )


def _infeasible(count: int, spec: ToeholdSpec, pool: int, found: int, seed: int) -> str:
    """One line: which constraint fails and the nearest relaxed value that stickydesign's energetics satisfy."""
    where = (
        f"{count} toeholds of {spec.length} nt with ΔG {spec.target_dG:g} ± {spec.spread:g} kcal/mol at "
        f"{spec.temperature:g} °C and max_spurious {spec.max_spurious:g}"
    )
    if pool < count:
        problem = f"only {pool} sequences bind within seq.toeholds.target_dG ± seq.toeholds.spread"
        for spread in np.arange(spec.spread + 0.25, 5.01, 0.25):
            relaxed = ToeholdSpec(**{**spec.__dict__, "spread": round(float(spread), 2)})
            if len(choose(candidate_pool(relaxed, seed), count, relaxed, seed)) >= count:
                return f"cannot design {where}: {problem}; seq.toeholds.spread: {relaxed.spread:g} works"
        if spec.length <= ENUMERATE_UP_TO:
            every = ["".join(p) for p in itertools.product("ACGT", repeat=spec.length)]
            energies = toehold_energies(every, spec.temperature)
            problem += f" (all {spec.length}-nt toeholds span {energies.min():.1f}-{energies.max():.1f} kcal/mol)"
        return f"cannot design {where}: {problem}; no spread up to 5 kcal/mol gives enough, use longer toeholds"
    problem = f"only {found} avoid spurious interactions above seq.toeholds.max_spurious × target_dG"
    if count > max(2 * found, RELAX_SEARCH_UP_TO):  # relaxing will not find that many, and each try costs minutes
        return (
            f"cannot design {where}: {problem}; set seq.toeholds.reuse: true to share them, "
            "or use longer toeholds (dsd.toehold_length)"
        )
    for max_spurious in np.arange(round(spec.max_spurious + 0.05, 2), 1.001, 0.05):
        relaxed = ToeholdSpec(**{**spec.__dict__, "max_spurious": round(float(max_spurious), 2)})
        if len(choose(candidate_pool(relaxed, seed), count, relaxed, seed)) >= count:
            return f"cannot design {where}: {problem}; seq.toeholds.max_spurious: {relaxed.max_spurious:g} works"
    return (
        f"cannot design {where}: {problem}; no max_spurious up to 1 gives enough, widen seq.toeholds.spread "
        "or use longer toeholds (dsd.toehold_length)"
    )


def score_toeholds(toeholds: list[str], target_dG: float, temperature: float) -> tuple[float, float]:
    """Mean |ΔG - target| and max - min of ΔG over the toeholds (kcal/mol), Piperine's toehold scores."""
    energies = toehold_energies(toeholds, temperature)
    if not len(energies):
        return 0.0, 0.0
    return float(np.mean(np.abs(energies - target_dG))), float(energies.max() - energies.min())
