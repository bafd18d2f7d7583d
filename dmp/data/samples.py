"""Samples a wet lab wants classified: a CSV of raw feature values (one row per sample).

The table needs one column per feature the network was trained on (named as in model.json,
e.g. the virus net's ten probe ids), in any order; other columns are ignored, except that a
`sample`, `id` or `name` column names the rows (otherwise they are called `row N`). A table
written by the dataset step (`label` + features) is accepted as it is.

Bad cells stop the reading with one line naming the file, the row (its line number, the header
being line 1) and the column. A value outside the range the network saw in training is valid
but unusual: a warning names the sample, the feature and how far outside it lies.
"""

from __future__ import annotations

import csv
import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dmp.errors import DataError, DmpWarning

NAME_COLUMNS = ("sample", "id", "name")


@dataclass
class Samples:
    """Raw feature values of the samples, in the network's feature order."""

    names: list[str]
    X: np.ndarray  # (samples, features), raw units
    labels: list[str] | None  # the `label` column, when the table has one


def read_samples(path: str | Path, features: list[str]) -> Samples:
    """The samples of a CSV file; DataError (file:line: column ...) on a missing column or a bad cell."""
    path = Path(path)
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
    except FileNotFoundError:
        raise DataError(f"{path}: samples file not found") from None
    except UnicodeDecodeError:
        raise DataError(f"{path}: not a text file (UTF-8 CSV expected)") from None
    if not rows:
        raise DataError(f"{path}: empty file (expected a header row with the feature columns)")
    header = [h.strip() for h in rows[0]]
    missing = [f for f in features if f not in header]
    if missing:
        raise DataError(f"{path}:1: missing column {missing[0]!r} (the network needs {len(features)} feature columns)")
    where = [header.index(f) for f in features]
    name_column = next((header.index(c) for c in NAME_COLUMNS if c in header), None)
    label_column = header.index("label") if "label" in header else None
    names, values, labels = [], [], []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue  # a blank line
        if len(row) != len(header):
            raise DataError(f"{path}:{line}: row has {len(row)} fields; the header has {len(header)}")
        values.append([_number(path, line, features[k], row[i]) for k, i in enumerate(where)])
        names.append(row[name_column].strip() if name_column is not None else f"row {line}")
        if label_column is not None:
            labels.append(row[label_column].strip())
    if not values:
        raise DataError(f"{path}: no sample rows below the header")
    return Samples(names, np.array(values, dtype=np.float64), labels if label_column is not None else None)


def _number(path: Path, line: int, column: str, cell: str) -> float:
    text = cell.strip()
    if not text:
        raise DataError(f"{path}:{line}: column {column!r}: empty cell (a number is needed)")
    try:
        value = float(text)
    except ValueError:
        raise DataError(f"{path}:{line}: column {column!r}: {text!r} is not a number") from None
    if math.isnan(value):
        raise DataError(f"{path}:{line}: column {column!r}: NaN (a measured value is needed)")
    if math.isinf(value):
        raise DataError(f"{path}:{line}: column {column!r}: {text!r} is not a finite number")
    return value


def warn_out_of_range(samples: Samples, features: list[str], low: np.ndarray, high: np.ndarray) -> int:
    """One warning per value outside [low, high] (raw units): sample, feature, how far outside. Returns the count."""
    count = 0
    for i, name in enumerate(samples.names):
        for k, feature in enumerate(features):
            value = samples.X[i, k]
            if low[k] <= value <= high[k]:
                continue
            side, edge = ("below", low[k]) if value < low[k] else ("above", high[k])
            width = high[k] - low[k]
            relative = f" ({abs(value - edge) / width:.2g} x the training range)" if width > 0 else ""
            warnings.warn(
                f"sample {name}: feature {feature} = {value:g} is {abs(value - edge):.4g} {side} the training range "
                f"[{low[k]:.4g}, {high[k]:.4g}]{relative}; the network was not trained on such values",
                DmpWarning,
                stacklevel=2,
            )
            count += 1
    return count
