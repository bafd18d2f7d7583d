# dmp: from data to DNA. Targets: <dataset>_classifier for every dataset in config.yaml, and all.
# Rules hold no logic: each calls one `dmp` subcommand with paths and the config file.
import os
import shlex
import sys

from snakemake.utils import min_version

import dmp.config
import dmp.dsd.schemes
import dmp.stages

min_version("9.0")


configfile: "config.yaml"


report: "workflow/report/workflow.rst"


# The file every `dmp` command reads; refuses --config overrides that dmp would not see.
CONFIG = dmp.config.workflow_config_file(config, workflow.configfiles)
# Validate against workflow/schemas/config.schema.yaml (the schema dmp ships) with dmp's one-line
# messages that name the key and the allowed values, and fill the schema's defaults.
config.update(dmp.config.validate_config(config, CONFIG))
RESULTS = config["results"]
# The dmp command of the interpreter that runs Snakemake, so rules work without an activated venv.
DMP = f"{shlex.quote(sys.executable)} -m dmp"
DATASETS = list(config["datasets"])
# Datasets whose data files are absent (e.g. MNIST while datasets.mnist.path is null): `all` leaves
# them out, and their own target fails with the one-line reason (see the rules at the end).
_located = {**config, "_base_dir": os.path.dirname(os.path.abspath(CONFIG))}  # data paths are relative to CONFIG
MISSING = {d: dmp.stages.dataset_problem(_located, d) for d in DATASETS}
MISSING = {d: why for d, why in MISSING.items() if why is not None}
for _dataset, _why in MISSING.items():
    print(f"dmp: `all` leaves out dataset {_dataset}: {_why}", file=sys.stderr)


def settings(stage):
    """Stage settings of a dataset as rule params, so that Snakemake reruns a step when they change."""
    return lambda wildcards: dmp.config.stage_settings(config, wildcards.dataset, stage)


wildcard_constraints:
    dataset="|".join(DATASETS) or "NONE",
    crn="full|reduced",
    scheme="|".join(dmp.dsd.schemes.SCHEMES),
    chunk=r"\d+",
    chunks=r"\d+",
    candidate=r"\d+",


include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/crn.smk"
include: "workflow/rules/simulate.smk"
include: "workflow/rules/dsd.smk"
include: "workflow/rules/seq.smk"
include: "workflow/rules/pattern.smk"


def classifier_outputs(dataset):
    """Everything the <dataset>_classifier target builds."""
    return [
        f"{RESULTS}/{dataset}/model/model.json",
        f"{RESULTS}/{dataset}/crn/full.crn",
        f"{RESULTS}/{dataset}/crn/reduced.crn",
        f"{RESULTS}/{dataset}/crn/species.json",
        f"{RESULTS}/{dataset}/simulation/agreement.tsv",
        f"{RESULTS}/{dataset}/simulation/summary.json",
        f"{RESULTS}/{dataset}/simulation/summary.html",
        f"{RESULTS}/{dataset}/simulation/trajectories.png",
        f"{RESULTS}/{dataset}/simulation/confusion.png",
        f"{RESULTS}/{dataset}/simulation/stabilisation.png",
        f"{RESULTS}/{dataset}/simulation/dna_trajectories.png",
        f"{RESULTS}/{dataset}/simulation/ssa/summary.json",
        f"{RESULTS}/{dataset}/simulation/ssa/summary.html",
        f"{RESULTS}/{dataset}/simulation/ssa/ensembles.png",
        f"{RESULTS}/{dataset}/simulation/rates/summary.json",
        f"{RESULTS}/{dataset}/simulation/rates/summary.html",
        f"{RESULTS}/{dataset}/simulation/rates/spread.png",
    ] + [
        f"{RESULTS}/{dataset}/dsd/{scheme}/{name}"
        for scheme in dmp.config.stage_settings(config, dataset, "dsd")["schemes"]
        for name in ("system.pil", "gates.tsv", "strands.tsv", "enumerated.crn", "verification.json", "summary.json")
    ] + [
        f"{RESULTS}/{dataset}/sequences/{scheme}/{name}"
        for scheme in dmp.config.stage_settings(config, dataset, "dsd")["schemes"]
        for name in (
            "strands.tsv",
            "domains.tsv",
            "strands.fasta",
            "scores.tsv",
            "report.md",
            "order_bulk.csv",
            "order_plate.xlsx",
            "summary.json",
        )
    ] + (
        [f"{RESULTS}/{dataset}/pattern/drawing.png", f"{RESULTS}/{dataset}/pattern/pattern.json"]
        if config["datasets"][dataset]["loader"] == "pattern"
        else []
    )


rule all:
    input:
        [classifier_outputs(d) for d in DATASETS if d not in MISSING],
    default_target: True
    localrule: True


for _dataset in DATASETS:
    if _dataset in MISSING:

        # The data are absent: this target only repeats the one-line reason (`dmp: error: ...`).
        rule:
            name:
                f"{_dataset}_classifier"
            params:
                dataset=_dataset,
            localrule: True
            shell:
                "{DMP} dataset --check --config {CONFIG:q} --dataset {params.dataset}"

    else:

        rule:
            name:
                f"{_dataset}_classifier"
            input:
                classifier_outputs(_dataset),
            localrule: True
