"""Enumeration (peppercorn) and verification (crnverifier) of compiled systems."""

import dataclasses
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SMALL_NETWORK_CRN, compile_dir, settings, verify_chunks

from dmp.crn.io import parse_crn, read_crn
from dmp.crn.model import Reaction
from dmp.dsd.cascade import Split, split_fan_out, verify_split
from dmp.dsd.compiler import compile_crn
from dmp.dsd.crosstalk import _as_complex, candidate_pairs, lone_toehold_contact, resting_complexes
from dmp.dsd.enumeration import ModuleEnumerator, enumerate_pil_text
from dmp.dsd.kernel import canonical_kernel
from dmp.dsd.model import Complex
from dmp.dsd.tables import format_pil
from dmp.dsd.verification import check
from dmp.fileio import read_tsv
from dmp.stages.dsd import collect, load_compiled, verify_all

SCHEMES = ["soloveichik2010", "cardelli2011_NM_noGC", "srinivas2017", "qian2011_3D_var1"]


def enumerate_module(system, module):
    enumerator = ModuleEnumerator(settings("dsd").enumeration)
    complexes = system.module_complexes(module)
    present = set(module.reactant_signals + module.complexes)
    enumerated, _ = enumerator.enumerate(complexes, system.domains, present, f"r{module.index}", "test")
    return enumerated


def formal(module):
    return [[list(module.reaction[0]), list(module.reaction[1])]]


def test_unimolecular_module_condenses_to_the_two_steps_of_fig2():
    system = compile_crn(parse_crn("A -> B + C"), "soloveichik2010", settings("dsd")).system
    enumerated = enumerate_module(system, system.modules[0])
    # By hand from Fig. 2: A + L -> waste + output strand; output + T -> B + C + waste.
    shapes = sorted((sorted(r), sorted(p)) for r, p, _, _ in enumerated.reactions)
    assert len(shapes) == 2
    first = next(s for s in shapes if "A" in s[0])
    assert first[0] == ["A", "fr0_L"] and len(first[1]) == 2
    output = next(x for x in first[1] if x.startswith("i"))
    second = next(s for s in shapes if "fr0_T" in s[0])
    assert second[0] == sorted([output, "fr0_T"])
    assert {"B_r0_0", "C_r0_1"} <= set(second[1])
    # The released output strand is b c d0 a_B d1 a_C, single-stranded.
    assert enumerated.species[output] == ["A_b A_c r0_d0 B_a r0_d1 C_a"]


def test_canonical_enumeration_equals_peppercorns_own_reader():
    """The cached, canonically renamed run gives what peppercorn's PIL reader gives on the real names."""
    system = compile_crn(parse_crn("A + B -> C + D"), "cardelli2011_NM_noGC", settings("dsd")).system
    module = system.modules[0]
    ours = enumerate_module(system, module)
    text = (
        "\n".join(f"length {d} = {n}" for d, n in system.domains.items())
        + "\n"
        + "\n".join(
            f"{c.name} = {c.kernel} @initial {1 if c.name in module.reactant_signals + module.complexes else 0} nM"
            for c in system.module_complexes(module)
        )
    )
    reference = enumerate_pil_text(text, settings("dsd").enumeration)

    def norm(enumerated):
        kernel = {n: canonical_kernel(k[0]) for n, k in enumerated.species.items()}
        named = {c.name for c in system.complexes.values()}
        key = {n: (n if n in named else kernel[n]) for n in kernel}
        return sorted(
            (sorted(key[x] for x in r), sorted(key[x] for x in p), round(k, 12), u)
            for r, p, k, u in enumerated.reactions
        )

    assert norm(ours) == norm(reference)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_every_module_verifies_by_both_methods(scheme):
    compiled = compile_crn(parse_crn(SMALL_NETWORK_CRN), scheme, settings("dsd", max_products=4))
    system = compiled.system
    assert len(compiled.splits) == 1 and len(system.modules) == 6
    for module in system.modules:
        verdict = check(formal(module), enumerate_module(system, module), system, ["bisimulation", "pathway"])
        assert verdict["methods"]["bisimulation"]["verified"], module.source
        assert verdict["methods"]["pathway"]["verified"], module.source
        for name, species in verdict["interpretation"].items():
            if name in system.complexes and system.complexes[name].role == "signal":
                assert species == [system.complexes[name].formal]


def corrupt(system, name, old, new):
    """Replace one domain of one complex (keeping the structure)."""
    cplx = system.complexes[name]
    strands = tuple(tuple(new if d == old else d for d in s) for s in cplx.strands)
    system.complexes[name] = dataclasses.replace(cplx, strands=strands)


@pytest.mark.parametrize(
    ("scheme", "gate", "old", "new"),
    [
        # The translator releases a strand with C's recognition domain where B's belongs.
        ("soloveichik2010", "fr0_T", "B_b", "C_b"),
        # The gate's input toehold is complementary to the wrong species: A can no longer trigger it.
        ("soloveichik2010", "fr0_L", "A_a*", "B_a*"),
        # The n x m fuel carries the wrong history domain: it stops before C's strand, which stays bound.
        ("cardelli2011_NM_noGC", "fr0_F", "r0_h1", "r0_h0"),
        # The same for Fig. 2's translator: the output strand cannot reach the second product.
        ("soloveichik2010", "fr0_L", "r0_d1", "r0_d0"),
    ],
)
def test_a_corrupted_domain_is_caught(scheme, gate, old, new):
    system = compile_crn(parse_crn("A -> B + C"), scheme, settings("dsd")).system
    assert check(formal(system.modules[0]), enumerate_module(system, system.modules[0]), system, ["bisimulation"])[
        "verified"
    ]
    corrupt(system, gate, old, new)
    verdict = check(
        formal(system.modules[0]), enumerate_module(system, system.modules[0]), system, ["bisimulation", "pathway"]
    )
    assert not verdict["verified"]
    assert not verdict["methods"]["bisimulation"]["verified"]


def test_fan_out_cascade_and_its_check():
    crn = parse_crn("X -> A + B + C + D + E + F + G")
    split, splits, origin = split_fan_out(crn, 3)
    # By hand: X -> A + B + K; K -> C + D + K'; K' -> E + F + K''? No: the last link takes up to 3.
    assert [str(r) for r in split.reactions] == ["X -> A + B + K0_0", "K0_0 -> C + D + K0_1", "K0_1 -> E + F + G"]
    assert origin == [0, 0, 0]
    assert verify_split(splits[0])["verified"]
    broken = Split(
        0, crn.reactions[0], [Reaction(("X",), ("A", "B", "K0_0")), Reaction(("K0_0",), ("C", "D"))], ["K0_0"]
    )
    assert not verify_split(broken)["verified"]


def test_lone_toehold_contacts_really_do_not_react():
    """Every pair the crosstalk check skips is enumerated here: peppercorn finds no reaction."""
    compiled = compile_crn(
        parse_crn(SMALL_NETWORK_CRN + "H0p -> Yp + Ym\nH0m -> Yp\n"), "soloveichik2010", settings("dsd", max_products=3)
    )
    system = compiled.system
    results = {m.index: enumerate_module(system, m) for m in system.modules}
    pairs = candidate_pairs(resting_complexes(system, results))
    skipped = [(a, b) for a, b in pairs if lone_toehold_contact(a, b, system.domains, 8)]
    assert len(skipped) >= 5
    for a, b in skipped:
        text = "\n".join(f"length {d} = {n}" for d, n in system.domains.items()) + "\n"
        text += "\n".join(f"{c.name} = {c.kernel} @initial 1 nM" for c in (_as_complex(a), _as_complex(b)))
        assert enumerate_pil_text(text, settings("dsd").enumeration).reactions == [], (a.name, b.name)


def test_toehold_pair_with_a_branch_migration_domain_is_not_skipped():
    # y exposes t* next to a helix x*:x; an invader t x can bind and displace: a real reaction.
    lengths = {"t": 7, "x": 15, "u": 15}
    from dmp.dsd.crosstalk import Resting

    invader = Resting(0, "i0", "t x")
    gate = Resting(1, "f1", "x( + ) t*")
    assert not lone_toehold_contact(invader, gate, lengths, 8)
    decoy = Resting(0, "i1", "u t")
    assert lone_toehold_contact(decoy, gate, lengths, 8)
    assert Complex  # the module's structure type is what _as_complex rebuilds


def _normalised_reactions(pairs, system, kernel_of):
    """Reactions with signals merged to formal names and history domains blanked (they never pair)."""
    history = re.compile(r"^(\w+_h|r\d+_d\d+|r\d+_h\d+)(?=[*(]|$)")
    pattern = {
        c.strands[0][1:]: c.formal for c in system.complexes.values() if c.role == "signal" and c.reaction is None
    }

    def ident(name):
        cplx = system.complexes.get(name)
        if cplx is not None:
            return cplx.formal if cplx.role == "signal" else name
        k = canonical_kernel(kernel_of[name])
        if "(" not in k and "+" not in k and tuple(k.split()[1:]) in pattern:
            return pattern[tuple(k.split()[1:])]
        return canonical_kernel(" ".join(history.sub("H", t) for t in k.split()))

    return {(tuple(sorted(map(ident, r))), tuple(sorted(map(ident, p)))) for r, p in pairs}


@pytest.mark.parametrize("scheme", SCHEMES)
def test_modules_together_equal_peppercorn_on_the_whole_system_pil(tmp_path, scheme):
    """`peppercorn -c system.pil` (the whole system at once) finds the same reactions as the modules."""
    crn_path = tmp_path / "small.crn"
    crn_path.write_text(SMALL_NETWORK_CRN)
    out = tmp_path / "dsd"
    compile_dir(crn_path, scheme, out, max_products=4)
    verify_all(out)
    peppercorn = Path(sys.executable).with_name("peppercorn")
    run = subprocess.run([str(peppercorn), "-c", str(out / "system.pil")], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    kernel_of, whole = {}, []
    for line in run.stdout.splitlines():
        m = re.match(r"^(\w+) = (.*?)(?: @.*)?$", line)
        if m and not line.startswith(("length", "macrostate", "reaction")):
            kernel_of[m.group(1)] = m.group(2)
        m = re.match(r"reaction \[condensed\s*=\s*\S+ \S+\s*\] (.*) -> (.*)", line)
        if m:
            whole.append(([x.strip() for x in m.group(1).split("+")], [x.strip() for x in m.group(2).split("+")]))
    _, system, _ = load_compiled(out)
    ours, kernels = [], {}
    for chunk in [json.loads((out / "verification.json").read_text())]:
        assert chunk["verified"]
    # The modules' reactions, from a chunked run of the same folder.
    (chunk,) = verify_chunks(out, 1)
    for module in json.loads(chunk.read_text())["modules"]:
        kernels.update({n: k[0] for n, k in module["enumerated"]["species"].items()})
        ours += [(r, p) for r, p, _, _ in module["enumerated"]["reactions"]]
    assert _normalised_reactions(ours, system, kernels) == _normalised_reactions(whole, system, kernel_of)


def test_system_pil_is_read_by_peppercorn_unchanged(tmp_path):
    from peppercornenumerator.input import read_pil

    system = compile_crn(parse_crn(SMALL_NETWORK_CRN), "soloveichik2010", settings("dsd")).system
    complexes, _ = read_pil(format_pil(system, ["header line"]))
    named = {name: c for name, c in complexes.items() if isinstance(name, str)}
    assert set(named) == set(system.complexes)
    for name, cplx in system.complexes.items():
        assert canonical_kernel(named[name].kernel_string) == canonical_kernel(cplx.kernel)
        assert named[name].concentration[1] == pytest.approx(cplx.concentration)


def test_tables_join_and_count(tmp_path):
    crn_path = tmp_path / "a.crn"
    crn_path.write_text("A -> B + C\n")
    counts = compile_dir(crn_path, "soloveichik2010", tmp_path / "out")
    gates = read_tsv(tmp_path / "out" / "gates.tsv")
    strands = {row["name"]: row for row in read_tsv(tmp_path / "out" / "strands.tsv")}
    assert [g["name"] for g in gates][:3] == ["A", "B", "C"]
    assert {g["name"]: g["role"] for g in gates}["fr0_T"] == "fuel"
    # Every strand a gate names is in strands.tsv, and lists that gate back.
    for gate in gates:
        for strand in gate["strands"].split(","):
            assert gate["name"] in strands[strand]["complexes"].split(",")
    # Signal strand A: h(15) + a(7) + b(15) + c(7) = 44 nt; L's output strand: b c d a d a = 15+7+15+7+15+7.
    assert strands["A"]["length_nt"] == "44" and strands["A"]["domains"] == "A_h A_a A_b A_c"
    assert strands["fr0_L_s1"]["length_nt"] == "66"
    # The translator's product strands are the released signals, so they take the signals' names.
    assert next(g for g in gates if g["name"] == "fr0_T")["strands"] == "B_r0_0,C_r0_1,fr0_T_s3"
    # Distinct strands: A, B, C, the 2 strands of L, B_r0_0, C_r0_1 and T's bottom = 8.
    assert counts["strands"] == 8 and len(strands) == 8


def test_chunks_give_the_same_outputs_as_one_process(tmp_path):
    crn_path = tmp_path / "small.crn"
    crn_path.write_text(SMALL_NETWORK_CRN)
    one, two = tmp_path / "one", tmp_path / "two"
    for out in (one, two):
        compile_dir(crn_path, "cardelli2011_NM_noGC", out, max_products=4)
    verify_all(one)
    summary = collect(two, verify_chunks(two, 3))
    assert summary["verified"]
    assert (one / "enumerated.crn").read_text() == (two / "enumerated.crn").read_text()
    enumerated = read_crn(two / "enumerated.crn")
    assert {"X0p", "Yp", "H0m"} <= set(enumerated.species)
    assert enumerated.initial["fr0_G"] > 0


def test_cli_compile_and_verify(tmp_path):
    crn_path = tmp_path / "small.crn"
    crn_path.write_text(SMALL_NETWORK_CRN)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "dmp",
            "compile",
            str(crn_path),
            "--scheme",
            "soloveichik2010",
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    run = subprocess.run([sys.executable, "-m", "dmp", "verify", str(tmp_path / "out")], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    report = json.loads((tmp_path / "out" / "verification.json").read_text())
    assert report["verified"] and report["whole"]["verified"] and report["crosstalk"]["verified"]
    assert report["summary"]["modules_verified"] == report["summary"]["modules"] == 5
    assert report["interpretation"]["X0p"] == ["X0p"]
    assert report["wall_time_seconds"]["modules"] > 0


def test_cli_refuses_a_reaction_before_writing(tmp_path):
    crn_path = tmp_path / "tri.crn"
    crn_path.write_text("A + B + C -> D\n")
    out = tmp_path / "out"
    run = subprocess.run(
        [sys.executable, "-m", "dmp", "compile", str(crn_path), "--scheme", "soloveichik2010", "--out", str(out)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 1
    assert run.stderr.strip() == (
        f"dmp: error: {crn_path}: reaction 1 'A + B + C -> D' (line 1): scheme "
        "soloveichik2010 cannot implement it: it has 3 reactants; the scheme's gates "
        "take at most 2"
    )
    assert not out.exists()


def test_verdict_carried_to_an_isomorphic_module_equals_checking_it(tmp_path):
    from dmp.dsd.modules import verify_modules

    crn_path = tmp_path / "two.crn"
    crn_path.write_text("A + B -> C + D\nE + G -> H + J\n")
    compile_dir(crn_path, "soloveichik2010", tmp_path / "out")
    _, system, dsd = load_compiled(tmp_path / "out")
    result = verify_modules(system, [0, 1], dsd)["modules"]
    assert result[1]["same_shape_as"] == "r0"
    direct = check(
        formal(system.modules[1]), enumerate_module(system, system.modules[1]), system, ["bisimulation", "pathway"]
    )
    assert result[1]["verified"] == direct["verified"] is True
    assert result[1]["interpretation"] == direct["interpretation"]
    assert result[1]["interpretation"]["E"] == ["E"]


def _module_results(system):
    return {m.index: enumerate_module(system, m) for m in system.modules}


@pytest.mark.parametrize("scheme", ["soloveichik2010", "qian2011_3D_var1", "srinivas2017"])
def test_indexed_crosstalk_pairs_equal_the_filtered_contact_pairs(scheme):
    from dmp.dsd.crosstalk import Resting, reacting_candidates

    system = compile_crn(
        parse_crn(SMALL_NETWORK_CRN + "H0p -> Yp + Ym\nH0m -> Yp\n"), scheme, settings("dsd", max_products=3)
    ).system
    results = _module_results(system)
    resting = resting_complexes(system, results)
    members = {i: set(e.species) for i, e in results.items()}

    def key(pair):
        return frozenset(r.name for r in pair)

    def expected(resting, members):
        return {
            key((a, b))
            for a, b in candidate_pairs(resting)
            if not lone_toehold_contact(a, b, system.domains, 8)
            and b.name not in members.get(a.module, ())
            and a.name not in members.get(b.module, ())
        }

    assert {key(p) for p in reacting_candidates(resting, system.domains, 8, members)} == expected(resting, members)
    # Every complex in a module of its own: the pairs inside each module now count, and must be found too.
    alone = [Resting(k, r.name, r.kernel) for k, r in enumerate(resting)]
    found = {key(p) for p in reacting_candidates(alone, system.domains, 8, {})}
    assert found == expected(alone, {}) and len(found) >= 5


def test_contacts_through_the_shared_toehold_really_do_not_react():
    """qian2011: every species uses one toehold, so almost every pair of modules touches; the pairs
    the crosstalk check skips are enumerated here (distinct shapes once): peppercorn finds no reaction."""
    system = compile_crn(parse_crn("A -> B + C\nB + D -> E\nC -> A"), "qian2011_3D_var1", settings("dsd")).system
    results = _module_results(system)
    pairs = candidate_pairs(resting_complexes(system, results))
    skipped = [(a, b) for a, b in pairs if lone_toehold_contact(a, b, system.domains, 8)]
    assert len(skipped) > 20
    enumerator = ModuleEnumerator(settings("dsd").enumeration)
    for a, b in skipped:
        enumerated, _ = enumerator.enumerate(
            [_as_complex(a), _as_complex(b)], system.domains, {a.name, b.name}, "x", f"{a.name} + {b.name}"
        )
        assert enumerated.reactions == [], (a.kernel, b.kernel)


def test_a_real_reaction_between_modules_is_reported():
    from dmp.dsd.crosstalk import Resting, reacting_candidates

    lengths = {"t": 7, "x": 15, "u": 15}
    invader = Resting(0, "i0", "t x")  # a strand left over in module 0 ...
    gate = Resting(1, "f1", "x( + ) t*")  # ... opens a gate of module 1: toehold t, then x
    decoy = Resting(2, "i2", "u t")  # the same toehold, then nothing the gate holds
    pairs = reacting_candidates([invader, gate, decoy], lengths, 8, {})
    assert [(a.name, b.name) for a, b in pairs] == [("i0", "f1")]
    # A complex that module 1 enumerated itself (a shared fuel) is not crosstalk of module 1.
    assert reacting_candidates([invader, gate], lengths, 8, {1: {"i0"}}) == []
