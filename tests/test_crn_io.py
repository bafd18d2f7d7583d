"""The `.crn` reader and writer, checked against crnverifier's own parser (the Nuskell grammar)."""

from collections import Counter

import pytest
from conftest import settings
from crnverifier.crn_parser import parse_crn_string

from dmp.crn.io import format_crn, parse_crn, read_crn, write_crn
from dmp.crn.model import CRN, Reaction, invalid_formal_names
from dmp.errors import CRNSyntaxError

EXAMPLE = """
# a comment line
A + B -> C [k = 2.5]      # trailing comment
2 C -> D; D -> [k = 1e-3]
-> A [k = 0.5]
E <=> 2F [kf = 3, kr = 4]
A @initial 1.5; B @initial 0
C @constant 2
"""


def multiset_crn(crn_list):
    return Counter((tuple(sorted(r)), tuple(sorted(p))) for r, p, *_ in crn_list)


def test_parse_example_by_hand():
    crn = parse_crn(EXAMPLE)
    # Written out by hand from EXAMPLE; <=> becomes two irreversible reactions.
    assert crn.reactions == [
        Reaction(("A", "B"), ("C",), 2.5),
        Reaction(("C", "C"), ("D",), 1.0),
        Reaction(("D",), (), 1e-3),
        Reaction((), ("A",), 0.5),
        Reaction(("E",), ("F", "F"), 3.0),
        Reaction(("F", "F"), ("E",), 4.0),
    ]
    assert crn.initial == {"A": 1.5, "B": 0.0}
    assert crn.constant == {"C": 2.0}
    assert crn.reactions[0].line == 3 and crn.reactions[2].line == 4


def test_writer_output_is_read_by_crnverifier_parser():
    crn = parse_crn(EXAMPLE)
    text = format_crn(crn, ["header"])
    reference, species = parse_crn_string(text)
    ours = [(r.reactants, r.products) for r in crn.reactions]
    assert multiset_crn(reference) == multiset_crn(ours)
    rates = sorted(k[0] for *_, k in reference)
    assert rates == sorted(r.rate for r in crn.reactions)
    assert species["A"] == ("initial", 1.5)
    assert species["C"] == ("constant", 2)


def test_round_trip_preserves_everything(tmp_path):
    crn = parse_crn(EXAMPLE)
    path = tmp_path / "x.crn"
    write_crn(crn, path)
    again = read_crn(path)
    assert again.reactions == crn.reactions
    assert again.initial == {"A": 1.5}  # zero initial concentrations are not written
    assert again.constant == crn.constant


def test_numbers_written_in_nuskell_grammar():
    crn = CRN([Reaction(("A",), ("B", "B", "C"), 1e-7)], {"A": 0.1 + 0.2, "B": 3.0})
    text = format_crn(crn)
    assert "A -> 2 B + C [k = 1e-07]" in text
    assert "B @initial 3\n" in text
    assert "A @initial 0.30000000000000004" in text  # shortest repr that round-trips
    reference, _ = parse_crn_string(text)
    assert reference[0][2] == [1e-07]


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("A -> B\nA + 1_x -> C", 2, "invalid species name '1_x'"),
        ("A -> B\nA -> B -> C", 2, "more than one arrow"),
        ("A -> B\n\nX @initial -1", 3, "must be zero or positive"),
        ("A -> B [k = 0]", 1, "must be a positive number"),
        ("A -> B [rate 3]", 1, "cannot read rate"),
        ("A + -> B", 1, "empty term"),
        ("A B", 1, "expected a reaction"),
        ("X @initial 1\nX @initial 2", 2, "given twice"),
        ("A-x -> B", 1, "invalid species name"),
        ("# only a comment\n", 1, "no reactions"),
    ],
)
def test_errors_name_line_and_problem(text, line, fragment):
    with pytest.raises(CRNSyntaxError) as info:
        parse_crn(text, "net.crn")
    message = str(info.value)
    assert message.startswith(f"net.crn:{line}: ")
    assert fragment in message
    assert "\n" not in message


def test_missing_file_is_a_syntax_error_with_path(tmp_path):
    with pytest.raises(CRNSyntaxError, match="file not found"):
        read_crn(tmp_path / "nope.crn")


def test_nuskell_reserved_names_detected():
    assert invalid_formal_names(["X0p", "fuel", "Intermediate", "w1", "A_2", "9x"]) == [
        "fuel",
        "Intermediate",
        "w1",
        "9x",
    ]


def test_inert_species_warns_once_per_species_naming_file_and_line():
    import warnings

    from dmp.crn.io import warn_inert_species
    from dmp.errors import DmpWarning, format_warning

    # The published IRIS CRNs give every input rail a concentration, also rails no reaction reads.
    crn = parse_crn("X0p -> Y\nX0p @initial 1\nX1m @initial 0.5\nK @constant 2\n", "iris.crn")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert warn_inert_species(crn, "iris.crn") == ["X1m", "K"]
    assert [w.category for w in caught] == [DmpWarning, DmpWarning]
    assert str(caught[0].message) == (
        "iris.crn:3: species X1m has a concentration but takes part in no reaction; "
        "it stays at that concentration (check the name if it should react)"
    )
    line = format_warning(caught[1].message, DmpWarning, "io.py", 1)
    assert line.startswith("dmp: warning: iris.crn:4: species K has") and line.count("\n") == 1


def test_inert_species_stays_in_simulation_and_compilation():
    from dmp.dsd.compiler import compile_crn
    from dmp.sim.gillespy import simulate_ode

    crn = parse_crn("A -> B\nA @initial 1\nC @initial 0.25\n")
    trajectory = simulate_ode(crn, 5.0, 11)
    assert list(trajectory.column("C")) == [0.25] * 11
    # By hand: A decays as exp(-t); B = 1 - A.
    assert trajectory.final()["B"] == pytest.approx(1 - 2.718281828459045**-5, rel=1e-3)
    system = compile_crn(crn, "soloveichik2010", settings("dsd", unit_nM=10)).system
    assert system.complexes["C"].concentration == 2.5  # a signal strand no gate reads
    assert [m.reaction for m in system.modules] == [(("A",), ("B",))]
