"""The sequence stage on a tiny compiled system: design, select, checks, order sheets, errors."""

import csv
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from conftest import settings
from openpyxl import load_workbook

from dmp.crn.io import parse_crn
from dmp.dsd.compiler import compile_crn
from dmp.fileio import read_tsv
from dmp.seq.check import check_design, complementarity_failures, helix_failures
from dmp.seq.domains import DomainSpec, design_domains
from dmp.seq.model import revcomp, strand_infos, toehold_domains
from dmp.seq.order import OrderLine, order_lines, plates, well_positions, workbook_bytes
from dmp.seq.thermo import Thermo
from dmp.seq.toeholds import toehold_energies
from dmp.stages.dsd import load_compiled
from dmp.stages.seq import load_system

OUTPUTS = (
    "strands.tsv",
    "domains.tsv",
    "strands.fasta",
    "scores.tsv",
    "report.md",
    "order_bulk.csv",
    "order_plate.xlsx",
    "summary.json",
)


def candidate(out, k):
    """Where the workflow keeps candidate k of a sequence folder."""
    return Path(out) / "candidates" / f"{k}.json"


def candidates(out, n):
    return [candidate(out, k) for k in range(n)]


def run_dmp(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "dmp", *map(str, args)], capture_output=True, text=True, cwd=cwd)


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    """`dmp compile` of A -> B with the Soloveichik scheme (6 strands, 9 domains)."""
    folder = tmp_path_factory.mktemp("tiny")
    crn = folder / "ab.crn"
    crn.write_text("A -> B\nA @initial 1\n")
    result = run_dmp("compile", crn, "--scheme", "soloveichik2010", "--out", folder / "dsd")
    assert result.returncode == 0, result.stderr
    result = run_dmp("verify", folder / "dsd")  # `dmp design` takes verified systems only
    assert result.returncode == 0, result.stderr
    return folder / "dsd"


def write_config(path: Path, seq: dict) -> Path:
    config = {"seed": 5, "datasets": {"tiny": {"loader": "iris", "hidden": [2]}}, "seq": seq}
    path.write_text(yaml.safe_dump(config))
    return path


def test_design_and_select_end_to_end(compiled, tmp_path):
    out = tmp_path / "seq"
    for k in range(2):
        result = run_dmp("design", compiled, "--candidate", k, "--out", candidate(out, k))
        assert result.returncode == 0, result.stderr
    result = run_dmp("select", out, "--candidates", *candidates(out, 2))
    assert result.returncode == 0, result.stderr
    for name in OUTPUTS:
        assert (out / name).stat().st_size > 0, name

    # strands join the DSD stage's strands.tsv by name, with the same domains
    dsd_strands = {r["name"]: r["domains"] for r in read_tsv(compiled / "strands.tsv")}
    rows = read_tsv(out / "strands.tsv")
    assert {r["name"]: r["domains"] for r in rows} == dsd_strands
    # every strand is its domains' sequences concatenated, complements reverse-complemented
    domains = {r["domain"]: r["sequence"] for r in read_tsv(out / "domains.tsv")}
    for row in rows:
        expected = "".join(revcomp(domains[d[:-1]]) if d.endswith("*") else domains[d] for d in row["domains"].split())
        assert row["sequence"] == expected and int(row["length_nt"]) == len(expected)
        assert set(expected) <= set("ACGT")
    fasta = (out / "strands.fasta").read_text().splitlines()
    assert [line[1:].split()[0] for line in fasta[::2]] == [r["name"] for r in rows]

    # bulk order: one line per strand, gate strands PAGE, the two free signal strands (44 nt) standard
    with open(out / "order_bulk.csv", newline="") as handle:
        bulk = list(csv.DictReader(handle))
    assert list(bulk[0]) == ["Name", "Sequence", "Scale", "Purification"]
    by_name = {r["Name"]: r for r in bulk}
    assert set(by_name) == set(dsd_strands)
    assert by_name["A"]["Purification"] == "STD" and by_name["fr0_L_s2"]["Purification"] == "PAGE"
    assert all(r["Scale"] == "25nm" for r in bulk)

    # plates: signals and gate strands on separate plates
    book = load_workbook(out / "order_plate.xlsx")
    assert book.sheetnames == ["Plate 1 signal", "Plate 2 gate"]
    signal = list(book["Plate 1 signal"].values)
    assert signal[0] == ("Well Position", "Name", "Sequence")
    assert [row[:2] for row in signal[1:]] == [("A1", "A"), ("B1", "B")]

    scores = read_tsv(out / "scores.tsv")
    assert [r["candidate"] for r in scores] == ["0", "1"]
    assert sum(r["winner"] == "True" for r in scores) == 1
    report = (out / "report.md").read_text()
    assert "rank" in report and "tsi_avg" in report and "Borda" in report


def test_same_config_gives_identical_files(compiled, tmp_path):
    config = write_config(tmp_path / "config.yaml", {"candidates": 2})
    folders = []
    for run in ("first", "second"):
        out = tmp_path / run
        for k in range(2):
            result = run_dmp(
                "design",
                compiled,
                "--candidate",
                k,
                "--out",
                candidate(out, k),
                "--config",
                config,
                "--dataset",
                "tiny",
            )
            assert result.returncode == 0, result.stderr
        result = run_dmp("select", out, "--candidates", *candidates(out, 2), "--config", config, "--dataset", "tiny")
        assert result.returncode == 0, result.stderr
        folders.append(out)
    for name in (*OUTPUTS, "candidates/0.json", "candidates/1.json"):
        assert (folders[0] / name).read_bytes() == (folders[1] / name).read_bytes(), name


def test_infeasible_toeholds_fail_in_one_line_with_a_value_that_works(compiled, tmp_path):
    config = write_config(tmp_path / "config.yaml", {"toeholds": {"max_spurious": 0.05, "reuse": False}})
    out = tmp_path / "seq"
    result = run_dmp(
        "design", compiled, "--candidate", 0, "--out", candidate(out, 0), "--config", config, "--dataset", "tiny"
    )
    assert result.returncode == 1
    message = result.stderr.strip()
    assert message.startswith("dmp: error: ") and "\n" not in message and "Traceback" not in message
    assert "seq.toeholds.max_spurious" in message and "works" in message
    assert not out.exists()
    suggested = float(message.split("seq.toeholds.max_spurious: ")[1].split()[0])
    assert 0.05 < suggested <= 1.0
    # the suggested value does work
    config = write_config(tmp_path / "config.yaml", {"toeholds": {"max_spurious": suggested, "reuse": False}})
    result = run_dmp(
        "design", compiled, "--candidate", 0, "--out", candidate(out, 0), "--config", config, "--dataset", "tiny"
    )
    assert result.returncode == 0, result.stderr


def test_too_few_toeholds_are_shared_when_reuse_is_allowed(compiled, tmp_path):
    """The strict run's error says how many non-interacting toeholds exist; with reuse, the
    design uses exactly those, each still in the energy window by stickydesign's own model."""
    strict = write_config(tmp_path / "strict.yaml", {"toeholds": {"max_spurious": 0.05, "reuse": False}})
    result = run_dmp(
        "design",
        compiled,
        "--candidate",
        0,
        "--out",
        candidate(tmp_path / "a", 0),
        "--config",
        strict,
        "--dataset",
        "tiny",
    )
    found = int(result.stderr.split("only ")[1].split()[0])
    config = write_config(tmp_path / "config.yaml", {"toeholds": {"max_spurious": 0.05}})  # reuse: true is the default
    out = tmp_path / "seq"
    result = run_dmp(
        "design", compiled, "--candidate", 0, "--out", candidate(out, 0), "--config", config, "--dataset", "tiny"
    )
    assert result.returncode == 0, result.stderr
    record = json.loads((out / "candidates" / "0.json").read_text())
    toeholds = toehold_domains(load_system(compiled))
    assert record["toehold_use"]["domains"] == len(toeholds) > found
    assert record["toehold_use"]["distinct"] == found
    sequences = [record["domains"][d] for d in toeholds]
    assert len(set(sequences)) == found
    assert all(abs(e - 10.0) <= 0.5 + 1e-9 for e in toehold_energies(sequences, 25.0))
    result = run_dmp("select", out, "--candidates", *candidates(out, 1))
    assert result.returncode == 0, result.stderr
    assert f"share {found} sequences" in (out / "report.md").read_text()


def test_unreachable_toehold_energy_names_the_window(compiled, tmp_path):
    config = write_config(tmp_path / "config.yaml", {"toeholds": {"target_dG": 17.5, "spread": 0.5}})
    result = run_dmp(
        "design",
        compiled,
        "--candidate",
        0,
        "--out",
        candidate(tmp_path / "seq", 0),
        "--config",
        config,
        "--dataset",
        "tiny",
    )
    assert result.returncode == 1
    message = result.stderr.strip()
    assert "\n" not in message and "seq.toeholds.spread" in message
    assert not (tmp_path / "seq").exists()


def test_select_without_candidates_names_the_command(tmp_path):
    result = run_dmp("select", tmp_path / "seq", "--candidates", *candidates(tmp_path / "seq", 2))
    assert result.returncode == 1
    assert "dmp design DSD_DIR --candidate 0 --out" in result.stderr and "\n" not in result.stderr.strip()


@pytest.fixture(scope="module")
def designed(compiled):
    _, system, _ = load_compiled(compiled)
    toeholds = toehold_domains(system)
    fixed = dict(zip(toeholds, ["ACTCACA", "CATCCAT", "TCACTCA", "ACATCAC"], strict=True))
    return system, design_domains(system, fixed, DomainSpec(effort=2), seed=1)


def test_consistency_check_catches_a_corrupted_base(designed):
    system, design = designed
    strands = {s: design.strand(s) for c in system.complexes.values() for s in c.strands}
    assert complementarity_failures(system, strands) == []
    # corrupt one base of the gate strand A_c* A_b* A_a*: its complex fr0_L must fail
    target = ("A_c*", "A_b*", "A_a*")
    sequence = strands[target]
    swapped = {"A": "C", "C": "A", "G": "T", "T": "G"}[sequence[3]]
    strands[target] = sequence[:3] + swapped + sequence[4:]
    failures = complementarity_failures(system, strands)
    assert len(failures) == 1
    assert failures[0].startswith("complex fr0_L: A_c/A_c* has 1 non-complementary base pair")


def test_helix_check_reads_the_mfe_structure(designed):
    system, design = designed
    thermo = Thermo(25.0, 1.0)
    checks = check_design(system, design, thermo, 0.5)
    assert checks == {"lengths": [], "complementarity": [], "helices": []}
    # an MFE in which nothing pairs fails every intended helix of the complex
    gate = system.complexes["fr0_L"]
    n = sum(len(design.strand(s)) for s in gate.strands)
    failures = helix_failures(system, {"fr0_L": "." * n}, 0.5, 25.0)
    assert len(failures) == 2  # A_b/A_b* and A_c/A_c*
    assert "0 of 15 base pairs" in failures[0] or "0 of 15 base pairs" in failures[1]


def test_top_strands_and_roles(designed):
    system, _ = designed
    infos = {i.name: i for i in strand_infos(system)}
    # base strands of the two gates carry the complements; every other strand floats free at some point
    assert not infos["fr0_L_s2"].top and not infos["fr0_T_s2"].top
    assert infos["A"].top and infos["fr0_L_s1"].top and infos["B_r0_0"].top
    assert infos["A"].role == "signal" and infos["B_r0_0"].role == "gate"


def test_well_positions_fill_columns():
    wells = well_positions(96)
    assert wells[:9] == ["A1", "B1", "C1", "D1", "E1", "F1", "G1", "H1", "A2"]
    assert wells[-1] == "H12" and len(set(wells)) == 96
    with pytest.raises(ValueError):
        well_positions(97)


def test_plates_hold_one_role_each_and_purification_rules():
    order = settings("seq").order
    order = type(order)(
        scale="100nm", purification="STD", gate_purification="PAGE", long_purification="HPLC", long_nt=60
    )
    strands = [(f"s{i}", "ACGT" * 11, "signal") for i in range(100)]
    strands += [("g1", "ACGT" * 10, "gate"), ("long", "A" * 61, "signal"), ("h1", "ACGT" * 5, "helper")]
    lines = order_lines(strands, order)
    by_name = {line.name: line for line in lines}
    assert by_name["g1"].purification == "PAGE"
    assert by_name["long"].purification == "HPLC"
    assert by_name["s0"].purification == "STD" and by_name["h1"].purification == "STD"
    assert all(line.scale == "100nm" for line in lines)
    layout = plates(lines)
    assert [title for title, _ in layout] == ["Plate 1 signal", "Plate 2 signal", "Plate 3 gate", "Plate 4 helper"]
    assert [len(wells) for _, wells in layout] == [96, 5, 1, 1]
    for _, wells in layout:
        assert len({line.role for _, line in wells}) == 1
    assert layout[1][1][0][0] == "A1"  # a new plate starts at A1


def test_workbook_bytes_are_reproducible():
    layout = plates([OrderLine("x", "ACGT", "signal", "25nm", "STD")])
    data = workbook_bytes(layout)
    assert data == workbook_bytes(layout)
    # no member carries the time of writing (zip entries, workbook properties)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2000, 1, 1, 0, 0, 0)}
        assert b"2000-01-01T00:00:00Z" in archive.read("docProps/core.xml")


def test_compile_crn_in_process_gives_the_same_toeholds():
    system = compile_crn(parse_crn("A -> B\n"), "soloveichik2010", settings("dsd")).system
    assert sorted(toehold_domains(system)) == ["A_a", "A_c", "B_a", "B_c"]


def test_domain_search_respects_alphabet_gc_and_motifs(compiled):
    _, system, _ = load_compiled(compiled)
    toeholds = toehold_domains(system)
    fixed = dict(zip(toeholds, ["ACTCACA", "CATCCAT", "TCACTCA", "ACATCAC"], strict=True))
    spec = DomainSpec(gc_min=0.4, gc_max=0.6, alphabet="ACT", effort=3)
    design = design_domains(system, fixed, spec, seed=2)
    for name, sequence in design.domains.items():
        if name in fixed:
            continue
        assert "G" not in sequence
        assert 0.4 <= sequence.count("C") / len(sequence) <= 0.6
    # the toeholds may trade places but keep their sequences
    assert sorted(design.domains[d] for d in toeholds) == sorted(fixed.values())
    strands = [design.strand(i.domains) for i in strand_infos(system)]
    assert not any(m in s for s in strands for m in spec.forbidden)
    assert design_domains(system, fixed, spec, seed=2).domains == design.domains


def test_design_and_select_for_a_pil_file(tmp_path):
    """A hand-written PIL system (no compile, no verification): one signal strand and one gate."""
    pil = tmp_path / "gate.pil"
    pil.write_text("length t = 7\nlength b = 15\nlength c = 15\nA = t b\nG = t( b( + c ) )\n")
    out = tmp_path / "seq"
    result = run_dmp("design", pil, "--candidate", 0, "--out", candidate(out, 0))
    assert result.returncode == 0, result.stderr
    result = run_dmp("select", out, "--candidates", *candidates(out, 1))
    assert result.returncode == 0, result.stderr
    rows = {row["name"]: row for row in read_tsv(out / "strands.tsv")}
    # Two distinct strands: A = t b (also the gate's top strand) and the gate's base strand c b* t*.
    assert set(rows) == {"A", "G_s2"}
    assert len(rows["A"]["sequence"]) == 7 + 15 and len(rows["G_s2"]["sequence"]) == 15 + 15 + 7
    assert rows["G_s2"]["sequence"].endswith(revcomp(rows["A"]["sequence"]))
    domains = {row["domain"]: row for row in read_tsv(out / "domains.tsv")}
    assert domains["t"]["kind"] == "toehold" and domains["b"]["kind"] == "long"


def test_spurious_ssm_is_skipped_above_its_size_limit(compiled, tmp_path):
    config = write_config(tmp_path / "config.yaml", {"scoring": {"spurious_max_nt": 10}})
    out = tmp_path / "seq"
    result = run_dmp(
        "design", compiled, "--candidate", 0, "--out", candidate(out, 0), "--config", config, "--dataset", "tiny"
    )
    assert result.returncode == 0, result.stderr
    record = json.loads((out / "candidates" / "0.json").read_text())
    assert [record["scores"][n] for n in ("wsas", "wsis", "wsas_m", "wsis_m", "verboten", "spurious")] == [None] * 6
    assert record["scores"]["tsi_avg"] is not None and "spurious_max_nt (10)" in record["details"]["spurious"]
    assert run_dmp("select", out, "--candidates", *candidates(out, 1)).returncode == 0
    row = read_tsv(out / "scores.tsv")[0]
    assert row["wsas"] == "" and row["motifs"] != ""
    assert "| wsas | lower | **not computed (1)** |" in (out / "report.md").read_text()
