"""From an order sheet to a mixed reaction: what to anneal, at what ratio, and how much of each stock.

Every complex the system supplies (gates, fuels, helpers, reporters, bias signals) is made from
its strands: a multi-strand complex is annealed with its base strand (the one carrying the
complements) at 1x and every other strand at 1 + `anneal.excess`, so that no base strand stays
single (an open base strand would soak up signals). Gates are then purified by non-denaturing
PAGE (`anneal.purify`), because their excess top strands are free signals that would trigger
downstream gates; a reporter's excess top strand is its quencher strand, which is harmless, so
reporters are not purified.

Each reaction (one sample in one read-out well) holds every gate, fuel, helper and bias signal,
the reporters of that well, and the sample's input strands. Controls per well: the no-input
control (all inputs 0: the leak-only signal), a reporter blank and a fully triggered reporter
(the rail's own signal strand in excess) for calibration.

Amounts: nmol = nM x uL x 1e-6. A strand's total need (every complex it is in, every reaction,
the overage, the PAGE losses) is compared with what its order line delivers: the synthesis
scale times `order_yield`, an assumed fraction (vendors guarantee less than the nominal scale).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from dmp.dsd.model import DSDSystem
from dmp.dsd.tables import distinct_strands
from dmp.errors import DmpError
from dmp.seq.model import strand_infos

SUPPLIED = ("fuel", "helper", "reporter")


@dataclass(frozen=True)
class AnnealSettings:
    """How complexes are annealed (the config's `bench.anneal`)."""

    excess: float  # non-base strands over the base strand (0.2: 20 % excess)
    buffer: str
    program: str
    purify: bool  # non-denaturing PAGE of gates after annealing
    recovery: float  # fraction of a gate recovered from the gel (assumed)


@dataclass(frozen=True)
class BenchSettings:
    """The `bench` config section: volumes, stocks, controls, ordering, annealing."""

    reaction_volume_uL: float
    temperature_C: float
    replicates: int
    controls_per_well: int
    overage: float  # extra master mix (0.1: 10 %)
    strand_stock_uM: float  # every ordered strand resuspended at this
    complex_stock_uM: float  # every complex annealed at this (base strand)
    input_stock_uM: float  # input strands diluted to this for pipetting
    trigger_excess: float  # calibration: a rail's signal strand over its reporter
    min_pipette_uL: float
    order_yield: float  # delivered / nominal synthesis scale (assumed)
    anneal: AnnealSettings


@dataclass
class Supplied:
    """One complex the reaction needs, its strands and where it goes."""

    name: str
    role: str  # gate | fuel | helper | reporter | bias
    strands: list[tuple[str, bool]]  # (strand name, is the base strand)
    final_nM: float
    wells: list[int] | None  # reporter: its well; None: every well


def stock_uM(item: Supplied, settings: BenchSettings) -> float:
    """The stock a complex is pipetted from: its anneal (complex_stock_uM), or a single strand's own stock."""
    return settings.strand_stock_uM if len(item.strands) == 1 else settings.complex_stock_uM


def supplied_complexes(system: DSDSystem) -> list[Supplied]:
    """Gates, fuels, helpers, reporters and bias signals, with their strands (named as in strands.tsv)."""
    names = {s: e["name"] for s, e in distinct_strands(system).items()}
    bases = {i.domains for i in strand_infos(system) if not i.top}
    wells = {r["complex"]: [int(r["well"])] for r in system.meta.get("reporters") or []}  # type: ignore[union-attr]
    inputs = set(system.meta.get("inputs") or [])  # type: ignore[arg-type]
    out = []
    for cplx in system.complexes.values():
        if cplx.concentration <= 0 or cplx.name in inputs:
            continue
        if cplx.role in SUPPLIED:
            role = "gate" if cplx.role == "fuel" and len(cplx.strands) > 1 else cplx.role
        elif cplx.role == "signal" and cplx.reaction is None:
            role = "bias"  # a formal species with an initial concentration
        else:
            continue
        multi = len(cplx.strands) > 1
        strands = [(names[s], multi and s in bases) for s in cplx.strands]
        out.append(Supplied(cplx.name, role, strands, cplx.concentration, wells.get(cplx.name)))
    return out


def scale_nmol(scale: str) -> float:
    """Synthesis scale in nmol from the order sheet's wording: 25nm, 100 nmol, 1um, 1 umol."""
    match = re.fullmatch(r"\s*([0-9.]+)\s*(nm|nmol|nmole|um|umol|umole)\s*", scale.lower())
    if not match:
        raise DmpError(f"order scale {scale!r}: expected a number and nm/nmol or um/umol (e.g. 25nm)")
    value = float(match.group(1))
    return value * (1000.0 if match.group(2).startswith("u") else 1.0)


def reactions_per_well(samples: int, settings: BenchSettings) -> int:
    """Reactions in each read-out well position: every sample (replicated) and the controls."""
    return samples * settings.replicates + settings.controls_per_well


def mix_rows(
    supplied: list[Supplied], wells: int, samples: int, settings: BenchSettings
) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """One row per (complex, strand): amounts to anneal and to mix; and each strand's total nmol."""
    per_well = reactions_per_well(samples, settings)
    volume = float(settings.reaction_volume_uL)
    anneal = settings.anneal
    rows, need = [], {}
    for item in supplied:
        reactions = per_well * (len(item.wells) if item.wells else wells)
        mixed_uL = volume * item.final_nM / (1000.0 * stock_uM(item, settings))  # its stock per reaction
        complex_nmol = item.final_nM * volume * reactions * (1 + settings.overage) * 1e-6
        purified = anneal.purify and item.role == "gate"
        made_nmol = complex_nmol / (anneal.recovery if purified else 1.0)
        anneal_uL = 1000.0 * made_nmol / settings.complex_stock_uM  # volume of the anneal (base strand at stock)
        for strand, base in item.strands:
            ratio = 1.0 if base or len(item.strands) == 1 else 1.0 + anneal.excess
            nmol = made_nmol * ratio
            need[strand] = need.get(strand, 0.0) + nmol
            single = len(item.strands) == 1  # used as it is: diluted from the strand stock, not annealed
            rows.append(
                {
                    "complex": item.name,
                    "role": item.role,
                    "strand": strand,
                    "strand_is_base": base,
                    "ratio": ratio,
                    "final_nM": item.final_nM,
                    "wells": "all" if item.wells is None else ",".join(map(str, item.wells)),
                    "reactions": reactions,
                    "stock_uM": stock_uM(item, settings),
                    "uL_stock_per_reaction": mixed_uL,
                    "uL_stock_master_mix": mixed_uL * reactions * (1 + settings.overage),
                    "anneal_uL": None if single else anneal_uL,
                    "uL_strand_stock_in_anneal": None
                    if single
                    else anneal_uL * settings.complex_stock_uM * ratio / settings.strand_stock_uM,
                    "purified": purified,
                    "strand_nmol": nmol,
                }
            )
    return rows, need


def anneal_fill(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Per annealed complex: the fraction of its anneal volume its strand stocks take (at most ~0.9 leaves room for buffer)."""
    fill: dict[str, float] = {}
    for row in rows:
        if row.get("anneal_uL"):
            fill[row["complex"]] = fill.get(row["complex"], 0.0) + row["uL_strand_stock_in_anneal"] / row["anneal_uL"]
    return fill


def input_needs(conc_nM: dict[str, list[float]], wells: int, settings: BenchSettings) -> dict[str, float]:
    """nmol of each input strand for every sample (in every well, replicated) plus the overage."""
    volume = float(settings.reaction_volume_uL)
    factor = wells * settings.replicates * (1 + settings.overage) * 1e-6
    return {strand: sum(values) * volume * factor for strand, values in conc_nM.items()}


def trigger_needs(reporters: list[dict[str, Any]], samples: int, settings: BenchSettings) -> dict[str, float]:
    """nmol of each rail's signal strand for its fully-triggered calibration wells (one per replicate set)."""
    volume = float(settings.reaction_volume_uL)
    return {
        r["rail"]: float(r["concentration_nM"])
        * settings.trigger_excess
        * volume
        * settings.replicates
        * (1 + settings.overage)
        * 1e-6
        for r in reporters
    }


def pipetting_uL(conc_nM: float, stock_uM: float, volume_uL: float) -> float:
    """uL of a stock at `stock_uM` that gives `conc_nM` in `volume_uL`."""
    return volume_uL * conc_nM / (1000.0 * stock_uM)


def check_scales(need: dict[str, float], scales: dict[str, str], settings: BenchSettings) -> list[dict[str, Any]]:
    """Per strand: nmol needed, nmol its order line delivers (scale x order_yield), enough or not."""
    out = []
    for strand, nmol in need.items():
        scale = scales.get(strand)
        usable = scale_nmol(scale) * settings.order_yield if scale else math.nan
        out.append(
            {
                "strand": strand,
                "nmol_needed": nmol,
                "order_scale": scale or "",
                "nmol_usable": usable,
                "enough": bool(scale) and nmol <= usable,
            }
        )
    return out
