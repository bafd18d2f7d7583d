"""Benchmark: sequence design + scoring of the virus system (target: under 10 minutes on 2 cores).

For each scheme the virus network's full CRN is compiled and verified (untimed), then every candidate is designed and
scored by `dmp design` (two processes at a time, as `snakemake --cores 2` runs them) and the
winner is selected by `dmp select`. Reported per scheme: strands, nucleotides, wall and CPU time of
every candidate (its wall split into toeholds, domains, scores), of select, and the stage's total wall time; overall:
the wall time of both schemes together, for the default candidate count.

It also records what the dimer screen leaves out, as the winner's scoring measured it: a seeded
sample of top-strand pairs sharing no complementary stretch of `dimer_screen_nt` nt, folded anyway.

    python benchmarks/seq_benchmark.py [--candidates N] [--workers 2] [--out benchmarks/results/seq.json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dmp.config import defaults  # noqa: E402
from dmp.crn.io import write_crn  # noqa: E402
from dmp.crn.translate import network_to_crn  # noqa: E402
from dmp.stages.common import Run  # noqa: E402
from dmp.stages.dsd import compile_system, verify_all  # noqa: E402

TARGET_SECONDS = 600.0
SCHEMES = ("soloveichik2010", "cardelli2011_NM_noGC")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_parallel(commands: list[list[str]], workers: int) -> list[dict]:
    """Run commands `workers` at a time; each result: wall and CPU seconds and the JSON it printed."""
    pending = list(enumerate(commands))
    running: dict[int, tuple[subprocess.Popen, float, int]] = {}  # pid -> (process, start, index)
    results: dict[int, dict] = {}
    while pending or running:
        while pending and len(running) < workers:
            k, command = pending.pop(0)
            process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            running[process.pid] = (process, time.perf_counter(), k)
        pid, status, usage = os.wait4(-1, 0)  # the child's own CPU time comes with its exit
        if pid not in running:
            continue
        process, started, k = running.pop(pid)
        process.returncode = os.waitstatus_to_exitcode(status)
        out, err = process.stdout.read(), process.stderr.read()
        if process.returncode:
            raise SystemExit(f"{' '.join(commands[k])} failed: {err.strip()}")
        results[k] = {
            "wall_seconds": time.perf_counter() - started,
            "cpu_seconds": usage.ru_utime + usage.ru_stime,
            "output": json.loads(out),
        }
    return [results[k] for k in sorted(results)]


def screen_figures(candidate_json: Path) -> dict:
    """What the dimer screen left out, as the candidate's scoring measured it on a seeded sample."""
    record = json.loads(candidate_json.read_text())
    tsi = record["details"]["tsi"]
    out = tsi.get("screened_out", {})
    return {
        "top_strands": record["details"]["top_strands"],
        "pairs_total": tsi["pairs_total"],
        "pairs_folded": tsi["pairs_folded"],
        "screened_out_pairs": out.get("pairs"),
        "screened_out_sample": out.get("sample"),
        "screened_out_mean_percent": round(out.get("mean_percent", 0.0), 3),
        "screened_out_max_percent": round(out.get("max_percent", 0.0), 3),
        "estimated_left_out_tsi_per_strand": round(out.get("estimated_percent_per_strand", 0.0), 1),
        "tsi_avg_counted": round(record["scores"]["tsi_avg"], 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--candidates", type=int, default=defaults("seq").candidates)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--virus-model", default=str(ROOT / "results/virus/model/model.json"))
    parser.add_argument("--out", default=str(ROOT / "benchmarks/results/seq.json"))
    args = parser.parse_args()

    from dmp.nn.model import load_model

    model = load_model(args.virus_model)
    dmp = [sys.executable, "-m", "dmp"]
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        crn_path = work / "virus-full.crn"
        write_crn(network_to_crn(model)[0], crn_path)
        folders = {}
        for scheme in SCHEMES:
            compiled = compile_system(Run(), crn_path, scheme, work / scheme / "dsd")
            verify_all(work / scheme / "dsd")  # `dmp design` takes only verified systems (not timed here)
            folders[scheme] = (work / scheme / "dsd", work / scheme / "seq", compiled)
        # all candidates of both schemes, two at a time, as the workflow runs them
        commands, owners = [], []
        for scheme, (dsd, seq, _) in folders.items():
            for k in range(args.candidates):
                out = seq / "candidates" / f"{k}.json"
                commands.append([*dmp, "design", str(dsd), "--candidate", str(k), "--out", str(out)])
                owners.append((scheme, k))
        cpu0, started = children_cpu(), time.perf_counter()
        designed = run_parallel(commands, args.workers)
        design_wall, design_cpu = time.perf_counter() - started, children_cpu() - cpu0
        selects = {}
        for scheme, (_, seq, _) in folders.items():
            cpu1, t1 = children_cpu(), time.perf_counter()
            subprocess.run(
                [
                    *dmp,
                    "select",
                    str(seq),
                    "--candidates",
                    *(str(seq / "candidates" / f"{k}.json") for k in range(args.candidates)),
                ],
                check=True,
                capture_output=True,
            )
            selects[scheme] = {
                "wall_seconds": round(time.perf_counter() - t1, 1),
                "cpu_seconds": round(children_cpu() - cpu1, 1),
            }
        total_wall = time.perf_counter() - started
        for scheme, (_, seq, _compiled) in folders.items():
            summary = json.loads((seq / "summary.json").read_text())
            candidates = []
            for (owner, k), result in zip(owners, designed, strict=True):
                if owner == scheme:
                    seconds = result["output"]["seconds"]
                    candidates.append(
                        {
                            "candidate": k,
                            "wall_seconds": round(result["wall_seconds"], 1),
                            "cpu_seconds": round(result["cpu_seconds"], 1),
                            "toeholds_seconds": round(seconds["toeholds"], 1),
                            "domains_seconds": round(seconds["domains"], 1),
                            "scores_seconds": round(seconds["scores"], 1),
                            "passed_checks": result["output"]["passed"],
                        }
                    )
            record = {
                "scheme": scheme,
                "strands": summary["strands"],
                "nucleotides": summary["nucleotides"],
                "domains": summary["domains"],
                "toeholds": summary["toeholds"],
                "candidates": candidates,
                "select": selects[scheme],
                "winner": summary["winner"],
                "winner_scores": {k: None if v is None else round(v, 4) for k, v in summary["scores"].items()},
                "checks": summary["checks"],
                "screen": screen_figures(seq / "candidates" / f"{summary['winner']}.json"),
            }
            print(json.dumps(record), flush=True)
            runs.append(record)
    result = {
        "network": "virus 10-8-4, full CRN",
        "candidates_per_scheme": args.candidates,
        "workers": args.workers,
        "design_wall_seconds_all_schemes": round(design_wall, 1),
        "design_cpu_seconds_all_schemes": round(design_cpu, 1),
        "total_wall_seconds_all_schemes": round(total_wall, 1),
        "target_seconds": TARGET_SECONDS,
        "met": total_wall <= TARGET_SECONDS,
        "machine": {
            "cores": len(os.sched_getaffinity(0)),
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
            "python": sys.version.split()[0],
        },
        "note": "wall times include other processes sharing the machine; cpu seconds are this benchmark's own",
        "runs": runs,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "runs"}))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
