"""Dataset loading, cleaning and splitting."""

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

from dmp.data.loaders import Dataset, check_dataset, load_iris, load_mnist, load_virus, read_idx
from dmp.data.split import split_dataset, split_sizes
from dmp.errors import DataError

VIRUS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "virus_gse73072"
needs_virus = pytest.mark.skipif(not VIRUS.is_dir(), reason="../shared/data/virus_gse73072 not present")


@needs_virus
def test_virus_onset_to_offset_selection_matches_published_counts():
    data = load_virus(VIRUS)
    # The folder's README and the ICML 2020 code: 698 samples of infected subjects.
    assert data.X.shape == (698, 10)
    counts = {c: int((data.y == k).sum()) for k, c in enumerate(data.classes)}
    assert counts == {"h1n1": 260, "h3n2": 193, "hrv": 151, "rsv": 94}
    assert data.features[0] == "10000_at" and data.features[-1] == "10019_at"


@needs_virus
def test_virus_split_sizes_and_scaler_fitted_on_training_part():
    split = split_dataset(load_virus(VIRUS), {"train": 0.8, "val": 0.05, "test": 0.15}, "standard", seed=7)
    assert split.sizes() == {"train": 558, "val": 34, "test": 106}
    X_train, _ = split.part("train")
    scaled = split.scaling.apply(X_train)
    np.testing.assert_allclose(scaled.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(scaled.std(axis=0), 1.0, atol=1e-12)
    X_test, _ = split.part("test")
    assert not np.allclose(split.scaling.apply(X_test).mean(axis=0), 0.0, atol=1e-3)
    # Stratified: each class's share in the test part is within one sample of its overall share.
    y_test = split.dataset.y[split.test]
    for k in range(4):
        overall = np.mean(split.dataset.y == k) * 106
        assert abs(np.sum(y_test == k) - overall) <= 1.0
    assert not set(split.train) & set(split.test) and not set(split.val) & set(split.test)


def test_split_is_reproducible_and_seed_dependent():
    data = load_iris()
    fractions = {"train": 0.7, "val": 0.1, "test": 0.2}
    a = split_dataset(data, fractions, "standard", seed=1)
    b = split_dataset(data, fractions, "standard", seed=1)
    c = split_dataset(data, fractions, "standard", seed=2)
    assert np.array_equal(a.test, b.test)
    assert not np.array_equal(a.test, c.test)
    assert a.sizes() == {"train": 105, "val": 15, "test": 30}


def test_split_sizes_floor_train_and_val():
    # 698 * 0.8 = 558.4 -> 558; 698 * 0.05 = 34.9 -> 34; the test part takes the remaining 106.
    assert split_sizes(698, {"train": 0.8, "val": 0.05, "test": 0.15}) == {"train": 558, "val": 34, "test": 106}


def test_missing_virus_folder_names_path_and_config_key(tmp_path):
    with pytest.raises(DataError) as info:
        load_virus(tmp_path / "nowhere")
    assert str(tmp_path / "nowhere") in str(info.value)
    assert "datasets.<name>.path" in str(info.value)


def test_virus_folder_without_tables(tmp_path):
    with pytest.raises(DataError, match="icml2020dataset_GSE73072_4labels.csv: expression/label table not found"):
        load_virus(tmp_path)


def test_single_class_and_nan_rejected():
    X = np.ones((4, 2))
    with pytest.raises(DataError, match="single class"):
        check_dataset(Dataset("toy", ["a", "b"], ["only", "other"], X, np.zeros(4, dtype=int)))
    X[2, 1] = np.nan
    with pytest.raises(DataError, match="example 2, feature b"):
        check_dataset(Dataset("toy", ["a", "b"], ["x", "y"], X, np.array([0, 1, 0, 1])))


# ----------------------------------------------------------------------------- IDX / MNIST


def write_idx(path: Path, array: np.ndarray, compress: bool = False) -> None:
    """IDX as specified by LeCun et al.: 0, 0, type 0x08 (ubyte), ndim, big-endian dims, data."""
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    payload = header + array.astype(np.uint8).tobytes()
    if compress:
        path = path.with_name(path.name + ".gz")
        path.write_bytes(gzip.compress(payload))
    else:
        path.write_bytes(payload)


def make_mnist(folder: Path, n_train=6, n_test=4, size=4, compress=False):
    rng = np.random.default_rng(0)
    train = rng.integers(0, 256, size=(n_train, size, size))
    test = rng.integers(0, 256, size=(n_test, size, size))
    train_labels = np.arange(n_train) % 2
    test_labels = np.arange(n_test) % 2
    write_idx(folder / "train-images-idx3-ubyte", train, compress)
    write_idx(folder / "train-labels-idx1-ubyte", train_labels, compress)
    write_idx(folder / "t10k-images-idx3-ubyte", test, compress)
    write_idx(folder / "t10k-labels-idx1-ubyte", test_labels, compress)
    return train, test, train_labels, test_labels


@pytest.mark.parametrize("compress", [False, True])
def test_idx_reader_round_trip(tmp_path, compress):
    train, *_ = make_mnist(tmp_path, compress=compress)
    name = "train-images-idx3-ubyte" + (".gz" if compress else "")
    np.testing.assert_array_equal(read_idx(tmp_path / name), train)


def test_mnist_downsample_averages_blocks(tmp_path):
    train, test, train_labels, test_labels = make_mnist(tmp_path)
    data = load_mnist(tmp_path, downsample=2)
    assert data.X.shape == (10, 4)
    # Top-left 2x2 block of the first training image, averaged by hand.
    assert data.X[0, 0] == pytest.approx(train[0, :2, :2].mean())
    assert data.X[0, 3] == pytest.approx(train[0, 2:, 2:].mean())
    assert list(data.predefined_test) == [6, 7, 8, 9]
    np.testing.assert_array_equal(data.y, np.concatenate([train_labels, test_labels]))


def one_line_error(call, *names) -> str:
    """The DataError message of `call`, checked to be one line that names each of `names`."""
    with pytest.raises(DataError) as info:
        call()
    message = str(info.value)
    assert "\n" not in message
    for name in names:
        assert str(name) in message, (name, message)
    return message


def test_idx_header_is_big_endian(tmp_path):
    # Built byte by byte from the format description: magic 0x00000801, count 258 = 0x00000102.
    (tmp_path / "labels").write_bytes(bytes([0, 0, 8, 1, 0, 0, 1, 2]) + bytes(range(256)) + bytes([7, 9]))
    labels = read_idx(tmp_path / "labels")
    assert labels.shape == (258,) and labels[-1] == 9 and labels.dtype == np.uint8
    # Element type 0x0B (short, big-endian): bytes 01 02 are 258, not 513.
    (tmp_path / "shorts").write_bytes(bytes([0, 0, 0x0B, 2, 0, 0, 0, 1, 0, 0, 0, 2, 1, 2, 0xFF, 0xFE]))
    np.testing.assert_array_equal(read_idx(tmp_path / "shorts"), [[258, -2]])


def test_idx_errors(tmp_path):
    bad = tmp_path / "bad"
    bad.write_bytes(b"\x01\x02\x08\x01")
    assert "not an IDX file" in one_line_error(lambda: read_idx(bad), bad, "0x01020801")
    bad.write_bytes(bytes([0, 0, 0x07, 1, 0, 0, 0, 1, 5]))
    assert "unknown element type 0x07" in one_line_error(lambda: read_idx(bad), bad)
    short = tmp_path / "short"
    short.write_bytes(bytes([0, 0, 8, 1]) + struct.pack(">I", 10) + b"\x00" * 3)
    assert "truncated" in one_line_error(lambda: read_idx(short), short, "(10,)")
    header_only = tmp_path / "header"
    header_only.write_bytes(bytes([0, 0, 8, 3, 0, 0]))
    assert "truncated IDX header" in one_line_error(lambda: read_idx(header_only), header_only)
    long = tmp_path / "long"
    long.write_bytes(bytes([0, 0, 8, 1]) + struct.pack(">I", 2) + b"\x00" * 3)
    assert "too long" in one_line_error(lambda: read_idx(long), long)


def test_truncated_gzip_idx(tmp_path):
    make_mnist(tmp_path, compress=True)
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-12])
    one_line_error(lambda: read_idx(path), path)
    with pytest.raises(DataError, match="train-images-idx3-ubyte.gz"):
        load_mnist(tmp_path)


def test_mnist_missing_files_and_mismatch(tmp_path):
    one_line_error(lambda: load_mnist(None, key="datasets.digits28.path"), "datasets.digits28.path is not set")
    one_line_error(lambda: load_mnist(tmp_path / "nowhere"), tmp_path / "nowhere", "datasets.mnist.path")
    one_line_error(
        lambda: load_mnist(tmp_path), tmp_path / "train-images-idx3-ubyte", "not found", "datasets.mnist.path"
    )
    make_mnist(tmp_path)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(5))
    message = one_line_error(lambda: load_mnist(tmp_path), tmp_path / "train-labels-idx1-ubyte")
    assert "5 labels" in message and "6 images" in message
    make_mnist(tmp_path)
    write_idx(tmp_path / "t10k-images-idx3-ubyte", np.zeros((4, 16)))  # two dimensions, not three
    one_line_error(lambda: load_mnist(tmp_path), tmp_path / "t10k-images-idx3-ubyte", "0x00000803")


def test_mnist_split_uses_the_test_file_and_divides_the_training_file(tmp_path):
    make_mnist(tmp_path, n_train=60, n_test=10)
    data = load_mnist(tmp_path)
    # 5/7, 1/7, 1/7 as in the config: train:val = 5:1 of the 60 training images, the 10 test images kept.
    split = split_dataset(data, {"train": 0.714285714, "val": 0.142857143, "test": 0.142857143}, "minmax_global", 0)
    assert split.sizes() == {"train": 50, "val": 10, "test": 10}
    assert list(split.test) == list(range(60, 70))
    # One scale for every pixel: the global minimum and maximum of the training images.
    X_train, _ = split.part("train")
    assert np.all(split.scaling.offset == X_train.min()) and np.all(split.scaling.scale == np.ptp(X_train))
