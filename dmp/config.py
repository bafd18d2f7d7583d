"""Read and validate `config.yaml`; give each step the typed settings of one dataset.

The JSON schema (`dmp/schemas/config.schema.yaml`, also read by the Snakefile) says which keys
exist, which values they allow, and holds every default. Stage sections (`training`, `crn`,
`dsd`, `seq`, `simulation`, `pattern`, `leak`, `bench`) merge in three layers: the schema's defaults, the global
section, and the dataset's own override, so `datasets.virus.training.epochs` beats
`training.epochs`. The science packages never see this module: they take the frozen
dataclasses that `settings` builds.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import math
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from dmp.crn.translate import CrnSettings
from dmp.data.loaders import DataSource
from dmp.dsd.settings import DSDSettings
from dmp.errors import ConfigError
from dmp.fileio import read_input_bytes
from dmp.nn.settings import TrainingSettings
from dmp.params import build
from dmp.seq.protocol import BenchSettings
from dmp.seq.settings import SeqSettings
from dmp.sim.leak import LeakSettings
from dmp.sim.settings import PatternSettings, SimulationSettings

SCHEMA_RESOURCE = "schemas/config.schema.yaml"

# Each stage section of the config and the parameters it becomes.
STAGE_TYPES: dict[str, type] = {
    "training": TrainingSettings,
    "crn": CrnSettings,
    "dsd": DSDSettings,
    "seq": SeqSettings,
    "simulation": SimulationSettings,
    "pattern": PatternSettings,
    "leak": LeakSettings,
    "bench": BenchSettings,
}


def schema_path() -> Path:
    """Path of the config JSON schema shipped inside the package."""
    return Path(str(resources.files("dmp").joinpath(SCHEMA_RESOURCE)))


@functools.cache
def _schema() -> dict[str, Any]:
    with open(schema_path(), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def load_schema() -> dict[str, Any]:
    """The config schema as a dict (a copy: callers may change it)."""
    return copy.deepcopy(_schema())


def _section_defaults(node: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, sub in node.get("properties", {}).items():
        if "properties" in sub:
            out[key] = _section_defaults(sub)
        elif "default" in sub:
            out[key] = copy.deepcopy(sub["default"])
    return out


def schema_defaults(stage: str) -> dict[str, Any]:
    """Every default of a stage section, nested as in the config (the one place defaults live)."""
    if stage not in STAGE_TYPES:
        raise ConfigError(f"no config section {stage!r}; sections: {', '.join(STAGE_TYPES)}")
    return _section_defaults(_schema()["$defs"][stage])


def _key_path(error: jsonschema.ValidationError) -> str:
    parts = [str(p) for p in error.absolute_path]
    return ".".join(parts) if parts else "(top level)"


def _schema_error(error: jsonschema.ValidationError) -> str:
    message = error.message
    if error.validator == "enum":
        allowed = ", ".join(json.dumps(v) for v in error.validator_value)
        message = f"{json.dumps(error.instance)} is not allowed; use one of {allowed}"
    elif error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed)) if isinstance(error.instance, dict) else []
        if allowed:
            message = f"unknown key(s) {', '.join(map(repr, extra))}; allowed keys: {', '.join(allowed)}"
    return f"{_key_path(error)}: {message}"


def _fill(target: dict[str, Any], node: dict[str, Any]) -> None:
    """Top-level and dataset-level defaults (not the stage sections', which `stage_settings` merges)."""
    for key, sub in node["properties"].items():
        if "default" in sub and key not in target:
            target[key] = copy.deepcopy(sub["default"])


def validate_config(config: dict[str, Any], source: str = "config") -> dict[str, Any]:
    """Validate `config` against the schema and return it with its top-level and dataset defaults.

    Raises ConfigError naming the key and what is allowed.
    """
    if not isinstance(config, dict):
        raise ConfigError(f"{source}: the config must be a mapping of keys to values")
    bad = _non_finite(config)
    if bad is not None:
        raise ConfigError(f"{source}: {bad}: not a finite number (infinite or NaN values are not allowed)")
    config = copy.deepcopy(config)
    schema = _schema()
    validator = jsonschema.validators.validator_for(schema)(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(config))
    if error is not None:
        raise ConfigError(f"{source}: {_schema_error(error)}")
    _fill(config, schema)
    for dataset in config["datasets"].values():
        _fill(dataset, schema["$defs"]["dataset"])
    for name, dataset in config["datasets"].items():
        split = dataset["split"]
        if isinstance(split, dict) and split["train"] + split["val"] >= 1.0:
            raise ConfigError(
                f"{source}: datasets.{name}.split: train + val must leave room for a test part "
                f"(got {split['train']} + {split['val']})"
            )
        for stage in STAGE_TYPES:  # the typed settings check what the schema cannot (one key against another)
            try:
                settings(config, name, stage)
            except ConfigError as exc:
                raise ConfigError(f"{source}: {exc} (dataset {name})") from None
    return config


class _DuplicateKey(yaml.YAMLError):
    def __init__(self, key: Any, line: int, first: int) -> None:
        super().__init__(f"duplicate key {key!r} (first at line {first}); a second section would replace the first")
        self.line = line


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML's safe loader, except that a key given twice in one mapping is an error, not a silent overwrite."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise _DuplicateKey(key, line, seen[key])
            seen[key] = line
        return super().construct_mapping(node, deep)


def read_yaml(path: str | Path, what: str = "config file") -> Any:
    """A YAML file's data; missing, binary, folder, syntax errors and duplicate keys are one line with file:line."""
    path = Path(path)
    data = read_input_bytes(path, 10 * 1024**2)
    if isinstance(data, str):
        raise ConfigError(f"{path}: {what} not found" if data == "file not found" else f"{path}: {data}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a text file (a YAML {what} expected)") from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader subclass)
    except _DuplicateKey as exc:
        raise ConfigError(f"{path}:{exc.line}: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{where}: YAML syntax error: {problem}") from None
    if _more_values_than(data, MAX_CONFIG_VALUES):
        raise ConfigError(
            f"{path}: more than {MAX_CONFIG_VALUES} values once YAML aliases (*name) are expanded; "
            f"a {what} is far smaller (aliases of aliases multiply)"
        )
    return data


# Most values a config may hold with its aliases expanded: a few hundred are usual. Nested aliases
# ("billion laughs") expand exponentially, and every later walk over the config would hang.
MAX_CONFIG_VALUES = 100_000


def _more_values_than(data: Any, limit: int) -> bool:
    """Whether `data` holds more than `limit` values, counting shared (aliased) parts every time they appear."""
    stack, seen = [data], 0
    while stack:
        item = stack.pop()
        seen += 1
        if seen > limit:
            return True
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _non_finite(value: Any, key: str = "") -> str | None:
    """The key of the first number in `value` that is infinite or not a number, or None."""
    if isinstance(value, float) and not math.isfinite(value):
        return key or "(top level)"
    if isinstance(value, dict):
        return next(
            (k for name, v in value.items() if (k := _non_finite(v, f"{key}.{name}" if key else str(name)))), None
        )
    if isinstance(value, list):
        return next((k for i, v in enumerate(value) if (k := _non_finite(v, f"{key}[{i}]"))), None)
    return None


def load_config(path: str | Path) -> dict[str, Any]:
    """Read a YAML config file, validate it and resolve data paths against its folder."""
    path = Path(path)
    raw = read_yaml(path)
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


def data_source(config: dict[str, Any], dataset: str) -> DataSource:
    """Where the dataset's files are and how its loader reads them (paths relative to the config file)."""
    section = dataset_config(config, dataset)
    path = resolve_path(config, section["path"]) if section.get("path") else None
    return DataSource(
        dataset,
        section["loader"],
        path,
        section.get("image"),
        float(section.get("coordinate_scale", 1.0)),
        int(section.get("downsample", 1)),
    )


def stage_settings(config: dict[str, Any], dataset: str, stage: str) -> dict[str, Any]:
    """Settings of `stage` for `dataset` as plain data: schema defaults, global section, dataset override.

    Nested sections (such as `dsd.enumeration`) merge key by key.
    """
    merged = schema_defaults(stage)
    for layer in (config.get(stage, {}), dataset_config(config, dataset).get(stage) or {}):
        for key, value in layer.items():
            if isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = copy.deepcopy(value)
    return merged


def settings(config: dict[str, Any], dataset: str, stage: str) -> Any:
    """The typed settings (a frozen dataclass of STAGE_TYPES) of `stage` for `dataset`."""
    return build(STAGE_TYPES[stage], stage_settings(config, dataset, stage), stage)


def defaults(stage: str) -> Any:
    """The typed settings of `stage` with every value at the schema's default (no config file)."""
    return build(STAGE_TYPES[stage], schema_defaults(stage), stage)


def default_seed() -> int:
    """The schema's default master seed, for commands run without a config."""
    return int(_schema()["properties"]["seed"]["default"])


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
    on_disk = read_yaml(path) or {}
    if on_disk != config:
        raise ConfigError(
            f"{path}: Snakemake's config differs from this file (--config overrides or merged config files); "
            "dmp reads one file: put the settings in a copy of config.yaml and run "
            "`snakemake --configfile COPY --replace-workflow-config ...`"
        )
    return path
