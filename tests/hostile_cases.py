"""The case table of tests/test_hostile.py: hostile or unusual input to every `dmp` subcommand.

E(id, argv, *says): an error: exit 1, one line `dmp: error: ...` holding every fragment of `says`
(written here from what the message must name, never copied from a run), nothing written.
W(id, argv, *says): valid but unusual: exit 0 with `dmp: warning:` lines holding `says`.
K(id, argv): valid: exit 0, no warning, no NaN written.
In argv and says, {L} is the lab (tests/hostile_lab.py), {O} the case's own folder (where its
`files` are made before the run and where its outputs go) and {B} the baseline results.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import yaml
from hostile_lab import DIR, FIFO, MODEL, variant


def link(target: str) -> tuple[str, str]:
    return ("link", target)


def copy(source: str) -> tuple[str, str]:
    return ("copy", source)


@dataclass(frozen=True)
class Case:
    id: str
    kind: str  # error | warning | ok
    argv: str  # shell words
    says: tuple[str, ...] = ()
    files: dict[str, Any] = field(default_factory=dict)  # made in {O} before the run
    fsize: int | None = None  # a disk that fills up after this many bytes per file
    needs_baseline: bool = False


def E(cid: str, argv: str, *says: str, **kw: Any) -> Case:
    return Case(cid, "error", argv, says, **kw)


def W(cid: str, argv: str, *says: str, **kw: Any) -> Case:
    return Case(cid, "warning", argv, says, **kw)


def K(cid: str, argv: str, **kw: Any) -> Case:
    return Case(cid, "ok", argv, **kw)


def cfg(data: dict[str, Any], datasets: dict[str, Any] | None = None) -> str:
    """config.yaml text: dataset t (iris, hidden [2]) or `datasets`, plus global sections `data`."""
    return yaml.safe_dump({"datasets": datasets or {"t": {"loader": "iris", "hidden": [2]}}, **data})


def model(**changes: Any) -> str:
    return json.dumps(variant(**changes))


def bias(value: str) -> str:
    """MODEL's text with the first layer's first bias written as `value` (JSON text, e.g. NaN, 1e400)."""
    return json.dumps(MODEL).replace('"bias": [0, 0]', f'"bias": [{value}, 0]', 1)


def scaling(scale: Any) -> str:
    return model(input_scaling={"method": "none", "offset": [0, 0], "scale": scale})


AB = "A -> B; A @initial 1\n"
PIL = "length a = 7\nlength b = 15\nA = a b\n"
EVAL = "evaluate --crn {L}/crn_m/full.crn --species {L}/crn_m/species.json --model {L}/m.json --data {L}/t.csv"
AGREE = "agreement --model {L}/m.json --data {L}/t.csv --species {L}/crn_m/species.json --crns full={L}/crn_m/full.crn"
NET = "--species {L}/crn_m/species.json --model {L}/m.json --data {L}/t.csv --out-dir {O}/out"
TRAIN = "train --config {L}/config.yaml --dataset iris --out {O}/out/model.json"
PATTERN = "pattern --data-dir {L}/pat --model {L}/pm.json --species {L}/crn_pm/species.json --out-dir {O}/out"
CHECK = "dataset --config {O}/c.yaml --dataset t --check"
DESIGN = "design {O}/s.pil --candidate 0 --out {O}/c.json"
HEAD = "example\tlabel\ty_x\ty_y\tt_stable\tt_90\tconverged\tmin_fuel_fraction\n"
ROW1 = "1\ty\t0\t1\t1\t1\tTrue\tnan\n"
BINARY = bytes(range(256))
YAML_BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)
TRAINSET = {f"data/{p}.csv": copy(f"{{L}}/iris/{p}.csv") for p in ("train", "val", "test")} | {
    "data/split.json": copy("{L}/iris/split.json")
}


# fmt: off
CASES: list[Case] = [
    # ------------------------------------------------------------ the command line itself
    E("no-command", "", "COMMAND"),
    E("unknown-command", "frobnicate", "frobnicate"),
    E("flag-not-a-number", "simulate {L}/ab.crn --t-end soon", "--t-end", "soon"),
    E("missing-required-flag", "simulate {L}/ab.crn", "--t-end"),
    E("unknown-flag", "crn {L}/m.json --out-dir {O}/out --colour red", "--colour"),
    E("choice", "crn {L}/m.json --out-dir {O}/out --inputs triple_rail", "--inputs", "triple_rail"),
    # ------------------------------------------------------------ simulate: numbers on the command line
    E("t-end-inf", "simulate {O}/a.crn --t-end inf", "--t-end", "inf", files={"a.crn": AB}),
    E("t-end-nan", "simulate {O}/a.crn --t-end nan", "--t-end", "nan", files={"a.crn": AB}),
    E("t-end-1e400", "simulate {O}/a.crn --t-end 1e400", "--t-end", files={"a.crn": AB}),
    E("t-end-negative", "simulate {O}/a.crn --t-end -5", "--t-end", "-5", files={"a.crn": AB}),
    E("t-end-zero", "simulate {O}/a.crn --t-end 0", "--t-end", files={"a.crn": AB}),
    W("t-end-1e308", "simulate {O}/a.crn --t-end 1e308 --points 3", "--t-end 1e+308", files={"a.crn": AB}),
    W("t-end-1e-300", "simulate {O}/a.crn --t-end 1e-300 --points 3", "--t-end 1e-300", files={"a.crn": AB}),
    E("points-zero", "simulate {O}/a.crn --t-end 1 --points 0", "--points", files={"a.crn": AB}),
    E("points-huge", "simulate {O}/a.crn --t-end 1 --points 1000000000", "--points", files={"a.crn": AB}),
    E("points-fraction", "simulate {O}/a.crn --t-end 1 --points 2.5", "--points", "2.5", files={"a.crn": AB}),
    E("molecules-zero", "simulate {O}/a.crn --t-end 1 --method ssa --molecules-per-unit 0", "--molecules-per-unit",
      files={"a.crn": AB}),
    E("molecules-huge", "simulate {O}/a.crn --t-end 1 --method ssa --molecules-per-unit 1000000000000",
      "--molecules-per-unit", files={"a.crn": AB}),
    E("seed-negative", "simulate {O}/a.crn --t-end 1 --method ssa --seed -1", "--seed", files={"a.crn": AB}),
    E("seed-huge", "simulate {O}/a.crn --t-end 1 --method ssa --seed 100000000000000000000000", "--seed",
      files={"a.crn": AB}),
    E("ssa-too-many-molecules", "simulate {O}/a.crn --t-end 1 --method ssa --molecules-per-unit 1000000", "a.crn",
      "molecules", files={"a.crn": "A -> B; A @initial 1000000\n"}),
    E("ssa-timeout-nan", "simulate {O}/a.crn --t-end 1 --method ssa --timeout nan", "--timeout", files={"a.crn": AB}),
    # ------------------------------------------------------------ simulate: the .crn file
    E("crn-dev-zero", "simulate /dev/zero --t-end 1", "/dev/zero", "not a regular file"),
    E("crn-folder", "simulate {O}/x.crn --t-end 1", "x.crn", "folder", files={"x.crn": DIR}),
    E("crn-symlink-loop", "simulate {O}/a.crn --t-end 1", "a.crn", "symbolic links",
      files={"a.crn": link("b.crn"), "b.crn": link("a.crn")}),
    E("crn-empty", "simulate {O}/a.crn --t-end 1", "a.crn", "no reactions", files={"a.crn": ""}),
    E("crn-comments-only", "simulate {O}/a.crn --t-end 1", "a.crn", "no reactions", files={"a.crn": "# x\n#\n"}),
    E("crn-binary", "simulate {O}/a.crn --t-end 1", "a.crn", "not a text file", files={"a.crn": BINARY}),
    E("crn-nul-byte", "simulate {O}/a.crn --t-end 1", "a.crn:1", files={"a.crn": "A -> B\x00C\n"}),
    E("crn-concentration-1e400", "simulate {O}/a.crn --t-end 1", "a.crn:1", "concentration of A",
      files={"a.crn": "A -> B; A @initial 1e400\n"}),
    E("crn-rate-1e400", "simulate {O}/a.crn --t-end 1", "a.crn:1", "rate constant", files={"a.crn": "A -> B [k = 1e400]\n"}),
    E("crn-rate-nan", "simulate {O}/a.crn --t-end 1", "a.crn:1", "nan", files={"a.crn": "A -> B [k = nan]\n"}),
    E("crn-stoichiometry-huge", "simulate {O}/a.crn --t-end 1", "a.crn:1", "stoichiometry 1000000",
      files={"a.crn": "1000000 A -> B\n"}),
    E("crn-overflow", "simulate {O}/a.crn --t-end 10", "a.crn", "overflow", files={"a.crn": "2 A -> 3 A; A @initial 1e300\n"}),
    E("crn-ssa-explosion", "simulate {O}/a.crn --t-end 100 --method ssa --timeout 2", "a.crn", "--timeout 2",
      files={"a.crn": "A -> 2 A; A @initial 1\n"}),
    K("crn-crlf-bom-unicode-path", "simulate '{O}/my crn ü.crn' --t-end 1 --points 3 --out '{O}/résultat 1.csv'",
      files={"my crn ü.crn": "\ufeffA -> B\r\nA @initial 1\r\n"}),
    K("crn-fast-rate", "simulate {O}/a.crn --t-end 1 --points 3 --out {O}/a.csv",
      files={"a.crn": "A + B -> C [k = 1e12]; A @initial 1; B @initial 1\n"}),
    # ------------------------------------------------------------ simulate: where the output goes
    E("out-is-folder", "simulate {O}/a.crn --t-end 1 --out {O}/r.csv", "r.csv", "folder", files={"a.crn": AB, "r.csv": DIR}),
    E("out-under-a-file", "simulate {O}/a.crn --t-end 1 --out {O}/plain/r.csv", "plain", "is a file",
      files={"a.crn": AB, "plain": "x"}),
    E("out-is-a-fifo", "simulate {O}/a.crn --t-end 1 --out {O}/pipe", "pipe", "not a regular file",
      files={"a.crn": AB, "pipe": FIFO}),
    E("out-read-only-folder", "simulate {O}/a.crn --t-end 1 --out /sys/dmp-hostile.csv", "/sys/dmp-hostile.csv",
      "Permission denied", files={"a.crn": AB}),
    E("out-disk-full", "simulate {O}/a.crn --t-end 1 --out {O}/r.csv", "r.csv", "cannot write", files={"a.crn": AB}, fsize=100),
    # ------------------------------------------------------------ sbml
    E("sbml-initial-nan", "sbml {O}/a.crn --out {O}/a.xml --initial A=nan", "--initial", "A=nan", files={"a.crn": AB}),
    E("sbml-initial-inf", "sbml {O}/a.crn --out {O}/a.xml --initial A=inf", "--initial", "A=inf", files={"a.crn": AB}),
    E("sbml-initial-negative", "sbml {O}/a.crn --out {O}/a.xml --initial A=-1", "--initial", "A=-1", files={"a.crn": AB}),
    E("sbml-initial-no-value", "sbml {O}/a.crn --out {O}/a.xml --initial A", "--initial", "NAME=", files={"a.crn": AB}),
    E("sbml-initial-unknown-species", "sbml {O}/a.crn --out {O}/a.xml --initial Q=1", "Q", "a.crn", files={"a.crn": AB}),
    E("sbml-crn-dev-zero", "sbml /dev/zero --out {O}/a.xml", "/dev/zero", "not a regular file"),
    E("sbml-out-folder", "sbml {O}/a.crn --out {O}/a.xml", "a.xml", "folder", files={"a.crn": AB, "a.xml": DIR}),
    E("sbml-disk-full", "sbml {O}/a.crn --out {O}/a.xml", "a.xml", "cannot write", files={"a.crn": AB}, fsize=300),
    # ------------------------------------------------------------ crn: flags and model files
    E("rate-nan", "crn {L}/m.json --out-dir {O}/out --rate nan", "--rate", "nan"),
    E("rate-inf", "crn {L}/m.json --out-dir {O}/out --rate inf", "--rate", "inf"),
    E("rate-zero", "crn {L}/m.json --out-dir {O}/out --rate 0", "--rate"),
    E("rate-negative", "crn {L}/m.json --out-dir {O}/out --rate -1", "--rate"),
    E("model-folder", "crn {O}/m.json --out-dir {O}/out", "m.json", "folder", files={"m.json": DIR}),
    E("model-dev-zero", "crn /dev/zero --out-dir {O}/out", "/dev/zero", "not a regular file"),
    E("model-binary", "crn {O}/m.json --out-dir {O}/out", "m.json", "not a text file", files={"m.json": b"\x89PNG\r\n\x1a\n\x00"}),
    E("model-empty", "crn {O}/m.json --out-dir {O}/out", "m.json:1", "invalid JSON", files={"m.json": ""}),
    E("model-truncated", "crn {O}/m.json --out-dir {O}/out", "m.json", "invalid JSON", files={"m.json": json.dumps(MODEL)[:60]}),
    E("model-a-list", "crn {O}/m.json --out-dir {O}/out", "m.json", "not a dmp model file", files={"m.json": "[1, 2]"}),
    E("model-nan-bias", "crn {O}/m.json --out-dir {O}/out", "m.json", "NaN", files={"m.json": bias("NaN")}),
    E("model-1e400-bias", "crn {O}/m.json --out-dir {O}/out", "m.json", "layers[0].bias", files={"m.json": bias("1e400")}),
    E("model-huge-bias", "crn {O}/m.json --out-dir {O}/out", "m.json", "layers[0].bias", files={"m.json": bias("1e300")}),
    E("model-features-twice", "crn {O}/m.json --out-dir {O}/out", "m.json", "feature 'a'",
      files={"m.json": model(features=["a", "a"])}),
    E("model-classes-twice", "crn {O}/m.json --out-dir {O}/out", "m.json", "class 'x'", files={"m.json": model(classes=["x", "x"])}),
    E("model-features-a-string", "crn {O}/m.json --out-dir {O}/out", "m.json", "features", files={"m.json": model(features="ab")}),
    E("model-no-layers", "crn {O}/m.json --out-dir {O}/out", "m.json", "no layers", files={"m.json": model(layers=[])}),
    E("model-empty-layer", "crn {O}/m.json --out-dir {O}/out", "m.json", "layers[0]",
      files={"m.json": model(layers=[{"weights": [], "bias": []}, MODEL["layers"][1]])}),
    E("model-scale-text", "crn {O}/m.json --out-dir {O}/out", "m.json", "input_scaling", files={"m.json": scaling("1")}),
    E("model-scale-tiny", "crn {O}/m.json --out-dir {O}/out", "m.json", "input_scaling", "'b'",
      files={"m.json": scaling([1, 1e-320])}),
    E("crn-out-dir-a-file", "crn {L}/m.json --out-dir {O}/plain", "plain", "is a file", files={"plain": "x"}),
    E("crn-disk-full", "crn {L}/m.json --out-dir {O}/out", "cannot write", fsize=300),
    K("crn-unicode-names", "crn {O}/m.json --out-dir '{O}/out put'",
      files={"m.json": model(features=["long axis (µm)", "ß"], classes=["class one", "ζ"])}),
    # ------------------------------------------------------------ dataset and config.yaml
    E("dataset-without-out-dir", "dataset --config {L}/config.yaml --dataset iris", "--out-dir"),
    E("dataset-unknown", "dataset --config {L}/config.yaml --dataset nope --check", "datasets.nope"),
    E("config-missing", "dataset --config {O}/none.yaml --dataset t --check", "none.yaml", "not found"),
    E("config-empty", CHECK, "c.yaml", "datasets", files={"c.yaml": ""}),
    E("config-a-list", CHECK, "c.yaml", "mapping", files={"c.yaml": "- a\n- b\n"}),
    E("config-tab", CHECK, "c.yaml:2", "YAML", files={"c.yaml": "datasets:\n\tt: {loader: iris, hidden: [2]}\n"}),
    E("config-dev-zero", "dataset --config /dev/zero --dataset t --check", "/dev/zero", "not a regular file"),
    E("config-folder", CHECK, "c.yaml", "folder", files={"c.yaml": DIR}),
    E("config-yaml-bomb", CHECK, "c.yaml", "aliases", files={"c.yaml": YAML_BOMB}),
    E("config-duplicate-dataset", CHECK, "c.yaml:3", "duplicate key 't'",
      files={"c.yaml": "datasets:\n  t: {loader: iris, hidden: [2]}\n  t: {loader: iris, hidden: [3]}\n"}),
    E("config-second-training", CHECK, "c.yaml:7", "'training'", "line 6",
      files={"c.yaml": cfg({}) + "training: {epochs: 3}\ntraining: {epochs: 4}\n"}),
    E("config-nan", CHECK, "c.yaml", "simulation.t_end", files={"c.yaml": cfg({}) + "simulation: {t_end: .nan}\n"}),
    E("config-1e999", CHECK, "c.yaml", "dsd.unit_nM", files={"c.yaml": cfg({}) + "dsd: {unit_nM: 1.0e+999}\n"}),
    E("config-seed-huge", CHECK, "c.yaml", "seed", files={"c.yaml": cfg({"seed": 10**30})}),
    E("dataset-out-under-file", "dataset --config {L}/config.yaml --dataset iris --out-dir {O}/plain/data", "plain",
      "is a file", files={"plain": "x"}),
    E("pattern-not-an-image", "dataset --config {O}/c.yaml --dataset p --out-dir {O}/out", "bad.png",
      files={"bad.png": "not an image\n",
             "c.yaml": cfg({}, {"p": {"loader": "pattern", "path": "bad.png", "hidden": [2], "split": "all"}})}),
    E("pattern-image-huge", "dataset --config {O}/c.yaml --dataset p --out-dir {O}/out", "big.png", "pixels",
      files={"big.png": ("image", 8000, 8000),
             "c.yaml": cfg({}, {"p": {"loader": "pattern", "path": "big.png", "hidden": [2], "split": "all"}})}),
    E("pattern-coordinates-huge", "dataset --config {O}/c.yaml --dataset p --out-dir {O}/out", "coordinate_scale",
      files={"c.yaml": cfg({}, {"p": {"loader": "pattern", "path": "../../pattern.png", "hidden": [2], "split": "all",
                                      "coordinate_scale": 1e300}})}),
    E("virus-binary-table", "dataset --config {O}/c.yaml --dataset v --out-dir {O}/out",
      "icml2020dataset_GSE73072_4labels.csv",
      files={"v/icml2020dataset_GSE73072_4labels.csv": BINARY * 4,
             "v/icml2020dataset_GSE73072_sample.csv": "Accession,Title\n",
             "c.yaml": cfg({}, {"v": {"loader": "virus", "path": "v", "hidden": [2]}})}),
    # ------------------------------------------------------------ train
    E("train-no-data", TRAIN + " --data-dir {O}/none", "split.json", "not found"),
    E("train-data-dir-a-file", TRAIN + " --data-dir {L}/t.csv", "t.csv"),
    E("train-empty-val", TRAIN + " --data-dir {O}/data", "val.csv", "no examples",
      files={**TRAINSET, "data/val.csv": ("head", "{L}/iris/val.csv", 1)}),
    E("train-empty-test", TRAIN + " --data-dir {O}/data", "test.csv", "no examples",
      files={**TRAINSET, "data/test.csv": ("head", "{L}/iris/test.csv", 1)}),
    E("train-huge-features", TRAIN + " --data-dir {O}/data", "train.csv:2",
      files={**TRAINSET, "data/train.csv": ("scale", "{L}/iris/train.csv", 1e300)}),
    E("train-cell-1e400", TRAIN + " --data-dir {O}/data", "train.csv:3", "non-finite",
      files={**TRAINSET, "data/train.csv": ("cell", "{L}/iris/train.csv", 2, "1e400")}),
    E("train-split-zero-scale", TRAIN + " --data-dir {O}/data", "split.json", "scale",
      files={**TRAINSET, "data/split.json": ("zero-scale", "{L}/iris/split.json")}),
    E("train-split-nan", TRAIN + " --data-dir {O}/data", "split.json", "NaN",
      files={**TRAINSET, "data/split.json": ("nan-offset", "{L}/iris/split.json")}),
    E("train-split-a-list", TRAIN + " --data-dir {O}/data", "split.json", files={**TRAINSET, "data/split.json": "[]"}),
    E("train-lr-huge", "train --config {O}/c.yaml --dataset iris --data-dir {L}/iris --out {O}/out/model.json", "training.lr",
      files={"c.yaml": cfg({"training": {"lr": 1e300, "epochs": 2}}, {"iris": {"loader": "iris", "hidden": [2]}})}),
    E("train-network-huge", "train --config {O}/c.yaml --dataset t --data-dir {L}/iris --out {O}/out/model.json",
      "datasets.t.hidden", "4-65536-65536-3", files={"c.yaml": cfg({}, {"t": {"loader": "iris", "hidden": [65536, 65536]}})}),
    E("train-out-folder", TRAIN + " --data-dir {L}/iris", "model.json", "folder", files={"out/model.json": DIR}),
    E("train-history-folder", TRAIN + " --data-dir {L}/iris --history {O}/out/h.tsv", "h.tsv", "folder",
      files={"out/h.tsv": DIR}),
    # ------------------------------------------------------------ evaluate: files that disagree
    E("eval-more-hidden-in-model", EVAL.replace("m.json", "mh.json") + " --out {O}/o.tsv", "species.json", "hidden", "mh.json"),
    E("eval-more-classes-in-model", EVAL.replace("m.json", "mc.json") + " --out {O}/o.tsv", "species.json", "classes", "mc.json"),
    E("eval-crn-of-another-network", EVAL.replace("crn_m/full", "crn_mh/full") + " --out {O}/o.tsv", "crn_mh/full.crn",
      "m.json"),
    E("eval-crn-without-outputs", EVAL.replace("{L}/crn_m/full.crn", "{O}/a.crn") + " --out {O}/o.tsv", "a.crn", "Y",
      files={"a.crn": ("grep-v", "{L}/crn_m/full.crn", "Y")}),
    E("eval-model-other-biases", EVAL.replace("{L}/m.json", "{O}/m.json") + " --out {O}/o.tsv", "full.crn", "m.json",
      files={"m.json": bias("0.5")}),
    E("eval-species-renamed", EVAL.replace("{L}/crn_m/species.json", "{O}/s.json") + " --out {O}/o.tsv", "s.json",
      files={"s.json": ("replace", "{L}/crn_m/species.json", "Y0p", "Q0p")}),
    E("eval-data-wider", EVAL.replace("{L}/t.csv", "{O}/d.csv") + " --out {O}/o.tsv", "d.csv", "'c'",
      files={"d.csv": "label,a,b,c\nx,1,2,3\n"}),
    E("eval-data-narrower", EVAL.replace("{L}/t.csv", "{O}/d.csv") + " --out {O}/o.tsv", "d.csv", "'b'",
      files={"d.csv": "label,a\nx,1\n"}),
    E("eval-data-swapped", EVAL.replace("{L}/t.csv", "{O}/d.csv") + " --out {O}/o.tsv", "d.csv", "order",
      files={"d.csv": "label,b,a\nx,1,2\n"}),
    E("eval-data-nan", EVAL.replace("{L}/t.csv", "{O}/d.csv") + " --out {O}/o.tsv", "d.csv:3",
      files={"d.csv": "label,a,b\nx,1,2\ny,nan,1\n"}),
    E("eval-data-header-only", EVAL.replace("{L}/t.csv", "{O}/d.csv") + " --out {O}/o.tsv", "d.csv", "no examples",
      files={"d.csv": "label,a,b\n"}),
    E("eval-data-dev-zero", EVAL.replace("{L}/t.csv", "/dev/zero") + " --out {O}/o.tsv", "/dev/zero", "not a regular file"),
    E("eval-data-folder", EVAL.replace("{L}/t.csv", "{O}/d.csv") + " --out {O}/o.tsv", "d.csv", "folder",
      files={"d.csv": DIR}),
    E("eval-data-text-cell", EVAL.replace("{L}/t.csv", "{O}/d.csv") + " --out {O}/o.tsv", "d.csv:2", "'b'", "'two'",
      files={"d.csv": "label,a,b\nx,1,two\n"}),
    E("eval-data-huge-values", EVAL.replace("{L}/t.csv", "{O}/d.csv") + " --out {O}/o.tsv", "d.csv:2", "'a'",
      files={"d.csv": "label,a,b\nx,1e300,-1e300\n"}),
    E("eval-model-huge-bias", EVAL.replace("{L}/m.json", "{O}/m.json") + " --out {O}/o.tsv", "m.json", "bias",
      files={"m.json": bias("1e300")}),
    # ------------------------------------------------------------ evaluate: flags and chunks
    E("jobs-zero", EVAL + " --out {O}/o.tsv --jobs 0", "--jobs"),
    E("jobs-negative", EVAL + " --out {O}/o.tsv --jobs -3", "--jobs"),
    E("jobs-huge", EVAL + " --out {O}/o.tsv --jobs 100000", "--jobs"),
    E("chunk-out-of-range", EVAL + " --out {O}/o.tsv --chunk 5 --of 2", "--chunk"),
    E("chunk-without-of", EVAL + " --out {O}/o.tsv --chunk 0", "--of"),
    E("of-zero", EVAL + " --out {O}/o.tsv --chunk 0 --of 0", "--of"),
    E("unit-nm-nan", EVAL + " --out {O}/o.tsv --level dna --unit-nm nan", "--unit-nm"),
    E("unit-nm-huge", EVAL + " --out {O}/o.tsv --level dna --unit-nm 1e300", "--unit-nm"),
    E("unit-nm-zero", EVAL + " --out {O}/o.tsv --level dna --unit-nm 0", "--unit-nm"),
    E("eval-without-inputs", "evaluate --out {O}/o.tsv", "--crn", "--species", "--model", "--data"),
    E("eval-out-folder", EVAL + " --out {O}/o.tsv", "o.tsv", "folder", files={"o.tsv": DIR}),
    E("collect-binary", "evaluate --collect {O}/c.tsv --out {O}/o.tsv", "c.tsv", "not a text file", files={"c.tsv": BINARY}),
    E("collect-empty-file", "evaluate --collect {O}/c.tsv --out {O}/o.tsv", "c.tsv", files={"c.tsv": ""}),
    E("collect-twice", "evaluate --collect {L}/outputs.tsv {L}/outputs.tsv --out {O}/o.tsv", "exactly once"),
    E("collect-example-not-a-number", "evaluate --collect {O}/c.tsv --out {O}/o.tsv", "c.tsv:2", "example",
      files={"c.tsv": HEAD + "zero\tx\t1\t0\t1\t1\tTrue\tnan\n"}),
    E("collect-folder", "evaluate --collect {O}/c.tsv --out {O}/o.tsv", "c.tsv", "folder", files={"c.tsv": DIR}),
    E("collect-dev-zero", "evaluate --collect /dev/zero --out {O}/o.tsv", "/dev/zero", "not a regular file"),
    # ------------------------------------------------------------ agreement
    E("agreement-outputs-nan", AGREE + " --outputs full={O}/o.tsv --out-dir {O}/out", "o.tsv:2", "y_x",
      files={"o.tsv": HEAD + "0\tx\tnan\t0\t1\t1\tTrue\tnan\n" + ROW1}),
    E("agreement-outputs-text", AGREE + " --outputs full={O}/o.tsv --out-dir {O}/out", "o.tsv:2", "y_x",
      files={"o.tsv": HEAD + "0\tx\tbig\t0\t1\t1\tTrue\tnan\n" + ROW1}),
    E("agreement-outputs-missing-column", AGREE + " --outputs full={O}/o.tsv --out-dir {O}/out", "o.tsv", "y_y",
      files={"o.tsv": "example\tlabel\ty_x\n0\tx\t1\n1\ty\t0\n"}),
    E("agreement-outputs-of-another-network", AGREE + " --outputs full={O}/o.tsv --out-dir {O}/out", "o.tsv", "y_z",
      files={"o.tsv": "example\tlabel\ty_x\ty_y\ty_z\n0\tx\t1\t0\t0\n1\ty\t0\t1\t0\n"}),
    E("agreement-outputs-other-labels", AGREE + " --outputs full={O}/o.tsv --out-dir {O}/out", "o.tsv:2", "t.csv",
      files={"o.tsv": HEAD + "0\ty\t1\t0\t1\t1\tTrue\tnan\n1\tx\t0\t1\t1\t1\tTrue\tnan\n"}),
    E("agreement-outputs-empty", AGREE + " --outputs full={O}/o.tsv --out-dir {O}/out", "o.tsv", files={"o.tsv": ""}),
    E("agreement-outputs-binary", AGREE + " --outputs full={O}/o.tsv --out-dir {O}/out", "o.tsv", "not a text file",
      files={"o.tsv": BINARY}),
    E("agreement-outputs-dev-zero", AGREE + " --outputs full=/dev/zero --out-dir {O}/out", "/dev/zero", "not a regular file"),
    E("agreement-outputs-folder", AGREE + " --outputs full={O}/o.tsv --out-dir {O}/out", "o.tsv", "folder",
      files={"o.tsv": DIR}),
    E("agreement-outputs-without-name", AGREE + " --outputs {L}/outputs.tsv --out-dir {O}/out", "--outputs", "NAME=PATH"),
    E("agreement-crn-of-another-network",
      AGREE.replace("crn_m/full", "crn_mh/full") + " --outputs full={L}/outputs.tsv --out-dir {O}/out", "crn_mh/full.crn",
      "m.json"),
    E("agreement-dna-names-differ", AGREE + " --outputs full={L}/outputs.tsv --dna-outputs s={L}/outputs.tsv "
      "--dna-crns t={L}/crn_m/full.crn --out-dir {O}/out", "--dna-crns", "--dna-outputs"),
    E("agreement-out-dir-a-file", AGREE + " --outputs full={L}/outputs.tsv --out-dir {O}/plain", "plain", "is a file",
      files={"plain": "x"}),
    # ------------------------------------------------------------ ssa, rates, pattern
    E("ssa-model-of-another-network", "ssa --crn {L}/crn_m/full.crn " + NET.replace("m.json", "mh.json"), "species.json",
      "mh.json"),
    E("ssa-seed-negative", "ssa --crn {L}/crn_m/full.crn " + NET + " --seed -1", "--seed"),
    E("ssa-data-header-only", "ssa --crn {L}/crn_m/full.crn " + NET.replace("{L}/t.csv", "{O}/d.csv"), "d.csv", "no examples",
      files={"d.csv": "label,a,b\n"}),
    E("ssa-trajectories-huge", "ssa --crn {L}/crn_m/full.crn " + NET + " --config {O}/c.yaml --dataset t",
      "simulation.ssa.trajectories", files={"c.yaml": cfg({"simulation": {"ssa": {"trajectories": 10**9}}})}),
    E("rates-crn-of-another-network", "rates --crns full={L}/crn_mc/full.crn " + NET, "crn_mc/full.crn"),
    E("rates-crns-without-name", "rates --crns {L}/crn_m/full.crn " + NET, "--crns", "NAME=PATH"),
    E("rates-seed-huge", "rates --crns full={L}/crn_m/full.crn " + NET + " --seed 100000000000000000000000", "--seed"),
    E("pattern-upsample-zero", PATTERN + " --crns full={L}/crn_pm/full.crn --upsample 0", "--upsample"),
    E("pattern-upsample-huge", PATTERN + " --crns full={L}/crn_pm/full.crn --upsample 100000", "--upsample"),
    E("pattern-jobs-negative", PATTERN + " --crns full={L}/crn_pm/full.crn --jobs -1", "--jobs"),
    E("pattern-data-not-a-pattern", PATTERN.replace("{L}/pat", "{L}/iris") + " --crns full={L}/crn_pm/full.crn",
      "iris/split.json", "pattern"),
    E("pattern-model-with-three-inputs", PATTERN.replace("pm.json", "m3.json") + " --crns full={L}/crn_pm/full.crn", "m3.json"),
    E("pattern-crn-of-another-network", PATTERN + " --crns full={L}/crn_mh/full.crn", "crn_mh/full.crn"),
    # ------------------------------------------------------------ compile
    E("compile-unknown-scheme", "compile {L}/ab.crn --scheme qian1999 --out {O}/out", "qian1999", "soloveichik2010"),
    E("compile-crn-dev-zero", "compile /dev/zero --scheme soloveichik2010 --out {O}/out", "/dev/zero"),
    E("compile-a-pil-as-crn", "compile {L}/dsd/system.pil --scheme soloveichik2010 --out {O}/out", "system.pil:"),
    E("compile-species-dev-zero", "compile {L}/crn_m/full.crn --scheme soloveichik2010 --out {O}/out --species /dev/zero",
      "/dev/zero"),
    E("compile-species-of-another-network", "compile {L}/crn_mh/full.crn --scheme soloveichik2010 --out {O}/out "
      "--species {L}/crn_m/species.json", "crn_mh/full.crn", "species.json"),
    E("compile-no-reactions", "compile {O}/a.crn --scheme soloveichik2010 --out {O}/out", "a.crn", "no reactions",
      files={"a.crn": "A @initial 1\n"}),
    E("compile-out-a-file", "compile {L}/ab.crn --scheme soloveichik2010 --out {O}/plain", "plain", "is a file",
      files={"plain": "x"}),
    E("compile-disk-full", "compile {L}/ab.crn --scheme soloveichik2010 --out {O}/out", "cannot write", fsize=2000),
    E("compile-fuel-excess-huge", "compile {L}/ab.crn --scheme soloveichik2010 --out {O}/out --config {O}/c.yaml --dataset t",
      "dsd.fuel_excess", files={"c.yaml": cfg({"dsd": {"fuel_excess": 1e300}})}),
    # ------------------------------------------------------------ verify
    E("verify-a-file", "verify {L}/ab.crn", "ab.crn"),
    E("verify-empty-folder", "verify {O}/d", "system.json", "not found", files={"d": DIR}),
    E("verify-system-truncated", "verify {O}/d", "system.json", "invalid JSON",
      files={"d/system.json": ("truncate", "{L}/dsd/system.json", 500)}),
    E("verify-system-a-list", "verify {O}/d", "system.json", files={"d/system.json": "[]"}),
    E("verify-system-garbled", "verify {O}/d", "system.json",
      files={"d/system.json": json.dumps({"system": {"scheme": "x", "modules": "r0"}, "settings": {}})}),
    E("verify-chunk-out-of-range", "verify {L}/dsd --chunk 2 --of 2 --out {O}/c.json", "--chunk"),
    E("verify-of-zero", "verify {L}/dsd --chunk 0 --of 0 --out {O}/c.json", "--of"),
    E("verify-chunk-negative", "verify {L}/dsd --chunk -1 --of 2 --out {O}/c.json", "--chunk"),
    E("verify-chunk-without-out", "verify {L}/dsd --chunk 0 --of 2", "--out"),
    E("verify-collect-garbage", "verify {O}/d --collect {O}/c.json", "c.json", files={"d": copy("{L}/dsd"), "c.json": "[1, 2]"}),
    E("verify-collect-another-system", "verify {O}/d --collect {B}/iris/dsd/soloveichik2010/chunks/0-of-2.json", "0-of-2.json",
      "system.json", files={"d": copy("{L}/dsd")}, needs_baseline=True),
    E("verify-collect-dev-zero", "verify {O}/d --collect /dev/zero", "/dev/zero", files={"d": copy("{L}/dsd")}),
    E("verify-chunk-out-folder", "verify {L}/dsd --chunk 0 --of 1 --out {O}/c.json", "c.json", "folder", files={"c.json": DIR}),
    # ------------------------------------------------------------ design
    E("design-candidate-negative", "design {L}/dsd --candidate -1 --out {O}/c.json", "--candidate"),
    E("design-pil-dev-zero", "design /dev/zero --candidate 0 --out {O}/c.json", "/dev/zero"),
    E("design-pil-binary", DESIGN, "s.pil", "not a text file", files={"s.pil": BINARY}),
    E("design-pil-empty", DESIGN, "s.pil", files={"s.pil": ""}),
    E("design-crn-as-pil", "design {L}/ab.crn --candidate 0 --out {O}/c.json", "ab.crn:1"),
    E("design-pil-domain-100000-nt", DESIGN, "100000", files={"s.pil": "length a = 7\nlength b = 100000\nA = a b\n"}),
    E("design-pil-sequence-statement", DESIGN, "s.pil:2", "sequence",
      files={"s.pil": "length a = 7\nsequence s = ACGTACGTACGTACG\nA = a\n"}),
    E("design-pil-concentration-1e400", DESIGN, "s.pil:2", files={"s.pil": "length a = 7\nA = a @initial 1e400 nM\n"}),
    E("design-pil-same-complex-twice", DESIGN, "s.pil:4", "A", files={"s.pil": PIL + "B = a b\n"}),
    E("design-out-folder", DESIGN, "c.json", "folder", files={"s.pil": PIL, "c.json": DIR}),
    E("design-forbid-every-letter", "design {L}/dsd --candidate 0 --out {O}/c.json --config {O}/c.yaml --dataset t",
      "seq.domains.forbidden", files={"c.yaml": cfg({"seq": {"domains": {"forbidden": ["A", "C", "G", "T"]}}})}),
    E("design-forbid-a-c-g", "design {L}/dsd --candidate 0 --out {O}/c.json --config {O}/c.yaml --dataset t",
      "seq.domains.forbidden", files={"c.yaml": cfg({"seq": {"domains": {"forbidden": ["A", "C", "G"]}}})}),
    E("design-verification-garbled", "design {O}/d --candidate 0 --out {O}/c.json", "verification.json",
      files={"d": copy("{L}/dsd"), "d/verification.json": "[]"}),
    # ------------------------------------------------------------ select
    E("select-candidate-missing", "select {O}/out --candidates {O}/none.json", "none.json", "not found"),
    E("select-candidate-truncated", "select {O}/out --candidates {O}/0.json", "0.json", "invalid JSON",
      files={"0.json": ("truncate", "{L}/cand/0.json", 200)}),
    E("select-candidate-a-list", "select {O}/out --candidates {O}/0.json", "0.json", files={"0.json": "[]"}),
    E("select-candidate-out-of-order", "select {O}/out --candidates {L}/cand/0.json {L}/cand/0.json", "0.json", "candidate 1"),
    E("select-candidate-nan", "select {O}/out --candidates {O}/0.json", "0.json", "NaN",
      files={"0.json": ("replace", "{L}/cand/0.json", '"motifs": 0.0', '"motifs": NaN')}),
    E("select-candidate-without-keys", "select {O}/out --candidates {O}/0.json", "0.json",
      files={"0.json": json.dumps({"format": "dmp-seq-candidate/1", "candidate": 0})}),
    E("select-candidate-of-another-system",
      "select {O}/out --candidates {B}/iris/sequences/soloveichik2010/candidates/0.json --dsd {L}/dsd", "dsd",
      needs_baseline=True),
    E("select-candidate-edited-domain", "select {O}/out --candidates {O}/0.json", "0.json",
      files={"0.json": ("bad-domain", "{L}/cand/0.json")}),
    E("select-dsd-missing", "select {O}/out --candidates {L}/cand/0.json --dsd {O}/none", "none"),
    E("select-out-a-file", "select {O}/plain --candidates {L}/cand/0.json", "plain", "is a file", files={"plain": "x"}),
    E("select-candidate-folder", "select {O}/out --candidates {O}/0.json", "0.json", "folder", files={"0.json": DIR}),
]
# fmt: on
