"""Read and validate `config.yaml`; give each stage the settings of one dataset.

The JSON schema (`dmp/schemas/config.schema.yaml`, also used by the Snakefile) says which
keys exist and which values they allow. Stage sections (`training`, `crn`, `dsd`, `seq`, `simulation`, `pattern`)
are merged in three layers: the defaults below, the global section, and the dataset's own
override, so `datasets.virus.training.epochs` beats `training.epochs`.
"""

from __future__ import annotations

import copy
import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from dmp.errors import ConfigError

SCHEMA_RESOURCE = "schemas/config.schema.yaml"

STAGE_DEFAULTS: dict[str, dict[str, Any]] = {
    "training": {
        "loss": "hinge",
        "optimizer": "adam",
        "lr": 0.01,
        "lr_schedule": "step",
        "lr_step_epochs": 100,
        "lr_gamma": 0.5,
        "epochs": 300,
        "batch_size": 32,
        "patience": 60,
        "zero_threshold": 0.5,
        "weight_decay": 0.0,
        "restarts": 1,
    },
    "crn": {
        "inputs": "dual_rail",
        "rate_constant": 1.0,
    },
    "dsd": {
        "schemes": ["soloveichik2010", "cardelli2011_NM_noGC"],
        "crn": "full",
        "backend": "dmp",
        "toehold_length": 7,
        "domain_length": 15,
        "max_products": 6,
        "unit_nM": 10.0,
        "fuel_excess": 10.0,
        "fuel_bound_margin": 2.0,
        "input_units": 1.0,
        "chunks": 2,
        "enumeration": {
            "max_complex_size": 24,
            "max_complex_count": 10000,
            "max_reaction_count": 50000,
            "release_cutoff": 8,
        },
        "verification": {"methods": ["bisimulation", "pathway"], "timeout_s": 120, "crosstalk": True},
    },
    "seq": {
        "candidates": 3,
        "temperature": 25.0,
        "salt": 1.0,
        "toeholds": {"target_dG": 10.0, "spread": 0.5, "max_spurious": 0.65, "reuse": True},
        "domains": {
            "gc_min": 0.3,
            "gc_max": 0.7,
            "forbidden": ["GGGG", "CCCC", "AAAAA", "TTTTT"],
            "spurious_k": [6, 10],
            "effort": 5.0,
            "alphabet": "ACGT",
            "symmetry_k": [4, 10],
            "symmetry_weight": 1.0,
            "mismatch_k": [],
            "start": "walk",
        },
        "negative": {"effort": 0.1, "seed_nt": 7, "flank": 5, "targets": 40, "refresh": 20, "weight": 1.0},
        "scoring": {
            "reference_nM": 1000.0,
            "dimer_screen_nt": 7,
            "occlusion_screen_nt": 5,
            "max_pairs": 20000,
            "spurious_max_nt": 100000,
            "binding_pairs": 400,
            "binding_kd_nM": 100.0,
        },
        "check": {"min_helix_fraction": 0.5},
        "order": {
            "scale": "25nm",
            "purification": "STD",
            "gate_purification": "PAGE",
            "long_purification": "PAGE",
            "long_nt": 60,
        },
    },
    "simulation": {
        "engine": "batch",
        "t_end": 5000.0,
        "points": 101,
        "stabilisation_points": 200,
        "stabilisation_atol": 0.01,
        "rtol": 1e-9,
        "atol": 1e-11,
        "batch_size": 64,
        "chunks": 2,
        "max_examples": None,
        "trajectory_examples": 4,
        "trajectory_t_end": 20.0,
        "molecules_per_unit": 100,
        "jobs": 1,
        "ssa": {
            "crn": "full",
            "examples": None,
            "trajectories": 20,
            "t_end": 5000.0,
            "molecules_sweep": [3, 10, 30, 100, 300],
            "sweep_examples": 20,
            "figure_examples": 2,
        },
        "dna": {
            "t_end": 172800.0,
            "rtol": 1e-6,
            "atol": 1e-8,
            "stabilisation_points": 200,
            "max_examples": None,
            "trajectory_t_end": 10800.0,
        },
        "rates": {
            "draws": 5,
            "log10_min": -2.0,
            "log10_max": 2.0,
            "max_examples": None,
            "tolerance": 0.001,
        },
    },
    "pattern": {
        "upsample": 1,
    },
}


def schema_path() -> Path:
    """Path of the config JSON schema shipped inside the package."""
    return Path(str(resources.files("dmp").joinpath(SCHEMA_RESOURCE)))


def load_schema() -> dict[str, Any]:
    """The config schema as a dict."""
    with open(schema_path(), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _validator_with_defaults(schema: dict[str, Any]) -> jsonschema.protocols.Validator:
    # jsonschema validates but does not fill defaults; this is the library's documented
    # extension recipe (the same one Snakemake's `validate(..., set_default=True)` uses).
    base = jsonschema.validators.validator_for(schema)

    def set_defaults(validator, properties, instance, schema):  # type: ignore[no-untyped-def]
        if isinstance(instance, dict):
            for name, sub in properties.items():
                if "default" in sub and name not in instance:
                    instance[name] = copy.deepcopy(sub["default"])
        yield from base.VALIDATORS["properties"](validator, properties, instance, schema)

    cls = jsonschema.validators.extend(base, {"properties": set_defaults})
    return cls(schema)


def _key_path(error: jsonschema.ValidationError) -> str:
    parts = [str(p) for p in error.absolute_path]
    return ".".join(parts) if parts else "(top level)"


def validate_config(config: dict[str, Any], source: str = "config") -> dict[str, Any]:
    """Validate `config` against the schema, fill defaults, and return it.

    Raises ConfigError naming the key and what is allowed.
    """
    if not isinstance(config, dict):
        raise ConfigError(f"{source}: the config must be a mapping of keys to values")
    config = copy.deepcopy(config)
    validator = _validator_with_defaults(load_schema())
    error = jsonschema.exceptions.best_match(validator.iter_errors(config))
    if error is not None:
        key = _key_path(error)
        message = error.message
        if error.validator == "enum":
            allowed = ", ".join(json.dumps(v) for v in error.validator_value)
            message = f"{json.dumps(error.instance)} is not allowed; use one of {allowed}"
        elif error.validator == "additionalProperties":
            allowed = sorted(error.schema.get("properties", {}))
            extra = sorted(set(error.instance) - set(allowed)) if isinstance(error.instance, dict) else []
            if allowed:
                message = f"unknown key(s) {', '.join(map(repr, extra))}; allowed keys: {', '.join(allowed)}"
        raise ConfigError(f"{source}: {key}: {message}")
    for name in config["datasets"]:
        dsd = stage_settings(config, name, "dsd")
        cutoff = dsd["enumeration"]["release_cutoff"]
        if not dsd["toehold_length"] <= cutoff < dsd["domain_length"]:
            raise ConfigError(
                f"{source}: dsd.enumeration.release_cutoff ({cutoff}) must be at least dsd.toehold_length "
                f"({dsd['toehold_length']}) so that toeholds melt, and below dsd.domain_length "
                f"({dsd['domain_length']}) so that long domains hold (dataset {name})"
            )
    for name in config["datasets"]:
        seq = stage_settings(config, name, "seq")
        domains = seq["domains"]
        if domains["gc_min"] > domains["gc_max"]:
            raise ConfigError(
                f"{source}: seq.domains.gc_min ({domains['gc_min']}) exceeds seq.domains.gc_max "
                f"({domains['gc_max']}) (dataset {name})"
            )
        low, high = domains["spurious_k"]
        if low > high:
            raise ConfigError(
                f"{source}: seq.domains.spurious_k: shortest {low} exceeds longest {high} (dataset {name})"
            )
    for name, dataset in config["datasets"].items():
        split = dataset.get("split", {})
        if isinstance(split, dict) and split and split["train"] + split["val"] >= 1.0:
            raise ConfigError(
                f"{source}: datasets.{name}.split: train + val must leave room for a test part "
                f"(got {split['train']} + {split['val']})"
            )
    return config


def load_config(path: str | Path) -> dict[str, Any]:
    """Read a YAML config file, validate it and resolve data paths against its folder."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{where}: YAML syntax error: {problem}") from None
    config = validate_config(raw if raw is not None else {}, source=str(path))
    config["_base_dir"] = str(path.resolve().parent)
    return config


def base_dir(config: dict[str, Any]) -> Path:
    """Folder against which relative paths in the config are resolved."""
    return Path(config.get("_base_dir", "."))


def resolve_path(config: dict[str, Any], value: str) -> Path:
    """Resolve a path from the config relative to the config file's folder."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else base_dir(config) / path


def dataset_config(config: dict[str, Any], dataset: str) -> dict[str, Any]:
    """The dataset's own section; raises ConfigError if the dataset is not configured."""
    try:
        return config["datasets"][dataset]
    except KeyError:
        known = ", ".join(sorted(config["datasets"])) or "none"
        raise ConfigError(f"datasets.{dataset}: no such dataset in the config (configured: {known})") from None


def stage_settings(config: dict[str, Any], dataset: str, stage: str) -> dict[str, Any]:
    """Settings of `stage` for `dataset`: defaults, then the global section, then the dataset override.

    Nested sections (such as `dsd.enumeration`) merge key by key.
    """
    settings = copy.deepcopy(STAGE_DEFAULTS[stage])
    for layer in (config.get(stage, {}), dataset_config(config, dataset).get(stage, {})):
        for key, value in layer.items():
            if isinstance(value, dict) and isinstance(settings.get(key), dict):
                settings[key] = {**settings[key], **value}
            else:
                settings[key] = copy.deepcopy(value)
    return settings


def config_hash(config: dict[str, Any]) -> str:
    """SHA-256 of the validated config in canonical JSON (without machine-specific paths)."""
    public = {k: v for k, v in config.items() if not k.startswith("_")}
    canonical = json.dumps(public, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def workflow_config_file(config: dict[str, Any], configfiles: list[str]) -> str:
    """The one config file the workflow's `dmp` commands read, checked against Snakemake's config.

    dmp commands read their settings from a file, so the config that Snakemake holds must be
    exactly that file's content: `--config KEY=VALUE` overrides, or a `--configfile` merged into
    config.yaml, would otherwise be seen by Snakemake but not by dmp.
    """
    if not configfiles:
        raise ConfigError("no config file: run snakemake in the dmp folder or pass --configfile FILE")
    path = str(configfiles[-1])
    try:
        with open(path, encoding="utf-8") as handle:
            on_disk = yaml.safe_load(handle) or {}
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    if on_disk != config:
        raise ConfigError(
            f"{path}: Snakemake's config differs from this file (--config overrides or merged config files); "
            "dmp reads one file: put the settings in a copy of config.yaml and run "
            "`snakemake --configfile COPY --replace-workflow-config ...`"
        )
    return path
