"""The bench subcommands of the `dmp` command (argparse only; each calls one step in `dmp.stages`).

dmp inputs    samples CSV -> input strand concentrations and a pipetting sheet
dmp readout   readout.tsv: dye, well and sign of every output rail's reporter
dmp leak      the reporters' read-out with leak
dmp protocol  protocol.md and mix.csv
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from dmp.cli_args import _print, _run, _with_config


def cmd_inputs(args: argparse.Namespace) -> None:
    from dmp.stages.bench import inputs

    _print(inputs(_run(args), args.model, args.species, args.samples, args.out, args.pipetting))


def _add_inputs(sub: Any) -> None:
    p = sub.add_parser("inputs", help="per sample the nM of every input strand, and a pipetting sheet")
    p.add_argument("--model", required=True, help="model.json")
    p.add_argument("--species", required=True, help="species.json")
    p.add_argument("--samples", required=True, help="CSV of raw feature values, one row per sample (e.g. test.csv)")
    p.add_argument("--out", required=True, help="inputs.tsv to write")
    p.add_argument("--pipetting", help="pipetting.csv to write (default: beside --out)")
    _with_config(p, False)
    p.set_defaults(func=cmd_inputs)


def cmd_readout(args: argparse.Namespace) -> None:
    from dmp.stages.bench import readout

    _print(readout(_run(args), args.dsd, args.species, args.model, args.out))


def _add_readout(sub: Any) -> None:
    p = sub.add_parser("readout", help="readout.tsv: dye, well and sign of every output rail's reporter")
    p.add_argument("--dsd", required=True, help="DSD folder compiled with reporters")
    p.add_argument("--species", required=True, help="species.json")
    p.add_argument("--model", required=True, help="model.json (class names)")
    p.add_argument("--out", required=True, help="readout.tsv to write")
    _with_config(p, False)
    p.set_defaults(func=cmd_readout)


def cmd_leak(args: argparse.Namespace) -> None:
    from dmp.stages.leak import leak

    summary = leak(_run(args), args.dsd, args.species, args.model, args.data, args.out_dir, args.jobs)
    _print({k: summary[k] for k in ("scheme", "readout_h", "operating_point")} | _leak_brief(summary))


def _leak_brief(summary: dict[str, Any]) -> dict[str, Any]:
    return {
        key: {
            k: summary[key][k]
            for k in ("examples", "agreement", "t_answer_median_h", "t_answer_worst_h", "t_lost_earliest_h")
        }
        for key in ("no_leak", "leak")
    }


def _add_leak(sub: Any) -> None:
    p = sub.add_parser("leak", help="the reporters' read-out with leak: agreement and time to answer, sweep, control")
    p.add_argument("--dsd", required=True, help="DSD folder (system.json, enumerated.crn) compiled with reporters")
    p.add_argument("--species", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--data", required=True, help="test.csv")
    p.add_argument("--jobs", type=int, help="worker processes (default: simulation.jobs)")
    _with_config(p, False)
    p.add_argument("--out-dir", required=True, help="folder for summary.json, sweep.tsv, control.tsv, leak.png")
    p.set_defaults(func=cmd_leak)


def cmd_protocol(args: argparse.Namespace) -> None:
    from dmp.stages.bench import protocol

    _print(protocol(_run(args), args.dsd, args.sequences, args.inputs, args.out_dir))


def _add_protocol(sub: Any) -> None:
    p = sub.add_parser(
        "protocol", help="protocol.md and mix.csv: what to anneal and mix, and whether the order suffices"
    )
    p.add_argument("--dsd", required=True, help="DSD folder")
    p.add_argument("--sequences", required=True, help="sequence folder with order_bulk.csv")
    p.add_argument("--inputs", required=True, help="inputs.tsv written by `dmp inputs` (the samples)")
    _with_config(p, False)
    p.add_argument("--out-dir", required=True, help="folder for protocol.md and mix.csv")
    p.set_defaults(func=cmd_protocol)


BENCH_SUBCOMMANDS: list[Callable[[Any], None]] = [_add_inputs, _add_readout, _add_leak, _add_protocol]
