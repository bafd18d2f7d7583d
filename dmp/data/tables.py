"""The split as files: train/val/test.csv (label + raw features) and split.json."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from dmp.data.loaders import read_csv
from dmp.data.split import Split
from dmp.errors import DataError
from dmp.fileio import atomic_path, input_problem, write_json


def write_split(split: Split, out_dir: str | Path, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Write train.csv, val.csv, test.csv (label + raw features) and split.json."""
    import pandas as pd

    out_dir = Path(out_dir)
    dataset = split.dataset
    for part in ("train", "val", "test"):
        X, y = split.part(part)
        frame = pd.DataFrame(X, columns=dataset.features)
        frame.insert(0, "label", [dataset.classes[i] for i in y])
        with atomic_path(out_dir / f"{part}.csv") as tmp:
            frame.to_csv(tmp, index=False, float_format="%.17g", lineterminator="\n")
    counts = {
        part: {
            dataset.classes[c]: int((dataset.y[getattr(split, part)] == c).sum()) for c in range(len(dataset.classes))
        }
        for part in ("train", "val", "test")
    }
    record = {
        "dataset": dataset.name,
        "n_examples": int(len(dataset.y)),
        "features": dataset.features,
        "classes": dataset.classes,
        "sizes": split.sizes(),
        "class_counts": counts,
        "scaling": split.scaling.to_json(),
        "meta": {k: v for k, v in dataset.meta.items() if k != "samples"},
        **(extra or {}),
    }
    write_json(out_dir / "split.json", record)
    return record


def read_part(
    path: str | Path, classes: list[str] | None = None
) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """Read a part CSV written by `write_split`: features, integer labels, feature names, classes."""
    path = Path(path)
    problem = input_problem(path)
    if problem is not None:
        raise DataError(
            f"{path}: {'data table not found; run the dataset stage first' if problem == 'file not found' else problem}"
        )
    frame = read_csv(path)
    if len(frame) == 0:
        raise DataError(f"{path}: no examples (the table has a header row only)")
    if frame.columns[0] != "label":
        raise DataError(f"{path}: first column must be 'label'")
    features = [str(c) for c in frame.columns[1:]]
    try:
        X = frame.iloc[:, 1:].to_numpy(dtype=np.float64)
    except ValueError:
        raise DataError(_first_text_cell(path, frame)) from None
    if not np.isfinite(X).all():
        row = int(np.argwhere(~np.isfinite(X))[0][0])
        raise DataError(f"{path}:{row + 2}: missing or non-finite feature value")
    labels = [str(v) for v in frame["label"]]
    classes = classes if classes is not None else sorted(set(labels))
    unknown = sorted(set(labels) - set(classes))
    if unknown:
        raise DataError(f"{path}: unknown label(s) {unknown}; expected one of {classes}")
    y = np.array([classes.index(v) for v in labels], dtype=np.int64)
    return X, y, features, classes


def _first_text_cell(path: Path, frame: Any) -> str:
    """Where a feature column holds something that is not a number: file:line, column and cell."""
    import pandas as pd

    for column in frame.columns[1:]:
        numbers = pd.to_numeric(frame[column], errors="coerce")
        bad = np.flatnonzero(numbers.isna() & frame[column].notna())
        if len(bad):
            row = int(bad[0])
            return f"{path}:{row + 2}: feature {column!r} holds {frame[column].iloc[row]!r}, not a number"
    return f"{path}: feature columns must be numeric"


def require_two_classes(path: str | Path, y: np.ndarray, classes: list[str]) -> None:
    """A training table whose label column holds one class cannot train a classifier."""
    present = np.unique(y)
    if len(present) < 2:
        only = classes[present[0]] if len(present) else "none"
        raise DataError(f"{path}: the label column holds a single class ({only}); training needs at least two")


# ---------------------------------------------------------------------------- split
