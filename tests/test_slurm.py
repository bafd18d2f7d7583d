"""profiles/slurm against a real scheduler: a one-node SLURM cluster started by tools/slurm-local.sh.

The cluster tests are heavy and run by hand (`pytest -m heavy tests/test_slurm.py`, as root, with Debian's slurm-wlm and
munge installed): the tests start the cluster, submit every job of iris_classifier with sbatch through
the Snakemake SLURM executor plugin, and stop the cluster afterwards. They check that the outputs are
byte-identical to a local run, that a job killed by SLURM for exceeding its memory is reported by its
rule and retried with the attempt-scaled memory, and that a run whose Snakemake died and whose jobs
were all cancelled with scancel finishes after `--unlock` with the same bytes.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from test_workflow import digests

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tools" / "slurm-local.sh"
PROFILE = ROOT / "profiles" / "slurm"
SNAKEMAKE = [sys.executable, "-m", "snakemake"]
# Train's first attempt gets 300 MB, less than Python with PyTorch loaded holds, so SLURM kills it;
# the retry (attempt 2) gets the rule's 4000 MB.
FORCED_TRAIN_MEMORY = "train:mem_mb=300 if attempt == 1 else 4000"


def environment() -> dict[str, str]:
    """The submitting environment; sbatch --export=ALL hands it to the jobs, so they import this checkout's dmp."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


@pytest.fixture(scope="module")
def cluster():
    """A one-node SLURM cluster for the module's tests; skipped where SLURM cannot run."""
    missing = [cmd for cmd in ("slurmctld", "slurmd", "munged", "sbatch", "squeue") if shutil.which(cmd) is None]
    if missing:
        pytest.skip(f"SLURM packages absent ({', '.join(missing)} not found; apt-get install slurm-wlm munge)")
    if os.geteuid() != 0:
        pytest.skip("tools/slurm-local.sh must run as root to start slurmctld and slurmd")
    started = subprocess.run([str(SCRIPT), "start"], capture_output=True, text=True, timeout=180)
    assert started.returncode == 0, started.stderr
    yield
    stopped = subprocess.run([str(SCRIPT), "stop"], capture_output=True, text=True, timeout=180)
    assert stopped.returncode == 0, stopped.stderr


def profile_set_resources(*extra: str) -> list[str]:
    """The profile's set-resources as command-line items, plus EXTRA (on the command line they replace the
    profile's whole list, so a test that overrides one rule must repeat the others)."""
    profile = yaml.safe_load((PROFILE / "config.yaml").read_text())
    items = [
        f"{rule}:{key}={value}" for rule, values in profile["set-resources"].items() for key, value in values.items()
    ]
    return ["--set-resources", *items, *extra]


def iris_on_slurm(workdir: Path, *extra: str) -> list[str]:
    return [
        *SNAKEMAKE,
        "-s",
        str(ROOT / "Snakefile"),
        "--directory",
        str(workdir),
        "--configfile",
        str(ROOT / "config.yaml"),
        "--replace-workflow-config",
        "--profile",
        str(PROFILE),
        "iris_classifier",
        *extra,
    ]


def run_id(log: str) -> str:
    """The SLURM job name the plugin gives every job of one Snakemake run."""
    return re.search(r"SLURM run ID: (\S+)", log).group(1)


def slurm_jobs(name: str) -> list[tuple[str, str, str]]:
    """(job id, state, memory) of every job named NAME that SLURM still lists (finished ones for MinJobAge)."""
    out = subprocess.run(
        ["squeue", "--states=all", "--noheader", "--name", name, "--format=%i|%T|%m"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    jobs = [tuple(line.split("|")) for line in out.split()]
    return sorted(jobs, key=lambda job: int(job[0]))


def processes_of(job_ids: set[str]) -> list[int]:
    """PIDs of the processes that still run for the given SLURM jobs (their environment names the job)."""
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            variables = environ.read_bytes().split(b"\0")
        except OSError:  # ended meanwhile
            continue
        if any(v.startswith(b"SLURM_JOB_ID=") and v[13:].decode() in job_ids for v in variables):
            found.append(int(environ.parent.name))
    return found


def submissions(log: str) -> dict[str, str]:
    """SLURM job id -> rule, from the plugin's 'has been submitted' lines."""
    found = re.findall(r"submitted with SLURM jobid (\d+) \(log: \S*/slurm_logs/rule_(\w+?)/", log)
    return {job: rule for job, rule in found}


def test_every_rule_asks_for_more_memory_on_a_retry():
    """What the cluster run relies on, checked without one: memory requests grow with `attempt`, polling uses squeue."""
    for path in sorted((ROOT / "workflow" / "rules").glob("*.smk")):
        for block in re.split(r"\n(?=rule )", path.read_text())[1:]:
            rule = block.split()[1].rstrip(":")
            memory = re.search(r"\bmem_mb=(.*)", block)
            assert memory, f"{path.name}: rule {rule} declares no mem_mb"
            assert re.fullmatch(r"lambda w, attempt: \d+ \* attempt,", memory.group(1).strip()), f"{path.name}: {rule}"
    profile = yaml.safe_load((PROFILE / "config.yaml").read_text())
    assert profile["retries"] >= 1 and profile["slurm-status-command"] == "squeue"
    for rule, values in profile["set-resources"].items():
        assert "mem_mb" not in values or "attempt" in str(values["mem_mb"]), rule


@pytest.fixture(scope="module")
def local_digests(tmp_path_factory) -> dict[str, str]:
    """sha256 of every output of iris_classifier run locally (profiles/local) with the repository config."""
    workdir = tmp_path_factory.mktemp("local")
    command = [*iris_on_slurm(workdir)]
    command[command.index(str(PROFILE))] = str(ROOT / "profiles" / "local")
    started = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, env=environment())
    assert result.returncode == 0, result.stderr[-3000:]
    print(f"iris_classifier on this machine (profiles/local): {time.monotonic() - started:.0f} s wall")
    return digests(workdir / "results")


@pytest.mark.heavy
def test_job_over_its_memory_is_killed_reported_by_rule_and_retried_with_more(cluster, tmp_path):
    """tests/slurm/Snakefile: one rule with mem_mb = 1000 * attempt whose command holds 1500 MB."""
    command = [*SNAKEMAKE, "-s", str(ROOT / "tests" / "slurm" / "Snakefile"), "--directory", str(tmp_path)]
    started = time.monotonic()
    result = subprocess.run([*command, "--profile", str(PROFILE)], capture_output=True, text=True, env=environment())
    wall = time.monotonic() - started
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-3000:]
    # The first job was killed by SLURM for memory, and Snakemake said so, naming the rule.
    assert "Error in rule hog:" in log
    assert "exceeded memory limit" in log  # slurmstepd's line from the job's SLURM log, printed by show-failed-logs
    # SLURM's own record: the same rule submitted twice, 1000 MB failed, then 2000 MB completed.
    jobs = slurm_jobs(run_id(log))
    assert [(state, memory) for _, state, memory in jobs] == [("FAILED", "1000M"), ("COMPLETED", "2000M")]
    assert set(submissions(log).values()) == {"hog"}
    assert (tmp_path / "hog.done").read_text().strip() == "2000"  # written by the attempt that succeeded
    print(f"forced out-of-memory job and its retry: {wall:.0f} s wall")


@pytest.mark.heavy
def test_iris_classifier_on_slurm_equals_local_run(cluster, local_digests, tmp_path):
    """Every job through sbatch, one of them killed for memory and retried; outputs byte-identical to a local run."""
    started = time.monotonic()
    command = iris_on_slurm(tmp_path, *profile_set_resources(FORCED_TRAIN_MEMORY))
    result = subprocess.run(command, capture_output=True, text=True, env=environment())
    wall = time.monotonic() - started
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-3000:]
    jobs = slurm_jobs(run_id(log))
    rules = submissions(log)
    # 34 jobs of the workflow (the target itself is local) plus the retry of train.
    assert len(jobs) == len(rules) == 35
    train = [(state, memory) for job, state, memory in jobs if rules[job] == "train"]
    assert train == [("FAILED", "300M"), ("COMPLETED", "4000M")]
    assert all(state == "COMPLETED" for job, state, _ in jobs if rules[job] != "train")
    assert re.search(r"Error in rule train:\n\s+message: SLURM-job '\d+' failed", log)
    # Memory as the profile and the rules request it (first attempts).
    memory = {rules[job]: m for job, state, m in jobs if state == "COMPLETED"}
    assert memory["dsd_compile"] == "8000M" and memory["dsd_verify_chunk"] == "4000M"
    assert memory["evaluate_collect"] == "1000M"
    assert local_digests == digests(tmp_path / "results")
    print(f"iris_classifier on SLURM: {len(jobs)} jobs, {wall:.0f} s wall")


@pytest.mark.heavy
def test_whole_run_cancelled_then_unlocked_resumes_to_the_same_bytes(cluster, local_digests, tmp_path):
    """Snakemake killed (a lost login session), every job of its run cancelled with scancel, then --unlock and rerun."""
    started = time.monotonic()
    log_file = tmp_path / "first.log"
    with log_file.open("w") as out:
        process = subprocess.Popen(
            iris_on_slurm(tmp_path), stdout=out, stderr=subprocess.STDOUT, env=environment(), start_new_session=True
        )
    # Interrupt during the DNA stage: training, translation and some simulation done, jobs queued and running.
    marker = tmp_path / "results" / "iris" / "dsd" / "soloveichik2010" / "system.json"
    deadline = time.monotonic() + 1200
    while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(1)
    assert process.poll() is None, "the run ended before it could be interrupted"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    killed_after = time.monotonic() - started
    name = run_id(log_file.read_text())
    active = [job for job in slurm_jobs(name) if job[1] in ("PENDING", "RUNNING")]
    assert active, "no job of the run was left to cancel"
    subprocess.run(["scancel", "--name", name], check=True)
    deadline = time.monotonic() + 120
    while any(job[1] in ("PENDING", "RUNNING", "COMPLETING") for job in slurm_jobs(name)):
        assert time.monotonic() < deadline, "scancel did not end the jobs within 2 min"
        time.sleep(2)
    assert "CANCELLED" in {job[1] for job in slurm_jobs(name)}
    # scancel reached every process of the run's jobs, including each job's Snakemake and dmp.
    ids = {job[0] for job in slurm_jobs(name)}
    deadline = time.monotonic() + 60
    while processes_of(ids):
        assert time.monotonic() < deadline, f"processes of cancelled jobs still run: {processes_of(ids)}"
        time.sleep(2)

    # The killed Snakemake left its lock: the same command refuses to start until --unlock.
    locked = subprocess.run(iris_on_slurm(tmp_path), capture_output=True, text=True, env=environment())
    assert locked.returncode != 0 and "cannot be locked" in locked.stderr, locked.stderr[-2000:]
    unlock = subprocess.run(iris_on_slurm(tmp_path, "--unlock"), capture_output=True, text=True, env=environment())
    assert unlock.returncode == 0, unlock.stderr[-2000:]
    started = time.monotonic()
    resumed = subprocess.run(iris_on_slurm(tmp_path), capture_output=True, text=True, env=environment())
    rerun = time.monotonic() - started
    log = resumed.stdout + resumed.stderr
    assert resumed.returncode == 0, log[-3000:]
    # The rerun submits only what was missing or cut off, and ends with the same bytes as a local run.
    assert 0 < len(submissions(log)) < 34
    first = len(submissions(log_file.read_text()))
    print(
        f"killed after {killed_after:.0f} s with {first} jobs submitted; cancelled {len(active)} queued or running;"
        f" the rerun submitted {len(submissions(log))} jobs in {rerun:.0f} s"
    )
    assert local_digests == digests(tmp_path / "results")
