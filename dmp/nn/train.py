"""Training of ternary-weight ReLU networks, BinaryConnect style (PyTorch, CPU).

Each layer keeps real-valued shadow weights clipped to [-1, 1]. The forward pass uses their
ternary image (sign(w) where |w| > zero_threshold, else 0) and the backward pass passes the
gradient straight through to the shadow weights (Courbariaux et al. 2015). Biases stay real.
The best epoch by validation accuracy (ties: lower validation loss) is kept; training stops
early after `patience` epochs without improvement.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from dmp.data.scaling import Scaling
from dmp.errors import DmpError
from dmp.nn.model import Layer, TernaryModel, accuracy
from dmp.nn.settings import TrainingSettings  # noqa: F401 (re-exported: its home before nn/settings.py)
from dmp.params import to_dict

EXPORT_TOLERANCE = 1e-6


def ternarize(weight: torch.Tensor, threshold: float) -> torch.Tensor:
    """Ternary image of shadow weights: -1, 0 or +1."""
    return (weight > threshold).to(weight.dtype) - (weight < -threshold).to(weight.dtype)


class TernaryLinear(nn.Module):
    """Dense layer whose forward pass uses ternary weights with a straight-through gradient."""

    def __init__(self, n_in: int, n_out: int, threshold: float, generator: torch.Generator) -> None:
        super().__init__()
        self.threshold = threshold
        self.weight = nn.Parameter(torch.rand(n_out, n_in, generator=generator) * 2.0 - 1.0)
        self.bias = nn.Parameter(torch.zeros(n_out))

    def ternary_weight(self) -> torch.Tensor:
        w = self.weight
        # Straight-through estimator: value of the ternary weight, gradient of the identity.
        return w + (ternarize(w, self.threshold) - w).detach()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.linear(x, self.ternary_weight(), self.bias)

    def clip_(self) -> None:
        with torch.no_grad():
            self.weight.clamp_(-1.0, 1.0)


class TernaryMLP(nn.Module):
    """Stack of TernaryLinear layers with ReLU between them and a linear output."""

    def __init__(self, sizes: list[int], threshold: float, generator: torch.Generator) -> None:
        super().__init__()
        self.layers = nn.ModuleList(
            TernaryLinear(a, b, threshold, generator) for a, b in zip(sizes[:-1], sizes[1:], strict=True)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for k, layer in enumerate(self.layers):
            x = layer(x)
            if k < len(self.layers) - 1:
                x = torch.relu(x)
        return x

    def clip_(self) -> None:
        for layer in self.layers:
            layer.clip_()


@dataclass
class TrainingResult:
    model: TernaryModel
    history: list[dict[str, float]]
    best_epoch: int
    export_max_abs_diff: float


def _loss_fn(name: str) -> nn.Module:
    return nn.MultiMarginLoss(margin=1.0) if name == "hinge" else nn.CrossEntropyLoss()


def _to_model(
    net: TernaryMLP, features: list[str], classes: list[str], scaling: Scaling, input_range: dict[str, list[float]]
) -> TernaryModel:
    layers = [
        Layer(
            ternarize(layer.weight.detach(), layer.threshold).to(torch.int8).numpy().copy(),
            layer.bias.detach().to(torch.float64).numpy().copy(),
        )
        for layer in net.layers
    ]
    return TernaryModel(layers, features, classes, scaling, input_range)


def export_difference(net: TernaryMLP, model: TernaryModel, X_scaled: np.ndarray) -> float:
    """Largest |PyTorch output - NumPy output| over `X_scaled`, both in float64."""
    reference = net.to(torch.float64)
    try:
        with torch.no_grad():
            torch_out = reference(torch.from_numpy(np.asarray(X_scaled, dtype=np.float64))).numpy()
    finally:
        net.to(torch.float32)
    numpy_out = model.forward_scaled(X_scaled)
    if not np.array_equal(np.argmax(torch_out, 1), np.argmax(numpy_out, 1)):
        return math.inf
    return float(np.max(np.abs(torch_out - numpy_out))) if len(X_scaled) else 0.0


def _optimizer(net: TernaryMLP, settings: TrainingSettings) -> tuple[torch.optim.Optimizer, Any]:
    """The optimiser (no weight decay on biases) and its learning-rate schedule."""
    params = [
        {"params": [layer.weight for layer in net.layers]},
        {"params": [layer.bias for layer in net.layers], "weight_decay": 0.0},
    ]
    if settings.optimizer == "adam":
        optimizer = torch.optim.Adam(params, lr=settings.lr, weight_decay=settings.weight_decay)
    else:
        optimizer = torch.optim.SGD(params, lr=settings.lr, momentum=0.9, weight_decay=settings.weight_decay)
    if settings.lr_schedule == "step":
        return optimizer, torch.optim.lr_scheduler.StepLR(optimizer, settings.lr_step_epochs, settings.lr_gamma)
    if settings.lr_schedule == "cosine":
        return optimizer, torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=settings.epochs)
    return optimizer, torch.optim.lr_scheduler.LambdaLR(optimizer, lambda epoch: 1.0)


def _train_once(
    settings: TrainingSettings, sizes: list[int], data: dict[str, tuple[np.ndarray, np.ndarray]], seed: int, desc: str
) -> tuple[TernaryMLP, list[dict[str, float]], int, tuple[float, float]]:
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    net = TernaryMLP(sizes, settings.zero_threshold, generator)
    optimizer, scheduler = _optimizer(net, settings)
    loss_fn = _loss_fn(settings.loss)
    X_train = torch.from_numpy(data["train"][0]).float()
    y_train = torch.from_numpy(data["train"][1])
    X_val = torch.from_numpy(data["val"][0]).float()
    y_val = torch.from_numpy(data["val"][1])
    n = len(y_train)
    batch = settings.batch_size

    history: list[dict[str, float]] = []
    best_state: dict[str, torch.Tensor] | None = None
    best_score: tuple[float, float] | None = None
    best_epoch = 0
    stale = 0
    bar = tqdm(
        range(1, settings.epochs + 1),
        desc=desc,
        unit="epoch",
        file=sys.stderr,
        disable=None,
        dynamic_ncols=True,
        leave=True,
    )
    for epoch in bar:
        net.train()
        order = torch.randperm(n, generator=generator)
        total = 0.0
        for start in range(0, n, batch):
            index = order[start : start + batch]
            optimizer.zero_grad()
            loss = loss_fn(net(X_train[index]), y_train[index])
            loss.backward()
            optimizer.step()
            net.clip_()
            total += float(loss.detach()) * len(index)
        if not math.isfinite(total):
            raise DmpError(
                f"training diverged: the loss is {total / n} at epoch {epoch} (learning rate "
                f"{optimizer.param_groups[0]['lr']:g}); lower training.lr"
            )
        scheduler.step()
        net.eval()
        with torch.no_grad():
            train_acc = float((net(X_train).argmax(1) == y_train).float().mean())
            val_out = net(X_val)
            val_loss = float(loss_fn(val_out, y_val)) if len(y_val) else math.nan
            val_acc = float((val_out.argmax(1) == y_val).float().mean()) if len(y_val) else train_acc
        record = {
            "epoch": epoch,
            "lr": optimizer.param_groups[0]["lr"],
            "train_loss": total / n,
            "train_accuracy": train_acc,
            "val_loss": val_loss,
            "val_accuracy": val_acc,
        }
        history.append(record)
        bar.set_postfix(loss=f"{total / n:.4f}", acc=f"{train_acc:.3f}", val_acc=f"{val_acc:.3f}")
        score = (val_acc, 0.0 if math.isnan(val_loss) else -val_loss)
        if best_score is None or score > best_score:
            best_score = score
            best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
            best_epoch = epoch
            stale = 0
        else:
            stale += 1
            if stale >= settings.patience:
                break
    bar.close()
    assert best_state is not None and best_score is not None
    net.load_state_dict(best_state)
    return net, history, best_epoch, best_score


def train(
    settings: TrainingSettings,
    hidden: list[int],
    scaling: Scaling,
    features: list[str],
    classes: list[str],
    data: dict[str, tuple[np.ndarray, np.ndarray]],
    seed: int,
) -> TrainingResult:
    """Train on raw-feature splits `data` ({'train'|'val'|'test': (X, y)}) and export a TernaryModel.

    With `restarts` > 1, independent seeds seed+0, seed+1, ... are trained and the best by
    validation accuracy is kept. Raises RuntimeError if the exported NumPy model does not
    reproduce the PyTorch outputs within EXPORT_TOLERANCE.
    """
    torch.set_num_threads(1)  # one thread: byte-identical results from run to run
    torch.use_deterministic_algorithms(True)
    scaled = {part: (scaling.apply(X), y) for part, (X, y) in data.items()}
    X_train = scaled["train"][0]
    input_range = {"min": X_train.min(axis=0).tolist(), "max": X_train.max(axis=0).tolist()}
    sizes = [len(features), *hidden, len(classes)]
    best: tuple[tuple[float, float], TernaryMLP, list[dict[str, float]], int, int] | None = None
    for restart in range(settings.restarts):
        run_seed = seed + restart
        desc = f"train {'-'.join(map(str, sizes))}" + (f" #{restart + 1}" if settings.restarts > 1 else "")
        net, history, epoch, score = _train_once(settings, sizes, scaled, run_seed, desc)
        if best is None or score > best[0]:  # validation accuracy, then lower validation loss
            best = (score, net, history, epoch, run_seed)
    assert best is not None
    _, net, history, best_epoch, run_seed = best
    model = _to_model(net, features, classes, scaling, input_range)
    all_X = np.concatenate([X for X, _ in scaled.values()])
    diff = export_difference(net, model, all_X)
    if not diff <= EXPORT_TOLERANCE:
        raise RuntimeError(f"exported model differs from the PyTorch network by {diff} (> {EXPORT_TOLERANCE})")
    metrics = {f"{part}_accuracy": accuracy(model.forward_scaled(X), y) for part, (X, y) in scaled.items()}
    model.info = {
        "training": to_dict(settings),
        "hidden": list(hidden),
        "seed": run_seed,
        "best_epoch": best_epoch,
        "epochs_run": len(history),
        "metrics": metrics,
        "split_sizes": {part: int(len(y)) for part, (_, y) in data.items()},
        "export_check": {"max_abs_diff_torch_vs_numpy": diff, "tolerance": EXPORT_TOLERANCE},
    }
    return TrainingResult(model, history, best_epoch, diff)
