"""Benchmark: training recipes on held-out test sets over seeds, and the accuracy-versus-nucleotides front.

Seed s drives both the stratified split and the training, as in the workflow. Parts:

- recipes: per dataset (virus, iris, digits) and seed, the test accuracy, non-zero weights
  and predicted nucleotides of the recipe before issue 18 (`old`: the repository config of
  that time, selection by the validation part), the recommended recipe (`new`: dmp.nn's
  TrainingSettings defaults; `new_no_penalty`: without the penalty search), and two float networks of the same shape trained on train + val
  (`float_torch`: the new recipe with float weights; `float_sklearn`: scikit-learn's
  MLPClassifier with default settings, max_iter 2000) -- the sceptic's reference.
- front: for virus and digits, the new recipe with every penalty of --penalties per seed (one
  batched run per seed, dmp.nn.budget.fit_candidates); each network's test accuracy, predicted
  strands and nucleotides per scheme, and whether its full CRN (dmp.crn.translate, batched ODE
  engine with the repository's simulation settings) agrees with the network on every test example.
- budget: `train` with max_nt = 60 % of the old recipe's virus figure (21,988 nt) per seed.

Usage:

    python benchmarks/training_benchmark.py [--parts recipes,front,budget] [--seeds 2020,2021,2022,2023,2024]

writes benchmarks/results/training.json and benchmarks/results/training_front.png.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TQDM_DISABLE", "1")

import dmp.config  # noqa: E402
from dmp.data.loaders import load_dataset  # noqa: E402
from dmp.data.split import split_dataset  # noqa: E402
from dmp.nn.budget import fit_candidates  # noqa: E402
from dmp.nn.cost import CostSettings, network_cost  # noqa: E402
from dmp.nn.fit import fit_replicas, predict  # noqa: E402
from dmp.nn.settings import TrainingSettings  # noqa: E402
from dmp.nn.train import fit_data, train  # noqa: E402
from dmp.stages.common import Run  # noqa: E402
from dmp.stages.train import cost_settings as run_cost_settings  # noqa: E402

# The repository config's training section before issue 18 (config.yaml at commit 8f63c60).
OLD_RECIPE = {
    "loss": "hinge",
    "optimizer": "adam",
    "lr": 0.01,
    "lr_schedule": "step",
    "lr_step_epochs": 100,
    "lr_gamma": 0.5,
    "epochs": 300,
    "batch_size": 32,
    "patience": 60,
    "zero_threshold": 0.3,
    "weight_decay": 0.0,
    "restarts": 5,
    "selection": "validation",
    "input_gain": False,
    "layer_gain": False,
    "penalty_grid": [],
}
# new: the repository config's recipe (penalty chosen by cross-validation from penalty_grid);
# new_no_penalty: the same without the penalty search, the full configured shape.
TERNARY_RECIPES: dict[str, dict[str, Any]] = {"old": OLD_RECIPE, "new": {}, "new_no_penalty": {"penalty_grid": []}}
TODAY_VIRUS_NT = 21988  # README: the repository's virus 10-8-4 net, soloveichik2010
DEFAULT_PENALTIES = [0.0, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2]
SCHEMES = ("soloveichik2010", "cardelli2011_NM_noGC")


def load_config() -> dict[str, Any]:
    """The repository's config.yaml, validated, with the schema's defaults filled in."""
    return dmp.config.load_config(ROOT / "config.yaml")


def split_for(config: dict[str, Any], name: str, seed: int) -> tuple[Any, dict[str, Any]]:
    section = dmp.config.dataset_config(config, name)
    dataset = load_dataset(dmp.config.data_source(config, name))
    return split_dataset(dataset, section["split"], section["scaling"], seed), section


def training_settings(config: dict[str, Any], name: str, **changes: Any) -> TrainingSettings:
    """The dataset's training settings from the config, with `changes` (the recipe under test)."""
    return dataclasses.replace(dmp.config.settings(config, name, "training"), **changes)


def cost_settings(config: dict[str, Any], name: str) -> CostSettings:
    """The cost settings the train step uses for this dataset (its dsd and crn sections)."""
    return run_cost_settings(Run(config, name))


def parts_of(split: Any) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    return {part: split.part(part) for part in ("train", "val", "test")}


def summary(values: list[float]) -> dict[str, float]:
    a = np.asarray(values, dtype=float)
    return {
        "mean": float(a.mean()),
        "sd": float(a.std(ddof=1)) if len(a) > 1 else 0.0,
        "min": float(a.min()),
        "max": float(a.max()),
    }


def ternary_run(
    config: dict[str, Any], name: str, changes: dict[str, Any], split: Any, hidden: list[int], seed: int
) -> dict[str, Any]:
    """Train the dataset's network with the config's recipe and `changes`; test accuracy and predicted DNA."""
    data = parts_of(split)
    settings = training_settings(config, name, **changes)
    dsd = cost_settings(config, name)
    started = time.perf_counter()
    result = train(settings, hidden, split.scaling, split.dataset.features, split.dataset.classes, data, seed, dsd)
    seconds = time.perf_counter() - started
    info = result.model.info
    return {
        "seed": seed,
        "test_accuracy": info["metrics"]["test_accuracy"],
        "nonzero_weights": info["cost"]["nonzero_weights"],
        "layer_sizes": result.model.layer_sizes,
        "nucleotides": {s: info["cost"]["predicted"][s]["nucleotides"] for s in SCHEMES},
        "strands": {s: info["cost"]["predicted"][s]["strands"] for s in SCHEMES},
        "seconds": seconds,
        "search": info.get("search"),
    }


def float_torch_run(config: dict[str, Any], name: str, split: Any, hidden: list[int], seed: int) -> dict[str, Any]:
    """The new recipe's optimisation with float weights: same shape, data, schedule, restarts, selection."""
    settings = training_settings(config, name)
    scaled = {part: (split.scaling.apply(X), y) for part, (X, y) in parts_of(split).items()}
    X, y = fit_data(scaled)
    sizes = [X.shape[1], *hidden, len(split.dataset.classes)]
    seeds = [seed + r for r in range(settings.restarts)]
    run = fit_replicas(settings.fit_options(), sizes, X, y, seeds, shuffle_seed=seed, ternary=False)
    best = int(np.argmin(run.objective))
    X_test, y_test = scaled["test"]
    return {"seed": seed, "test_accuracy": float((predict(run.net, X_test)[best] == y_test).mean())}


def float_sklearn_run(split: Any, hidden: list[int], seed: int) -> dict[str, Any]:
    from sklearn.neural_network import MLPClassifier

    X = split.scaling.apply(np.concatenate([split.part("train")[0], split.part("val")[0]]))
    y = np.concatenate([split.part("train")[1], split.part("val")[1]])
    X_test, y_test = split.part("test")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = MLPClassifier(tuple(hidden), max_iter=2000, random_state=seed).fit(X, y)
    return {"seed": seed, "test_accuracy": float(clf.score(split.scaling.apply(X_test), y_test))}


ALL_RECIPES = (*TERNARY_RECIPES, "float_torch", "float_sklearn")


def recipes(
    config: dict[str, Any], datasets: list[str], seeds: list[int], wanted: tuple[str, ...] = ALL_RECIPES
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in datasets:
        rows: dict[str, list[dict[str, Any]]] = {recipe: [] for recipe in ALL_RECIPES if recipe in wanted}
        for seed in seeds:
            split, section = split_for(config, name, seed)
            hidden = section["hidden"]
            for recipe in rows:
                if recipe in TERNARY_RECIPES:
                    run = ternary_run(config, name, TERNARY_RECIPES[recipe], split, hidden, seed)
                elif recipe == "float_torch":
                    run = float_torch_run(config, name, split, hidden, seed)
                else:
                    run = float_sklearn_run(split, hidden, seed)
                rows[recipe].append(run)
            seconds = f"; new trains in {rows['new'][-1]['seconds']:.1f} s" if "new" in rows else ""
            accuracies = ", ".join(f"{k} {v[-1]['test_accuracy']:.4f}" for k, v in rows.items())
            print(f"{name} seed {seed}: {accuracies}{seconds}", flush=True)
        out[name] = {
            recipe: {
                "runs": runs,
                "test_accuracy": summary([r["test_accuracy"] for r in runs]),
                **(
                    {
                        "nonzero_weights": summary([r["nonzero_weights"] for r in runs]),
                        "nucleotides": {s: summary([r["nucleotides"][s] for r in runs]) for s in SCHEMES},
                        "train_seconds": summary([r["seconds"] for r in runs]),
                    }
                    if "nonzero_weights" in runs[0]
                    else {}
                ),
            }
            for recipe, runs in rows.items()
        }
    return out


def crn_agreement(model: Any, X_test: np.ndarray, simulation: Any) -> dict[str, Any]:
    """Full CRN vs network on every test example (batched ODE engine, the repository's simulation settings)."""
    from dmp.crn.translate import network_to_crn
    from dmp.sim.readout import simulate_inputs

    crn, species_map = network_to_crn(model, "dual_rail", 1.0)
    X_scaled = model.scaling.apply(X_test)
    simulation = dataclasses.replace(simulation, engine="batch")
    outputs = simulate_inputs(crn, species_map, X_scaled, np.array([simulation.t_end]), simulation).final_outputs
    network = model.forward_scaled(X_scaled)
    agree = np.argmax(outputs, axis=1) == np.argmax(network, axis=1)
    return {
        "examples": int(len(X_test)),
        "argmax_agreement": float(agree.mean()),
        "max_abs_error": float(np.max(np.abs(outputs - network))),
    }


def front(
    config: dict[str, Any], datasets: list[str], seeds: list[int], penalties: list[float], check_crn: bool
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in datasets:
        settings, dsd = training_settings(config, name), cost_settings(config, name)
        simulation = dmp.config.settings(config, name, "simulation")
        points: list[dict[str, Any]] = []
        for seed in seeds:
            split, section = split_for(config, name, seed)
            scaled = {part: (split.scaling.apply(X), y) for part, (X, y) in parts_of(split).items()}
            started = time.perf_counter()
            _, found = fit_candidates(
                settings,
                section["hidden"],
                tuple(penalties),
                scaled,
                seed,
                dsd,
                split.dataset.features,
                split.dataset.classes,
                split.scaling,
            )
            seconds = time.perf_counter() - started
            X_test, y_test = split.part("test")
            for candidate in found:
                model = candidate["model"]
                cost = network_cost([lay.weights for lay in model.layers], [lay.bias for lay in model.layers], dsd)
                point = {
                    "seed": seed,
                    "penalty": candidate["penalty"],
                    "layer_sizes": model.layer_sizes,
                    "nonzero_weights": candidate["nonzero_weights"],
                    "test_accuracy": float(np.mean(model.predict(X_test) == y_test)),
                    "strands": {s: cost[s].strands for s in SCHEMES},
                    "nucleotides": {s: cost[s].nucleotides for s in SCHEMES},
                    "batch_seconds": seconds,
                }
                if check_crn:
                    point["crn"] = crn_agreement(model, X_test, simulation)
                points.append(point)
                print(
                    f"{name} seed {seed} penalty {point['penalty']}: acc {point['test_accuracy']:.4f}, "
                    f"{point['nonzero_weights']} weights, {point['nucleotides']['soloveichik2010']} nt, "
                    f"sizes {point['layer_sizes']}"
                    + (f", CRN agreement {point['crn']['argmax_agreement']:.3f}" if check_crn else ""),
                    flush=True,
                )
        out[name] = {"points": points, "by_penalty": by_penalty(points, penalties)}
    return out


def by_penalty(points: list[dict[str, Any]], penalties: list[float]) -> list[dict[str, Any]]:
    rows = []
    for penalty in penalties:
        mine = [p for p in points if p["penalty"] == penalty]
        rows.append(
            {
                "penalty": penalty,
                "seeds": [p["seed"] for p in mine],
                "test_accuracy": summary([p["test_accuracy"] for p in mine]),
                "nonzero_weights": summary([p["nonzero_weights"] for p in mine]),
                "nucleotides": {s: summary([p["nucleotides"][s] for p in mine]) for s in SCHEMES},
                "crn_agrees_on_every_example": all(p["crn"]["argmax_agreement"] == 1.0 for p in mine if "crn" in p)
                if any("crn" in p for p in mine)
                else None,
            }
        )
    return rows


def budget(config: dict[str, Any], seeds: list[int], max_nt: int) -> dict[str, Any]:
    changes = {"max_nt": max_nt, "penalty_grid": DEFAULT_PENALTIES}
    runs = []
    for seed in seeds:
        split, section = split_for(config, "virus", seed)
        run = ternary_run(config, "virus", changes, split, section["hidden"], seed)
        runs.append(run)
        print(
            f"virus budget {max_nt} nt, seed {seed}: acc {run['test_accuracy']:.4f}, "
            f"{run['nucleotides']['soloveichik2010']} nt, {run['seconds']:.1f} s",
            flush=True,
        )
    return {
        "max_nt": max_nt,
        "penalty_grid": DEFAULT_PENALTIES,
        "runs": runs,
        "test_accuracy": summary([r["test_accuracy"] for r in runs]),
        "nucleotides": summary([r["nucleotides"]["soloveichik2010"] for r in runs]),
        "train_seconds": summary([r["seconds"] for r in runs]),
    }


def plot_front(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(result["front"])
    fig, axes = plt.subplots(1, len(names), figsize=(5.2 * len(names), 4.0), squeeze=False)
    for ax, name in zip(axes[0], names, strict=True):
        points = result["front"][name]["points"]
        ax.scatter(
            [p["nucleotides"]["soloveichik2010"] / 1000 for p in points],
            [p["test_accuracy"] for p in points],
            s=10,
            alpha=0.3,
            color="tab:blue",
            label="one seed",
        )
        rows = result["front"][name]["by_penalty"]
        ax.errorbar(
            [r["nucleotides"]["soloveichik2010"]["mean"] / 1000 for r in rows],
            [r["test_accuracy"]["mean"] for r in rows],
            yerr=[r["test_accuracy"]["sd"] for r in rows],
            fmt="o-",
            color="tab:blue",
            label="new recipe, mean ± sd per penalty",
        )
        for r in rows:
            ax.annotate(
                f"{r['penalty']:g}",
                (r["nucleotides"]["soloveichik2010"]["mean"] / 1000, r["test_accuracy"]["mean"]),
                textcoords="offset points",
                xytext=(4, -10),
                fontsize=7,
            )
        recipes = result.get("recipes", {}).get(name) or {}
        if "old" in recipes:
            old = recipes["old"]
            ax.errorbar(
                [old["nucleotides"]["soloveichik2010"]["mean"] / 1000],
                [old["test_accuracy"]["mean"]],
                yerr=[old["test_accuracy"]["sd"]],
                fmt="s",
                color="tab:red",
                label="old recipe",
            )
        floats = [(k, v) for k, v in recipes.items() if k.startswith("float")]
        if floats:  # the float network of the same shape: torch's if measured, else scikit-learn's
            label, row = sorted(floats)[-1]
            ax.axhline(row["test_accuracy"]["mean"], color="grey", ls="--", lw=1, label=label.replace("_", " "))
        ax.set_xlabel("predicted DNA, soloveichik2010 (k nt)")
        ax.set_ylabel("test accuracy")
        ax.set_title(f"{name}: accuracy vs nucleotides ({len({p['seed'] for p in points})} seeds)")
        ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parts", default="recipes,front,budget")
    parser.add_argument("--seeds", default="2020,2021,2022,2023,2024")
    parser.add_argument("--datasets", default="virus,iris,digits")
    parser.add_argument("--set", action="append", default=[], help="training KEY=VALUE for the config's recipe")
    parser.add_argument("--recipes", default=",".join(ALL_RECIPES), help="which recipes to run (default: all)")
    parser.add_argument("--front-datasets", default="virus,digits")
    parser.add_argument("--penalties", default=",".join(map(str, DEFAULT_PENALTIES)))
    parser.add_argument("--no-crn-check", action="store_true")
    parser.add_argument("--out", default=str(ROOT / "benchmarks/results/training.json"))
    parser.add_argument("--png", default=str(ROOT / "benchmarks/results/training_front.png"))
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    parts = args.parts.split(",")
    config = load_config()
    for item in args.set:  # a recipe under trial: training keys for every dataset (YAML values)
        key, _, value = item.partition("=")
        config["training"][key] = yaml.safe_load(value)
        for section in config["datasets"].values():
            section.get("training", {}).pop(key, None)
    out_path = Path(args.out)
    result: dict[str, Any] = json.loads(out_path.read_text()) if out_path.exists() else {}
    result.update(
        {
            "seeds": seeds,
            "machine": {"cpus": os.cpu_count(), "load_average_at_start": list(os.getloadavg())},
            "new_recipe": training_settings(config, "virus").to_json(),
            "old_recipe": OLD_RECIPE,
        }
    )
    started = time.perf_counter()
    if "recipes" in parts:
        done = recipes(config, args.datasets.split(","), seeds, tuple(args.recipes.split(",")))
        result["recipes"] = {**result.get("recipes", {}), **done}
    if "front" in parts:
        penalties = [float(p) for p in args.penalties.split(",")]
        result["front"] = front(config, args.front_datasets.split(","), seeds, penalties, not args.no_crn_check)
    if "budget" in parts:
        result["budget"] = budget(config, seeds, int(0.6 * TODAY_VIRUS_NT))
    result["machine"]["load_average_at_end"] = list(os.getloadavg())
    result["wall_seconds"] = time.perf_counter() - started
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(result, indent=1) + "\n")
    if "front" in result:
        plot_front(result, Path(args.png))
    print(f"wrote {out_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
