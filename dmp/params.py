"""Typed parameters: frozen dataclasses built from plain mappings, and back.

Every science package declares its parameters as frozen dataclasses named in the field's
words (peppercorn's `Enumerator` takes its limits the same way). `dmp.config` fills them from
the validated config (defaults come from the config schema alone); tests and library users
may build them directly. Nested sections become nested dataclasses, lists become tuples.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from typing import Any, TypeVar

from dmp.errors import ConfigError

T = TypeVar("T")


def build(cls: type[T], data: Mapping[str, Any], where: str = "settings") -> T:
    """An instance of the dataclass `cls` from `data`; unknown or missing keys name `where.key`."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: expected a mapping of keys to values, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; allowed keys: {', '.join(fields)}")
    values: dict[str, Any] = {}
    for name, field in fields.items():
        if name not in data:
            if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
                raise ConfigError(f"{where}.{name}: missing")
            continue
        values[name] = _value(hints[name], data[name], f"{where}.{name}")
    return cls(**values)


def _value(hint: Any, value: Any, where: str) -> Any:
    nested = _dataclass_of(hint)
    if nested is not None and isinstance(value, Mapping):
        return build(nested, value, where)
    if isinstance(value, list):
        return tuple(value)
    return value


def _dataclass_of(hint: Any) -> type | None:
    """The dataclass a type hint names (also inside `X | None`), else None."""
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return hint
    for arg in typing.get_args(hint):
        if dataclasses.is_dataclass(arg) and isinstance(arg, type):
            return arg
    return None


def to_dict(obj: Any) -> Any:
    """Plain JSON-ready data from a (nested) dataclass: field order kept, tuples as lists."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, tuple | list):
        return [to_dict(v) for v in obj]
    if isinstance(obj, dict):
        return {k: to_dict(v) for k, v in obj.items()}
    return obj
