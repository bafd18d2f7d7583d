"""Dataset loaders, one per `datasets.<name>.loader`: raw features and labels, before splitting.

- `virus`: GEO series GSE73072 tables as used by the ICML 2020 virus classifier (10 gene
  probes, labels h1n1/h3n2/hrv/rsv), keeping samples of infected subjects taken at or after
  the subject's infection onset and before its offset.
- `iris`, `digits`: bundled with scikit-learn (no download).
- `mnist`: standard IDX files (optionally gzipped) in a user-given folder.
- `pattern`: a black-and-white image; every pixel is an example (x1, x2) -> black/white.
"""

from __future__ import annotations

import gzip
import math
import re
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from dmp.errors import DataError

VIRUS_LABELS_FILE = "icml2020dataset_GSE73072_4labels.csv"
VIRUS_SAMPLES_FILE = "icml2020dataset_GSE73072_sample.csv"
VIRUS_STUDIES = ("DEE1", "DEE2", "DEE3", "DEE4", "DEE5", "UVA", "DUKE")
_VIRUS_TITLE = re.compile(
    r"^\s*(?P<virus>\S+)\s+(?P<study>DEE\s*\d|UVA|DUKE)\s+Subject\s+(?P<subject>\d+),\s*Hour\s+(?P<hour>-?\d+(?:\.\d+)?)\s*$"
)

MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


# Most pixels of a pattern image: each is an example the CRNs are simulated on (the published
# images are at most 26 x 26); 256 x 256 is already hours of simulation.
MAX_PATTERN_PIXELS = 65_536

_PANDAS_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def read_csv(path: Path, **options: Any) -> Any:
    """pandas.read_csv with its errors as one DataError naming the file (and line, for ragged rows)."""
    import pandas as pd

    try:
        return pd.read_csv(path, **options)
    except pd.errors.ParserError as exc:
        match = _PANDAS_FIELDS.search(str(exc))
        if match:
            expected, line, saw = match.groups()
            raise DataError(f"{path}:{line}: row has {saw} fields; the header has {expected}") from None
        raise DataError(f"{path}: cannot read CSV: {str(exc).splitlines()[0]}") from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: empty file (expected a CSV table with a header row)") from None
    except UnicodeDecodeError:
        raise DataError(f"{path}: not a text file (UTF-8 CSV expected)") from None


@dataclass
class Dataset:
    """Raw features and integer labels of one dataset, before splitting."""

    name: str
    features: list[str]
    classes: list[str]
    X: np.ndarray
    y: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)
    # Index of examples that form a predefined test set (MNIST); None means split by fraction.
    predefined_test: np.ndarray | None = None


def _require_file(path: Path, what: str, hint: str) -> Path:
    if not path.is_file():
        raise DataError(f"{path}: {what} not found; {hint}")
    return path


def load_virus(folder: str | Path, key: str = "datasets.<name>.path") -> Dataset:
    """GSE73072 virus classifier data: 698 samples x 10 probes, 4 labels."""

    folder = Path(folder)
    hint = f"set {key} in config.yaml to the folder holding the GSE73072 tables"
    if not folder.is_dir():
        raise DataError(f"{folder}: virus data folder not found; {hint}")
    labels_path = _require_file(folder / VIRUS_LABELS_FILE, "expression/label table", hint)
    samples_path = _require_file(folder / VIRUS_SAMPLES_FILE, "sample table", hint)
    table = read_csv(labels_path, index_col=0)
    if table.shape[0] < 2:
        raise DataError(f"{labels_path}: expected probe rows followed by one label row")
    label_row = table.iloc[-1]
    expression = table.iloc[:-1]
    probes = [str(p) for p in expression.index]
    try:
        values = expression.to_numpy(dtype=np.float64)
    except ValueError:
        raise DataError(f"{labels_path}: expression rows must be numeric (probe rows before the label row)") from None

    samples = read_csv(samples_path)
    if not {"Accession", "Title"} <= set(samples.columns):
        raise DataError(f"{samples_path}: expected columns 'Accession' and 'Title'")
    titles = dict(zip(samples["Accession"], samples["Title"], strict=True))

    studies: dict[str, dict[int, tuple[float, float, float]]] = {}
    for study in VIRUS_STUDIES:
        path = _require_file(folder / f"icml2020dataset_GSE73072_{study}.csv", f"study table {study}", hint)
        frame = read_csv(path)
        if frame.shape[1] < 6:
            raise DataError(f"{path}: expected 6 columns (subject, sham, symptomatic, infected, onset, offset)")
        studies[study] = {
            int(row[0]): (float(row[3]), float(row[4]), float(row[5])) for row in frame.itertuples(index=False)
        }

    keep: list[int] = []
    for column, accession in enumerate(expression.columns):
        title = titles.get(accession)
        if title is None:
            raise DataError(f"{samples_path}: sample {accession} from {labels_path.name} has no title row")
        match = _VIRUS_TITLE.match(str(title))
        if match is None:
            raise DataError(f"{samples_path}: cannot parse sample title {title!r} of {accession}")
        study = match["study"].replace(" ", "")
        subject = int(match["subject"])
        hour = float(match["hour"])
        try:
            infected, onset, offset = studies[study][subject]
        except KeyError:
            raise DataError(
                f"{folder}: subject {subject} of study {study} ({accession}) missing from its study table"
            ) from None
        if infected == 1 and not math.isnan(onset) and onset <= hour < offset:
            keep.append(column)

    X = values[:, keep].T
    labels = [str(label_row.iloc[c]) for c in keep]
    if np.isnan(X).any():
        row, col = np.argwhere(np.isnan(X))[0]
        raise DataError(
            f"{labels_path}: missing value for probe {probes[col]} in sample {expression.columns[keep[row]]}"
        )
    classes = sorted(set(labels))
    y = np.array([classes.index(label) for label in labels], dtype=np.int64)
    return Dataset(
        name="virus",
        features=probes,
        classes=classes,
        X=X,
        y=y,
        meta={"source": str(folder), "samples": [str(expression.columns[c]) for c in keep]},
    )


def load_iris() -> Dataset:
    """Fisher's IRIS (150 x 4, 3 classes), bundled with scikit-learn."""
    from sklearn.datasets import load_iris as sk_load

    data = sk_load()
    return Dataset(
        "iris", list(data.feature_names), list(data.target_names), data.data.astype(float), data.target.astype(np.int64)
    )


def load_digits() -> Dataset:
    """UCI 8x8 handwritten digits (1797 x 64, pixel values 0-16), bundled with scikit-learn."""
    from sklearn.datasets import load_digits as sk_load

    data = sk_load()
    features = [f"pixel_{r}_{c}" for r in range(8) for c in range(8)]
    return Dataset(
        "digits", features, [str(c) for c in data.target_names], data.data.astype(float), data.target.astype(np.int64)
    )


# IDX (LeCun et al., the MNIST distribution format): two zero bytes, one byte naming the element
# type, one byte giving the number of dimensions, then each dimension as a big-endian 32-bit
# unsigned integer, then the elements in C order, big-endian. Hand-written because the format is
# ten lines and no maintained library on PyPI reads it without also downloading MNIST.
IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
GZIP_MAGIC = b"\x1f\x8b"


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file (the MNIST format; gzip-compressed files too) into an array of its declared shape.

    Compression is recognised from the gzip magic bytes, whatever the file is called.
    """
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise DataError(f"{path}: IDX file not found") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read IDX file: {exc.strerror or exc}") from None
    if data[:2] == GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise DataError(f"{path}: damaged or truncated gzip file ({exc})") from None
    if len(data) < 4:
        raise DataError(f"{path}: truncated IDX file ({len(data)} bytes; the magic number alone takes 4)")
    magic = int.from_bytes(data[:4], "big")
    if data[0] != 0 or data[1] != 0:
        raise DataError(f"{path}: not an IDX file (magic number 0x{magic:08x}; IDX files start with two zero bytes)")
    code, ndim = data[2], data[3]
    if code not in IDX_TYPES:
        raise DataError(
            f"{path}: bad IDX magic number 0x{magic:08x}: unknown element type 0x{code:02x} "
            "(IDX types: 0x08 ubyte, 0x09 byte, 0x0b short, 0x0c int, 0x0d float, 0x0e double)"
        )
    if ndim == 0:
        raise DataError(f"{path}: bad IDX magic number 0x{magic:08x}: zero dimensions")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DataError(f"{path}: truncated IDX header ({ndim} dimensions need {header} bytes, file has {len(data)})")
    shape = struct.unpack(f">{ndim}I", data[4:header])
    dtype = np.dtype(IDX_TYPES[code])
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    held = len(data) - header
    if held != expected:
        what = "truncated" if held < expected else "too long"
        raise DataError(f"{path}: {what}: the IDX header declares shape {shape} ({expected} bytes) but {held} follow")
    return np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)


MNIST_HINT = "the folder holding the four MNIST IDX files (" + ", ".join(MNIST_FILES.values()) + "; .gz accepted)"


def _mnist_candidates(folder: Path, stem: str) -> list[Path]:
    # The names LeCun's site uses, their .gz, and the dotted variant some mirrors use.
    dotted = stem.replace("-idx", ".idx")
    return [folder / stem, folder / f"{stem}.gz", folder / dotted, folder / f"{dotted}.gz"]


def mnist_files(folder: str | Path | None, key: str = "datasets.mnist.path") -> dict[str, Path]:
    """The four MNIST IDX files in `folder`; a DataError naming `key` if any is missing.

    Only checks that the files exist (cheap: the workflow calls it while it plans).
    """
    if folder is None:
        raise DataError(f"{key} is not set: point it at {MNIST_HINT}")
    hint = f"set {key} in the config to {MNIST_HINT}"
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder}: MNIST folder not found; {hint}")
    files = {}
    for part, stem in MNIST_FILES.items():
        found = next((c for c in _mnist_candidates(folder, stem) if c.is_file()), None)
        if found is None:
            raise DataError(f"{folder / stem}: MNIST IDX file not found (also tried .gz); {hint}")
        files[part] = found
    return files


def load_mnist(folder: str | Path | None, downsample: int = 1, key: str = "datasets.mnist.path") -> Dataset:
    """MNIST from the four standard IDX files; `downsample` average-pools the images.

    Features are raw pixel intensities (0-255, averaged over downsample x downsample blocks);
    the 10k test file is the predefined test set.
    """
    files = mnist_files(folder, key)
    parts = {part: read_idx(path) for part, path in files.items()}
    for prefix in ("train", "test"):
        image_file, label_file = files[f"{prefix}_images"], files[f"{prefix}_labels"]
        images, labels = parts[f"{prefix}_images"], parts[f"{prefix}_labels"]
        # MNIST's magic numbers: 0x00000803 (ubyte, 3 dims) for images, 0x00000801 for labels.
        if images.ndim != 3 or images.dtype != np.uint8:
            raise DataError(
                f"{image_file}: expected MNIST images (magic 0x00000803: unsigned bytes, N x rows x cols), "
                f"got {images.dtype.name} of shape {images.shape}"
            )
        if labels.ndim != 1 or labels.dtype != np.uint8:
            raise DataError(
                f"{label_file}: expected MNIST labels (magic 0x00000801: unsigned bytes, one dimension), "
                f"got {labels.dtype.name} of shape {labels.shape}"
            )
        if images.shape[0] != labels.shape[0]:
            raise DataError(
                f"{label_file}: {labels.shape[0]} labels but {image_file.name} holds {images.shape[0]} images"
            )
    if parts["train_images"].shape[1:] != parts["test_images"].shape[1:]:
        raise DataError(
            f"{files['test_images']}: images are {parts['test_images'].shape[1:]} pixels but the training images "
            f"are {parts['train_images'].shape[1:]}"
        )
    images = np.concatenate([parts["train_images"], parts["test_images"]]).astype(np.float64)
    labels = np.concatenate([parts["train_labels"], parts["test_labels"]]).astype(np.int64)
    rows, cols = images.shape[1:]
    if rows % downsample or cols % downsample:
        raise DataError(
            f"{files['train_images']}: image size {rows}x{cols} is not divisible by downsample={downsample}"
        )
    if downsample > 1:
        images = images.reshape(len(images), rows // downsample, downsample, cols // downsample, downsample).mean(
            axis=(2, 4)
        )
        rows, cols = rows // downsample, cols // downsample
    X = images.reshape(len(images), rows * cols)
    n_train = parts["train_images"].shape[0]
    classes = [str(c) for c in range(int(labels.max()) + 1)]
    return Dataset(
        name="mnist",
        features=[f"pixel_{r}_{c}" for r in range(rows) for c in range(cols)],
        classes=classes,
        X=X,
        y=labels,
        meta={"source": str(Path(folder)), "image_shape": [rows, cols], "downsample": downsample},
        predefined_test=np.arange(n_train, len(labels)),
    )


PATTERN_IMAGE = "heart_blackAndWhite.png"
PATTERN_CLASSES = ["black", "white"]


def pattern_file(path: str | Path | None, image: str | None, key: str = "datasets.pattern") -> Path:
    """The image a `pattern` dataset reads: `path` itself, or `image` inside the folder `path`."""
    if path is None:
        raise DataError(f"{key}.path is not set; point it at the pattern_formation folder or at a PNG image")
    path = Path(path)
    if path.is_dir():
        file = path / (image or PATTERN_IMAGE)
        if not file.is_file():
            available = sorted(p.name for p in path.glob("*.png"))
            raise DataError(
                f"{file}: image not found; set {key}.image to one of: {', '.join(available) or '(no PNG files here)'}"
            )
        return file
    if not path.is_file():
        raise DataError(f"{path}: pattern image or folder not found; set {key}.path")
    if image is not None and Path(image).name != path.name:
        raise DataError(f"{key}: path is the image file {path.name}, so image ({image}) must be left unset")
    return path


def load_pattern(
    path: str | Path | None, image: str | None = None, coordinate_scale: float = 1.0, key: str = "datasets.pattern"
) -> Dataset:
    """Pattern formation (Vasic et al., PNAS 2022): one example per pixel, (x1, x2) -> black/white.

    A pixel is black if it is darker than mid-grey (luminance < 128) after compositing any
    transparency onto white. Coordinates are the pixel centres with the origin at the image
    centre, x1 to the right and x2 upwards, in the same unit on both axes (so 45-degree edges,
    which ternary first-layer weights draw exactly, stay at 45 degrees); the longer side spans
    [-coordinate_scale, coordinate_scale].
    """
    from PIL import Image, UnidentifiedImageError

    file = pattern_file(path, image, key)
    try:
        with Image.open(file) as picture:  # reads the header only, so the size is checked before decoding
            width, height = picture.size
            if width * height > MAX_PATTERN_PIXELS:
                raise DataError(
                    f"{file}: {width} x {height} = {width * height} pixels, more than {MAX_PATTERN_PIXELS} "
                    "(dmp.data.loaders.MAX_PATTERN_PIXELS): every pixel is one simulated example; scale the image down"
                )
            rgba = picture.convert("RGBA")
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError) as exc:
        raise DataError(f"{file}: cannot read image: {exc}") from None
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    grey = np.asarray(Image.alpha_composite(white, rgba).convert("L"))
    height, width = grey.shape
    if max(height, width) < 2:
        raise DataError(f"{file}: a pattern needs at least two pixels")
    unit = 2.0 * coordinate_scale / (max(height, width) - 1)
    rows, cols = np.mgrid[0:height, 0:width]
    X = np.column_stack([((cols - (width - 1) / 2) * unit).ravel(), (((height - 1) / 2 - rows) * unit).ravel()])
    y = np.where(grey.ravel() < 128, 0, 1).astype(np.int64)
    return Dataset(
        name="pattern",
        features=["x1", "x2"],
        classes=list(PATTERN_CLASSES),
        X=X,
        y=y,
        meta={
            "source": str(file),
            "image_shape": [height, width],
            "pixel_unit": unit,
            "coordinate_scale": coordinate_scale,
            "black_below_luminance": 128,
        },
    )


@dataclass(frozen=True)
class DataSource:
    """Where and how to read one dataset: a `datasets.<name>` config section with its path resolved."""

    name: str
    loader: str
    path: Path | None = None
    image: str | None = None
    coordinate_scale: float = 1.0
    downsample: int = 1

    @property
    def key(self) -> str:
        """The config section that names this dataset (for error messages)."""
        return f"datasets.{self.name}"


def _virus_folder(source: DataSource) -> Path:
    hint = f"set {source.key}.path in config.yaml to the folder holding the GSE73072 tables"
    if source.path is None:
        raise DataError(f"{source.key}.path is not set; {hint}")
    if not Path(source.path).is_dir():
        raise DataError(f"{source.path}: virus data folder not found; {hint}")
    return Path(source.path)


# One registry: loader name -> (read the data, check that its files are present).
LOADERS: dict[str, tuple[Callable[[DataSource], Dataset], Callable[[DataSource], object]]] = {
    "virus": (lambda s: load_virus(_virus_folder(s), f"{s.key}.path"), _virus_folder),
    "iris": (lambda s: load_iris(), lambda s: None),
    "digits": (lambda s: load_digits(), lambda s: None),
    "mnist": (
        lambda s: load_mnist(s.path, s.downsample, f"{s.key}.path"),
        lambda s: mnist_files(s.path, f"{s.key}.path"),
    ),
    "pattern": (
        lambda s: load_pattern(s.path, s.image, s.coordinate_scale, s.key),
        lambda s: pattern_file(s.path, s.image, s.key),
    ),
}


def _entry(source: DataSource) -> tuple[Callable[[DataSource], Dataset], Callable[[DataSource], object]]:
    if source.loader not in LOADERS:  # the schema rejects other values first
        raise DataError(
            f"{source.key}.loader: unknown dataset loader {source.loader!r}; use one of {', '.join(LOADERS)}"
        )
    return LOADERS[source.loader]


def data_problem(source: DataSource) -> str | None:
    """Why a dataset's files cannot be read (one line naming the config key), or None.

    Only checks that files exist, so the workflow can call it while planning and leave a
    dataset whose data the user does not have out of `all`.
    """
    try:
        _entry(source)[1](source)
    except DataError as exc:
        return str(exc)
    return None


def load_dataset(source: DataSource) -> Dataset:
    """Load and check the dataset a `datasets.<name>` config section describes."""
    dataset = _entry(source)[0](source)
    check_dataset(dataset)
    return dataset


def check_dataset(dataset: Dataset) -> None:
    """Reject data a classifier cannot be trained on, naming the problem."""
    X, y = dataset.X, dataset.y
    if X.ndim != 2 or X.shape[0] != y.shape[0]:
        raise DataError(f"{dataset.name}: features {X.shape} and labels {y.shape} do not line up")
    if not np.isfinite(X).all():
        row, col = np.argwhere(~np.isfinite(X))[0]
        raise DataError(f"{dataset.name}: non-finite value in example {row}, feature {dataset.features[col]}")
    present = np.unique(y)
    if len(present) < 2:
        where = dataset.meta.get("source") or dataset.name
        raise DataError(f"{where}: the labels hold a single class ({dataset.classes[present[0]]}); need at least two")
