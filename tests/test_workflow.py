"""The Snakemake workflow end to end on a small configuration (the full one is marked heavy)."""

import gzip
import hashlib
import json
import os
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

import dmp
from dmp.config import config_hash, load_config
from dmp.crn.io import read_crn
from dmp.fileio import read_tsv

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = [sys.executable, "-m", "snakemake"]
PROFILES = ("default", "local", "slurm")


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
        "leak": {
            "t_end_h": 4.0,
            "points_per_decade": 10,
            "sweep": {"leak": [0.0, 1.0], "first_order": [], "unit_nM": [3.0], "fuel": [0.5], "examples": 3},
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
    """The whole iris_classifier target through the local profile (keep-going, memory cap)."""
    config = small_config(tmp_path)
    result = snakemake(tmp_path, config, "iris_classifier", extra=["--profile", str(ROOT / "profiles" / "local")])
    assert result.returncode == 0, result.stderr[-3000:]
    out = tmp_path / "results" / "iris"
    summary = json.loads((out / "simulation" / "summary.json").read_text())
    assert summary["n_test"] == 10
    assert summary["crn_nn_argmax_agreement"] == 1.0
    assert summary["max_abs_output_error"] <= 1e-3
    model = json.loads((out / "model" / "model.json").read_text())
    sizes = model["layer_sizes"]  # the default recipe prunes hidden neurons that never fire or never matter
    assert sizes[0] == 4 and sizes[-1] == 3 and 1 <= sizes[1] <= 4
    assert summary["nn_test_accuracy"] == pytest.approx(
        sum(r["label"] == r["nn_argmax"] for r in read_tsv(out / "simulation" / "agreement.tsv")) / 10
    )
    full, reduced = read_crn(out / "crn" / "full.crn"), read_crn(out / "crn" / "reduced.crn")
    assert sum(r.order == 2 for r in reduced.reactions) == sizes[1]  # one bimolecular ReLU reaction per neuron
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
    # Bench stage: read-out plan, inputs, leak study and protocol per scheme; reporters read the class.
    for scheme in ("soloveichik2010", "cardelli2011_NM_noGC"):
        bench = out / "bench" / scheme
        readout = read_tsv(bench / "readout.tsv")
        # Every rail the CRN has (a rail no reaction makes and no bias starts reads 0 without a reporter).
        rails = [y for y in ("Y0p", "Y0m", "Y1p", "Y1m", "Y2p", "Y2m") if y in full.species]
        assert [r["rail"] for r in readout] == rails
        assert {r["well"] for r in readout} == {str(w + 1) for w in range((len(rails) + 3) // 4)}  # 4 dyes per well
        leak = json.loads((bench / "leak" / "summary.json").read_text())
        # Plain argmax: every example; with the reader's margin, not those the network itself decides by less.
        assert leak["no_leak"]["argmax_agreement"] == leak["no_leak"]["examples"] == 5
        assert leak["no_leak"]["agreement"] == 5 - leak["network_margin_below_reader_margin"]
        assert (bench / "leak" / "leak.png").stat().st_size > 1000
        assert len({r["sample"] for r in read_tsv(bench / "inputs.tsv")}) == 30  # every test sample
        assert "## 2. Anneal" in (bench / "protocol.md").read_text()
        assert (bench / "mix.csv").read_text().startswith("complex,role,strand")
    report = snakemake(tmp_path, config, "iris_classifier", extra=["--report", str(tmp_path / "report.html")])
    assert report.returncode == 0, report.stderr[-3000:]
    html = (tmp_path / "report.html").read_text()
    for figure in ("confusion.png", "stabilisation.png", "dna_trajectories.png", "ensembles.png", "spread.png"):
        assert figure in html
    # A second run has nothing to do.
    again = snakemake(tmp_path, config, "iris_classifier", extra=["-n"])
    assert "Nothing to be done" in again.stdout + again.stderr
    # The same config run again, killed during the DNA stage and resumed, gives the same bytes.
    check_killed_run_resumes_to_the_same_bytes(tmp_path, config)


def check_killed_run_resumes_to_the_same_bytes(tmp_path: Path, config: Path) -> None:
    """Run the same config again in tmp_path/second, kill it mid-way, resume it, compare every file."""
    second = tmp_path / "second"
    second.mkdir()
    config_second = small_config(second)
    assert config_second.read_bytes() == config.read_bytes()
    # Second run: kill Snakemake and every job it started (SIGKILL: no clean-up, as in a power cut)
    # once the DNA stage has begun, i.e. with training, translation and some simulation done.
    process = subprocess.Popen(
        iris_command(second, config_second),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    marker = second / "results" / "iris" / "dsd" / "soloveichik2010" / "system.json"
    deadline = time.monotonic() + 600
    while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert process.poll() is None, "the run ended before it could be interrupted"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert not (second / "results" / "iris" / "sequences").exists() or not any(
        (second / "results" / "iris" / "sequences").rglob("order_bulk.csv")
    )

    # The same command again (after `--unlock`, which a killed Snakemake needs) finishes the run:
    # the workflow profile's rerun-incomplete redoes the jobs that were cut off.
    unlock = subprocess.run(iris_command(second, config_second, "--unlock"), capture_output=True, text=True)
    assert unlock.returncode == 0, unlock.stderr[-2000:]
    resumed = subprocess.run(iris_command(second, config_second), capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr[-3000:]

    a, b = digests(tmp_path / "results"), digests(second / "results")
    assert set(a) == set(b)
    differing = sorted(name for name in a if a[name] != b[name])
    assert differing == []
    # The files the wet lab and the next stages read are among those compared.
    for name in (
        "iris/model/model.json",
        "iris/crn/full.crn",
        "iris/crn/reduced.crn",
        "iris/dsd/soloveichik2010/system.pil",
        "iris/dsd/soloveichik2010/gates.tsv",
        "iris/dsd/cardelli2011_NM_noGC/strands.tsv",
        "iris/sequences/soloveichik2010/strands.fasta",
        "iris/sequences/soloveichik2010/order_bulk.csv",
        "iris/sequences/cardelli2011_NM_noGC/order_plate.xlsx",
        "iris/bench/soloveichik2010/mix.csv",
        "iris/bench/cardelli2011_NM_noGC/leak/sweep.tsv",
    ):
        assert name in a
    # Every output records who made it: dmp version, config hash and seed.
    stamp = {"dmp_version": dmp.__version__, "config_sha256": config_hash(load_config(config)), "seed": 11}
    iris = tmp_path / "results" / "iris"
    records = [
        json.loads((iris / "model" / "model.json").read_text())["provenance"],
        json.loads((iris / "crn" / "species.json").read_text())["provenance"],
        json.loads((iris / "simulation" / "summary.json").read_text())["provenance"],
    ]
    for scheme in ("soloveichik2010", "cardelli2011_NM_noGC"):
        # Tables and order sheets cannot carry it: their folder's summary.json does.
        records.append(json.loads((iris / "dsd" / scheme / "summary.json").read_text())["provenance"])
        records.append(json.loads((iris / "sequences" / scheme / "summary.json").read_text())["provenance"])
    for record in records:
        assert {k: record.get(k) for k in stamp} == stamp
    short = f"config sha256 {stamp['config_sha256'][:16]}, seed 11"
    for text_file in ("crn/full.crn", "crn/reduced.crn", "dsd/soloveichik2010/system.pil"):
        header = [line for line in (iris / text_file).read_text().splitlines()[:10] if line.startswith("#")]
        assert any(short in line for line in header), text_file


# Files whose content records how long a step took (wall-clock seconds) or a figure rendered from
# such timings; everything else a run writes must be byte-identical between runs.
TIMED = {
    "verification.json",  # per-module verification wall time
    "summary.json",  # stage summaries carry wall times
    "summary.html",
    "pattern.json",
    "system.json",  # compile_seconds
}


def digests(results: Path) -> dict[str, str]:
    """sha256 of every output file under results/, except logs, chunk intermediates and timed files."""
    out = {}
    for path in sorted(results.rglob("*")):
        rel = path.relative_to(results)
        if not path.is_file() or rel.parts[1] in ("logs",) or path.name in TIMED or path.name.endswith(".tmp"):
            continue
        if rel.parts[1] == "dsd" and "chunks" in rel.parts:  # per-module verification seconds
            continue
        out[str(rel)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def iris_command(workdir: Path, config: Path, *extra: str) -> list[str]:
    return [
        *SNAKEMAKE,
        "-s",
        str(ROOT / "Snakefile"),
        "--directory",
        str(workdir),
        "--configfile",
        str(config),
        "--replace-workflow-config",
        "--cores",
        "2",
        "iris_classifier",
        *extra,
    ]


def repository_dry_run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """`snakemake -n ARGS` on the repository's config.yaml, in tmp_path; asserts it succeeded."""
    command = [*SNAKEMAKE, "-n", *args, "--directory", str(tmp_path), "-s", str(ROOT / "Snakefile")]
    command += ["--configfile", str(ROOT / "config.yaml"), "--replace-workflow-config"]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def test_profiles_parse_as_snakemake_options():
    profiles = {name: yaml.safe_load((ROOT / "profiles" / name / "config.yaml").read_text()) for name in PROFILES}
    assert profiles["default"]["rerun-incomplete"] is True  # an interrupted run resumes on a plain rerun
    assert profiles["local"]["cores"] == "all"
    slurm = profiles["slurm"]
    assert slurm["executor"] == "slurm" and slurm["jobs"] >= 10
    assert {"slurm_account", "slurm_partition", "mem_mb", "runtime"} <= set(slurm["default-resources"])
    # set-resources may only name rules the workflow has.
    rules = {
        line.split()[1].rstrip(":")
        for path in (ROOT / "workflow" / "rules").glob("*.smk")
        for line in path.read_text().splitlines()
        if line.startswith("rule ")
    }
    assert set(slurm["set-resources"]) <= rules


def test_slurm_profile_plans_every_job_with_its_resources(tmp_path):
    """A dry run with the SLURM executor plans the virus jobs, each sized by its rule or the profile."""
    result = repository_dry_run(tmp_path, "virus_classifier", "--profile", str(ROOT / "profiles" / "slurm"))
    text = result.stdout
    # Hand count for the repository config: 2 schemes, dsd.chunks = 2, simulation.chunks = 2,
    # 2 formal CRNs, seq.candidates = 3.
    expected = {
        "dataset": 1,
        "train": 1,
        "crn": 1,
        "evaluate_chunk": 4,
        "evaluate_collect": 2,
        "dna_evaluate_chunk": 4,
        "dna_evaluate_collect": 2,
        "agreement": 1,
        "ssa": 1,
        "rates": 1,
        "dsd_compile": 2,
        "dsd_verify_chunk": 4,
        "dsd_collect": 2,
        "seq_design": 6,
        "seq_select": 2,
        "bench_readout": 2,
        "bench_inputs": 2,
        "bench_leak": 2,
        "bench_protocol": 2,
        "virus_classifier": 1,
    }
    stats = text[text.index("Job stats:") :].split("\n")
    counts = {}
    for line in stats[3:]:
        parts = line.split()
        if len(parts) != 2 or not parts[1].isdigit():
            break
        counts[parts[0]] = int(parts[1])
    assert counts == {**expected, "total": sum(expected.values())}
    # Per job: the rule's declared memory and runtime, or the profile's set-resources override.
    resources = {}
    for block in text.split("\nrule ")[1:]:
        name = block.split(":", 1)[0]
        line = next(line for line in block.splitlines() if line.strip().startswith("resources:"))
        resources[name] = dict(item.strip().split("=", 1) for item in line.split(":", 1)[1].split(","))
    assert resources["dsd_verify_chunk"]["mem_mb"] == "4000"  # declared by the rule
    assert resources["train"]["runtime"] == "240"  # raised by the profile's set-resources
    assert resources["dsd_compile"]["mem_mb"] == "8000"
    assert all("mem_mb" in r and "runtime" in r and "slurm_account" in r for r in resources.values())


def test_command_line_overrides_are_refused(tmp_path):
    config = small_config(tmp_path)
    result = snakemake(tmp_path, config, "iris_classifier", extra=["-n", "--config", "seed=3"])
    assert result.returncode != 0
    assert "Snakemake's config differs from this file" in result.stdout + result.stderr


def test_dry_run_of_repository_config_plans_every_stage(tmp_path):
    result = repository_dry_run(tmp_path, "all", "--cores", "2")
    text = result.stdout
    # virus, iris, digits, pattern; mnist (path null) is left out of `all` with a one-line note.
    for rule, count in (
        ("dataset", 4),
        ("train", 4),
        ("crn", 4),
        ("evaluate_chunk", 16),  # 2 CRNs x simulation.chunks (2)
        ("evaluate_collect", 8),
        ("dna_evaluate_chunk", 16),  # 2 schemes x 2 chunks
        ("dna_evaluate_collect", 8),
        ("agreement", 4),
        ("ssa", 4),
        ("rates", 4),
        ("dsd_compile", 8),
        ("dsd_verify_chunk", 16),
        ("dsd_collect", 8),
        ("seq_design", 16),  # 2 schemes x seq.candidates: 3 for virus and iris, 1 for digits and pattern
        ("seq_select", 8),
        ("bench_readout", 8),
        ("bench_leak", 8),
        ("bench_protocol", 8),
        ("draw_pattern", 1),
    ):
        assert any(line.split() == [rule, str(count)] for line in text.splitlines()), (rule, text[-1500:])
    notes = [line for line in result.stderr.splitlines() if line.startswith("dmp: ")]
    assert notes == [
        "dmp: `all` leaves out dataset mnist: datasets.mnist.path is not set: point it at the folder holding "
        "the four MNIST IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, "
        "t10k-labels-idx1-ubyte; .gz accepted)"
    ]


def test_mnist_target_without_files_fails_in_one_line_and_leaves_others_alone(tmp_path):
    config = small_config(tmp_path)
    data = yaml.safe_load(config.read_text())
    data["datasets"]["mnist"] = {"loader": "mnist", "path": "no-such-folder", "downsample": 2, "hidden": [4]}
    config.write_text(yaml.safe_dump(data))
    result = snakemake(tmp_path, config, "mnist_classifier")
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("dmp: error:")]
    assert errors == [
        f"dmp: error: {tmp_path / 'no-such-folder'}: MNIST folder not found; set datasets.mnist.path in the "
        "config to the folder holding the four MNIST IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte, "
        "t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte; .gz accepted)"
    ]
    assert not (tmp_path / "results").exists()
    # `all` and the other targets still plan.
    for target in ("all", "iris_classifier"):
        planned = snakemake(tmp_path, config, target, extra=["-n"])
        assert planned.returncode == 0, planned.stderr[-2000:]
        assert "results/mnist" not in planned.stdout and "results/iris" in planned.stdout


@pytest.mark.heavy
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
    # The SBML files the workflow wrote run in libRoadRunner to dmp's states (first test example's inputs).
    from test_sbml import assert_file_matches_dmp

    from dmp.crn.species_map import SpeciesMap
    from dmp.nn.model import load_model

    virus = tmp_path / "results" / "virus"
    model = load_model(virus / "model" / "model.json")
    X = np.loadtxt(virus / "data" / "test.csv", delimiter=",", skiprows=1, usecols=range(1, 11), max_rows=1)
    inputs, _ = SpeciesMap.load(virus / "crn" / "species.json").input_concentrations(model.scaling.apply(X[None])[0])
    assert_file_matches_dmp(virus / "crn" / "full.xml", virus / "crn" / "full.crn", inputs, 5000.0)
    dsd = virus / "dsd" / "soloveichik2010"
    in_nM = {name: 10.0 * value for name, value in inputs.items()}
    assert_file_matches_dmp(dsd / "enumerated.xml", dsd / "enumerated.crn", in_nM, 20000.0)


def write_synthetic_mnist(folder: Path, n_train: int, n_test: int, seed: int = 0) -> None:
    """28x28 IDX files (train gzip'd, test plain): class k has a bright 7x7 block in quadrant k, plus noise."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for prefix, n, compress in (("train", n_train, True), ("t10k", n_test, False)):
        labels = np.arange(n) % 3
        images = rng.integers(0, 60, size=(n, 28, 28))
        for k, label in enumerate(labels):
            r, c = divmod(int(label), 2)
            images[k, 7 + 14 * r - 7 : 7 + 14 * r, 7 + 14 * c : 14 + 14 * c] = 255
        for kind, array in (("images-idx3-ubyte", images), ("labels-idx1-ubyte", labels)):
            payload = bytes([0, 0, 8, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
            payload += array.astype(np.uint8).tobytes()
            name = f"{prefix}-{kind}"
            if compress:
                (folder / f"{name}.gz").write_bytes(gzip.compress(payload))
            else:
                (folder / name).write_bytes(payload)


@pytest.mark.heavy
def test_mnist_classifier_on_small_idx_files(tmp_path):
    """The whole mnist_classifier target on 360 synthetic 28x28 images, pooled 7x7 to 4x4 inputs."""
    write_synthetic_mnist(tmp_path / "idx", n_train=300, n_test=60)
    config = small_config(tmp_path)
    data = yaml.safe_load(config.read_text())
    data["datasets"] = {
        "mnist": {
            "loader": "mnist",
            "path": "idx",
            "downsample": 7,
            "split": {"train": 0.714285714, "val": 0.142857143, "test": 0.142857143},
            "scaling": "minmax_global",
            "hidden": [4],
            "training": {"epochs": 40, "patience": 40, "restarts": 1},
        }
    }
    config.write_text(yaml.safe_dump(data))
    result = snakemake(tmp_path, config, "mnist_classifier")
    assert result.returncode == 0, result.stderr[-3000:]
    out = tmp_path / "results" / "mnist"
    split = json.loads((out / "data" / "split.json").read_text())
    assert split["sizes"] == {"train": 250, "val": 50, "test": 60}
    assert split["meta"]["image_shape"] == [4, 4]
    model = json.loads((out / "model" / "model.json").read_text())
    assert model["layer_sizes"] == [16, 4, 3]
    assert model["metrics"]["test_accuracy"] >= 0.9  # the quadrant blocks are easy to tell apart
    summary = json.loads((out / "simulation" / "summary.json").read_text())
    assert summary["n_test"] == 10 and summary["crn_nn_argmax_agreement"] == 1.0
    for scheme in ("soloveichik2010", "cardelli2011_NM_noGC"):
        assert json.loads((out / "dsd" / scheme / "verification.json").read_text())["verified"]
