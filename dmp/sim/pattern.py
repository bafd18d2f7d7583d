"""The image a network CRN draws: simulate it at every point of a grid of (x1, x2) coordinates.

Pattern formation (Vasic et al., PNAS 2022): the network maps the coordinates of a point to
black or white. The CRN receives the coordinates as dual-rail (or shifted) input
concentrations, runs to `t_end`, and its colour is the argmax of y_j = Y_j+ - Y_j-; one batched
ODE system (`dmp.sim.batch`) integrates all grid points together.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dmp.crn.model import CRN
from dmp.crn.species_map import SpeciesMap
from dmp.nn.model import TernaryModel
from dmp.sim.agreement import METHODS
from dmp.sim.readout import simulate_inputs
from dmp.sim.settings import SimulationSettings


def grid_coordinates(shape: tuple[int, int], unit: float, upsample: int = 1) -> np.ndarray:
    """(H*k * W*k, 2) coordinates (x1 right, x2 up) of the sub-pixel centres, row by row from the top.

    With k = 1 these are the pixel centres of an H x W image whose pixels are `unit` apart and
    whose centre is the origin (the layout `dmp.data.loaders.load_pattern` uses); with k > 1 each
    pixel is split into k x k sub-pixels.
    """
    height, width = shape
    offsets = (np.arange(upsample) + 0.5) / upsample - 0.5  # sub-pixel centres, in pixels
    rows = (np.arange(height)[:, None] + offsets[None, :]).ravel()
    cols = (np.arange(width)[:, None] + offsets[None, :]).ravel()
    x2 = ((height - 1) / 2 - rows) * unit
    x1 = (cols - (width - 1) / 2) * unit
    grid_x2, grid_x1 = np.meshgrid(x2, x1, indexing="ij")
    return np.column_stack([grid_x1.ravel(), grid_x2.ravel()])


def pixel_indices(X: np.ndarray, shape: tuple[int, int], unit: float) -> tuple[np.ndarray, np.ndarray]:
    """Row and column of each pixel-centre coordinate pair (the inverse of `grid_coordinates` with k = 1).

    Raises ValueError if a point is off the grid.
    """
    height, width = shape
    rows_f = (height - 1) / 2 - X[:, 1] / unit
    cols_f = X[:, 0] / unit + (width - 1) / 2
    rows, cols = np.rint(rows_f).astype(np.int64), np.rint(cols_f).astype(np.int64)
    off = (
        (np.abs(rows - rows_f) > 1e-6)
        | (np.abs(cols - cols_f) > 1e-6)
        | (rows < 0)
        | (rows >= height)
        | (cols < 0)
        | (cols >= width)
    )
    if off.any():
        k = int(np.flatnonzero(off)[0])
        raise ValueError(f"point ({X[k, 0]:g}, {X[k, 1]:g}) is not a pixel centre of the {height}x{width} image")
    return rows, cols


def target_image(X: np.ndarray, y: np.ndarray, shape: tuple[int, int], unit: float) -> np.ndarray:
    """(H, W) class of every pixel from its examples; ValueError if a point is off the grid or a pixel is missing."""
    rows, cols = pixel_indices(X, shape, unit)
    target = np.full(shape, -1, dtype=np.int64)
    target[rows, cols] = y
    if (target < 0).any():
        r, c = np.argwhere(target < 0)[0]
        raise ValueError(f"pixel (row {r}, column {c}) is in no part of the split")
    return target


@dataclass
class Drawing:
    """The network's and every CRN's outputs on the pixel grid (k = 1) and on a k-times finer grid."""

    grids: dict[int, np.ndarray]  # k -> (points, 2) coordinates
    nn: dict[int, np.ndarray]  # k -> (points, classes)
    crns: dict[str, dict[int, np.ndarray]] = field(default_factory=dict)
    clipped: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def draw(
    model: TernaryModel,
    crns: dict[str, CRN],
    species_map: SpeciesMap,
    shape: tuple[int, int],
    unit: float,
    upsample: int,
    settings: SimulationSettings,
    jobs: int = 1,
) -> Drawing:
    """Simulate every CRN at every pixel centre (and on the finer grid) to `settings.t_end`."""
    grids = {1: grid_coordinates(shape, unit, 1)}
    if upsample > 1:
        grids[upsample] = grid_coordinates(shape, unit, upsample)
    drawing = Drawing(grids, {k: model.forward(G) for k, G in grids.items()})
    times = np.array([0.0, float(settings.t_end)])
    started = time.perf_counter()
    for name, crn in crns.items():
        drawing.crns[name], drawing.clipped[name] = {}, 0
        for k, G in grids.items():
            readout = simulate_inputs(crn, species_map, model.scaling.apply(G), times, settings, 1.0, jobs)
            drawing.crns[name][k] = readout.final_outputs
            drawing.clipped[name] += readout.clipped
    drawing.seconds = time.perf_counter() - started
    return drawing


def _argmax(outputs: np.ndarray) -> np.ndarray:
    return np.argmax(outputs, axis=1)


def crn_entries(drawing: Drawing, target: np.ndarray) -> dict[str, dict[str, Any]]:
    """Pixel accuracy and agreement with the network of every CRN (fine-grid agreement too)."""
    nn_pixels = _argmax(drawing.nn[1])
    out = {}
    for name, outputs in drawing.crns.items():
        pixels = _argmax(outputs[1])
        entry: dict[str, Any] = {
            "pixel_accuracy": float(np.mean(pixels == target)),
            "agreement_with_nn": float(np.mean(pixels == nn_pixels)),
            "pixels_differing_from_nn": int(np.sum(pixels != nn_pixels)),
            "max_abs_output_error": float(np.max(np.abs(outputs[1] - drawing.nn[1]))),
            "clipped_inputs": drawing.clipped[name],
        }
        for k in outputs:
            if k > 1:
                entry["fine_grid_agreement_with_nn"] = float(np.mean(_argmax(outputs[k]) == _argmax(drawing.nn[k])))
                entry["fine_grid_max_abs_output_error"] = float(np.max(np.abs(outputs[k] - drawing.nn[k])))
        out[name] = entry
    return out


def pattern_summary(
    drawing: Drawing,
    target: np.ndarray,
    black: int,
    meta: dict[str, Any],
    layer_sizes: list[int],
    settings: SimulationSettings,
    jobs: int,
) -> dict[str, Any]:
    """pattern.json: the image, grid, network and CRN pixel figures (headline = worst CRN)."""
    per_crn = crn_entries(drawing, target)
    height, width = meta["image_shape"]
    upsample = max(drawing.grids)
    return {
        "image": meta.get("source"),
        "grid": {"rows": height, "cols": width, "pixel_unit": float(meta["pixel_unit"])},
        "n_pixels": int(target.size),
        "black_pixels": int(np.sum(target == black)),
        "layer_sizes": layer_sizes,
        "nn_pixel_accuracy": float(np.mean(_argmax(drawing.nn[1]) == target)),
        "crn_pixel_accuracy": min(e["pixel_accuracy"] for e in per_crn.values()) if per_crn else None,
        "crn_nn_agreement": min(e["agreement_with_nn"] for e in per_crn.values()) if per_crn else None,
        "crns": per_crn,
        "fine_grid": {"upsample": upsample, "rows": height * upsample, "cols": width * upsample}
        if upsample > 1
        else None,
        "t_end": settings.t_end,
        "method": METHODS[settings.engine],
        "simulated_points": int(sum(len(drawing.grids[k]) for k in drawing.grids) * len(drawing.crns)),
        "simulation_seconds": round(drawing.seconds, 3),
        "jobs": jobs,
        "rtol": settings.rtol,
        "atol": settings.atol,
    }


def panels(drawing: Drawing, target: np.ndarray, black: int, summary: dict[str, Any]) -> list[list[tuple[str, Any]]]:
    """The figure's rows of (title, black-pixel image) panels: target, network, each CRN; the finer grid below."""
    height, width = summary["grid"]["rows"], summary["grid"]["cols"]

    def image(classes: np.ndarray, k: int) -> np.ndarray:
        return (classes == black).reshape(height * k, width * k)

    def percent(value: float) -> str:
        return f"{100 * value:.1f}%"

    rows: list[list[tuple[str, Any]]] = [
        [(f"target ({summary['black_pixels']}/{target.size} black)", image(target, 1))]
        + [(f"network: {percent(summary['nn_pixel_accuracy'])} of pixels", image(_argmax(drawing.nn[1]), 1))]
        + [
            (
                f"{name} CRN: {percent(e['pixel_accuracy'])} of pixels\n"
                f"agrees with network on {percent(e['agreement_with_nn'])}",
                image(_argmax(drawing.crns[name][1]), 1),
            )
            for name, e in summary["crns"].items()
        ]
    ]
    k = max(drawing.grids)
    if k > 1:
        rows.append(
            [(f"{k}x finer grid:", None), ("network", image(_argmax(drawing.nn[k]), k))]
            + [
                (
                    f"{name} CRN (agrees on {percent(summary['crns'][name]['fine_grid_agreement_with_nn'])})",
                    image(_argmax(drawing.crns[name][k]), k),
                )
                for name in drawing.crns
            ]
        )
    return rows
