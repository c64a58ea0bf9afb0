"""An export written all or nothing: a file or a SavedModel folder, built beside its place."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from digit_recognizer.files import remove_leftovers, temporary_prefix


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


@contextmanager
def atomic_output(path: Path, folder: bool) -> Iterator[Path]:
    """Yield a temporary file (or, with `folder`, an empty folder) beside `path`, which takes
    its place only if the block succeeds; a failed export leaves `path` as it was.

    What was at `path` (a file or a folder) is moved aside just before the new one moves in,
    then removed; temporaries that a killed run left are removed by the next export there.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(path)
    prefix = temporary_prefix(path)
    if folder:
        tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=prefix))
    else:
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=path.suffix)
        os.close(fd)
        tmp = Path(name)
    try:
        yield tmp
        tmp.chmod((0o777 if folder else 0o666) & ~_UMASK)  # mkstemp/mkdtemp: 0600/0700
        replace(tmp, path)
    finally:
        remove(tmp)


def replace(new: Path, path: Path) -> None:
    """Move `new` to `path`, whatever was there (a file or a folder) going away."""
    if not path.exists() and not path.is_symlink():
        os.replace(new, path)
        return
    old = Path(tempfile.mkdtemp(dir=path.parent, prefix=temporary_prefix(path))) / path.name
    os.replace(path, old)
    try:
        os.replace(new, path)
    except OSError:
        os.replace(old, path)
        raise
    finally:
        remove(old.parent)


def remove(path: Path) -> None:
    """Remove a file or folder if it is there."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
