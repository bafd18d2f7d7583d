# Training stage: ternary-weight ReLU network (BinaryConnect style) -> portable model.json.


rule train:
    input:
        split=rules.dataset.output.split,
        train=rules.dataset.output.train,
        val=rules.dataset.output.val,
        test=rules.dataset.output.test,
    output:
        model=f"{RESULTS}/{{dataset}}/model/model.json",
        history=f"{RESULTS}/{{dataset}}/model/history.tsv",
        curves=f"{RESULTS}/{{dataset}}/model/training_curves.png",
    params:
        settings=settings("training"),
        hidden=lambda w: config["datasets"][w.dataset]["hidden"],
        seed=config["seed"],
        data_dir=lambda w, input: os.path.dirname(input.split),
    log:
        f"{RESULTS}/{{dataset}}/logs/train.log",
    threads: 1
    resources:
        mem_mb=lambda w, attempt: 4000 * attempt,
        runtime=120,
    shell:
        "{DMP} train --config {CONFIG:q} --dataset {wildcards.dataset} --data-dir {params.data_dir:q}"
        " --out {output.model:q} --history {output.history:q} --curves {output.curves:q} > {log:q} 2>&1"
