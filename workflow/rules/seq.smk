# DNA stage 2: sequences for each compiled scheme. One job per candidate (independent, so a
# cluster runs them in parallel), then one job ranks them and writes sequences and order sheets.


def seq_settings(wildcards):
    return stage_of(wildcards, "seq")


def seq_candidates(wildcards):
    n = seq_settings(wildcards)["candidates"]
    return [f"{RESULTS}/{wildcards.dataset}/sequences/{wildcards.scheme}/candidates/{k}.json" for k in range(n)]


rule seq_design:
    input:
        system=rules.dsd_compile.output.system,
        verification=rules.dsd_collect.output.verification,  # designs only verified systems
    output:
        f"{RESULTS}/{{dataset}}/sequences/{{scheme}}/candidates/{{candidate}}.json",
    params:
        settings=seq_settings,
        dsd_dir=lambda w, input: os.path.dirname(input.system),
    log:
        f"{RESULTS}/{{dataset}}/logs/seq_design_{{scheme}}_{{candidate}}.log",
    resources:
        # a digits-size candidate (0.45 M nt): 29-39 min on one core, about 1.9 GB resident
        mem_mb=lambda w, attempt: 4000 * attempt,
        runtime=120,
    shell:
        "{DMP} design {params.dsd_dir:q} --candidate {wildcards.candidate} --out {output:q}"
        " --config {CONFIG:q} --dataset {wildcards.dataset} > {log:q} 2>&1"


rule seq_select:
    input:
        system=rules.dsd_compile.output.system,
        verification=rules.dsd_collect.output.verification,  # designs only verified systems
        strands=rules.dsd_compile.output.strands,
        candidates=seq_candidates,
    output:
        strands=f"{RESULTS}/{{dataset}}/sequences/{{scheme}}/strands.tsv",
        domains=f"{RESULTS}/{{dataset}}/sequences/{{scheme}}/domains.tsv",
        fasta=f"{RESULTS}/{{dataset}}/sequences/{{scheme}}/strands.fasta",
        scores=f"{RESULTS}/{{dataset}}/sequences/{{scheme}}/scores.tsv",
        report=f"{RESULTS}/{{dataset}}/sequences/{{scheme}}/report.md",
        bulk=f"{RESULTS}/{{dataset}}/sequences/{{scheme}}/order_bulk.csv",
        plate=f"{RESULTS}/{{dataset}}/sequences/{{scheme}}/order_plate.xlsx",
        summary=f"{RESULTS}/{{dataset}}/sequences/{{scheme}}/summary.json",
    params:
        settings=seq_settings,
        dsd_dir=lambda w, input: os.path.dirname(input.system),
        out_dir=lambda w, output: os.path.dirname(output.summary),
    log:
        f"{RESULTS}/{{dataset}}/logs/seq_select_{{scheme}}.log",
    resources:
        mem_mb=lambda w, attempt: 2000 * attempt,
        runtime=60,
    shell:
        "{DMP} select {params.out_dir:q} --candidates {input.candidates:q} --dsd {params.dsd_dir:q}"
        " --config {CONFIG:q} --dataset {wildcards.dataset} > {log:q} 2>&1"
