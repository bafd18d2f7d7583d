"""Shared test helpers: default settings from the config schema, small networks, the CLI."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
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
    from dmp.stages.common import Run
    from dmp.stages.train import cost_settings as run_cost_settings

    return dataclasses.replace(run_cost_settings(Run()), **changes)


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


# A network-shaped CRN small enough to compile and verify in seconds: an 8-product fan-out (a cascade
# whenever dsd.max_products is below 8), a second fan-out and one ReLU pair.
SMALL_NETWORK_CRN = """
X0p -> Z0p + Z1m + Yp + Ym + Z0m + Z1p + Yp + Ym
X0m -> Z0m + Yp
Z0p -> H0p + A0
A0 + Z0m -> H0m
Z0p @initial 0.5
"""


# A 2-2-2 ternary network written by hand (no training): the smallest model.json the commands read.
TINY_MODEL: dict[str, Any] = {
    "format": "dmp-ternary-mlp",
    "features": ["a", "b"],
    "classes": ["x", "y"],
    "input_scaling": {"method": "none", "offset": [0, 0], "scale": [1, 1]},
    "layers": [
        {"weights": [[1, -1], [0, 1]], "bias": [0, 0]},
        {"weights": [[1, -1], [0, 1]], "bias": [0, 0]},
    ],
}


def run_dmp(*args: Any, cwd: Any = None) -> subprocess.CompletedProcess:
    """`python -m dmp ARGS` as a user runs it (text output captured)."""
    return subprocess.run([sys.executable, "-m", "dmp", *map(str, args)], capture_output=True, text=True, cwd=cwd)


def one_line_error(result: subprocess.CompletedProcess) -> str:
    """The single error line of a failed run (asserting exit status 1 and no traceback)."""
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("dmp: error: ")
    return lines[0][len("dmp: error: ") :]


def compiled_folder(folder: Path, crn_text: str, scheme: str = "soloveichik2010") -> Path:
    """`dmp compile` of a small CRN given as text into folder/dsd (asserting success)."""
    crn = folder / "small.crn"
    crn.write_text(crn_text)
    out = folder / "dsd"
    result = run_dmp("compile", crn, "--scheme", scheme, "--out", out)
    assert result.returncode == 0, result.stderr
    return out
