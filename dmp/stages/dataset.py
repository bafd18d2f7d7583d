"""Dataset step: load the raw data, split it (stratified, seeded), fit the scaling, write the parts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dmp.config import data_source
from dmp.data.loaders import data_problem, load_dataset
from dmp.data.split import split_dataset
from dmp.data.tables import write_split
from dmp.errors import DmpError
from dmp.stages.common import Run, writes_together


@writes_together
def prepare(run: Run, out_dir: str | Path) -> dict[str, Any]:
    """train/val/test.csv (raw features) and split.json (sizes, classes, scaling) in `out_dir`."""
    assert run.config is not None and run.dataset is not None
    section = run.config["datasets"][run.dataset]
    dataset = load_dataset(data_source(run.config, run.dataset))
    split = split_dataset(dataset, section["split"], section["scaling"], run.seed)
    return write_split(split, out_dir, {"provenance": run.provenance()})


def problem(config: dict[str, Any], dataset: str) -> str | None:
    """One line saying why the dataset's files are missing (naming the config key), or None if present."""
    return data_problem(data_source(config, dataset))


def check(run: Run) -> None:
    """Raise DmpError (one line, naming the config key) unless the dataset's files are present."""
    assert run.config is not None and run.dataset is not None
    why = problem(run.config, run.dataset)
    if why is not None:
        raise DmpError(why)
