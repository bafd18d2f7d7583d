# NN -> CRN stage: full and reduced non-competitive CRNs in the Nuskell .crn format and as SBML.


rule crn:
    input:
        model=rules.train.output.model,
    output:
        full=f"{RESULTS}/{{dataset}}/crn/full.crn",
        reduced=f"{RESULTS}/{{dataset}}/crn/reduced.crn",
        species=f"{RESULTS}/{{dataset}}/crn/species.json",
        full_sbml=f"{RESULTS}/{{dataset}}/crn/full.xml",
        reduced_sbml=f"{RESULTS}/{{dataset}}/crn/reduced.xml",
    params:
        settings=settings("crn"),
        out_dir=lambda w, output: os.path.dirname(output.full),
    log:
        f"{RESULTS}/{{dataset}}/logs/crn.log",
    resources:
        mem_mb=lambda w, attempt: 2000 * attempt,
        runtime=10,
    shell:
        "{DMP} crn {input.model:q} --config {CONFIG:q} --dataset {wildcards.dataset}"
        " --out-dir {params.out_dir:q} > {log:q} 2>&1"
