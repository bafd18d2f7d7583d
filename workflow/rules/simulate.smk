# Simulation stage: every test example through the full and reduced CRNs (formal level) and through
# each scheme's enumerated DNA-level CRN, in chunks of examples run as independent jobs and then
# collected; agreement with the network; SSA ensembles; rate independence. Figures and tables go
# into `snakemake --report`.


def sim_settings(wildcards):
    return stage_of(wildcards, "simulation")


def evaluation_chunks(wildcards):
    n = sim_settings(wildcards)["chunks"]
    return [f"{RESULTS}/{wildcards.dataset}/simulation/chunks/{wildcards.crn}_outputs.{k}-of-{n}.tsv" for k in range(n)]


def dna_chunks(wildcards):
    n = sim_settings(wildcards)["chunks"]
    return [
        f"{RESULTS}/{wildcards.dataset}/simulation/dna/chunks/{wildcards.scheme}_outputs.{k}-of-{n}.tsv"
        for k in range(n)
    ]


def dna_schemes(wildcards):
    return schemes(wildcards.dataset)


rule evaluate_chunk:
    input:
        crn=f"{RESULTS}/{{dataset}}/crn/{{crn}}.crn",
        species=rules.crn.output.species,
        model=rules.train.output.model,
        data=rules.dataset.output.test,
    output:
        f"{RESULTS}/{{dataset}}/simulation/chunks/{{crn}}_outputs.{{chunk}}-of-{{chunks}}.tsv",
    params:
        settings=settings("simulation"),
    log:
        f"{RESULTS}/{{dataset}}/logs/evaluate_{{crn}}_{{chunk}}-of-{{chunks}}.log",
    threads: lambda w: sim_settings(w)["jobs"]
    resources:
        mem_mb=lambda w, attempt: 2000 * attempt,
        runtime=120,
    shell:
        "{DMP} evaluate --crn {input.crn:q} --species {input.species:q} --model {input.model:q}"
        " --data {input.data:q} --config {CONFIG:q} --dataset {wildcards.dataset} --jobs {threads}"
        " --chunk {wildcards.chunk} --of {wildcards.chunks} --out {output:q} > {log:q} 2>&1"


rule evaluate_collect:
    input:
        evaluation_chunks,
    output:
        f"{RESULTS}/{{dataset}}/simulation/{{crn}}_outputs.tsv",
    log:
        f"{RESULTS}/{{dataset}}/logs/evaluate_{{crn}}_collect.log",
    resources:
        mem_mb=lambda w, attempt: 1000 * attempt,
        runtime=10,
    shell:
        "{DMP} evaluate --collect {input:q} --out {output:q} > {log:q} 2>&1"


rule dna_evaluate_chunk:
    input:
        crn=f"{RESULTS}/{{dataset}}/dsd/{{scheme}}/enumerated.crn",
        species=rules.crn.output.species,
        model=rules.train.output.model,
        data=rules.dataset.output.test,
    output:
        f"{RESULTS}/{{dataset}}/simulation/dna/chunks/{{scheme}}_outputs.{{chunk}}-of-{{chunks}}.tsv",
    params:
        settings=settings("simulation"),
        unit_nM=lambda w: stage_of(w, "dsd")["unit_nM"],
    log:
        f"{RESULTS}/{{dataset}}/logs/dna_evaluate_{{scheme}}_{{chunk}}-of-{{chunks}}.log",
    threads: lambda w: sim_settings(w)["jobs"]
    resources:
        mem_mb=lambda w, attempt: 2000 * attempt,
        runtime=240,
    shell:
        "{DMP} evaluate --level dna --crn {input.crn:q} --species {input.species:q} --model {input.model:q}"
        " --data {input.data:q} --config {CONFIG:q} --dataset {wildcards.dataset} --jobs {threads}"
        " --chunk {wildcards.chunk} --of {wildcards.chunks} --out {output:q} > {log:q} 2>&1"


rule dna_evaluate_collect:
    input:
        dna_chunks,
    output:
        f"{RESULTS}/{{dataset}}/simulation/dna/{{scheme}}_outputs.tsv",
    log:
        f"{RESULTS}/{{dataset}}/logs/dna_evaluate_{{scheme}}_collect.log",
    resources:
        mem_mb=lambda w, attempt: 1000 * attempt,
        runtime=10,
    shell:
        "{DMP} evaluate --collect {input:q} --out {output:q} > {log:q} 2>&1"


rule agreement:
    input:
        full=f"{RESULTS}/{{dataset}}/simulation/full_outputs.tsv",
        reduced=f"{RESULTS}/{{dataset}}/simulation/reduced_outputs.tsv",
        full_crn=rules.crn.output.full,
        reduced_crn=rules.crn.output.reduced,
        dna=lambda w: [f"{RESULTS}/{w.dataset}/simulation/dna/{s}_outputs.tsv" for s in dna_schemes(w)],
        dna_crns=lambda w: [f"{RESULTS}/{w.dataset}/dsd/{s}/enumerated.crn" for s in dna_schemes(w)],
        species=rules.crn.output.species,
        model=rules.train.output.model,
        data=rules.dataset.output.test,
    output:
        table=f"{RESULTS}/{{dataset}}/simulation/agreement.tsv",
        summary=f"{RESULTS}/{{dataset}}/simulation/summary.json",
        html=report(
            f"{RESULTS}/{{dataset}}/simulation/summary.html",
            caption="../report/agreement.rst",
            category="{dataset}",
            subcategory="1 agreement",
            labels={"dataset": "{dataset}", "content": "summary table"},
        ),
        trajectories=report(
            f"{RESULTS}/{{dataset}}/simulation/trajectories.png",
            caption="../report/trajectories.rst",
            category="{dataset}",
            subcategory="2 formal CRN",
            labels={"dataset": "{dataset}", "content": "output trajectories per class"},
        ),
        confusion=report(
            f"{RESULTS}/{{dataset}}/simulation/confusion.png",
            caption="../report/confusion.rst",
            category="{dataset}",
            subcategory="1 agreement",
            labels={"dataset": "{dataset}", "content": "confusion matrices"},
        ),
        stabilisation=report(
            f"{RESULTS}/{{dataset}}/simulation/stabilisation.png",
            caption="../report/stabilisation.rst",
            category="{dataset}",
            subcategory="2 formal CRN",
            labels={"dataset": "{dataset}", "content": "stabilisation vs confidence"},
        ),
        dna_trajectories=report(
            f"{RESULTS}/{{dataset}}/simulation/dna_trajectories.png",
            caption="../report/dna_trajectories.rst",
            category="{dataset}",
            subcategory="3 DNA level",
            labels={"dataset": "{dataset}", "content": "DNA-level trajectories"},
        ),
    params:
        settings=settings("simulation"),
        dsd=settings("dsd"),
        out_dir=lambda w, output: os.path.dirname(output.summary),
        dna_outputs=lambda w, input: " ".join(
            shlex.quote(f"{s}={p}") for s, p in zip(dna_schemes(w), input.dna, strict=True)
        ),
        dna_crns=lambda w, input: " ".join(
            shlex.quote(f"{s}={p}") for s, p in zip(dna_schemes(w), input.dna_crns, strict=True)
        ),
    log:
        f"{RESULTS}/{{dataset}}/logs/agreement.log",
    resources:
        mem_mb=lambda w, attempt: 2000 * attempt,
        runtime=30,
    shell:
        "{DMP} agreement --model {input.model:q} --data {input.data:q} --species {input.species:q}"
        " --outputs full={input.full:q} reduced={input.reduced:q}"
        " --crns full={input.full_crn:q} reduced={input.reduced_crn:q}"
        " --dna-outputs {params.dna_outputs} --dna-crns {params.dna_crns}"
        " --config {CONFIG:q} --dataset {wildcards.dataset} --out-dir {params.out_dir:q} > {log:q} 2>&1"


rule ssa:
    input:
        crn=lambda w: f"{RESULTS}/{w.dataset}/crn/{sim_settings(w)['ssa']['crn']}.crn",
        species=rules.crn.output.species,
        model=rules.train.output.model,
        data=rules.dataset.output.test,
    output:
        examples=f"{RESULTS}/{{dataset}}/simulation/ssa/examples.tsv",
        sweep=f"{RESULTS}/{{dataset}}/simulation/ssa/sweep.tsv",
        summary=f"{RESULTS}/{{dataset}}/simulation/ssa/summary.json",
        html=report(
            f"{RESULTS}/{{dataset}}/simulation/ssa/summary.html",
            caption="../report/ssa.rst",
            category="{dataset}",
            subcategory="4 stochastic",
            labels={"dataset": "{dataset}", "content": "SSA summary table"},
        ),
        figure=report(
            f"{RESULTS}/{{dataset}}/simulation/ssa/ensembles.png",
            caption="../report/ssa.rst",
            category="{dataset}",
            subcategory="4 stochastic",
            labels={"dataset": "{dataset}", "content": "SSA ensembles and sweep"},
        ),
    params:
        settings=settings("simulation"),
        seed=config["seed"],
        out_dir=lambda w, output: os.path.dirname(output.summary),
    log:
        f"{RESULTS}/{{dataset}}/logs/ssa.log",
    resources:
        mem_mb=lambda w, attempt: 2000 * attempt,
        runtime=60,
    shell:
        "{DMP} ssa --crn {input.crn:q} --species {input.species:q} --model {input.model:q} --data {input.data:q}"
        " --config {CONFIG:q} --dataset {wildcards.dataset} --out-dir {params.out_dir:q} > {log:q} 2>&1"


rule rates:
    input:
        full=rules.crn.output.full,
        reduced=rules.crn.output.reduced,
        species=rules.crn.output.species,
        model=rules.train.output.model,
        data=rules.dataset.output.test,
    output:
        draws=f"{RESULTS}/{{dataset}}/simulation/rates/draws.tsv",
        summary=f"{RESULTS}/{{dataset}}/simulation/rates/summary.json",
        html=report(
            f"{RESULTS}/{{dataset}}/simulation/rates/summary.html",
            caption="../report/rates.rst",
            category="{dataset}",
            subcategory="5 rate independence",
            labels={"dataset": "{dataset}", "content": "rate randomisation table"},
        ),
        figure=report(
            f"{RESULTS}/{{dataset}}/simulation/rates/spread.png",
            caption="../report/rates.rst",
            category="{dataset}",
            subcategory="5 rate independence",
            labels={"dataset": "{dataset}", "content": "rate randomisation spread"},
        ),
    params:
        settings=settings("simulation"),
        seed=config["seed"],
        out_dir=lambda w, output: os.path.dirname(output.summary),
    log:
        f"{RESULTS}/{{dataset}}/logs/rates.log",
    resources:
        mem_mb=lambda w, attempt: 2000 * attempt,
        runtime=60,
    shell:
        "{DMP} rates --crns full={input.full:q} reduced={input.reduced:q} --species {input.species:q}"
        " --model {input.model:q} --data {input.data:q} --config {CONFIG:q} --dataset {wildcards.dataset}"
        " --out-dir {params.out_dir:q} > {log:q} 2>&1"
