"""Files in and out: inputs checked before they are read, outputs never half written.

Every step writes through these helpers: each file goes to a temporary name and is renamed
when complete. Inside `output_set()` the renames wait until every file of the set is written,
so a step's outputs appear together or not at all (a full disk after the first of three files
leaves none). Inputs are read only if they are regular files of reasonable size, so a folder, a
device such as /dev/zero or a symlink loop gives one line, not a traceback or a memory blow-up.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from dmp import __version__

# Largest input text file read (bytes): far above any CRN, PIL or JSON dmp writes (the MNIST-size
# reduced system.json is about 200 MB), far below what would exhaust memory.
MAX_INPUT_BYTES = 2 * 1024**3

_SETS: list[list[tuple[Path, Path | None]]] = []  # open output sets: (written target, backup of the old file)


def _output_error(target: Path, problem: str) -> Exception:
    from dmp.errors import DmpError

    return DmpError(f"{target}: cannot write: {problem}")


def check_output(path: str | os.PathLike[str]) -> Path:
    """Refuse, in one line, an output path that is a folder, a device, pipe or socket, or whose parent is a file.

    A device or pipe would be replaced by the rename that completes every write (as root, even
    /dev/null), so it is refused rather than written through.
    """
    target = Path(path)
    if target.is_dir():
        raise _output_error(target, "it is a folder")
    if target.exists() and not target.is_file():
        raise _output_error(target, "not a regular file (a device, pipe or socket); give a file name")
    for parent in target.parents:
        if parent.exists():
            if not parent.is_dir():
                raise _output_error(target, f"{parent} is a file, not a folder")
            break
    return target


@contextlib.contextmanager
def output_set() -> Iterator[None]:
    """A step's outputs appear together or not at all.

    Files written inside the block are renamed into place as usual (later writes may read
    earlier ones), but if the block fails, every one of them is removed again and the files
    they replaced come back.
    """
    if _SETS:  # already inside a set: its files belong to the outer one
        yield
        return
    _SETS.append([])
    done = False
    try:
        yield
        done = True
    finally:
        written = _SETS.pop()
        for target, backup in reversed(written):
            if not done:
                target.unlink(missing_ok=True)
                if backup is not None:
                    os.replace(backup, target)
            elif backup is not None:
                backup.unlink(missing_ok=True)


def _place(tmp: Path, target: Path) -> None:
    """Rename a finished temporary file onto its target (keeping the old file aside inside a set)."""
    if not _SETS:
        os.replace(tmp, target)
        return
    backup = None
    if target.exists() and not any(target == t for t, _ in _SETS[-1]):
        backup = target.with_name(f".{target.name}.{os.getpid()}.old")
        os.replace(target, backup)
    os.replace(tmp, target)
    _SETS[-1].append((target, backup))


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it onto `path` only if the block succeeds."""
    target = check_output(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise _output_error(target, exc.strerror or str(exc)) from None
    os.close(fd)
    tmp_path = Path(tmp)
    # mkstemp creates the file private (0600); give the result the usual umask-based mode.
    os.chmod(tmp_path, 0o666 & ~_umask())
    try:
        yield tmp_path
        _place(tmp_path, target)
    except OSError as exc:
        raise _output_error(target, exc.strerror or str(exc)) from None
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
    """Write `data` as indented JSON with a trailing newline, atomically (NaN or infinity refused: JSON has none)."""
    try:
        text = json.dumps(data, indent=2, sort_keys=False, allow_nan=False)
    except ValueError:
        from dmp.errors import DmpError

        raise DmpError(
            f"{path}: a result is not a finite number (NaN or infinity; the inputs overflow); nothing written"
        ) from None
    write_text(path, text + "\n")


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


def read_tsv(path: str | os.PathLike[str], missing: str = "not found") -> list[dict[str, str]]:
    """Read a tab-separated table written by `write_tsv` into a list of row dicts.

    A missing, binary or headless file, or a row with more cells than the header, is one DmpError line.
    """
    from dmp.errors import DmpError

    data = read_input_bytes(path)
    if isinstance(data, str):
        raise DmpError(f"{path}: {missing if data == 'file not found' else data}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise DmpError(f"{path}: not a text file (a tab-separated table expected)") from None
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter="\t")
    if not reader.fieldnames:
        raise DmpError(f"{path}: empty file (expected a tab-separated table with a header row)")
    rows = []
    for row in reader:
        if None in row or None in row.values():
            cells = len(row) - (None in row) + len(row.get(None) or []) - sum(v is None for v in row.values())
            raise DmpError(f"{path}:{reader.line_num}: row has {cells} cells; the header has {len(reader.fieldnames)}")
        rows.append(row)
    return rows


def provenance(config_hash: str | None = None, seed: int | None = None) -> dict[str, Any]:
    """What made an output: the dmp version, the hash of the config and the seed."""
    record: dict[str, Any] = {"dmp_version": __version__}
    if config_hash is not None:
        record["config_sha256"] = config_hash
    if seed is not None:
        record["seed"] = seed
    return record


def input_problem(path: str | os.PathLike[str], limit: int = MAX_INPUT_BYTES) -> str | None:
    """Why `path` cannot be read as an input file (missing, a folder, a device, too large), or None."""
    try:
        info = Path(path).stat()
    except FileNotFoundError:
        return "file not found"
    except OSError as exc:  # a symlink loop, a path through a file, no permission
        return exc.strerror or str(exc)
    if stat.S_ISDIR(info.st_mode):
        return "is a folder, not a file"
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file (a device, pipe or socket)"
    if info.st_size > limit:
        return f"{info.st_size} bytes, more than an input file may hold ({limit})"
    return None


def read_input_bytes(path: str | os.PathLike[str], limit: int = MAX_INPUT_BYTES) -> bytes | str:
    """The bytes of an input file, or a one-line reason it cannot be read."""
    problem = input_problem(path, limit)
    if problem is not None:
        return problem
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        return exc.strerror or str(exc)


def read_source_text(path: str | os.PathLike[str], error: Any) -> str:
    """A text input file's contents; a missing, binary or unreadable file raises `error(source, 0, problem)`.

    `error` is the reader's own exception type (CRNSyntaxError, PILError), so the message keeps
    the file:line form of that format's syntax errors.
    """
    data = read_input_bytes(path)
    if isinstance(data, str):
        raise error(str(path), 0, data)
    try:
        return data.decode("utf-8-sig")  # a byte-order mark (some Windows editors write one) is not content
    except UnicodeDecodeError:
        raise error(str(path), 0, "not a text file (UTF-8 expected)") from None


def read_json(path: str | os.PathLike[str], missing: str = "not found") -> Any:
    """Read a JSON file a step depends on; a missing or malformed file is one DmpError line with file:line."""
    from dmp.errors import DmpError

    path = Path(path)
    data = read_input_bytes(path)
    if isinstance(data, str):
        raise DmpError(f"{path}: {missing if data == 'file not found' else data}")
    try:
        return json.loads(data.decode("utf-8-sig"), parse_constant=_no_constant)
    except UnicodeDecodeError:
        raise DmpError(f"{path}: not a text file (JSON expected)") from None
    except json.JSONDecodeError as exc:
        raise DmpError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from None
    except ValueError as exc:
        raise DmpError(f"{path}: {exc}") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number dmp accepts (JSON has no NaN or Infinity)")
