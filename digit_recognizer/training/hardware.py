"""What the machine is: its CPU's flags and kind, and whether a GPU computes in bfloat16.

The kind matters because the strong CNN's float32 numbers differ between kinds of x86 CPU
(docs/results.md#which-cpu), so its metrics record the kind that trained it.
"""

from __future__ import annotations

import platform
from pathlib import Path

CPUINFO = Path("/proc/cpuinfo")
BF16_GPU_CAPABILITY = (8, 0)
VENDORS = {"AuthenticAMD": "AMD", "GenuineIntel": "Intel"}
# the widest vector instructions first, as oneDNN picks its kernels: AMX (with bfloat16), then
# AVX-512 with BF16, AVX-512 with VNNI, plain AVX-512 and AVX2; short, to fit `make compare`
ISA_CLASSES = (
    ("amx_bf16", "AMX"),
    ("avx512_bf16", "BF16"),
    ("avx512_vnni", "VNNI"),
    ("avx512f", "AVX-512"),
    ("avx2", "AVX2"),
)


def first_processor(cpuinfo: Path = CPUINFO) -> dict[str, str]:
    """The first processor's `key: value` lines of /proc/cpuinfo (Linux); empty elsewhere."""
    try:
        text = cpuinfo.read_text()
    except OSError:
        return {}
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            if fields:
                break
            continue
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    return fields


def cpu_flags(cpuinfo: Path = CPUINFO) -> frozenset[str]:
    """The CPU's feature flags from /proc/cpuinfo (Linux); none where that file is missing."""
    return frozenset(first_processor(cpuinfo).get("flags", "").split())


def cpu_kind(cpuinfo: Path = CPUINFO) -> str:
    """The CPU's vendor and widest vector instructions: `Intel AMX`, `AMD BF16` (AVX-512 with
    BF16), `Intel VNNI` (AVX-512 with VNNI, no BF16), `Intel AVX-512`, `AMD AVX2`; the
    machine's architecture alone (`arm64`) where /proc/cpuinfo does not say."""
    fields = first_processor(cpuinfo)
    vendor = fields.get("vendor_id", "")
    if not vendor:
        return platform.machine() or "unknown"
    flags = set(fields.get("flags", "").split())
    isa = next((name for flag, name in ISA_CLASSES if flag in flags), "SSE")
    return f"{VENDORS.get(vendor, vendor)} {isa}"


def has_bf16_gpu() -> bool:
    """Whether TensorFlow sees a GPU of compute capability 8.0 or more (native bfloat16)."""
    import tensorflow as tf

    for gpu in tf.config.list_physical_devices("GPU"):
        capability = tf.config.experimental.get_device_details(gpu).get("compute_capability")
        if capability and tuple(capability) >= BF16_GPU_CAPABILITY:
            return True
    return False
