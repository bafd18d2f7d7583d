"""Benchmark: compile + enumerate + verify (the DSD stage) against the field's reference figure.

Reference (measured in the field, ../shared/NOTES.md): Nuskell 0.8, soloveichik2010 scheme with
CRN bisimulation, about 86 s on 2 cores for the unreduced dual-rail CRN of a 10-8-4 ternary
net (60 reactions, 270 enumerated reactions, 19,400 nt). Targets: the virus network at least
20x faster (<= 4.3 s), an MNIST-size network (196-100-10) within 10 minutes.

Each case runs the stage's own steps in this process (compile, all module chunks, collect),
timed from a cold start of the enumerator. Usage:

    python benchmarks/dsd_benchmark.py [--cases virus,mnist] [--out benchmarks/results/dsd.json]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dmp.crn.io import write_crn  # noqa: E402
from dmp.crn.translate import network_to_crn, reduce_network_crn  # noqa: E402
from dmp.nn.model import TernaryModel  # noqa: E402
from dmp.nn.random import random_ternary_net  # noqa: E402
from dmp.stages.common import Run  # noqa: E402
from dmp.stages.dsd import compile_system, verify_all  # noqa: E402

REFERENCE_SECONDS = 86.0
TARGET_SPEEDUP = 20.0
MNIST_LIMIT_SECONDS = 600.0


def run_case(name: str, crn_path: Path, scheme: str, work: Path) -> dict:
    out = work / f"{name}-{scheme}"
    started = time.perf_counter()
    compiled = compile_system(Run(), crn_path, scheme, out)
    t_compile = time.perf_counter() - started
    summary = verify_all(out)
    total = time.perf_counter() - started
    report = json.loads((out / "verification.json").read_text())
    return {
        "case": name,
        "scheme": scheme,
        "modules": summary["modules"],
        "distinct_module_shapes": summary["distinct_module_shapes"],
        "implementation_reactions": summary["implementation_reactions"],
        "nucleotides": summary["nucleotides"],
        "strands": summary["strands"],
        "verified": summary["verified"],
        "seconds_compile": round(t_compile, 3),
        "seconds_modules": round(report["wall_time_seconds"]["modules"], 3),
        "seconds_collect": round(report["wall_time_seconds"]["collect"], 3),
        "seconds_total": round(total, 3),
        "crosstalk_candidate_pairs": report["crosstalk"].get("candidate_pairs"),
        "crosstalk_enumerated_pairs": report["crosstalk"].get("enumerated_pairs"),
        "compiled": compiled,
    }


def cli_seconds(crn_path: Path, scheme: str, out: Path) -> float:
    """Wall time of `dmp compile` + `dmp verify` as a user runs them (process start and imports included)."""
    started = time.perf_counter()
    for args in (["compile", str(crn_path), "--scheme", scheme, "--out", str(out)], ["verify", str(out)]):
        subprocess.run([sys.executable, "-m", "dmp", *args], check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", default="virus,mnist")
    parser.add_argument("--schemes", default="soloveichik2010,cardelli2011_NM_noGC")
    parser.add_argument("--virus-model", default=str(ROOT / "results/virus/model/model.json"))
    parser.add_argument("--out", default=str(ROOT / "benchmarks/results/dsd.json"))
    args = parser.parse_args()

    from dmp.nn.model import load_model

    cases: list[tuple[str, TernaryModel]] = []
    wanted = args.cases.split(",")
    if "virus" in wanted:
        virus = Path(args.virus_model)
        model = load_model(virus) if virus.is_file() else random_ternary_net([10, 8, 4], 2020)
        cases.append(("virus-10-8-4" if virus.is_file() else "random-10-8-4", model))
    if "random10" in wanted:
        cases.append(("random-10-8-4", random_ternary_net([10, 8, 4], 2020, zero_fraction=0.0)))
    if "mnist" in wanted:
        cases.append(("random-196-100-10", random_ternary_net([196, 100, 10], 2020)))

    records = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name, model in cases:
            full, species = network_to_crn(model)
            reduced = reduce_network_crn(full, species)
            for kind, crn in (("full", full), ("reduced", reduced)):
                path = work / f"{name}-{kind}.crn"
                write_crn(crn, path)
                for scheme in args.schemes.split(","):
                    record = run_case(f"{name}-{kind}", path, scheme, work)
                    record["formal_reactions"] = len(crn.reactions)
                    record["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
                    if "10-8-4" in name:
                        record["speedup_vs_nuskell_86s"] = round(REFERENCE_SECONDS / record["seconds_total"], 1)
                        cli = cli_seconds(path, scheme, work / f"cli-{name}-{kind}-{scheme}")
                        record["seconds_cli_end_to_end"] = round(cli, 3)
                        record["speedup_cli_vs_nuskell_86s"] = round(REFERENCE_SECONDS / cli, 1)
                    print(json.dumps({k: v for k, v in record.items() if k != "compiled"}), flush=True)
                    records.append(record)
    result = {
        "reference": {
            "tool": "Nuskell 0.8",
            "scheme": "soloveichik2010",
            "verification": "crn-bisimulation",
            "seconds": REFERENCE_SECONDS,
            "network": "unreduced dual-rail 10-8-4 (60 reactions)",
        },
        "targets": {"virus_speedup": TARGET_SPEEDUP, "mnist_seconds": MNIST_LIMIT_SECONDS},
        "machine": {"cores": len(__import__("os").sched_getaffinity(0)), "python": sys.version.split()[0]},
        "note": "single process; the workflow runs module chunks as parallel jobs",
        "runs": records,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
