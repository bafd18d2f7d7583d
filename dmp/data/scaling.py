"""Input scaling fitted on the training part: x_scaled = (x - offset) / scale.

The network, its CRN and every simulation see scaled inputs; model.json and split.json
store the same scaling, so raw feature values (a sample's probe readings) map to input
concentrations the same way everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dmp.errors import DataError


@dataclass
class Scaling:
    """Affine input scaling x_scaled = (x - offset) / scale, fitted on the training part."""

    method: str
    offset: np.ndarray
    scale: np.ndarray

    def apply(self, X: np.ndarray) -> np.ndarray:
        return (np.asarray(X, dtype=np.float64) - self.offset) / self.scale

    def to_json(self) -> dict[str, Any]:
        return {"method": self.method, "offset": self.offset.tolist(), "scale": self.scale.tolist()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Scaling:
        return cls(data["method"], np.asarray(data["offset"], float), np.asarray(data["scale"], float))


def scaling_problem(data: Any, features: list[str]) -> str | None:
    """Why stored scaling (`input_scaling` of model.json, `scaling` of split.json) cannot scale these features.

    Each feature needs a finite offset and a positive scale whose inverse is finite too (a scale
    of 1e-320 turns every input into infinity), one per feature.
    """
    try:
        scaling = Scaling.from_json(data)
    except (KeyError, TypeError, ValueError):
        return "needs 'method' and numeric 'offset' and 'scale' lists"
    if scaling.offset.shape != (len(features),) or scaling.scale.shape != (len(features),):
        return f"offset/scale length differs from the number of features ({len(features)})"
    with np.errstate(divide="ignore", over="ignore"):
        bad = np.flatnonzero(
            ~np.isfinite(scaling.offset)
            | ~(scaling.scale > 0)
            | ~np.isfinite(scaling.scale)
            | ~np.isfinite(1 / scaling.scale)
        )
    if len(bad):
        i = int(bad[0])
        return (
            f"feature {features[i]!r}: offset {scaling.offset[i]:g}, scale {scaling.scale[i]:g}; "
            "the scale must be a positive finite number with a finite inverse"
        )
    return None


def fit_scaling(X: np.ndarray, method: str, features: list[str] | None = None) -> Scaling:
    """Fit the input scaling on training features; constant features keep scale 1."""
    d = X.shape[1]
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is checked below, naming the feature
        if method == "standard":
            offset, scale = X.mean(axis=0), X.std(axis=0)
        elif method == "minmax":
            offset, scale = X.min(axis=0), X.max(axis=0) - X.min(axis=0)
        elif method == "minmax_global":
            # One offset and scale for every feature (pixel intensities 0-255 -> [0, 1]): a pixel that
            # is blank throughout training cannot blow up on a test image, and relative scales stay.
            low, high = (float(X.min()), float(X.max())) if X.size else (0.0, 1.0)
            offset, scale = np.full(d, low), np.full(d, high - low)
        else:
            offset, scale = np.zeros(d), np.ones(d)
        scale = np.where(scale > 0, scale, 1.0)
    bad = np.flatnonzero(~np.isfinite(offset) | ~np.isfinite(scale))
    if len(bad):  # values near the float limit: the mean or spread overflows
        raise DataError(
            f"feature {features[bad[0]] if features else bad[0]}: its training values are too large to scale "
            f"({method} scaling gives offset {offset[bad[0]]:g}, scale {scale[bad[0]]:g})"
        )
    return Scaling(method, offset.astype(float), scale.astype(float))
