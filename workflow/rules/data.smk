# Dataset stage: load, clean, split (stratified, seeded) and fit the input scaling.


rule dataset:
    output:
        train=f"{RESULTS}/{{dataset}}/data/train.csv",
        val=f"{RESULTS}/{{dataset}}/data/val.csv",
        test=f"{RESULTS}/{{dataset}}/data/test.csv",
        split=f"{RESULTS}/{{dataset}}/data/split.json",
    params:
        settings=lambda w: dmp.config.dataset_config(config, w.dataset),
        seed=config["seed"],
        out_dir=lambda w, output: os.path.dirname(output.split),
    log:
        f"{RESULTS}/{{dataset}}/logs/dataset.log",
    resources:
        mem_mb=lambda w, attempt: 2000 * attempt,
        runtime=10,
    shell:
        "{DMP} dataset --config {CONFIG:q} --dataset {wildcards.dataset} --out-dir {params.out_dir:q} > {log:q} 2>&1"
