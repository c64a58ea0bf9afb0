"""The `kaggle_scale` data: Kaggle-shaped, varied from the bundled digits, seeded; and the
fast CSV writer it uses."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from digit_recognizer.data import synthetic
from digit_recognizer.data.bundled import bundled_digits
from digit_recognizer.data.formats import PIXEL_COLUMNS, TRAIN_HEADER
from digit_recognizer.data.kaggle_csv import read_digits_csv, write_digits
from digit_recognizer.data.synthetic import varied_copies, write_kaggle_scale


def test_kaggle_scale_files_are_kaggle_shaped_varied_and_seeded(tmp_path: Path) -> None:
    first = write_kaggle_scale(tmp_path, test_size=1000, seed=0, train_rows=700, test_rows=300)
    labels, pixels = read_digits_csv(first[0], labelled=True)  # checks header and values
    _, test_pixels = read_digits_csv(first[1], labelled=False)
    assert pixels.shape == (700, 784) and test_pixels.shape == (300, 784)
    assert np.bincount(labels, minlength=10).min() > 40  # every digit, about evenly
    answers = pd.read_csv(first[2])
    assert list(answers.columns) == ["ImageId", "Label"]
    assert answers["ImageId"].tolist() == list(range(1, 301))
    assert answers["Label"].between(0, 9).all()
    assert len(np.unique(np.concatenate([pixels, test_pixels]), axis=0)) == 1000  # no copies
    originals = {row.tobytes() for row in bundled_digits()[1]}
    assert not any(row.tobytes() in originals for row in pixels)  # none verbatim

    again = tmp_path / "again"
    again.mkdir()
    second = write_kaggle_scale(again, test_size=1000, seed=0, train_rows=700, test_rows=300)
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes()


# sha256 of write_kaggle_scale(test_size=1000, seed=0, train_rows=5000, test_rows=300), made
# by the serial code before chunks ran on threads: the data behind docs/results.md's Kaggle-scale
# figures
PINNED_SHA256 = {
    "train.csv": "a925ffed02a33e9628ce2078f6c8ec08de65d22d05809b043df8b54610d4ae78",
    "test.csv": "3e916aeee18a1112320612a09fc5fe8c3eb803b180f00369ebac413aa3181f91",
    "answers.csv": "2b53a9ac32f10b3c9c18b5816273c61dc783c1adfc234e16b3f358ce409a2946",
}


def test_kaggle_scale_files_are_the_pinned_bytes(tmp_path: Path) -> None:
    paths = write_kaggle_scale(tmp_path, test_size=1000, seed=0, train_rows=5000, test_rows=300)
    digests = {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in paths}
    assert digests == PINNED_SHA256  # 5,000 rows: two chunks, transformed on two threads


@pytest.mark.parametrize(("threads", "chunk_rows"), [(1, 4096), (3, 7), (4, 64)])
def test_varied_copies_do_not_depend_on_threads_or_chunks(
    monkeypatch: pytest.MonkeyPatch, threads: int, chunk_rows: int
) -> None:
    _, bundled = bundled_digits()
    expected = varied_copies(bundled[:50], 300, np.random.default_rng(4))
    monkeypatch.setattr(synthetic, "THREADS", threads)
    monkeypatch.setattr(synthetic, "CHUNK_ROWS", chunk_rows)
    images, sources = varied_copies(bundled[:50], 300, np.random.default_rng(4))
    assert np.array_equal(images, expected[0]) and np.array_equal(sources, expected[1])


def test_varied_copies_stay_close_to_their_source() -> None:
    _, bundled = bundled_digits()
    images, sources = varied_copies(bundled[:50], 200, np.random.default_rng(1))
    assert images.dtype == np.uint8 and images.shape == (200, 784)
    assert np.bincount(sources, minlength=50).tolist() == [4] * 50
    ink = images.astype(float).sum(axis=1) / bundled[sources].astype(float).sum(axis=1)
    assert ink.min() > 0.8 and ink.max() < 1.2  # a shift or a small turn keeps the strokes


def test_write_digits_matches_pandas(tmp_path: Path) -> None:
    values = np.random.default_rng(0).integers(0, 256, (5000, 785), dtype=np.uint8)
    write_digits(tmp_path / "fast.csv", TRAIN_HEADER, values)
    pd.DataFrame(values, columns=TRAIN_HEADER).to_csv(tmp_path / "pandas.csv", index=False)
    assert (tmp_path / "fast.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()
    write_digits(tmp_path / "one.csv", PIXEL_COLUMNS, values[:1, 1:])
    assert (tmp_path / "one.csv").read_text().count("\n") == 2
