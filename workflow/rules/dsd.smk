# DNA stage 1: compile the formal CRN into strand-displacement gates with each configured scheme,
# enumerate and verify module by module (chunks run as independent jobs), then collect.


def dsd_settings(wildcards):
    return stage_of(wildcards, "dsd")


def dsd_chunks(wildcards):
    n = dsd_settings(wildcards)["chunks"]
    return [f"{RESULTS}/{wildcards.dataset}/dsd/{wildcards.scheme}/chunks/{k}-of-{n}.json" for k in range(n)]


rule dsd_compile:
    input:
        crn=lambda w: f"{RESULTS}/{w.dataset}/crn/{dsd_settings(w)['crn']}.crn",
        species=f"{RESULTS}/{{dataset}}/crn/species.json",
    output:
        system=f"{RESULTS}/{{dataset}}/dsd/{{scheme}}/system.json",
        pil=f"{RESULTS}/{{dataset}}/dsd/{{scheme}}/system.pil",
        gates=f"{RESULTS}/{{dataset}}/dsd/{{scheme}}/gates.tsv",
        strands=f"{RESULTS}/{{dataset}}/dsd/{{scheme}}/strands.tsv",
        visualdsd=f"{RESULTS}/{{dataset}}/dsd/{{scheme}}/system.dna",
        shapes=directory(f"{RESULTS}/{{dataset}}/dsd/{{scheme}}/shapes"),
        gates_html=report(
            f"{RESULTS}/{{dataset}}/dsd/{{scheme}}/gates.html",
            caption="../report/gates.rst",
            category="{dataset}",
            subcategory="6 DNA gates",
            labels={"dataset": "{dataset}", "scheme": "{scheme}", "content": "gates with drawings"},
        ),
    params:
        settings=dsd_settings,
        out_dir=lambda w, output: os.path.dirname(output.system),
    log:
        f"{RESULTS}/{{dataset}}/logs/dsd_compile_{{scheme}}.log",
    resources:
        mem_mb=lambda w, attempt: 2000 * attempt,
        runtime=10,
    shell:
        "{DMP} compile {input.crn:q} --species {input.species:q} --scheme {wildcards.scheme} --out {params.out_dir:q}"
        " --config {CONFIG:q} --dataset {wildcards.dataset} > {log:q} 2>&1"


rule dsd_verify_chunk:
    input:
        rules.dsd_compile.output.system,
    output:
        f"{RESULTS}/{{dataset}}/dsd/{{scheme}}/chunks/{{chunk}}-of-{{chunks}}.json",
    params:
        out_dir=lambda w, input: os.path.dirname(input[0]),
    log:
        f"{RESULTS}/{{dataset}}/logs/dsd_verify_{{scheme}}_{{chunk}}-of-{{chunks}}.log",
    resources:
        mem_mb=lambda w, attempt: 4000 * attempt,
        runtime=60,
    shell:
        "{DMP} verify {params.out_dir:q} --chunk {wildcards.chunk} --of {wildcards.chunks} --out {output:q} > {log:q} 2>&1"


rule dsd_collect:
    input:
        system=rules.dsd_compile.output.system,
        chunks=dsd_chunks,
    output:
        crn=f"{RESULTS}/{{dataset}}/dsd/{{scheme}}/enumerated.crn",
        sbml=f"{RESULTS}/{{dataset}}/dsd/{{scheme}}/enumerated.xml",
        verification=f"{RESULTS}/{{dataset}}/dsd/{{scheme}}/verification.json",
        summary=f"{RESULTS}/{{dataset}}/dsd/{{scheme}}/summary.json",
    params:
        out_dir=lambda w, input: os.path.dirname(input.system),
    log:
        f"{RESULTS}/{{dataset}}/logs/dsd_collect_{{scheme}}.log",
    resources:
        mem_mb=lambda w, attempt: 4000 * attempt,
        runtime=60,
    shell:
        "{DMP} verify {params.out_dir:q} --collect {input.chunks:q} --warn-only > {log:q} 2>&1"
