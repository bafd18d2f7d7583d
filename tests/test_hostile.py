"""Hostile and unusual input to every `dmp` subcommand (issue 19, second pass).

The cases are in tests/hostile_cases.py, the files they start from in tests/hostile_lab.py. Each
runs the real command (`python -m dmp`, with a time and an address-space limit) once, three at
a time (fixture `outcomes`); each parametrized test checks one: an error is exit status 1, one
line `dmp: error: ...` holding the case's fragments (file, line, key, column or flag) and nothing
written; a valid but unusual input is exit status 0 with `dmp: warning:` lines and no NaN written.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile_cases import CASES, Case
from hostile_lab import BASELINE, make_lab, non_finite_output, run_cases


@pytest.fixture(scope="module")
def lab(tmp_path_factory) -> Path:
    return make_lab(tmp_path_factory.mktemp("lab"))


@pytest.fixture(scope="module")
def outcomes(lab):
    """Every case, run once, three at a time."""
    return run_cases(CASES, lab)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input(case: Case, lab: Path, outcomes) -> None:
    if case.needs_baseline and not BASELINE.is_dir():
        pytest.skip("no baseline results on this machine")
    got = outcomes[case.id]
    folder = lab / "cases" / case.id
    says = [s.format(L="<L>", O="<O>", B=BASELINE) for s in case.says]
    assert got.returncode is not None, f"still running after the time limit: {got.stderr[-500:]}"
    assert "Traceback" not in got.stderr, got.stderr[-2000:]
    if case.kind == "error":
        assert got.returncode == 1, (got.returncode, got.stderr)
        assert len(got.lines) == 1 and got.lines[0].startswith("dmp: error: "), got.stderr
        line = got.lines[0].replace(str(folder), "<O>").replace(str(lab), "<L>")  # fragments never match a path
        for fragment in says:
            assert fragment in line
        assert got.left == [], f"left behind: {got.left}"
    else:
        assert got.returncode == 0, got.stderr
        assert all(line.startswith("dmp: warning: ") for line in got.lines), got.stderr
        assert bool(got.lines) == (case.kind == "warning"), got.stderr
        for fragment in says:
            assert fragment in got.stderr.replace(str(folder), "<O>").replace(str(lab), "<L>")
        assert non_finite_output(folder) is None
