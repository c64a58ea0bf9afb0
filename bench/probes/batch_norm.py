"""The strong CNN's batch norm: Keras 3's own layer against TensorFlow's fused kernel.

Builds the strong CNN of params.yaml (`train_cnn_aug`, through the stage's own
`build_model`) twice, once with Keras' BatchNormalization in place of the fused one
(digit_recognizer/models/batch_norm.py), and trains both on the same random images through the
pipeline's tf.data input. One-epoch fits alternate between the two, so that a noisy machine
slows both alike; each one's median images/s is printed, with the CPU it ran on.

    python bench/probes/batch_norm.py          # 1,536 rows, 6 rounds: about 40 s
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/: machine, peak
from machine import cpu_model  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
LAYERS = ("keras", "fused")


def build(keras: Any, params: Any, layer: str) -> Any:
    """The strong CNN with its batch norm layers as `layer` says."""
    import digit_recognizer.models.cnn_aug as stage

    fused = stage.fused_batch_normalization
    if layer == "keras":  # its build_model, with Keras' own layer swapped in
        stage.fused_batch_normalization = lambda keras: keras.layers.BatchNormalization
    try:
        return stage.build_model(keras, params)
    finally:
        stage.fused_batch_normalization = fused


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1536, help="training images per epoch")
    parser.add_argument("--rounds", type=int, default=6, help="timed epochs of each")
    args = parser.parse_args()

    sys.path.insert(0, str(REPO))
    os.chdir(REPO)  # params.yaml
    import numpy as np

    from digit_recognizer.models.cnn_aug import CnnAugParams
    from digit_recognizer.params.reading import read_params
    from digit_recognizer.training.fit import batches
    from digit_recognizer.training.keras_setup import keras_backend

    params = read_params(CnnAugParams, "train_cnn_aug")
    keras = keras_backend(params.seed, params.precision)
    rng = np.random.default_rng(0)
    images = rng.random((args.rows, 28, 28, 1), dtype=np.float32)
    data = batches(images, rng.integers(0, 10, args.rows), params.batch_size, params.seed)
    models = {layer: build(keras, params, layer) for layer in LAYERS}
    for model in models.values():
        model.fit(data, epochs=1, verbose=0)  # graph building: not timed
    seconds: dict[str, list[float]] = {layer: [] for layer in LAYERS}
    for _ in range(args.rounds):
        for layer, model in models.items():
            start = time.perf_counter()
            model.fit(data, epochs=1, verbose=0)
            seconds[layer].append(time.perf_counter() - start)

    speed = {layer: args.rows / statistics.median(times) for layer, times in seconds.items()}
    print(f"{cpu_model()}, {os.cpu_count()} CPUs; {args.rows} rows, median of {args.rounds}")
    for layer in LAYERS:
        print(f"{layer} batch norm: {speed[layer]:.0f} images/s")
    print(f"fused / keras: {speed['fused'] / speed['keras']:.2f}x")


if __name__ == "__main__":
    main()
