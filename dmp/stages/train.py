"""Training step: the ternary ReLU network of a dataset -> model.json (+ history and curves)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from dmp.config import dataset_config
from dmp.data.scaling import Scaling
from dmp.errors import DmpError
from dmp.fileio import write_tsv
from dmp.stages.common import Run, read_split, writes_together

# Most weights a network may have: the published MNIST network (196-64-10) has 13,184; a million
# takes PyTorch tens of MB, where 65536 x 65536 hidden layers would take tens of GB.
MAX_WEIGHTS = 1_000_000


def cost_settings(run: Run) -> Any:
    """What the DNA cost of a network depends on: the run's DSD domain lengths, gate size and input encoding."""
    from dmp.nn.cost import CostSettings

    dsd, crn = run.settings("dsd"), run.settings("crn")
    return CostSettings(dsd.toehold_length, dsd.domain_length, dsd.max_products, crn.inputs)


@writes_together
def train(
    run: Run,
    data_dir: str | Path,
    out: str | Path,
    history: str | Path | None = None,
    curves: str | Path | None = None,
    max_nt: int | None = None,
) -> dict[str, Any]:
    """Train on the dataset step's parts and write model.json; returns the accuracies and the DNA cost.

    `max_nt` (dmp train --max-nt) replaces training.max_nt: the most accurate network by
    cross-validation whose predicted nucleotides fit the budget."""
    assert run.config is not None and run.dataset is not None
    record, parts = read_split(data_dir)
    hidden = dataset_config(run.config, run.dataset)["hidden"]
    sizes = [len(record["features"]), *hidden, len(record["classes"])]
    weights = sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=False))
    if weights > MAX_WEIGHTS:
        raise DmpError(
            f"datasets.{run.dataset}.hidden: a {'-'.join(map(str, sizes))} network has {weights} weights, more than "
            f"{MAX_WEIGHTS} (dmp.stages.train.MAX_WEIGHTS); its training would not fit in memory, nor its CRN in a tube"
        )
    scaling = Scaling.from_json(record["scaling"])
    from dmp.nn.train import train as train_network  # PyTorch: imported once the inputs are known to be good

    settings = run.settings("training")
    if max_nt is not None:
        settings = dataclasses.replace(settings, max_nt=int(max_nt))
    result = train_network(
        settings, hidden, scaling, record["features"], record["classes"], parts, run.seed, cost_settings(run)
    )
    model = result.model
    model.info["dataset"] = run.dataset
    model.info["provenance"] = run.provenance()
    model.save(out)
    if history:
        keys = list(result.history[0])
        write_tsv(history, keys, ([h[k] for k in keys] for h in result.history))
    if curves:
        from dmp.plots import training_curves

        sizes = "-".join(map(str, model.layer_sizes))
        training_curves(curves, result.history, f"{run.dataset}: {sizes} ternary ReLU network")
    cost = model.info["cost"]
    return {**model.info["metrics"], "nonzero_weights": cost["nonzero_weights"], "predicted": cost["predicted"]}
