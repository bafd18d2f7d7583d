"""Benchmark: compile + enumerate + verify (the DSD stage) against the field's reference figure.

Reference (measured in the field, ../shared/NOTES.md): Nuskell 0.8, soloveichik2010 scheme with
CRN bisimulation, about 86 s on 2 cores for the unreduced dual-rail CRN of a 10-8-4 ternary
net (60 reactions, 270 enumerated reactions, 19,400 nt). Targets: the virus network at least
20x faster (<= 4.3 s), an MNIST-size network (196-100-10) within 10 minutes.

Each case runs the stage's own steps in this process (compile, all module chunks, collect),
timed from a cold start of the enumerator; enumeration and verification times are split from
verification.json (module enumerations and crosstalk pairs vs. crnverifier calls). Usage:

    python benchmarks/dsd_benchmark.py [--cases virus,mnist] [--schemes a,b] [--out benchmarks/results/dsd.json]
    python benchmarks/dsd_benchmark.py --cases virus --growth --out benchmarks/results/dsd_schemes.json

`--growth` adds peppercorn on each whole system at once (as Nuskell enumerates), with Nuskell's
limit of 5,000 complexes, and on k independent reactions: with a toehold shared by every species
(qian2011) the complexes it generates grow with k^2, which is why Nuskell stops on network CRNs.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dmp.config import defaults  # noqa: E402
from dmp.crn.io import parse_crn, write_crn  # noqa: E402
from dmp.crn.translate import network_to_crn, reduce_network_crn  # noqa: E402
from dmp.dsd.compiler import compile_crn  # noqa: E402
from dmp.dsd.enumeration import whole_system_counts  # noqa: E402
from dmp.dsd.tables import format_pil  # noqa: E402
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
    # crnverifier's share: each module's methods, the whole-system check and the fan-out cascades.
    # (A module of an already verified shape carries that verdict, seconds included: counted once.)
    verify_modules = sum(
        m.get("seconds", 0.0)
        for row in report["modules"]
        if "same_shape_as" not in row
        for m in row.get("methods", {}).values()
    )
    verify_rest = report["whole"].get("seconds", 0.0) + sum(f["seconds"] for f in report["fan_out"])
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
        "seconds_enumeration": round(report["wall_time_seconds"]["modules"] - verify_modules, 3),
        "seconds_crosstalk": round(report["crosstalk"].get("seconds", 0.0), 3),
        "seconds_verification": round(verify_modules + verify_rest, 3),
        "modules_verified": summary["modules_verified"],
        "whole_verified": summary["whole_verified"],
        "crosstalk_verified": summary["crosstalk_verified"],
        "crosstalk_enumerated_pairs": report["crosstalk"].get("enumerated_pairs"),
        "compiled": compiled,
    }


def growth(schemes: list[str], whole: dict[str, Path]) -> list[dict]:
    """peppercorn on whole systems at once: k independent reactions X_i -> Y_i, and each given CRN."""
    rows = []
    dsd = defaults("dsd")
    limit = dataclasses.replace(dsd.enumeration, max_complex_count=5000)  # Nuskell's setting (NOTES.md)
    for scheme in schemes:
        for k in (1, 2, 4, 8, 16):
            crn = parse_crn("\n".join(f"X{i} -> Y{i}" for i in range(k)))
            started = time.perf_counter()
            counts = whole_system_counts(format_pil(compile_crn(crn, scheme, dsd).system), limit)
            rows.append(
                {"scheme": scheme, "crn": f"{k} x (X -> Y)", **counts, "seconds": time.perf_counter() - started}
            )
            print(json.dumps(rows[-1]), flush=True)
        for name, path in whole.items():
            started = time.perf_counter()
            system = compile_crn(parse_crn(path.read_text()), scheme, dsd).system
            counts = whole_system_counts(format_pil(system), limit)
            rows.append({"scheme": scheme, "crn": name, **counts, "seconds": time.perf_counter() - started})
            print(json.dumps(rows[-1]), flush=True)
    return rows


def cli_seconds(crn_path: Path, scheme: str, out: Path) -> float:
    """Wall time of `dmp compile` + `dmp verify` as a user runs them (process start and imports included)."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "dmp", "compile", str(crn_path), "--scheme", scheme, "--out", str(out)],
        check=True,
        capture_output=True,
    )
    # `dmp verify` exits 1 on a system it cannot verify (qian2011_3D as drawn): still timed.
    subprocess.run([sys.executable, "-m", "dmp", "verify", str(out)], capture_output=True)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", default="virus,mnist")
    parser.add_argument("--schemes", default="soloveichik2010,cardelli2011_NM_noGC,srinivas2017,qian2011_3D_var1")
    parser.add_argument("--growth", action="store_true", help="also enumerate whole systems at once (see above)")
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
    whole: dict[str, Path] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name, model in cases:
            full, species = network_to_crn(model)
            reduced = reduce_network_crn(full, species)
            for kind, crn in (("full", full), ("reduced", reduced)):
                path = work / f"{name}-{kind}.crn"
                write_crn(crn, path)
                if kind == "full" and "10-8-4" in name:
                    whole[f"{name}-{kind}"] = path
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
        growth_rows = growth(args.schemes.split(","), whole) if args.growth else []
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
        "load_average_at_end": list(__import__("os").getloadavg()),
        "runs": records,
    }
    if growth_rows:
        result["whole_system_enumeration"] = {
            "note": "peppercorn on the whole system at once, max_complex_count 5000 as Nuskell; 'stopped' is "
            "the limit Nuskell reports as PolymerizationError; transient complexes are toehold contacts",
            "runs": growth_rows,
        }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
