"""Stage outputs written all or nothing, and arrays read back from earlier stages."""

from __future__ import annotations

import glob
import json
import os
import secrets
import shutil
import zipfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from digit_recognizer.console import PipelineError

ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can hold


@contextmanager
def atomic_paths(*paths: Path) -> Iterator[list[Path]]:
    """Yield temporary paths beside `paths`; all are moved into place only if the block succeeds.

    Nothing a failed stage half-wrote ever replaces a good output. The temporary names keep
    the final suffix (np.save and Keras look at it). Temporaries that a killed run (SIGKILL)
    could not remove are removed by the next write of the same output. An OSError that names
    no file (a write that found the disk full) is raised again naming the output.
    """
    with ExitStack() as stack:
        temps = []
        for path in paths:
            path.parent.mkdir(parents=True, exist_ok=True)
            remove_leftovers(path)
            temps.append(stack.enter_context(temporary_beside(path)))
        try:
            yield temps
        except OSError as err:
            if err.filename is None:  # a failed write (disk full) names no file: name it
                where = paths[0] if len(paths) == 1 else paths[0].parent
                text = err.strerror or f"{err} (disk full?)"  # NumPy: "N requested and M written"
                raise OSError(err.errno, text, str(where)) from err
            raise
        for tmp, path in zip(temps, paths, strict=True):
            os.replace(tmp, path)


@contextmanager
def temporary_beside(path: Path, folder: bool = False) -> Iterator[Path]:
    """A new, empty temporary file (or folder) beside `path`, named as its temporaries, with
    the usual mode, and removed when the block ends, however it ends.

    Its name is recorded before it is made, so a SIGTERM or Ctrl-C landing just after it is
    made still removes it (with `tempfile`, it could land before the name is returned).
    """
    suffix = "" if folder else path.suffix
    made: Path | None = None
    try:
        while made is None:
            made = path.parent / f"{temporary_prefix(path)}{secrets.token_hex(6)}{suffix}"
            try:
                if folder:
                    made.mkdir()
                else:
                    os.close(os.open(made, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            except FileExistsError:  # someone else's: draw another name
                made = None
        yield made
    finally:
        if made is not None:
            remove(made)


def remove(path: Path) -> None:
    """Remove a file or folder if it is there."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def temporary_prefix(path: Path) -> str:
    """The name prefix of every temporary file or folder made while writing `path`."""
    return f".{path.stem}."


def remove_leftovers(path: Path) -> None:
    """Remove the temporaries of `path` that an earlier, killed run left beside it."""
    for leftover in path.parent.glob(f"{glob.escape(temporary_prefix(path))}*"):
        remove(leftover)


def zip_member(name: str) -> zipfile.ZipInfo:
    """A zip member with a fixed timestamp and mode: the same contents give the same bytes."""
    member = zipfile.ZipInfo(name, date_time=ZIP_TIMESTAMP)
    member.external_attr = 0o644 << 16
    return member


def save_json(path: Path, data: dict[str, Any]) -> None:
    """Write strict JSON atomically, pretty enough to diff in git; NaN or infinity is refused
    (JSON has neither)."""
    try:
        text = json.dumps(data, indent=2, allow_nan=False)
    except ValueError:
        raise PipelineError(f"{path}: a value to write is not a finite number: {data}") from None
    with atomic_paths(path) as (tmp,):
        tmp.write_text(text + "\n")


def save_csv(path: Path, frame: pd.DataFrame) -> None:
    """Write a CSV atomically, without the index."""
    with atomic_paths(path) as (tmp,):
        frame.to_csv(tmp, index=False)


def save_arrays(directory: Path, arrays: dict[str, np.ndarray]) -> None:
    """Save each array as directory/NAME.npy (row-major: readers take rows), all or nothing."""
    paths = [directory / f"{name}.npy" for name in arrays]
    with atomic_paths(*paths) as temps:
        for tmp, array in zip(temps, arrays.values(), strict=True):
            np.save(tmp, np.ascontiguousarray(array))


def load_array(path: Path, mmap: bool = True, columns: int | None = None) -> np.ndarray:
    """Load a .npy written by an earlier stage (memory-mapped by default), checked to be an
    array (of shape (rows, columns), when given)."""
    if not path.exists():
        raise PipelineError(f"{path}: not found (run the stage that writes it: dvc repro)")
    rerun = "(a stale or edited file? dvc repro --force the stage that writes it)"
    try:
        array = np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
    except (ValueError, EOFError, zipfile.BadZipFile):  # np.load takes "PK..." for a .npz
        array = None
    if not isinstance(array, np.ndarray):
        raise PipelineError(f"{path}: not a NumPy array file {rerun}")
    if columns is not None and (array.ndim != 2 or array.shape[1] != columns):
        raise PipelineError(f"{path}: shape {array.shape}, expected (rows, {columns}) {rerun}")
    return array
