"""What limits the dense net at small batches: memory traffic per step against bandwidth.

Trains the dense net of params.yaml (`train_mlp`, through the pipeline's own code) on random
digits at several batch sizes and times its steps; measures this machine's memory bandwidth
with a large numpy copy; and sets each step time against the bytes a step moves: the float32
weights read for the forward pass and for the backward pass, their gradient written, and Adam
reading the weights, the gradient and its two moments and writing three of them back (10
passes over the weights), and against the step's FLOPs at the matmul peak (bench/peak.py).
docs/benchmarks.md uses it to explain the dense net's images/s.

    python bench/probes/dense_memory.py                 # batches 32 to 256, about a minute
    python bench/probes/dense_memory.py --batches 32,64 --rows 512
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/: machine, peak
from machine import cpu_model  # noqa: E402
from peak import TRAINING_PASSES, forward_flops  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
WEIGHT_PASSES = 10  # forward read, backward read, gradient write, Adam: 4 reads + 3 writes
COPY_BYTES = 256 * 2**20


def copy_bandwidth(repeats: int = 5) -> float:
    """GB/s moved (read + write) by the best of `repeats` copies of a 256 MB array."""
    source = np.ones(COPY_BYTES // 4, dtype=np.float32)
    target = np.empty_like(source)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        np.copyto(target, source)
        best = min(best, time.perf_counter() - start)
    return 2 * COPY_BYTES / best / 1e9


def step_times(rows: int, batches: list[int]) -> list[dict[str, float]]:
    """The dense net's seconds per training step at each batch size: two epochs of `rows`
    random digits, timed after one epoch of warm-up; with its weights count and its forward
    FLOPs per image."""
    sys.path.insert(0, str(REPO))
    os.chdir(REPO)  # params.yaml
    from digit_recognizer.console import QUIET_VARIABLE

    os.environ.setdefault(QUIET_VARIABLE, "1")  # no epoch lines
    from digit_recognizer.models.mlp import MlpParams, build_model
    from digit_recognizer.params.reading import read_params
    from digit_recognizer.training.fit import fit
    from digit_recognizer.training.inputs import SplitData
    from digit_recognizer.training.keras_setup import keras_backend

    rng = np.random.default_rng(0)
    found = []
    with tempfile.TemporaryDirectory() as features:
        np.save(Path(features) / "train.npy", rng.random((rows, 784), dtype=np.float32))
        np.save(Path(features) / "val.npy", rng.random((16, 784), dtype=np.float32))
        data = SplitData(Path(features), rng.integers(0, 10, rows), rng.integers(0, 10, 16))
        for batch in batches:
            params = dataclasses.replace(
                read_params(MlpParams, "train_mlp"), batch_size=batch, epochs=3
            )
            keras = keras_backend(params.seed, params.precision)
            model = build_model(keras, params)
            history = fit(model, data, params)
            steps = 2 * -(-rows // batch)
            found.append(
                {
                    "batch": batch,
                    "weights": model.count_params(),
                    "forward_flops": forward_flops(model),
                    "images_per_second": 2 * rows / history["seconds"].iloc[1:].sum(),
                    "step_seconds": history["seconds"].iloc[1:].sum() / steps,
                }
            )
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=4096, help="training digits")
    parser.add_argument(
        "--batches",
        type=lambda text: [int(size) for size in text.split(",")],
        default=[32, 64, 128, 256],
        help="batch sizes, comma-separated",
    )
    parser.add_argument("--peak-gflops", type=float, help="bench/peak.py's float32 figure")
    args = parser.parse_args()

    bandwidth = copy_bandwidth()
    times = step_times(args.rows, args.batches)
    weights = times[0]["weights"]
    moved = WEIGHT_PASSES * 4 * weights
    print(f"CPU: {cpu_model()}, {len(os.sched_getaffinity(0))} cores")
    print(f"memory: {bandwidth:.1f} GB/s (numpy copy of 256 MB, read + write, best of 5)")
    print(f"dense net: {weights:,} float32 weights; a step moves {moved / 1e6:.0f} MB")
    header = "| batch | images/s | ms per step | ms to move the step's bytes |"
    if args.peak_gflops:
        header += " ms for its FLOPs at peak |"
    print(header)
    print("|---" * header.count(" |") + "|")
    for row in times:
        cells = [
            f"{row['batch']}",
            f"{row['images_per_second']:.0f}",
            f"{row['step_seconds'] * 1000:.1f}",
            f"{moved / (bandwidth * 1e9) * 1000:.1f}",
        ]
        if args.peak_gflops:
            flops = TRAINING_PASSES * row["forward_flops"] * row["batch"]
            cells.append(f"{flops / (args.peak_gflops * 1e9) * 1000:.1f}")
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
