"""Benchmark: the batched ODE engine (dmp.sim.batch) against GillesPy2's ODESolver, and big test sets.

Reference (measured in the field, ../shared/NOTES.md): GillesPy2's ODESolver, a model built and
run once per example, about 113 ms per example for a 60-reaction CRN on 2 cores. Targets:

- virus CRN (full, 52 reactions): at least 100x GillesPy2's throughput with the outputs within
  1e-6 of GillesPy2's (GillesPy2 is timed here too, with the same end time and tolerances);
- 10,000 inputs through an MNIST-size CRN in under 5 minutes. MNIST is not on this machine: the
  network is a random 196-100-10 ternary net (as in dsd_benchmark.py), its full CRN has 792
  reactions and 912 species, and the 10,000 inputs are uniform on [0, 1] (denser than MNIST's
  mostly-zero pixels, so at least as much chemistry per example).
- the trained 8x8-digits network's whole test set (formal CRNs), when results/digits exists.

Times are wall-clock seconds on this machine, which other jobs may share: the load average is
recorded with each case. Usage:

    python benchmarks/sim_benchmark.py [--cases virus,mnist,digits] [--results results] [--out benchmarks/results/sim.json]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


from dmp.config import defaults  # noqa: E402
from dmp.crn.io import read_crn  # noqa: E402
from dmp.crn.species_map import SpeciesMap  # noqa: E402
from dmp.crn.translate import network_to_crn  # noqa: E402
from dmp.data.tables import read_part  # noqa: E402
from dmp.nn.model import load_model  # noqa: E402
from dmp.nn.random import random_ternary_net  # noqa: E402
from dmp.sim.batch import compile_crn, initial_states, integrate_observed, simulate_batch  # noqa: E402
from dmp.sim.evaluate import evaluate_examples  # noqa: E402
from dmp.sim.gillespy import simulate_ode  # noqa: E402
from dmp.sim.readout import example_initials, output_matrix  # noqa: E402

FIELD_MS_PER_EXAMPLE = 113.0
TARGET_RATIO = 100.0
TARGET_DEVIATION = 1e-6
MNIST_LIMIT_SECONDS = 300.0
T_END, POINTS = 5000.0, 51  # the workflow's formal end time and output grid
REFERENCE_TOL = (1e-9, 1e-11)  # the workflow's (and GillesPy2's) rtol, atol
FAST_TOLS = [(1e-9, 1e-11), (1e-7, 1e-10), (1e-6, 1e-9), (1e-5, 1e-8)]


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def timed(function, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN201
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - started


def virus_case(results: Path, n_reference: int) -> dict:
    folder = results / "virus"
    crn = read_crn(folder / "crn" / "full.crn")
    species_map = SpeciesMap.load(folder / "crn" / "species.json")
    model = load_model(folder / "model" / "model.json")
    X, _, _, _ = read_part(folder / "data" / "test.csv", model.classes)
    initials, _ = example_initials(crn, species_map, model.scaling.apply(X))
    n = len(initials)
    record: dict = {
        "crn": str(folder / "crn" / "full.crn"),
        "reactions": len(crn.reactions),
        "species": len(crn.species),
    }
    record.update(examples=n, t_end=T_END, points=POINTS, load_before=load())

    # GillesPy2, the reference: a model built and run once per example, as the workflow used to.
    reference = []
    started = time.perf_counter()
    for initial in initials[:n_reference]:
        reference.append(simulate_ode(crn, T_END, POINTS, initial, *REFERENCE_TOL).values)
    gillespy_ms = 1000 * (time.perf_counter() - started) / n_reference
    reference = np.stack(reference, axis=1)  # (T, n_reference, S)
    record["gillespy2"] = {
        "examples_timed": n_reference,
        "rtol_atol": list(REFERENCE_TOL),
        "ms_per_example": round(gillespy_ms, 2),
    }
    compiled = compile_crn(crn)
    matrix = output_matrix(compiled.species, species_map)
    runs = []
    for rtol, atol in FAST_TOLS:
        (times, values, _), seconds = timed(
            simulate_batch, crn, initials, T_END, POINTS, rtol, atol, batch_size=n, compiled=compiled
        )
        deviation = float(np.max(np.abs(values[:, :n_reference, :] - reference)))
        output_deviation = float(np.max(np.abs((values[-1, :n_reference] - reference[-1]) @ matrix)))
        ms = 1000 * seconds / n
        runs.append(
            {
                "rtol_atol": [rtol, atol],
                "batch_size": n,
                "ms_per_example": round(ms, 3),
                "max_deviation_all_species_all_times": deviation,
                "max_output_deviation_at_t_end": output_deviation,
                "throughput_ratio_vs_gillespy2_here": round(gillespy_ms / ms, 1),
                "throughput_ratio_vs_field_figure": round(FIELD_MS_PER_EXAMPLE / ms, 1),
            }
        )
    record["batch_test_set"] = runs
    # Throughput with a larger batch: the test set and 9 jittered copies (scaled inputs + N(0, 0.1)).
    rng = np.random.default_rng(0)
    scaled = model.scaling.apply(X)
    many = np.concatenate([scaled] + [scaled + rng.normal(0, 0.1, scaled.shape) for _ in range(9)])
    more, _ = example_initials(crn, species_map, many)
    big = []
    for rtol, atol in FAST_TOLS:
        _, seconds = timed(simulate_batch, crn, more, T_END, POINTS, rtol, atol, batch_size=256, compiled=compiled)
        ms = 1000 * seconds / len(more)
        big.append(
            {
                "rtol_atol": [rtol, atol],
                "examples": len(more),
                "batch_size": 256,
                "ms_per_example": round(ms, 3),
                "throughput_ratio_vs_gillespy2_here": round(gillespy_ms / ms, 1),
            }
        )
    record["batch_large"] = big
    within = [r for r in runs if r["max_deviation_all_species_all_times"] <= TARGET_DEVIATION]
    best = min(within, key=lambda r: r["ms_per_example"]) if within else None
    best_large = next((b for b in big if best and b["rtol_atol"] == best["rtol_atol"]), None)
    record["headline"] = {
        "tolerances": best["rtol_atol"] if best else None,
        "ratio_test_set": best["throughput_ratio_vs_gillespy2_here"] if best else None,
        "ratio_large_batch": best_large["throughput_ratio_vs_gillespy2_here"] if best_large else None,
        "deviation": best["max_deviation_all_species_all_times"] if best else None,
        "target_ratio": TARGET_RATIO,
        "target_met_test_set": bool(best and best["throughput_ratio_vs_gillespy2_here"] >= TARGET_RATIO),
        "target_met_large_batch": bool(best_large and best_large["throughput_ratio_vs_gillespy2_here"] >= TARGET_RATIO),
    }
    record["load_after"] = load()
    return record


def mnist_case(examples: int, jobs: int, tol: tuple[float, float], n_check: int, n_gillespy: int) -> dict:
    model = random_ternary_net([196, 100, 10], seed=7)
    crn, species_map = network_to_crn(model)
    X = np.random.default_rng(8).random((examples, 196))
    settings = dataclasses.replace(defaults("simulation"), t_end=T_END, rtol=tol[0], atol=tol[1], batch_size=128)
    record: dict = {
        "network": "random 196-100-10 ternary net (seed 7), full CRN; inputs uniform on [0, 1] (seed 8)",
        "reactions": len(crn.reactions),
        "species": len(crn.species),
        "examples": examples,
        "jobs": jobs,
        "rtol_atol": list(tol),
        "what_is_timed": "dmp.sim.evaluate.evaluate_examples, as `dmp evaluate` runs it: batches of 128, "
        "outputs and dynamic measures on the measure grid (200 points per decade)",
        "load_before": load(),
    }
    (evaluation, _), seconds = timed(evaluate_examples, crn, species_map, X, settings, 1.0, jobs)
    nn = model.forward(X)
    record.update(
        seconds=round(seconds, 1),
        ms_per_example=round(1000 * seconds / examples, 2),
        target_seconds=MNIST_LIMIT_SECONDS,
        target_met=seconds < MNIST_LIMIT_SECONDS,
        argmax_agreement_with_network=float(np.mean(np.argmax(evaluation.outputs, 1) == np.argmax(nn, 1))),
        max_abs_error_vs_network=float(np.max(np.abs(evaluation.outputs - nn))),
        converged_fraction=float(np.mean(evaluation.converged)),
        load_after=load(),
    )
    # Accuracy: the first n_check examples again, one at a time with tight tolerances (same engine).
    compiled = compile_crn(crn)
    matrix = output_matrix(compiled.species, species_map)
    initials, _ = example_initials(crn, species_map, X[:n_check])
    Y0 = initial_states(compiled, crn, initials)
    times = np.array([0.0, T_END])
    tight = np.concatenate(
        [integrate_observed(compiled, Y0[b : b + 1], times, matrix, 1e-11, 1e-13)[0][-1] for b in range(n_check)]
    )
    record["max_output_deviation_vs_tight_tolerance"] = float(np.max(np.abs(evaluation.outputs[:n_check] - tight)))
    record["examples_checked"] = n_check
    if n_gillespy:
        started = time.perf_counter()
        ref = [simulate_ode(crn, T_END, 2, initials[b], *REFERENCE_TOL).values[-1] @ matrix for b in range(n_gillespy)]
        record["gillespy2_ms_per_example"] = round(1000 * (time.perf_counter() - started) / n_gillespy, 1)
        record["max_output_deviation_vs_gillespy2"] = float(np.max(np.abs(evaluation.outputs[:n_gillespy] - ref)))
        record["gillespy2_examples"] = n_gillespy
    return record


def digits_case(results: Path, jobs: int) -> dict:
    folder = results / "digits"
    model = load_model(folder / "model" / "model.json")
    X, _, _, _ = read_part(folder / "data" / "test.csv", model.classes)
    species_map = SpeciesMap.load(folder / "crn" / "species.json")
    settings = dataclasses.replace(
        defaults("simulation"), t_end=T_END, rtol=REFERENCE_TOL[0], atol=REFERENCE_TOL[1], batch_size=64
    )
    out: dict = {"layer_sizes": model.layer_sizes, "examples": len(X), "rtol_atol": list(REFERENCE_TOL)}
    for name in ("full", "reduced"):
        crn = read_crn(folder / "crn" / f"{name}.crn")
        (evaluation, _), seconds = timed(
            evaluate_examples, crn, species_map, model.scaling.apply(X), settings, 1.0, jobs
        )
        nn = model.forward(X)
        out[name] = {
            "reactions": len(crn.reactions),
            "species": len(crn.species),
            "seconds": round(seconds, 2),
            "ms_per_example": round(1000 * seconds / len(X), 2),
            "argmax_agreement_with_network": float(np.mean(np.argmax(evaluation.outputs, 1) == np.argmax(nn, 1))),
            "max_abs_error_vs_network": float(np.max(np.abs(evaluation.outputs - nn))),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", default="virus,mnist,digits")
    parser.add_argument("--results", default=str(ROOT / "results"), help="the workflow's results folder")
    parser.add_argument("--reference-examples", type=int, default=20, help="examples GillesPy2 runs (virus)")
    parser.add_argument("--mnist-examples", type=int, default=10_000)
    parser.add_argument("--mnist-rtol", type=float, default=1e-5)
    parser.add_argument("--mnist-atol", type=float, default=1e-8)
    parser.add_argument("--mnist-check", type=int, default=16, help="examples re-run with tight tolerances")
    parser.add_argument("--mnist-gillespy", type=int, default=1, help="examples GillesPy2 runs (MNIST size)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes for the big test sets")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "sim.json"))
    args = parser.parse_args()
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    record: dict = {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "field_reference_ms_per_example": FIELD_MS_PER_EXAMPLE,
    }
    results = Path(args.results)
    if "virus" in cases:
        record["virus"] = virus_case(results, args.reference_examples)
        print(json.dumps(record["virus"]["headline"], indent=2), flush=True)
    if "mnist" in cases:
        tol = (args.mnist_rtol, args.mnist_atol)
        record["mnist_size"] = mnist_case(args.mnist_examples, args.jobs, tol, args.mnist_check, args.mnist_gillespy)
        print(json.dumps({k: v for k, v in record["mnist_size"].items() if k != "network"}, indent=2), flush=True)
    if "digits" in cases and (results / "digits" / "model" / "model.json").is_file():
        record["digits"] = digits_case(results, args.jobs)
        print(json.dumps(record["digits"], indent=2), flush=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(out.read_text()) if out.is_file() else {}
    previous.update(record)  # keep cases not run this time
    out.write_text(json.dumps(previous, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
