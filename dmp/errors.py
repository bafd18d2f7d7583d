"""Errors a user can cause and fix: the CLI prints them as one line, without a traceback.

Unusual but valid input gets a DmpWarning instead (Python's `warnings.warn`): the work goes on,
and the CLI prints each as one line `dmp: warning: ...`.
"""

from __future__ import annotations

import warnings


class DmpError(Exception):
    """A problem with the user's input (file, config key, data), stated in one line."""


class CRNSyntaxError(DmpError):
    """A `.crn` file that cannot be read; carries the file and line."""

    def __init__(self, source: str, line: int, message: str) -> None:
        self.source = source
        self.line = line
        self.problem = message
        super().__init__(f"{source}:{line}: {message}" if line else f"{source}: {message}")


class ConfigError(DmpError):
    """A config value that breaks the schema; names the key."""


class DataError(DmpError):
    """Missing or malformed dataset files."""


class LimitReached(DmpError):
    """A configured resource limit stopped a step; names the limit, its value and how to raise it."""

    def __init__(self, what: str, key: str, value: object, detail: str = "") -> None:
        self.what = what
        self.key = key
        self.value = value
        note = f" ({detail})" if detail else ""
        super().__init__(f"{what}: limit reached: {key}={value}{note}; raise {key} in config.yaml")

    def to_json(self) -> dict[str, object]:
        return {"limit": self.key, "value": self.value}


class DmpWarning(UserWarning):
    """Valid but unusual input, or something left out on purpose; the CLI prints it as one line."""


def format_warning(
    message: Warning | str, category: type[Warning], filename: str, lineno: int, line: str | None = None
) -> str:
    """`warnings.formatwarning` for the CLI: a DmpWarning as one line `dmp: warning: ...`, others unchanged."""
    if issubclass(category, DmpWarning):
        return f"dmp: warning: {message}\n"
    return _default_format(message, category, filename, lineno, line)


_default_format = warnings.formatwarning
