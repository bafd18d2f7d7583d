# Formal-level simulation: every test example through the full and the reduced CRN (GillesPy2 ODE),
# then agreement with the network's forward pass.


rule evaluate_crn:
    input:
        crn=f"{RESULTS}/{{dataset}}/crn/{{crn}}.crn",
        species=rules.crn.output.species,
        model=rules.train.output.model,
        data=rules.dataset.output.test,
    output:
        f"{RESULTS}/{{dataset}}/simulation/{{crn}}_outputs.tsv",
    params:
        settings=settings("simulation"),
    log:
        f"{RESULTS}/{{dataset}}/logs/evaluate_{{crn}}.log",
    threads: lambda w: dmp.config.stage_settings(config, w.dataset, "simulation")["jobs"]
    resources:
        mem_mb=2000,
        runtime=120,
    shell:
        "{DMP} evaluate --crn {input.crn:q} --species {input.species:q} --model {input.model:q}"
        " --data {input.data:q} --config {CONFIG:q} --dataset {wildcards.dataset} --jobs {threads}"
        " --out {output:q} > {log:q} 2>&1"


rule agreement:
    input:
        full=f"{RESULTS}/{{dataset}}/simulation/full_outputs.tsv",
        reduced=f"{RESULTS}/{{dataset}}/simulation/reduced_outputs.tsv",
        full_crn=rules.crn.output.full,
        reduced_crn=rules.crn.output.reduced,
        species=rules.crn.output.species,
        model=rules.train.output.model,
        data=rules.dataset.output.test,
    output:
        table=f"{RESULTS}/{{dataset}}/simulation/agreement.tsv",
        summary=f"{RESULTS}/{{dataset}}/simulation/summary.json",
        trajectories=f"{RESULTS}/{{dataset}}/simulation/trajectories.png",
    params:
        settings=settings("simulation"),
        out_dir=lambda w, output: os.path.dirname(output.summary),
    log:
        f"{RESULTS}/{{dataset}}/logs/agreement.log",
    resources:
        mem_mb=2000,
        runtime=30,
    shell:
        "{DMP} agreement --model {input.model:q} --data {input.data:q} --species {input.species:q}"
        " --outputs full={input.full:q} reduced={input.reduced:q}"
        " --crns full={input.full_crn:q} reduced={input.reduced_crn:q}"
        " --config {CONFIG:q} --dataset {wildcards.dataset} --out-dir {params.out_dir:q} > {log:q} 2>&1"
