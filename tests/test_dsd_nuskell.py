"""The `dsd.backend: nuskell` path: the adapter on Nuskell-shaped objects, and Nuskell itself when installed."""

import subprocess
import sys

import pytest
from conftest import compile_dir, settings

from dmp.crn.io import parse_crn
from dmp.dsd.enumeration import ModuleEnumerator
from dmp.dsd.nuskell import nuskell_available, system_from_nuskell
from dmp.dsd.verification import check

# What Nuskell's soloveichik2010.ts returns for A -> B, written as PIL: signals named by the formal
# species with Nuskell-style history domains, fuels named f*, products not named (Nuskell leaves
# released strands to the enumerator).
NUSKELL_STYLE = """
length nh1 = 15
length nta = 7
length nxa = 15
length nua = 7
length nh2 = 15
length ntb = 7
length nxb = 15
length nub = 7
length nd1 = 15
A = nh1 nta nxa nua
B = nh2 ntb nxb nub
fL1 = nxa( nua( nd1 ntb + ) ) nta*
fT1 = nd1( ntb( nxb nub + ) ) nua*
"""


def nuskell_like():
    from peppercornenumerator.input import read_pil

    complexes, _ = read_pil(NUSKELL_STYLE)
    return {name: c for name, c in complexes.items() if isinstance(name, str)}


def test_adapter_builds_a_system_that_verifies():
    solution = nuskell_like()
    modules = [{name: solution[name] for name in ("A", "B", "fL1", "fT1")}]
    crn = parse_crn("A -> B")
    system = system_from_nuskell(solution, modules, crn, "soloveichik2010", settings("dsd"))
    del solution, modules
    assert system.complexes["A"].role == "signal" and system.complexes["fL1"].role == "fuel"
    assert system.complexes["fL1"].kernel == "nxa( nua( nd1 ntb + ) ) nta*"
    assert system.domains["nd1"] == 15 and system.domains["nta"] == 7
    module = system.modules[0]
    assert module.complexes == ["fL1", "fT1"] and module.reactant_signals == ["A"]
    enumerated, _ = ModuleEnumerator(settings("dsd").enumeration).enumerate(
        system.module_complexes(module), system.domains, {"A", "fL1", "fT1"}, "r0", "test"
    )
    verdict = check([[["A"], ["B"]]], enumerated, system, ["bisimulation", "pathway"])
    assert verdict["verified"]
    # The released strand nd1 ntb nxb nub was recognised as B by its domains after the history domain.
    released = [n for n, k in enumerated.species.items() if k == ["nd1 ntb nxb nub"]]
    assert verdict["interpretation"][released[0]] == ["B"]


@pytest.mark.skipif(nuskell_available(), reason="Nuskell is installed")
def test_nuskell_backend_without_nuskell_is_one_clear_line(tmp_path):
    crn = tmp_path / "a.crn"
    crn.write_text("A -> B\n")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "dmp",
            "compile",
            str(crn),
            "--scheme",
            "soloveichik2010",
            "--backend",
            "nuskell",
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 1
    assert run.stderr.startswith("dmp: error: dsd.backend: nuskell: Nuskell is not installed")
    assert len(run.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_real_nuskell_translation_verifies(tmp_path):
    pytest.importorskip("nuskell.dsdcompiler", reason="Nuskell is not installed (it is not on PyPI)")
    from dmp.stages.dsd import verify_all

    crn = tmp_path / "a.crn"
    crn.write_text("A -> B + C\nB + C -> D\n")
    compile_dir(crn, "soloveichik2010", tmp_path / "out", backend="nuskell")
    assert verify_all(tmp_path / "out")["verified"]
