"""Run peppercompiler's spuriousSSM (Winfree's SpuriousDesign) to score a design, as Piperine does.

spuriousSSM reads the system as one long string (strands separated by a space, complexes by two),
the allowed bases per position, and which positions must be equal (`eq`) or complementary (`wc`)
by design; it counts identical or complementary subsequences that the design does not imply. With
`imax=1` and the designed sequence as the starting point it prints the scores of that sequence
before its single mutation, so the reading is deterministic. Piperine's WSI scores weight the
match counts by length (0 below 6 nt, then 1, 2, ..., 7) and divide by the number of strands.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from importlib import resources
from pathlib import Path

from dmp.dsd.model import DSDSystem, base_domain
from dmp.errors import DmpError
from dmp.seq.model import Design

SPURIOUS_RANGE = 10  # match lengths 3..12 (exact) and 5..14 (one mismatch), as Piperine runs it


def _binary() -> Path:
    path = Path(str(resources.files("peppercompiler").joinpath("_spuriousSSM")))
    if not path.exists():
        raise DmpError(f"{path}: spuriousSSM binary not found; reinstall peppercompiler (pip install peppercompiler)")
    return path


def _weights(k_from: int, k_to: int) -> list[float]:
    """Piperine's linear length weights: 0 up to 5 nt, then 1, 2, ... capped at 7."""
    return [0.0 if k <= 5 else float(min(k - 5, 7)) for k in range(k_from, k_to + 1)]


def system_strings(system: DSDSystem, design: Design) -> tuple[str, list[int], list[int]]:
    """Sequence string with strand/complex separators, and spuriousSSM's eq and wc arrays (1-based)."""
    chars: list[str] = []
    keys: list[tuple[str, int, bool] | None] = []
    for k, cplx in enumerate(system.complexes.values()):
        if k:
            chars += [" ", " "]
            keys += [None, None]
        for s, strand in enumerate(cplx.strands):
            if s:
                chars.append(" ")
                keys.append(None)
            for d in strand:
                b = base_domain(d)
                sequence = design.domain(d)
                n = len(sequence)
                for i, ch in enumerate(sequence):
                    chars.append(ch)
                    # position along the base domain, and whether this occurrence is the complement
                    keys.append((b, n - 1 - i, True) if d.endswith("*") else (b, i, False))
    first: dict[tuple[str, int, bool], int] = {}
    for i, key in enumerate(keys):
        if key is not None:
            first.setdefault(key, i + 1)
    eq = [0 if key is None else first[key] for key in keys]
    wc = [-1 if key is None else first.get((key[0], key[1], not key[2]), -1) for key in keys]
    return "".join(chars), eq, wc


def _matrix(text: str, label: str) -> list[list[float]]:
    start = text.index(label)
    block = text[start:].split("\n")
    rows = []
    for line in block[2:5]:
        rows.append([float(x) for x in line.split()])
    return rows


def spurious_scores(system: DSDSystem, design: Design) -> dict[str, float]:
    """Piperine's spuriousSSM scores of a design: WSAS, WSIS, their 1-mismatch forms, verboten, spurious."""
    sequence, eq, wc = system_strings(system, design)
    strands = sum(len(c.strands) for c in system.complexes.values())
    with tempfile.TemporaryDirectory(prefix="dmp-spurious-") as tmp:
        folder = Path(tmp)
        (folder / "design.seq").write_text(sequence)
        (folder / "design.st").write_text("".join("N" if c != " " else " " for c in sequence))
        (folder / "design.eq").write_text(" ".join(map(str, eq)) + " ")
        (folder / "design.wc").write_text(" ".join(map(str, wc)) + " ")
        command = [
            str(_binary()),
            "score=automatic",
            f"spurious_range={SPURIOUS_RANGE}",
            "template=design.st",
            "sequence=design.seq",
            "wc=design.wc",
            "eq=design.eq",
            "imax=1",
            "quiet=SCORES",
        ]
        result = subprocess.run(command, cwd=folder, capture_output=True, text=True)
    text = result.stdout
    if result.returncode != 0 or "spurious1(" not in text:
        raise DmpError(f"spuriousSSM failed (exit {result.returncode}): {(result.stderr or text).strip()[:200]}")
    exact = _matrix(text, "spurious(testS")
    mismatch = _matrix(text, "spurious1(testS")
    w_exact = _weights(3, 2 + SPURIOUS_RANGE)
    w_mismatch = _weights(5, 4 + SPURIOUS_RANGE)

    def weighted(row: list[float], weights: list[float]) -> float:
        return sum(c * w for c, w in zip(row, weights, strict=True)) / strands

    verboten = float(re.search(r"score_verboten score =\s*([-\d.]+)", text).group(1))  # type: ignore[union-attr]
    total = float(re.search(r"-weighted score =\s*([-\d.]+)", text).group(1))  # type: ignore[union-attr]
    return {
        "wsas": weighted(exact[0], w_exact),
        "wsis": weighted(exact[2], w_exact),
        "wsas_m": weighted(mismatch[0], w_mismatch),
        "wsis_m": weighted(mismatch[2], w_mismatch),
        "verboten": verboten / strands,
        "spurious": total / strands,
    }
