"""Datasets: load, clean, split (stratified, seeded) and fit the input scaling.

Five sources:
- `virus`: GEO series GSE73072 tables as used by the ICML 2020 virus classifier (10 gene
  probes, labels h1n1/h3n2/hrv/rsv), keeping samples of infected subjects taken at or after
  the subject's infection onset and before its offset.
- `iris`, `digits`: bundled with scikit-learn (no download).
- `mnist`: standard IDX files (optionally gzipped) in a user-given folder.
- `pattern`: a black-and-white image; every pixel is an example (x1, x2) -> black/white.

The split is written as CSV tables of raw (unscaled) features plus `split.json`, which holds
the scaling fitted on the training part; the model stores the same scaling.
"""

from __future__ import annotations

import gzip
import math
import re
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from dmp.errors import DataError
from dmp.fileio import atomic_path, provenance, write_json

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


@dataclass
class Scaling:
    """Affine input scaling x_scaled = (x - offset) / scale, fitted on the training part."""

    method: str
    offset: np.ndarray
    scale: np.ndarray

    def apply(self, X: np.ndarray) -> np.ndarray:
        return (np.asarray(X, dtype=np.float64) - self.offset) / self.scale

    def to_json(self) -> dict[str, Any]:
        return {"method": self.method, "offset": self.offset.tolist(), "scale": self.scale.tolist()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Scaling:
        return cls(data["method"], np.asarray(data["offset"], float), np.asarray(data["scale"], float))


@dataclass
class Split:
    """Train/validation/test parts of a dataset (raw features) and the fitted scaling."""

    dataset: Dataset
    train: np.ndarray
    val: np.ndarray
    test: np.ndarray
    scaling: Scaling

    def part(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        index = getattr(self, name)
        return self.dataset.X[index], self.dataset.y[index]

    def sizes(self) -> dict[str, int]:
        return {"train": len(self.train), "val": len(self.val), "test": len(self.test)}


# ---------------------------------------------------------------------------- loaders


def _require_file(path: Path, what: str, hint: str) -> Path:
    if not path.is_file():
        raise DataError(f"{path}: {what} not found; {hint}")
    return path


_PANDAS_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _read_csv(path: Path, **options: Any) -> Any:
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


def load_virus(folder: str | Path, key: str = "datasets.<name>.path") -> Dataset:
    """GSE73072 virus classifier data: 698 samples x 10 probes, 4 labels."""

    folder = Path(folder)
    hint = f"set {key} in config.yaml to the folder holding the GSE73072 tables"
    if not folder.is_dir():
        raise DataError(f"{folder}: virus data folder not found; {hint}")
    labels_path = _require_file(folder / VIRUS_LABELS_FILE, "expression/label table", hint)
    samples_path = _require_file(folder / VIRUS_SAMPLES_FILE, "sample table", hint)
    table = _read_csv(labels_path, index_col=0)
    if table.shape[0] < 2:
        raise DataError(f"{labels_path}: expected probe rows followed by one label row")
    label_row = table.iloc[-1]
    expression = table.iloc[:-1]
    probes = [str(p) for p in expression.index]
    try:
        values = expression.to_numpy(dtype=np.float64)
    except ValueError:
        raise DataError(f"{labels_path}: expression rows must be numeric (probe rows before the label row)") from None

    samples = _read_csv(samples_path)
    if not {"Accession", "Title"} <= set(samples.columns):
        raise DataError(f"{samples_path}: expected columns 'Accession' and 'Title'")
    titles = dict(zip(samples["Accession"], samples["Title"], strict=True))

    studies: dict[str, dict[int, tuple[float, float, float]]] = {}
    for study in VIRUS_STUDIES:
        path = _require_file(folder / f"icml2020dataset_GSE73072_{study}.csv", f"study table {study}", hint)
        frame = _read_csv(path)
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
        with Image.open(file) as picture:
            rgba = picture.convert("RGBA")
    except (OSError, UnidentifiedImageError, ValueError) as exc:
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


def data_problem(settings: dict[str, Any], path: Path | None, name: str) -> str | None:
    """Why a dataset's files cannot be read (one line naming the config key), or None.

    Only checks that files exist, so the workflow can call it while planning and leave a
    dataset whose data the user does not have out of `all`.
    """
    loader = settings["loader"]
    try:
        if loader == "mnist":
            mnist_files(path, f"datasets.{name}.path")
        elif loader == "virus":
            if path is None or not Path(path).is_dir():
                where = (
                    f"{path}: virus data folder not found" if path is not None else f"datasets.{name}.path is not set"
                )
                raise DataError(f"{where}; point datasets.{name}.path at the folder holding the GSE73072 tables")
        elif loader == "pattern":
            pattern_file(path, settings.get("image"), f"datasets.{name}")
    except DataError as exc:
        return str(exc)
    return None


def load_dataset(settings: dict[str, Any], path: Path | None, name: str = "<name>") -> Dataset:
    """Load the dataset a `datasets.<name>` config section describes."""
    loader = settings["loader"]
    if loader == "virus":
        if path is None:
            raise DataError(f"virus: datasets.{name}.path is not set; point it at the GSE73072 tables folder")
        dataset = load_virus(path, f"datasets.{name}.path")
    elif loader == "iris":
        dataset = load_iris()
    elif loader == "digits":
        dataset = load_digits()
    elif loader == "mnist":
        dataset = load_mnist(path, settings.get("downsample", 1), f"datasets.{name}.path")
    elif loader == "pattern":
        dataset = load_pattern(path, settings.get("image"), settings.get("coordinate_scale", 1.0), f"datasets.{name}")
    else:  # the schema rejects other values first
        raise DataError(f"unknown dataset loader {loader!r}")
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


def require_two_classes(path: str | Path, y: np.ndarray, classes: list[str]) -> None:
    """A training table whose label column holds one class cannot train a classifier."""
    present = np.unique(y)
    if len(present) < 2:
        only = classes[present[0]] if len(present) else "none"
        raise DataError(f"{path}: the label column holds a single class ({only}); training needs at least two")


# ---------------------------------------------------------------------------- split


def split_sizes(n: int, fractions: dict[str, float]) -> dict[str, int]:
    """Integer part sizes: floor(n*train), floor(n*val), and the rest for test."""
    n_train = int(math.floor(n * fractions["train"] + 1e-9))
    n_val = int(math.floor(n * fractions["val"] + 1e-9))
    return {"train": n_train, "val": n_val, "test": n - n_train - n_val}


def fit_scaling(X: np.ndarray, method: str) -> Scaling:
    """Fit the input scaling on training features; constant features keep scale 1."""
    d = X.shape[1]
    if method == "standard":
        offset, scale = X.mean(axis=0), X.std(axis=0)
    elif method == "minmax":
        offset, scale = X.min(axis=0), X.max(axis=0) - X.min(axis=0)
    elif method == "minmax_global":
        # One offset and scale for every feature (pixel intensities 0-255 -> [0, 1]): a pixel that
        # is blank throughout training cannot blow up on a test image, and relative scales stay.
        low, high = (float(X.min()), float(X.max())) if X.size else (0.0, 1.0)
        offset, scale = np.full(d, low), np.full(d, high - low)
    else:
        offset, scale = np.zeros(d), np.ones(d)
    scale = np.where(scale > 0, scale, 1.0)
    return Scaling(method, offset.astype(float), scale.astype(float))


def split_dataset(dataset: Dataset, fractions: dict[str, float] | str, scaling: str, seed: int) -> Split:
    """Stratified, seeded train/val/test split; the scaling is fitted on the training part only.

    `fractions="all"` puts every example in every part: for a task whose goal is to reproduce
    the data itself (pattern formation: draw the whole image) rather than to generalise.
    With a predefined test set (MNIST), train and val divide the rest in the ratio train:val.
    """
    from sklearn.model_selection import train_test_split

    everything = np.arange(len(dataset.y))
    if fractions == "all":
        return Split(dataset, everything, everything.copy(), everything.copy(), fit_scaling(dataset.X, scaling))
    try:
        if dataset.predefined_test is not None:
            test = dataset.predefined_test
            rest = np.setdiff1d(everything, test)
            n_val = int(round(len(rest) * fractions["val"] / (fractions["train"] + fractions["val"])))
            train, val = train_test_split(rest, test_size=n_val, stratify=dataset.y[rest], random_state=seed)
        else:
            sizes = split_sizes(len(everything), fractions)
            rest, test = train_test_split(everything, test_size=sizes["test"], stratify=dataset.y, random_state=seed)
            train, val = train_test_split(rest, test_size=sizes["val"], stratify=dataset.y[rest], random_state=seed)
    except ValueError as exc:
        raise DataError(
            f"{dataset.name}: cannot split {len(everything)} examples with fractions {fractions}: {exc}"
        ) from None
    train, val, test = np.sort(train), np.sort(val), np.sort(test)
    return Split(dataset, train, val, test, fit_scaling(dataset.X[train], scaling))


# ---------------------------------------------------------------------------- files


def write_split(split: Split, out_dir: str | Path, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Write train.csv, val.csv, test.csv (label + raw features) and split.json."""
    import pandas as pd

    out_dir = Path(out_dir)
    dataset = split.dataset
    for part in ("train", "val", "test"):
        X, y = split.part(part)
        frame = pd.DataFrame(X, columns=dataset.features)
        frame.insert(0, "label", [dataset.classes[i] for i in y])
        with atomic_path(out_dir / f"{part}.csv") as tmp:
            frame.to_csv(tmp, index=False, float_format="%.17g", lineterminator="\n")
    counts = {
        part: {
            dataset.classes[c]: int((dataset.y[getattr(split, part)] == c).sum()) for c in range(len(dataset.classes))
        }
        for part in ("train", "val", "test")
    }
    record = {
        "dataset": dataset.name,
        "n_examples": int(len(dataset.y)),
        "features": dataset.features,
        "classes": dataset.classes,
        "sizes": split.sizes(),
        "class_counts": counts,
        "scaling": split.scaling.to_json(),
        "meta": {k: v for k, v in dataset.meta.items() if k != "samples"},
        **(extra or {}),
    }
    write_json(out_dir / "split.json", record)
    return record


def read_part(
    path: str | Path, classes: list[str] | None = None
) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """Read a part CSV written by `write_split`: features, integer labels, feature names, classes."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: data table not found; run the dataset stage first")
    frame = _read_csv(path)
    if frame.columns[0] != "label":
        raise DataError(f"{path}: first column must be 'label'")
    features = [str(c) for c in frame.columns[1:]]
    try:
        X = frame.iloc[:, 1:].to_numpy(dtype=np.float64)
    except ValueError:
        raise DataError(f"{path}: feature columns must be numeric") from None
    if not np.isfinite(X).all():
        row = int(np.argwhere(~np.isfinite(X))[0][0])
        raise DataError(f"{path}:{row + 2}: missing or non-finite feature value")
    labels = [str(v) for v in frame["label"]]
    classes = classes if classes is not None else sorted(set(labels))
    unknown = sorted(set(labels) - set(classes))
    if unknown:
        raise DataError(f"{path}: unknown label(s) {unknown}; expected one of {classes}")
    y = np.array([classes.index(v) for v in labels], dtype=np.int64)
    return X, y, features, classes


def prepare(
    settings: dict[str, Any],
    path: Path | None,
    seed: int,
    out_dir: str | Path,
    config_sha: str | None = None,
    name: str = "<name>",
) -> dict[str, Any]:
    """Load, split and write one dataset; returns the split record."""
    dataset = load_dataset(settings, path, name)
    split = split_dataset(dataset, settings["split"], settings["scaling"], seed)
    return write_split(split, out_dir, {"provenance": provenance(config_sha, seed)})
