"""Where a CNN training step spends its time: oneDNN's own per-kernel timings.

Trains the CNN of params.yaml (`train_cnn`, through the pipeline's own code) on random images
with `ONEDNN_VERBOSE=1`, then sums the milliseconds oneDNN reports for each kernel over the
training batches, next to the measured step time: the share left outside the kernels is all
that input pipelines, Python and Keras settings can still win. docs/benchmarks.md uses it to
explain the CNN's images/s. (Verbose timing slows every kernel a little.)

    python bench/probes/cnn_kernels.py             # 3,150 rows x 3 epochs, about a minute
    python bench/probes/cnn_kernels.py --precision mixed_bfloat16   # the same kernels in bfloat16
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def train(rows: int, epochs: int, precision: str) -> None:
    """Child process: train the CNN of params.yaml once; print its training seconds."""
    import dataclasses
    import tempfile

    import numpy as np

    sys.path.insert(0, str(REPO))
    os.chdir(REPO)  # params.yaml
    from digit_recognizer.models.cnn import CnnParams, build_model
    from digit_recognizer.params.reading import read_params
    from digit_recognizer.training.fit import fit
    from digit_recognizer.training.inputs import SplitData
    from digit_recognizer.training.keras_setup import keras_backend

    params = dataclasses.replace(read_params(CnnParams, "train_cnn"), epochs=epochs)
    keras = keras_backend(params.seed, precision)
    model = build_model(keras, params)
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as features:
        np.save(Path(features) / "train.npy", rng.random((rows, 28, 28, 1), dtype=np.float32))
        # fewer validation rows than a batch: their kernels have another shape, not counted
        np.save(Path(features) / "val.npy", rng.random((16, 28, 28, 1), dtype=np.float32))
        data = SplitData(Path(features), rng.integers(0, 10, rows), rng.integers(0, 10, 16))
        history = fit(model, data, params)
    print(f"TRAIN {params.batch_size} {history['seconds'].iloc[1:].sum()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3150, help="training images")
    parser.add_argument("--epochs", type=int, default=3, help="the first one is not counted")
    parser.add_argument("--precision", default="float32", choices=("float32", "mixed_bfloat16"))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        train(args.rows, args.epochs, args.precision)
        return

    env = dict(os.environ, ONEDNN_VERBOSE="1", TF_ENABLE_ONEDNN_OPTS="1")
    command = [sys.executable, __file__, "--child", "--rows", str(args.rows)]
    command += ["--epochs", str(args.epochs), "--precision", args.precision]
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    batch_size, seconds = next(
        (int(line.split()[1]), float(line.split()[2]))
        for line in output.splitlines()
        if line.startswith("TRAIN ")
    )
    kernels: dict[str, list[float]] = defaultdict(list)
    for line in output.splitlines():
        fields = line.split(",")
        if line.startswith("onednn_verbose,v1,primitive,exec,cpu") and len(fields) > 8:
            shape, milliseconds = fields[-2], float(fields[-1])
            if shape.startswith(f"mb{batch_size}") or shape.startswith(f"{batch_size}x"):
                kernels[f"{fields[5]} {fields[7]} {shape}"].append(milliseconds)
    # a training step runs each backward kernel once; count steps by the backward kernels
    steps = max(len(times) for name, times in kernels.items() if "backward" in name)
    total = sum(sum(times) for times in kernels.values()) / steps
    steps_measured = args.rows // batch_size * (args.epochs - 1)
    print(f"precision {args.precision}, batch {batch_size}, {steps} training steps")
    print("| oneDNN kernel (primitive, pass, shape) | ms per step | share |")
    print("|---|---|---|")
    for name, times in sorted(kernels.items(), key=lambda item: -sum(item[1]))[:8]:
        share = sum(times) / steps / total
        print(f"| {name} | {sum(times) / steps:.2f} | {share:.0%} |")
    print(f"| **all oneDNN kernels** | **{total:.2f}** | |")
    step = 1000 * seconds / steps_measured
    print(
        f"a training step (epochs 2+, verbose timing on) took {step:.2f} ms, "
        f"{min(total / step, 1):.0%} of it in oneDNN kernels"
    )


if __name__ == "__main__":
    main()
