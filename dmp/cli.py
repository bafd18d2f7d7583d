"""The `dmp` command: argument parsing and error reporting only; each subcommand calls one step in `dmp.stages`.

User errors (DmpError) print one line `dmp: error: ...` on stderr and exit with status 1,
without a traceback. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import math
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from dmp import __version__
from dmp.cli_args import (
    MAX_CHUNKS,
    MAX_JOBS,
    MAX_MOLECULES_PER_UNIT,
    MAX_NT,
    MAX_SEED,
    MAX_UPSAMPLE,
    _integer,
    _name_eq_path,
    _pairs,
    _positive,
    _print,
    _run,
    _unit_nm,
    _with_config,
    _without,
)
from dmp.cli_bench import BENCH_SUBCOMMANDS
from dmp.cli_dna import DNA_SUBCOMMANDS
from dmp.errors import DmpError, format_warning


class _Parser(argparse.ArgumentParser):
    """argparse, except that a usage mistake is one line `dmp: error: ...` with exit status 1, like any bad input."""

    def error(self, message: str) -> NoReturn:
        self.exit(1, f"dmp: error: {message} (see `{self.prog} --help`)\n")


# ---------------------------------------------------------------------------- data, network, CRN


def cmd_dataset(args: argparse.Namespace) -> None:
    from dmp.stages import dataset

    run = _run(args)
    if args.check:
        dataset.check(run)
        _print({"dataset": args.dataset, "files": "present"})
        return
    if not args.out_dir:
        raise DmpError("dmp dataset needs --out-dir (or --check to only look for the data files)")
    _print({"dataset": args.dataset, "sizes": dataset.prepare(run, args.out_dir)["sizes"]})


def _add_dataset(sub: Any) -> None:
    p = sub.add_parser("dataset", help="load, split and scale a dataset")
    _with_config(p, True)
    p.add_argument("--out-dir", help="folder for train/val/test.csv and split.json")
    p.add_argument("--check", action="store_true", help="only check that the data files are present; write nothing")
    p.set_defaults(func=cmd_dataset)


def cmd_train(args: argparse.Namespace) -> None:
    from dmp.stages.train import train

    _print(train(_run(args), args.data_dir, args.out, args.history, args.curves, args.max_nt))


def _add_train(sub: Any) -> None:
    p = sub.add_parser("train", help="train the ternary ReLU network and write model.json")
    _with_config(p, True)
    p.add_argument("--data-dir", required=True, help="folder written by `dmp dataset`")
    p.add_argument("--out", required=True, help="model.json to write")
    p.add_argument("--history", help="per-epoch TSV to write")
    p.add_argument("--curves", help="training-curve PNG to write")
    p.add_argument(
        "--max-nt",
        type=_integer(1, MAX_NT),
        help="nucleotide budget (training.cost_scheme): the most accurate network whose predicted DNA fits",
    )
    p.set_defaults(func=cmd_train)


def cmd_crn(args: argparse.Namespace) -> None:
    from dmp.stages.crn import build

    _print(build(_run(args), args.model, args.out_dir, args.inputs, args.rate))


def _add_crn(sub: Any) -> None:
    p = sub.add_parser("crn", help="translate model.json into full.crn, reduced.crn and species.json")
    p.add_argument("model", help="model.json")
    _with_config(p, False)
    p.add_argument("--out-dir", required=True)
    p.add_argument("--inputs", choices=["dual_rail", "shifted"], help="input encoding (overrides the config)")
    p.add_argument("--rate", type=_positive, help="rate constant of every reaction (overrides the config)")
    p.set_defaults(func=cmd_crn)


def cmd_simulate(args: argparse.Namespace) -> None:
    from dmp.stages.simulate import simulate

    seed = _run(args).seed if args.seed is None else args.seed
    text = simulate(
        args.crn, args.t_end, args.method, seed, args.out, args.points, args.molecules_per_unit, args.timeout
    )
    if args.out is None:
        sys.stdout.write(text)


def _add_simulate(sub: Any) -> None:
    p = sub.add_parser("simulate", help="simulate a .crn file from its @initial concentrations; CSV out")
    p.add_argument("crn", help=".crn file")
    p.add_argument("--t-end", type=float, required=True, help="end time (a positive finite number)")
    p.add_argument("--method", choices=["ode", "ssa"], default="ode")
    p.add_argument("--seed", type=_integer(0, MAX_SEED), help="SSA seed (default: the config schema's seed)")
    p.add_argument("--points", type=int, default=101, help="time points from 0 to t_end (default 101)")
    p.add_argument(
        "--molecules-per-unit",
        type=_integer(1, MAX_MOLECULES_PER_UNIT),
        default=100,
        help="SSA molecules per concentration unit",
    )
    p.add_argument(
        "--timeout",
        type=_positive,
        default=3600.0,
        help="SSA: stop with an error after this many seconds (default 3600; a CRN whose molecule counts grow "
        "without bound never finishes)",
    )
    p.add_argument("--out", help="CSV file to write (default: standard output)")
    p.set_defaults(func=cmd_simulate, config=None)


def _number_pairs(items: list[str] | None) -> dict[str, float]:
    out = {}
    for item in items or []:
        name, _, value = item.partition("=")
        try:
            out[name] = float(value)
        except ValueError:
            raise DmpError(f"--initial {item}: expected NAME=NUMBER") from None
        if not (math.isfinite(out[name]) and out[name] >= 0):
            raise DmpError(f"--initial {item}: a concentration must be a finite number, zero or more")
    return out


def cmd_sbml(args: argparse.Namespace) -> None:
    from dmp.stages.export import sbml

    _print(_without(sbml(args.crn, args.out, args.level, _number_pairs(args.initial)), "warnings"))


def _add_sbml(sub: Any) -> None:
    p = sub.add_parser("sbml", help="write a .crn file as an SBML Level 3 model (COPASI, Tellurium, libRoadRunner)")
    p.add_argument("crn", help=".crn file")
    p.add_argument("--out", required=True, help="SBML file to write")
    p.add_argument(
        "--level",
        choices=["formal", "dna"],
        help="units: formal (dimensionless) or dna (nM, seconds); default: from the file's header",
    )
    p.add_argument("--initial", nargs="+", metavar="NAME=VALUE", help="initial concentrations to set (e.g. inputs)")
    p.set_defaults(func=cmd_sbml)


# ---------------------------------------------------------------------------- simulation


def cmd_evaluate(args: argparse.Namespace) -> None:
    from dmp.stages import evaluate

    if args.collect:
        _print(evaluate.collect(args.collect, args.out))
        return
    missing = [f"--{name}" for name in ("crn", "species", "model", "data") if getattr(args, name) is None]
    if missing:
        raise DmpError(f"dmp evaluate needs {', '.join(missing)} (or --collect CHUNK... --out OUT)")
    options = {
        "engine": args.engine,
        "jobs": args.jobs,
        "unit_nM": args.unit_nm,
        "chunk": args.chunk,
        "chunks": args.of,
    }
    _print(evaluate.evaluate(_run(args), args.crn, args.species, args.model, args.data, args.out, args.level, options))


def _add_evaluate(sub: Any) -> None:
    p = sub.add_parser("evaluate", help="simulate a CRN on the test examples (formal or DNA level, in chunks)")
    p.add_argument("--crn", help=".crn file: a network CRN, or a DSD folder's enumerated.crn with --level dna")
    p.add_argument("--species", help="species.json")
    p.add_argument("--model", help="model.json")
    p.add_argument("--data", help="test.csv")
    _with_config(p, False)
    p.add_argument("--level", choices=["formal", "dna"], default="formal", help="dna: concentrations in nM, seconds")
    p.add_argument("--unit-nm", type=_unit_nm, help="nM per formal unit at the DNA level (default: dsd.unit_nM)")
    p.add_argument("--engine", choices=["batch", "gillespy2"], help="ODE engine (default: simulation.engine)")
    p.add_argument("--jobs", type=_integer(1, MAX_JOBS), help="worker processes (default: simulation.jobs)")
    p.add_argument(
        "--chunk", type=_integer(0, MAX_CHUNKS - 1), help="simulate only chunk K (0-based) of the examples ..."
    )
    p.add_argument("--of", type=_integer(1, MAX_CHUNKS), help="... out of N chunks (OUT is then that chunk's table)")
    p.add_argument("--collect", nargs="+", metavar="CHUNK", help="merge these chunk tables into OUT")
    p.add_argument("--out", required=True, help="TSV of CRN outputs per example")
    p.set_defaults(func=cmd_evaluate)


def cmd_agreement(args: argparse.Namespace) -> None:
    from dmp.stages.agreement import agreement

    summary = agreement(
        _run(args),
        args.model,
        args.data,
        args.species,
        _pairs(args.outputs),
        _pairs(args.crns),
        args.out_dir,
        _pairs(args.dna_outputs),
        _pairs(args.dna_crns),
    )
    _print(_without(summary, "crns", "dna"))


def _add_agreement(sub: Any) -> None:
    p = sub.add_parser("agreement", help="compare CRN outputs with the network; agreement.tsv, summary.json, figures")
    p.add_argument("--model", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--species", required=True)
    p.add_argument("--outputs", nargs="+", required=True, type=_name_eq_path, help="NAME=outputs.tsv per formal CRN")
    p.add_argument("--crns", nargs="+", required=True, type=_name_eq_path, help="NAME=file.crn per formal CRN")
    p.add_argument("--dna-outputs", nargs="+", type=_name_eq_path, help="SCHEME=outputs.tsv per DNA-level CRN")
    p.add_argument("--dna-crns", nargs="+", type=_name_eq_path, help="SCHEME=enumerated.crn per DNA-level CRN")
    _with_config(p, False)
    p.add_argument("--out-dir", required=True)
    p.set_defaults(func=cmd_agreement)


def cmd_ssa(args: argparse.Namespace) -> None:
    from dmp.stages.ssa import ssa

    summary = ssa(_run(args), args.crn, args.species, args.model, args.data, args.out_dir)
    _print(_without(summary, "sweep"))


def _add_ssa(sub: Any) -> None:
    p = sub.add_parser("ssa", help="stochastic (SSA) ensembles per test example and a molecule-count sweep")
    p.add_argument("--crn", required=True)
    p.add_argument("--species", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--data", required=True)
    _with_config(p, False)
    p.add_argument(
        "--seed", type=_integer(0, MAX_SEED), help="seed when no --dataset is given (default: the config schema's seed)"
    )
    p.add_argument("--out-dir", required=True)
    p.set_defaults(func=cmd_ssa)


def cmd_rates(args: argparse.Namespace) -> None:
    from dmp.stages.rates import rates

    summary = rates(_run(args), _pairs(args.crns), args.species, args.model, args.data, args.out_dir)
    _print(_without(summary, "provenance"))


def _add_rates(sub: Any) -> None:
    p = sub.add_parser("rates", help="re-simulate with random rate constants; contrast with a competitive CRN")
    p.add_argument("--crns", nargs="+", required=True, type=_name_eq_path, help="NAME=file.crn per formal CRN")
    p.add_argument("--species", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--data", required=True)
    _with_config(p, False)
    p.add_argument(
        "--seed", type=_integer(0, MAX_SEED), help="seed when no --dataset is given (default: the config schema's seed)"
    )
    p.add_argument("--out-dir", required=True)
    p.set_defaults(func=cmd_rates)


def cmd_pattern(args: argparse.Namespace) -> None:
    from dmp.stages.pattern import pattern

    summary = pattern(
        _run(args), args.data_dir, args.model, _pairs(args.crns), args.species, args.out_dir, args.upsample, args.jobs
    )
    _print(_without(summary, "crns"))


def _add_pattern(sub: Any) -> None:
    p = sub.add_parser("pattern", help="draw the image a pattern network's CRNs compute on the pixel grid")
    p.add_argument("--data-dir", required=True, help="folder written by `dmp dataset` for a pattern dataset")
    p.add_argument("--model", required=True, help="model.json")
    p.add_argument("--species", required=True, help="species.json")
    p.add_argument("--crns", nargs="+", required=True, type=_name_eq_path, help="NAME=file.crn per CRN")
    _with_config(p, False)
    p.add_argument(
        "--upsample",
        type=_integer(1, MAX_UPSAMPLE),
        help="also draw on a grid this many times finer (default: pattern.upsample)",
    )
    p.add_argument("--jobs", type=_integer(1, MAX_JOBS), help="worker processes (default: simulation.jobs)")
    p.add_argument("--out-dir", required=True, help="folder for drawing.png and pattern.json")
    p.set_defaults(func=cmd_pattern)


SUBCOMMANDS: list[Callable[[Any], None]] = [
    _add_dataset,
    _add_train,
    _add_crn,
    _add_simulate,
    _add_sbml,
    *DNA_SUBCOMMANDS,
    _add_evaluate,
    _add_agreement,
    _add_ssa,
    _add_rates,
    _add_pattern,
    *BENCH_SUBCOMMANDS,
]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="dmp",
        description="Compile ternary ReLU networks into chemical reaction networks and DNA strand-displacement "
        "gates, and check every level by simulation and formal verification.",
    )
    parser.add_argument("--version", action="version", version=f"dmp {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in SUBCOMMANDS:
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    warnings.formatwarning = format_warning
    try:
        args.func(args)
    except DmpError as exc:
        print(f"dmp: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # a file-system fault not caught where the file is opened: still one line
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"dmp: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1
    except MemoryError:
        print(
            f"dmp: error: out of memory in `dmp {args.command}`; the input is too large for this machine",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        print("dmp: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
