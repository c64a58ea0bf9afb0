"""The limit the networks' training speed is measured against, on this CPU.

Measures the peak of a square matrix product per precision (float32, and bfloat16 inputs as
`mixed_bfloat16` computes them) with the pipeline's TensorFlow settings, and counts the
floating-point operations of one image's forward pass through each network of ./params.yaml
(dense net, CNN, strong CNN): 2 per multiply-add of its convolutions and dense layers. A
training step costs 3 times that (the forward pass, and the gradients for the inputs and for
the weights). With a measured images/s, images/s x FLOP per image is the rate a network
achieves, to set against the peak.

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
    """Peak GFLOP/s per precision, each network's forward FLOPs per image, what `auto` picks."""
    sys.path.insert(0, str(REPO))
    from digit_recognizer.models import cnn, cnn_aug, mlp
    from digit_recognizer.params.reading import read_params
    from digit_recognizer.training.hardware import cpu_flags, has_bf16_gpu
    from digit_recognizer.training.keras_setup import keras_backend
    from digit_recognizer.training.precision import resolve_precision

    networks = {
        "mlp": (mlp, mlp.MlpParams, "train_mlp"),
        "cnn": (cnn, cnn.CnnParams, "train_cnn"),
        "cnn_aug": (cnn_aug, cnn_aug.CnnAugParams, "train_cnn_aug"),
    }
    keras = keras_backend(seed=0)
    import tensorflow as tf

    hardware = (cpu_flags(), has_bf16_gpu())  # what `auto` reads, probed once

    forward = {
        name: forward_flops(stage.build_model(keras, read_params(kind, section)))
        for name, (stage, kind, section) in networks.items()
    }
    return {
        "matmul_size": size,
        "matmul_repeats": repeats,
        "matmul_gflops": {
            policy: round(matmul_gflops(tf, dtype, size, repeats), 1)
            for policy, dtype in PRECISIONS.items()
        },
        "forward_flops_per_image": forward,
        "training_passes": TRAINING_PASSES,
        "auto_precision": {name: resolve_precision("auto", name, *hardware) for name in networks},
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
    for name, flops in figures["forward_flops_per_image"].items():
        training = figures["training_passes"] * flops / 1e6
        print(f"{name}: {flops / 1e6:.1f} MFLOP per image forward, {training:.1f} training")
    auto = ", ".join(f"{name} {policy}" for name, policy in figures["auto_precision"].items())
    print(f"precision auto resolves to: {auto} here")


if __name__ == "__main__":
    main()
