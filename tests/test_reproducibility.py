"""Same config, same files: a small pipeline run twice, once killed mid-way and resumed, byte for byte."""

import hashlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from test_workflow import ROOT, SNAKEMAKE, small_config

import dmp
from dmp.config import config_hash, load_config

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


def command(workdir: Path, config: Path, *extra: str) -> list[str]:
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


@pytest.mark.slow
def test_killed_run_resumes_to_the_same_files_as_an_uninterrupted_one(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    for workdir in (first, second):
        workdir.mkdir()
    config_first, config_second = small_config(first), small_config(second)
    assert config_first.read_bytes() == config_second.read_bytes()

    done = subprocess.run(command(first, config_first), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]

    # Second run: kill Snakemake and every job it started (SIGKILL: no clean-up, as in a power cut)
    # once the DNA stage has begun, i.e. with training, translation and some simulation done.
    process = subprocess.Popen(
        command(second, config_second), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
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
    unlock = subprocess.run(command(second, config_second, "--unlock"), capture_output=True, text=True)
    assert unlock.returncode == 0, unlock.stderr[-2000:]
    resumed = subprocess.run(command(second, config_second), capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr[-3000:]

    a, b = digests(first / "results"), digests(second / "results")
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
    ):
        assert name in a
    # Every output records who made it: dmp version, config hash and seed.
    stamp = {"dmp_version": dmp.__version__, "config_sha256": config_hash(load_config(config_first)), "seed": 11}
    iris = first / "results" / "iris"
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
