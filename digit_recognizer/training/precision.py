"""The float precision Keras trains in: float32, mixed_bfloat16, or `auto` (bfloat16 where it
was measured to pay, per kind of CPU and per network).

Measured with `make bench` (docs/benchmarks.md), training images/s of mixed_bfloat16 against
float32, same data and seed:
- Intel Xeon with AMX (`amx_bf16`): the notebook's CNN 3.3x, the dense net 1.0x;
- AMD EPYC Zen 4, AVX-512 BF16 without AMX (`avx512_bf16`): the CNN 1.37x, 1.31x and 1.36x in
  three runs (answer key within 0.5 points of float32), the dense net 0.78x and 0.61x, the
  strong CNN 1.03x, 1.15x and 1.17x (its three seeds in one run, 1.11x together: about this
  machine's ±10 % run-to-run noise, so not counted as a gain);
- Intel Xeon without either: the CNN 0.35x (bfloat16 emulated).
So `auto` picks mixed_bfloat16 for the notebook's CNN on the first two kinds, and float32 for
the dense net and the strong CNN everywhere (the strong CNN is not measured on AMX). A GPU built
for bfloat16 (NVIDIA compute capability 8.0 and up, not measured here) gets it for every network.
"""

from __future__ import annotations

from typing import Any

from digit_recognizer.training.hardware import cpu_flags, has_bf16_gpu

# the networks that train faster in mixed_bfloat16, by the CPU's widest bfloat16 instructions
BF16_PAYS = {"amx_bf16": frozenset({"cnn"}), "avx512_bf16": frozenset({"cnn"})}


def resolve_precision(
    requested: str, network: str | None, flags: frozenset[str], bf16_gpu: bool
) -> str:
    """The Keras dtype policy to train `network` (mlp, cnn, cnn_aug) in: `requested`, or for
    `auto` the one it was measured to train fastest in on this hardware (its CPU flags,
    whether it has a GPU with bfloat16); float32 for a network not measured."""
    if requested != "auto":
        return requested
    if bf16_gpu:
        return "mixed_bfloat16"
    widest = next((flag for flag in BF16_PAYS if flag in flags), None)
    return "mixed_bfloat16" if network in BF16_PAYS.get(widest, ()) else "float32"


def use_precision(keras: Any, requested: str, network: str | None = None) -> str:
    """Set Keras' global dtype policy for the models built next (`network`'s, for `auto`);
    return its name.

    Layers built afterwards compute in that precision (bfloat16 keeps float32 weights); a
    layer given `dtype="float32"`, as every network's softmax output, stays float32.
    """
    probed = (cpu_flags(), has_bf16_gpu()) if requested == "auto" else (frozenset(), False)
    resolved = resolve_precision(requested, network, *probed)
    keras.mixed_precision.set_global_policy(resolved)
    return resolved
