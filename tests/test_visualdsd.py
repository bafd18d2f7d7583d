"""Visual DSD export: the text parses under a grammar written from the DSD language's documented syntax,
and every species read back by that syntax's meaning is the complex it was written from."""

import math
import re
import warnings

import pytest
from conftest import SMALL_NETWORK_CRN, settings

from dmp.crn.io import parse_crn
from dmp.dsd.compiler import compile_crn
from dmp.dsd.kernel import canonical_kernel, format_kernel
from dmp.dsd.model import complement
from dmp.dsd.pil import parse_pil
from dmp.dsd.visualdsd import format_visualdsd, toehold_rates, write_visualdsd
from dmp.errors import DmpError

NAME = r"[A-Za-z0-9_']+"
SITE = re.compile(rf"^(?P<name>{NAME})(?P<toe>\^)?(?P<star>\*)?$")
NUMBER = r"[0-9]+(?:\.[0-9]+)?"


def sites(text):
    out = []
    for token in text.split():
        match = SITE.match(token)
        assert match, f"not a DSD site: {token!r}"
        out.append((match["name"], bool(match["toe"]), bool(match["star"])))
    return out


def read_species(text):
    """Strands (5'->3', as (name, toehold, complement) sites) and base pairs of one DSD species.

    The DSD syntax: <..> upper strand written 5'->3', {..} lower strand written 3'->5', [..] a
    double-stranded stretch (upper sites over their complements), ':' joins segments along the
    lower strand, '::' along the upper strand.
    """
    if re.fullmatch(r"<[^<>{}\[\]:]*>", text):
        return [sites(text[1:-1])], []
    parts = re.split(r"(::|:)", text)
    upper, lower, strands, pairs = None, None, [], []
    for n in range(0, len(parts), 2):
        join = parts[n - 1] if n else None
        match = re.fullmatch(r"((?:<[^<>]*>|\{[^{}]*\}){0,2})\[([^\[\]]*)\]((?:<[^<>]*>|\{[^{}]*\}){0,2})", parts[n])
        assert match, f"not a DSD segment: {parts[n]!r}"
        left = re.findall(r"<([^<>]*)>|\{([^{}]*)\}", match[1])
        right = re.findall(r"<([^<>]*)>|\{([^{}]*)\}", match[3])
        if join in (None, ":"):  # a new upper strand starts
            if upper is not None:
                strands.append(("upper", upper))
            upper = []
        if join in (None, "::"):
            if lower is not None:
                strands.append(("lower", lower))
            lower = []
        for u, low in left:
            (upper if u else lower).extend((s, None) for s in sites(u or low))
        for site in sites(match[2]):
            key = (len(pairs),)
            upper.append((site, key))
            lower.append(((site[0], site[1], not site[2]), key))
            pairs.append(key)
        for u, low in right:
            (upper if u else lower).extend((s, None) for s in sites(u or low))
    strands += [("upper", upper), ("lower", lower)]
    # Lower strands are written 3'->5': reverse them to read 5'->3'.
    oriented = [s if kind == "upper" else s[::-1] for kind, s in strands if s]
    flat = [key for s in oriented for _, key in s]
    index = [(i, flat.index(key, i + 1)) for i, key in enumerate(flat) if key is not None and key in flat[i + 1 :]]
    return [[site for site, _ in s] for s in oriented], index


def kernel_of(strands, pairs):
    names = [[f"{n}{'*' if c else ''}" for n, _, c in s] for s in strands]
    return canonical_kernel(format_kernel(names, pairs))


def parse_program(text):
    """Check the program's grammar; returns (declared domains {name: rates or None}, defs, process)."""
    declared, defs, process = {}, {}, []
    lines = text.splitlines()
    body = [line for line in lines if line.strip() and not line.startswith("//")]
    assert body[0].startswith("directive")
    program = "\n".join(body)
    assert program.count("(") == program.count(")") and program.count("{") == program.count("}")
    for line in body:
        if line.startswith("def "):  # strand brackets close before the next one opens, never nest
            opened = None
            for char in line.split("=", 1)[1]:
                if char in "<{[":
                    assert opened is None, f"nested bracket in {line!r}"
                    opened = char
                elif char in ">}]":
                    assert opened is not None and "<{[".index(opened) == ">}]".index(char), f"unbalanced {line!r}"
                    opened = None
            assert opened is None, f"unclosed bracket in {line!r}"
        if line.startswith("directive"):
            assert re.fullmatch(r"directive \w+ (\w+|\{.*\})", line), line
        elif line.startswith("new "):
            match = re.fullmatch(rf"new ({NAME})(?:@({NUMBER}),({NUMBER}))?", line)
            assert match and match[1] not in declared, line
            declared[match[1]] = (float(match[2]), float(match[3])) if match[2] else None
        elif line.startswith("def "):
            match = re.fullmatch(rf"def ({NAME})\(\) = (\S.*)", line)
            assert match and match[1] not in defs, line
            defs[match[1]] = match[2]
        elif line != ")":
            match = re.fullmatch(rf"[(|] ({NUMBER}) \* ({NAME})\(\)", line)
            assert match, line
            process.append((match[2], float(match[1])))
    assert body[-1] == ")"
    assert "directive units {concentration=nM; time=s}" in body
    return declared, defs, process


def check_program(text, system):
    declared, defs, process = parse_program(text)
    assert [name for name, _ in process] == list(defs)
    lengths = system.domains
    for species in defs.values():
        strands, pairs = read_species(species)
        for strand in strands:
            for domain, toehold, _ in strand:
                assert domain in declared, f"{domain} used but not declared"
                # A toehold is marked at every use and declared with its rates; a long domain never.
                assert toehold == (declared[domain] is not None) == (lengths[domain] <= 7)
        for i, j in pairs:
            flat = [f"{n}{'*' if c else ''}" for s in strands for n, _, c in s]
            assert flat[j] == complement(flat[i])
    written = dict(process)
    for cplx in system.complexes.values():
        strands, pairs = read_species(defs[cplx.name])
        assert kernel_of(strands, pairs) == canonical_kernel(cplx.kernel), cplx.name
        assert written[cplx.name] == pytest.approx(cplx.concentration)
    return declared


@pytest.mark.parametrize("scheme", ["soloveichik2010", "cardelli2011_NM_noGC"])
def test_program_parses_and_reads_back_as_the_system(scheme):
    system = compile_crn(parse_crn(SMALL_NETWORK_CRN), scheme, settings("dsd", max_products=4)).system
    text, skipped = format_visualdsd(system, ["from small.crn"], final_time=7200)
    assert skipped == []
    declared = check_program(text, system)
    assert set(declared) == set(system.domains)
    assert "directive simulation {final=7200; plots=[" in text
    assert text.startswith("// from small.crn\n")


def test_expected_text_of_the_soloveichik_gates_for_a_to_b():
    """By hand from Soloveichik et al. 2010, Fig. 2, in DSD's syntax (lower strands written 3'->5').

    Gate L: bottom strand (5'->3') A_c* A_b* A_a*, holding the output strand A_b A_c r0_d0 B_a by
    A_b A_c; written 3'->5' its open toehold A_a* comes first. Translator T: bottom (5'->3')
    B_a* r0_d0* A_c*, holding B's strand r0_d0 B_a B_b B_c by r0_d0 B_a, toehold A_c* open.
    """
    # One unit is 10 nM; fuels at 10x the largest signal (set here: the schema's default may change).
    dsd = settings("dsd", unit_nM=10.0, fuel_excess=10.0)
    system = compile_crn(parse_crn("A -> B; A @initial 1"), "soloveichik2010", dsd).system
    text, _ = format_visualdsd(system)
    bind, unbind = toehold_rates(7)
    assert bind == pytest.approx(7 * 3e5 * 1e-9)  # 3e5 /M/s per nucleotide, in /nM/s
    # peppercorn's opening rate: k_bind * exp((7 * -1.7 + 1.9) / RT), RT at 25 C.
    assert unbind == pytest.approx(7 * 3e5 * math.exp((7 * -1.7 + 1.9) / (0.001987 * 298.15)))
    expected = [
        "new A_a@0.0021,0.0980426",
        "new r0_d0",
        "def A() = <A_h A_a^ A_b A_c^>",
        "def fr0_L() = {A_a^*}[A_b A_c^]<r0_d0 B_a^>",
        "def fr0_T() = {A_c^*}[r0_d0 B_a^]<B_b B_c^>",
        "def B_r0_0() = <r0_d0 B_a^ B_b B_c^>",
        "( 10 * A()",
        "| 100 * fr0_L()",
        "| 0 * B_r0_0()",
    ]
    lines = text.splitlines()
    for line in expected:
        assert line in lines
    assert "plots=[A(); sum([<_ B_a^ B_b B_c^>])]" in text


def test_complexes_outside_the_gate_syntax_are_left_out_with_a_warning(tmp_path):
    system = parse_pil(
        "length a = 15\nlength t = 7\nlength b = 15\n"
        "hp = a( t b ) @initial 5 nM\n"  # a hairpin
        "g = a( t( + b ) ) t* @initial 10 nM\n"
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        summary = write_visualdsd(system, tmp_path / "system.dna")
    assert summary["left_out"] == ["hp"]
    assert any("complex hp (a( t b )) left out" in str(w.message) for w in caught)
    text = (tmp_path / "system.dna").read_text()
    assert "// not written: hp = a( t b ) (a strand is bound to itself (a hairpin))" in text
    _, defs, process = parse_program(text)
    assert process == [("g", 10.0)]
    strands, pairs = read_species(defs["g"])
    assert kernel_of(strands, pairs) == canonical_kernel("a( t( + b ) ) t*")
    only_hairpin = parse_pil("length a = 15\nlength t = 7\nhp = a( t ) @initial 5 nM\n")
    with pytest.raises(DmpError, match="no complex of the pil system can be written"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        format_visualdsd(only_hairpin)


def test_names_outside_the_dsd_alphabet_are_renamed(tmp_path):
    system = parse_pil(
        "length x-1 = 15\nlength t = 7\nsig-A = x-1 t @initial 2 nM\nnew = x-1( t( + ) ) @initial 1 nM\n"
    )
    text, skipped = format_visualdsd(system)
    assert skipped == []
    assert "new x_1\n" in text and "def sig_A() = <x_1 t^>" in text and "def new_() = [x_1 t^]" in text
