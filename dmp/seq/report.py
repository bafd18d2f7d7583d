"""report.md of the sequence stage: the winner, every score of every candidate, checks, ordering."""

from __future__ import annotations

from typing import Any

from dmp.dsd.model import DSDSystem
from dmp.seq.binding import report_lines as binding_lines
from dmp.seq.rank import Ranking
from dmp.seq.scores import SCORES
from dmp.seq.settings import SeqSettings
from dmp.seq.thermo import vienna_version


def _winner_notes(record: dict[str, Any], settings: SeqSettings) -> list[str]:
    """Where the winner's worst values come from, and what the dimer screen leaves out."""
    details = record["details"]
    tsi, to = details.get("tsi", {}), details.get("to", {})
    lines = ["## Where the winner is weakest", ""]
    if tsi.get("worst_strand"):
        lines.append(
            f"- top strands: {details['top_strands']}; strongest spurious dimer {tsi['worst_pair']} "
            f"({tsi['worst_pair_percent']:.3g} % at {settings.scoring.reference_nM:g} nM); "
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


def report_markdown(
    system: DSDSystem,
    records: list[dict[str, Any]],
    ranking: Ranking,
    winner: int,
    summary: dict[str, Any],
    settings: SeqSettings,
    layout: list[Any],
) -> str:
    """The whole report.md: winner, score table, where the winner is weakest, checks, methods, ordering."""
    lines = [
        f"# Sequences for {system.scheme}",
        "",
        f"{summary['strands']} strands, {summary['nucleotides']} nt, {summary['domains']} domains "
        f"({summary['toeholds']} toeholds); {len(records)} candidates designed and scored.",
        "",
        *_shared_toeholds(summary),
        *_winner_section(records, ranking, winner),
        *_score_table(records, ranking, winner),
        *_winner_notes(records[winner], settings),
        *(binding_lines(summary["binding"]) if "binding" in summary else []),
        *_checks_section(summary, settings, len(records)),
        *_methods_section(settings),
        "## Ordering",
        "",
        f"- `order_bulk.csv`: {summary['strands']} strands, scale {settings.order.scale}, purification "
        + ", ".join(f"{k} {v}" for k, v in summary["purification"].items()),
        f"- `order_plate.xlsx`: {len(layout)} plates of 96 wells, filled A1, B1, ..., H1, A2, ...; one role per plate: "
        + ", ".join(f"{title} ({len(wells)})" for title, wells in layout),
        *_reporter_lines(system),
        "",
    ]
    return "\n".join(lines)


def _reporter_lines(system: DSDSystem) -> list[str]:
    reporters = system.meta.get("reporters") or []
    if not reporters:
        return []
    return [
        f"- reporters: {len(reporters)} (one per output rail); each dye strand and quencher strand is ordered with "
        "its modification written inline in IDT's notation (5' code before the first base, 3' code after the last): "
        + ", ".join(f"{r['rail']} {r['fluorophore_code']} / {r['quencher_code']}" for r in reporters)  # type: ignore[index]
    ]


def _shared_toeholds(summary: dict[str, Any]) -> list[str]:
    if summary["distinct_toeholds"] >= summary["toeholds"]:
        return []
    return [
        f"**Shared toeholds:** the {summary['toeholds']} toehold domains share "
        f"{summary['distinct_toeholds']} sequences (seq.toeholds.reuse): no more non-interacting "
        "toeholds exist in the energy window. Species stay distinct through their branch-migration "
        "domains; signals bind other species' gates transiently, which the toehold-occlusion scores "
        "(to_avg, to_max) measure.",
        "",
    ]


def _winner_section(records: list[dict[str, Any]], ranking: Ranking, winner: int) -> list[str]:
    ranks = ranking.ranks[winner]
    firsts = [n for n in SCORES if ranks[n] == min(ranking.ranks[c][n] for c in ranking.candidates)]
    runner_up = next((c for c in ranking.candidates if c != winner), None)
    return [
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
    ]


def _score_table(records: list[dict[str, Any]], ranking: Ranking, winner: int) -> list[str]:
    lines = [
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
    return [
        *lines,
        "| rank sum | lower | " + " | ".join(f"{ranking.totals[r['candidate']]:g}" for r in records) + " | |",
        "",
        "Values with each candidate's rank in parentheses.",
        "",
    ]


def _checks_section(summary: dict[str, Any], settings: SeqSettings, candidates: int) -> list[str]:
    return [
        "## Consistency checks (winner, before writing)",
        "",
        f"- complementarity: {summary['checks']['complementarity_failures']} failures (every intended base pair "
        "of every complex is Watson-Crick in the written strands)",
        f"- helices: {summary['checks']['helix_failures']} failures (every bound domain keeps at least "
        f"{settings.check.min_helix_fraction:g} of its base pairs in ViennaRNA's MFE of its complex at "
        f"{settings.temperature:g} °C)",
        f"- candidates passing both checks: {summary['checks']['candidates_passed']} of {candidates}",
        "",
    ]


def _methods_section(settings: SeqSettings) -> list[str]:
    th, dom, sc = settings.toeholds, settings.domains, settings.scoring
    return [
        "## How the sequences were made",
        "",
        f"- toeholds: stickydesign (EnergeticsDAOE at {settings.temperature:g} °C), ΔG {th.target_dG:g} ± "
        f"{th.spread:g} kcal/mol, spurious interactions at most {th.max_spurious:g} × target",
        f"- long domains: letters {dom.alphabet}, seeded search against spurious matches of "
        f"{dom.spurious_k[0]}-{dom.spurious_k[1]} nt (spuriousSSM's objective), GC {dom.gc_min:g}-{dom.gc_max:g}, "
        f"no {', '.join(dom.forbidden)}; toeholds may trade places",
        f"- thermodynamics: ViennaRNA {vienna_version()} with DNA parameters (Mathews 2004), "
        f"{settings.temperature:g} °C, {settings.salt:g} M Na+; dimers at {sc.reference_nM:g} nM per strand; "
        f"pairs folded only with a complementary stretch of at least {sc.dimer_screen_nt} nt (strand pairs) or "
        f"{sc.occlusion_screen_nt} nt (toehold occlusion)",
        "",
    ]
