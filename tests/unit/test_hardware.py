"""What the machine reports: its CPU's flags and kind, read from /proc/cpuinfo."""

from __future__ import annotations

import platform
from pathlib import Path

import pytest

from digit_recognizer.training.hardware import cpu_flags, cpu_kind
from digit_recognizer.training.precision import resolve_precision

XEON = (
    "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Platinum 8481C\n"
    "flags\t\t: fpu sse avx2 avx512f avx512_bf16 amx_bf16 amx_tile\n\nprocessor\t: 1\n"
    "vendor_id\t: GenuineIntel\nflags\t\t: fpu sse avx2 avx512f avx512_bf16 amx_bf16 amx_tile\n"
)


def test_cpu_flags_reads_the_flags_line(tmp_path: Path) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(XEON)
    flags = cpu_flags(cpuinfo)
    assert flags == {"fpu", "sse", "avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile"}
    assert resolve_precision("auto", "cnn", flags, bf16_gpu=False) == "mixed_bfloat16"


def test_cpu_flags_without_cpuinfo_is_empty(tmp_path: Path) -> None:
    assert cpu_flags(tmp_path / "missing") == frozenset()
    (tmp_path / "no-flags").write_text("processor\t: 0\n")
    assert cpu_flags(tmp_path / "no-flags") == frozenset()


def test_this_machine_reads_its_own_flags() -> None:
    """On an x86-64 Linux machine the real /proc/cpuinfo has a flags line to read."""
    if platform.machine() not in ("x86_64", "AMD64") or not Path("/proc/cpuinfo").exists():
        pytest.skip("flags are read from /proc/cpuinfo on x86-64 Linux")
    assert {"fpu", "sse2"} <= cpu_flags()


@pytest.mark.parametrize(
    ("vendor", "flags", "kind"),
    [
        ("GenuineIntel", "avx2 avx512f avx512_vnni avx512_bf16 amx_tile amx_bf16", "Intel AMX"),
        ("AuthenticAMD", "avx2 avx512f avx512_vnni avx512_bf16", "AMD BF16"),
        ("GenuineIntel", "avx2 avx512f avx512_vnni", "Intel VNNI"),
        ("GenuineIntel", "avx2 avx512f", "Intel AVX-512"),
        ("AuthenticAMD", "sse4_2 avx2", "AMD AVX2"),
        ("HygonGenuine", "sse4_2", "HygonGenuine SSE"),
    ],
)
def test_cpu_kind_is_the_vendor_and_the_widest_instructions(
    tmp_path: Path, vendor: str, flags: str, kind: str
) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(f"processor\t: 0\nvendor_id\t: {vendor}\nflags\t\t: fpu {flags}\n")
    assert cpu_kind(cpuinfo) == kind


def test_cpu_kind_without_cpuinfo_is_the_architecture(tmp_path: Path) -> None:
    assert cpu_kind(tmp_path / "missing") == platform.machine()
