"""Shared test helpers: default settings from the config schema, small networks, the CLI."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from dmp.config import defaults
from dmp.nn.random import random_ternary_net  # noqa: F401  (re-exported for tests)

ROOT = Path(__file__).resolve().parents[1]
VIRUS_DATA = ROOT.parent / "shared" / "data" / "virus_gse73072"
PATTERN_DATA = ROOT.parent / "shared" / "data" / "pattern_formation"


def settings(stage: str, **changes: Any) -> Any:
    """A stage's typed settings at the schema defaults, with `changes` (nested sections as dicts)."""
    value = defaults(stage)
    nested = {k: v for k, v in changes.items() if isinstance(v, dict)}
    flat = {k: v for k, v in changes.items() if not isinstance(v, dict)}
    for key, sub in nested.items():
        flat[key] = dataclasses.replace(getattr(value, key), **sub)
    return dataclasses.replace(value, **flat)


def cost_settings(**changes: Any) -> Any:
    """What a network's predicted DNA cost depends on, at the schema's dsd and crn defaults, with `changes`."""
    from dmp.nn.cost import CostSettings

    dsd, crn = defaults("dsd"), defaults("crn")
    base = {
        "toehold_length": dsd.toehold_length,
        "domain_length": dsd.domain_length,
        "max_products": dsd.max_products,
        "inputs": crn.inputs,
    }
    return CostSettings(**{**base, **changes})


@pytest.fixture
def dsd_settings() -> Any:
    """The dsd stage's settings at their defaults."""
    return defaults("dsd")


def compile_dir(crn_path: Path, scheme: str, out: Path, backend: str | None = None, **changes: Any) -> dict[str, Any]:
    """`dmp compile` in-process with the dsd defaults and `changes` (e.g. max_products=4)."""
    from dmp.stages.common import Run
    from dmp.stages.dsd import compile_system

    return compile_system(Run(overrides={"dsd": settings("dsd", **changes)}), crn_path, scheme, out, backend)


def verify_chunks(folder: Path, chunks: int) -> list[Path]:
    """`dmp verify --chunk K --of N --out ...` for every chunk; the chunk files, in order."""
    from dmp.stages.dsd import verify_chunk

    return [verify_chunk(folder, k, chunks, folder / "chunks" / f"{k}-of-{chunks}.json") for k in range(chunks)]
