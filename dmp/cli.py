"""The `dmp` command: argument parsing and error reporting only; the work is in `dmp.stages`.

User errors (DmpError) print one line `dmp: error: ...` on stderr and exit with status 1,
without a traceback. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from dmp import __version__
from dmp.config import STAGE_DEFAULTS, load_config, stage_settings
from dmp.errors import DmpError


def _config(args: argparse.Namespace) -> dict[str, Any]:
    return load_config(args.config)


def _settings(args: argparse.Namespace, stage: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Stage settings from --config/--dataset when given, else the defaults."""
    if getattr(args, "dataset", None):
        config = _config(args)
        return stage_settings(config, args.dataset, stage), config
    return dict(STAGE_DEFAULTS[stage]), None


def _print(data: Any) -> None:
    print(json.dumps(data, indent=2))


def cmd_dataset(args: argparse.Namespace) -> None:
    from dmp.stages import check_dataset, prepare_dataset

    if args.check:
        check_dataset(_config(args), args.dataset)
        _print({"dataset": args.dataset, "files": "present"})
        return
    if not args.out_dir:
        raise DmpError("dmp dataset needs --out-dir (or --check to only look for the data files)")
    record = prepare_dataset(_config(args), args.dataset, args.out_dir)
    _print({"dataset": args.dataset, "sizes": record["sizes"]})


def cmd_train(args: argparse.Namespace) -> None:
    from dmp.stages import train_network

    metrics = train_network(_config(args), args.dataset, args.data_dir, args.out, args.history, args.curves)
    _print(metrics)


def cmd_crn(args: argparse.Namespace) -> None:
    from dmp.stages import build_crns

    settings, config = _settings(args, "crn")
    if args.inputs:
        settings["inputs"] = args.inputs
    if args.rate is not None:
        settings["rate_constant"] = args.rate
    _print(build_crns(args.model, args.out_dir, settings, config))


def cmd_simulate(args: argparse.Namespace) -> None:
    from dmp.stages import simulate_file

    text = simulate_file(args.crn, args.t_end, args.method, args.seed, args.out, args.points, args.molecules_per_unit)
    if args.out is None:
        sys.stdout.write(text)


def cmd_evaluate(args: argparse.Namespace) -> None:
    from dmp.sim.pipeline import collect_outputs, evaluate_crn

    if args.collect is not None:
        _print(collect_outputs(args.out, args.collect))
        return
    missing = [f"--{name}" for name in ("crn", "species", "model", "data") if getattr(args, name) is None]
    if missing:
        raise DmpError(f"dmp evaluate needs {', '.join(missing)} (or --collect N --out OUT)")
    settings, _ = _settings(args, "simulation")
    dsd, _ = _settings(args, "dsd")
    if args.engine:
        settings["engine"] = args.engine
    unit = args.unit_nm if args.unit_nm is not None else dsd["unit_nM"]
    jobs = args.jobs or settings["jobs"]
    _print(
        evaluate_crn(
            args.crn,
            args.species,
            args.model,
            args.data,
            settings,
            args.out,
            jobs,
            level=args.level,
            unit_nM=unit,
            chunk=args.chunk,
            chunks=args.of,
        )
    )


def cmd_agreement(args: argparse.Namespace) -> None:
    from dmp.sim.pipeline import summarize_agreement

    settings, config = _settings(args, "simulation")
    dsd, _ = _settings(args, "dsd")
    summary = summarize_agreement(
        args.model,
        args.data,
        dict(item.split("=", 1) for item in args.outputs),
        dict(item.split("=", 1) for item in args.crns),
        args.species,
        settings,
        args.out_dir,
        config,
        dna_outputs=dict(item.split("=", 1) for item in args.dna_outputs or []),
        dna_paths=dict(item.split("=", 1) for item in args.dna_crns or []),
        unit_nM=dsd["unit_nM"],
        dna_source=dsd["crn"],
    )
    _print({k: v for k, v in summary.items() if k not in ("crns", "dna")})


def cmd_ssa(args: argparse.Namespace) -> None:
    from dmp.sim.pipeline import ssa_ensembles

    settings, config = _settings(args, "simulation")
    seed = config["seed"] if config else args.seed
    summary = ssa_ensembles(args.crn, args.species, args.model, args.data, settings, args.out_dir, seed, config)
    _print({k: v for k, v in summary.items() if k != "sweep"})


def cmd_rates(args: argparse.Namespace) -> None:
    from dmp.sim.pipeline import rate_independence

    settings, config = _settings(args, "simulation")
    seed = config["seed"] if config else args.seed
    crns = dict(item.split("=", 1) for item in args.crns)
    summary = rate_independence(crns, args.species, args.model, args.data, settings, args.out_dir, seed, config)
    _print({k: v for k, v in summary.items() if k != "provenance"})


def cmd_pattern(args: argparse.Namespace) -> None:
    from dmp.stages import draw_pattern

    settings, config = _settings(args, "simulation")
    pattern, _ = _settings(args, "pattern")
    upsample = args.upsample if args.upsample is not None else pattern["upsample"]
    if upsample < 1:
        raise DmpError(f"--upsample must be at least 1 (got {upsample})")
    crns = dict(item.split("=", 1) for item in args.crns)
    jobs = args.jobs or settings["jobs"]
    summary = draw_pattern(
        args.data_dir, args.model, crns, args.species, settings, upsample, args.out_dir, config, jobs
    )
    _print({k: v for k, v in summary.items() if k != "crns"})


def cmd_compile(args: argparse.Namespace) -> None:
    from dmp.stages import compile_dsd

    settings, config = _settings(args, "dsd")
    if args.backend:
        settings["backend"] = args.backend
    if args.species:
        from dmp.crn.translate import SpeciesMap

        settings["inputs"] = SpeciesMap.load(args.species).input_species()
    _print(compile_dsd(args.crn, args.scheme, args.out, settings, config))


def cmd_verify(args: argparse.Namespace) -> None:
    from dmp.dsd.pipeline import collect_chunks, verify_all, verify_chunk

    if args.collect is not None:
        summary = collect_chunks(args.dir, args.collect)
    elif args.chunk is not None or args.of is not None:
        if args.chunk is None or args.of is None:
            raise DmpError("--chunk and --of go together (chunk K of N, counted from 0)")
        path = verify_chunk(args.dir, args.chunk, args.of)
        _print({"chunk": str(path)})
        return
    else:
        summary = verify_all(args.dir)
    _print({k: v for k, v in summary.items() if k != "module_status"})
    limits = summary.get("limits_reached") or []
    problem = None
    if limits:
        more = f" ({len(limits) - 1} more limit(s) reached)" if len(limits) > 1 else ""
        problem = f"{args.dir}: not verified: {limits[0]['error']}{more}; see {args.dir}/verification.json"
    elif not summary["verified"]:
        problem = (
            f"{args.dir}: not verified; see {args.dir}/verification.json (failed modules: "
            f"{', '.join(summary['failed_modules']) or 'none'}, crosstalk verified: "
            f"{summary['crosstalk_verified']}, whole verified: {summary['whole_verified']})"
        )
    if problem and args.warn_only:
        # The workflow keeps verification.json (Snakemake deletes a failed job's outputs) and
        # `dmp design` refuses the unverified folder, so the run still fails, one stage later.
        print(f"dmp: warning: {problem}", file=sys.stderr)
    elif problem:
        raise DmpError(problem)


def cmd_design(args: argparse.Namespace) -> None:
    from dmp.stages import design_sequences

    settings, config = _settings(args, "seq")
    _print(design_sequences(args.dir, args.candidate, args.out, settings, config))


def cmd_select(args: argparse.Namespace) -> None:
    from dmp.stages import select_sequences

    settings, config = _settings(args, "seq") if args.dataset else (None, None)
    summary = select_sequences(args.dir, args.candidates, args.dsd, settings, config)
    _print({k: v for k, v in summary.items() if k not in ("provenance",)})


def _name_eq_path(text: str) -> str:
    if "=" not in text or not text.split("=", 1)[0]:
        raise argparse.ArgumentTypeError(f"expected NAME=PATH, got {text!r}")
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dmp",
        description="Compile ternary ReLU networks into chemical reaction networks and DNA strand-displacement "
        "gates, and check every level by simulation and formal verification.",
    )
    parser.add_argument("--version", action="version", version=f"dmp {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def with_config(p: argparse.ArgumentParser, required_dataset: bool) -> None:
        p.add_argument("--config", default="config.yaml", help="config file (default: config.yaml)")
        p.add_argument("--dataset", required=required_dataset, help="dataset key under `datasets:` in the config")

    p = sub.add_parser("dataset", help="load, split and scale a dataset")
    with_config(p, True)
    p.add_argument("--out-dir", help="folder for train/val/test.csv and split.json")
    p.add_argument("--check", action="store_true", help="only check that the data files are present; write nothing")
    p.set_defaults(func=cmd_dataset)

    p = sub.add_parser("train", help="train the ternary ReLU network and write model.json")
    with_config(p, True)
    p.add_argument("--data-dir", required=True, help="folder written by `dmp dataset`")
    p.add_argument("--out", required=True, help="model.json to write")
    p.add_argument("--history", help="per-epoch TSV to write")
    p.add_argument("--curves", help="training-curve PNG to write")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("crn", help="translate model.json into full.crn, reduced.crn and species.json")
    p.add_argument("model", help="model.json")
    with_config(p, False)
    p.add_argument("--out-dir", required=True)
    p.add_argument("--inputs", choices=["dual_rail", "shifted"], help="input encoding (overrides the config)")
    p.add_argument("--rate", type=float, help="rate constant of every reaction (overrides the config)")
    p.set_defaults(func=cmd_crn)

    p = sub.add_parser("simulate", help="simulate a .crn file from its @initial concentrations; CSV out")
    p.add_argument("crn", help=".crn file")
    p.add_argument("--t-end", type=float, required=True, help="end time")
    p.add_argument("--method", choices=["ode", "ssa"], default="ode")
    p.add_argument("--seed", type=int, default=0, help="SSA seed")
    p.add_argument("--points", type=int, default=101, help="time points from 0 to t_end (default 101)")
    p.add_argument("--molecules-per-unit", type=int, default=100, help="SSA molecules per concentration unit")
    p.add_argument("--out", help="CSV file to write (default: standard output)")
    p.set_defaults(func=cmd_simulate)

    p = sub.add_parser("compile", help="compile a .crn file into DNA strand-displacement gates (PIL, tables)")
    p.add_argument("crn", help=".crn file (formal CRN)")
    p.add_argument("--scheme", required=True, help="translation scheme: soloveichik2010 or cardelli2011_NM_noGC")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--backend", choices=["dmp", "nuskell"], help="who translates (default: dsd.backend or dmp)")
    p.add_argument("--species", help="species.json of a network CRN: only its input species are supplied as inputs")
    with_config(p, False)
    p.set_defaults(func=cmd_compile)

    p = sub.add_parser("verify", help="enumerate (peppercorn) and verify (crnverifier) a compiled folder")
    p.add_argument("dir", help="folder written by `dmp compile`")
    p.add_argument("--chunk", type=int, help="run only chunk K (0-based) of the modules ...")
    p.add_argument("--of", type=int, help="... out of N chunks; writes DIR/chunks/K-of-N.json")
    p.add_argument("--collect", type=int, metavar="N", help="combine the N chunk results into the outputs")
    p.add_argument(
        "--warn-only",
        action="store_true",
        help="an unverified system is a warning (exit 0), not an error; verification.json records it either way",
    )
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("design", help="design and score one sequence candidate for a compiled DSD folder")
    p.add_argument("dir", help="folder written by `dmp compile` and verified by `dmp verify`, or a PIL file")
    p.add_argument("--candidate", type=int, required=True, help="candidate index K (its seed derives from it)")
    p.add_argument("--out", required=True, help="sequence folder; writes OUT/candidates/K.json")
    with_config(p, False)
    p.set_defaults(func=cmd_design)

    p = sub.add_parser("select", help="rank sequence candidates; write sequences, scores, report, order sheets")
    p.add_argument("dir", help="sequence folder holding candidates/0..N-1.json")
    p.add_argument("--candidates", type=int, required=True, metavar="N", help="number of candidates to rank")
    p.add_argument("--dsd", help="the DSD folder or PIL file (default: the one the candidates record)")
    with_config(p, False)
    p.set_defaults(func=cmd_select)

    p = sub.add_parser("evaluate", help="simulate a CRN on the test examples (formal or DNA level, in chunks)")
    p.add_argument("--crn", help=".crn file: a network CRN, or a DSD folder's enumerated.crn with --level dna")
    p.add_argument("--species", help="species.json")
    p.add_argument("--model", help="model.json")
    p.add_argument("--data", help="test.csv")
    with_config(p, False)
    p.add_argument("--level", choices=["formal", "dna"], default="formal", help="dna: concentrations in nM, seconds")
    p.add_argument("--unit-nm", type=float, help="nM per formal unit at the DNA level (default: dsd.unit_nM)")
    p.add_argument("--engine", choices=["batch", "gillespy2"], help="ODE engine (default: simulation.engine)")
    p.add_argument("--jobs", type=int, help="worker processes (default: simulation.jobs)")
    p.add_argument("--chunk", type=int, help="simulate only chunk K (0-based) of the examples ...")
    p.add_argument("--of", type=int, help="... out of N chunks; writes chunks/<OUT stem>.K-of-N.tsv beside OUT")
    p.add_argument("--collect", type=int, metavar="N", help="merge the N chunk tables into OUT")
    p.add_argument("--out", required=True, help="TSV of CRN outputs per example")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("agreement", help="compare CRN outputs with the network; agreement.tsv, summary.json, figures")
    p.add_argument("--model", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--species", required=True)
    p.add_argument("--outputs", nargs="+", required=True, type=_name_eq_path, help="NAME=outputs.tsv per formal CRN")
    p.add_argument("--crns", nargs="+", required=True, type=_name_eq_path, help="NAME=file.crn per formal CRN")
    p.add_argument("--dna-outputs", nargs="+", type=_name_eq_path, help="SCHEME=outputs.tsv per DNA-level CRN")
    p.add_argument("--dna-crns", nargs="+", type=_name_eq_path, help="SCHEME=enumerated.crn per DNA-level CRN")
    with_config(p, False)
    p.add_argument("--out-dir", required=True)
    p.set_defaults(func=cmd_agreement)

    p = sub.add_parser("ssa", help="stochastic (SSA) ensembles per test example and a molecule-count sweep")
    p.add_argument("--crn", required=True)
    p.add_argument("--species", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--data", required=True)
    with_config(p, False)
    p.add_argument("--seed", type=int, default=0, help="seed when no --config is given")
    p.add_argument("--out-dir", required=True)
    p.set_defaults(func=cmd_ssa)

    p = sub.add_parser("rates", help="re-simulate with random rate constants; contrast with a competitive CRN")
    p.add_argument("--crns", nargs="+", required=True, type=_name_eq_path, help="NAME=file.crn per formal CRN")
    p.add_argument("--species", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--data", required=True)
    with_config(p, False)
    p.add_argument("--seed", type=int, default=0, help="seed when no --config is given")
    p.add_argument("--out-dir", required=True)
    p.set_defaults(func=cmd_rates)

    p = sub.add_parser("pattern", help="draw the image a pattern network's CRNs compute on the pixel grid")
    p.add_argument("--data-dir", required=True, help="folder written by `dmp dataset` for a pattern dataset")
    p.add_argument("--model", required=True, help="model.json")
    p.add_argument("--species", required=True, help="species.json")
    p.add_argument("--crns", nargs="+", required=True, type=_name_eq_path, help="NAME=file.crn per CRN")
    with_config(p, False)
    p.add_argument("--upsample", type=int, help="also draw on a grid this many times finer (default: pattern.upsample)")
    p.add_argument("--jobs", type=int, help="worker processes (default: simulation.jobs)")
    p.add_argument("--out-dir", required=True, help="folder for drawing.png and pattern.json")
    p.set_defaults(func=cmd_pattern)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except DmpError as exc:
        print(f"dmp: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("dmp: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
