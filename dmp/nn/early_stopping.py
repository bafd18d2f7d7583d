"""The recipe before issue 18 (training.selection = validation): fit on the training part,
keep the epoch and the restart with the best validation accuracy (ties: lower validation
loss), stop after `patience` epochs without improvement. Kept so that earlier results can
be reproduced and compared.
"""

from __future__ import annotations

import math
import sys

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from dmp.data.scaling import Scaling
from dmp.nn.fit import diverged, optimizer_and_schedule
from dmp.nn.model import Layer, TernaryModel
from dmp.nn.settings import TrainingSettings
from dmp.nn.ternary import TernaryMLP, ternarize


def _loss_fn(name: str) -> nn.Module:
    return nn.MultiMarginLoss(margin=1.0) if name == "hinge" else nn.CrossEntropyLoss()


def to_model(
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
    """Largest |PyTorch output - NumPy output| over `X_scaled`, both in float64 (inf if an argmax differs)."""
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


def train_once(
    settings: TrainingSettings, sizes: list[int], data: dict[str, tuple[np.ndarray, np.ndarray]], seed: int, desc: str
) -> tuple[TernaryMLP, list[dict[str, float]], int, tuple[float, float]]:
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    net = TernaryMLP(sizes, settings.zero_threshold, generator)
    # No weight decay on biases.
    groups = [
        {"params": [layer.weight for layer in net.layers]},
        {"params": [layer.bias for layer in net.layers], "weight_decay": 0.0},
    ]
    optimizer, scheduler = optimizer_and_schedule(groups, settings)
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
        total = _one_epoch(net, optimizer, loss_fn, X_train, y_train, batch, generator)
        if not math.isfinite(total):
            raise diverged(total / n, epoch, optimizer.param_groups[0]["lr"])
        scheduler.step()
        lr = optimizer.param_groups[0]["lr"]  # as recorded before: the rate of the next epoch
        train_acc, val_loss, val_acc = _evaluate(net, loss_fn, X_train, y_train, X_val, y_val)
        history.append(
            {
                "epoch": epoch,
                "lr": lr,
                "train_loss": total / n,
                "train_accuracy": train_acc,
                "val_loss": val_loss,
                "val_accuracy": val_acc,
            }
        )
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


def _one_epoch(
    net: TernaryMLP,
    optimizer: torch.optim.Optimizer,
    loss_fn: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    batch: int,
    generator: torch.Generator,
) -> float:
    """One pass over shuffled mini-batches; the summed loss (per example, times batch sizes)."""
    net.train()
    order = torch.randperm(len(y), generator=generator)
    total = 0.0
    for start in range(0, len(y), batch):
        index = order[start : start + batch]
        optimizer.zero_grad()
        loss = loss_fn(net(X[index]), y[index])
        loss.backward()
        optimizer.step()
        net.clip_()
        total += float(loss.detach()) * len(index)
    return total


def _evaluate(
    net: TernaryMLP, loss_fn: nn.Module, X: torch.Tensor, y: torch.Tensor, X_val: torch.Tensor, y_val: torch.Tensor
) -> tuple[float, float, float]:
    """Training accuracy, validation loss and validation accuracy (the training accuracy if no validation part)."""
    net.eval()
    with torch.no_grad():
        train_acc = float((net(X).argmax(1) == y).float().mean())
        val_out = net(X_val)
        val_loss = float(loss_fn(val_out, y_val)) if len(y_val) else math.nan
        val_acc = float((val_out.argmax(1) == y_val).float().mean()) if len(y_val) else train_acc
    return train_acc, val_loss, val_acc


def train_by_validation(
    settings: TrainingSettings,
    sizes: list[int],
    scaled: dict[str, tuple[np.ndarray, np.ndarray]],
    seed: int,
    features: list[str],
    classes: list[str],
    scaling: Scaling,
) -> tuple[TernaryModel, list[dict[str, float]], int, int, float]:
    """Restarts seed+0, seed+1, ...; the best by validation accuracy (then lower loss) is exported.

    Returns the model, its history, best epoch, seed and the export difference.
    """
    X_train = scaled["train"][0]
    input_range = {"min": X_train.min(axis=0).tolist(), "max": X_train.max(axis=0).tolist()}
    best: tuple[tuple[float, float], TernaryMLP, list[dict[str, float]], int, int] | None = None
    for restart in range(settings.restarts):
        run_seed = seed + restart
        desc = f"train {'-'.join(map(str, sizes))}" + (f" #{restart + 1}" if settings.restarts > 1 else "")
        net, history, epoch, score = train_once(settings, sizes, scaled, run_seed, desc)
        if best is None or score > best[0]:  # validation accuracy, then lower validation loss
            best = (score, net, history, epoch, run_seed)
    assert best is not None
    _, net, history, best_epoch, run_seed = best
    model = to_model(net, features, classes, scaling, input_range)
    diff = export_difference(net, model, np.concatenate([X for X, _ in scaled.values()]))
    return model, history, best_epoch, run_seed, diff
