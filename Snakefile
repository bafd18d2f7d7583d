# dmp: from data to DNA. Targets: <dataset>_classifier for every dataset in config.yaml, and all.
# This file holds only includes and targets; workflow/rules/common.smk holds the shared definitions,
# and each rules file one step, whose rules call one `dmp` subcommand with every path spelt out.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/crn.smk"
include: "workflow/rules/simulate.smk"
include: "workflow/rules/dsd.smk"
include: "workflow/rules/seq.smk"
include: "workflow/rules/pattern.smk"
include: "workflow/rules/bench.smk"


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
