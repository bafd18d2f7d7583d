"""Figures only: every function takes plain arrays and writes one PNG atomically."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from dmp.fileio import atomic_path


def _pyplot():  # headless backend, imported lazily so that non-plotting commands stay fast
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: str | Path) -> None:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=120, metadata={"Software": None})
    _pyplot().close(fig)


def output_trajectories(
    path: str | Path,
    times: np.ndarray,
    outputs: list[np.ndarray],
    nn_outputs: np.ndarray,
    classes: list[str],
    titles: list[str],
    suptitle: str,
) -> None:
    """One panel per example: y_j(t) = Y_j+ - Y_j- per class, with the network's value dashed."""
    plt = _pyplot()
    n = max(1, len(outputs))
    cols = min(n, 4)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 2.9 * rows), squeeze=False, sharex=True)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for k, ax in enumerate(axes.flat):
        if k >= len(outputs):
            ax.axis("off")
            continue
        for j, name in enumerate(classes):
            colour = colours[j % len(colours)]
            ax.plot(times, outputs[k][:, j], color=colour, label=name, lw=1.4)
            ax.axhline(nn_outputs[k, j], color=colour, ls="--", lw=0.8)
        ax.set_title(titles[k], fontsize=9)
        ax.set_xlabel("time (formal units)")
        ax.set_ylabel("y = Y+ - Y-")
    axes.flat[0].legend(fontsize=7, loc="best", ncol=2 if len(classes) > 5 else 1)
    fig.suptitle(suptitle, fontsize=10)
    fig.tight_layout()
    _save(fig, path)


def training_curves(path: str | Path, history: list[dict[str, float]], title: str) -> None:
    """Loss and accuracy per epoch (training and validation)."""
    plt = _pyplot()
    epochs = [h["epoch"] for h in history]
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2))
    left.plot(epochs, [h["train_loss"] for h in history], label="train")
    left.plot(epochs, [h["val_loss"] for h in history], label="validation")
    left.set_xlabel("epoch")
    left.set_ylabel("loss")
    left.legend()
    right.plot(epochs, [h["train_accuracy"] for h in history], label="train")
    right.plot(epochs, [h["val_accuracy"] for h in history], label="validation")
    right.set_xlabel("epoch")
    right.set_ylabel("accuracy")
    right.legend()
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    _save(fig, path)


def pattern_drawing(path: str | Path, rows: list[list[tuple[str, np.ndarray | None]]], suptitle: str) -> None:
    """Rows of black-and-white images (True = black), each panel titled; None leaves a panel empty."""
    plt = _pyplot()
    n_rows, n_cols = len(rows), max(len(row) for row in rows)
    height, width = next(image.shape for row in rows for _, image in row if image is not None)
    panel = 2.6
    fig, axes = plt.subplots(
        n_rows, n_cols, figsize=(panel * n_cols, panel * n_rows * height / width + 0.5 * n_rows), squeeze=False
    )
    for r in range(n_rows):
        for c in range(n_cols):
            ax = axes[r, c]
            ax.set_xticks([])
            ax.set_yticks([])
            title, image = rows[r][c] if c < len(rows[r]) else ("", None)
            if image is None:
                ax.axis("off")
                ax.text(0.5, 0.5, title, ha="center", va="center", fontsize=9, transform=ax.transAxes)
                continue
            ax.imshow(np.where(image, 0.0, 1.0), cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
            ax.set_title(title, fontsize=8)
    fig.suptitle(suptitle, fontsize=10)
    fig.tight_layout(rect=(0.0, 0.0, 1.0, 1.0 - 0.45 / fig.get_figheight()))  # room for the suptitle
    _save(fig, path)
