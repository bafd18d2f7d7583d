"""One sequence candidate as independent jobs, the way a cluster would run it (used by seq_benchmark.py).

    python benchmarks/seq_jobs.py design  DSD_DIR WORK --candidate K [--settings JSON]
        toeholds + long domains -> WORK/design.json; the scoring plan -> WORK/plan.json
    python benchmarks/seq_jobs.py score   WORK --chunk C --of N
        the plan's tasks of chunk C -> WORK/chunks/C-of-N.json
    python benchmarks/seq_jobs.py collect WORK --of N
        all chunks -> WORK/candidate.json (scores, checks, binding: designed / shuffled / random)

The library functions are dmp.seq.design.design_sequences / candidate_result and
dmp.seq.scorejobs.score_plan / run_chunk / collect; the stage layer will call the same ones.
--settings holds seq settings as JSON (any subset; the schema's defaults fill the rest).
A DSD folder is read with load_compiled (a verified folder is not required here: the MNIST-size
benchmark system is compiled but too large to verify in the benchmark's time).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dmp.config import schema_defaults  # noqa: E402
from dmp.params import build, to_dict  # noqa: E402
from dmp.seq.design import (  # noqa: E402
    CANDIDATE_FORMAT,
    candidate_result,
    candidate_seed,
    design_sequences,
    system_hash,
)
from dmp.seq.model import Design  # noqa: E402
from dmp.seq.scorejobs import ScorePlan, collect, run_chunk, score_plan  # noqa: E402
from dmp.seq.settings import SeqSettings  # noqa: E402
from dmp.seq.thermo import Thermo  # noqa: E402
from dmp.stages.dsd import load_compiled  # noqa: E402


def seq_settings(changes: dict) -> SeqSettings:
    """The seq settings at the schema's defaults with `changes` (nested sections merged key by key)."""
    merged = schema_defaults("seq")
    for key, value in changes.items():
        merged[key] = (
            {**merged[key], **value} if isinstance(value, dict) and isinstance(merged.get(key), dict) else value
        )
    return build(SeqSettings, merged, "seq")


def _load(work: Path) -> tuple[dict, SeqSettings, object, Design, Thermo]:
    meta = json.loads((work / "design.json").read_text())
    settings = build(SeqSettings, meta["settings"], "seq")
    _, system, _ = load_compiled(meta["dsd_dir"])
    design = Design(meta["domains"], seed=meta["seed"], info={"domain_search": meta["domain_search"]})
    return meta, settings, system, design, Thermo(settings.temperature, settings.salt)


def design(args: argparse.Namespace) -> dict:
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    options = seq_settings(json.loads(args.settings))
    _, system, _ = load_compiled(args.dsd)
    seed = candidate_seed(2020, system.scheme, args.candidate)
    started = time.perf_counter()
    result, toehold_use, seconds = design_sequences(system, options, seed)
    mark = time.perf_counter()
    plan = score_plan(system, result, options, seed + 2)
    seconds["plan"] = time.perf_counter() - mark
    meta = {
        "dsd_dir": str(args.dsd),
        "candidate": args.candidate,
        "seed": seed,
        "settings": to_dict(options),
        "domains": result.domains,
        "domain_search": result.info.get("domain_search", {}),
        "toehold_use": toehold_use,
        "seconds": seconds,
    }
    (work / "design.json").write_text(json.dumps(meta))
    (work / "plan.json").write_text(json.dumps({"tasks": plan.tasks, "context": plan.context}))
    return {
        "tasks": len(plan.tasks),
        "seconds": {k: round(v, 1) for k, v in seconds.items()},
        "wall": time.perf_counter() - started,
    }


def _plan(work: Path) -> ScorePlan:
    raw = json.loads((work / "plan.json").read_text())
    return ScorePlan(raw["tasks"], raw["context"])


def score(args: argparse.Namespace) -> dict:
    work = Path(args.work)
    meta = json.loads((work / "design.json").read_text())
    options = meta["settings"]
    started = time.perf_counter()
    result = run_chunk(_plan(work), args.chunk, args.of, Thermo(options["temperature"], options["salt"]))
    (work / "chunks").mkdir(exist_ok=True)
    (work / "chunks" / f"{args.chunk}-of-{args.of}.json").write_text(json.dumps(result))
    return {"chunk": args.chunk, "tasks": len(result["values"]), "wall": time.perf_counter() - started}


def collect_job(args: argparse.Namespace) -> dict:
    work = Path(args.work)
    started = time.perf_counter()
    meta, options, system, design_, thermo = _load(work)
    chunks = [json.loads((work / "chunks" / f"{k}-of-{args.of}.json").read_text()) for k in range(args.of)]
    scored = collect(_plan(work), chunks, system, design_, options, thermo)
    record = {
        "format": CANDIDATE_FORMAT,
        "candidate": meta["candidate"],
        "seed": meta["seed"],
        "scheme": system.scheme,
        "system_sha256": system_hash(system),
        "dsd_dir": meta["dsd_dir"],
        "settings": meta["settings"],
        **candidate_result(system, design_, meta["toehold_use"], scored, options),
    }
    (work / "candidate.json").write_text(json.dumps(record, sort_keys=True))
    return {"passed": record["passed"], "wall": time.perf_counter() - started}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="step", required=True)
    p = sub.add_parser("design")
    p.add_argument("dsd")
    p.add_argument("work")
    p.add_argument("--candidate", type=int, default=0)
    p.add_argument("--settings", default="{}")
    p.set_defaults(func=design)
    p = sub.add_parser("score")
    p.add_argument("work")
    p.add_argument("--chunk", type=int, required=True)
    p.add_argument("--of", type=int, required=True)
    p.set_defaults(func=score)
    p = sub.add_parser("collect")
    p.add_argument("work")
    p.add_argument("--of", type=int, required=True)
    p.set_defaults(func=collect_job)
    args = parser.parse_args()
    print(json.dumps(args.func(args)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
