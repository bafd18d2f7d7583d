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
    from dmp.data.tables import read_part, require_two_classes

    data_dir = Path(data_dir)
    record = read_json(data_dir / "split.json", "not found; run the dataset stage first")
    missing = [k for k in ("features", "classes", "scaling") if k not in record]
    if missing:
        raise DmpError(f"{data_dir / 'split.json'}: missing key {missing[0]!r}; rerun the dataset stage")
    parts = {}
    for part in ("train", "val", "test"):
        X, y, features, _ = read_part(data_dir / f"{part}.csv", record["classes"])
        if features != record["features"]:
            raise DmpError(f"{data_dir / (part + '.csv')}: feature columns differ from split.json")
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
    return model, X, y


def first(*limits: int | None) -> int | None:
    """The smallest of the limits that are set (None: no limit)."""
    values = [v for v in limits if v]
    return min(values) if values else None


OUTPUT_COLUMNS = ("t_stable", "t_90", "converged", "min_fuel_fraction")


def read_outputs(path: str | Path, classes: list[str]) -> dict[str, np.ndarray]:
    """An outputs table written by the evaluate step: y (n, classes) and the per-example columns."""
    try:
        rows = read_tsv(path)
    except FileNotFoundError:
        raise DmpError(f"{path}: outputs table not found; run `dmp evaluate` first") from None
    try:
        y = np.array([[float(r[f"y_{c}"]) for c in classes] for r in rows], dtype=np.float64).reshape(
            len(rows), len(classes)
        )
        extra = {
            name: np.array([float(r[name]) if name != "converged" else r[name] == "True" for r in rows])
            for name in OUTPUT_COLUMNS
            if rows and name in rows[0]
        }
    except KeyError as exc:
        raise DmpError(f"{path}: missing column {exc}") from None
    return {"y": y, **extra}


def check_network_files(
    model: Any,
    model_path: str | Path,
    species_map: Any,
    species_path: str | Path,
    crn: Any = None,
    crn_path: Any = None,
) -> None:
    """Refuse files of different networks: model.json, species.json and a CRN must describe one network.

    The species map must be the one the crn step writes for this model (same inputs, hidden
    neurons, classes and encoding), and every source species of the CRN (consumed, never
    produced, starting at zero: an input) must be a species of that map.
    """
    from dmp.crn.translate import network_to_crn

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
    if crn is not None:
        check_crn_species(crn, crn_path, species_map, species_path, expected_crn.species)


def check_crn_species(
    crn: Any, crn_path: Any, species_map: Any, species_path: str | Path, expected: list[str] | None = None
) -> None:
    """Every source species of the CRN (consumed, never produced, starting at zero) is in the species map,
    and (given the species the model's CRN has, `expected`) every input rail of the map is in the CRN."""
    known = set(species_map.input_species())
    for layer in species_map.hidden:
        for e in layer:
            known |= {e["plus"], e["minus"], e.get("relu_helper")}
            known |= set((e.get("preactivation") or {}).values())
    known |= {n for pair in species_map.output_species() for n in pair}
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
