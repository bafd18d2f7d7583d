"""The workflow's steps: the only code that knows file paths, provenance and the config file.

One function per step (the `dmp` subcommands and the Snakemake rules call these): read the
inputs, call the science packages, write the outputs (figures last). Every path comes in as an
argument; settings come from the config through `Run`.

    dataset.prepare         -> data/{train,val,test}.csv, split.json
    train.train             -> model/model.json, history.tsv, training_curves.png
    crn.build               -> crn/full.crn, reduced.crn, species.json
    evaluate.evaluate       -> simulation/<crn>_outputs.tsv (or one chunk of it); evaluate.collect
    agreement.agreement     -> simulation/agreement.tsv, summary.json/.html, figures
    ssa.ssa, rates.rates    -> simulation/ssa/, simulation/rates/
    pattern.pattern         -> pattern/drawing.png, pattern.json
    dsd.compile_system      -> dsd/<scheme>/system.json, system.pil, gates.tsv, strands.tsv
    dsd.verify_chunk        -> one chunk's module verdicts; dsd.collect -> enumerated.crn, verification.json
    seq.design              -> one sequence candidate; seq.select_sequences -> sequences and order sheets
    simulate.simulate       -> any .crn file as CSV
    bench.readout           -> bench/<scheme>/readout.tsv (dye, well, sign of every rail's reporter)
    bench.inputs            -> inputs.tsv, pipetting.csv (input strands of every sample)
    leak.leak               -> bench/<scheme>/leak/summary.json, sweep.tsv, control.tsv, leak.png
    bench.protocol          -> bench/<scheme>/protocol.md, mix.csv
"""
