"""The float precision Keras trains in: float32, mixed_bfloat16, or `auto` (bfloat16 where it pays).

bfloat16 paid only where it was measured to (docs/benchmarks.md): on Intel CPUs with AMX
(`amx_bf16` in /proc/cpuinfo), and it is what GPUs from NVIDIA's Ampere on (compute capability
8.0) are built for. On CPUs with AVX-512 BF16 but no AMX it was no faster; on CPUs without
either it is emulated. So `auto` picks mixed_bfloat16 on those two kinds of hardware only.
"""

from __future__ import annotations

from typing import Any

from digit_recognizer.training.hardware import cpu_flags, has_bf16_gpu

PRECISIONS = ("float32", "mixed_bfloat16", "auto")
BF16_CPU_FLAG = "amx_bf16"


def resolve_precision(requested: str, flags: frozenset[str], bf16_gpu: bool) -> str:
    """The Keras dtype policy to train in: `requested`, or for `auto` the one this hardware
    (its CPU flags, whether it has a GPU with bfloat16) trains fastest in."""
    if requested != "auto":
        return requested
    return "mixed_bfloat16" if bf16_gpu or BF16_CPU_FLAG in flags else "float32"


def use_precision(keras: Any, requested: str) -> str:
    """Set Keras' global dtype policy for the models built next; return its name.

    Layers built afterwards compute in that precision (bfloat16 keeps float32 weights); a
    layer given `dtype="float32"`, as every network's softmax output, stays float32.
    """
    probed = (cpu_flags(), has_bf16_gpu()) if requested == "auto" else (frozenset(), False)
    resolved = resolve_precision(requested, *probed)
    keras.mixed_precision.set_global_policy(resolved)
    return resolved
