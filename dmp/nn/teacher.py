"""A float teacher for distillation: soft targets for every replica, trained on that replica's examples.

Each distinct example mask (all of train + val, or all but one cross-validation fold) gets its
own float network of `teacher_hidden` sizes, trained with cross-entropy on exactly the examples
its students see, so no held-out fold leaks into a cross-validated accuracy.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import torch

from dmp.nn.fit import FitOptions, fit_replicas

TEACHER_SEED_OFFSET = 7919  # teachers' initial weights differ from their students'


def teacher_targets(
    options: FitOptions,
    sizes: list[int],
    X: np.ndarray,
    y: np.ndarray,
    masks: np.ndarray,
    seed: int,
) -> np.ndarray:
    """Teacher probabilities at options.distill_temperature, per student replica (R, n, classes)."""
    unique, which = np.unique(np.asarray(masks, dtype=np.float32), axis=0, return_inverse=True)
    teacher_options = replace(options, loss="cross_entropy", input_gain=False, layer_gain=False, distill=0.0)
    seeds = [seed + TEACHER_SEED_OFFSET + k for k in range(len(unique))]
    run = fit_replicas(teacher_options, sizes, X, y, seeds, masks=unique, shuffle_seed=seed + 1, ternary=False)
    with torch.no_grad():
        logits = run.net(torch.from_numpy(np.asarray(X, dtype=np.float32)))
        soft = torch.softmax(logits / options.distill_temperature, 2).numpy()
    return soft[np.asarray(which).reshape(-1)]
