"""A full disk while Keras writes a model: an OSError naming the model file (so the stage's
error is one line), the earlier model byte-identical, no temporary file left."""

from __future__ import annotations

import errno
import subprocess
from pathlib import Path

import pytest

from digit_recognizer.training.keras_setup import keras_backend
from digit_recognizer.training.outputs import save_keras_model

pytestmark = pytest.mark.training


def test_a_full_disk_while_saving_a_model(tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        keras = keras_backend(seed=1)
        small = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
        big = keras.Sequential([keras.Input((784,)), keras.layers.Dense(64)])  # 200 KB
        model_file = disk / "model.keras"
        save_keras_model(small, model_file)
        earlier = model_file.read_bytes()

        with pytest.raises(OSError) as caught:
            save_keras_model(big, model_file)
        assert caught.value.errno == errno.ENOSPC
        assert caught.value.filename == str(model_file)
        assert model_file.read_bytes() == earlier
        assert sorted(p.name for p in disk.iterdir()) == ["model.keras"]
    finally:
        subprocess.run(["umount", str(disk)], check=True, timeout=30)
