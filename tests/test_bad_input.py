"""Bad input everywhere a user can give some: one line `dmp: error: ...` naming what and where,
exit status 1, no traceback, nothing written. Each case runs the real `dmp` command on a small
hand-written bad file; the expected messages are written out here, not taken from a run.

Also the resource bounds of the DSD stage: a module stopped by an enumeration or verification
limit is reported in verification.json, the system is not verified, `dmp verify` says which limit
to raise, and `dmp design` refuses the folder.
"""

import json
import struct
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import TINY_MODEL, one_line_error, run_dmp

MODEL = TINY_MODEL


def nothing_written(path: Path) -> bool:
    return not path.exists() or not any(p.is_file() for p in path.rglob("*"))


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def config(path: Path, data: dict) -> Path:
    return write(path, yaml.safe_dump({"datasets": {"t": {"loader": "iris", "hidden": [2]}}, **data}))


# ---------------------------------------------------------------------------- .crn files


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("A -> B\nA + -> C\n", "2: empty term around '+'"),
        ("A -> B\nA @initial -1\n", "2: concentration of A must be zero or positive, got -1"),
        ("A -> B [k = 0]\n", "1: rate constant k must be a positive number, got 0"),
        ("A -> B\nB -> C [k = -2]\n", "2: rate constant k must be a positive number, got -2"),
        ("A -> B\nB -> C D\n", "2: cannot read term 'C D' (expected 'NAME' or 'COUNT NAME')"),
        (
            "A -> B\nfuel + B -> C\n",
            "2: species fuel is not a valid formal species name for DNA compilation "
            "(letters, digits, '_', starting with a letter other than f, i, w)",
        ),
    ],
    ids=["syntax", "negative-concentration", "zero-rate", "negative-rate", "term", "reserved"],
)
def test_bad_crn_for_compile(tmp_path, text, message):
    crn = write(tmp_path / "bad.crn", text)
    out = tmp_path / "out"
    result = run_dmp("compile", crn, "--scheme", "soloveichik2010", "--out", out)
    assert one_line_error(result) == f"{crn}:{message}"
    assert nothing_written(out)


def test_inert_species_is_a_warning_not_an_error(tmp_path):
    # A concentration for a species no reaction uses is valid (published CRNs give every input rail
    # one): `dmp simulate` and `dmp compile` go on and name the species once on stderr.
    crn = write(tmp_path / "inert.crn", "X0p -> Y\nX0p @initial 1\nX0P @initial 2\n")
    out = tmp_path / "out.csv"
    result = run_dmp("simulate", crn, "--t-end", 1, "--out", out)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert f"{crn}:3: species X0P has a concentration but takes part in no reaction" in result.stderr
    header, *rows = out.read_text().splitlines()
    column = header.split(",").index("X0P")
    assert {float(row.split(",")[column]) for row in rows} == {2.0}  # an inert species stays
    result = run_dmp("compile", crn, "--scheme", "soloveichik2010", "--out", tmp_path / "dsd")
    assert result.returncode == 0, result.stderr
    assert "species X0P has a concentration" in result.stderr


def test_reaction_the_scheme_cannot_build(tmp_path):
    crn = write(tmp_path / "tri.crn", "A -> B\nA + B + C -> D\n")
    out = tmp_path / "out"
    result = run_dmp("compile", crn, "--scheme", "soloveichik2010", "--out", out)
    assert one_line_error(result) == (
        f"{crn}: reaction 2 'A + B + C -> D' (line 2): scheme soloveichik2010 cannot implement it: "
        "it has 3 reactants; the scheme's gates take at most 2"
    )
    assert nothing_written(out)


# ---------------------------------------------------------------------------- PIL files (dmp design reads them)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("length a = 7\nlength b = 15\nA = a b\nG = a( b( + )\n", "4: PIL syntax error in 'G = a( b( + )'"),
        ("length a = 7\nA = a b\n", "2: complex A uses domain b, which has no 'length b = N' statement"),
        ("length a = 7\nlength a = 8\nA = a\n", "2: domain a declared with lengths 7 and 8"),
        ("length a = 7\nA = a\nA = a a\n", "3: complex A defined twice"),
    ],
    ids=["syntax", "undeclared-domain", "two-lengths", "twice"],
)
def test_bad_pil_for_design(tmp_path, text, message):
    pil = write(tmp_path / "bad.pil", text)
    out = tmp_path / "seq"
    result = run_dmp("design", pil, "--candidate", 0, "--out", out / "candidates" / "0.json")
    assert one_line_error(result) == f"{pil}:{message}"
    assert nothing_written(out)


# ---------------------------------------------------------------------------- config.yaml


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"training": {"epoch": 3}},
            "training: unknown key(s) 'epoch'; allowed keys: batch_size, cost_scheme, cv_folds, distill, "
            "distill_temperature, epochs, hidden_grid, input_gain, layer_gain, loss, lr, lr_gamma, lr_schedule, "
            "lr_step_epochs, max_nt, nt_penalty, optimizer, patience, penalty_grid, prune, restarts, selection, "
            "teacher_hidden, weight_decay, zero_threshold",
        ),
        (
            {"dsd": {"schemes": ["qian2011"]}},
            'dsd.schemes.0: "qian2011" is not allowed; use one of "soloveichik2010", "cardelli2011_NM_noGC"',
        ),
        ({"training": {"epochs": "many"}}, "training.epochs: 'many' is not of type 'integer'"),
        ({"dsd": {"enumeration": {"max_complex_count": 5}}}, "dsd.enumeration.max_complex_count: 5 is less than"),
    ],
    ids=["unknown-key", "enum", "type", "minimum"],
)
def test_bad_config(tmp_path, data, message):
    path = config(tmp_path / "config.yaml", data)
    out = tmp_path / "data"
    result = run_dmp("dataset", "--config", path, "--dataset", "t", "--out-dir", out)
    assert one_line_error(result).startswith(f"{path}: {message}")
    assert nothing_written(out)


# ---------------------------------------------------------------------------- datasets


def test_missing_data_folder_names_the_config_key(tmp_path):
    path = write(
        tmp_path / "config.yaml",
        yaml.safe_dump({"datasets": {"v": {"loader": "virus", "path": "gone", "hidden": [4]}}}),
    )
    out = tmp_path / "data"
    result = run_dmp("dataset", "--config", path, "--dataset", "v", "--out-dir", out)
    assert one_line_error(result) == (
        f"{tmp_path / 'gone'}: virus data folder not found; "
        "set datasets.v.path in config.yaml to the folder holding the GSE73072 tables"
    )
    assert nothing_written(out)


def _idx(path: Path, array: np.ndarray) -> None:
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def test_idx_files_of_different_lengths(tmp_path):
    folder = tmp_path / "mnist"
    folder.mkdir()
    _idx(folder / "train-images-idx3-ubyte", np.zeros((6, 4, 4)))
    _idx(folder / "train-labels-idx1-ubyte", np.arange(5) % 2)  # one label short
    _idx(folder / "t10k-images-idx3-ubyte", np.zeros((2, 4, 4)))
    _idx(folder / "t10k-labels-idx1-ubyte", np.arange(2) % 2)
    path = write(
        tmp_path / "config.yaml",
        yaml.safe_dump({"datasets": {"m": {"loader": "mnist", "path": "mnist", "hidden": [4]}}}),
    )
    out = tmp_path / "data"
    result = run_dmp("dataset", "--config", path, "--dataset", "m", "--out-dir", out)
    assert one_line_error(result) == (
        f"{folder / 'train-labels-idx1-ubyte'}: 5 labels but train-images-idx3-ubyte holds 6 images"
    )
    assert nothing_written(out)


def test_pattern_image_of_one_colour(tmp_path):
    from PIL import Image

    Image.new("L", (4, 3), 255).save(tmp_path / "white.png")
    path = write(
        tmp_path / "config.yaml",
        yaml.safe_dump({"datasets": {"p": {"loader": "pattern", "path": "white.png", "hidden": [4], "split": "all"}}}),
    )
    out = tmp_path / "data"
    result = run_dmp("dataset", "--config", path, "--dataset", "p", "--out-dir", out)
    assert (
        one_line_error(result) == f"{tmp_path / 'white.png'}: the labels hold a single class (white); need at least two"
    )
    assert nothing_written(out)


GOOD_TABLE = "label,a,b\nx,1,2\ny,3,4\nx,1,1\ny,2,2\n"


@pytest.mark.parametrize(
    ("train", "message"),
    [
        ("label,a,b\nx,1,2\ny,3,4,5\n", "train.csv:3: row has 4 fields; the header has 3"),
        ("label,a,b\nx,1,2\ny,3,nan\n", "train.csv:3: missing or non-finite feature value"),
        (
            "label,a,b\nx,1,2\nx,3,4\n",
            "train.csv: the label column holds a single class (x); training needs at least two",
        ),
        ("label,a\nx,1\ny,3\n", "train.csv: feature columns differ from split.json"),
        ("label,a,b\nx,1,2\nz,3,4\n", "train.csv: unknown label(s) ['z']; expected one of ['x', 'y']"),
    ],
    ids=["ragged-row", "nan", "one-class", "columns", "unknown-label"],
)
def test_bad_training_table(tmp_path, train, message):
    data = tmp_path / "data"
    data.mkdir()
    split = {
        "features": ["a", "b"],
        "classes": ["x", "y"],
        "scaling": {"method": "none", "offset": [0, 0], "scale": [1, 1]},
    }
    write(data / "split.json", json.dumps(split))
    for part in ("val", "test"):
        write(data / f"{part}.csv", GOOD_TABLE)
    write(data / "train.csv", train)
    path = config(tmp_path / "config.yaml", {"training": {"epochs": 2}})
    out = tmp_path / "model" / "model.json"
    result = run_dmp("train", "--config", path, "--dataset", "t", "--data-dir", data, "--out", out)
    assert one_line_error(result) == f"{data}/{message}"
    assert nothing_written(tmp_path / "model")


def test_malformed_split_record(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    write(data / "split.json", '{"features": ["a", "b"],\n "classes": [\n')
    path = config(tmp_path / "config.yaml", {})
    out = tmp_path / "model" / "model.json"
    result = run_dmp("train", "--config", path, "--dataset", "t", "--data-dir", data, "--out", out)
    assert one_line_error(result).startswith(f"{data / 'split.json'}:3: invalid JSON: ")
    assert nothing_written(tmp_path / "model")


# ---------------------------------------------------------------------------- model files


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda m: m["layers"][0]["weights"][0].__setitem__(1, 0.5),
            "layers[0].weights[0][1] = 0.5 is not in {-1, 0, 1}",
        ),
        (
            lambda m: m["layers"][1].__setitem__("weights", [[1, -1, 1], [0, 1, 0]]),
            "layers[1].weights has shape (2, 3); expected (n_out, 2)",
        ),
        (lambda m: m["layers"][0].__setitem__("bias", [0]), "layers[0].bias has 1 entries; expected 2"),
        (lambda m: m.__setitem__("classes", ["x"]), "the output layer has 2 neurons but 1 classes are named"),
    ],
    ids=["weight", "shape", "bias", "classes"],
)
def test_bad_model_file(tmp_path, edit, message):
    model = json.loads(json.dumps(MODEL))
    edit(model)
    path = write(tmp_path / "model.json", json.dumps(model))
    out = tmp_path / "crn"
    result = run_dmp("crn", path, "--out-dir", out)
    assert one_line_error(result) == f"{path}: {message}"
    assert nothing_written(out)


def test_model_file_that_is_not_json(tmp_path):
    path = write(tmp_path / "model.json", '{"format": "dmp-ternary-mlp",\n "layers": [}\n')
    result = run_dmp("crn", path, "--out-dir", tmp_path / "crn")
    assert one_line_error(result).startswith(f"{path}:2: invalid JSON: ")
    assert nothing_written(tmp_path / "crn")


# ---------------------------------------------------------------------------- DSD folders: limits and verification


@pytest.fixture(scope="module")
def verified(tmp_path_factory):
    """A verified compilation of A -> B (Soloveichik scheme)."""
    folder = tmp_path_factory.mktemp("verified")
    crn = write(folder / "ab.crn", "A -> B\n")
    assert run_dmp("compile", crn, "--scheme", "soloveichik2010", "--out", folder / "dsd").returncode == 0
    result = run_dmp("verify", folder / "dsd")
    assert result.returncode == 0, result.stderr
    return folder / "dsd"


def compile_with(tmp_path: Path, crn_text: str, dsd: dict) -> Path:
    crn = write(tmp_path / "small.crn", crn_text)
    path = config(tmp_path / "config.yaml", {"dsd": dsd})
    out = tmp_path / "dsd"
    result = run_dmp("compile", crn, "--scheme", "soloveichik2010", "--out", out, "--config", path, "--dataset", "t")
    assert result.returncode == 0, result.stderr
    return out


def test_enumeration_limit_stops_the_module_and_the_run_says_so(tmp_path):
    # A + B -> C: peppercorn finds more than 10 complexes (the signals, gate L, its intermediates,
    # translator T and the wastes), so max_complex_count = 10 stops the module.
    out = compile_with(tmp_path, "A + B -> C\n", {"enumeration": {"max_complex_count": 10}})
    chunk = out / "chunks" / "0-of-1.json"
    assert run_dmp("verify", out, "--chunk", 0, "--of", 1, "--out", chunk).returncode == 0
    result = run_dmp("verify", out, "--collect", chunk)
    line = one_line_error(result)
    assert line.startswith(
        f"{out}: not verified: module r0 (A + B -> C): limit reached: dsd.enumeration.max_complex_count=10 ("
    )
    assert line.endswith(f"raise dsd.enumeration.max_complex_count in config.yaml; see {out}/verification.json")
    report = json.loads((out / "verification.json").read_text())
    assert report["verified"] is False
    assert [(x["step"], x["limit"], x["value"]) for x in report["limits_reached"]] == [
        ("r0", "dsd.enumeration.max_complex_count", 10)
    ]
    assert report["modules"][0]["limit"] == {"limit": "dsd.enumeration.max_complex_count", "value": 10}
    assert report["whole"]["verified"] is False
    assert json.loads((out / "summary.json").read_text())["verified"] is False
    # The workflow's collect step (--warn-only) keeps the report and exits 0 with the same line as a warning.
    warned = run_dmp("verify", out, "--collect", chunk, "--warn-only")
    assert warned.returncode == 0
    assert [x for x in warned.stderr.splitlines() if x.strip()] == [f"dmp: warning: {line}"]
    assert json.loads((out / "verification.json").read_text())["verified"] is False

    # The sequence stage refuses the folder, naming the limit.
    seq = tmp_path / "seq"
    line = one_line_error(run_dmp("design", out, "--candidate", 0, "--out", seq / "candidates" / "0.json"))
    assert line.startswith(
        f"{out}: not verified (module r0 (A + B -> C): limit reached: dsd.enumeration.max_complex_count=10"
    )
    assert line.endswith("no sequences are designed for an unverified system")
    assert nothing_written(seq)


def test_complex_size_limit_is_not_silently_truncated(tmp_path):
    # Peppercorn itself only logs reactions whose products exceed max_complex_size and leaves them
    # out. With 3 strands at most, the bimolecular module's A + L -> (3-strand intermediate) still
    # fits, but the module cannot finish: that must be a limit, not a smaller CRN.
    out = compile_with(tmp_path, "A + B -> C\n", {"enumeration": {"max_complex_size": 3}})
    line = one_line_error(run_dmp("verify", out))
    assert "limit reached: dsd.enumeration.max_complex_size=3 (peppercorn left out " in line
    assert json.loads((out / "verification.json").read_text())["limits_reached"][0]["step"] == "r0"


def test_complex_size_below_the_starting_complexes(tmp_path):
    out = compile_with(tmp_path, "A + B -> C\n", {"enumeration": {"max_complex_size": 2}})
    line = one_line_error(run_dmp("verify", out))
    assert "limit reached: dsd.enumeration.max_complex_size=2 (peppercorn: " in line


def test_verification_time_limit(tmp_path):
    out = compile_with(tmp_path, "A -> B\n", {"verification": {"timeout_s": 1e-6}})
    line = one_line_error(run_dmp("verify", out))
    assert line.startswith(f"{out}: not verified: module r0 (A -> B): limit reached: dsd.verification.timeout_s=1e-06")
    assert line.endswith("raise dsd.verification.timeout_s in config.yaml; see " + f"{out}/verification.json")


def test_design_needs_a_verification(tmp_path, verified):
    unverified = tmp_path / "dsd"
    crn = write(tmp_path / "ab.crn", "A -> B\n")
    assert run_dmp("compile", crn, "--scheme", "soloveichik2010", "--out", unverified).returncode == 0
    seq = tmp_path / "seq"
    line = one_line_error(run_dmp("design", unverified, "--candidate", 0, "--out", seq / "candidates" / "0.json"))
    assert line == (
        f"{unverified}/verification.json: not found; run `dmp verify {unverified}` first "
        "(sequences are designed only for verified systems)"
    )
    # A report saying "not verified" (here: edited by hand) is refused as well.
    report = json.loads((verified / "verification.json").read_text())
    report["verified"] = False
    report["summary"]["failed_modules"] = ["r0"]
    write(unverified / "verification.json", json.dumps(report))
    line = one_line_error(run_dmp("design", unverified, "--candidate", 0, "--out", seq / "candidates" / "0.json"))
    assert (
        line == f"{unverified}: not verified (failed modules: r0); no sequences are designed for an unverified system"
    )
    assert nothing_written(seq)


# ---------------------------------------------------------------------------- sequence constraints


@pytest.mark.parametrize(
    ("seq", "message"),
    [
        (
            {"domains": {"gc_min": 0.5, "gc_max": 0.52}},
            "seq.domains.gc_min/gc_max: no GC count of the 15-nt domain",
        ),
        (
            {"toeholds": {"target_dG": 20.0}},
            "cannot design 4 toeholds of 7 nt with ΔG 20 ± 0.5 kcal/mol",
        ),
    ],
    ids=["gc-bounds", "toehold-dG"],
)
def test_sequence_constraints_that_cannot_be_met(tmp_path, verified, seq, message):
    path = config(tmp_path / "config.yaml", {"seq": seq})
    out = tmp_path / "seq"
    result = run_dmp(
        "design", verified, "--candidate", 0, "--out", out / "candidates" / "0.json", "--config", path, "--dataset", "t"
    )
    line = one_line_error(result)
    assert line.startswith(message)
    # ... and says what would work instead.
    assert ("widen the bounds (e.g. gc_max: " in line) or ("seq.toeholds.spread: " in line and " works" in line)
    assert nothing_written(out)
