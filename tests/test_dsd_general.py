"""General CRNs through every scheme: formation, degradation, homodimers, catalysis, autocatalysis,
many products, reversible and trimolecular reactions. Each compiles, enumerates and verifies where
the scheme defines the shape, and gives one line where it does not; nothing ends in a traceback.

Expected verdicts come from the schemes' constructions and, where noted, from Nuskell's own
published verification snapshots (nuskell/tests/snapshots/basic_*.csv), an independent run of
the same schemes with Nuskell's compiler, peppercorn and crnverifier.
"""

import json
import subprocess
import sys

import pytest
from conftest import compile_dir, settings

from dmp.crn.io import parse_crn
from dmp.dsd.compiler import compile_crn
from dmp.dsd.enumeration import Enumerated, ModuleEnumerator, whole_system_counts
from dmp.dsd.schemes import SchemeError
from dmp.dsd.tables import format_pil
from dmp.dsd.verification import check, check_whole
from dmp.errors import DmpError
from dmp.stages.dsd import verify_all

SCHEMES = ["soloveichik2010", "cardelli2011_NM_noGC", "qian2011_3D_var1", "srinivas2017", "qian2011_3D"]
SHAPES = {
    "formation": "-> A",
    "degradation": "A ->",
    "homodimer": "A + A -> B",
    "catalysis": "A + B -> A + C",
    "autocatalysis": "A + B -> 2 B",
    "many-products": "A -> B + C + D + E + G + H + J",
    "reversible": "A + B <=> C + D",
    "trimolecular": "A + B + C -> D",
}
# Shapes a scheme's gates cannot take: the one line compile gives.
REFUSED = {
    ("soloveichik2010", "trimolecular"): "it has 3 reactants; the scheme's gates take at most 2",
}
# qian2011_3D as drawn releases the products before its irreversible step, so a product can
# re-enter the gate and take the reactants back out: every irreversible reaction with products
# fails (Nuskell's snapshot: qian2011_3D.ts fails `A -> B` and `-> A` in every notion). Degradation
# has no product to re-enter; the reversible gate pair is the paper's Fig. 2.
NOT_VERIFIED = {("qian2011_3D", shape) for shape in SHAPES if shape not in ("degradation", "reversible")}


def run_library(text, scheme, tmp_path):
    tmp_path.mkdir(parents=True, exist_ok=True)
    crn = tmp_path / "g.crn"
    crn.write_text(text + "\n")
    out = tmp_path / "out"
    compile_dir(crn, scheme, out, max_products=4)
    return verify_all(out), json.loads((out / "verification.json").read_text())


@pytest.mark.parametrize("shape", list(SHAPES))
@pytest.mark.parametrize("scheme", SCHEMES)
def test_every_shape_with_every_scheme(scheme, shape, tmp_path):
    text = SHAPES[shape]
    if (scheme, shape) in REFUSED:
        with pytest.raises(DmpError) as info:
            run_library(text, scheme, tmp_path)
        assert str(info.value).endswith(f"scheme {scheme} cannot implement it: {REFUSED[scheme, shape]}")
        assert "\n" not in str(info.value)
        return
    summary, report = run_library(text, scheme, tmp_path)
    expected = (scheme, shape) not in NOT_VERIFIED
    assert summary["verified"] is expected, (summary["module_status"], report["whole"], report["crosstalk"])
    if expected:
        assert summary["modules_verified"] == summary["modules"]
        assert summary["crosstalk_verified"] and summary["whole_verified"]
    if shape == "many-products":  # 7 products, at most 4 per gate: a cascade of 2 gates, checked too
        assert report["summary"]["fan_out_splits"] == 1 and all(f["verified"] for f in report["fan_out"])


def test_reversible_is_one_gate_pair_in_qian2011_and_two_modules_elsewhere(tmp_path):
    summary, report = run_library("A + B <=> C + D", "qian2011_3D_var1", tmp_path)
    first, second = report["modules"]
    assert first["verified"] and second["implemented_by"] == "r0"
    # Pathway decomposition finds no formal basis for a reversible gate pair (a pathway that
    # releases C and takes it back is not regular; Nuskell's snapshot shows the same for
    # qian2011_3D on `A + B <=> C`); CRN bisimulation decides.
    assert first["methods"]["bisimulation"]["verified"] and first["methods"]["pathway"]["applies"] is False
    summary, report = run_library("A + B <=> C + D", "srinivas2017", tmp_path / "s")
    assert summary["verified"] and [m["reaction"] for m in report["modules"]] == ["A + B -> C + D", "C + D -> A + B"]
    assert all(m["methods"]["pathway"]["verified"] for m in report["modules"])


def test_catalytic_homodimer_is_not_verified_in_soloveichik_like_gates(tmp_path):
    # `A + A -> A`: the two input sites of the gate of Fig. 3 read the same species, and a released
    # A can take the first site back. Nuskell's snapshot (irr_basic_02) fails soloveichik2010 and
    # srinivas2015 in every notion; the n x m gate and the three-domain gate verify it.
    for scheme, expected in [("soloveichik2010", False), ("srinivas2017", False), ("cardelli2011_NM_noGC", True)]:
        summary, _ = run_library("A + A -> A", scheme, tmp_path / scheme)
        assert summary["verified"] is expected, scheme


def test_qian2011_fig1_product_reenters_before_the_commit_and_var1_stops_it():
    def module(scheme):
        system = compile_crn(parse_crn("A -> B"), scheme, settings("dsd")).system
        m = system.modules[0]
        present = set(m.reactant_signals + m.complexes)
        enumerated, _ = ModuleEnumerator(settings("dsd").enumeration).enumerate(
            system.module_complexes(m), system.domains, present, "r0", "t"
        )
        return system, enumerated

    def b_leads_back_to_a(enumerated):
        """Can a gate that took in B (a product) go on to release A? (Reactions followed through any one reactant.)"""
        reached, frontier = set(), {"B"}
        while frontier:
            reached |= frontier
            frontier = {p for r, ps, _, _ in enumerated.reactions if reached & set(r) for p in ps} - reached
        return "A" in reached

    system, enumerated = module("qian2011_3D")
    # B, released while the gate can still run backwards, enters that gate again and takes A back out.
    assert b_leads_back_to_a(enumerated)
    verdict = check([[["A"], ["B"]]], enumerated, system, ["bisimulation", "pathway"])
    assert not verdict["methods"]["bisimulation"]["verified"] and not verdict["methods"]["pathway"]["verified"]
    # var1 commits (fuel t f g) before B leaves: B can still bind the spent gate, but A never comes back.
    system, enumerated = module("qian2011_3D_var1")
    assert not b_leads_back_to_a(enumerated)
    assert check([[["A"], ["B"]]], enumerated, system, ["bisimulation", "pathway"])["verified"]


# ---------------------------------------------------------------------------- crashes inside crnverifier


def crashing_module():
    """A -> B implemented as A + x -> x + B: crnverifier 0.3's bisimulation search raises a TypeError
    when an uninterpreted species sits on both sides of a reaction."""
    system = compile_crn(parse_crn("A -> B"), "cardelli2011_NM_noGC", settings("dsd")).system
    enumerated = Enumerated(
        {"A": ["A_h A_t A_b"], "B": ["B_h B_t B_b"], "ix": ["x( y + ) z"]},
        [(("A", "ix"), ("B", "ix"), 1e-3, "/nM/s")],
    )
    return system, enumerated


def test_a_crash_inside_the_bisimulation_is_a_verdict_and_pathway_decides():
    from crnverifier.crn_bisimulation import crn_bisimulation_test

    system, enumerated = crashing_module()
    with pytest.raises(TypeError):  # the crash this guards against, straight from crnverifier
        crn_bisimulation_test([[["A"], ["B"]]], [[["A", "ix"], ["B", "ix"]]], {"A", "B"})
    verdict = check([[["A"], ["B"]]], enumerated, system, ["bisimulation", "pathway"])
    bisimulation = verdict["methods"]["bisimulation"]
    assert bisimulation["crashed"] and bisimulation["error"].startswith(
        "crnverifier's crn-bisimulation crashed: TypeError"
    )
    assert verdict["decided_by"] == ["pathway"]
    assert verdict["verified"] is verdict["methods"]["pathway"]["verified"]
    whole = check_whole([([[["A"], ["B"]]], enumerated)], system)
    assert whole["method"].startswith("pathway decomposition of the whole system")
    assert "TypeError" in whole["verifier_errors"][0]


def test_whole_system_crash_becomes_a_verdict_in_verification_json(tmp_path, monkeypatch):
    import crnverifier.crn_bisimulation as cb

    def broken(*args, **kwargs):
        raise AssertionError("internal check failed")
        yield  # pragma: no cover

    monkeypatch.setattr(cb, "crn_bisimulations", broken)
    summary, report = run_library("A -> B + C\nB + C -> D", "soloveichik2010", tmp_path)
    assert report["whole"]["verifier_errors"][0].startswith(
        "module r0: crnverifier's modular crn-bisimulation crashed: AssertionError: internal check failed"
    )
    assert report["whole"]["verified"] and summary["verified"]  # pathway decomposition of the whole decided


def test_a_crash_inside_peppercorn_is_the_modules_verdict(tmp_path, monkeypatch):
    from peppercornenumerator.enumerator import Enumerator

    def broken(self):
        raise RuntimeError("internal state lost")

    monkeypatch.setattr(Enumerator, "enumerate", broken)
    summary, report = run_library("A -> B", "srinivas2017", tmp_path)
    assert not summary["verified"] and summary["failed_modules"] == ["r0"]
    assert report["modules"][0]["error"] == "module r0 (A -> B): peppercorn crashed: RuntimeError: internal state lost"


def test_a_formation_source_is_named_apart_from_formal_species():
    system = compile_crn(parse_crn("-> r0src\nr0src -> B"), "soloveichik2010", settings("dsd")).system
    assert system.complexes["fr0_S"].strands == (("r0srcx_h", "r0srcx_a", "r0srcx_b", "r0srcx_c"),)


# ---------------------------------------------------------------------------- the command line


GENERAL = "-> A\nB ->\nA + A -> C\nA + B -> A + D\nD + E -> 2 E\nC -> E + G + H + J + K + L + M\nE + H <=> J + K\n"


def dmp(*args):
    return subprocess.run([sys.executable, "-m", "dmp", *map(str, args)], capture_output=True, text=True)


@pytest.mark.parametrize("scheme", ["soloveichik2010", "cardelli2011_NM_noGC", "qian2011_3D_var1", "srinivas2017"])
def test_cli_compiles_and_verifies_a_general_crn(scheme, tmp_path):
    crn = tmp_path / "general.crn"
    crn.write_text(GENERAL)
    run = dmp("compile", crn, "--scheme", scheme, "--out", tmp_path / "out")
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    run = dmp("verify", tmp_path / "out")
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    report = json.loads((tmp_path / "out" / "verification.json").read_text())
    assert report["verified"] and report["whole"]["verified"] and report["crosstalk"]["verified"]


@pytest.mark.parametrize(
    ("text", "scheme", "args", "line"),
    [
        (
            "A + B + C -> D\n",
            "soloveichik2010",
            ("compile",),
            "reaction 1 'A + B + C -> D' (line 1): scheme soloveichik2010 cannot implement it: "
            "it has 3 reactants; the scheme's gates take at most 2",
        ),
        ("A + A -> A\n", "soloveichik2010", ("verify",), "not verified; see"),
        ("A -> B\n", "qian2011_3D", ("verify",), "not verified; see"),
    ],
    ids=["refused", "homodimer-not-verified", "qian-fig1-not-verified"],
)
def test_cli_gives_one_line_never_a_traceback(text, scheme, args, line, tmp_path):
    crn = tmp_path / "x.crn"
    crn.write_text(text)
    out = tmp_path / "out"
    run = dmp("compile", crn, "--scheme", scheme, "--out", out)
    if args == ("verify",):
        assert run.returncode == 0, run.stderr
        run = dmp("verify", out)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dmp: error: ") and line in lines[0], run.stderr


# ---------------------------------------------------------------------------- why Nuskell stops on qian2011_3D


def test_whole_system_enumeration_with_a_shared_toehold_grows_quadratically_without_polymers():
    """Nuskell enumerates a whole system at once. With one toehold shared by every species, each
    strand with that toehold binds each gate's open toehold for a moment, so the complexes
    peppercorn generates grow with (strands x gates), k^2 for k independent reactions, and reach
    its complex limit (reported as PolymerizationError) on network CRNs. No complex grows: the
    largest stays the gate. With private toeholds (soloveichik2010) the count grows like k."""

    def counts(scheme, k):
        crn = parse_crn("\n".join(f"X{i} -> Y{i}" for i in range(k)))
        return whole_system_counts(
            format_pil(compile_crn(crn, scheme, settings("dsd")).system), settings("dsd").enumeration
        )

    one, two, four = (counts("qian2011_3D_var1", k) for k in (1, 2, 4))
    assert four["complexes"] / two["complexes"] > 3.3 and two["complexes"] / one["complexes"] > 3
    assert four["resting"] == 4 * one["resting"]  # the resting complexes are each module's own
    assert one["max_strands"] == two["max_strands"] == four["max_strands"] == 7  # the var1 gate's strands
    two, four = (counts("soloveichik2010", k) for k in (2, 4))
    assert four["complexes"] == 2 * two["complexes"]


def test_scheme_error_is_a_dmp_error():
    with pytest.raises(SchemeError) as info:
        compile_crn(parse_crn("A + B + C -> D"), "soloveichik2010", settings("dsd"))
    assert isinstance(info.value, DmpError)


# ---------------------------------------------------------------------------- against Nuskell's own runs

# The 34 basic CRNs of Nuskell's test suite (nuskell/tests/crns/basic/{irr,rev}) and the ones its
# published snapshots (nuskell/tests/snapshots/basic_*.csv, column crn-bisimulation) record as NOT
# verified, per scheme (Nuskell names srinivas2017 `srinivas2015`). Left out: the runs Nuskell
# enumerated with other semantics (reject-remote, 'c:rr'), rev_basic_02/07 for soloveichik2010 and
# srinivas2015.
NUSKELL_BASIC = {
    "irr_basic_01": "A -> B", "irr_basic_02": "A + A -> A", "irr_basic_03": "A + A -> B",
    "irr_basic_04": "A + B -> A", "irr_basic_05": "B + A -> A", "irr_basic_06": "A + B -> C",
    "irr_basic_07": "A -> A + A", "irr_basic_08": "A -> A + B", "irr_basic_09": "A -> B + A",
    "irr_basic_10": "B -> A + A", "irr_basic_11": "A -> B + C", "irr_open_01": "A ->", "irr_open_02": "-> A",
    "irr_open_03": "A + A ->", "irr_open_04": "A + B ->", "irr_open_05": "-> A + A", "irr_open_06": "-> A + B",
    "rev_basic_01": "A <=> B", "rev_basic_02": "A + A <=> A", "rev_basic_03": "A + A <=> B",
    "rev_basic_04": "A + B <=> A", "rev_basic_05": "B + A <=> A", "rev_basic_06": "A + B <=> C",
    "rev_basic_07": "A <=> A + A", "rev_basic_08": "A <=> A + B", "rev_basic_09": "A <=> B + A",
    "rev_basic_10": "B <=> A + A", "rev_basic_11": "A <=> B + C", "rev_open_01": "A <=>", "rev_open_02": "<=> A",
    "rev_open_03": "A + A <=>", "rev_open_04": "A + B <=>", "rev_open_05": "<=> A + A", "rev_open_06": "<=> A + B",
}  # fmt: skip
NUSKELL_NOT_VERIFIED = {
    "soloveichik2010": {"irr_basic_02", "rev_basic_04", "rev_basic_08"},
    "srinivas2017": {"irr_basic_02"},
    "cardelli2011_NM_noGC": set(),
    "qian2011_3D_var1": set(),
    "qian2011_3D": {f"irr_basic_{i:02d}" for i in range(1, 12)} | {"irr_open_02", "irr_open_05", "irr_open_06"},
}
NUSKELL_OTHER_SEMANTICS = {("soloveichik2010", "rev_basic_02"), ("soloveichik2010", "rev_basic_07"),
                           ("srinivas2017", "rev_basic_02"), ("srinivas2017", "rev_basic_07")}  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("scheme", list(NUSKELL_NOT_VERIFIED))
def test_bisimulation_verdicts_equal_nuskells_published_runs(scheme, tmp_path):
    """CRN bisimulation of every module, the crosstalk check and the whole system, as Nuskell's one
    whole-system bisimulation; 166 of Nuskell's 170 runs of these five schemes compare."""
    for name, text in NUSKELL_BASIC.items():
        if (scheme, name) in NUSKELL_OTHER_SEMANTICS:
            continue
        _, report = run_library(text, scheme, tmp_path / name)
        ours = (
            all(m["methods"]["bisimulation"]["verified"] for m in report["modules"])
            and report["crosstalk"]["verified"]
            and report["whole"]["verified"]
        )
        assert ours is (name not in NUSKELL_NOT_VERIFIED[scheme]), (name, text)
