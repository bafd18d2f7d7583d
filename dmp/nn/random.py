"""Random ternary networks of any shape: test and benchmark inputs without training."""

from __future__ import annotations

import numpy as np

from dmp.data.scaling import Scaling
from dmp.nn.model import Layer, TernaryModel


def random_ternary_net(sizes: list[int], seed: int, zero_fraction: float = 1 / 3) -> TernaryModel:
    """A ternary ReLU net with the given layer sizes, weights -1/0/+1, normal biases (seeded)."""
    rng = np.random.default_rng(seed)
    p = [(1 - zero_fraction) / 2, zero_fraction, (1 - zero_fraction) / 2]
    layers = [
        Layer(rng.choice([-1, 0, 1], size=(b, a), p=p).astype(np.int8), rng.normal(size=b))
        for a, b in zip(sizes[:-1], sizes[1:], strict=True)
    ]
    n = sizes[0]
    return TernaryModel(
        layers,
        [f"x{i}" for i in range(n)],
        [f"c{j}" for j in range(sizes[-1])],
        Scaling("none", np.zeros(n), np.ones(n)),
    )
