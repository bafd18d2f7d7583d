"""Ternary-weight layers with a straight-through gradient (BinaryConnect style, Courbariaux et al. 2015).

Each layer keeps real-valued shadow weights clipped to [-1, 1]. The forward pass uses their
ternary image (sign(w) where |w| > threshold, else 0); the backward pass hands the gradient
straight through to the shadow weights. Biases stay real.

`ReplicaMLP` holds R independent networks of one shape and trains them side by side in one
batched forward pass: restarts, cross-validation folds and penalty values then cost about as
much as one network, because for networks this small PyTorch's per-operation overhead, not
arithmetic, sets the time. Optional learned gains are positive factors that fold exactly into
a portable model: one per input (into the input scaling) and one per layer (into the biases,
which scales the outputs by a positive constant and leaves every argmax unchanged).
"""

from __future__ import annotations

import torch
from torch import nn


def ternarize(weight: torch.Tensor, threshold: float) -> torch.Tensor:
    """Ternary image of shadow weights: -1, 0 or +1."""
    return (weight > threshold).to(weight.dtype) - (weight < -threshold).to(weight.dtype)


def straight_through(weight: torch.Tensor, threshold: float) -> torch.Tensor:
    """Value of the ternary weight, gradient of the identity."""
    return weight + (ternarize(weight, threshold) - weight).detach()


class TernaryLinear(nn.Module):
    """Dense layer whose forward pass uses ternary weights with a straight-through gradient."""

    def __init__(self, n_in: int, n_out: int, threshold: float, generator: torch.Generator) -> None:
        super().__init__()
        self.threshold = threshold
        self.weight = nn.Parameter(torch.rand(n_out, n_in, generator=generator) * 2.0 - 1.0)
        self.bias = nn.Parameter(torch.zeros(n_out))

    def ternary_weight(self) -> torch.Tensor:
        return straight_through(self.weight, self.threshold)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.linear(x, self.ternary_weight(), self.bias)

    def clip_(self) -> None:
        with torch.no_grad():
            self.weight.clamp_(-1.0, 1.0)


class TernaryMLP(nn.Module):
    """Stack of TernaryLinear layers with ReLU between them and a linear output (one network)."""

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


class ReplicaMLP(nn.Module):
    """R independent ternary (or float) ReLU MLPs of one shape, evaluated as one batched network.

    Replica r's shadow weights are drawn uniformly from [-1, 1] with a generator seeded by
    `seeds[r]`, so a replica's start does not depend on how many others train beside it.
    With `ternary=False` the weights are plain floats (a float reference of the same shape).
    """

    def __init__(
        self,
        sizes: list[int],
        seeds: list[int],
        threshold: float,
        input_gain: bool = False,
        layer_gain: bool = False,
        ternary: bool = True,
    ) -> None:
        super().__init__()
        self.sizes = list(sizes)
        self.threshold = threshold
        self.ternary = ternary
        generators = [torch.Generator().manual_seed(int(s)) for s in seeds]
        weights = []
        for a, b in zip(sizes[:-1], sizes[1:], strict=True):
            w = torch.stack([torch.rand(b, a, generator=g) * 2.0 - 1.0 for g in generators])
            weights.append(nn.Parameter(w if ternary else w / a**0.5))
        self.weights = nn.ParameterList(weights)
        self.biases = nn.ParameterList(nn.Parameter(torch.zeros(len(seeds), b)) for b in sizes[1:])
        n = len(seeds)
        self.log_input_gain = nn.Parameter(torch.zeros(n, sizes[0])) if input_gain else None
        self.log_layer_gain = nn.Parameter(torch.zeros(n, len(sizes) - 1)) if layer_gain else None

    @property
    def replicas(self) -> int:
        return self.biases[0].shape[0]

    def effective_weight(self, k: int) -> torch.Tensor:
        w = self.weights[k]
        return straight_through(w, self.threshold) if self.ternary else w

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Outputs (R, n, classes) for inputs (n, d) shared by every replica."""
        h = x.unsqueeze(0).expand(self.replicas, *x.shape)
        if self.log_input_gain is not None:
            h = h * self.log_input_gain.exp().unsqueeze(1)
        last = len(self.weights) - 1
        for k in range(len(self.weights)):
            h = torch.bmm(h, self.effective_weight(k).transpose(1, 2))
            if self.log_layer_gain is not None:
                h = h * self.log_layer_gain[:, k].exp()[:, None, None]
            h = h + self.biases[k].unsqueeze(1)
            if k < last:
                h = torch.relu(h)
        return h

    def nonzero(self) -> list[torch.Tensor]:
        """Per layer, the |ternary weights| (R, out, in) with the straight-through gradient: their sum counts non-zeros."""
        return [self.effective_weight(k).abs() for k in range(len(self.weights))]

    def clip_(self) -> None:
        if self.ternary:
            with torch.no_grad():
                for w in self.weights:
                    w.clamp_(-1.0, 1.0)

    def gains(self, replica: int) -> tuple[torch.Tensor | None, torch.Tensor | None]:
        """Input gains (d) and layer gains (layers) of one replica, or None where not learned."""
        gain_in = None if self.log_input_gain is None else self.log_input_gain[replica].detach().to(torch.float64).exp()
        gain_layer = (
            None if self.log_layer_gain is None else self.log_layer_gain[replica].detach().to(torch.float64).exp()
        )
        return gain_in, gain_layer
