"""sample, split and reshape through their real command lines, on real bundled digits.

The session fixture `prepared` runs sample -> split -> reshape once; these tests check what
it wrote and run variations in their own temp dirs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import train_test_split
from stage_commands import N_TEST_CSV, N_TRAIN_CSV, sample, split
from stage_runs import StageRunner, read_json, tiny_params

pytestmark = pytest.mark.training

# --------------------------------------------------------------------------- sample


def test_sample_is_pandas_sample(run_stage: StageRunner, prepared: Path) -> None:
    """Same rows, in the same order, as the notebook's `train.sample(frac, random_state)`."""
    run_stage.params(tiny_params({"sample_fraction": 0.3, "sample.seed": 5}))
    train_csv = prepared / "raw" / "train.csv"
    assert sample(run_stage, train_csv).stderr == ""

    expected = pd.read_csv(train_csv).sample(frac=0.3, random_state=5)
    out = run_stage.cwd / "sample"
    rows, labels, pixels = (np.load(out / f"{n}.npy") for n in ("rows", "labels", "pixels"))
    assert rows.tolist() == expected.index.tolist()
    assert len(rows) == round(0.3 * N_TRAIN_CSV)
    assert labels.dtype == np.uint8 and pixels.dtype == np.uint8
    assert np.array_equal(labels, expected["label"].to_numpy())
    assert np.array_equal(pixels, expected.drop(columns="label").to_numpy())

    metrics = read_json(run_stage.cwd / "m" / "sample.json")["sample"]
    assert metrics["rows"] == len(rows)
    counts = expected["label"].value_counts()
    assert metrics["class_counts"] == {str(d): int(counts.get(d, 0)) for d in range(10)}


def test_sample_seed_changes_the_rows(run_stage: StageRunner, prepared: Path) -> None:
    run_stage.params(tiny_params({"sample_fraction": 0.3, "sample.seed": 6}))
    sample(run_stage, prepared / "raw" / "train.csv")
    rows = np.load(run_stage.cwd / "sample" / "rows.npy")
    expected = pd.Series(range(N_TRAIN_CSV)).sample(frac=0.3, random_state=5)
    assert len(rows) == len(expected) and rows.tolist() != expected.tolist()


# --------------------------------------------------------------------------- split


def test_split_is_train_test_split(prepared: Path) -> None:
    pixels = np.load(prepared / "sample" / "pixels.npy")
    labels = np.load(prepared / "sample" / "labels.npy")
    expected = train_test_split(pixels, labels, test_size=0.25, random_state=2)
    names = ("x_train", "x_val", "y_train", "y_val")
    for name, array in zip(names, expected, strict=True):
        got = np.load(prepared / "split" / f"{name}.npy")
        assert got.dtype == np.uint8
        assert np.array_equal(got, array), name

    metrics = read_json(prepared / "m" / "split.json")["split"]
    assert (metrics["train_rows"], metrics["val_rows"]) == (600, 200)
    assert sum(metrics["train_class_counts"].values()) == 600
    assert sum(metrics["val_class_counts"].values()) == 200


def test_split_stratify(run_stage: StageRunner, prepared: Path) -> None:
    run_stage.params(tiny_params({"split.stratify": True}))
    split(run_stage, prepared / "sample")
    labels = np.load(prepared / "sample" / "labels.npy")
    pixels = np.load(prepared / "sample" / "pixels.npy")
    _, _, _, y_val = train_test_split(
        pixels, labels, test_size=0.25, random_state=2, stratify=labels
    )
    got = np.load(run_stage.cwd / "split" / "y_val.npy")
    assert np.array_equal(got, y_val)

    # each class is split 3:1, to within one row (plain random splitting is not)
    total = np.bincount(labels, minlength=10)
    val = np.bincount(got, minlength=10)
    assert np.all(np.abs(val - total * 0.25) <= 1), (val, total)
    plain = np.bincount(np.load(prepared / "split" / "y_val.npy"), minlength=10)
    assert np.abs(plain - total * 0.25).max() > 1

    metrics = read_json(run_stage.cwd / "m" / "split.json")["split"]
    assert metrics["val_class_counts"] == {str(d): int(val[d]) for d in range(10)}


# --------------------------------------------------------------------------- reshape


def test_reshape(prepared: Path) -> None:
    test_pixels = pd.read_csv(prepared / "raw" / "test.csv").to_numpy()
    sources = {
        "train": np.load(prepared / "split" / "x_train.npy"),
        "val": np.load(prepared / "split" / "x_val.npy"),
        "test": test_pixels,
    }
    for name, pixels in sources.items():
        flat = np.load(prepared / "features" / "flat" / f"{name}.npy")
        images = np.load(prepared / "features" / "images" / f"{name}.npy")
        n = len(pixels)
        assert flat.dtype == np.float32 and images.dtype == np.float32
        # row-major on disk: the training stages read rows of the memory-mapped files
        assert flat.flags.c_contiguous and images.flags.c_contiguous
        assert flat.shape == (n, 784) and images.shape == (n, 28, 28, 1)
        assert flat.min() >= 0.0 and flat.max() <= 1.0 and flat.max() > 0.99
        np.testing.assert_allclose(flat, pixels / 255.0, rtol=1e-6)
        # pixel k sits at row k // 28, column k % 28
        assert np.array_equal(images[:, 3, 5, 0], flat[:, 3 * 28 + 5])
        assert np.array_equal(images.reshape(n, 784), flat)
    assert len(np.load(prepared / "features" / "flat" / "test.npy")) == N_TEST_CSV
