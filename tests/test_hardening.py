"""Second pass at bad input (issue 19): file-system faults, inputs that disagree, non-finite values, sizes.

Every case runs the real `dmp` command and expects one line `dmp: error: ...` (or `dmp: warning:`),
exit status 1 and nothing written; the expected texts are written out here.
"""

import json
import os

import numpy as np
import pytest
import yaml
from test_bad_input import MODEL, nothing_written, one_line_error, run_dmp, write

from dmp.data.scaling import fit_scaling
from dmp.errors import DataError


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    """model.json, species.json, full.crn and a test table of a 2-2-2 network (and a 3-input one)."""
    folder = tmp_path_factory.mktemp("net")
    write(folder / "model.json", json.dumps(MODEL))
    assert run_dmp("crn", folder / "model.json", "--out-dir", folder / "crn").returncode == 0
    other = {
        **MODEL,
        "features": ["a", "b", "c"],
        "input_scaling": {"method": "none", "offset": [0, 0, 0], "scale": [1, 1, 1]},
        "layers": [{"weights": [[1, -1, 1], [0, 1, 0]], "bias": [0, 0]}, MODEL["layers"][1]],
    }
    write(folder / "other.json", json.dumps(other))
    assert run_dmp("crn", folder / "other.json", "--out-dir", folder / "other").returncode == 0
    write(folder / "test.csv", "label,a,b\nx,0.5,-1\ny,2,0.25\n")
    return folder


def evaluate(net, out, model="model.json", species="crn/species.json", crn="crn/full.crn", data="test.csv"):
    return run_dmp(
        "evaluate",
        "--crn",
        net / crn,
        "--species",
        net / species,
        "--model",
        net / model,
        "--data",
        net / data,
        "--out",
        out,
    )


# ---------------------------------------------------------------------------- files that disagree


def test_species_map_of_another_network(net, tmp_path):
    line = one_line_error(evaluate(net, tmp_path / "o.tsv", species="other/species.json"))
    assert line.startswith(f"{net / 'other/species.json'}: its inputs differ from those of {net / 'model.json'} ")
    assert nothing_written(tmp_path)


def test_crn_of_another_network(net, tmp_path):
    line = one_line_error(evaluate(net, tmp_path / "o.tsv", crn="other/full.crn"))
    assert line == (
        f"{net / 'other/full.crn'}: species X2p is an input of the CRN but not a species of "
        f"{net / 'crn/species.json'}; the CRN and the species map come from different networks"
    )


def test_data_with_more_columns_than_the_model(net, tmp_path):
    write(net / "wide.csv", "label,a,b,c\nx,0.5,-1,3\n")
    line = one_line_error(evaluate(net, tmp_path / "o.tsv", data="wide.csv"))
    assert (
        line
        == f"{net / 'wide.csv'}: 3 feature columns, {net / 'model.json'} expects 2: column 'c' is not a feature of the model"
    )


def test_compile_with_the_species_map_of_another_network(net, tmp_path):
    result = run_dmp(
        "compile",
        net / "other/full.crn",
        "--species",
        net / "crn/species.json",
        "--scheme",
        "soloveichik2010",
        "--out",
        tmp_path / "dsd",
    )
    assert "is an input of the CRN but not a species of" in one_line_error(result)
    assert nothing_written(tmp_path / "dsd")


# ---------------------------------------------------------------------------- file-system faults


def test_input_paths_that_are_not_files(tmp_path):
    (tmp_path / "folder.crn").mkdir()
    assert one_line_error(run_dmp("simulate", tmp_path / "folder.crn", "--t-end", 1)).endswith(
        "folder.crn: is a folder, not a file"
    )
    os.symlink(tmp_path / "b.crn", tmp_path / "a.crn")
    os.symlink(tmp_path / "a.crn", tmp_path / "b.crn")
    assert one_line_error(run_dmp("simulate", tmp_path / "a.crn", "--t-end", 1)).endswith(
        "a.crn: Too many levels of symbolic links"
    )
    # /dev/zero would be read until memory runs out: a device is refused before reading.
    assert one_line_error(run_dmp("simulate", "/dev/zero", "--t-end", 1)) == (
        "/dev/zero: not a regular file (a device, pipe or socket)"
    )


def test_binary_hand_off_file(tmp_path):
    (tmp_path / "dsd").mkdir()
    (tmp_path / "dsd" / "system.json").write_bytes(bytes(range(256)))
    line = one_line_error(run_dmp("verify", tmp_path / "dsd"))
    assert line == f"{tmp_path / 'dsd' / 'system.json'}: not a text file (JSON expected)"


def test_output_under_a_file_or_onto_a_folder(net, tmp_path):
    write(tmp_path / "plain", "x")
    line = one_line_error(run_dmp("crn", net / "model.json", "--out-dir", tmp_path / "plain" / "crn"))
    assert (
        line == f"{tmp_path / 'plain' / 'crn' / 'full.crn'}: cannot write: {tmp_path / 'plain'} is a file, not a folder"
    )
    (tmp_path / "out.tsv").mkdir()
    assert one_line_error(evaluate(net, tmp_path / "out.tsv")).endswith("out.tsv: cannot write: it is a folder")


def test_a_failing_later_file_leaves_none_of_the_set(net, tmp_path):
    """`dmp compile` writes gates.tsv and strands.tsv before system.pil: if system.pil cannot be
    written (here a folder stands in its place, as a full disk would fail it), neither survives."""
    out = tmp_path / "dsd"
    (out / "system.pil").mkdir(parents=True)
    result = run_dmp("compile", net / "crn/full.crn", "--scheme", "soloveichik2010", "--out", out)
    assert one_line_error(result) == f"{out / 'system.pil'}: cannot write: it is a folder"
    assert sorted(p.name for p in out.iterdir()) == ["system.pil"]  # the folder we made, nothing else


# ---------------------------------------------------------------------------- the config file


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "datasets: {t: {loader: iris, hidden: [2]}}\ntraining: {epochs: 3}\ntraining: {epochs: 4}\n",
            "config.yaml:3: duplicate key 'training' (first at line 2); a second section would replace the first",
        ),
        (
            "datasets: {t: {loader: iris, hidden: [2]}}\ntraining: {lr: .inf}\n",
            "config.yaml: training.lr: not a finite number (infinite or NaN values are not allowed)",
        ),
        (
            "datasets: {t: {loader: iris, hidden: [100000000]}}\n",
            "config.yaml: datasets.t.hidden.0: 100000000 is greater than the maximum of 65536",
        ),
    ],
    ids=["duplicate-section", "infinite-lr", "huge-layer"],
)
def test_config_mistakes(tmp_path, text, message):
    write(tmp_path / "config.yaml", text)
    result = run_dmp("dataset", "--config", "config.yaml", "--dataset", "t", "--check", cwd=tmp_path)
    assert one_line_error(result) == message


def test_config_that_is_binary_or_a_folder(tmp_path):
    (tmp_path / "config.yaml").write_bytes(b"\xff\xfe\x00binary")
    result = run_dmp("dataset", "--config", "config.yaml", "--dataset", "t", "--check", cwd=tmp_path)
    assert one_line_error(result) == "config.yaml: not a text file (a YAML config file expected)"
    (tmp_path / "conf").mkdir()
    result = run_dmp("dataset", "--config", "conf", "--dataset", "t", "--check", cwd=tmp_path)
    assert one_line_error(result) == "conf: is a folder, not a file"


def test_empty_validation_part(tmp_path):
    write(
        tmp_path / "config.yaml",
        yaml.safe_dump(
            {"datasets": {"t": {"loader": "iris", "hidden": [2], "split": {"train": 0.9, "val": 0.001, "test": 0.099}}}}
        ),
    )
    result = run_dmp("dataset", "--config", "config.yaml", "--dataset", "t", "--out-dir", "data", cwd=tmp_path)
    assert one_line_error(result).startswith(
        "iris: the split (train 0.9, val 0.001, test 0.099) leaves the val part of 150 examples empty"
    )
    assert nothing_written(tmp_path / "data")


# ---------------------------------------------------------------------------- numbers and sizes


def test_model_with_a_zero_scale(tmp_path):
    bad = {**MODEL, "input_scaling": {"method": "standard", "offset": [0, 0], "scale": [1, 0]}}
    write(tmp_path / "m.json", json.dumps(bad))
    line = one_line_error(run_dmp("crn", tmp_path / "m.json", "--out-dir", tmp_path / "crn"))
    assert (
        line
        == f"{tmp_path / 'm.json'}: input_scaling: feature 'b': offset 0, scale 0; the scale must be a positive finite "
        "number with a finite inverse"
    )


def test_feature_values_too_large_to_scale():
    X = np.array([[1.0, 1e308], [2.0, -1e308]])
    with pytest.raises(DataError, match="feature g: its training values are too large to scale"):
        fit_scaling(X, "standard", ["f", "g"])


def test_simulate_end_times(tmp_path):
    crn = write(tmp_path / "a.crn", "A -> B; A @initial 1\n")
    assert (
        one_line_error(run_dmp("simulate", crn, "--t-end", "inf"))
        == "--t-end must be a positive finite number, got inf"
    )
    unusual = run_dmp("simulate", crn, "--t-end", "1e308", "--points", 3)
    assert unusual.returncode == 0
    assert unusual.stderr.strip() == "dmp: warning: --t-end 1e+308 is outside 1e-09..1e+12"


def test_huge_stoichiometry_is_refused_at_once(tmp_path):
    crn = write(tmp_path / "a.crn", "1000000 A -> B; A @initial 1\n")
    assert one_line_error(run_dmp("simulate", crn, "--t-end", 1)).startswith(
        f"{crn}:1: stoichiometry 1000000 in term '1000000 A' exceeds 100"
    )


def test_simulate_a_long_chain_quickly(tmp_path):
    """20,000 reactions (GillesPy2's model build took minutes at this size; the sparse solver is linear)."""
    crn = write(tmp_path / "chain.crn", "\n".join(f"A{i} -> A{i + 1}" for i in range(20000)) + "\nA0 @initial 1\n")
    result = run_dmp("simulate", crn, "--t-end", 5, "--points", 2)
    assert result.returncode == 0, result.stderr
    last = result.stdout.splitlines()[-1].split(",")
    assert float(last[0]) == 5.0 and abs(sum(map(float, last[1:])) - 1.0) < 1e-6  # mass is conserved


# ---------------------------------------------------------------------------- PIL and sequence constraints


def test_pil_recognised_by_content_and_its_mistakes_named_by_line(tmp_path):
    ok = write(tmp_path / "system.txt", "length a = 7\nlength b = 15\nA = a b\n")
    assert run_dmp("design", ok, "--candidate", 0, "--out", tmp_path / "c.json").returncode == 0
    twice = write(tmp_path / "twice.pil", "length a = 7\nlength b = 15\nA = a b\nB = a b\n")
    assert one_line_error(run_dmp("design", twice, "--candidate", 0, "--out", tmp_path / "d.json")) == (
        f"{twice}:4: complex B has the same strands and structure as A (line 3); one complex, one name"
    )
    seq = write(tmp_path / "seq.pil", "length a = 7\nsequence s = ACGTACGTACGTACG\nA = a\n")
    assert one_line_error(run_dmp("design", seq, "--candidate", 0, "--out", tmp_path / "e.json")).startswith(
        f"{seq}:2: PIL statement 'sequence' (s) is not supported"
    )


def test_domains_longer_than_design_or_synthesis_allow(tmp_path):
    pil = write(tmp_path / "long.pil", "length a = 7\nlength b = 300\nA = a b\n")
    result = run_dmp("design", pil, "--candidate", 0, "--out", tmp_path / "c.json")
    assert one_line_error(result) == "domain b is 300 nt; dmp designs domains of up to 64 nt"
    assert not (tmp_path / "c.json").exists()


def test_forbidden_motifs_no_sequence_avoids(tmp_path):
    pil = write(tmp_path / "ok.pil", "length a = 7\nlength b = 15\nA = a b\n")
    motifs = [x + y for x in "ACGT" for y in "ACGT"]
    write(
        tmp_path / "config.yaml",
        yaml.safe_dump(
            {"datasets": {"t": {"loader": "iris", "hidden": [2]}}, "seq": {"domains": {"forbidden": motifs}}}
        ),
    )
    result = run_dmp(
        "design", pil, "--candidate", 0, "--out", "c.json", "--config", "config.yaml", "--dataset", "t", cwd=tmp_path
    )
    assert one_line_error(result).startswith("seq.domains.forbidden (AA, AC, ")
    assert not (tmp_path / "c.json").exists()
