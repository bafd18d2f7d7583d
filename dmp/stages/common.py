"""What every step shares: the run's config and seed, provenance, and the readers of earlier steps' files."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from dmp import __version__
from dmp.config import config_hash, dataset_config, default_seed, defaults, load_config, settings
from dmp.crn.model import first_difference, reaction_distance
from dmp.errors import DmpError
from dmp.fileio import output_set, read_json, read_tsv

F = TypeVar("F", bound=Callable[..., Any])


def writes_together(step: F) -> F:
    """A step's output files appear together or not at all (see `dmp.fileio.output_set`)."""

    @functools.wraps(step)
    def run(*args: Any, **kwargs: Any) -> Any:
        with output_set():
            return step(*args, **kwargs)

    return run  # type: ignore[return-value]


@dataclass
class Run:
    """The config a step runs with (None: the schema's defaults), its dataset and the master seed."""

    config: dict[str, Any] | None = None
    dataset: str | None = None
    seed: int = 0
    # Typed settings that replace a stage's (for library use and tests): stage name -> dataclass.
    overrides: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, config_path: str | Path | None, dataset: str | None, seed: int | None = None) -> Run:
        """The config file's settings for `dataset`; without a dataset, the schema's defaults and `seed`."""
        if dataset:
            config = load_config(config_path or "config.yaml")
            dataset_config(config, dataset)  # a dataset the config does not name is one clear line
            return cls(config, dataset, int(config["seed"]))
        return cls(None, None, default_seed() if seed is None else int(seed))

    def settings(self, stage: str) -> Any:
        """Typed settings of a stage (a frozen dataclass): the dataset's, or the schema's defaults."""
        if stage in self.overrides:
            return self.overrides[stage]
        if self.config is None or self.dataset is None:
            return defaults(stage)
        return settings(self.config, self.dataset, stage)

    @property
    def config_sha256(self) -> str | None:
        return config_hash(self.config) if self.config is not None else None

    def provenance(self) -> dict[str, Any]:
        """What made an output: the dmp version, the hash of the config (if any) and the seed."""
        record: dict[str, Any] = {"dmp_version": __version__}
        if self.config is not None:
            record["config_sha256"] = self.config_sha256
        record["seed"] = self.seed
        return record

    def stamp(self) -> str:
        """The provenance as one header line of a text file."""
        sha = self.config_sha256
        return f"dmp {__version__}" + (f", config sha256 {sha[:16]}, seed {self.seed}" if sha else "")


def read_split(data_dir: str | Path) -> tuple[dict[str, Any], dict[str, tuple[np.ndarray, np.ndarray]]]:
    """split.json and the three parts written by the dataset step, checked against each other."""
    from dmp.data.scaling import Scaling, scaling_problem
    from dmp.data.tables import read_part, require_two_classes

    data_dir = Path(data_dir)
    record = read_json(data_dir / "split.json", "not found; run the dataset stage first")
    missing = [k for k in ("features", "classes", "scaling") if k not in record]
    if missing:
        raise DmpError(f"{data_dir / 'split.json'}: missing key {missing[0]!r}; rerun the dataset stage")
    problem = scaling_problem(record["scaling"], record["features"])
    if problem is not None:
        raise DmpError(f"{data_dir / 'split.json'}: scaling: {problem}; rerun the dataset stage")
    scaling = Scaling.from_json(record["scaling"])
    parts = {}
    for part in ("train", "val", "test"):
        X, y, features, _ = read_part(data_dir / f"{part}.csv", record["classes"])
        if features != record["features"]:
            raise DmpError(f"{data_dir / (part + '.csv')}: feature columns differ from split.json")
        check_input_sizes(X, scaling.apply(X), features, data_dir / f"{part}.csv")
        parts[part] = (X, y)
    require_two_classes(data_dir / "train.csv", parts["train"][1], record["classes"])
    return record, parts


def read_test(model_path: str | Path, data_path: str | Path, limit: int | None = None):  # noqa: ANN201
    """The network, and the first `limit` (all if None) examples of a data table: (model, X, y)."""
    from dmp.data.tables import read_part
    from dmp.nn.model import load_model

    model = load_model(model_path)
    X, y, features, _ = read_part(data_path, model.classes)
    check_features(features, data_path, model, model_path)
    if limit:
        X, y = X[:limit], y[:limit]
    check_input_sizes(X, model.scaling.apply(X), features, data_path)
    return model, X, y


# Largest |scaled input| accepted: a network input is an initial concentration of the CRN.
# Standard-scaled data lie within about ±10; values beyond this are a unit slip or a corrupted cell,
# and overflow both training (NaN weights) and simulation.
MAX_SCALED_INPUT = 1e6


def check_input_sizes(X: np.ndarray, X_scaled: np.ndarray, features: list[str], path: str | Path) -> None:
    """Refuse a data table whose scaled values are too large to be inputs, naming the cell."""
    with np.errstate(invalid="ignore"):
        bad = np.argwhere(~(np.abs(X_scaled) <= MAX_SCALED_INPUT))
    if len(bad):
        row, col = (int(v) for v in bad[0])
        raise DmpError(
            f"{path}:{row + 2}: feature {features[col]!r} = {X[row, col]:g} scales to {X_scaled[row, col]:g}, "
            f"beyond ±{MAX_SCALED_INPUT:g} (dmp.stages.common.MAX_SCALED_INPUT); as an input concentration it "
            "would overflow training and simulation"
        )


def first(*limits: int | None) -> int | None:
    """The smallest of the limits that are set (None: no limit)."""
    values = [v for v in limits if v]
    return min(values) if values else None


OUTPUT_COLUMNS = ("t_stable", "t_90", "converged", "min_fuel_fraction")


def read_outputs(
    path: str | Path, classes: list[str], labels: np.ndarray | None = None, data_path: str | Path | None = None
) -> dict[str, np.ndarray]:
    """An outputs table written by the evaluate step: y (n, classes) and the per-example columns.

    Its y_<class> columns must be the model's classes, every y a finite number, the rows examples
    0..n-1 in order and, given the test table's `labels`, each row's label that example's.
    """
    rows = read_tsv(path, "outputs table not found; run `dmp evaluate` first")
    if not rows:
        raise DmpError(f"{path}: no rows (a header only); run `dmp evaluate` again")
    columns = [h[2:] for h in rows[0] if h.startswith("y_")]
    missing = [c for c in classes if c not in columns]
    if missing or columns != classes:
        detail = f"missing column 'y_{missing[0]}'" if missing else f"columns y_{', y_'.join(columns)}"
        raise DmpError(f"{path}: {detail}; the model's classes are {', '.join(classes)}")
    for k, row in enumerate(rows):
        if row.get("example") != str(k):
            raise DmpError(f"{path}:{k + 2}: example {row.get('example')!r}; the rows must be examples 0..n-1 in order")
        if labels is not None and k < len(labels) and row.get("label") != classes[labels[k]]:
            raise DmpError(
                f"{path}:{k + 2}: example {k} has label {row.get('label')!r}, but {classes[labels[k]]!r} in "
                f"{data_path}; the outputs come from other test data"
            )
    y = np.array([[_number(path, k, row, f"y_{c}") for c in classes] for k, row in enumerate(rows)])
    if not np.isfinite(y).all():
        k, j = (int(v) for v in np.argwhere(~np.isfinite(y))[0])
        raise DmpError(f"{path}:{k + 2}: y_{classes[j]} is {rows[k][f'y_{classes[j]}']}, not a finite number")
    extra = {
        name: np.array(
            [_number(path, k, r, name) if name != "converged" else r[name] == "True" for k, r in enumerate(rows)]
        )
        for name in OUTPUT_COLUMNS
        if name in rows[0]
    }
    return {"y": y.reshape(len(rows), len(classes)), **extra}


def _number(path: str | Path, k: int, row: dict[str, str], column: str) -> float:
    try:
        return float(row[column])
    except ValueError:
        raise DmpError(f"{path}:{k + 2}: {column} is {row[column]!r}, not a number") from None


def check_network_files(
    model: Any,
    model_path: str | Path,
    species_map: Any,
    species_path: str | Path,
    crn: Any = None,
    crn_path: Any = None,
    level: str = "formal",
) -> None:
    """Refuse files of different networks: model.json, species.json and a CRN must describe one network.

    The species map must be the one the crn step writes for this model (same inputs, hidden
    neurons, classes and encoding). A formal CRN must be the model's full or reduced translation
    (rate constants aside); a DNA-level CRN (`level` "dna") must take its inputs from the map.
    """
    from dmp.crn.translate import network_to_crn, reduce_network_crn

    expected_crn, expected = network_to_crn(model, species_map.input_encoding)
    mine, theirs = expected.to_json(), species_map.to_json()
    for key in ("inputs", "hidden", "outputs", "input_shift"):
        if mine[key] != theirs[key]:
            what = {"inputs": "inputs", "hidden": "hidden neurons", "outputs": "classes", "input_shift": "input shifts"}
            raise DmpError(
                f"{species_path}: its {what[key]} differ from those of {model_path} "
                f"({model.layer_sizes[0]} inputs, hidden {model.layer_sizes[1:-1]}, classes {model.classes}); "
                "the species map and the model come from different networks"
            )
    if crn is None:
        return
    check_crn_species(crn, crn_path, species_map, species_path, expected_crn.species)
    if level == "formal":
        reduced = reduce_network_crn(expected_crn, expected)
        differences = [first_difference(crn, reference) for reference in (expected_crn, reduced)]
        if all(differences):
            references = (expected_crn, reduced)
            closer = min((0, 1), key=lambda k: reaction_distance(crn, references[k]))
            raise DmpError(
                f"{crn_path}: not the full or reduced CRN of {model_path} ({'reduced' if closer else 'full'} CRN: "
                f"{differences[closer]}); the CRN and the model come from different networks"
            )


def _map_species(species_map: Any) -> set[str]:
    """Every species a network's species map names: input rails, pre-activations, ReLU helpers, hidden and outputs."""
    names = set(species_map.input_species())
    for entry in (e for layer in species_map.hidden for e in layer):
        names |= {entry["plus"], entry["minus"], entry.get("relu_helper")}
        names |= set((entry.get("preactivation") or {}).values())
    names |= {n for pair in species_map.output_species() for n in pair}
    return names - {None}


def check_crn_species(
    crn: Any,
    crn_path: Any,
    species_map: Any,
    species_path: str | Path,
    expected: list[str] | None = None,
    formal: bool = False,
) -> None:
    """Every source species of the CRN (consumed, never produced, starting at zero) is in the species map,
    and (given the species the model's CRN has, `expected`) every input rail of the map is in the CRN.
    A `formal` network CRN holds only species the map names."""
    known = _map_species(species_map)
    produced = {p for r in crn.reactions for p in r.products}
    sources = [
        s
        for r in crn.reactions
        for s in r.reactants
        if s not in produced and not crn.initial.get(s) and s not in crn.constant
    ]
    stray = next((s for s in sources if s not in known), None)
    if stray is not None:
        raise DmpError(
            f"{crn_path}: species {stray} is an input of the CRN but not a species of {species_path}; "
            "the CRN and the species map come from different networks"
        )
    if formal:
        stray = next((s for s in crn.species if s not in known), None)
        if stray is not None:
            raise DmpError(
                f"{crn_path}: species {stray} is not a species of {species_path}; "
                "the CRN and the species map come from different networks"
            )
    if expected is not None:
        present = set(crn.species)
        missing = next((s for s in species_map.input_species() if s in expected and s not in present), None)
        if missing is not None:
            raise DmpError(f"{crn_path}: input species {missing} of {species_path} is not in the CRN")


def check_features(features: list[str], data_path: str | Path, model: Any, model_path: str | Path) -> None:
    """A data table must have exactly the model's feature columns, in order."""
    if list(features) != list(model.features):
        extra = [f for f in features if f not in model.features]
        lacking = [f for f in model.features if f not in features]
        detail = (
            f"column {extra[0]!r} is not a feature of the model"
            if extra
            else f"column {lacking[0]!r} of the model is missing"
            if lacking
            else "the columns are in another order"
        )
        raise DmpError(
            f"{data_path}: {len(features)} feature columns, {model_path} expects {len(model.features)}: {detail}"
        )
