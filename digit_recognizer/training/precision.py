"""The float precision Keras trains in: float32, mixed_bfloat16, or `auto` (bfloat16 where it pays).

bfloat16 paid only where it was measured to (docs/benchmarks.md): on Intel CPUs with AMX
(`amx_bf16` in /proc/cpuinfo), and it is what GPUs from NVIDIA's Ampere on (compute capability
8.0) are built for. On CPUs with AVX-512 BF16 but no AMX it was no faster; on CPUs without
either it is emulated. So `auto` picks mixed_bfloat16 on those two kinds of hardware only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

PRECISIONS = ("float32", "mixed_bfloat16", "auto")
BF16_CPU_FLAG = "amx_bf16"
BF16_GPU_CAPABILITY = (8, 0)
CPUINFO = Path("/proc/cpuinfo")


def resolve_precision(requested: str, cpu_flags: frozenset[str], has_bf16_gpu: bool) -> str:
    """The Keras dtype policy to train in: `requested`, or for `auto` the one this hardware
    (its CPU flags, whether it has a GPU with bfloat16) trains fastest in."""
    if requested != "auto":
        return requested
    return "mixed_bfloat16" if has_bf16_gpu or BF16_CPU_FLAG in cpu_flags else "float32"


def cpu_flags(cpuinfo: Path = CPUINFO) -> frozenset[str]:
    """The CPU's feature flags from /proc/cpuinfo (Linux); none where that file is missing."""
    try:
        text = cpuinfo.read_text()
    except OSError:
        return frozenset()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "flags":
            return frozenset(value.split())
    return frozenset()


def has_bf16_gpu() -> bool:
    """Whether TensorFlow sees a GPU of compute capability 8.0 or more (native bfloat16)."""
    import tensorflow as tf

    for gpu in tf.config.list_physical_devices("GPU"):
        capability = tf.config.experimental.get_device_details(gpu).get("compute_capability")
        if capability and tuple(capability) >= BF16_GPU_CAPABILITY:
            return True
    return False


def use_precision(keras: Any, requested: str) -> str:
    """Set Keras' global dtype policy for the models built next; return its name.

    Layers built afterwards compute in that precision (bfloat16 keeps float32 weights); a
    layer given `dtype="float32"`, as every network's softmax output, stays float32.
    """
    probed = (cpu_flags(), has_bf16_gpu()) if requested == "auto" else (frozenset(), False)
    resolved = resolve_precision(requested, *probed)
    keras.mixed_precision.set_global_policy(resolved)
    return resolved
