"""What every `dmp` subcommand's parser shares: argument types with their bounds, the config options,
the run a command uses, and JSON output (dmp.cli, dmp.cli_dna and dmp.cli_bench import it)."""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable
from typing import Any


def _print(data: Any) -> None:
    print(json.dumps(data, indent=2))


# Bounds of the numbers the command line takes; beyond them a value is a typing slip, not a setting.
MAX_SEED = 2**32 - 1  # as the schema's `seed` (NumPy, PyTorch and GillesPy2 all take 32-bit seeds)
MAX_JOBS = 1024
MAX_CHUNKS = 100_000
MAX_CANDIDATE = 1_000_000
MAX_MOLECULES_PER_UNIT = 1_000_000  # as simulation.molecules_per_unit: SSA work grows with the molecule count
MAX_UNIT_NM = 1e6  # as dsd.unit_nM: 1 mM per formal unit
MAX_NT = 1_000_000_000  # a nucleotide budget: far beyond any system (an MNIST-size net is 3.6 M nt)
MAX_UPSAMPLE = 8  # as pattern.upsample: the finer grid has upsample**2 times the pixels


def _integer(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: an integer in low..high."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}, got {value}")
        return value

    return parse


def _positive(text: str, high: float = math.inf) -> float:
    """An argparse type: a positive finite number up to `high` (no nan, inf or 1e400)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive finite number, got {text}")
    if value > high:
        raise argparse.ArgumentTypeError(f"must be at most {high:g}, got {text}")
    return value


def _unit_nm(text: str) -> float:
    return _positive(text, MAX_UNIT_NM)


def _run(args: argparse.Namespace) -> Any:
    """The config a command runs with: the file's settings for --dataset, else the schema's defaults."""
    from dmp.stages.common import Run

    return Run.load(args.config, getattr(args, "dataset", None), getattr(args, "seed", None))


def _pairs(items: list[str] | None) -> dict[str, str]:
    return dict(item.split("=", 1) for item in items or [])


def _name_eq_path(text: str) -> str:
    if "=" not in text or not text.split("=", 1)[0]:
        raise argparse.ArgumentTypeError(f"expected NAME=PATH, got {text!r}")
    return text


def _with_config(p: argparse.ArgumentParser, required_dataset: bool) -> None:
    p.add_argument("--config", default="config.yaml", help="config file (default: config.yaml)")
    p.add_argument("--dataset", required=required_dataset, help="dataset key under `datasets:` in the config")


def _without(data: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in keys}
