"""Settings of network training, apart from the training code so that reading a config does not import PyTorch."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TrainingSettings:
    """How to train: the config's `training` section (defaults in the config schema)."""

    loss: str  # hinge | cross_entropy
    optimizer: str  # adam | sgd
    lr: float
    lr_schedule: str  # constant | step | cosine
    lr_step_epochs: int
    lr_gamma: float
    epochs: int
    batch_size: int
    patience: int
    zero_threshold: float  # |shadow weight| <= threshold -> 0
    weight_decay: float
    restarts: int
