"""Spurious binding as a lab checks it: designed strands against shuffled and random ones.

For a seeded sample of strand pairs that share no complementary domain (no `x` in one strand
and `x*` in the other, so the design never means them to bind), the binding free energy
ΔG_bind = MFE(A·B) - MFE(A) - MFE(B) is computed with ViennaRNA (DNA parameters, the design's
temperature and salt) for three strand sets on the same pairs:

- designed: the strands as they will be ordered;
- shuffled: each strand's bases shuffled (same length and composition, seeded);
- random: uniformly random A/C/G/T strands of the same lengths (seeded).

Per set: mean ΔG_bind, the % of pairs with K_d below `kd_nM` (ΔG_bind < RT ln K_d, -9.5
kcal/mol for 100 nM at 25 °C) and the worst pair. A design that does its job binds more weakly
than its own shuffled strands: shuffling keeps everything but the order of the bases.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dmp.dsd.model import base_domain
from dmp.seq.thermo import Thermo

SETS = ("designed", "shuffled", "random")


@dataclass(frozen=True)
class BindingSpec:
    """How many pairs to sample, the K_d threshold of a "binding" pair, and the seed of sample and baselines."""

    pairs: int = 400
    kd_nM: float = 100.0
    seed: int = 0


def share_complement(a: Sequence[str], b: Sequence[str]) -> bool:
    """Whether strand a holds a domain whose complement strand b holds (either way round)."""
    sa = {(base_domain(d), d.endswith("*")) for d in a}
    return any((base_domain(d), not d.endswith("*")) in sa for d in b)


def sample_pairs(strands: Sequence[Sequence[str]], count: int, seed: int) -> list[tuple[int, int]]:
    """A seeded sample of `count` distinct pairs i < j of strands (given as domains) sharing no complementary domain.

    All such pairs if there are at most `count`. Drawn by rejection (uniform over the allowed
    pairs) without listing the n^2/2 pairs of a large system.
    """
    n = len(strands)
    total = n * (n - 1) // 2
    rng = random.Random(seed)
    if total <= 4 * count:
        allowed = [(i, j) for i in range(n) for j in range(i + 1, n) if not share_complement(strands[i], strands[j])]
        return sorted(allowed if len(allowed) <= count else rng.sample(allowed, count))
    chosen: set[tuple[int, int]] = set()
    tries = 0
    while len(chosen) < count and tries < 100 * count:
        tries += 1
        i, j = sorted(rng.sample(range(n), 2))
        if (i, j) not in chosen and not share_complement(strands[i], strands[j]):
            chosen.add((i, j))
    return sorted(chosen)


def shuffled(sequences: Sequence[str], seed: int) -> list[str]:
    """Each sequence with its bases in a seeded random order."""
    rng = random.Random(seed)
    out = []
    for sequence in sequences:
        letters = list(sequence)
        rng.shuffle(letters)
        out.append("".join(letters))
    return out


def uniform_random(lengths: Sequence[int], seed: int) -> list[str]:
    """Uniformly random A/C/G/T sequences of the given lengths (seeded)."""
    rng = random.Random(seed)
    return ["".join(rng.choice("ACGT") for _ in range(n)) for n in lengths]


def pair_energies(
    thermo: Thermo, sequences: Sequence[str], pairs: Sequence[tuple[int, int]], monomer: dict[int, float] | None = None
) -> list[float]:
    """ΔG_bind (kcal/mol, MFE) of each pair, monomer MFEs computed once per strand (kept in `monomer`)."""
    monomer = {} if monomer is None else monomer
    out = []
    for i, j in pairs:
        for k in (i, j):
            if k not in monomer:
                monomer[k] = thermo.mfe_energy(sequences[k])
        out.append(round(thermo.mfe_binding(sequences[i], sequences[j], monomer[i], monomer[j]), 2))
    return out


def summarise(energies: Sequence[float], pairs: Sequence[tuple[int, int]], threshold: float) -> dict[str, Any]:
    """Mean ΔG_bind, % of pairs below `threshold`, and the worst pair (its indices and ΔG)."""
    if not energies:
        return {"pairs": 0, "mean_dG": 0.0, "percent_below": 0.0, "worst_dG": 0.0, "worst_pair": None}
    worst = min(range(len(energies)), key=lambda k: (energies[k], k))
    return {
        "pairs": len(energies),
        "mean_dG": round(sum(energies) / len(energies), 3),
        "percent_below": round(100.0 * sum(e < threshold for e in energies) / len(energies), 3),
        "worst_dG": energies[worst],
        "worst_pair": list(pairs[worst]),
    }


def strand_sets(sequences: Sequence[str], seed: int) -> dict[str, list[str]]:
    """The designed strands and their two baselines (shuffled, uniformly random), seeded."""
    return {
        "designed": list(sequences),
        "shuffled": shuffled(sequences, seed + 1),
        "random": uniform_random([len(s) for s in sequences], seed + 2),
    }


def binding_comparison(
    names: Sequence[str],
    domains: Sequence[Sequence[str]],
    sequences: Sequence[str],
    thermo: Thermo,
    spec: BindingSpec,
    sets: Sequence[str] = SETS,
) -> dict[str, Any]:
    """Designed vs shuffled vs random on one seeded sample of non-complementary pairs (see the module doc)."""
    pairs = sample_pairs(domains, spec.pairs, spec.seed)
    threshold = thermo.kd_energy(spec.kd_nM * 1e-9)
    candidates = strand_sets(sequences, spec.seed)
    out: dict[str, Any] = {
        "pairs": len(pairs),
        "kd_nM": spec.kd_nM,
        "threshold_dG": round(threshold, 3),
        "seed": spec.seed,
    }
    for name in sets:
        monomer: dict[int, float] = {}
        energies = pair_energies(thermo, candidates[name], pairs, monomer)
        summary = summarise(energies, pairs, threshold)
        # strands that fold on themselves look inert in ΔG_bind: their own MFE shows whether that is why
        summary["monomer_mfe_mean"] = round(sum(monomer.values()) / len(monomer), 3) if monomer else 0.0
        if summary["worst_pair"] is not None:
            i, j = summary["worst_pair"]
            summary["worst_pair"] = f"{names[i]} + {names[j]}"
        out[name] = summary
    return out


def report_lines(binding: dict[str, Any]) -> list[str]:
    """A markdown section: designed vs shuffled vs random on the same sampled pairs."""
    kd = f"{binding['kd_nM']:g} nM"
    lines = [
        "## Spurious binding: designed against shuffled and random strands",
        "",
        f"ViennaRNA ΔG_bind = MFE(A·B) - MFE(A) - MFE(B) of {binding['pairs']} strand pairs that share no "
        f"complementary domain (a seeded sample, seed {binding['seed']}); the same pairs with each strand's bases "
        "shuffled, and with uniformly random strands of the same lengths. Lower ΔG binds more strongly; "
        f"K_d < {kd} means ΔG_bind < {binding['threshold_dG']:g} kcal/mol.",
        "",
        f"| strands | mean ΔG_bind (kcal/mol) | pairs with K_d < {kd} | strongest pair |",
        "|---|---|---|---|",
    ]
    for name in SETS:
        if name in binding:
            s = binding[name]
            lines.append(
                f"| {name} | {s['mean_dG']:.2f} | {s['percent_below']:.2f} % | {s['worst_dG']:.2f} kcal/mol "
                f"({s['worst_pair']}) |"
            )
    if "margin_vs_shuffled" in binding:
        verdict = "weaker" if binding["margin_vs_shuffled"] > 0 else "stronger"
        lines += [
            "",
            f"The designed strands bind {abs(binding['margin_vs_shuffled']):.2f} kcal/mol {verdict} on average than "
            f"their shuffled versions ({binding['margin_vs_random']:+.2f} against random strands).",
        ]
    return [*lines, ""]
