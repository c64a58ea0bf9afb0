"""The limit the CNN's training speed is measured against, on this CPU.

Measures the peak of a square matrix product per precision (float32, and bfloat16 inputs as
`mixed_bfloat16` computes them) with the pipeline's TensorFlow settings, and counts the
floating-point operations the CNN of ./params.yaml (`train_cnn`) costs per training image:
2 per multiply-add of its convolutions and dense layers, times 3 for a training step (the
forward pass, and the gradients for the inputs and for the weights). With a measured images/s,
images/s x FLOP per image is the rate the CNN achieves, to set against the peak.

    python bench/peak.py                     # a table, from the project root
    python bench/peak.py --json peak.json    # the figures as JSON (bench/run.py uses this)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
PRECISIONS = {"float32": "float32", "mixed_bfloat16": "bfloat16"}  # policy: matmul dtype
TRAINING_PASSES = 3  # forward, gradient of the inputs, gradient of the weights


def matmul_gflops(tf: Any, dtype: str, size: int, repeats: int) -> float:
    """Best GFLOP/s of `repeats` products of two size x size matrices of `dtype`."""
    a = tf.cast(tf.random.uniform((size, size)), dtype)
    b = tf.cast(tf.random.uniform((size, size)), dtype)
    tf.matmul(a, b).numpy()  # warm-up: kernel selection, thread pool
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        tf.matmul(a, b).numpy()
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best / 1e9


def forward_flops(model: Any) -> int:
    """FLOPs of one image's forward pass through the Conv2D and Dense layers of `model`."""
    total = 0
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "Conv2D":
            kernel_h, kernel_w, channels_in, channels_out = layer.kernel.shape
            _, height, width, _ = layer.output.shape
            total += 2 * height * width * kernel_h * kernel_w * channels_in * channels_out
        elif kind == "Dense":
            units_in, units_out = layer.kernel.shape
            total += 2 * units_in * units_out
    return int(total)


def measure(size: int, repeats: int) -> dict[str, Any]:
    """Peak GFLOP/s per precision, the CNN's training FLOPs per image, what `auto` picks."""
    sys.path.insert(0, str(REPO))
    from digit_recognizer.keras_fit import keras_backend
    from digit_recognizer.params import read_params
    from digit_recognizer.precision import cpu_flags, has_bf16_gpu, resolve_precision
    from stages.train_cnn import CnnParams, build_model

    params = read_params(CnnParams, "train_cnn")
    keras = keras_backend(params.seed)
    import tensorflow as tf

    model = build_model(keras, params)
    return {
        "matmul_size": size,
        "matmul_repeats": repeats,
        "matmul_gflops": {
            policy: round(matmul_gflops(tf, dtype, size, repeats), 1)
            for policy, dtype in PRECISIONS.items()
        },
        "cnn_training_flops_per_image": TRAINING_PASSES * forward_flops(model),
        "auto_precision": resolve_precision("auto", cpu_flags(), has_bf16_gpu()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2048, help="matrix side")
    parser.add_argument("--repeats", type=int, default=5, help="products timed per precision")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    figures = measure(args.size, args.repeats)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"matmul {args.size}x{args.size}, best of {args.repeats}:")
    for policy, gflops in figures["matmul_gflops"].items():
        print(f"  {policy}: {gflops} GFLOP/s")
    print(f"CNN: {figures['cnn_training_flops_per_image'] / 1e6:.1f} MFLOP per training image")
    print(f"precision auto resolves to {figures['auto_precision']} here")


if __name__ == "__main__":
    main()
