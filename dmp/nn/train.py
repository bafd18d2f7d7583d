"""Training of ternary-weight ReLU networks (PyTorch, CPU) and export to the portable model.

Two recipes, chosen by `training.selection`:

- `objective` (default): fit on train + val for a fixed schedule; `restarts` networks train
  side by side (dmp.nn.fit) and the one with the lowest training objective is kept, so no
  handful of held-out examples decides. Optional learned input and layer gains fold exactly
  into the exported model. A penalty `nt_penalty` per 1,000 predicted nucleotides of non-zero
  weights (dmp.nn.cost) trades accuracy for DNA; `max_nt` or the grids make training pick
  among candidates by cross-validated accuracy (dmp.nn.budget).
- `validation`: the recipe before issue 18 (dmp.nn.early_stopping).

Every exported model is checked against the PyTorch network it came from and records its
accuracy, non-zero weights and predicted strands and nucleotides per scheme.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from dmp.data.scaling import Scaling
from dmp.nn.cost import CostSettings, network_cost, weight_nucleotides
from dmp.nn.early_stopping import export_difference, train_by_validation
from dmp.nn.export import EXPORT_TOLERANCE, replica_difference, replica_model
from dmp.nn.fit import Replicas, fit_replicas
from dmp.nn.model import TernaryModel, accuracy
from dmp.nn.settings import TrainingSettings
from dmp.nn.ternary import TernaryLinear, TernaryMLP, ternarize

__all__ = [
    "EXPORT_TOLERANCE",
    "TernaryLinear",
    "TernaryMLP",
    "TrainingResult",
    "TrainingSettings",
    "export_difference",
    "model_cost",
    "ternarize",
    "train",
]


@dataclass
class TrainingResult:
    model: TernaryModel
    history: list[dict[str, float]]
    best_epoch: int
    export_max_abs_diff: float


def model_cost(model: TernaryModel, dsd: CostSettings) -> dict[str, Any]:
    """Non-zero weights (per layer and in all) and predicted strands and nucleotides per scheme."""
    per_layer = [int(np.count_nonzero(layer.weights)) for layer in model.layers]
    predicted = network_cost([layer.weights for layer in model.layers], [layer.bias for layer in model.layers], dsd)
    return {
        "nonzero_weights": sum(per_layer),
        "nonzero_weights_per_layer": per_layer,
        "predicted": {
            name: {"strands": c.strands, "nucleotides": c.nucleotides, "modules": c.modules, "species": c.species}
            for name, c in predicted.items()
        },
        "dsd": {
            "toehold_length": dsd.toehold_length,
            "domain_length": dsd.domain_length,
            "max_products": dsd.max_products,
            "inputs": dsd.inputs,
            "crn": "full",
        },
    }


def layer_weight_nt(settings: TrainingSettings, dsd: CostSettings, layers: int) -> list[float]:
    """Nucleotides one non-zero weight costs, per layer, in the penalty's scheme."""
    return [float(weight_nucleotides(settings.cost_scheme, dsd, first_layer=k == 0)) for k in range(layers)]


def replica_history(replicas: Replicas, replica: int) -> list[dict[str, float]]:
    """One replica's per-epoch record in the history.tsv columns (val = the monitored validation part)."""
    out = []
    for h in replicas.history:
        out.append(
            {
                "epoch": int(h["epoch"][replica]),
                "lr": float(h["lr"][replica]),
                "train_loss": float(h["loss"][replica]),
                "train_accuracy": float(h["accuracy"][replica]),
                "val_loss": float(h["monitor_loss"][replica]) if "monitor_loss" in h else float("nan"),
                "val_accuracy": float(h["monitor_accuracy"][replica]) if "monitor_accuracy" in h else float("nan"),
            }
        )
    return out


def soft_targets(
    settings: TrainingSettings, sizes: list[int], X: np.ndarray, y: np.ndarray, masks: np.ndarray, seed: int
) -> np.ndarray | None:
    """A float teacher's soft targets per replica (None without distillation); teacher default: 4x the hidden sizes."""
    if settings.distill <= 0:
        return None
    from dmp.nn.teacher import teacher_targets

    hidden = list(settings.teacher_hidden) or [4 * h for h in sizes[1:-1]]
    return teacher_targets(settings.fit_options(), [sizes[0], *hidden, sizes[-1]], X, y, masks, seed)


def fit_data(scaled: dict[str, tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """The examples the objective recipe fits on: the training and validation parts together."""
    X = np.concatenate([scaled["train"][0], scaled["val"][0]])
    y = np.concatenate([scaled["train"][1], scaled["val"][1]])
    return X, y


def train_by_objective(
    settings: TrainingSettings,
    sizes: list[int],
    scaled: dict[str, tuple[np.ndarray, np.ndarray]],
    seed: int,
    dsd: CostSettings,
) -> tuple[Replicas, int]:
    """`restarts` replicas (seeds seed+0, ...) on train + val; the index of the lowest training objective."""
    X, y = fit_data(scaled)
    seeds = [seed + r for r in range(settings.restarts)]
    soft = soft_targets(settings, sizes, X, y, np.ones((len(seeds), len(y))), seed)
    replicas = fit_replicas(
        settings.fit_options(),
        sizes,
        X,
        y,
        seeds,
        penalties=[settings.nt_penalty] * len(seeds),
        nt_per_weight=layer_weight_nt(settings, dsd, len(sizes) - 1),
        shuffle_seed=seed,
        monitor=scaled["val"],
        soft_targets=soft,
    )
    return replicas, int(np.argmin(replicas.objective))


def train(
    settings: TrainingSettings,
    hidden: list[int],
    scaling: Scaling,
    features: list[str],
    classes: list[str],
    data: dict[str, tuple[np.ndarray, np.ndarray]],
    seed: int,
    dsd: CostSettings,
) -> TrainingResult:
    """Train on raw-feature splits `data` ({'train'|'val'|'test': (X, y)}) and export a TernaryModel.

    `dsd` gives the DSD settings the cost prediction and penalty use (domain lengths, products
    per gate, input encoding). The test part is never used for training or
    selection, only for the metrics. Raises RuntimeError if the exported NumPy model does not
    reproduce the PyTorch outputs within EXPORT_TOLERANCE.
    """
    s = settings
    torch.set_num_threads(1)  # one thread: byte-identical results from run to run
    torch.use_deterministic_algorithms(True)
    scaled = {part: (scaling.apply(X), y) for part, (X, y) in data.items()}
    sizes = [len(features), *hidden, len(classes)]
    info: dict[str, Any] = {}
    if s.selection == "validation":
        model, history, best_epoch, run_seed, diff = train_by_validation(
            s, sizes, scaled, seed, features, classes, scaling
        )
        info.update({"seed": run_seed, "best_epoch": best_epoch, "epochs_run": len(history), "fitted_on": ["train"]})
    else:
        if s.searches():
            from dmp.nn.budget import search

            found = search(s, list(hidden), scaled, seed, dsd, features, classes, scaling)
            replicas, replica, info["search"] = found.replicas, found.replica, found.record
            run_seed = found.seed
        else:
            replicas, replica = train_by_objective(s, sizes, scaled, seed, dsd)
            run_seed = seed + replica
        model, factor, removed = replica_model(
            replicas.net, replica, features, classes, scaling, fit_data(scaled)[0], s.prune
        )
        diff = replica_difference(replicas.net, replica, model, factor, np.concatenate([X for X, _ in scaled.values()]))
        history = replica_history(replicas, replica)
        best_epoch = len(history)
        info.update(
            {
                "seed": run_seed,
                "epochs_run": len(history),
                "fitted_on": ["train", "val"],
                "training_objective": float(replicas.objective[replica]),
                "pruned_neurons": removed,
                "output_factor": factor,
            }
        )
    if not diff <= EXPORT_TOLERANCE:
        raise RuntimeError(f"exported model differs from the PyTorch network by {diff} (> {EXPORT_TOLERANCE})")
    model_scaled = {part: (model.scaling.apply(X), y) for part, (X, y) in data.items()}
    metrics = {f"{part}_accuracy": accuracy(model.forward_scaled(X), y) for part, (X, y) in model_scaled.items()}
    model.info = {
        "training": s.to_json(),
        "hidden": list(hidden),
        **info,
        "metrics": metrics,
        "cost": model_cost(model, dsd),
        "split_sizes": {part: int(len(y)) for part, (_, y) in data.items()},
        "export_check": {"max_abs_diff_torch_vs_numpy": diff, "tolerance": EXPORT_TOLERANCE},
    }
    return TrainingResult(model, history, best_epoch, diff)
