"""The training section as a typed, validated value (what `dmp.nn.train.train` accepts)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from dmp.errors import DmpError
from dmp.nn.cost import SCHEMES
from dmp.nn.fit import FitOptions

CHOICES = {
    "loss": ("hinge", "cross_entropy"),
    "optimizer": ("adam", "sgd"),
    "lr_schedule": ("constant", "step", "cosine"),
    "selection": ("objective", "validation"),
    "cost_scheme": SCHEMES,
}


@dataclass(frozen=True)
class TrainingSettings:
    """Every key of the config's `training` section, with the recommended recipe as defaults.

    selection="objective": fit on train + val for a fixed schedule and keep, of `restarts`
    networks trained side by side, the one with the lowest training objective; no held-out
    example decides anything. With several `penalty_grid` values (the default) or
    `hidden_grid` shapes, or with `max_nt`, the candidate with the best `cv_folds`-fold
    cross-validated accuracy on train + val (within max_nt) is kept (dmp.nn.budget); an empty
    penalty_grid trains with `nt_penalty` alone. selection="validation" is the recipe before issue 18 (fit on
    train, best epoch and restart by validation accuracy, early stopping after `patience`).
    """

    loss: str = "hinge"
    optimizer: str = "adam"
    lr: float = 0.01
    lr_schedule: str = "cosine"
    lr_step_epochs: int = 100
    lr_gamma: float = 0.5
    epochs: int = 300
    batch_size: int = 32
    patience: int = 60
    zero_threshold: float = 0.5
    weight_decay: float = 0.0
    restarts: int = 5
    selection: str = "objective"
    input_gain: bool = True
    layer_gain: bool = True
    nt_penalty: float = 0.0
    cost_scheme: str = "soloveichik2010"
    prune: bool = True
    max_nt: int | None = None
    penalty_grid: tuple[float, ...] = (0.0, 0.0001, 0.0003, 0.001, 0.003, 0.01)
    hidden_grid: tuple[tuple[int, ...], ...] = ()
    cv_folds: int = 5
    distill: float = 0.0
    distill_temperature: float = 2.0
    teacher_hidden: tuple[int, ...] = ()

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], where: str = "training") -> TrainingSettings:
        """Validate a config mapping; an unknown key or bad value raises DmpError naming `where.key`."""
        known = {f.name: f for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key not in known:
                raise DmpError(f"{where}.{key}: unknown training key; known: {', '.join(known)}")
            values[key] = _convert(key, value, where)
        return cls(**values)

    def with_changes(self, **changes: Any) -> TrainingSettings:
        return replace(self, **changes)

    def fit_options(self) -> FitOptions:
        names = {f.name for f in fields(FitOptions)}
        return FitOptions(**{k: getattr(self, k) for k in names})

    def searches(self) -> bool:
        """Whether training picks among several candidate networks (budget or grids)."""
        return self.max_nt is not None or len(self.penalty_grid) > 1 or len(self.hidden_grid) > 1

    def to_json(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["penalty_grid"] = list(self.penalty_grid)
        out["hidden_grid"] = [list(h) for h in self.hidden_grid]
        out["teacher_hidden"] = list(self.teacher_hidden)
        return out


def _convert(key: str, value: Any, where: str) -> Any:
    name = f"{where}.{key}"
    if key in CHOICES:
        if key == "loss" and value == "ce":
            value = "cross_entropy"
        if value not in CHOICES[key]:
            raise DmpError(f"{name}: {value!r} is not one of {', '.join(CHOICES[key])}")
        return value
    if key in ("input_gain", "layer_gain", "prune"):
        if not isinstance(value, bool):
            raise DmpError(f"{name}: expected true or false, got {value!r}")
        return value
    if key == "max_nt":
        if value is None:
            return None
        return _number(name, value, int, minimum=1)
    if key == "penalty_grid":
        return tuple(_number(f"{name}[{i}]", v, float, minimum=0.0) for i, v in enumerate(_list(name, value)))
    if key == "teacher_hidden":
        return tuple(_number(f"{name}[{i}]", w, int, minimum=1) for i, w in enumerate(_list(name, value or [])))
    if key == "hidden_grid":
        return tuple(
            tuple(_number(f"{name}[{i}][{j}]", w, int, minimum=1) for j, w in enumerate(_list(f"{name}[{i}]", h)))
            for i, h in enumerate(_list(name, value))
        )
    kind = int if key in ("lr_step_epochs", "epochs", "batch_size", "patience", "restarts", "cv_folds") else float
    minimum = {"restarts": 1, "epochs": 1, "batch_size": 1, "patience": 1, "lr_step_epochs": 1, "cv_folds": 0}
    return _number(name, value, kind, minimum=minimum.get(key, 0.0))


def _list(name: str, value: Any) -> list[Any]:
    if not isinstance(value, list | tuple):
        raise DmpError(f"{name}: expected a list, got {value!r}")
    return list(value)


def _number(name: str, value: Any, kind: type, minimum: float) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float) or (kind is int and float(value) != int(value)):
        raise DmpError(f"{name}: expected {'an integer' if kind is int else 'a number'}, got {value!r}")
    if value < minimum:
        raise DmpError(f"{name}: {value} is below the minimum {minimum}")
    return kind(value)
