"""An export written all or nothing: a file or a SavedModel folder, built beside its place."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from digit_recognizer.files import remove_leftovers, temporary_beside


@contextmanager
def atomic_output(path: Path, folder: bool) -> Iterator[Path]:
    """Yield a temporary file (or, with `folder`, an empty folder) beside `path`, which takes
    its place only if the block succeeds; a failed export leaves `path` as it was.

    What was at `path` (a file or a folder) is moved aside just before the new one moves in,
    then removed; temporaries that a killed run left are removed by the next export there.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(path)
    with temporary_beside(path, folder) as tmp:
        yield tmp
        replace(tmp, path)


def replace(new: Path, path: Path) -> None:
    """Move `new` to `path`, whatever was there (a file or a folder) going away."""
    if not path.exists() and not path.is_symlink():
        os.replace(new, path)
        return
    with temporary_beside(path, folder=True) as aside:
        old = aside / path.name
        os.replace(path, old)
        try:
            os.replace(new, path)
        except OSError:
            os.replace(old, path)
            raise
