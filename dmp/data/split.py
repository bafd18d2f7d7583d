"""The seeded, stratified train/validation/test split (scaling fitted on the training part)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dmp.data.loaders import Dataset
from dmp.data.scaling import Scaling, fit_scaling
from dmp.errors import DataError


@dataclass
class Split:
    """Train/validation/test parts of a dataset (raw features) and the fitted scaling."""

    dataset: Dataset
    train: np.ndarray
    val: np.ndarray
    test: np.ndarray
    scaling: Scaling

    def part(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        index = getattr(self, name)
        return self.dataset.X[index], self.dataset.y[index]

    def sizes(self) -> dict[str, int]:
        return {"train": len(self.train), "val": len(self.val), "test": len(self.test)}


# ---------------------------------------------------------------------------- loaders


def split_sizes(n: int, fractions: dict[str, float]) -> dict[str, int]:
    """Integer part sizes: floor(n*train), floor(n*val), and the rest for test."""
    n_train = int(math.floor(n * fractions["train"] + 1e-9))
    n_val = int(math.floor(n * fractions["val"] + 1e-9))
    return {"train": n_train, "val": n_val, "test": n - n_train - n_val}


def split_dataset(dataset: Dataset, fractions: dict[str, float] | str, scaling: str, seed: int) -> Split:
    """Stratified, seeded train/val/test split; the scaling is fitted on the training part only.

    `fractions="all"` puts every example in every part: for a task whose goal is to reproduce
    the data itself (pattern formation: draw the whole image) rather than to generalise.
    With a predefined test set (MNIST), train and val divide the rest in the ratio train:val.
    """
    from sklearn.model_selection import train_test_split

    everything = np.arange(len(dataset.y))
    if fractions == "all":
        return Split(
            dataset, everything, everything.copy(), everything.copy(), fit_scaling(dataset.X, scaling, dataset.features)
        )
    try:
        if dataset.predefined_test is not None:
            test = dataset.predefined_test
            rest = np.setdiff1d(everything, test)
            n_val = int(round(len(rest) * fractions["val"] / (fractions["train"] + fractions["val"])))
            train, val = train_test_split(rest, test_size=n_val, stratify=dataset.y[rest], random_state=seed)
        else:
            sizes = split_sizes(len(everything), fractions)
            empty = [part for part in ("train", "val", "test") if sizes[part] < 1]
            if empty:
                parts = ", ".join(f"{part} {fractions[part]:g}" for part in ("train", "val", "test"))
                raise DataError(
                    f"{dataset.name}: the split ({parts}) leaves the {empty[0]} part of {len(everything)} examples "
                    "empty; give it a larger fraction"
                )
            rest, test = train_test_split(everything, test_size=sizes["test"], stratify=dataset.y, random_state=seed)
            train, val = train_test_split(rest, test_size=sizes["val"], stratify=dataset.y[rest], random_state=seed)
    except ValueError as exc:
        raise DataError(
            f"{dataset.name}: cannot split {len(everything)} examples with fractions {fractions}: {exc}"
        ) from None
    train, val, test = np.sort(train), np.sort(val), np.sort(test)
    return Split(dataset, train, val, test, fit_scaling(dataset.X[train], scaling, dataset.features))


# ---------------------------------------------------------------------------- files
