"""Choose among sequence candidates: rank them, check the winner again on its written strands.

Nothing reaches an order sheet unless it passes the consistency checks exactly as it will be
written (every intended base pair Watson-Crick, every intended helix held in ViennaRNA's MFE).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dmp.dsd.model import DSDSystem
from dmp.errors import DmpError
from dmp.seq.check import check_design
from dmp.seq.model import ORDER_ROLES, Design, StrandInfo, strand_infos, toehold_domains
from dmp.seq.order import OrderLine, order_lines, plates
from dmp.seq.rank import Ranking, rank_candidates
from dmp.seq.scores import SCORES
from dmp.seq.settings import SeqSettings
from dmp.seq.thermo import Thermo

RANK_METHOD = "sum of per-score ranks (average ranks for ties), then best worst rank, then lowest index"


@dataclass
class Selection:
    """The winning candidate's strands, checks and order lines."""

    ranking: Ranking
    winner: int
    design: Design
    infos: list[StrandInfo]
    strands: dict[tuple[str, ...], str]  # strand domains -> sequence
    checks: dict[str, list[str]]
    lines: list[OrderLine]
    layout: list[Any]


def select(system: DSDSystem, records: list[dict[str, Any]], settings: SeqSettings, where: str) -> Selection:
    """Rank the candidates and re-check the winner on its strands; DmpError (naming `where`) if none passes."""
    table = {r["candidate"]: r["scores"] for r in records}
    eligible = {r["candidate"]: bool(r["passed"]) for r in records}
    ranking = rank_candidates(table, {name: info.better for name, info in SCORES.items()}, eligible)
    winner = ranking.winner
    if winner is None:
        failure = next(x for failures in records[0]["checks"].values() for x in failures)
        raise DmpError(f"{where}: no candidate passes the consistency checks (candidate 0: {failure}); nothing written")
    record = records[winner]
    design = Design(dict(record["domains"]), seed=record["seed"])
    infos = strand_infos(system)
    strands = {info.domains: design.strand(info.domains) for info in infos}
    thermo = Thermo(settings.temperature, settings.salt)
    checks = check_design(system, design, thermo, settings.check.min_helix_fraction, strand_sequences=strands)
    failures = [x for group in checks.values() for x in group]
    if failures:
        more = f" ({len(failures) - 1} more)" if len(failures) > 1 else ""
        raise DmpError(
            f"{where}: candidate {winner} fails the consistency check before writing: {failures[0]}{more}; nothing written"
        )
    lines = order_lines(
        [(i.name, strands[i.domains], i.role) for i in infos], settings.order, strand_labels(system, infos)
    )
    return Selection(ranking, winner, design, infos, strands, checks, lines, plates(lines))


def strand_labels(system: DSDSystem, infos: list[StrandInfo]) -> dict[str, tuple[str, str]]:
    """Strand name -> (5', 3') modification codes of the reporters' dye and quencher strands (system.meta)."""
    by_domains = {info.domains: info.name for info in infos}
    labels: dict[str, tuple[str, str]] = {}
    for reporter in system.meta.get("reporters") or []:  # type: ignore[union-attr]
        for strand, end, code in (
            (reporter["fluorophore_strand"], reporter["fluorophore_end"], reporter["fluorophore_code"]),
            (reporter["quencher_strand"], reporter["quencher_end"], reporter["quencher_code"]),
        ):
            labels[by_domains[tuple(strand)]] = (code, "") if end == "5'" else ("", code)
    return labels


def selection_summary(
    system: DSDSystem, records: list[dict[str, Any]], chosen: Selection, settings: SeqSettings
) -> dict[str, Any]:
    """summary.json's figures (without provenance): size, winner, toeholds, plates, checks, scores."""
    infos, design, lines = chosen.infos, chosen.design, chosen.lines
    toeholds = set(toehold_domains(system))
    record = records[chosen.winner]
    summary = {
        "scheme": system.scheme,
        "candidates": len(records),
        "winner": chosen.winner,
        "winner_seed": record["seed"],
        "rank_method": RANK_METHOD,
        "strands": len(infos),
        "nucleotides": sum(len(s) for s in chosen.strands.values()),
        "domains": len(system.domains),
        "toeholds": len(toeholds),
        "distinct_toeholds": len({design.domains[d] for d in toeholds}),
        "strands_by_role": {role: sum(i.role == role for i in infos) for role in ORDER_ROLES},
        "plates": len(chosen.layout),
        "purification": {p: sum(x.purification == p for x in lines) for p in sorted({x.purification for x in lines})},
        "checks": {
            "complementarity_failures": len(chosen.checks["complementarity"]),
            "helix_failures": len(chosen.checks["helices"]),
            "min_helix_fraction": settings.check.min_helix_fraction,
            "temperature_C": settings.temperature,
            "candidates_passed": sum(bool(r["passed"]) for r in records),
        },
        "scores": record["scores"],
    }
    if "binding" in record.get("details", {}):  # the winner against its shuffled strands and random ones
        summary["binding"] = record["details"]["binding"]
    return summary
