"""Pattern formation: the image loader, the `all` split, and the image a CRN draws on the pixel grid."""

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import settings
from PIL import Image

from dmp.data.loaders import DataSource, load_dataset, load_pattern
from dmp.data.scaling import Scaling
from dmp.data.split import split_dataset
from dmp.data.tables import write_split
from dmp.errors import DataError
from dmp.nn.model import Layer, TernaryModel
from dmp.sim.pattern import grid_coordinates, pixel_indices
from dmp.stages.common import Run
from dmp.stages.crn import build
from dmp.stages.pattern import pattern


def prepare(image, out_dir):
    """The dataset step on a pattern image: every pixel in every part, no scaling."""
    dataset = load_dataset(DataSource("p", "pattern", image))
    return write_split(split_dataset(dataset, "all", "none", 0), out_dir)


PATTERNS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "pattern_formation"
needs_patterns = pytest.mark.skipif(not PATTERNS.is_dir(), reason="../shared/data/pattern_formation not present")


def black_count_from_palette(path: Path) -> tuple[int, tuple[int, int]]:
    """Black pixels of a palette PNG, read from its palette entries (independent of the loader's conversion)."""
    with Image.open(path) as image:
        assert image.mode == "P"
        index = np.asarray(image)
        palette = np.asarray(image.getpalette()[: 3 * (int(index.max()) + 1)]).reshape(-1, 3)
    black_entries = [k for k, rgb in enumerate(palette) if tuple(rgb) == (0, 0, 0)]
    return int(np.isin(index, black_entries).sum()), index.shape


@needs_patterns
@pytest.mark.parametrize(
    "name",
    ["heart_blackAndWhite.png", "tshirt_blackAndWhite.png", "lightning_blackAndWhite.png"],
)
def test_pattern_loader_counts_pixels_and_black_from_the_png(name):
    # The heart's palette lists black first, the t-shirt's and the lightning's white first.
    black, (height, width) = black_count_from_palette(PATTERNS / name)
    data = load_pattern(PATTERNS, name)
    assert data.X.shape == (height * width, 2)
    assert data.classes == ["black", "white"]
    assert int(np.sum(data.y == 0)) == black
    assert int(np.sum(data.y == 1)) == height * width - black


@needs_patterns
def test_heart_is_the_default_and_its_coordinates_are_centred_and_isotropic():
    data = load_pattern(PATTERNS)
    assert Path(data.meta["source"]).name == "heart_blackAndWhite.png"
    assert data.meta["image_shape"] == [15, 17]
    # 17 columns along [-1, 1]: 1/8 per pixel on both axes; origin at row 7, column 8; x2 points up.
    assert data.meta["pixel_unit"] == pytest.approx(0.125)
    X = data.X.reshape(15, 17, 2)
    np.testing.assert_allclose(X[7, 8], [0.0, 0.0])
    np.testing.assert_allclose(X[0, 0], [-1.0, 0.875])
    np.testing.assert_allclose(X[14, 16], [1.0, -0.875])
    # The heart's tip (bottom row, middle) is black; its top corners are white.
    y = data.y.reshape(15, 17)
    assert y[14, 8] == 0 and y[0, 0] == 1 and y[0, 16] == 1
    assert int(np.sum(data.y == 0)) == 185  # of 17 x 15 = 255 (the palette count of the test above)
    scaled = load_pattern(PATTERNS / "heart_blackAndWhite.png", coordinate_scale=8.0)
    np.testing.assert_allclose(scaled.X, data.X * 8.0)


def test_pattern_loader_composites_transparency_onto_white(tmp_path):
    # 2 x 3 RGBA: opaque black, transparent black, half-transparent black; opaque grey 100, white, grey 200.
    pixels = np.array(
        [[[0, 0, 0, 255], [0, 0, 0, 0], [0, 0, 0, 100]], [[100, 100, 100, 255], [255, 255, 255, 255], [200] * 4]],
        dtype=np.uint8,
    )
    Image.fromarray(pixels, "RGBA").save(tmp_path / "tiny.png")
    data = load_pattern(tmp_path / "tiny.png")
    # 100 of 255 opacity over white: 255 * 155/255 = 155 >= 128 -> white; grey 100 < 128 -> black.
    assert data.y.reshape(2, 3).tolist() == [[0, 1, 1], [0, 1, 1]]


def test_pattern_errors_name_the_key(tmp_path):
    Image.fromarray(np.zeros((2, 2), dtype=np.uint8)).save(tmp_path / "a.png")
    with pytest.raises(DataError, match=r"missing.png: image not found; set datasets.p.image to one of: a.png"):
        load_pattern(tmp_path, "missing.png", key="datasets.p")
    with pytest.raises(DataError, match="datasets.p.path is not set"):
        load_pattern(None, key="datasets.p")
    with pytest.raises(DataError, match="image .* must be left unset"):
        load_pattern(tmp_path / "a.png", "b.png", key="datasets.p")
    with pytest.raises(DataError, match="single class"):  # all black: nothing to learn
        prepare(tmp_path / "a.png", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_split_all_puts_every_example_in_every_part(tmp_path):
    image = np.full((3, 4), 255, dtype=np.uint8)
    image[1, 2] = 0
    Image.fromarray(image).save(tmp_path / "dot.png")
    split = split_dataset(load_pattern(tmp_path / "dot.png"), "all", "none", seed=5)
    for part in (split.train, split.val, split.test):
        assert part.tolist() == list(range(12))
    assert split.scaling.offset.tolist() == [0.0, 0.0] and split.scaling.scale.tolist() == [1.0, 1.0]


def test_grid_coordinates_and_their_inverse():
    # 2 rows x 3 columns, unit 0.5: columns at x1 = -0.5, 0, 0.5; rows at x2 = 0.25, -0.25.
    grid = grid_coordinates((2, 3), 0.5)
    np.testing.assert_allclose(grid[:3], [[-0.5, 0.25], [0.0, 0.25], [0.5, 0.25]])
    np.testing.assert_allclose(grid[3:], [[-0.5, -0.25], [0.0, -0.25], [0.5, -0.25]])
    rows, cols = pixel_indices(grid, (2, 3), 0.5)
    assert rows.tolist() == [0, 0, 0, 1, 1, 1] and cols.tolist() == [0, 1, 2, 0, 1, 2]
    # 2x finer: sub-pixel centres a quarter pixel (0.125) either side of each pixel centre.
    fine = grid_coordinates((2, 3), 0.5, 2)
    assert fine.shape == (24, 2)
    np.testing.assert_allclose(fine[0], [-0.625, 0.375])
    np.testing.assert_allclose(fine[-1], [0.625, -0.375])
    with pytest.raises(ValueError, match="not a pixel centre"):
        pixel_indices(np.array([[0.1, 0.25]]), (2, 3), 0.5)


def half_plane_model(unit: float) -> TernaryModel:
    """2-1-2 by hand: h = ReLU(x1); y_black = h, y_white = 0.1 * unit, so black exactly where x1 > 0.1 * unit."""
    return TernaryModel(
        layers=[
            Layer(np.array([[1, 0]], dtype=np.int8), np.array([0.0])),
            Layer(np.array([[1], [0]], dtype=np.int8), np.array([0.0, 0.1 * unit])),
        ],
        features=["x1", "x2"],
        classes=["black", "white"],
        scaling=Scaling("none", np.zeros(2), np.ones(2)),
        input_range={"min": [-1.0, -1.0], "max": [1.0, 1.0]},
    )


def test_drawing_of_a_hand_made_half_plane_network(tmp_path):
    # Target: 4 x 6 image, right half black, plus one stray black pixel on the left (row 0, column 0).
    image = np.full((4, 6), 255, dtype=np.uint8)
    image[:, 3:] = 0
    image[0, 0] = 0
    Image.fromarray(image).save(tmp_path / "half.png")
    record = prepare(tmp_path / "half.png", tmp_path / "data")
    unit = record["meta"]["pixel_unit"]
    assert unit == pytest.approx(0.4)  # 6 columns span [-1, 1]
    model = half_plane_model(unit)
    model.save(tmp_path / "model.json")
    run = Run(overrides={"simulation": settings("simulation", t_end=2000.0, rtol=1e-9, atol=1e-11)})
    build(run, tmp_path / "model.json", tmp_path / "crn")
    summary = pattern(
        run,
        tmp_path / "data",
        tmp_path / "model.json",
        {"full": tmp_path / "crn" / "full.crn", "reduced": tmp_path / "crn" / "reduced.crn"},
        tmp_path / "crn" / "species.json",
        tmp_path / "out",
        upsample=2,
        jobs=2,  # two worker processes, each CRN's grid points in chunks
    )
    # By hand: x1 at the pixel centres is +-0.2, +-0.6, +-1.0, so the network (and hence the CRN) paints
    # exactly columns 3-5 black; only the stray pixel differs from the target: 23 of 24 pixels right.
    assert summary["n_pixels"] == 24 and summary["black_pixels"] == 13
    assert summary["nn_pixel_accuracy"] == pytest.approx(23 / 24)
    for name in ("full", "reduced"):
        entry = summary["crns"][name]
        assert entry["pixel_accuracy"] == pytest.approx(23 / 24)
        assert entry["agreement_with_nn"] == 1.0
        # On the 2x grid the nearest sub-pixel centres lie at x1 = +-0.1, still 0.06 from the threshold 0.04.
        assert entry["fine_grid_agreement_with_nn"] == 1.0
        # y_black = ReLU(x1) reaches at most x1 = 1.0 (the right column); the CRN matches it closely.
        assert entry["max_abs_output_error"] < 1e-3
    assert summary["grid"] == {"rows": 4, "cols": 6, "pixel_unit": pytest.approx(0.4)}
    assert summary["fine_grid"] == {"upsample": 2, "rows": 8, "cols": 12}
    on_disk = json.loads((tmp_path / "out" / "pattern.json").read_text())
    assert on_disk["crn_pixel_accuracy"] == pytest.approx(23 / 24)
    with Image.open(tmp_path / "out" / "drawing.png") as drawing:
        assert drawing.size[0] > 400


def test_drawing_refuses_a_non_pattern_dataset(tmp_path):
    from dmp.data.loaders import load_iris
    from dmp.errors import DmpError

    write_split(split_dataset(load_iris(), {"train": 0.7, "val": 0.1, "test": 0.2}, "none", 0), tmp_path / "data")
    with pytest.raises(DmpError, match="not a pattern dataset"):
        pattern(Run(), tmp_path / "data", tmp_path / "model.json", {}, tmp_path / "species.json", tmp_path, 1)
    assert not list(tmp_path.glob("*.png"))
