"""The `dmp` command: outputs, one-line errors, no partial files."""

import csv
import math
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from dmp.config import ConfigError, load_config, stage_settings, validate_config

ROOT = Path(__file__).resolve().parents[1]


def run_dmp(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "dmp", *map(str, args)], capture_output=True, text=True, cwd=cwd)


def test_simulate_writes_csv_with_time_and_species(tmp_path):
    crn = tmp_path / "decay.crn"
    crn.write_text("A -> B [k = 0.5]\nA @initial 2\n")
    out = tmp_path / "out.csv"
    result = run_dmp("simulate", crn, "--t-end", 4, "--out", out)
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(out.open()))
    assert rows[0] == ["time", "A", "B"]
    last = [float(v) for v in rows[-1]]
    assert last[0] == 4.0
    assert last[1] == pytest.approx(2 * math.exp(-2.0), rel=1e-6)
    assert last[2] == pytest.approx(2 - 2 * math.exp(-2.0), rel=1e-6)


def test_simulate_ssa_to_stdout(tmp_path):
    crn = tmp_path / "decay.crn"
    crn.write_text("A -> B\nA @initial 1\n")
    result = run_dmp(
        "simulate", crn, "--t-end", 30, "--method", "ssa", "--seed", 3, "--molecules-per-unit", 20, "--points", 4
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "time,A,B" and len(lines) == 5
    time, a, b = map(float, lines[-1].split(","))
    assert time == 30.0 and a + b == pytest.approx(1.0)


def test_malformed_crn_gives_one_line_and_no_output(tmp_path):
    crn = tmp_path / "bad.crn"
    crn.write_text("A -> B\nA + -> C\n")
    out = tmp_path / "out.csv"
    result = run_dmp("simulate", crn, "--t-end", 1, "--out", out)
    assert result.returncode != 0
    assert result.stderr.strip() == f"dmp: error: {crn}:2: empty term around '+'"
    assert "Traceback" not in result.stderr
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [crn]  # no temporary file left either


def test_missing_file_message(tmp_path):
    result = run_dmp("simulate", tmp_path / "none.crn", "--t-end", 1)
    assert result.returncode == 1
    assert result.stderr.strip().endswith("none.crn: file not found")


def test_crn_command_rejects_non_ternary_model(tmp_path):
    model = tmp_path / "model.json"
    model.write_text(
        '{"format": "dmp-ternary-mlp", "features": ["a"], "classes": ["y"],'
        ' "input_scaling": {"method": "none", "offset": [0], "scale": [1]},'
        ' "layers": [{"weights": [[2]], "bias": [0]}]}'
    )
    result = run_dmp("crn", model, "--out-dir", tmp_path / "crn")
    assert result.returncode == 1
    assert result.stderr.strip() == f"dmp: error: {model}: layers[0].weights[0][0] = 2 is not in {{-1, 0, 1}}"
    assert not (tmp_path / "crn").exists()


# ---------------------------------------------------------------------------- config


def test_repository_config_is_valid():
    config = load_config(ROOT / "config.yaml")
    assert set(config["datasets"]) >= {"virus", "iris", "digits"}
    # Dataset overrides beat the global section, which beats the defaults.
    config["datasets"]["iris"]["training"] = {"epochs": 7}
    assert stage_settings(config, "iris", "training")["epochs"] == 7
    assert stage_settings(config, "virus", "training")["epochs"] == config["training"]["epochs"]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda c: c["crn"].__setitem__("inputs", "triple"),
            'crn.inputs: "triple" is not allowed; use one of "dual_rail", "shifted"',
        ),
        (lambda c: c["training"].__setitem__("epochs", 0), "training.epochs: 0 is less than the minimum of 1"),
        (lambda c: c["datasets"]["virus"].__setitem__("hiden", [3]), "datasets.virus: unknown key(s) 'hiden'"),
        (
            lambda c: c["datasets"]["iris"].__setitem__("loader", "cifar"),
            'datasets.iris.loader: "cifar" is not allowed',
        ),
        (
            lambda c: c["datasets"]["iris"]["split"].__setitem__("val", 0.5),
            "datasets.iris.split: train + val must leave room for a test part",
        ),
    ],
)
def test_config_errors_name_the_key(edit, message):
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    edit(config)
    with pytest.raises(ConfigError) as info:
        validate_config(config, "config.yaml")
    assert str(info.value).startswith("config.yaml: ")
    assert message in str(info.value)


def test_cli_reports_config_errors_in_one_line(tmp_path):
    bad = tmp_path / "config.yaml"
    bad.write_text("datasets:\n  iris: {loader: iris, hidden: [0]}\n")
    result = run_dmp("dataset", "--config", bad, "--dataset", "iris", "--out-dir", tmp_path / "d")
    assert result.returncode == 1
    assert result.stderr.strip() == f"dmp: error: {bad}: datasets.iris.hidden.0: 0 is less than the minimum of 1"


def test_yaml_syntax_error_names_line(tmp_path):
    bad = tmp_path / "config.yaml"
    bad.write_text("seed: 1\ndatasets:\n  iris: {loader: iris\n")
    result = run_dmp("dataset", "--config", bad, "--dataset", "iris", "--out-dir", tmp_path / "d")
    assert result.returncode == 1
    assert result.stderr.startswith(f"dmp: error: {bad}:")
    assert "YAML syntax error" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_unknown_dataset(tmp_path):
    result = run_dmp("dataset", "--config", ROOT / "config.yaml", "--dataset", "cifar", "--out-dir", tmp_path)
    assert result.returncode == 1
    assert (
        "datasets.cifar: no such dataset in the config (configured: digits, iris, mnist, pattern, virus)"
        in result.stderr
    )


def test_dataset_check_names_the_config_key_of_missing_mnist_files(tmp_path):
    result = run_dmp("dataset", "--config", ROOT / "config.yaml", "--dataset", "mnist", "--check")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "dmp: error: datasets.mnist.path is not set: point it at the folder holding the four MNIST IDX files "
        "(train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte; "
        ".gz accepted)"
    ]
    # The same for the real step: nothing written.
    result = run_dmp("dataset", "--config", ROOT / "config.yaml", "--dataset", "mnist", "--out-dir", tmp_path / "d")
    assert result.returncode == 1 and len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "d").exists()
