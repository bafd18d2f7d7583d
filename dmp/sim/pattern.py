"""The image a network CRN draws: simulate it at every point of a grid of (x1, x2) coordinates.

Pattern formation (Vasic et al., PNAS 2022): the network maps the coordinates of a point to
black or white. The CRN receives the coordinates as dual-rail (or shifted) input
concentrations, runs to `t_end`, and its colour is the argmax of y_j = Y_j+ - Y_j-; one batched
ODE system (`dmp.sim.batch`) integrates all grid points together.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np

from dmp.crn.model import CRN
from dmp.crn.translate import SpeciesMap
from dmp.sim.batch import simulate_batch


def grid_coordinates(shape: tuple[int, int], unit: float, upsample: int = 1) -> np.ndarray:
    """(H*k * W*k, 2) coordinates (x1 right, x2 up) of the sub-pixel centres, row by row from the top.

    With k = 1 these are the pixel centres of an H x W image whose pixels are `unit` apart and
    whose centre is the origin (the layout `dmp.datasets.load_pattern` uses); with k > 1 each
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


def crn_outputs(
    crn: CRN, species_map: SpeciesMap, X_scaled: np.ndarray, settings: dict[str, Any]
) -> tuple[np.ndarray, int]:
    """CRN outputs (n x classes) at `settings['t_end']` for each scaled input, and the count of clipped inputs."""
    present = set(crn.species)
    overrides, clipped = [], 0
    for x in X_scaled:
        values, n_clipped = species_map.input_concentrations(x, present)
        overrides.append(values)
        clipped += n_clipped
    _, values, species = simulate_batch(crn, overrides, settings["t_end"], 2, settings["rtol"], settings["atol"])
    final = values[-1]  # (n, S)
    index = {name: i for i, name in enumerate(species)}
    zero = np.zeros(len(X_scaled))
    outputs = [
        (final[:, index[p]] if p in index else zero) - (final[:, index[m]] if m in index else zero)
        for p, m in species_map.output_species()
    ]
    return np.column_stack(outputs) if outputs else np.zeros((len(X_scaled), 0)), clipped


def _outputs_task(task: tuple[CRN, SpeciesMap, np.ndarray, dict[str, Any]]) -> tuple[np.ndarray, int]:
    return crn_outputs(*task)


def crn_outputs_many(
    jobs_list: list[tuple[CRN, np.ndarray]],
    species_map: SpeciesMap,
    settings: dict[str, Any],
    jobs: int = 1,
    chunk: int = 64,
) -> list[tuple[np.ndarray, int]]:
    """`crn_outputs` for several (CRN, scaled inputs) pairs, split into chunks of `chunk` points
    that `jobs` worker processes simulate in parallel; results in the order given."""
    tasks, owners = [], []
    for k, (crn, X_scaled) in enumerate(jobs_list):
        for start in range(0, len(X_scaled), chunk):
            tasks.append((crn, species_map, X_scaled[start : start + chunk], settings))
            owners.append(k)
    if jobs > 1 and len(tasks) > 1:
        with ProcessPoolExecutor(max_workers=min(jobs, len(tasks))) as pool:
            parts = list(pool.map(_outputs_task, tasks))
    else:
        parts = [_outputs_task(task) for task in tasks]
    results = []
    for k, (_, X_scaled) in enumerate(jobs_list):
        mine = [part for part, owner in zip(parts, owners, strict=True) if owner == k]
        n_out = len(species_map.outputs)
        outputs = np.concatenate([m[0] for m in mine]) if mine else np.zeros((len(X_scaled), n_out))
        results.append((outputs, sum(m[1] for m in mine)))
    return results
