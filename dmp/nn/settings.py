"""Settings of network training (the config's `training` section), apart from the training code so
that reading a config does not import PyTorch. Defaults and allowed values live in the config schema."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from dmp.params import to_dict


@dataclass(frozen=True)
class TrainingSettings:
    """How to train a ternary network.

    selection="objective": fit on train + val for a fixed schedule and keep, of `restarts`
    networks trained side by side, the one with the lowest training objective; no held-out
    example decides anything. With several `penalty_grid` values or `hidden_grid` shapes, or
    with `max_nt`, the candidate with the best `cv_folds`-fold cross-validated accuracy on
    train + val (within max_nt) is kept (dmp.nn.budget); an empty penalty_grid trains with
    `nt_penalty` alone. selection="validation" is the recipe before issue 18 (fit on train,
    best epoch and restart by validation accuracy, early stopping after `patience`).
    """

    loss: str  # hinge | cross_entropy
    optimizer: str  # adam | sgd
    lr: float
    lr_schedule: str  # constant | step | cosine
    lr_step_epochs: int
    lr_gamma: float
    epochs: int
    batch_size: int
    patience: int  # validation recipe only
    zero_threshold: float  # |shadow weight| <= threshold -> 0
    weight_decay: float
    restarts: int
    selection: str  # objective | validation
    input_gain: bool
    layer_gain: bool
    nt_penalty: float  # per 1,000 predicted nucleotides of non-zero weights
    cost_scheme: str  # the scheme whose nucleotides the penalty counts
    prune: bool  # drop hidden neurons that can never fire or never matter
    max_nt: int | None
    penalty_grid: tuple[float, ...]
    hidden_grid: tuple[tuple[int, ...], ...]
    cv_folds: int
    distill: float
    distill_temperature: float
    teacher_hidden: tuple[int, ...]

    def fit_options(self) -> Any:
        """The optimisation settings of one batched run (dmp.nn.fit.FitOptions)."""
        from dmp.nn.fit import FitOptions

        names = {f.name for f in fields(FitOptions)}
        return FitOptions(**{k: getattr(self, k) for k in names})

    def searches(self) -> bool:
        """Whether training picks among several candidate networks (budget or grids)."""
        return self.max_nt is not None or len(self.penalty_grid) > 1 or len(self.hidden_grid) > 1

    def to_json(self) -> dict[str, Any]:
        return to_dict(self)
