"""The sequence stage as steps on folders: design one candidate per job, then select and write.

    design  DSD_DIR (system.json) -> SEQ_DIR/candidates/<k>.json: domain sequences, every score,
            the consistency checks, the seed (one independent job per candidate)
    select  SEQ_DIR/candidates/0..n-1 -> strands.tsv, domains.tsv, strands.fasta, scores.tsv,
            report.md, order_bulk.csv, order_plate.xlsx, summary.json

Every candidate's seed derives from the config seed, the scheme and the candidate index, so the
same config gives the same files. Nothing is written by `select` until the winner has passed the
consistency checks again on the strands exactly as they will be written.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

from dmp.config import STAGE_DEFAULTS
from dmp.dsd.model import DSDSystem, system_to_json
from dmp.dsd.pipeline import load_compiled
from dmp.errors import DmpError
from dmp.fileio import provenance, read_tsv, write_json, write_text, write_tsv
from dmp.seq.binding import report_lines as binding_lines
from dmp.seq.check import check_design
from dmp.seq.domains import DomainSpec
from dmp.seq.model import Design, StrandInfo, strand_infos, toehold_domains
from dmp.seq.negative import RefineSpec, design_negative
from dmp.seq.order import order_lines, plates, write_order_bulk, write_order_plate
from dmp.seq.pairindex import PairSpec
from dmp.seq.rank import Ranking, rank_candidates
from dmp.seq.scores import SCORES, score_candidate
from dmp.seq.thermo import Thermo, vienna_version
from dmp.seq.toeholds import ToeholdSpec, design_toeholds

CANDIDATE_FORMAT = "dmp-seq-candidate/1"
CANDIDATES = "candidates"


def seq_settings(settings: dict[str, Any] | None) -> dict[str, Any]:
    """The seq stage settings with defaults filled in (nested sections merged key by key)."""
    out = json.loads(json.dumps(STAGE_DEFAULTS["seq"]))
    for key, value in (settings or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


def candidate_seed(base_seed: int, scheme: str, candidate: int) -> int:
    """A 32-bit seed from the config seed, the scheme and the candidate index."""
    digest = hashlib.sha256(f"dmp-seq:{base_seed}:{scheme}:{candidate}".encode()).hexdigest()
    return int(digest[:8], 16)


def system_hash(system: DSDSystem) -> str:
    """SHA-256 of the domain-level system itself (not of the file, which also holds timings)."""
    text = json.dumps(system_to_json(system), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


# ---------------------------------------------------------------------------- input


def load_system(source: str | Path) -> DSDSystem:
    """The domain-level system to design sequences for: a verified DSD folder, or a PIL file.

    A folder written by `dmp compile` must have passed `dmp verify` (verification.json says
    verified): sequences for gates that do not implement the CRN would go to the lab unnoticed.
    A PIL file (peppercorn's/Nuskell's format, e.g. a hand-made system) is the user's own
    domain-level design; dmp reads and checks its syntax, but has no formal CRN to verify it against.
    """
    path = Path(source)
    if path.is_file() and path.suffix.lower() == ".pil":
        from dmp.dsd.pil import read_pil

        return read_pil(path)
    _, system = load_compiled(path)
    report_path = path / "verification.json"
    try:
        report = json.loads(report_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DmpError(
            f"{report_path}: not found; run `dmp verify {path}` first (sequences are designed only for verified systems)"
        ) from None
    except json.JSONDecodeError as exc:
        raise DmpError(f"{report_path}:{exc.lineno}: invalid JSON: {exc.msg}") from None
    if report.get("verified") is not True:
        limits = report.get("limits_reached") or []
        failed = report.get("summary", {}).get("failed_modules") or []
        why = (
            limits[0]["error"]
            if limits
            else f"failed modules: {', '.join(failed)}"
            if failed
            else f"crosstalk verified: {report.get('crosstalk', {}).get('verified')}, "
            f"whole verified: {report.get('whole', {}).get('verified')}"
        )
        raise DmpError(f"{path}: not verified ({why}); no sequences are designed for an unverified system")
    return system


# ---------------------------------------------------------------------------- design


def design_candidate(
    dsd_dir: str | Path,
    candidate: int,
    out_dir: str | Path,
    settings: dict[str, Any] | None = None,
    base_seed: int = 2020,
    stamp: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Design and score candidate `candidate`; writes out_dir/candidates/<candidate>.json."""
    options = seq_settings(settings)
    if candidate < 0:
        raise DmpError(f"--candidate must be 0 or more, got {candidate}")
    system = load_system(dsd_dir)
    seed = candidate_seed(base_seed, system.scheme, candidate)
    started = time.perf_counter()
    design, toehold_use, timings = design_sequences(system, options, seed)
    thermo = Thermo(options["temperature"], options["salt"])
    mark = time.perf_counter()
    scored = score_candidate(system, design, options, thermo, seed + 2)
    timings["scores"] = time.perf_counter() - mark
    record = candidate_record(system, dsd_dir, candidate, seed, options, design, toehold_use, scored, thermo)
    record["provenance"] = stamp or provenance(seed=base_seed)
    write_json(Path(out_dir) / CANDIDATES / f"{candidate}.json", record)
    timings["total"] = time.perf_counter() - started
    passed = record["passed"]
    return {"candidate": candidate, "seed": seed, "passed": passed, "scores": scored["scores"], "seconds": timings}


def design_sequences(
    system: DSDSystem, options: dict[str, Any], seed: int
) -> tuple[Design, dict[str, int], dict[str, float]]:
    """Toeholds, then long domains with negative design: the design part of a candidate (no scoring)."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    toeholds = toehold_domains(system)
    th = options["toeholds"]
    fixed: dict[str, str] = {}
    for length in sorted({system.domains[d] for d in toeholds}):  # one toehold set per length (normally one)
        names = [d for d in toeholds if system.domains[d] == length]
        spec = ToeholdSpec(
            length,
            th["target_dG"],
            th["spread"],
            th["max_spurious"],
            options["temperature"],
            tuple(options["domains"]["forbidden"]),
            alphabet=options["domains"]["alphabet"],  # the three-letter code covers the toeholds too
            reuse=bool(th["reuse"]),
        )
        fixed.update(zip(names, design_toeholds(len(names), spec, seed + length), strict=True))
    timings["toeholds"] = time.perf_counter() - started
    uses = Counter(fixed.values())
    toehold_use = {"domains": len(fixed), "distinct": len(uses), "max_uses": max(uses.values(), default=0)}

    dom, neg = options["domains"], options["negative"]
    thermo = Thermo(options["temperature"], options["salt"])
    spec_d = DomainSpec(
        dom["gc_min"],
        dom["gc_max"],
        tuple(dom["forbidden"]),
        dom["spurious_k"][0],
        dom["spurious_k"][1],
        dom["effort"],
        dom["alphabet"],
        tuple(dom["symmetry_k"]),
        dom["symmetry_weight"],
        tuple(map(tuple, thermo.stack_energies())),
        thermo.rt,
        tuple(dom["mismatch_k"]),
        dom["start"],
    )
    pairs = PairSpec(neg["seed_nt"], neg["flank"], options["scoring"]["binding_kd_nM"])
    refine = RefineSpec(neg["effort"], pairs, neg["targets"], neg["refresh"], neg["weight"])
    mark = time.perf_counter()
    design = design_negative(system, fixed, spec_d, refine, thermo, seed + 1)
    timings["domains"] = time.perf_counter() - mark
    return design, toehold_use, timings


def candidate_record(
    system: DSDSystem,
    dsd_dir: str | Path,
    candidate: int,
    seed: int,
    options: dict[str, Any],
    design: Design,
    toehold_use: dict[str, int],
    scored: dict[str, Any],
    thermo: Thermo,
) -> dict[str, Any]:
    """The candidate file's content (without provenance): design, scores, and the consistency checks."""
    checks = check_design(system, design, thermo, options["check"]["min_helix_fraction"], mfe=scored["mfe"])
    return {
        "format": CANDIDATE_FORMAT,
        "candidate": candidate,
        "seed": seed,
        "scheme": system.scheme,
        "system_sha256": system_hash(system),
        "dsd_dir": str(dsd_dir),
        "settings": options,
        "domains": design.domains,
        "scores": scored["scores"],
        "details": scored["details"],
        "domain_search": design.info.get("domain_search", {}),
        "toehold_use": toehold_use,
        "checks": checks,
        "passed": not any(checks.values()),
    }


# ---------------------------------------------------------------------------- select


def load_candidates(seq_dir: str | Path, count: int) -> list[dict[str, Any]]:
    records = []
    for k in range(count):
        path = Path(seq_dir) / CANDIDATES / f"{k}.json"
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DmpError(
                f"{path}: not found; run `dmp design DSD_DIR --candidate {k} --out {seq_dir}` first"
            ) from None
        except json.JSONDecodeError as exc:
            raise DmpError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from None
        if record.get("format") != CANDIDATE_FORMAT or record.get("candidate") != k:
            raise DmpError(f"{path}: not a dmp sequence candidate {k} ({CANDIDATE_FORMAT})")
        records.append(record)
    if not records:
        raise DmpError("--candidates must be at least 1")
    for record in records[1:]:
        if record["system_sha256"] != records[0]["system_sha256"]:
            raise DmpError(
                f"{seq_dir}: candidates {records[0]['candidate']} and {record['candidate']} were designed for "
                "different systems; rerun `dmp design` for every candidate"
            )
    return records


def select(
    seq_dir: str | Path,
    count: int,
    dsd_dir: str | Path | None = None,
    settings: dict[str, Any] | None = None,
    stamp: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Rank the candidates, check the winner again, write the stage's outputs into seq_dir."""
    seq_dir = Path(seq_dir)
    records = load_candidates(seq_dir, count)
    dsd_dir = Path(dsd_dir if dsd_dir is not None else records[0]["dsd_dir"])
    system = load_system(dsd_dir)
    if system_hash(system) != records[0]["system_sha256"]:
        raise DmpError(
            f"{dsd_dir}: the system changed since the candidates in {seq_dir / CANDIDATES} were designed; "
            "rerun `dmp design` for every candidate"
        )
    options = seq_settings(settings if settings is not None else records[0]["settings"])
    table = {r["candidate"]: r["scores"] for r in records}
    eligible = {r["candidate"]: bool(r["passed"]) for r in records}
    ranking = rank_candidates(table, {name: info.better for name, info in SCORES.items()}, eligible)
    winner = ranking.winner
    if winner is None:
        first = records[0]
        failure = next(x for failures in first["checks"].values() for x in failures)
        raise DmpError(
            f"{seq_dir}: no candidate passes the consistency checks (candidate 0: {failure}); nothing written"
        )
    record = records[winner]
    design = Design(dict(record["domains"]), seed=record["seed"])
    infos = strand_infos(system)
    strands = {info.domains: design.strand(info.domains) for info in infos}
    _check_strand_names(dsd_dir, infos)
    thermo = Thermo(options["temperature"], options["salt"])
    checks = check_design(system, design, thermo, options["check"]["min_helix_fraction"], strand_sequences=strands)
    failures = [x for group in checks.values() for x in group]
    if failures:
        raise DmpError(
            f"{seq_dir}: candidate {winner} fails the consistency check before writing: {failures[0]}"
            + (f" ({len(failures) - 1} more)" if len(failures) > 1 else "")
            + "; nothing written"
        )
    lines = order_lines([(i.name, strands[i.domains], i.role) for i in infos], options["order"])
    layout = plates(lines)
    stamp = stamp or records[0].get("provenance") or provenance()

    write_tsv(
        seq_dir / "strands.tsv",
        ["name", "sequence", "length_nt", "domains", "complexes", "role"],
        (
            [i.name, strands[i.domains], len(strands[i.domains]), " ".join(i.domains), ",".join(i.complexes), i.role]
            for i in infos
        ),
    )
    toeholds = set(toehold_domains(system))
    write_tsv(
        seq_dir / "domains.tsv",
        ["domain", "sequence", "length_nt", "kind", "gc_fraction"],
        (
            [d, s, len(s), "toehold" if d in toeholds else "long", round((s.count("G") + s.count("C")) / len(s), 4)]
            for d, s in design.domains.items()
        ),
    )
    write_text(
        seq_dir / "strands.fasta",
        "".join(f">{i.name} {i.role} {len(strands[i.domains])} nt\n{strands[i.domains]}\n" for i in infos),
    )
    names = list(SCORES)
    write_tsv(
        seq_dir / "scores.tsv",
        ["candidate", "seed", "checks_passed", "rank_sum", "winner", *names],
        (
            [r["candidate"], r["seed"], r["passed"], ranking.totals[r["candidate"]], r["candidate"] == winner]
            + ["" if r["scores"][n] is None else r["scores"][n] for n in names]
            for r in records
        ),
    )
    write_order_bulk(seq_dir / "order_bulk.csv", lines)
    write_order_plate(seq_dir / "order_plate.xlsx", layout)
    nucleotides = sum(len(s) for s in strands.values())
    summary = {
        "scheme": system.scheme,
        "candidates": len(records),
        "winner": winner,
        "winner_seed": record["seed"],
        "rank_method": "sum of per-score ranks (average ranks for ties), then best worst rank, then lowest index",
        "strands": len(infos),
        "nucleotides": nucleotides,
        "domains": len(system.domains),
        "toeholds": len(toeholds),
        "distinct_toeholds": len({design.domains[d] for d in toeholds}),
        "strands_by_role": {role: sum(i.role == role for i in infos) for role in ("signal", "gate", "fuel", "helper")},
        "plates": len(layout),
        "purification": {
            p: sum(line.purification == p for line in lines) for p in sorted({x.purification for x in lines})
        },
        "checks": {
            "complementarity_failures": len(checks["complementarity"]),
            "helix_failures": len(checks["helices"]),
            "min_helix_fraction": options["check"]["min_helix_fraction"],
            "temperature_C": options["temperature"],
            "candidates_passed": sum(eligible.values()),
        },
        "scores": record["scores"],
        "provenance": stamp,
    }
    if "binding" in record["details"]:  # the winner against its shuffled strands and random ones
        summary["binding"] = record["details"]["binding"]
    write_text(seq_dir / "report.md", _report(system, records, ranking, winner, summary, options, layout))
    write_json(seq_dir / "summary.json", summary)
    return summary


def _check_strand_names(dsd_dir: Path, infos: list[StrandInfo]) -> None:
    """The strands must join the DSD stage's strands.tsv by name, with the same domains."""
    path = dsd_dir / "strands.tsv"
    if not dsd_dir.is_dir() or not path.exists():
        return
    theirs = {row["name"]: tuple(row["domains"].split()) for row in read_tsv(path)}
    for info in infos:
        if theirs.get(info.name) != info.domains:
            raise DmpError(
                f"{path}: strand {info.name} is {' '.join(theirs[info.name]) if info.name in theirs else 'missing'} "
                f"there but {' '.join(info.domains)} in system.json; recompile the DSD folder"
            )


def _winner_notes(record: dict[str, Any], options: dict[str, Any]) -> list[str]:
    """Where the winner's worst values come from, and what the dimer screen leaves out."""
    details = record["details"]
    tsi, to = details.get("tsi", {}), details.get("to", {})
    lines = ["## Where the winner is weakest", ""]
    if tsi.get("worst_strand"):
        lines.append(
            f"- top strands: {details['top_strands']}; strongest spurious dimer {tsi['worst_pair']} "
            f"({tsi['worst_pair_percent']:.3g} % at {options['scoring']['reference_nM']:g} nM); "
            f"strand with the highest TSI: {tsi['worst_strand']}"
        )
    if "screened_out" in tsi:
        out = tsi["screened_out"]
        lines.append(
            f"- the dimer screen folded {tsi['pairs_folded']} of {tsi['pairs_total']} top-strand pairs; "
            f"{out['sample']} of the {out['pairs']} other pairs (a seeded sample) bind {out['mean_percent']:.3g} % on average (max "
            f"{out['max_percent']:.3g} %), about {out['estimated_percent_per_strand']:.0f} % per strand if all were "
            "folded - not part of tsi_avg/tsi_max, which count the pairs sharing a complementary stretch"
        )
    for label, info in (("top-strand pairs (tsi_*)", tsi), ("toehold-strand pairs (to_*)", to)):
        if "estimated" in info:
            e = info["estimated"]
            lines.append(
                f"- {label}: estimated, not exact: {e['pairs_screened']} pairs passed the screen; the "
                f"{e['folded_exactly']} with the most complementary matches were folded exactly and a seeded "
                f"sample of {e['sampled']} of the others stands for the rest (each counted {e['sample_weight']:.3g} "
                "times; seq.scoring.max_pairs)"
            )
    if to.get("worst_toehold"):
        lines.append(
            f"- toehold occlusion: {to['exposed_toeholds']} exposed toeholds, most occluded {to['worst_toehold']}"
        )
    if details.get("spurious"):
        lines.append(f"- spuriousSSM scores (wsas ... spurious): {details['spurious']}")
    if details.get("bn"):
        lines.append(
            f"- bad nucleotides: worst of {details['bn']['complexes']} gate complexes is {details['bn']['worst_complex']}"
        )
    return [*lines, ""]


def _fmt(value: float | None) -> str:
    return "not computed" if value is None else f"{value:.4g}"


def _report(
    system: DSDSystem,
    records: list[dict[str, Any]],
    ranking: Ranking,
    winner: int,
    summary: dict[str, Any],
    options: dict[str, Any],
    layout: list[Any],
) -> str:
    ranks = ranking.ranks[winner]
    firsts = [n for n in SCORES if ranks[n] == min(ranking.ranks[c][n] for c in ranking.candidates)]
    runner_up = next((c for c in ranking.candidates if c != winner), None)
    th, dom, sc = options["toeholds"], options["domains"], options["scoring"]
    lines = [
        f"# Sequences for {system.scheme}",
        "",
        f"{summary['strands']} strands, {summary['nucleotides']} nt, {summary['domains']} domains "
        f"({summary['toeholds']} toeholds); {len(records)} candidates designed and scored.",
        "",
        *(
            [
                f"**Shared toeholds:** the {summary['toeholds']} toehold domains share "
                f"{summary['distinct_toeholds']} sequences (seq.toeholds.reuse): no more non-interacting "
                "toeholds exist in the energy window. Species stay distinct through their branch-migration "
                "domains; signals bind other species' gates transiently, which the toehold-occlusion scores "
                "(to_avg, to_max) measure.",
                "",
            ]
            if summary["distinct_toeholds"] < summary["toeholds"]
            else []
        ),
        "## Winner",
        "",
        f"Candidate **{winner}** (seed {records[winner]['seed']}) has the lowest sum of ranks over the "
        f"{len(SCORES)} scores: {ranking.totals[winner]:g}"
        + (f" against {ranking.totals[runner_up]:g} for candidate {runner_up}" if runner_up is not None else "")
        + f". It is best (or tied best) on {len(firsts)} of {len(SCORES)} scores: {', '.join(firsts) or 'none'}.",
        "",
        "Rank aggregation: each score ranks the candidates 1 (best) to n, ties sharing their average rank; "
        "the candidate with the lowest sum of ranks wins (a Borda count), ties broken by the better worst "
        "rank, then by the lower index. Candidates failing a consistency check cannot win.",
        "",
        "## Scores",
        "",
        "| score | better | " + " | ".join(f"cand. {r['candidate']}" for r in records) + " | what it measures |",
        "|---|---|" + "---|" * len(records) + "---|",
    ]
    for name, info in SCORES.items():
        cells = []
        for r in records:
            cell = _fmt(r["scores"][name]) + f" ({ranking.ranks[r['candidate']][name]:g})"
            cells.append(f"**{cell}**" if r["candidate"] == winner else cell)
        unit = f" ({info.unit})" if info.unit else ""
        lines.append(f"| {name}{unit} | {info.better} | " + " | ".join(cells) + f" | {info.explanation} |")
    lines += [
        "| rank sum | lower | " + " | ".join(f"{ranking.totals[r['candidate']]:g}" for r in records) + " | |",
        "",
        "Values with each candidate's rank in parentheses.",
        "",
        *_winner_notes(records[winner], options),
        *(binding_lines(summary["binding"]) if "binding" in summary else []),
        "## Consistency checks (winner, before writing)",
        "",
        f"- complementarity: {summary['checks']['complementarity_failures']} failures (every intended base pair "
        "of every complex is Watson-Crick in the written strands)",
        f"- helices: {summary['checks']['helix_failures']} failures (every bound domain keeps at least "
        f"{options['check']['min_helix_fraction']:g} of its base pairs in ViennaRNA's MFE of its complex at "
        f"{options['temperature']:g} °C)",
        f"- candidates passing both checks: {summary['checks']['candidates_passed']} of {len(records)}",
        "",
        "## How the sequences were made",
        "",
        f"- toeholds: stickydesign (EnergeticsDAOE at {options['temperature']:g} °C), ΔG {th['target_dG']:g} ± "
        f"{th['spread']:g} kcal/mol, spurious interactions at most {th['max_spurious']:g} × target",
        f"- long domains: letters {dom['alphabet']}, seeded search against spurious matches of "
        f"{dom['spurious_k'][0]}-{dom['spurious_k'][1]} nt (spuriousSSM's objective), GC {dom['gc_min']:g}-{dom['gc_max']:g}, "
        f"no {', '.join(dom['forbidden'])}; toeholds may trade places",
        f"- thermodynamics: ViennaRNA {vienna_version()} with DNA parameters (Mathews 2004), "
        f"{options['temperature']:g} °C, {options['salt']:g} M Na+; dimers at {sc['reference_nM']:g} nM per strand; "
        f"pairs folded only with a complementary stretch of at least {sc['dimer_screen_nt']} nt (strand pairs) or "
        f"{sc['occlusion_screen_nt']} nt (toehold occlusion)",
        "",
        "## Ordering",
        "",
        f"- `order_bulk.csv`: {summary['strands']} strands, scale {options['order']['scale']}, purification "
        + ", ".join(f"{k} {v}" for k, v in summary["purification"].items()),
        f"- `order_plate.xlsx`: {len(layout)} plates of 96 wells, filled A1, B1, ..., H1, A2, ...; one role per plate: "
        + ", ".join(f"{title} ({len(wells)})" for title, wells in layout),
        "",
    ]
    return "\n".join(lines)
