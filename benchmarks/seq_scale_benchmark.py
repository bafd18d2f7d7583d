"""Benchmark: one sequence candidate for an MNIST-size system, designed and scored end to end as separate jobs.

The system is the full dual-rail CRN of a random 196-100-10 ternary net (dsd_benchmark.py's
`random_ternary_net`, seed 2020) compiled with `soloveichik2010`: about 56,000 strands, 3.5 M nt
of distinct strands. The candidate runs as benchmarks/seq_jobs.py jobs: one design job, `--chunks`
scoring jobs (two at a time on this 2-core machine), one collect job, each under /usr/bin/time -v
for its wall time and peak memory. Reported: the measured wall time on 2 cores, and the time on
N parallel jobs extrapolated from the measured per-job times (design + slowest chunk + collect).

    python benchmarks/seq_scale_benchmark.py [--dsd DIR] [--chunks 16] [--settings JSON] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

MEMORY_LIMIT_MB = 4096.0
SETTINGS = {
    "domains": {"effort": 0.0},
    "negative": {"effort": 0.01},
    "scoring": {"max_pairs": 4000},
}  # config.yaml's mnist


def compile_system(out: Path) -> Path:
    from dmp.crn.io import write_crn
    from dmp.crn.translate import network_to_crn
    from dmp.nn.random import random_ternary_net
    from dmp.stages.common import Run
    from dmp.stages.dsd import compile_system as compile_dsd

    folder = out / "dsd" / "soloveichik2010"
    if not (folder / "system.json").exists():
        crn, _ = network_to_crn(random_ternary_net([196, 100, 10], 2020))
        write_crn(crn, out / "full.crn")
        compile_dsd(Run(), out / "full.crn", "soloveichik2010", folder)
    return folder


def timed(command: list[str]) -> tuple[subprocess.Popen, Path]:
    log = Path(f"/tmp/dmp-seq-scale-{os.getpid()}-{time.monotonic_ns()}.log")
    process = subprocess.Popen(
        ["/usr/bin/time", "-v", *command], stdout=subprocess.PIPE, stderr=log.open("w"), text=True
    )
    return process, log


def usage(log: Path) -> dict:
    text = log.read_text()
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", text)
    h, m, s = (float(x) if x else 0.0 for x in wall.groups()) if wall else (0.0, 0.0, 0.0)
    field = {k: float(re.search(rf"{k}: ([\d.]+)", text).group(1)) for k in ("User time \\(seconds\\)", "System time \\(seconds\\)", "Maximum resident set size \\(kbytes\\)")}  # fmt: skip
    values = list(field.values())
    return {"wall_seconds": round(3600 * h + 60 * m + s, 1), "cpu_seconds": round(values[0] + values[1], 1), "peak_rss_mb": round(values[2] / 1024, 1)}  # fmt: skip


def run(commands: list[list[str]], workers: int) -> list[dict]:
    pending, running, results = list(enumerate(commands)), [], {}
    while pending or running:
        while pending and len(running) < workers:
            k, command = pending.pop(0)
            running.append((k, *timed(command)))
        time.sleep(1)
        for item in list(running):
            k, process, log = item
            if process.poll() is not None:
                out = process.stdout.read()
                if process.returncode:
                    raise SystemExit(f"{' '.join(commands[k])} failed:\n{log.read_text()[-3000:]}")
                results[k] = {**usage(log), "output": json.loads(out.strip().splitlines()[-1])}
                running.remove(item)
    return [results[k] for k in sorted(results)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dsd", help="compiled folder (default: compile the random 196-100-10 net into --work)")
    parser.add_argument("--work", default=str(ROOT / "results/mnist_random"))
    parser.add_argument("--chunks", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--settings", default=json.dumps(SETTINGS))
    parser.add_argument("--out", default=str(ROOT / "benchmarks/results/seq_scale.json"))
    args = parser.parse_args()
    work = Path(args.work)
    started = time.perf_counter()
    dsd = Path(args.dsd) if args.dsd else compile_system(work)
    compile_seconds = time.perf_counter() - started
    jobs = [sys.executable, str(ROOT / "benchmarks" / "seq_jobs.py")]
    cand = work / "candidate0"
    mark = time.perf_counter()
    design = run([[*jobs, "design", str(dsd), str(cand), "--settings", args.settings]], 1)[0]
    print(json.dumps({"design": design}), flush=True)
    chunks = run([[*jobs, "score", str(cand), "--chunk", str(k), "--of", str(args.chunks)] for k in range(args.chunks)], args.workers)  # fmt: skip
    print(json.dumps({"chunks_wall_max": max(c["wall_seconds"] for c in chunks)}), flush=True)
    collect = run([[*jobs, "collect", str(cand), "--of", str(args.chunks)]], 1)[0]
    measured = time.perf_counter() - mark
    record = json.loads((cand / "candidate.json").read_text())
    from dmp.seq.model import strand_infos
    from dmp.stages.dsd import load_compiled

    _, system, _ = load_compiled(dsd)
    infos = strand_infos(system)
    nt = sum(sum(system.domains[d.rstrip("*")] for d in i.domains) for i in infos)
    peak = max(j["peak_rss_mb"] for j in [design, collect, *chunks])
    binding = record["details"]["binding"]
    result = {
        "system": "random 196-100-10 ternary net, full CRN, soloveichik2010",
        "strands": len(infos),
        "strand_nucleotides": nt,
        "settings": json.loads(args.settings),
        "chunks": args.chunks,
        "compile_seconds": round(compile_seconds, 1),
        "jobs": {"design": design, "score_chunks": chunks, "collect": collect},
        "wall_seconds_on_2_cores": round(measured, 1),
        "wall_seconds_on_n_jobs_extrapolated": round(
            design["wall_seconds"] + max(c["wall_seconds"] for c in chunks) + collect["wall_seconds"], 1
        ),
        "cpu_seconds_total": round(sum(j["cpu_seconds"] for j in [design, collect, *chunks]), 1),
        "peak_rss_mb_per_job": peak,
        "memory_met": peak <= MEMORY_LIMIT_MB,
        "passed_checks": record["passed"],
        "binding": {k: binding[k] for k in ("pairs", "designed", "shuffled", "random", "margin_vs_shuffled")},
        "bn_avg": record["scores"]["bn_avg"],
        "load_average_at_end": os.getloadavg(),
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "jobs"}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
