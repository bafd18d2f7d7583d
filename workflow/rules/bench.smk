# Bench stage: from the order sheet to an experiment, per scheme. The read-out plan (which dye
# reports which rail), the input strands of every test sample with a pipetting sheet, the read-out
# with leak (agreement and time to answer, a sweep, a no-input control), and the protocol (what to
# anneal at what ratio, how much of each stock, whether each ordered strand suffices).


rule bench_readout:
    input:
        system=rules.dsd_compile.output.system,
        species=rules.crn.output.species,
        model=rules.train.output.model,
    output:
        f"{RESULTS}/{{dataset}}/bench/{{scheme}}/readout.tsv",
    params:
        dsd=settings("dsd"),
        leak=settings("leak"),
        dsd_dir=lambda w, input: os.path.dirname(input.system),
    log:
        f"{RESULTS}/{{dataset}}/logs/bench_readout_{{scheme}}.log",
    resources:
        mem_mb=lambda w, attempt: 1000 * attempt,
        runtime=10,
    shell:
        "{DMP} readout --dsd {params.dsd_dir:q} --species {input.species:q} --model {input.model:q}"
        " --config {CONFIG:q} --dataset {wildcards.dataset} --out {output:q} > {log:q} 2>&1"


rule bench_inputs:
    input:
        species=rules.crn.output.species,
        model=rules.train.output.model,
        samples=rules.dataset.output.test,
    output:
        inputs=f"{RESULTS}/{{dataset}}/bench/{{scheme}}/inputs.tsv",
        pipetting=f"{RESULTS}/{{dataset}}/bench/{{scheme}}/pipetting.csv",
    params:
        dsd=settings("dsd"),
        bench=settings("bench"),
    log:
        f"{RESULTS}/{{dataset}}/logs/bench_inputs_{{scheme}}.log",
    resources:
        mem_mb=lambda w, attempt: 1000 * attempt,
        runtime=10,
    shell:
        "{DMP} inputs --model {input.model:q} --species {input.species:q} --samples {input.samples:q}"
        " --config {CONFIG:q} --dataset {wildcards.dataset} --out {output.inputs:q} --pipetting {output.pipetting:q}"
        " > {log:q} 2>&1"


rule bench_leak:
    input:
        system=rules.dsd_compile.output.system,
        crn=rules.dsd_collect.output.crn,
        species=rules.crn.output.species,
        model=rules.train.output.model,
        data=rules.dataset.output.test,
    output:
        summary=f"{RESULTS}/{{dataset}}/bench/{{scheme}}/leak/summary.json",
        sweep=f"{RESULTS}/{{dataset}}/bench/{{scheme}}/leak/sweep.tsv",
        control=f"{RESULTS}/{{dataset}}/bench/{{scheme}}/leak/control.tsv",
        figure=report(
            f"{RESULTS}/{{dataset}}/bench/{{scheme}}/leak/leak.png",
            caption="../report/leak.rst",
            category="{dataset}",
            subcategory="7 bench",
            labels={"dataset": "{dataset}", "scheme": "{scheme}", "content": "read-out with leak"},
        ),
    params:
        leak=settings("leak"),
        simulation=settings("simulation"),
        dsd_dir=lambda w, input: os.path.dirname(input.system),
        out_dir=lambda w, output: os.path.dirname(output.summary),
    log:
        f"{RESULTS}/{{dataset}}/logs/bench_leak_{{scheme}}.log",
    threads: lambda w: sim_settings(w)["jobs"]
    resources:
        mem_mb=lambda w, attempt: 2000 * attempt,
        runtime=120,
    shell:
        "{DMP} leak --dsd {params.dsd_dir:q} --species {input.species:q} --model {input.model:q} --data {input.data:q}"
        " --config {CONFIG:q} --dataset {wildcards.dataset} --jobs {threads} --out-dir {params.out_dir:q} > {log:q} 2>&1"


rule bench_protocol:
    input:
        system=rules.dsd_compile.output.system,
        order=rules.seq_select.output.bulk,
        inputs=rules.bench_inputs.output.inputs,
    output:
        protocol=f"{RESULTS}/{{dataset}}/bench/{{scheme}}/protocol.md",
        mix=f"{RESULTS}/{{dataset}}/bench/{{scheme}}/mix.csv",
    params:
        bench=settings("bench"),
        leak=settings("leak"),
        dsd_dir=lambda w, input: os.path.dirname(input.system),
        seq_dir=lambda w, input: os.path.dirname(input.order),
        out_dir=lambda w, output: os.path.dirname(output.protocol),
    log:
        f"{RESULTS}/{{dataset}}/logs/bench_protocol_{{scheme}}.log",
    resources:
        mem_mb=lambda w, attempt: 1000 * attempt,
        runtime=10,
    shell:
        "{DMP} protocol --dsd {params.dsd_dir:q} --sequences {params.seq_dir:q} --inputs {input.inputs:q}"
        " --config {CONFIG:q} --dataset {wildcards.dataset} --out-dir {params.out_dir:q} > {log:q} 2>&1"
