"""Does the CRN compute what the network computes? Comparisons of simulated outputs with the network.

Formal CRNs (full, reduced) give the headline figures; each scheme's DNA-level CRN is compared
with the network and with the formal CRN it was compiled from. Everything here works on arrays
of outputs that `dmp.sim.evaluate` produced; nothing is simulated again.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from dmp.nn.model import accuracy
from dmp.sim.settings import SimulationSettings

METHODS = {
    "batch": "ode (dmp.sim.batch: mass action, SciPy BDF, block-triangular Newton solves)",
    "gillespy2": "ode (GillesPy2 ODESolver, LSODA)",
}


def compare(nn_outputs: np.ndarray, crn_outputs: np.ndarray, labels: np.ndarray) -> dict[str, Any]:
    """Agreement figures of one CRN against the network on the same examples."""
    nn_argmax = np.argmax(nn_outputs, axis=1)
    crn_argmax = np.argmax(crn_outputs, axis=1)
    n = len(labels)
    # Examples whose two largest NN outputs are within 1e-6: argmax is not well defined there.
    top2 = np.sort(nn_outputs, axis=1)[:, -2:] if nn_outputs.shape[1] > 1 else np.zeros((n, 2))
    near_ties = int(np.sum(np.abs(top2[:, 1] - top2[:, 0]) < 1e-6)) if nn_outputs.shape[1] > 1 else 0
    return {
        "n_test": int(n),
        "crn_test_accuracy": float(np.mean(crn_argmax == labels)) if n else math.nan,
        "crn_nn_argmax_agreement": float(np.mean(crn_argmax == nn_argmax)) if n else math.nan,
        "n_disagreements": int(np.sum(crn_argmax != nn_argmax)),
        "max_abs_output_error": float(np.max(np.abs(crn_outputs - nn_outputs))) if n else math.nan,
        "mean_abs_output_error": float(np.mean(np.abs(crn_outputs - nn_outputs))) if n else math.nan,
        "nn_near_ties": near_ties,
    }


def softmax_confidence(outputs: np.ndarray) -> np.ndarray:
    """Largest softmax probability of each row of network outputs."""
    shifted = outputs - outputs.max(axis=1, keepdims=True)
    p = np.exp(shifted)
    return (p / p.sum(axis=1, keepdims=True)).max(axis=1)


def spearman(x: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """Spearman rank correlation with its two-sided p-value (scipy.stats.spearmanr); null if undefined."""
    from scipy.stats import spearmanr

    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return {"rho": None, "p_value": None, "n": int(len(x))}
    result = spearmanr(x, y)
    return {"rho": float(result.statistic), "p_value": float(result.pvalue), "n": int(len(x))}


def confusion(nn_outputs: np.ndarray, crn_outputs: np.ndarray, n_classes: int) -> np.ndarray:
    """Counts of (network argmax, CRN argmax) pairs."""
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (np.argmax(nn_outputs, axis=1), np.argmax(crn_outputs, axis=1)), 1)
    return matrix


def value_stats(values: np.ndarray) -> dict[str, float | None]:
    """Median and maximum of the finite values (None when there are none)."""
    values = np.asarray(values, dtype=np.float64)
    values = values[np.isfinite(values)]
    if not len(values):
        return {"median": None, "max": None}
    return {"median": float(np.median(values)), "max": float(np.max(values))}


def class_picks(y: np.ndarray, n_classes: int, count: int) -> list[int]:
    """The first test example of each class, at most `count` of them."""
    picks: list[int] = []
    for c in range(n_classes):
        picks += [int(k) for k in np.flatnonzero(y == c)[:1]]
    return sorted(picks)[:count] if count else []


def _column(values: dict[str, np.ndarray], name: str, n: int) -> np.ndarray:
    return values.get(name, np.full(n, np.nan))[:n]


def formal_entry(nn_out: np.ndarray, values: dict[str, np.ndarray], y: np.ndarray) -> dict[str, Any]:
    """A formal CRN against the network: agreement, errors, stabilisation and its link to confidence."""
    n = len(y)
    entry = compare(nn_out, values["y"][:n], y)
    t_stable = _column(values, "t_stable", n)
    entry["stabilisation_time"] = value_stats(t_stable)
    entry["time_to_90_percent"] = value_stats(_column(values, "t_90", n))
    entry["converged_fraction"] = float(np.mean(values["converged"][:n])) if "converged" in values else None
    entry["stabilisation_vs_confidence"] = spearman(softmax_confidence(nn_out), t_stable)
    return entry


def dna_entry(
    nn_out: np.ndarray, values: dict[str, np.ndarray], y: np.ndarray, reference: np.ndarray, source: str
) -> dict[str, Any]:
    """A DNA-level CRN against the network and against the formal CRN `source` (outputs `reference`)."""
    m = min(len(values["y"]), len(y))
    entry: dict[str, Any] = {"n_test": int(m), "vs_network": compare(nn_out[:m], values["y"][:m], y[:m])}
    vs_formal = compare(reference[:m], values["y"][:m], y[:m])
    entry["vs_formal"] = {
        "formal_crn": source,
        "argmax_agreement": vs_formal["crn_nn_argmax_agreement"],
        "max_abs_difference": vs_formal["max_abs_output_error"],
        "mean_abs_difference": vs_formal["mean_abs_output_error"],
    }
    t90 = value_stats(_column(values, "t_90", m))
    entry["time_to_90_percent_s"] = t90
    entry["time_to_90_percent_h"] = {k: (v / 3600 if v is not None else None) for k, v in t90.items()}
    entry["stabilisation_time_s"] = value_stats(_column(values, "t_stable", m))
    entry["converged_fraction"] = float(np.mean(values["converged"][:m])) if "converged" in values else None
    fuel = _column(values, "min_fuel_fraction", m)
    finite = fuel[np.isfinite(fuel)]
    entry["min_fuel_fraction_left"] = {
        "min": float(finite.min()) if len(finite) else None,
        "median": float(np.median(finite)) if len(finite) else None,
    }
    return entry


def per_example_table(
    classes: list[str], y: np.ndarray, nn_out: np.ndarray, tables: dict[str, dict[str, np.ndarray]]
) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of agreement.tsv: the network's and every CRN's outputs and argmax per example."""
    confidence = softmax_confidence(nn_out)
    header = ["example", "label", "nn_confidence", *[f"nn_y_{c}" for c in classes]]
    for name in tables:
        header += [f"{name}_y_{c}" for c in classes] + [f"{name}_t_stable"]
    header += ["nn_argmax", *[f"{name}_argmax" for name in tables]]
    rows = []
    for k in range(len(y)):
        row: list[Any] = [k, classes[y[k]], float(confidence[k]), *map(float, nn_out[k])]
        for t in tables.values():
            if k < len(t["y"]):
                row += [*map(float, t["y"][k]), float(t["t_stable"][k]) if "t_stable" in t else ""]
            else:
                row += [""] * (len(classes) + 1)
        row.append(classes[int(np.argmax(nn_out[k]))])
        row += [classes[int(np.argmax(t["y"][k]))] if k < len(t["y"]) else "" for t in tables.values()]
        rows.append(row)
    return header, rows


def agreement_summary(
    nn_out: np.ndarray,
    y: np.ndarray,
    formal: dict[str, dict[str, np.ndarray]],
    dna: dict[str, dict[str, np.ndarray]],
    settings: SimulationSettings,
    unit_nM: float,
    dna_source: str,
) -> dict[str, Any]:
    """Every CRN against the network; the headline figures are the worst over the formal CRNs."""
    n = len(y)
    per_crn = {name: formal_entry(nn_out, values, y) for name, values in formal.items()}
    summary: dict[str, Any] = {
        "n_test": int(n),
        "nn_test_accuracy": accuracy(nn_out, y),
        "crn_test_accuracy": min(v["crn_test_accuracy"] for v in per_crn.values()),
        "crn_nn_argmax_agreement": min(v["crn_nn_argmax_agreement"] for v in per_crn.values()),
        "max_abs_output_error": max(v["max_abs_output_error"] for v in per_crn.values()),
        "t_end": settings.t_end,
        "engine": settings.engine,
        "method": METHODS[settings.engine],
        "rtol": settings.rtol,
        "atol": settings.atol,
        "stabilisation_atol": settings.stabilisation_atol,
        "crns": per_crn,
    }
    names = list(formal)
    if len(names) > 1:
        first = formal[names[0]]["y"][:n]
        summary["max_abs_difference_between_crns"] = (
            max(float(np.max(np.abs(formal[nm]["y"][:n] - first))) for nm in names[1:]) if n else 0.0
        )
    if dna:
        reference = formal.get(dna_source, formal[names[0]])["y"]
        summary["dna"] = {
            "unit_nM": unit_nM,
            "t_end_s": settings.dna.t_end,
            "rtol": settings.dna.rtol,
            "atol_nM": settings.dna.atol,
            "formal_crn": dna_source,
            "schemes": {s: dna_entry(nn_out, values, y, reference, dna_source) for s, values in dna.items()},
        }
    return summary
