"""Benchmark: how each stage's cost grows from IRIS-size to MNIST-size ternary networks.

Runs every stage as a user (and the Snakemake rules) run it: one `dmp` CLI process per step, in a
fresh work folder, and records per step the wall time, the CPU time and the peak resident memory
of the process (os.wait4's rusage of that process, run from a small launcher process: ru_maxrss,
which covers the step and the processes it waited for). Steps:

    dmp dataset, dmp train, dmp crn (full + reduced),
    dmp evaluate (formal level, batched engine, --jobs 1) on the whole test set, full and reduced CRN,
    per scheme: dmp compile (the full CRN, dsd.crn's default), dmp verify (all modules in one process;
    the workflow splits them into dsd.chunks jobs), dmp design --candidate 0 (one sequence candidate).

Networks (ternary ReLU nets trained by `dmp train`; the number of epochs is set by --epochs with
one restart, so training times are per short run and scale with the epochs a user sets):

    iris    4-4-3      scikit-learn's IRIS
    virus   10-8-4     the GSE73072 tables (../shared/data), skipped when absent
    digits  64-32-10   scikit-learn's 8x8 digits
    mnist64 196-64-10  an MNIST stand-in (no MNIST on this machine): scikit-learn's digits,
    mnist100 196-100-10  each 8x8 image upsampled 3x (nearest) to 24x24, framed to 28x28 like
                       MNIST's 20x20-in-28x28 digits, shifted by up to 2 pixels at random and written
                       as the four MNIST IDX files with MNIST's counts (60k train, 10k test; train images
                       drawn from the first 1,500 digits, test images from the other 297); the mnist
                       loader then pools 28x28 -> 14x14 as for the paper's net. Same shapes and counts
                       as MNIST, so data-size-dependent costs (training, whole-test-set simulation) are
                       MNIST's; the images are simpler.

Sequence design is the expensive step: each step has a time cap (--timeout); a design run that
hits it is recorded as timed out, and the larger networks are not attempted for that scheme.
For every network and scheme the ordering cost of the DSD stage's strands.tsv is estimated from a
per-nucleotide price plus a per-strand PAGE surcharge (gate strands and strands longer than 60 nt
get PAGE, as `seq.order` does by default); the prices are CLI arguments and are an estimate.

Power laws seconds = a * reactions^b (x: reactions of the full formal CRN) are fitted per step by
least squares in log-log space over the networks where the step finished.

Usage:

    python benchmarks/scaling_benchmark.py [--sizes iris,virus,digits,mnist64,mnist100] [--skip-seq]
        [--timeout 900] [--epochs 10] [--out-dir benchmarks/results] [--work DIR]

Writes OUT_DIR/scaling.json, scaling.tsv and scaling.png (the JSON after every step, so an
interrupted run keeps what it measured).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dmp.crn.io import read_crn  # noqa: E402

SCHEMES = ("soloveichik2010", "cardelli2011_NM_noGC")
NETS: dict[str, dict[str, Any]] = {
    "iris": {"layers": "4-4-3", "loader": "iris", "hidden": [4], "split": {"train": 0.7, "val": 0.1, "test": 0.2}},
    "virus": {
        "layers": "10-8-4",
        "loader": "virus",
        "hidden": [8],
        "split": {"train": 0.8, "val": 0.05, "test": 0.15},
        "scaling": "standard",
    },
    "digits": {
        "layers": "64-32-10",
        "loader": "digits",
        "hidden": [32],
        "split": {"train": 0.75, "val": 0.1, "test": 0.15},
        "scaling": "minmax",
    },
    "mnist64": {"layers": "196-64-10", "loader": "mnist", "hidden": [64]},
    "mnist100": {"layers": "196-100-10", "loader": "mnist", "hidden": [100]},
}
MNIST_SPLIT = {"train": 0.714285714, "val": 0.142857143, "test": 0.142857143}
# Order-cost defaults: an ESTIMATE, not a quote. Typical list prices of custom DNA oligos at 25 nmol
# scale with standard desalting are about $0.10-0.20 per nucleotide; PAGE purification adds a flat
# per-strand charge of the order of $50-70. Pass your vendor's prices with --price-per-nt/--page-surcharge.
PRICE_PER_NT = 0.15
PAGE_SURCHARGE = 60.0
PAGE_OVER_NT = 60  # seq.order.long_nt: longer strands get PAGE, as do gate strands


def write_idx(path: Path, array: np.ndarray) -> None:
    """An IDX file as MNIST ships it: magic 0x0000080N (unsigned bytes, N dims), big-endian sizes, data."""
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    path.write_bytes(header + np.ascontiguousarray(array, dtype=np.uint8).tobytes())


def mnist_standin(folder: Path, n_train: int, n_test: int, seed: int) -> dict[str, Any]:
    """Write the four MNIST IDX files with digits upsampled to 28x28 (see the module docstring)."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = np.kron(digits.images, np.ones((3, 3))) * (255.0 / 16.0)  # 8x8 -> 24x24, 0-16 -> 0-255
    images = np.pad(images, ((0, 0), (2, 2), (2, 2)))  # 28x28 with a 2-pixel frame
    rng = np.random.default_rng(seed)
    held_out = 1500
    folder.mkdir(parents=True, exist_ok=True)
    for prefix, count, pool in (("train", n_train, np.arange(held_out)), ("t10k", n_test, np.arange(held_out, 1797))):
        pick = rng.choice(pool, size=count)
        shifts = rng.integers(-2, 3, size=(count, 2))
        out = np.empty((count, 28, 28), dtype=np.uint8)
        for k, (i, (dr, dc)) in enumerate(zip(pick, shifts, strict=True)):
            out[k] = np.roll(images[i], (dr, dc), axis=(0, 1)).round().clip(0, 255)
        write_idx(folder / f"{prefix}-images-idx3-ubyte", out)
        write_idx(folder / f"{prefix}-labels-idx1-ubyte", digits.target[pick].astype(np.uint8))
    return {
        "source": "scikit-learn digits, 8x8 -> 24x24 (3x nearest) framed to 28x28, random shifts of up to 2 px",
        "train_images": n_train,
        "test_images": n_test,
        "seed": seed,
    }


# A small Python process runs each step and reports that step's own rusage. Running the step
# straight from this (larger) process would count this process's pages in the step's ru_maxrss:
# Linux keeps the high-water mark of the forked image across exec.
LAUNCHER = """
import json, os, signal, subprocess, sys, time
report, timeout, log, cmd = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4:]
started = time.perf_counter()
with open(log, "w") as fh:
    proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
timed_out = False
while True:
    pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
    if pid:
        break
    if time.perf_counter() - started > timeout:
        os.killpg(proc.pid, signal.SIGKILL)
        pid, status, usage = os.wait4(proc.pid, 0)
        timed_out = True
        break
    time.sleep(0.02)
seconds = time.perf_counter() - started
proc.returncode = os.waitstatus_to_exitcode(status)
record = {"seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime, "maxrss_kb": usage.ru_maxrss,
          "exit": proc.returncode, "timed_out": timed_out}
with open(report, "w") as fh:
    json.dump(record, fh)
"""


def run_step(cmd: list[str], log: Path, timeout: float, cwd: Path) -> dict[str, Any]:
    """Run one CLI step; wall and CPU seconds, peak RSS (MB) of the step's process (and those it waited for)."""
    report = log.with_suffix(".rusage.json")
    subprocess.run([sys.executable, "-c", LAUNCHER, str(report), str(timeout), str(log), *cmd], cwd=cwd, check=True)
    measured = json.loads(report.read_text())
    record = {
        "seconds": round(measured["seconds"], 2),
        "cpu_seconds": round(measured["cpu_seconds"], 2),
        "peak_rss_mb": round(measured["maxrss_kb"] / 1024, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    if measured["timed_out"]:
        record["status"] = f"timed out after {timeout:g} s"
    elif measured["exit"] != 0:
        tail = log.read_text().strip().splitlines()[-1:] or [""]
        record["status"] = f"failed (exit {measured['exit']}): {tail[0][:300]}"
    else:
        record["status"] = "ok"
    return record


def order_cost(dsd_dir: Path, price_per_nt: float, page_surcharge: float) -> dict[str, Any]:
    """Strands, nucleotides and estimated ordering cost from a compiled folder's strands.tsv and gates.tsv."""
    with (dsd_dir / "gates.tsv").open() as fh:
        multi = {row["name"] for row in csv.DictReader(fh, delimiter="\t") if len(row["strands"].split()) > 1}
    strands = nt = page = 0
    with (dsd_dir / "strands.tsv").open() as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            length = int(row["length_nt"])
            strands += 1
            nt += length
            if length > PAGE_OVER_NT or any(c in multi for c in row["complexes"].split()):
                page += 1
    return {
        "strands": strands,
        "nucleotides": nt,
        "page_strands": page,
        "usd_estimate": round(nt * price_per_nt + page * page_surcharge),
    }


def fit_power_law(xs: list[float], ys: list[float]) -> dict[str, float] | None:
    """y = a * x^b by least squares on log y vs log x; None with fewer than 2 points (2 points: a rough slope)."""
    if len(xs) < 2:
        return None
    b, log_a = np.polyfit(np.log(xs), np.log(ys), 1)
    return {"exponent": round(float(b), 3), "prefactor": float(f"{np.exp(log_a):.4g}"), "points": len(xs)}


class Benchmark:
    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        self.args = args
        self.work = work
        self.dmp = [sys.executable, "-m", "dmp"]
        self.config = work / "config.yaml"
        self.result: dict[str, Any] = {
            "what": "wall time, CPU time and peak RSS of each dmp CLI step as a user runs it, per network size",
            "machine": {
                "cores": len(os.sched_getaffinity(0)),
                "python": platform.python_version(),
                "note": "2 cores shared with other jobs: see each step's load_average; cpu_seconds is less noisy",
            },
            "settings": {
                "epochs": args.epochs,
                "restarts": 1,
                "timeout_seconds": args.timeout,
                "schemes": list(SCHEMES),
                "dsd_crn": "full",
                "evaluate": "formal level, batched ODE engine, --jobs 1, whole test set",
                "design": "one candidate (--candidate 0) per scheme; sizes above a timed-out one are not attempted",
            },
            "prices": {
                "usd_per_nt": args.price_per_nt,
                "page_surcharge_usd_per_strand": args.page_surcharge,
                "page_rule": f"strands of multi-strand gate complexes and strands longer than {PAGE_OVER_NT} nt",
                "source": "ESTIMATE: assumed typical list prices of custom DNA oligos (25 nmol scale, standard "
                "desalting about $0.10-0.20/nt; PAGE a flat per-strand surcharge), not a vendor quote; "
                "set --price-per-nt and --page-surcharge to your vendor's prices",
            },
            "nets": {},
            "fits": {},
        }

    def save(self) -> None:
        out = Path(self.args.out_dir)
        out.mkdir(parents=True, exist_ok=True)
        (out / "scaling.json").write_text(json.dumps(self.result, indent=2) + "\n")

    def write_config(self, names: list[str]) -> None:
        base = yaml.safe_load((ROOT / "config.yaml").read_text())
        datasets = {}
        for name in names:
            net = NETS[name]
            entry: dict[str, Any] = {"loader": net["loader"], "hidden": net["hidden"]}
            if net["loader"] == "virus":
                entry["path"] = str((ROOT / base["datasets"]["virus"]["path"]).resolve())
            if net["loader"] == "mnist":
                entry.update(path=str(self.work / "mnist"), downsample=2, scaling="minmax_global", split=MNIST_SPLIT)
                entry["training"] = {"batch_size": 128}
            else:
                entry.update(split=net["split"], scaling=net.get("scaling", "standard"))
            datasets[name] = entry
        base["datasets"] = datasets
        base["training"].update(epochs=self.args.epochs, patience=self.args.epochs, restarts=1)
        self.config.write_text(yaml.safe_dump(base, sort_keys=False))

    def step(self, name: str, stage: str, args: list[str], timeout: float | None = None) -> dict[str, Any]:
        net = self.result["nets"][name]
        log = self.work / name / "logs" / f"{stage}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        record = run_step([*self.dmp, *args], log, timeout or self.args.timeout, self.work)
        net["stages"][stage] = record
        print(
            f"{name:9s} {stage:32s} {record['status']:>8s} {record['seconds']:9.2f} s "
            f"{record['cpu_seconds']:9.2f} cpu-s {record['peak_rss_mb']:8.1f} MB",
            flush=True,
        )
        self.save()
        return record

    def pipeline(self, name: str) -> None:
        """Every step but sequence design for one network."""
        d = self.work / name
        cfg = ["--config", str(self.config), "--dataset", name]
        net = self.result["nets"].setdefault(name, {"layers": NETS[name]["layers"], "stages": {}, "sizes": {}})
        sizes = net["sizes"]
        if self.step(name, "dataset", ["dataset", *cfg, "--out-dir", str(d / "data")])["status"] != "ok":
            return
        split = json.loads((d / "data" / "split.json").read_text())
        sizes["examples"] = split.get("sizes")
        model = d / "model" / "model.json"
        train = ["train", *cfg, "--data-dir", str(d / "data"), "--out", str(model)]
        train += ["--history", str(d / "model" / "history.tsv"), "--curves", str(d / "model" / "curves.png")]
        if self.step(name, "train", train)["status"] != "ok":
            return
        m = json.loads(model.read_text())
        weights = [np.asarray(layer["weights"]) for layer in m["layers"]]
        sizes["weights"] = int(sum(w.size for w in weights))
        sizes["nonzero_weights"] = int(sum(np.count_nonzero(w) for w in weights))
        sizes["epochs_run"] = m.get("epochs_run")
        sizes["test_accuracy"] = m.get("metrics", {}).get("test_accuracy")
        if self.step(name, "crn", ["crn", str(model), *cfg, "--out-dir", str(d / "crn")])["status"] != "ok":
            return
        for kind in ("full", "reduced"):
            crn = read_crn(d / "crn" / f"{kind}.crn")
            sizes[f"{kind}_reactions"] = len(crn.reactions)
            sizes[f"{kind}_species"] = len(crn.species)
        test_examples = int(sizes["examples"]["test"])
        parts = max(1, -(-test_examples // self.args.eval_examples))  # ceil
        for kind in ("full", "reduced"):
            out = d / "simulation" / f"{kind}_outputs.tsv"
            args = ["evaluate", "--crn", str(d / "crn" / f"{kind}.crn"), "--species", str(d / "crn" / "species.json")]
            args += ["--model", str(model), "--data", str(d / "data" / "test.csv"), *cfg, "--jobs", "1"]
            if parts > 1:  # as the workflow's evaluate_chunk rule runs it: chunk 0 of `parts`
                args += ["--chunk", "0", "--of", str(parts)]
                table = out.parent / "chunks" / f"{out.stem}.0-of-{parts}.tsv"
            else:
                table = out
            record = self.step(name, f"evaluate_{kind}", [*args, "--out", str(table)])
            if record["status"] == "ok":
                examples = sum(1 for _ in table.open()) - 1
                record["examples"] = examples
                record["seconds_per_example"] = round(record["seconds"] / examples, 5)
                record["cpu_seconds_per_example"] = round(record["cpu_seconds"] / examples, 5)
                record["whole_test_set_examples"] = test_examples
                record["whole_test_set_seconds"] = round(record["seconds_per_example"] * test_examples, 1)
                if parts > 1:
                    record["whole_test_set_note"] = (
                        f"measured on chunk 0 of {parts} ({examples} of {test_examples} examples), "
                        "extrapolated linearly (examples are independent)"
                    )
                self.save()
        for scheme in SCHEMES:
            dsd = d / "dsd" / scheme
            args = ["compile", str(d / "crn" / "full.crn"), "--scheme", scheme, "--out", str(dsd), *cfg]
            if self.step(name, f"compile_{scheme}", args)["status"] != "ok":
                continue
            sizes[f"order_{scheme}"] = order_cost(dsd, self.args.price_per_nt, self.args.page_surcharge)
            if self.step(name, f"verify_{scheme}", ["verify", str(dsd)])["status"] == "ok":
                summary = json.loads((dsd / "summary.json").read_text())
                sizes[f"dsd_{scheme}"] = {
                    k: summary.get(k)
                    for k in (
                        "modules",
                        "distinct_module_shapes",
                        "complexes",
                        "strands",
                        "domains",
                        "nucleotides",
                        "implementation_species",
                        "implementation_reactions",
                        "verified",
                    )
                }
            self.save()

    def design(self, names: list[str]) -> None:
        for scheme in SCHEMES:
            stopped = None
            for name in names:
                net = self.result["nets"].get(name, {})
                stage = f"design_{scheme}"
                if net.get("stages", {}).get(f"compile_{scheme}", {}).get("status") != "ok":
                    continue
                if stopped:
                    net["stages"][stage] = {"status": f"not attempted: {stopped}"}
                    self.save()
                    continue
                d = self.work / name
                candidate = d / "sequences" / scheme / "candidates" / "0.json"
                args = ["design", str(d / "dsd" / scheme), "--candidate", "0", "--out", str(candidate)]
                record = self.step(name, stage, [*args, "--config", str(self.config), "--dataset", name])
                if record["status"] != "ok":
                    stopped = f"the smaller {name} ({NETS[name]['layers']}) {record['status']}"


def fit_all(result: dict[str, Any]) -> None:
    """Power-law fits per step over the networks where the step finished.

    `all`: every size. `large`: the three largest sizes measured, where a step's fixed cost (process
    start-up and imports, 0.5-5 s) no longer hides how it grows; use these to extrapolate upwards.
    """
    stages = sorted({s for net in result["nets"].values() for s in net["stages"]})
    sizes = sorted(n["sizes"]["full_reactions"] for n in result["nets"].values() if "full_reactions" in n["sizes"])
    large_from = sizes[-3] if len(sizes) >= 3 else 0
    fits: dict[str, Any] = {}
    for stage in stages:
        points = [
            (net["sizes"]["full_reactions"], net["stages"][stage])
            for net in result["nets"].values()
            if stage in net["stages"] and net["stages"][stage]["status"] == "ok" and "full_reactions" in net["sizes"]
        ]
        if stage.startswith("evaluate"):  # per example: the test-set size is a separate factor
            keys = ("seconds_per_example", "cpu_seconds_per_example", "peak_rss_mb")
        else:
            keys = ("seconds", "cpu_seconds", "peak_rss_mb")
        fits[stage] = {}
        for subset, chosen in (("all", points), ("large", [p for p in points if p[0] >= large_from])):
            xs = [x for x, _ in chosen]
            fits[stage][subset] = {key: fit_power_law(xs, [max(r[key], 1e-3) for _, r in chosen]) for key in keys}
    result["fits"] = {
        "x": "reactions of the full formal CRN",
        "model": "y = prefactor * x^exponent, least squares in log-log space",
        "large_from_reactions": large_from,
        "note": "dataset and train cost follows examples x epochs (the MNIST stand-in has 60k training images, "
        "the others at most 1.8k), not the CRN: their exponents describe these datasets, not a law in reactions. "
        "evaluate is fitted per test example; multiply by the test-set size.",
        **fits,
    }


def write_table(result: dict[str, Any], path: Path) -> None:
    header = ["net", "layers", "full_reactions", "reduced_reactions", "full_species", "nonzero_weights", "stage"]
    header += ["status", "seconds", "cpu_seconds", "peak_rss_mb", "modules", "strands", "nt", "order_usd_estimate"]
    lines = ["\t".join(header)]
    for name, net in result["nets"].items():
        s = net["sizes"]
        for stage, r in net["stages"].items():
            scheme = next((x for x in SCHEMES if stage.endswith(x)), None)
            dsd = s.get(f"dsd_{scheme}", {}) if scheme else {}
            order = s.get(f"order_{scheme}", {}) if scheme else {}
            row = [name, net["layers"], s.get("full_reactions"), s.get("reduced_reactions"), s.get("full_species")]
            row += [s.get("nonzero_weights"), stage, r["status"], r.get("seconds"), r.get("cpu_seconds")]
            row += [r.get("peak_rss_mb"), dsd.get("modules"), order.get("strands"), order.get("nucleotides")]
            row += [order.get("usd_estimate")]
            lines.append("\t".join("" if v is None else str(v) for v in row))
    path.write_text("\n".join(lines) + "\n")


def plot(result: dict[str, Any], path: Path) -> None:
    """Log-log: seconds and peak RSS per step against the full CRN's reactions; x marks a timed-out step."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    nets = [n for n in result["nets"].values() if "full_reactions" in n["sizes"]]
    stages = sorted({s for n in nets for s in n["stages"] if s != "dataset"})
    families = ["train", "crn", "evaluate", "compile", "verify", "design"]
    fig, axes = plt.subplots(1, 3, figsize=(19, 8))
    panels = (("seconds", axes[0]), ("seconds_per_example", axes[1]), ("peak_rss_mb", axes[2]))
    for stage in stages:
        family = stage.split("_")[0]
        color = plt.get_cmap("tab10")(families.index(family) if family in families else 9)
        style = "--" if stage.endswith(("reduced", "cardelli2011_NM_noGC")) else "-"
        for key, ax in panels:
            if (key == "seconds_per_example") != (family == "evaluate") and key != "peak_rss_mb":
                continue
            pts = [(n["sizes"]["full_reactions"], n["stages"][stage]) for n in nets if stage in n["stages"]]
            ok = [(x, r[key]) for x, r in pts if r["status"] == "ok"]
            late = [(x, r[key]) for x, r in pts if r["status"].startswith("timed out") and key in r]
            fits = result.get("fits", {}).get(stage) or {}
            fit, which = (fits.get("large") or {}).get(key), "largest 3"
            if fit is None:
                fit = (fits.get("all") or {}).get(key)
                which = f"{fit['points']} sizes" if fit else ""
            label = stage + (f" (b = {fit['exponent']:.2f}, {which})" if fit else "")
            if ok:
                ax.plot(*zip(*ok, strict=True), "o" + style, color=color, label=label, ms=4)
            if late:
                ax.plot(*zip(*late, strict=True), "x", color=color, ms=10, mew=2)
    titles = (
        "wall time per dmp step (x: timed out at the cap)",
        "dmp evaluate: wall seconds per test example",
        "peak memory (RSS) per dmp step",
    )
    for ax, title, unit in zip(axes, titles, ("seconds", "seconds per example", "MB"), strict=True):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("reactions in the full formal CRN")
        ax.set_ylabel(unit)
        ax.set_title(title, fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
        for n in nets:
            ax.axvline(n["sizes"]["full_reactions"], color="grey", lw=0.5, alpha=0.5)
            ax.annotate(
                n["layers"],
                (n["sizes"]["full_reactions"], 0.01),
                xycoords=("data", "axes fraction"),
                rotation=90,
                va="bottom",
                ha="right",
                fontsize=7,
                color="grey",
            )
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def report(result: dict[str, Any], out: Path) -> None:
    """Fits, table and figure from the measured steps; prints the exponents."""
    fit_all(result)
    out.mkdir(parents=True, exist_ok=True)
    (out / "scaling.json").write_text(json.dumps(result, indent=2) + "\n")
    write_table(result, out / "scaling.tsv")
    plot(result, out / "scaling.png")
    print("\nfitted power laws y ~ x^b (x = reactions of the full formal CRN); b over all sizes / the largest 3")
    for stage, fit in result["fits"].items():
        if not isinstance(fit, dict):
            continue
        key = "seconds_per_example" if stage.startswith("evaluate") else "seconds"
        b = {
            (subset, k): (fit[subset][k] or {}).get("exponent", float("nan"))
            for subset in ("all", "large")
            for k in (key, "peak_rss_mb")
        }
        print(
            f"  {stage:30s} {key:19s} b = {b['all', key]:5.2f} / {b['large', key]:5.2f}"
            f"   peak RSS b = {b['all', 'peak_rss_mb']:5.2f} / {b['large', 'peak_rss_mb']:5.2f}"
        )
    print(f"wrote {out / 'scaling.json'}, {out / 'scaling.tsv'}, {out / 'scaling.png'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(NETS), help=f"networks, comma-separated, of {', '.join(NETS)}")
    parser.add_argument("--skip-seq", action="store_true", help="leave out sequence design")
    parser.add_argument("--timeout", type=float, default=900.0, help="cap in seconds per step (default 900)")
    parser.add_argument("--epochs", type=int, default=10, help="training epochs, one restart (default 10)")
    parser.add_argument(
        "--eval-examples",
        type=int,
        default=500,
        help="simulate larger test sets as chunk 0 of ceil(test/N) (as the workflow's chunk jobs) and "
        "extrapolate per example (default 500)",
    )
    parser.add_argument("--mnist-train", type=int, default=60000, help="training images of the MNIST stand-in")
    parser.add_argument("--mnist-test", type=int, default=10000, help="test images of the MNIST stand-in")
    parser.add_argument("--price-per-nt", type=float, default=PRICE_PER_NT, help="USD per nucleotide (estimate)")
    parser.add_argument("--page-surcharge", type=float, default=PAGE_SURCHARGE, help="USD per PAGE-purified strand")
    parser.add_argument("--out-dir", default=str(ROOT / "benchmarks" / "results"))
    parser.add_argument("--work", help="work folder to keep (default: a temporary folder, removed afterwards)")
    parser.add_argument(
        "--replot", action="store_true", help="only redo fits, table and figure from OUT_DIR/scaling.json"
    )
    args = parser.parse_args()
    if args.replot:
        report(json.loads((Path(args.out_dir) / "scaling.json").read_text()), Path(args.out_dir))
        return 0

    names = [n.strip() for n in args.sizes.split(",") if n.strip()]
    unknown = [n for n in names if n not in NETS]
    if unknown:
        parser.error(f"unknown sizes {unknown}; choose from {', '.join(NETS)}")
    names = [n for n in NETS if n in names]  # smallest first
    virus = (ROOT / "../shared/data/virus_gse73072").resolve()
    if "virus" in names and not virus.is_dir():
        print(f"skipping virus: {virus} not found", file=sys.stderr)
        names.remove("virus")

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.work) if args.work else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        bench = Benchmark(args, work)
        if any(NETS[n]["loader"] == "mnist" for n in names):
            bench.result["mnist_standin"] = mnist_standin(work / "mnist", args.mnist_train, args.mnist_test, 2020)
        bench.write_config(names)
        for name in names:
            bench.pipeline(name)
        if not args.skip_seq:
            bench.design(names)
        report(bench.result, Path(args.out_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
