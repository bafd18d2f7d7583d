"""Pick the most accurate network under a nucleotide budget (training.max_nt) or over grids.

Candidates are (hidden sizes, penalty) pairs from `hidden_grid` x `penalty_grid`. For each
hidden shape one batched run (dmp.nn.fit) trains, for every penalty, `restarts` networks on
all of train + val (the candidate's network is the one with the lowest training objective)
and one network per cross-validation fold on the other folds. A candidate's accuracy is its
pooled k-fold cross-validated accuracy; its cost is the predicted nucleotides (in
`cost_scheme`) of its exported network, pruned as it will be written. The winner is the most
accurate candidate within the budget (ties: fewer nucleotides). The test part plays no part.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dmp.data.scaling import Scaling
from dmp.errors import DmpError
from dmp.nn.cost import CostSettings, network_cost
from dmp.nn.export import replica_model
from dmp.nn.fit import Replicas, fit_replicas, fold_masks, predict
from dmp.nn.settings import TrainingSettings


@dataclass
class SearchResult:
    """The chosen network (a replica of a batched run), its hidden sizes and the table of candidates."""

    replicas: Replicas
    replica: int
    hidden: list[int]
    seed: int
    record: dict[str, Any]


def _layout(restarts: int, folds: int, penalties: tuple[float, ...], fold: np.ndarray | None, n: int) -> dict[str, Any]:
    """Seeds, masks and penalties of one batched run: per penalty, `restarts` final fits then one fit per fold."""
    seeds, masks, lam, roles = [], [], [], []
    for p, penalty in enumerate(penalties):
        for r in range(restarts):
            seeds.append(r)
            masks.append(np.ones(n))
            lam.append(penalty)
            roles.append(("final", p, r))
        for f in range(folds):
            seeds.append(f)
            masks.append((fold != f).astype(float))
            lam.append(penalty)
            roles.append(("fold", p, f))
    return {"seeds": seeds, "masks": np.array(masks), "penalties": lam, "roles": roles}


def fit_candidates(
    settings: TrainingSettings,
    shape: list[int],
    penalties: tuple[float, ...],
    scaled: dict[str, tuple[np.ndarray, np.ndarray]],
    seed: int,
    dsd: CostSettings,
    features: list[str],
    classes: list[str],
    scaling: Scaling,
    fold: np.ndarray | None = None,
) -> tuple[Replicas, list[dict[str, Any]]]:
    """One batched run for one hidden shape: per penalty the chosen network (exported) and, with folds, its CV accuracy."""
    from dmp.nn.train import fit_data, layer_weight_nt, soft_targets

    X, y = fit_data(scaled)
    folds = 0 if fold is None else int(fold.max()) + 1
    sizes = [X.shape[1], *shape, len(classes)]
    layout = _layout(settings.restarts, folds, penalties, fold, len(y))
    soft = soft_targets(settings, sizes, X, y, layout["masks"], seed)
    run = fit_replicas(
        settings.fit_options(),
        sizes,
        X,
        y,
        [seed + s for s in layout["seeds"]],
        masks=layout["masks"],
        penalties=layout["penalties"],
        nt_per_weight=layer_weight_nt(settings, dsd, len(sizes) - 1),
        shuffle_seed=seed,
        monitor=scaled["val"],
        soft_targets=soft,
    )
    right = predict(run.net, X) == y[None, :] if folds else None
    candidates = []
    for p, penalty in enumerate(penalties):
        finals = [i for i, role in enumerate(layout["roles"]) if role[:2] == ("final", p)]
        chosen = min(finals, key=lambda i: (run.objective[i], i))
        model, _, _ = replica_model(run.net, chosen, features, classes, scaling, X, settings.prune)
        cost = network_cost([lay.weights for lay in model.layers], [lay.bias for lay in model.layers], dsd)
        candidate = {
            "hidden": list(shape),
            "penalty": penalty,
            "cv_accuracy": None,
            "layer_sizes": model.layer_sizes,
            "nonzero_weights": int(sum(np.count_nonzero(lay.weights) for lay in model.layers)),
            "nucleotides": cost[settings.cost_scheme].nucleotides,
            "replica": chosen,
            "seed": seed + layout["seeds"][chosen],
            "model": model,
        }
        if right is not None:
            held = [right[i, fold == role[2]] for i, role in enumerate(layout["roles"]) if role[:2] == ("fold", p)]
            candidate["cv_accuracy"] = float(np.concatenate(held).mean())
        candidates.append(candidate)
    return run, candidates


def search(
    settings: TrainingSettings,
    hidden: list[int],
    scaled: dict[str, tuple[np.ndarray, np.ndarray]],
    seed: int,
    dsd: CostSettings,
    features: list[str],
    classes: list[str],
    scaling: Scaling,
) -> SearchResult:
    """Train every candidate, estimate its accuracy by k-fold cross-validation, pick the best within max_nt."""
    from dmp.nn.train import fit_data

    if settings.cv_folds < 2:
        raise DmpError("training.cv_folds: must be at least 2 when training.max_nt, penalty_grid or hidden_grid is set")
    fold = fold_masks(fit_data(scaled)[1], settings.cv_folds, seed)
    penalties = settings.penalty_grid or (settings.nt_penalty,)
    shapes = [list(h) for h in settings.hidden_grid] or [list(hidden)]
    candidates: list[dict[str, Any]] = []
    runs: list[Replicas] = []
    for shape in shapes:
        run, found = fit_candidates(settings, shape, penalties, scaled, seed, dsd, features, classes, scaling, fold)
        for candidate in found:
            candidate["run"] = len(runs)
        runs.append(run)
        candidates += found
    best = choose(candidates, settings.max_nt, settings.cost_scheme)
    record = {
        "max_nt": settings.max_nt,
        "cost_scheme": settings.cost_scheme,
        "cv_folds": int(fold.max()) + 1,
        "candidates": [
            {k: v for k, v in c.items() if k not in ("run", "replica", "seed", "model")} for c in candidates
        ],
        "chosen": candidates.index(best),
    }
    return SearchResult(runs[best["run"]], best["replica"], best["hidden"], best["seed"], record)


def choose(candidates: list[dict[str, Any]], max_nt: int | None, scheme: str) -> dict[str, Any]:
    """Most accurate (cross-validated) candidate within `max_nt` nucleotides; ties: fewer nucleotides, then order."""
    within = [c for c in candidates if max_nt is None or c["nucleotides"] <= max_nt]
    if not within:
        cheapest = min(candidates, key=lambda c: c["nucleotides"])
        raise DmpError(
            f"training.max_nt = {max_nt}: no candidate network fits ({scheme}); the cheapest has "
            f"{cheapest['nucleotides']} nt (hidden {cheapest['hidden']}, penalty {cheapest['penalty']}): "
            "raise max_nt, or add larger values to training.penalty_grid or smaller ones to training.hidden_grid"
        )
    order = {id(c): k for k, c in enumerate(candidates)}
    return max(within, key=lambda c: (c["cv_accuracy"], -c["nucleotides"], -order[id(c)]))
