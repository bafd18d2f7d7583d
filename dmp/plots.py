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
    xlabel: str = "time (formal units)",
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
        ax.set_xlabel(xlabel)
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


def confusion_matrices(
    path: str | Path, panels: list[tuple[str, np.ndarray]], classes: list[str], suptitle: str
) -> None:
    """One heat map per CRN: rows the network's argmax, columns the CRN's argmax (counts)."""
    plt = _pyplot()
    n = max(1, len(panels))
    cols = min(n, 3)
    rows = int(np.ceil(n / cols))
    size = 1.2 + 0.38 * len(classes)
    fig, axes = plt.subplots(rows, cols, figsize=(size * cols + 0.6, size * rows + 0.6), squeeze=False)
    for k, ax in enumerate(axes.flat):
        if k >= len(panels):
            ax.axis("off")
            continue
        title, matrix = panels[k]
        ax.imshow(matrix, cmap="Blues", vmin=0)
        for (i, j), value in np.ndenumerate(matrix):
            if value:
                colour = "white" if value > matrix.max() / 2 else "black"
                ax.text(j, i, str(int(value)), ha="center", va="center", fontsize=7, color=colour)
        ax.set_xticks(range(len(classes)), classes, rotation=90 if len(classes) > 4 else 0, fontsize=7)
        ax.set_yticks(range(len(classes)), classes, fontsize=7)
        ax.set_xlabel("CRN argmax", fontsize=8)
        ax.set_ylabel("network argmax", fontsize=8)
        ax.set_title(title, fontsize=8)
    fig.suptitle(suptitle, fontsize=10)
    fig.tight_layout()
    _save(fig, path)


def stabilisation_scatter(
    path: str | Path, panels: list[tuple[str, np.ndarray, np.ndarray]], xlabel: str, suptitle: str
) -> None:
    """Stabilisation time (log scale) against the network's softmax confidence, one panel per CRN."""
    plt = _pyplot()
    n = max(1, len(panels))
    fig, axes = plt.subplots(1, n, figsize=(4.2 * n, 3.4), squeeze=False)
    for ax, (title, confidence, times) in zip(axes.flat, panels, strict=False):
        positive = times > 0
        ax.scatter(confidence[positive], times[positive], s=10, alpha=0.7)
        if (~positive).any():
            ax.scatter(confidence[~positive], np.full((~positive).sum(), np.nan), s=10)
        ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("stabilisation time (formal units)")
        ax.set_title(title, fontsize=9)
    fig.suptitle(suptitle, fontsize=10)
    fig.tight_layout()
    _save(fig, path)


def rate_spread(
    path: str | Path,
    deviations: dict[str, np.ndarray],
    tolerance: float,
    competitive: np.ndarray,
    competitive_base: float,
    suptitle: str,
) -> None:
    """Left: per draw, the largest output change of each network CRN (log); right: the competitive CRN's output."""
    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(9.5, 3.5))
    floor = 1e-16
    for k, (name, values) in enumerate(deviations.items()):
        draws = np.arange(1, len(values) + 1)
        left.scatter(draws + 0.1 * k, np.maximum(values, floor), label=name, s=18)
    left.axhline(tolerance, color="red", ls="--", lw=0.8, label=f"tolerance {tolerance:g}")
    left.set_yscale("log")
    left.set_xlabel("random draw of all rate constants")
    left.set_ylabel("max |y(random k) - y(k = 1)|")
    left.set_title("non-competitive network CRNs", fontsize=9)
    left.legend(fontsize=7)
    draws = np.arange(1, len(competitive) + 1)
    right.scatter(draws, competitive, color="C3", s=18, label="random rate constants")
    right.axhline(competitive_base, color="black", ls="--", lw=0.8, label="k = 1")
    right.set_xlabel("random draw of both rate constants")
    right.set_ylabel("final C")
    right.set_title("competitive contrast: A + B -> C, A + D -> E", fontsize=9)
    right.legend(fontsize=7)
    fig.suptitle(suptitle, fontsize=10)
    fig.tight_layout()
    _save(fig, path)


def ssa_ensembles(
    path: str | Path,
    times: np.ndarray,
    ensembles: list[tuple[str, np.ndarray, np.ndarray]],
    classes: list[str],
    sweep: tuple[np.ndarray, np.ndarray, np.ndarray],
    suptitle: str,
) -> None:
    """Per example, every trajectory's outputs (thin) and the network's values (dashed); last panel: the sweep.

    ensembles: (title, outputs (trajectories, T, O), nn outputs (O,)); sweep: (molecules per unit,
    mean argmax agreement, mean |error|).
    """
    plt = _pyplot()
    n = len(ensembles) + 1
    cols = min(n, 3)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.0 * cols, 3.1 * rows), squeeze=False)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    flat = list(axes.flat)
    for ax, (title, outputs, nn) in zip(flat, ensembles, strict=False):
        for j, name in enumerate(classes):
            colour = colours[j % len(colours)]
            for k in range(outputs.shape[0]):
                ax.plot(times, outputs[k, :, j], color=colour, lw=0.5, alpha=0.35, label=name if k == 0 else None)
            ax.axhline(nn[j], color=colour, ls="--", lw=0.9)
        ax.set_title(title, fontsize=8)
        ax.set_xlabel("time (formal units)")
        ax.set_ylabel("y = (Y+ - Y-) molecules / unit")
    if ensembles:
        flat[0].legend(fontsize=6, ncol=2 if len(classes) > 5 else 1)
    ax = flat[len(ensembles)]
    molecules, agreement, error = sweep
    ax.plot(molecules, agreement, "o-", color="C0", label="argmax agreement")
    ax.set_xscale("log")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("molecules per concentration unit")
    ax.set_ylabel("fraction of trajectories agreeing", color="C0")
    twin = ax.twinx()
    twin.plot(molecules, error, "s--", color="C3", label="mean |y - y_NN|")
    twin.set_yscale("log")
    twin.set_ylabel("mean |y - y_NN|", color="C3")
    ax.set_title("agreement with the network vs molecule count", fontsize=8)
    for extra in flat[len(ensembles) + 1 :]:
        extra.axis("off")
    fig.suptitle(suptitle, fontsize=10)
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


def _axis_rows(summary: dict[str, Any], axis: str) -> list[dict[str, Any]]:
    return [r for r in summary["sweep"] if r["axis"] == axis]


def _sweep_panel(ax: Any, rows: list[dict[str, Any]], xlabel: str, log: bool) -> None:
    """Agreement at the read-out (left axis) and time to answer, median and worst (right axis), along one sweep axis."""
    if not rows:
        ax.axis("off")
        return
    x = np.array([r["value"] for r in rows], dtype=float)
    agree = [r["agreement_fraction"] for r in rows]
    ax.plot(x, agree, "o-", color="C0", label="agreement at read-out")
    ax.set_ylim(-0.02, 1.02)
    ax.set_ylabel("argmax agreement", color="C0")
    ax.set_xlabel(xlabel)
    if log:
        ax.set_xscale("symlog", linthresh=max(min(v for v in x if v > 0) if any(x > 0) else 1.0, 1e-12))
    twin = ax.twinx()
    for key, style, label in (("t_answer_median_h", "s--", "median"), ("t_answer_worst_h", "^:", "worst")):
        values = [np.nan if r[key] is None else r[key] for r in rows]
        twin.plot(x, values, style, color="C3", label=f"time to answer, {label}")
    twin.set_ylabel("time to answer (h)", color="C3")
    twin.legend(fontsize=7, loc="center right")


def leak_figure(
    path: str | Path, summary: dict[str, Any], control: dict[str, Any], rails: list[str], classes: list[str]
) -> None:
    """The leak study: agreement and time to answer along each sweep axis, agreement over time, the no-input control."""
    plt = _pyplot()
    fig, axes = plt.subplots(2, 3, figsize=(15, 8.5))
    n = summary["sweep_examples"]
    _sweep_panel(axes[0, 0], _axis_rows(summary, "leak"), "leak (x default rate constants)", True)
    axes[0, 0].set_title(f"leak ({n} examples)", fontsize=10)
    _sweep_panel(axes[0, 1], _axis_rows(summary, "unit_nM"), "unit concentration (nM)", True)
    axes[0, 1].set_title(f"unit concentration, default leak ({n} examples)", fontsize=10)
    _sweep_panel(axes[0, 2], _axis_rows(summary, "fuel"), "fuel (x compiled concentrations)", False)
    axes[0, 2].set_title(f"fuel excess, default leak ({n} examples)", fontsize=10)
    ax = axes[1, 0]
    for key, label in (("no_leak", "no leak"), ("leak", "default leak")):
        curve = summary[key]["agreement_over_time"]
        ax.plot(
            curve["time_h"],
            curve["fraction"],
            label=f"{label} ({summary[key]['agreement']}/{summary[key]['examples']} at read-out)",
        )
    ax.axvline(summary["readout_h"], color="k", ls="--", lw=0.8, label="read-out")
    ax.set_xscale("log")
    ax.set_xlabel("time (h)")
    ax.set_ylabel("fraction read as the network's class")
    ax.set_title("all test examples, operating point", fontsize=10)
    ax.legend(fontsize=7)
    ax = axes[1, 1]
    t = np.asarray(control["time_h"])
    for k, rail in enumerate(rails):
        extra = np.asarray(control["leak"][rail]) - np.asarray(control["no_leak"][rail])
        ax.plot(t, extra, color=f"C{k % 10}", label=rail)
    ax.axvline(summary["readout_h"], color="k", ls="--", lw=0.8)
    ax.set_xscale("log")
    ax.set_xlabel("time (h)")
    ax.set_ylabel("leak-only fluorescent product (nM)")
    ax.set_title("no-input control: with leak minus without", fontsize=10)
    ax.legend(fontsize=7, ncol=2)
    ax = axes[1, 2]
    outputs = np.asarray(control["leak_outputs"])
    for j, name in enumerate(classes):
        ax.plot(t, outputs[:, j], color=f"C{j % 10}", label=f"{name}, leak")
        ax.plot(t, np.asarray(control["no_leak_outputs"])[:, j], color=f"C{j % 10}", ls=":", lw=0.8)
    ax.axvline(summary["readout_h"], color="k", ls="--", lw=0.8)
    ax.set_xscale("log")
    ax.set_xlabel("time (h)")
    ax.set_ylabel("y read off the reporters (formal units)")
    ax.set_title("no-input control: outputs (dotted: no leak)", fontsize=10)
    ax.legend(fontsize=7)
    fig.suptitle(f"{summary['scheme']}: leak, read-out at {summary['readout_h']:g} h", fontsize=11)
    fig.tight_layout()
    _save(fig, path)
