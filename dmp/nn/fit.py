"""Side-by-side training of replica networks: restarts, cross-validation folds and penalty values at once.

Every replica sees the same shuffled mini-batches but learns only from the examples its mask
admits, with its own loss mean, its own non-zero-weight penalty and its own Adam state (Adam
is element-wise, so summing the replicas' losses trains each one as if it were alone). The
schedule is fixed: no held-out data decides when to stop.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from dmp.errors import DmpError
from dmp.nn.ternary import ReplicaMLP


@dataclass(frozen=True)
class FitOptions:
    """The optimisation settings of one batched run (a subset of the training section, which holds the defaults)."""

    loss: str
    optimizer: str
    lr: float
    lr_schedule: str
    lr_step_epochs: int
    lr_gamma: float
    epochs: int
    batch_size: int
    weight_decay: float
    zero_threshold: float
    input_gain: bool
    layer_gain: bool
    distill: float  # weight of the distillation term (soft targets of a float teacher)
    distill_temperature: float


@dataclass
class Replicas:
    """A trained batch of replicas and, per replica, its final training objective and history."""

    net: ReplicaMLP
    objective: np.ndarray  # (R,) task loss on the replica's own examples + its penalty
    history: list[dict[str, np.ndarray]]  # per epoch: arrays of shape (R,)


def sample_losses(outputs: torch.Tensor, y: torch.Tensor, loss: str) -> torch.Tensor:
    """Per replica and example losses (R, n): PyTorch's multi-class hinge (margin 1) or cross-entropy."""
    target = outputs.gather(2, y.view(1, -1, 1).expand(outputs.shape[0], -1, 1))
    if loss == "hinge":
        # nn.MultiMarginLoss: sum over j != y of max(0, 1 - o_y + o_j), divided by the number of classes.
        margins = torch.relu(1.0 - target + outputs)
        return (margins.sum(2) - 1.0) / outputs.shape[2]  # the j = y term contributes exactly 1
    return torch.logsumexp(outputs, 2) - target.squeeze(2)


def distillation_losses(outputs: torch.Tensor, soft: torch.Tensor, temperature: float) -> torch.Tensor:
    """Per replica and example T^2 KL(teacher || student) at temperature T (Hinton et al. 2015); (R, n)."""
    log_student = torch.log_softmax(outputs / temperature, 2)
    log_teacher = torch.log(soft.clamp(min=1e-12))
    return temperature**2 * (soft * (log_teacher - log_student)).sum(2)


def optimizer_and_schedule(groups: list[dict[str, Any]], options: Any) -> tuple[torch.optim.Optimizer, Any]:
    """Adam or SGD (momentum 0.9) over parameter `groups` and its learning-rate schedule (step, cosine or constant).

    `options` is any settings object with the training section's optimiser keys (FitOptions, TrainingSettings).
    """
    if options.optimizer == "adam":
        opt: torch.optim.Optimizer = torch.optim.Adam(groups, lr=options.lr, weight_decay=options.weight_decay)
    else:
        opt = torch.optim.SGD(groups, lr=options.lr, momentum=0.9, weight_decay=options.weight_decay)
    if options.lr_schedule == "step":
        return opt, torch.optim.lr_scheduler.StepLR(opt, options.lr_step_epochs, options.lr_gamma)
    if options.lr_schedule == "cosine":
        return opt, torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=options.epochs)
    return opt, torch.optim.lr_scheduler.LambdaLR(opt, lambda epoch: 1.0)


def _optimizer(net: ReplicaMLP, options: FitOptions) -> tuple[torch.optim.Optimizer, Callable[[], None]]:
    decayed = list(net.weights)
    rest = [p for name, p in net.named_parameters() if not name.startswith("weights.")]
    opt, sched = optimizer_and_schedule([{"params": decayed}, {"params": rest, "weight_decay": 0.0}], options)
    return opt, sched.step


def diverged(loss: float, epoch: int, lr: float) -> DmpError:
    """The error for a training whose loss stopped being a finite number (both recipes say it alike)."""
    return DmpError(f"training diverged: the loss is {loss} at epoch {epoch} (learning rate {lr:g}); lower training.lr")


def penalty_terms(net: ReplicaMLP, penalties: torch.Tensor, nt_per_weight: Sequence[float]) -> torch.Tensor:
    """Per replica: penalty x predicted kilo-nucleotides of its non-zero weights (straight-through gradient)."""
    total = torch.zeros(net.replicas)
    for magnitude, nt in zip(net.nonzero(), nt_per_weight, strict=True):
        total = total + magnitude.sum((1, 2)) * (nt / 1000.0)
    return penalties * total


def fit_replicas(
    options: FitOptions,
    sizes: list[int],
    X: np.ndarray,
    y: np.ndarray,
    seeds: list[int],
    masks: np.ndarray | None = None,
    penalties: Sequence[float] | None = None,
    nt_per_weight: Sequence[float] | None = None,
    shuffle_seed: int = 0,
    ternary: bool = True,
    monitor: tuple[np.ndarray, np.ndarray] | None = None,
    soft_targets: np.ndarray | None = None,
) -> Replicas:
    """Train len(seeds) replicas on scaled inputs X (n, d) and labels y; masks (R, n) select each one's examples.

    `monitor` (X, y) is evaluated after every epoch (history keys monitor_loss, monitor_accuracy);
    it never influences training. `soft_targets` (R, n, classes) are a teacher's probabilities at
    `options.distill_temperature`, mixed in with weight `options.distill`.
    """
    # One thread: tiny operations gain nothing from more, spinning OpenMP threads waste a shared
    # machine's CPU, and results stay byte-identical from run to run.
    torch.set_num_threads(1)
    R = len(seeds)
    net = ReplicaMLP(sizes, seeds, options.zero_threshold, options.input_gain, options.layer_gain, ternary)
    X_t = torch.from_numpy(np.asarray(X, dtype=np.float32))
    y_t = torch.from_numpy(np.asarray(y, dtype=np.int64))
    m_t = torch.ones(R, len(y)) if masks is None else torch.from_numpy(np.asarray(masks, dtype=np.float32))
    lam = torch.zeros(R) if penalties is None else torch.tensor(list(penalties), dtype=torch.float32)
    nt = list(nt_per_weight or [0.0] * (len(sizes) - 1))
    use_penalty = bool((lam > 0).any())
    opt, schedule_step = _optimizer(net, options)
    generator = torch.Generator().manual_seed(int(shuffle_seed))
    n, batch = len(y), options.batch_size
    soft = (
        None if soft_targets is None or options.distill <= 0 else torch.from_numpy(np.asarray(soft_targets, np.float32))
    )
    if monitor is not None:
        mon_X = torch.from_numpy(np.asarray(monitor[0], dtype=np.float32))
        mon_y = torch.from_numpy(np.asarray(monitor[1], dtype=np.int64))
    history: list[dict[str, np.ndarray]] = []
    for epoch in range(1, options.epochs + 1):
        order = torch.randperm(n, generator=generator)
        for start in range(0, n, batch):
            index = order[start : start + batch]
            weight = m_t[:, index]
            out = net(X_t[index])
            losses = sample_losses(out, y_t[index], options.loss)
            if soft is not None:
                kd = distillation_losses(out, soft[:, index], options.distill_temperature)
                losses = (1.0 - options.distill) * losses + options.distill * kd
            loss = ((losses * weight).sum(1) / weight.sum(1).clamp(min=1.0)).sum()
            if use_penalty:
                loss = loss + penalty_terms(net, lam, nt).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
            net.clip_()
        lr = opt.param_groups[0]["lr"]
        schedule_step()
        record = {"epoch": np.full(R, epoch), "lr": np.full(R, lr), **_evaluate(net, X_t, y_t, m_t, options)}
        if not np.isfinite(record["loss"]).all():
            raise diverged(float(np.max(record["loss"])), epoch, lr)
        if monitor is not None:
            seen = _evaluate(net, mon_X, mon_y, torch.ones(R, len(mon_y)), options)
            record.update({f"monitor_{k}": v for k, v in seen.items()})
        history.append(record)
    objective = history[-1]["loss"] + (penalty_terms(net, lam, nt).detach().numpy() if use_penalty else 0.0)
    return Replicas(net, np.asarray(objective, dtype=np.float64), history)


def _evaluate(
    net: ReplicaMLP, X: torch.Tensor, y: torch.Tensor, masks: torch.Tensor, options: FitOptions
) -> dict[str, np.ndarray]:
    """Mean task loss and accuracy of every replica on its own examples."""
    with torch.no_grad():
        out = net(X)
        losses = sample_losses(out, y, options.loss)
        right = (out.argmax(2) == y.unsqueeze(0)).float()
        count = masks.sum(1).clamp(min=1.0)
        return {
            "loss": ((losses * masks).sum(1) / count).numpy().astype(np.float64),
            "accuracy": ((right * masks).sum(1) / count).numpy().astype(np.float64),
        }


def predict(net: ReplicaMLP, X: np.ndarray) -> np.ndarray:
    """Class index per replica and example (R, n)."""
    with torch.no_grad():
        return net(torch.from_numpy(np.asarray(X, dtype=np.float32))).argmax(2).numpy()


def fold_masks(y: np.ndarray, folds: int, seed: int) -> np.ndarray:
    """Stratified k-fold assignment (scikit-learn's StratifiedKFold, shuffled with `seed`): fold index per example."""
    from sklearn.model_selection import StratifiedKFold

    fold = np.empty(len(y), dtype=np.int64)
    smallest = int(np.bincount(y).min()) if len(y) else 0
    splitter = StratifiedKFold(n_splits=max(2, min(folds, max(smallest, 2))), shuffle=True, random_state=seed % 2**32)
    for k, (_, held) in enumerate(splitter.split(np.zeros(len(y)), y)):
        fold[held] = k
    return fold
