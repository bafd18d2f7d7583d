"""Leak: gates that release their outputs without their inputs, added to a DNA-level CRN.

Every strand-displacement system leaks (Thachuk, Winfree & Soloveichik, DNA 21, 2015): a gate
frays or carries a truncated strand and lets its output go (first order in the gate), or a fuel
invades a gate without a toehold (second order, gate x fuel). Either way the module's products
appear while its reactants stay. The enumerated CRN has no such reactions (peppercorn enumerates
toehold-mediated steps only), so they are added here, module by module:

    first order    G -> products            k1 [G]      for every multi-strand gate or reporter
    second order   G + F -> products        k2 [G][F]   for the two fuel complexes of a module

`products` are the formal species of the module's reaction (signal strands are merged into
their formal species in the enumerated CRN); a reporter leaks its fluorescent product.

The class is read off the reporters over time; `answer_times` says from when it is the
network's class and until when it stays so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dmp.crn.model import CRN, Reaction
from dmp.dsd.model import DSDSystem


@dataclass(frozen=True)
class LeakSweep:
    """Which operating points the leak study simulates (every combination)."""

    leak: tuple[float, ...]  # multiples of the default rate constants (0 = no leak)
    first_order: tuple[float, ...]  # first-order rate constants (/s) on top of the default second-order leak
    unit_nM: tuple[float, ...]  # nM per formal unit (inputs, biases, fuels and reporters scale with it)
    fuel: tuple[float, ...]  # multiples of the compiled fuel, gate and helper concentrations
    examples: int | None  # first N test examples (None: all)


@dataclass(frozen=True)
class LeakSettings:
    """The `leak` config section: rate constants, read-out, sweep."""

    first_order_per_s: float  # k1: a gate releases its products on its own
    second_order_per_nM_s: float  # k2: the two fuel complexes of a module release them together
    reporters: bool  # reporters leak their fluorescent product too (first order)
    readout_h: float  # hours after mixing at which the class is read (the operating point's read-out time)
    margin: float  # formal units by which the class's output must lead the others to be read
    t_end_h: float  # hours simulated (after the read-out, to see whether the class stays)
    points_per_decade: int  # output times per decade of the log-spaced grid
    sweep: LeakSweep


@dataclass(frozen=True)
class LeakSource:
    """What one module (or reporter) can release without its inputs."""

    module: str
    gates: tuple[str, ...]  # complexes that leak on their own (first order)
    pair: tuple[str, str] | None  # two complexes that leak together (second order)
    products: tuple[str, ...]  # formal species released


def leak_sources(system: DSDSystem, reporters: bool = True) -> list[LeakSource]:
    """Per module: its multi-strand gates, its two fuel complexes, and the formal products of its reaction."""
    out = []
    for module in system.modules:
        products = tuple(module.reaction[1])
        if not products:
            continue
        complexes = [system.complexes[n] for n in module.complexes]
        if any(c.role == "reporter" for c in complexes) and not reporters:
            continue
        gates = tuple(c.name for c in complexes if c.role in ("fuel", "reporter") and len(c.strands) > 1)
        fuels = [c.name for c in complexes if c.role == "fuel"]
        pair = (fuels[0], fuels[1]) if len(fuels) >= 2 else None
        out.append(LeakSource(f"r{module.index}", gates, pair, products))
    return out


def with_leak(crn: CRN, sources: list[LeakSource], k1: float, k2: float) -> CRN:
    """`crn` plus the leak reactions of `sources` (rates k1 /s and k2 /nM/s; 0 leaves a kind out).

    Complexes the CRN does not hold (never consumed, so never enumerated) cannot leak here.
    """
    present = set(crn.species)
    added = []
    for source in sources:
        if k1 > 0:
            added += [Reaction((g,), source.products, k1) for g in source.gates if g in present]
        if k2 > 0 and source.pair and set(source.pair) <= present:
            added.append(Reaction(source.pair, source.products, k2))
    return CRN(list(crn.reactions) + added, dict(crn.initial), dict(crn.constant))


def scaled(crn: CRN, factors: dict[str, float]) -> CRN:
    """The same CRN with the initial concentration of each species in `factors` multiplied by its factor."""
    initial = {s: value * factors.get(s, 1.0) for s, value in crn.initial.items()}
    return CRN(list(crn.reactions), initial, dict(crn.constant))


def log_times(t_end: float, points_per_decade: int, t_first: float = 1.0) -> np.ndarray:
    """Output times from `t_first` to `t_end`, evenly spaced in log time."""
    decades = np.log10(t_end / t_first)
    return np.logspace(np.log10(t_first), np.log10(t_end), max(int(np.ceil(decades * points_per_decade)) + 1, 2))


@dataclass
class Answers:
    """When the class read off the reporters is the network's (per example; times in seconds)."""

    correct: np.ndarray  # (B,) bool: the class at the read-out time is the network's
    t_answer: np.ndarray  # (B,) first time from which the class is the network's through the read-out (NaN if wrong)
    t_lost: np.ndarray  # (B,) first time after t_answer at which it stops being so (inf: not within the run)


def reads_right(outputs: np.ndarray, target: np.ndarray, margin: float = 0.0) -> np.ndarray:
    """(T, B): the class read at each time is `target`, leading every other output by at least `margin`.

    With margin 0 this is argmax == target. A positive margin (formal units) is the reader's
    resolution: outputs that differ by less cannot be told apart, e.g. right after mixing.
    """
    target = np.asarray(target)
    if margin <= 0:
        return np.argmax(outputs, axis=2) == target[None, :]
    mine = np.take_along_axis(outputs, target[None, :, None], axis=2)[..., 0]
    others = np.where(np.arange(outputs.shape[2])[None, None, :] == target[None, :, None], -np.inf, outputs)
    return mine - np.max(others, axis=2) >= margin


def answer_times(
    times: np.ndarray, outputs: np.ndarray, target: np.ndarray, readout: float, margin: float = 0.0
) -> Answers:
    """Read the class at every time of `outputs` (T, B, O) and compare it with `target` (B,) (see reads_right)."""
    right = reads_right(outputs, target, margin)  # (T, B)
    read = int(np.searchsorted(times, readout, side="right")) - 1
    if read < 0:
        raise ValueError(f"read-out time {readout} precedes the first output time {times[0]}")
    B = right.shape[1]
    correct = right[read].copy()
    t_answer = np.full(B, np.nan)
    t_lost = np.full(B, np.inf)
    for b in np.flatnonzero(correct):
        wrong_before = np.flatnonzero(~right[: read + 1, b])
        start = wrong_before[-1] + 1 if len(wrong_before) else 0
        t_answer[b] = times[start]
        wrong_after = np.flatnonzero(~right[read:, b])
        if len(wrong_after):
            t_lost[b] = times[read + wrong_after[0]]
    return Answers(correct, t_answer, t_lost)


@dataclass(frozen=True)
class Point:
    """One operating point of the study: concentrations and leak rate constants."""

    unit_nM: float
    fuel: float  # multiple of the compiled fuel, gate and helper concentrations
    k1: float  # /s
    k2: float  # /nM/s


def supply_factors(crn: CRN, roles: dict[str, str], unit_ratio: float, fuel: float) -> dict[str, float]:
    """Factors on the initial concentrations: fuels and helpers x unit_ratio x fuel, everything else x unit_ratio."""
    return {s: unit_ratio * (fuel if roles.get(s) in ("fuel", "helper") else 1.0) for s in crn.initial}


def point_crn(crn: CRN, roles: dict[str, str], sources: list[LeakSource], compiled_unit: float, point: Point) -> CRN:
    """The enumerated CRN at `point`: concentrations rescaled, leak reactions added."""
    factors = supply_factors(crn, roles, point.unit_nM / compiled_unit, point.fuel)
    return with_leak(scaled(crn, factors), sources, point.k1, point.k2)


def summarise(answers: Answers, times: np.ndarray, right: np.ndarray) -> dict[str, object]:
    """Agreement at the read-out, time to answer (median, worst) and the earliest loss, in hours."""
    n = len(answers.correct)
    t_answer = answers.t_answer[answers.correct] / 3600.0
    lost = answers.t_lost[answers.correct]
    return {
        "examples": int(n),
        "agreement": int(answers.correct.sum()),
        "agreement_fraction": float(answers.correct.mean()) if n else float("nan"),
        "t_answer_median_h": float(np.median(t_answer)) if len(t_answer) else None,
        "t_answer_worst_h": float(np.max(t_answer)) if len(t_answer) else None,
        "t_lost_earliest_h": float(np.min(lost) / 3600.0) if len(lost) and np.isfinite(np.min(lost)) else None,
        "wrong_at_readout": [int(b) for b in np.flatnonzero(~answers.correct)],  # examples (rows, from 0) read wrong
        "agreement_over_time": {
            "time_h": [float(t) for t in times / 3600.0],
            "fraction": [float(f) for f in right.mean(axis=1)],
        },
    }
