"""The Snakemake workflow end to end on a small configuration (the full one is marked slow)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from dmp.crn.io import read_crn
from dmp.fileio import read_tsv

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = [sys.executable, "-m", "snakemake"]


def small_config(tmp_path: Path) -> Path:
    config = {
        "seed": 11,
        "results": "results",
        "datasets": {
            "iris": {
                "loader": "iris",
                "split": {"train": 0.7, "val": 0.1, "test": 0.2},
                "hidden": [4],
                "training": {"epochs": 60, "patience": 60, "restarts": 1},
            },
        },
        "seq": {"candidates": 1},
        "simulation": {
            "t_end": 2000.0,
            "points": 5,
            "max_examples": 10,
            "trajectory_examples": 2,
            "trajectory_t_end": 10.0,
            "jobs": 1,
            "batch_size": 5,
            "chunks": 2,
            "ssa": {"examples": 3, "trajectories": 4, "molecules_sweep": [3, 30], "sweep_examples": 3},
            "dna": {"max_examples": 5},
            "rates": {"draws": 2, "max_examples": 5},
        },
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def snakemake(tmp_path: Path, config: Path, *targets: str, extra=()):
    command = [
        *SNAKEMAKE,
        "-s",
        str(ROOT / "Snakefile"),
        "--directory",
        str(tmp_path),
        "--configfile",
        str(config),
        "--replace-workflow-config",
        "--cores",
        "2",
        *targets,
        *extra,
    ]
    return subprocess.run(command, capture_output=True, text=True)


def test_small_pipeline_end_to_end(tmp_path):
    config = small_config(tmp_path)
    result = snakemake(tmp_path, config, "iris_classifier")
    assert result.returncode == 0, result.stderr[-3000:]
    out = tmp_path / "results" / "iris"
    summary = json.loads((out / "simulation" / "summary.json").read_text())
    assert summary["n_test"] == 10
    assert summary["crn_nn_argmax_agreement"] == 1.0
    assert summary["max_abs_output_error"] <= 1e-3
    model = json.loads((out / "model" / "model.json").read_text())
    assert model["layer_sizes"] == [4, 4, 3]
    assert summary["nn_test_accuracy"] == pytest.approx(
        sum(r["label"] == r["nn_argmax"] for r in read_tsv(out / "simulation" / "agreement.tsv")) / 10
    )
    full, reduced = read_crn(out / "crn" / "full.crn"), read_crn(out / "crn" / "reduced.crn")
    assert sum(r.order == 2 for r in reduced.reactions) == 4
    assert len(full.reactions) > len(reduced.reactions)
    assert (out / "simulation" / "trajectories.png").stat().st_size > 1000
    # DNA stage: both default schemes compiled, every module, crosstalk and the whole verified.
    for scheme in ("soloveichik2010", "cardelli2011_NM_noGC"):
        report = json.loads((out / "dsd" / scheme / "verification.json").read_text())
        assert report["verified"] and report["whole"]["verified"] and report["crosstalk"]["verified"]
        assert report["summary"]["modules_verified"] == report["summary"]["modules"] >= len(reduced.reactions)
        assert read_crn(out / "dsd" / scheme / "enumerated.crn").reactions
        assert (out / "dsd" / scheme / "system.pil").read_text().count(" @initial ") > 10
        # sequences: every strand of the DSD stage ordered, the consistency checks passed
        seq = json.loads((out / "sequences" / scheme / "summary.json").read_text())
        assert seq["checks"]["complementarity_failures"] == 0 and seq["checks"]["helix_failures"] == 0
        dsd_strands = read_tsv(out / "dsd" / scheme / "strands.tsv")
        assert seq["strands"] == len(dsd_strands)
        bulk = (out / "sequences" / scheme / "order_bulk.csv").read_text().splitlines()
        assert len(bulk) == 1 + len(dsd_strands)
        assert (out / "sequences" / scheme / "order_plate.xlsx").stat().st_size > 1000
    # Simulation stage: DNA-level, SSA and rate-randomisation summaries, and one HTML report with the figures.
    assert summary["dna"]["schemes"]["soloveichik2010"]["vs_network"]["crn_nn_argmax_agreement"] == 1.0
    ssa = json.loads((out / "simulation" / "ssa" / "summary.json").read_text())
    assert ssa["n_examples"] == 3 and len(ssa["sweep"]) == 2
    rates = json.loads((out / "simulation" / "rates" / "summary.json").read_text())
    assert rates["all_unchanged"] and rates["competitive"]["max_deviation"] > 0.01
    report = snakemake(tmp_path, config, "iris_classifier", extra=["--report", str(tmp_path / "report.html")])
    assert report.returncode == 0, report.stderr[-3000:]
    html = (tmp_path / "report.html").read_text()
    for figure in ("confusion.png", "stabilisation.png", "dna_trajectories.png", "ensembles.png", "spread.png"):
        assert figure in html
    # A second run has nothing to do.
    again = snakemake(tmp_path, config, "iris_classifier", extra=["-n"])
    assert "Nothing to be done" in again.stdout + again.stderr


def test_command_line_overrides_are_refused(tmp_path):
    config = small_config(tmp_path)
    result = snakemake(tmp_path, config, "iris_classifier", extra=["-n", "--config", "seed=3"])
    assert result.returncode != 0
    assert "Snakemake's config differs from this file" in result.stdout + result.stderr


def test_dry_run_of_repository_config_plans_every_stage(tmp_path):
    result = subprocess.run(
        [
            *SNAKEMAKE,
            "-n",
            "--cores",
            "2",
            "all",
            "--directory",
            str(tmp_path),
            "-s",
            str(ROOT / "Snakefile"),
            "--configfile",
            str(ROOT / "config.yaml"),
            "--replace-workflow-config",
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    text = result.stdout
    for rule, count in (
        ("dataset", 3),
        ("train", 3),
        ("crn", 3),
        ("evaluate_chunk", 12),
        ("evaluate_collect", 6),
        ("dna_evaluate_chunk", 12),
        ("dna_evaluate_collect", 6),
        ("agreement", 3),
        ("ssa", 3),
        ("rates", 3),
        ("dsd_compile", 6),
        ("dsd_verify_chunk", 12),
        ("dsd_collect", 6),
        ("seq_design", 18),
        ("seq_select", 6),
    ):
        assert any(line.split() == [rule, str(count)] for line in text.splitlines()), (rule, text[-1500:])


@pytest.mark.slow
def test_virus_classifier_full(tmp_path):
    """The README's main job on the repository config, order sheets included."""
    result = subprocess.run(
        [
            *SNAKEMAKE,
            "--cores",
            "2",
            "virus_classifier",
            "--directory",
            str(tmp_path),
            "-s",
            str(ROOT / "Snakefile"),
            "--configfile",
            str(ROOT / "config.yaml"),
            "--replace-workflow-config",
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads((tmp_path / "results" / "virus" / "simulation" / "summary.json").read_text())
    assert summary["n_test"] == 106
    assert summary["crn_nn_argmax_agreement"] == 1.0
    assert summary["max_abs_output_error"] <= 1e-3
    reduced = read_crn(tmp_path / "results" / "virus" / "crn" / "reduced.crn")
    assert len(reduced.reactions) <= 28
    for scheme in ("soloveichik2010", "cardelli2011_NM_noGC"):
        seq = tmp_path / "results" / "virus" / "sequences" / scheme
        assert (seq / "order_bulk.csv").exists() and (seq / "order_plate.xlsx").exists()
        assert json.loads((seq / "summary.json").read_text())["checks"]["helix_failures"] == 0
