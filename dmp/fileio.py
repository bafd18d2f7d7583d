"""Output files that are never half written: write to a temporary file, then rename.

Every stage writes through these helpers, so an interrupted run leaves either the old
file or the complete new one, never a truncated file that a later stage could read.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from dmp import __version__


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it onto `path` only if the block succeeds."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    # mkstemp creates the file private (0600); give the result the usual umask-based mode.
    os.chmod(tmp_path, 0o666 & ~_umask())
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write `text` to `path` atomically (UTF-8, Unix newlines)."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")


def write_json(path: str | os.PathLike[str], data: Any) -> None:
    """Write `data` as indented JSON with a trailing newline, atomically."""
    write_text(path, json.dumps(data, indent=2, sort_keys=False, allow_nan=False) + "\n")


def write_tsv(path: str | os.PathLike[str], header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Write a tab-separated table with a header row, atomically."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([format_cell(v) for v in row])


def format_cell(value: Any) -> str:
    """Format one table cell; floats keep full precision so tables round-trip."""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def read_tsv(path: str | os.PathLike[str]) -> list[dict[str, str]]:
    """Read a tab-separated table written by `write_tsv` into a list of row dicts."""
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def provenance(config_hash: str | None = None, seed: int | None = None) -> dict[str, Any]:
    """What made an output: the dmp version, the hash of the config and the seed."""
    record: dict[str, Any] = {"dmp_version": __version__}
    if config_hash is not None:
        record["config_sha256"] = config_hash
    if seed is not None:
        record["seed"] = seed
    return record


def read_source_text(path: str | os.PathLike[str], error: Any) -> str:
    """A text input file's contents; a missing or binary file raises `error(source, 0, problem)`.

    `error` is the reader's own exception type (CRNSyntaxError, PILError), so the message keeps
    the file:line form of that format's syntax errors.
    """
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(str(path), 0, "file not found") from None
    except UnicodeDecodeError:
        raise error(str(path), 0, "not a text file (UTF-8 expected)") from None


def read_json(path: str | os.PathLike[str], missing: str = "not found") -> Any:
    """Read a JSON file a step depends on; a missing or malformed file is one DmpError line with file:line."""
    from dmp.errors import DmpError

    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DmpError(f"{path}: {missing}") from None
    except UnicodeDecodeError:
        raise DmpError(f"{path}: not a text file (JSON expected)") from None
    except json.JSONDecodeError as exc:
        raise DmpError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from None
