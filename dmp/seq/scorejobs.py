"""Scoring a candidate as independent jobs: a plan of ViennaRNA tasks, chunks of it, and a collect step.

`score_plan` lists, in a fixed order, every folding the scores need: each free strand alone
(SSU/SSTU), the screened top-strand pairs (TSI) and toehold-strand pairs (TO) chosen by the
streamed screen, a sample of pairs the screen leaves out, every gate complex (BN and the MFE
the helix check reads), and a seeded sample of non-complementary strand pairs for the binding
figures a lab would check. `run_chunk(plan, k, n)` computes the tasks of chunk k (tasks dealt by
estimated cost, largest first, round-robin), and `collect(plan, chunks)` puts the values back
in plan order and computes the scores. The unchunked run is `collect(plan, [run_chunk(plan, 0,
1)])`; values cross the JSON chunk files unchanged (Python writes floats with enough digits
to read back the same number), so any split gives byte-identical candidate files.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dmp.dsd.model import DSDSystem, base_domain, complement
from dmp.seq.binding import SETS, BindingSpec, sample_pairs, strand_sets, summarise
from dmp.seq.model import Design, exposed_toeholds, long_domains, strand_infos, toehold_domains
from dmp.seq.scores import (
    SCORES,
    SCREEN_SAMPLE,
    SPURIOUS_SCORES,
    WINDOW_LIMIT,
    branch_migration_matches,
    count_motifs,
    window,
)
from dmp.seq.screen import KmerIndex, choose_pairs, kmer_codes, partner_counts, revcomp_codes
from dmp.seq.settings import ScoringSettings, SeqSettings
from dmp.seq.thermo import Thermo

CHUNK_FORMAT = "dmp-seq-score-chunk/1"


@dataclass
class ScorePlan:
    """Every folding task of one candidate, in order, and what collect needs besides their values."""

    tasks: list[list[Any]] = field(default_factory=list)  # [kind, cost, *arguments]
    context: dict[str, Any] = field(default_factory=dict)

    def digest(self) -> str:
        text = json.dumps([self.tasks, self.context], sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


def _cost(*lengths: int) -> float:
    return float(sum(lengths)) ** 3


def _pair_starts(a: str, b: str, k: int) -> tuple[list[int], list[int]]:
    """Start positions in a and in b of the k-mers of a that are complementary to k-mers of b."""
    ca, cb = kmer_codes(a, k), revcomp_codes(kmer_codes(b, k), k)
    return np.flatnonzero(np.isin(ca, cb)).tolist(), np.flatnonzero(np.isin(cb, ca)).tolist()


def _shares_kmer(a: str, b: str, k: int) -> bool:
    return bool(np.isin(kmer_codes(a, k), revcomp_codes(kmer_codes(b, k), k)).any())


def _counting(stream, counter: dict[str, int]):
    """Pass a partner stream through, counting the pairs of a strand with itself."""
    for i, partners, counts in stream:
        counter["homo"] += int(np.any(partners == i))
        yield i, partners, counts


def _tsi_tasks(top: list[str], k: int, budget: int, seed: int, plan: ScorePlan) -> None:
    index = KmerIndex.build(top, k)
    counter = {"homo": 0}
    chosen, info = choose_pairs(_counting(partner_counts(top, index, upper=True), counter), budget, seed + 1)
    for i, j, weight in chosen:
        pi, pj = _pair_starts(top[i], top[j], k)
        if i == j:
            a = b = window(top[i], pi + pj, k)
        else:
            a, b = window(top[i], pi, k), window(top[j], pj, k)
        plan.tasks.append(["tsi", _cost(len(a), len(b)), a, b, i, j, weight])
    n = len(top)
    outside = n * (n - 1) // 2 - (info["pairs_screened"] - counter["homo"])
    plan.context["tsi"] = {"screen": info, "pairs_total": n * (n + 1) // 2, "outside": outside}
    # a seeded sample of hetero pairs the screen leaves out (reported, not scored)
    rng, sample, tries = random.Random(seed), set(), 0
    while len(sample) < min(SCREEN_SAMPLE, outside) and tries < 50 * SCREEN_SAMPLE:
        tries += 1
        i, j = sorted(rng.sample(range(n), 2))
        if (i, j) not in sample and not _shares_kmer(top[i], top[j], k):
            sample.add((i, j))
    for i, j in sorted(sample):
        a, b = top[i][:WINDOW_LIMIT], top[j][:WINDOW_LIMIT]
        plan.tasks.append(["out", _cost(len(a), len(b)), a, b])


def _to_tasks(
    system: DSDSystem,
    design: Design,
    top_infos: list,
    top: list[str],
    scoring: ScoringSettings,
    seed: int,
    plan: ScorePlan,
) -> None:
    exposed = exposed_toeholds(system)
    # domain -> the top strands holding it, built in one pass (not one scan of all top strands per toehold)
    holding: dict[str, set[int]] = defaultdict(set)
    for s, info in enumerate(top_infos):
        for d in info.domains:
            holding[d].add(s)
    partners = [holding.get(complement(d), set()) for d in exposed]
    sequences = [design.domain(d) for d in exposed]
    k = scoring.occlusion_screen_nt
    index = KmerIndex.build(top, k)
    chosen, info = choose_pairs(partner_counts(sequences, index, skip=partners), int(scoring.max_pairs), seed)
    for t, s, weight in chosen:
        _, positions = _pair_starts(sequences[t], top[s], k)
        part = window(top[s], positions, k)
        plan.tasks.append(["to", _cost(len(sequences[t]), len(part)), sequences[t], part, t, weight])
    plan.context["to"] = {"screen": info, "exposed": exposed, "pairs_total": sum(len(top) - len(p) for p in partners)}


def score_plan(system: DSDSystem, design: Design, settings: SeqSettings, seed: int = 0) -> ScorePlan:
    """Every ViennaRNA task of the scores of one design, in a fixed order (seeded samples)."""
    scoring = settings.scoring
    plan = ScorePlan()
    infos = strand_infos(system)
    toeholds = set(toehold_domains(system))
    top_infos = [info for info in infos if info.top]
    top = [design.strand(info.domains) for info in top_infos]
    for info, sequence in zip(top_infos, top, strict=True):
        mask = "".join(
            "1" if base_domain(d) in toeholds else "0"
            for d in info.domains
            for _ in range(system.domains[base_domain(d)])
        )
        plan.tasks.append(["strand", _cost(len(sequence)), sequence, mask])
    _tsi_tasks(top, scoring.dimer_screen_nt, int(scoring.max_pairs), seed, plan)
    _to_tasks(system, design, top_infos, top, scoring, seed + 3, plan)
    gates = [c for c in system.complexes.values() if len(c.strands) > 1]
    for c in gates:
        strands, target = design.complex_strands(c), design.complex_structure(c, system.domains)
        plan.tasks.append(["bn", _cost(sum(map(len, strands))), strands, target.replace("&", ""), c.concentration])
    spec = BindingSpec(int(scoring.binding_pairs), float(scoring.binding_kd_nM), seed + 5)
    pairs = sample_pairs([info.domains for info in infos], spec.pairs, spec.seed)
    sets = strand_sets([design.strand(info.domains) for info in infos], spec.seed)  # designed, shuffled, random
    for name, strands_ in sets.items():
        for i, j in pairs:
            plan.tasks.append(["bind", _cost(len(strands_[i]), len(strands_[j])), strands_[i], strands_[j], name])
    plan.context.update(
        {
            "top": [info.name for info in top_infos],
            "gates": [c.name for c in gates],
            "binding": {
                "pairs": [list(p) for p in pairs],
                "names": [info.name for info in infos],
                "kd_nM": spec.kd_nM,
                "seed": spec.seed,
            },
            "concentration_M": scoring.reference_nM * 1e-9,
        }
    )
    return plan


# ---------------------------------------------------------------------------- chunks


def chunk_tasks(plan: ScorePlan, chunk: int, chunks: int) -> list[int]:
    """Task indices of chunk `chunk` of `chunks`: dealt round-robin by estimated cost, largest first."""
    order = sorted(range(len(plan.tasks)), key=lambda t: (-plan.tasks[t][1], t))
    return sorted(order[chunk::chunks])


def _run_task(task: list[Any], thermo: Thermo, concentration: float, cache: dict[str, float]) -> Any:
    kind, _, *args = task

    def energy(sequence: str) -> float:
        if sequence not in cache:
            cache[sequence] = thermo.ensemble_energy(sequence)
        return cache[sequence]

    if kind == "strand":
        sequence, mask = args
        probabilities, _ = thermo.unpaired_probabilities(sequence)
        toe = [p for p, m in zip(probabilities, mask, strict=True) if m == "1"]
        return [
            min(probabilities),
            float(np.mean(probabilities)),
            min(toe) if toe else None,
            float(np.mean(toe)) if toe else None,
        ]
    if kind in ("tsi", "out", "to"):
        a, b = args[0], args[1]
        dG = thermo.binding_energy(a, b, energy(a), energy(b))
        homo = kind == "tsi" and args[2] == args[3]
        return 100.0 * thermo.dimer_fraction(dG, concentration, homo=homo)
    if kind == "bn":
        strands, target, _ = args
        structure, defect = thermo.complex_analysis(strands, target)
        return [structure, 100.0 * defect]
    if kind == "bind":
        return round(thermo.mfe_binding(args[0], args[1]), 2)
    raise ValueError(f"unknown task kind {kind}")


def run_chunk(plan: ScorePlan, chunk: int, chunks: int, thermo: Thermo) -> dict[str, Any]:
    """Compute the tasks of one chunk; the result is what a chunk job writes (JSON)."""
    concentration = plan.context["concentration_M"]
    cache: dict[str, float] = {}
    indices = chunk_tasks(plan, chunk, chunks)
    return {
        "format": CHUNK_FORMAT,
        "chunk": chunk,
        "chunks": chunks,
        "plan_sha256": plan.digest(),
        "values": [[t, _run_task(plan.tasks[t], thermo, concentration, cache)] for t in indices],
    }


def _values(plan: ScorePlan, chunks: list[dict[str, Any]]) -> list[Any]:
    from dmp.errors import DmpError

    digest = plan.digest()
    values: list[Any] = [None] * len(plan.tasks)
    seen = [False] * len(plan.tasks)
    for result in chunks:
        if result.get("format") != CHUNK_FORMAT or result.get("plan_sha256") != digest:
            raise DmpError(
                f"score chunk {result.get('chunk')} of {result.get('chunks')} belongs to another design or plan; "
                "rerun the score chunks of this candidate"
            )
        for t, value in result["values"]:
            values[t], seen[t] = value, True
    missing = seen.count(False)
    if missing:
        raise DmpError(f"{missing} of {len(plan.tasks)} scoring tasks are in no chunk; run every score chunk first")
    return values


def collect(
    plan: ScorePlan,
    chunks: list[dict[str, Any]],
    system: DSDSystem,
    design: Design,
    settings: SeqSettings,
    thermo: Thermo,
) -> dict[str, Any]:
    """The candidate's scores, details and gate MFEs from the chunk results (any split gives the same)."""
    values = _values(plan, chunks)
    by_kind: dict[str, list[tuple[list[Any], Any]]] = {}
    for task, value in zip(plan.tasks, values, strict=True):
        by_kind.setdefault(task[0], []).append((task, value))
    ctx = plan.context
    top_names = ctx["top"]
    scores: dict[str, float | None] = {}
    details: dict[str, Any] = {"top_strands": len(top_names)}

    strands = [v for _, v in by_kind.get("strand", [])]
    toe_min = [v[2] for v in strands if v[2] is not None]
    toe_mean = [v[3] for v in strands if v[3] is not None]
    scores["ssu_min"] = min((v[0] for v in strands), default=1.0)
    scores["ssu_avg"] = float(np.mean([v[1] for v in strands])) if strands else 1.0
    scores["sstu_min"] = min(toe_min, default=1.0)
    scores["sstu_avg"] = float(np.mean(toe_mean)) if toe_mean else 1.0

    details["tsi"], per_strand = _tsi_details(by_kind.get("tsi", []), by_kind.get("out", []), ctx, top_names)
    scores["tsi_avg"] = float(np.mean(per_strand)) if per_strand else 0.0
    scores["tsi_max"] = max(per_strand, default=0.0)

    to_ctx = ctx["to"]
    occlusion = [0.0] * len(to_ctx["exposed"])
    for task, percent in by_kind.get("to", []):
        occlusion[task[4]] += task[5] * percent
    scores["to_avg"] = float(np.mean(occlusion)) if occlusion else 0.0
    scores["to_max"] = max(occlusion, default=0.0)
    details["to"] = {"pairs_folded": len(by_kind.get("to", [])), "pairs_total": to_ctx["pairs_total"]}
    if "folded_exactly" in to_ctx["screen"]:
        details["to"]["estimated"] = {k: v for k, v in to_ctx["screen"].items() if k != "pairs_screened"} | {
            "pairs_screened": to_ctx["screen"]["pairs_screened"]
        }
    details["to"]["exposed_toeholds"] = len(to_ctx["exposed"])
    if occlusion:
        details["to"]["worst_toehold"] = to_ctx["exposed"][int(np.argmax(occlusion))]

    bn = by_kind.get("bn", [])
    defects = [v[1] for _, v in bn]
    weights = [task[4] * len(task[3]) for task, _ in bn]
    if defects:
        w = np.asarray(weights) if sum(weights) > 0 else np.asarray([len(task[3]) for task, _ in bn])
        scores["bn_max"], scores["bn_avg"] = max(defects), float(np.dot(defects, w) / w.sum())
        details["bn"] = {"worst_complex": ctx["gates"][int(np.argmax(defects))], "complexes": len(defects)}
    else:
        scores["bn_max"] = scores["bn_avg"] = 0.0
    mfe = {name: v[0] for name, (_, v) in zip(ctx["gates"], bn, strict=True)}

    scores.update(branch_migration_matches([design.domains[d] for d in long_domains(system)]))
    infos = strand_infos(system)
    scores["motifs"] = float(count_motifs([design.strand(i.domains) for i in infos], settings.domains.forbidden))
    scores.update(_spurious(system, design, settings, details))
    from dmp.seq.toeholds import score_toeholds

    scores["dg_error"], scores["dg_range"] = score_toeholds(
        [design.domains[d] for d in toehold_domains(system)], settings.toeholds.target_dG, thermo.temperature
    )
    details["binding"] = _binding_details(by_kind.get("bind", []), ctx["binding"], thermo)
    ordered = {name: None if scores[name] is None else float(scores[name]) for name in SCORES}  # type: ignore[arg-type]
    return {"scores": ordered, "details": details, "mfe": mfe}


def _tsi_details(tsi: list, out: list, ctx: dict[str, Any], names: list[str]) -> tuple[dict[str, Any], list[float]]:
    n = len(names)
    per_strand = [0.0] * n
    worst = (0.0, "")
    for task, percent in tsi:
        i, j, weight = task[4], task[5], task[6]
        per_strand[i] += weight * percent
        if j != i:
            per_strand[j] += weight * percent
        if percent > worst[0]:
            worst = (percent, f"{names[i]} + {names[j]}")
    info: dict[str, Any] = {
        "pairs_folded": len(tsi),
        "pairs_total": ctx["tsi"]["pairs_total"],
        "worst_pair_percent": worst[0],
        "worst_pair": worst[1],
    }
    screen = ctx["tsi"]["screen"]
    if "folded_exactly" in screen:
        info["estimated"] = screen
    if worst[1]:
        info["worst_strand"] = names[int(np.argmax(per_strand))]
    percents = [v for _, v in out]
    if percents:
        mean = sum(percents) / len(percents)
        outside = ctx["tsi"]["outside"]
        info["screened_out"] = {
            "pairs": outside,
            "sample": len(percents),
            "mean_percent": mean,
            "max_percent": max(percents),
            "estimated_percent_per_strand": mean * 2 * outside / n,
        }
    return info, per_strand


def _spurious(system: DSDSystem, design: Design, settings: SeqSettings, details: dict[str, Any]) -> dict[str, Any]:
    from dmp.seq.spurious import spurious_scores

    scoring = settings.scoring
    nucleotides = sum(len(design.strand(s)) for c in system.complexes.values() for s in c.strands)
    if nucleotides <= int(scoring.spurious_max_nt):
        return spurious_scores(system, design)
    details["spurious"] = (
        f"not run: {nucleotides} nt in complexes exceed seq.scoring.spurious_max_nt ({scoring.spurious_max_nt})"
    )
    return {name: None for name in SPURIOUS_SCORES}


def _binding_details(tasks: list, ctx: dict[str, Any], thermo: Thermo) -> dict[str, Any]:
    """Mean ΔG_bind, % of pairs below the K_d threshold and the worst pair: designed, shuffled, random strands."""
    pairs = [tuple(p) for p in ctx["pairs"]]
    threshold = thermo.kd_energy(ctx["kd_nM"] * 1e-9)
    out: dict[str, Any] = {
        "pairs": len(pairs),
        "kd_nM": ctx["kd_nM"],
        "threshold_dG": round(threshold, 3),
        "seed": ctx["seed"],
    }
    for name in SETS:
        energies = [value for task, value in tasks if task[4] == name]
        summary = summarise(energies, pairs, threshold)  # type: ignore[arg-type]
        if summary["worst_pair"] is not None:
            i, j = summary["worst_pair"]
            summary["worst_pair"] = f"{ctx['names'][i]} + {ctx['names'][j]}"
        out[name] = summary
    if pairs:
        # positive: the designed strands bind more weakly (higher mean ΔG_bind) than the baseline
        out["margin_vs_shuffled"] = round(out["designed"]["mean_dG"] - out["shuffled"]["mean_dG"], 3)
        out["margin_vs_random"] = round(out["designed"]["mean_dG"] - out["random"]["mean_dG"], 3)
    return out


def score_design(
    system: DSDSystem, design: Design, settings: SeqSettings, thermo: Thermo, seed: int = 0
) -> dict[str, Any]:
    """All scores of one design in this process: the plan run as a single chunk, then collected."""
    plan = score_plan(system, design, settings, seed)
    return collect(plan, [run_chunk(plan, 0, 1, thermo)], system, design, settings, thermo)
