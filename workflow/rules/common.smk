# Shared definitions of the workflow: the config file every `dmp` command reads, the results
# folder, the datasets whose data are present, and the per-stage settings used as rule params.
import os
import shlex
import sys

import dmp.config
import dmp.dsd.schemes
import dmp.stages.dataset

# The file every `dmp` command reads; refuses --config overrides that dmp would not see.
CONFIG = dmp.config.workflow_config_file(config, workflow.configfiles)
# Validate against dmp/schemas/config.schema.yaml (the schema dmp ships) with dmp's one-line
# messages that name the key and the allowed values, and fill the schema's defaults.
config.update(dmp.config.validate_config(config, CONFIG))
RESULTS = config["results"]
# The dmp command of the interpreter that runs Snakemake, so rules work without an activated venv.
DMP = f"{shlex.quote(sys.executable)} -m dmp"
DATASETS = list(config["datasets"])
# Datasets whose data files are absent (e.g. MNIST while datasets.mnist.path is null): `all` leaves
# them out, and their own target fails with the one-line reason (see the Snakefile).
_located = {**config, "_base_dir": os.path.dirname(os.path.abspath(CONFIG))}  # data paths are relative to CONFIG
MISSING = {d: dmp.stages.dataset.problem(_located, d) for d in DATASETS}
MISSING = {d: why for d, why in MISSING.items() if why is not None}
for _dataset, _why in MISSING.items():
    print(f"dmp: `all` leaves out dataset {_dataset}: {_why}", file=sys.stderr)


def settings(stage):
    """Stage settings of a dataset as rule params, so that Snakemake reruns a step when they change."""
    return lambda wildcards: dmp.config.stage_settings(config, wildcards.dataset, stage)


def stage_of(wildcards, name):
    """One stage's settings of the wildcards' dataset (plain data)."""
    return dmp.config.stage_settings(config, wildcards.dataset, name)


def schemes(dataset):
    """The DSD schemes a dataset compiles with."""
    return dmp.config.stage_settings(config, dataset, "dsd")["schemes"]


def classifier_outputs(dataset):
    """Everything the <dataset>_classifier target builds."""
    return [
        f"{RESULTS}/{dataset}/model/model.json",
        f"{RESULTS}/{dataset}/crn/full.crn",
        f"{RESULTS}/{dataset}/crn/reduced.crn",
        f"{RESULTS}/{dataset}/crn/species.json",
        f"{RESULTS}/{dataset}/crn/full.xml",
        f"{RESULTS}/{dataset}/crn/reduced.xml",
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
        for scheme in schemes(dataset)
        for name in (
            "system.pil",
            "gates.tsv",
            "strands.tsv",
            "gates.html",
            "system.dna",
            "enumerated.crn",
            "enumerated.xml",
            "verification.json",
            "summary.json",
        )
    ] + [
        f"{RESULTS}/{dataset}/sequences/{scheme}/{name}"
        for scheme in schemes(dataset)
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
    ] + [
        f"{RESULTS}/{dataset}/bench/{scheme}/{name}"
        for scheme in schemes(dataset)
        for name in (
            "readout.tsv",
            "inputs.tsv",
            "pipetting.csv",
            "protocol.md",
            "mix.csv",
            "leak/summary.json",
            "leak/sweep.tsv",
            "leak/control.tsv",
            "leak/leak.png",
        )
    ] + (
        [f"{RESULTS}/{dataset}/pattern/drawing.png", f"{RESULTS}/{dataset}/pattern/pattern.json"]
        if config["datasets"][dataset]["loader"] == "pattern"
        else []
    )


wildcard_constraints:
    dataset="|".join(DATASETS) or "NONE",
    crn="full|reduced",
    scheme="|".join(dmp.dsd.schemes.SCHEMES),
    chunk=r"\d+",
    chunks=r"\d+",
    candidate=r"\d+",
