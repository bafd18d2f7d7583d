"""protocol.md: the bench protocol in words and tables, from the plan of dmp.seq.protocol."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from dmp.seq.protocol import BenchSettings, Supplied


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def protocol_markdown(
    scheme: str,
    supplied: list[Supplied],
    reporters: list[dict[str, Any]],
    checks: list[dict[str, Any]],
    budget: dict[int, float],
    context: dict[str, Any],
    settings: BenchSettings,
) -> str:
    """The protocol; `context` holds samples, wells, reactions, unit_nM, readout_h, margin, labelled strands."""
    short = [c for c in checks if not c["enough"]]
    anneal = settings.anneal
    lines = [
        f"# Bench protocol: {scheme}",
        "",
        f"{context['samples']} samples, each in {context['wells']} read-out well(s) ({len(reporters)} rails, "
        f"{context['dyes_per_well']} dyes per well), {settings.replicates} replicate(s), plus "
        f"{settings.controls_per_well} controls per well: {context['reactions']} reactions of "
        f"{_fmt(settings.reaction_volume_uL)} uL at {_fmt(settings.temperature_C)} C in {anneal.buffer}. "
        f"One formal unit = {_fmt(context['unit_nM'])} nM. Read the class at {_fmt(context['readout_h'])} h.",
        "",
        "Files: `mix.csv` (every complex and strand: ratio, final nM, uL per reaction and per master mix, nmol "
        "needed against the ordered scale), `pipetting.csv` (uL of each input stock per sample), `inputs.tsv`, "
        "`readout.tsv` (dye, well and sign of every rail), `leak/` (the read-out with leak).",
        "",
        "## 1. Order and resuspend",
        "",
        f"Order `../../sequences/{scheme}/order_bulk.csv`. The {context['labelled']} reporter strands carry their dye "
        "or quencher as IDT modification codes in the sequence and are HPLC-purified. Resuspend every strand at "
        f"{_fmt(settings.strand_stock_uM)} uM and check the concentration by A260.",
        "",
    ]
    if short:
        lines += [
            f"**{len(short)} strand(s) need more than their order line delivers** (scale x {settings.order_yield} "
            "assumed usable, bench.order_yield): order them at a larger scale.",
            "",
            "| strand | nmol needed | ordered scale | nmol usable |",
            "|---|---|---|---|",
            *[
                f"| {c['strand']} | {_fmt(c['nmol_needed'])} | {c['order_scale']} | {_fmt(c['nmol_usable'])} |"
                for c in short
            ],
            "",
        ]
    else:
        lines += [f"Every strand's order scale covers its need (scale x {settings.order_yield} assumed usable).", ""]
    lines += _anneal_section(supplied, context, settings)
    lines += _mix_section(supplied, budget, context, settings)
    lines += _readout_section(reporters, context, settings)
    return "\n".join(lines) + "\n"


def _anneal_section(supplied: list[Supplied], context: dict[str, Any], settings: BenchSettings) -> list[str]:
    anneal = settings.anneal
    multi = [s for s in supplied if len(s.strands) > 1]
    lines = [
        "## 2. Anneal",
        "",
        f"Each multi-strand complex separately, base strand (the one carrying the complements) at "
        f"{_fmt(settings.complex_stock_uM)} uM and every other strand at {_fmt(1 + anneal.excess)}x, in {anneal.buffer}: "
        f"{anneal.program}. Amounts per complex: `mix.csv` (anneal_uL, uL_strand_stock_in_anneal).",
        "",
    ]
    if context["overfull_anneals"]:
        over = context["overfull_anneals"]
        lines += [
            f"**{len(over)} complex(es) cannot be annealed at {_fmt(settings.complex_stock_uM)} uM from "
            f"{_fmt(settings.strand_stock_uM)} uM strand stocks** (their strands alone fill more than 90 % of the "
            f"anneal): {', '.join(over[:8])}{' ...' if len(over) > 8 else ''}. Resuspend their strands at a higher "
            "concentration (bench.strand_stock_uM) or anneal them at a lower one (bench.complex_stock_uM).",
            "",
        ]
    if anneal.purify:
        lines += [
            "Then purify the gates (not the reporters) by non-denaturing PAGE: their excess top strands are free "
            "signals or intermediates that would trigger the next gate. A reporter's excess strand is its quencher "
            f"strand, which is harmless. {_fmt(anneal.recovery * 100)} % recovery from the gel is assumed "
            "(bench.anneal.recovery); measure each purified gate by A260.",
            "",
        ]
    lines += [
        "| complex | role | base strand | other strands (1 + excess) | final nM | wells |",
        "|---|---|---|---|---|---|",
    ]
    for s in multi:
        base = [n for n, b in s.strands if b]
        others = [n for n, b in s.strands if not b]
        wells = "all" if s.wells is None else ",".join(map(str, s.wells))
        lines.append(
            f"| {s.name} | {s.role} | {', '.join(base)} | {', '.join(others)} | {_fmt(s.final_nM)} | {wells} |"
        )
    single = [s for s in supplied if len(s.strands) == 1]
    if single:
        lines += [
            "",
            f"Single strands used as they are ({len(single)}: fuel and helper strands, bias signals): "
            + ", ".join(f"{s.name} {_fmt(s.final_nM)} nM" for s in single[:12])
            + (" ..." if len(single) > 12 else ""),
        ]
    return lines + [""]


def _mix_section(
    supplied: list[Supplied], budget: dict[int, float], context: dict[str, Any], settings: BenchSettings
) -> list[str]:
    by_role: dict[str, list[Supplied]] = defaultdict(list)
    for s in supplied:
        by_role[s.role].append(s)
    volume = settings.reaction_volume_uL
    lines = [
        "## 3. Mix",
        "",
        f"Master mix per read-out well: every gate, fuel, helper and bias signal, plus the reporters of that well: "
        f"annealed complexes from their {_fmt(settings.complex_stock_uM)} uM anneals, single strands from their "
        f"{_fmt(settings.strand_stock_uM)} uM stocks ({_fmt(settings.overage * 100)} % overage; `mix.csv`). "
        + ", ".join(f"{len(v)} {k}" for k, v in sorted(by_role.items()))
        + ".",
        "",
        "| well | uL of stocks per reaction | + inputs (largest sample) | reaction volume |",
        "|---|---|---|---|",
    ]
    over = []
    for well, uL in sorted(budget.items()):
        total = uL + context["max_inputs_uL"]
        lines.append(f"| {well} | {_fmt(uL)} | {_fmt(total)} | {_fmt(volume)} |")
        if total > volume:
            over.append(well)
    lines.append("")
    if over:
        lines += [
            f"**The stocks do not fit in {_fmt(volume)} uL** (well(s) {', '.join(map(str, over))}): anneal at a higher "
            "concentration (bench.complex_stock_uM), or lower the unit concentration or the fuel excess "
            "(dsd.unit_nM, dsd.fuel_excess), and check the leak study again.",
            "",
        ]
    lines += [
        f"Per sample and well: the master mix, then the inputs from `pipetting.csv` ({_fmt(settings.input_stock_uM)} uM "
        f"stocks), then buffer to {_fmt(volume)} uL. Start the clock when the inputs go in; mix by pipetting.",
        "",
        f"Controls per well ({settings.controls_per_well}): no input (the leak-only signal), reporter blank (reporters "
        f"only: I_blank), fully triggered reporter (reporters plus each rail's own signal strand at "
        f"{_fmt(settings.trigger_excess)}x its reporter: I_full).",
        "",
    ]
    return lines


def _readout_section(reporters: list[dict[str, Any]], context: dict[str, Any], settings: BenchSettings) -> list[str]:
    lines = [
        "## 4. Read",
        "",
        "| well | dye (ex/em nm) | rail | reporter nM |",
        "|---|---|---|---|",
        *[
            f"| {r['well']} | {r['dye']} ({r['excitation_nm']}/{r['emission_nm']}) | {r['rail']} | {_fmt(r['concentration_nM'])} |"
            for r in sorted(reporters, key=lambda r: r["well"])
        ],
        "",
        f"At {_fmt(context['readout_h'])} h read every channel of every well. For each rail, with its reporter at R nM:",
        "",
        "    Lum = R x (I - I_blank) / (I_full - I_blank)            (nM of triggered reporter)",
        f"    y_j = (Lum(Y_j+) - Lum(Y_j-)) / {_fmt(context['unit_nM'])}               (the network's output j)",
        "    class = argmax_j y_j",
        "",
        f"The class counts as read when it leads every other output by at least {_fmt(context['margin'])} formal units "
        "(leak.margin). Leak moves the outputs over time: `leak/summary.json` gives, for this operating point, from "
        "when the class is right and until when it stays so.",
    ]
    return lines
