"""The files tests/test_hostile.py feeds to `dmp`, and the runner that feeds them.

`make_lab(root)` writes small hand-made networks (2-2-2, and three that differ from it in one
way: a third input, a third hidden neuron, a third class), their CRNs and species maps made by
`dmp crn`, a verified DSD folder and a sequence candidate for A -> B, a small iris split, a small
pattern split, and one bad or unusual file of every format dmp reads. The real baseline outputs
in /work/baseline/results are used read-only when present.

`run_case` runs one command in a child process with a time limit, an address-space limit (so
that nothing can take the shared machine's memory) and, if asked, a file-size limit (a disk that
fills up), and reports what it printed and which files it left in the case's output folder.
"""

from __future__ import annotations

import json
import os
import resource
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conftest import TINY_MODEL

BASELINE = Path("/work/baseline/results")
MEMORY_LIMIT = 3 * 1024**3  # bytes of address space per `dmp` process
TIMEOUT_S = 120
DIR, FIFO = ("dir",), ("fifo",)  # special file specs of a case: a folder, a named pipe

MODEL: dict[str, Any] = TINY_MODEL  # the 2-2-2 network every case starts from


def variant(**changes: Any) -> dict[str, Any]:
    """MODEL with some top-level keys replaced (deep copy)."""
    return {**json.loads(json.dumps(MODEL)), **changes}


def dmp(*args: Any, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run `python -m dmp` (for preparing the lab; failures stop the tests at once)."""
    result = subprocess.run([sys.executable, "-m", "dmp", *map(str, args)], capture_output=True, text=True, cwd=cwd)
    assert result.returncode == 0, (args, result.stderr)
    return result


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _networks(lab: Path) -> None:
    nets = {
        "m": MODEL,
        "m3": variant(
            features=["a", "b", "c"],
            input_scaling={"method": "none", "offset": [0, 0, 0], "scale": [1, 1, 1]},
            layers=[{"weights": [[1, -1, 1], [0, 1, 0]], "bias": [0, 0]}, MODEL["layers"][1]],
        ),
        "mh": variant(
            layers=[
                {"weights": [[1, -1], [0, 1], [1, 1]], "bias": [0, 0, 0]},
                {"weights": [[1, -1, 1], [0, 1, -1]], "bias": [0, 0]},
            ]
        ),
        "mc": variant(
            classes=["x", "y", "z"],
            layers=[MODEL["layers"][0], {"weights": [[1, -1], [0, 1], [1, 1]], "bias": [0, 0, 0]}],
        ),
        "pm": variant(features=["x1", "x2"], classes=["black", "white"]),
    }
    for name, model in nets.items():
        write(lab / f"{name}.json", json.dumps(model))
        dmp("crn", lab / f"{name}.json", "--out-dir", lab / f"crn_{name}")
    write(lab / "t.csv", "label,a,b\nx,0.5,-1\ny,2,0.25\n")
    dmp("evaluate", "--crn", lab / "crn_m/full.crn", "--species", lab / "crn_m/species.json", "--model",
        lab / "m.json", "--data", lab / "t.csv", "--out", lab / "outputs.tsv")  # fmt: skip


def _dsd(lab: Path) -> None:
    write(lab / "ab.crn", "A -> B\n")
    dmp("compile", lab / "ab.crn", "--scheme", "soloveichik2010", "--out", lab / "dsd")
    dmp("verify", lab / "dsd")
    dmp("design", lab / "dsd", "--candidate", 0, "--out", lab / "cand" / "0.json")


def _datasets(lab: Path) -> None:
    import yaml
    from PIL import Image

    image = Image.new("L", (4, 3), 255)
    for xy in ((0, 0), (1, 0), (1, 1), (2, 2)):
        image.putpixel(xy, 0)
    image.save(lab / "pattern.png")
    config = {
        "seed": 1,
        "datasets": {
            "iris": {"loader": "iris", "hidden": [2]},
            "pat": {"loader": "pattern", "path": "pattern.png", "hidden": [2], "split": "all", "scaling": "none"},
        },
        "training": {"epochs": 2, "patience": 1},
    }
    write(lab / "config.yaml", yaml.safe_dump(config))
    dmp("dataset", "--config", lab / "config.yaml", "--dataset", "iris", "--out-dir", lab / "iris")
    dmp("dataset", "--config", lab / "config.yaml", "--dataset", "pat", "--out-dir", lab / "pat")


def make_lab(lab: Path) -> Path:
    """Every good file the cases start from (bad ones are made by the cases' own `files`)."""
    lab.mkdir(parents=True, exist_ok=True)
    _networks(lab)
    _dsd(lab)
    _datasets(lab)
    return lab


@dataclass
class Outcome:
    returncode: int | None  # None: killed at the time limit
    stdout: str
    stderr: str
    seconds: float
    left: list[str]  # files created or changed in the case's output folder

    @property
    def lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file() and not p.is_symlink()
    }


def run_case(argv: list[str], out: Path, cwd: Path, fsize: int | None = None) -> Outcome:
    """Run `dmp ARGV` with limits; list what it left in `out` that was not there before."""

    def limits() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
        if fsize is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
        os.nice(5)

    before = _snapshot(out)
    started = time.monotonic()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "dmp", *argv],
            capture_output=True,
            text=True,
            cwd=cwd,
            timeout=TIMEOUT_S,
            preexec_fn=limits,  # noqa: PLW1509 (no threads in the child before exec)
            stdin=subprocess.DEVNULL,
        )
        code, stdout, stderr = result.returncode, result.stdout, result.stderr
    except subprocess.TimeoutExpired as exc:
        code, stdout, stderr = None, str(exc.stdout or ""), str(exc.stderr or "")
    after = _snapshot(out)
    left = sorted(k for k, v in after.items() if before.get(k) != v)
    return Outcome(code, stdout, stderr, time.monotonic() - started, left)


# ---------------------------------------------------------------------------- a case's own files


def _derived(spec: tuple, source: Path) -> str | bytes:  # type: ignore[type-arg]
    """A bad file made from a good one of the lab."""
    kind, args = spec[0], spec[2:]
    text = source.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    if kind == "head":
        return "".join(lines[: args[0]])
    if kind == "truncate":
        return text[: args[0]]
    if kind == "replace":
        return text.replace(args[0], args[1])
    if kind == "grep-v":
        return "".join(line for line in lines if args[0] not in line)
    if kind == "scale":  # every feature value of a data table times a factor
        rows = [lines[0]] + [
            ",".join([r.split(",")[0], *(repr(float(v) * args[0]) for v in r.strip().split(",")[1:])]) + "\n"
            for r in lines[1:]
        ]
        return "".join(rows)
    if kind == "cell":  # data row args[0] (1-based after the header), first feature := args[1]
        cells = lines[args[0]].rstrip("\n").split(",")
        cells[1] = args[1]
        lines[args[0]] = ",".join(cells) + "\n"
        return "".join(lines)
    data = json.loads(text)
    if kind == "zero-scale":
        data["scaling"]["scale"][1] = 0.0
    elif kind == "nan-offset":
        return json.dumps(data).replace('"offset": [', '"offset": [NaN, ', 1)
    elif kind == "bad-domain":
        name = next(iter(data["domains"]))
        data["domains"][name] = "X" * len(data["domains"][name])
    return json.dumps(data)


def prepare(case: Any, folder: Path, lab: Path) -> None:
    """Make the case's own input files in its folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, spec in case.files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(spec, str | bytes):
            write(path, spec)
        elif spec == DIR:
            path.mkdir()
        elif spec == FIFO:
            os.mkfifo(path)
        elif spec[0] == "link":
            os.symlink(spec[1], path)
        elif spec[0] == "copy":
            source = Path(spec[1].format(L=lab))
            if source.is_dir():
                shutil.copytree(source, path, dirs_exist_ok=True)
            else:
                shutil.copy(source, path)
        elif spec[0] == "image":
            from PIL import Image

            image = Image.new("1", spec[1:], 1)
            image.putpixel((0, 0), 0)
            image.save(path)
        else:
            write(path, _derived(spec, Path(spec[1].format(L=lab))))


def argv_of(case: Any, folder: Path, lab: Path) -> list[str]:
    """The command line of a case, its placeholders filled in."""
    return [w.format(L=lab, O=folder, B=BASELINE) for w in shlex.split(case.argv)]


def non_finite_output(folder: Path) -> str | None:
    """A JSON or table file in `folder` holding NaN or infinity, or None."""
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".csv", ".tsv"):
            text = path.read_text(encoding="utf-8", errors="replace")
            if "NaN" in text or "Infinity" in text or ",nan" in text or ",inf" in text:
                return str(path)
    return None


def run_cases(cases: list[Any], lab: Path, workers: int = 3) -> dict[str, Outcome]:
    """Every case that can run here (those needing the baseline results only where they exist), `workers` at a time."""
    from concurrent.futures import ThreadPoolExecutor

    def one(case: Any) -> tuple[str, Outcome]:
        folder = lab / "cases" / case.id
        prepare(case, folder, lab)
        return case.id, run_case(argv_of(case, folder, lab), folder, lab, case.fsize)

    runnable = [c for c in cases if not c.needs_baseline or BASELINE.is_dir()]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return dict(pool.map(one, runnable))
