"""The DNA subcommands of the `dmp` command (argparse only; each calls one step in `dmp.stages`).

dmp compile   a .crn file -> DNA strand-displacement gates (PIL, tables)
dmp verify    enumerate (peppercorn) and verify (crnverifier) a compiled folder, whole or in chunks
dmp design    one sequence candidate for a compiled folder
dmp select    rank the candidates; sequences, scores, report, order sheets
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from dmp.cli_args import MAX_CANDIDATE, MAX_CHUNKS, _integer, _print, _run, _with_config, _without
from dmp.errors import DmpError


def cmd_compile(args: argparse.Namespace) -> None:
    from dmp.stages.dsd import compile_system

    _print(compile_system(_run(args), args.crn, args.scheme, args.out, args.backend, args.species))


def _add_compile(sub: Any) -> None:
    p = sub.add_parser("compile", help="compile a .crn file into DNA strand-displacement gates (PIL, tables)")
    p.add_argument("crn", help=".crn file (formal CRN)")
    p.add_argument(
        "--scheme",
        required=True,
        help="translation scheme: soloveichik2010, cardelli2011_NM_noGC, srinivas2017, qian2011_3D_var1 (or qian2011_3D)",
    )
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--backend", choices=["dmp", "nuskell"], help="who translates (default: dsd.backend or dmp)")
    p.add_argument("--species", help="species.json of a network CRN: only its input species are supplied as inputs")
    _with_config(p, False)
    p.set_defaults(func=cmd_compile)


def _verify_problem(summary: dict[str, Any], folder: str) -> str | None:
    limits = summary.get("limits_reached") or []
    if limits:
        more = f" ({len(limits) - 1} more limit(s) reached)" if len(limits) > 1 else ""
        return f"{folder}: not verified: {limits[0]['error']}{more}; see {folder}/verification.json"
    if not summary["verified"]:
        return (
            f"{folder}: not verified; see {folder}/verification.json (failed modules: "
            f"{', '.join(summary['failed_modules']) or 'none'}, crosstalk verified: "
            f"{summary['crosstalk_verified']}, whole verified: {summary['whole_verified']})"
        )
    return None


def cmd_verify(args: argparse.Namespace) -> None:
    from dmp.stages import dsd

    if args.chunk is not None or args.of is not None:
        if args.chunk is None or args.of is None or args.out is None:
            raise DmpError("--chunk, --of and --out go together (chunk K of N, counted from 0, into file OUT)")
        _print({"chunk": str(dsd.verify_chunk(args.dir, args.chunk, args.of, args.out))})
        return
    summary = dsd.collect(args.dir, args.collect) if args.collect else dsd.verify_all(args.dir)
    _print(_without(summary, "module_status"))
    problem = _verify_problem(summary, args.dir)
    if problem and args.warn_only:
        # The workflow keeps verification.json (Snakemake deletes a failed job's outputs) and
        # `dmp design` refuses the unverified folder, so the run still fails, one stage later.
        print(f"dmp: warning: {problem}", file=sys.stderr)
    elif problem:
        raise DmpError(problem)


def _add_verify(sub: Any) -> None:
    p = sub.add_parser("verify", help="enumerate (peppercorn) and verify (crnverifier) a compiled folder")
    p.add_argument("dir", help="folder written by `dmp compile`")
    p.add_argument("--chunk", type=_integer(0, MAX_CHUNKS - 1), help="run only chunk K (0-based) of the modules ...")
    p.add_argument("--of", type=_integer(1, MAX_CHUNKS), help="... out of N chunks ...")
    p.add_argument("--out", help="... and write its module results to this JSON file")
    p.add_argument("--collect", nargs="+", metavar="CHUNK", help="combine these chunk files into the outputs")
    p.add_argument(
        "--warn-only",
        action="store_true",
        help="an unverified system is a warning (exit 0), not an error; verification.json records it either way",
    )
    p.set_defaults(func=cmd_verify)


def cmd_design(args: argparse.Namespace) -> None:
    from dmp.stages.seq import design

    _print(design(_run(args), args.dir, args.candidate, args.out))


def _add_design(sub: Any) -> None:
    p = sub.add_parser("design", help="design and score one sequence candidate for a compiled DSD folder")
    p.add_argument("dir", help="folder written by `dmp compile` and verified by `dmp verify`, or a PIL file")
    p.add_argument(
        "--candidate",
        type=_integer(0, MAX_CANDIDATE),
        required=True,
        help="candidate index K (its seed derives from it)",
    )
    p.add_argument("--out", required=True, help="candidate JSON file to write")
    _with_config(p, False)
    p.set_defaults(func=cmd_design)


def cmd_select(args: argparse.Namespace) -> None:
    from dmp.stages.seq import select_sequences

    run = _run(args) if args.dataset else None
    _print(_without(select_sequences(run, args.candidates, args.dir, args.dsd), "provenance"))


def _add_select(sub: Any) -> None:
    p = sub.add_parser("select", help="rank sequence candidates; write sequences, scores, report, order sheets")
    p.add_argument("dir", help="sequence folder to write")
    p.add_argument("--candidates", nargs="+", required=True, metavar="FILE", help="candidate files 0..N-1, in order")
    p.add_argument("--dsd", help="the DSD folder or PIL file (default: the one the candidates record)")
    _with_config(p, False)
    p.set_defaults(func=cmd_select)


DNA_SUBCOMMANDS: list[Callable[[Any], None]] = [_add_compile, _add_verify, _add_design, _add_select]
