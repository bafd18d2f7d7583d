# Pattern formation: the image each CRN draws when simulated at every pixel centre (and on a finer
# grid), next to the target image and the network's.


rule draw_pattern:
    input:
        split=rules.dataset.output.split,
        train=rules.dataset.output.train,
        val=rules.dataset.output.val,
        test=rules.dataset.output.test,
        model=rules.train.output.model,
        full=rules.crn.output.full,
        reduced=rules.crn.output.reduced,
        species=rules.crn.output.species,
    output:
        drawing=f"{RESULTS}/{{dataset}}/pattern/drawing.png",
        summary=f"{RESULTS}/{{dataset}}/pattern/pattern.json",
    params:
        simulation=settings("simulation"),
        pattern=settings("pattern"),
        data_dir=lambda w, input: os.path.dirname(input.split),
        out_dir=lambda w, output: os.path.dirname(output.summary),
    log:
        f"{RESULTS}/{{dataset}}/logs/draw_pattern.log",
    threads: lambda w: stage_of(w, "simulation")["jobs"]
    resources:
        mem_mb=lambda w, attempt: 2000 * attempt,
        runtime=60,
    shell:
        "{DMP} pattern --data-dir {params.data_dir:q} --model {input.model:q} --species {input.species:q}"
        " --crns full={input.full:q} reduced={input.reduced:q} --config {CONFIG:q} --dataset {wildcards.dataset}"
        " --jobs {threads} --out-dir {params.out_dir:q} > {log:q} 2>&1"
