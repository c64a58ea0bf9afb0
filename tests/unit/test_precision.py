"""`precision: auto` resolves as docs/speed.md says, from the CPU flags the machine reports."""

from __future__ import annotations

import pytest
from dvc_project import write_params
from stage_runs import InProcessRunner, dvc_yaml_args, expect_key_error, tiny_params

from digit_recognizer.models.network import PRECISIONS
from digit_recognizer.training.precision import resolve_precision

# the flags that matter on the three CPU kinds these machines have (from /proc/cpuinfo)
INTEL_AMX = frozenset({"avx2", "avx512f", "avx512_bf16", "avx512_vnni", "amx_tile", "amx_bf16"})
AMD_EPYC = frozenset({"avx2", "avx512f", "avx512_bf16", "avx512_vnni"})
INTEL_NO_AMX = frozenset({"avx2", "avx512f", "avx512_vnni"})
LAPTOP = frozenset({"sse4_2", "avx2"})


@pytest.mark.parametrize(
    ("flags", "bf16_gpu", "expected"),
    [
        (INTEL_AMX, False, {"cnn": "mixed_bfloat16"}),  # CNN 3.3x; dense net 1.0x
        (AMD_EPYC, False, {"cnn": "mixed_bfloat16"}),  # AVX-512 BF16: CNN 1.31-1.37x; mlp 0.78x
        (INTEL_NO_AMX, False, {}),  # no bfloat16 instructions: emulated, CNN 0.35x
        (LAPTOP, False, {}),
        (frozenset(), False, {}),  # no /proc/cpuinfo (macOS, Windows)
        (LAPTOP, True, {"mlp": "mixed_bfloat16", "cnn": "mixed_bfloat16",
                        "cnn_aug": "mixed_bfloat16", None: "mixed_bfloat16"}),  # a bfloat16 GPU
        (frozenset({"amx_tile"}), False, {}),  # AMX without its bfloat16 unit
    ],
)  # fmt: skip
def test_auto_picks_bfloat16_per_network_only_where_it_paid(flags, bf16_gpu, expected) -> None:
    """Where a network is not named in `expected`, auto is float32 (the strong CNN was not
    measured in bfloat16: float32 on every CPU)."""
    for network in ("mlp", "cnn", "cnn_aug", None):
        chosen = resolve_precision("auto", network, flags, bf16_gpu)
        assert chosen == expected.get(network, "float32"), network


@pytest.mark.parametrize("requested", ["float32", "mixed_bfloat16"])
@pytest.mark.parametrize("flags", [INTEL_AMX, INTEL_NO_AMX, frozenset()])
def test_an_explicit_precision_is_used_on_any_hardware(requested: str, flags) -> None:
    for network in ("mlp", "cnn", "cnn_aug"):
        assert resolve_precision(requested, network, flags, bf16_gpu=True) == requested
        assert resolve_precision(requested, network, flags, bf16_gpu=False) == requested


@pytest.mark.parametrize("stage", ["train_mlp", "train_cnn", "train_cnn_aug"])
def test_an_unknown_precision_is_a_one_line_error(call_stage: InProcessRunner, stage: str):
    write_params(call_stage.cwd, tiny_params({f"{stage}.precision": "bfloat16"}))
    message = expect_key_error(call_stage(stage, *dvc_yaml_args(stage)), stage, "precision")
    assert message == (
        f"params.yaml: {stage}.precision must be one of {', '.join(PRECISIONS)}, got 'bfloat16'"
    )
