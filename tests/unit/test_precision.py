"""`precision: auto` resolves as docs/speed.md says, from the CPU flags the machine reports."""

from __future__ import annotations

import pytest
from dvc_project import write_params
from stage_runs import InProcessRunner, dvc_yaml_args, expect_key_error, tiny_params

from digit_recognizer.training.precision import PRECISIONS, resolve_precision

# the flags that matter on the three CPU kinds these machines have (from /proc/cpuinfo)
INTEL_AMX = frozenset({"avx2", "avx512f", "avx512_bf16", "avx512_vnni", "amx_tile", "amx_bf16"})
AMD_EPYC = frozenset({"avx2", "avx512f", "avx512_bf16", "avx512_vnni"})
INTEL_NO_AMX = frozenset({"avx2", "avx512f", "avx512_vnni"})
LAPTOP = frozenset({"sse4_2", "avx2"})


@pytest.mark.parametrize(
    ("flags", "has_bf16_gpu", "expected"),
    [
        (INTEL_AMX, False, "mixed_bfloat16"),  # measured 3.3x for the CNN
        (AMD_EPYC, False, "float32"),  # AVX-512 BF16 without AMX: measured no gain
        (INTEL_NO_AMX, False, "float32"),  # no bfloat16 instructions: emulated
        (LAPTOP, False, "float32"),
        (frozenset(), False, "float32"),  # no /proc/cpuinfo (macOS, Windows)
        (LAPTOP, True, "mixed_bfloat16"),  # a GPU with bfloat16, whatever the CPU
        (frozenset({"amx_tile"}), False, "float32"),  # AMX without its bfloat16 unit
    ],
)
def test_auto_picks_bfloat16_only_where_it_pays(flags, has_bf16_gpu, expected) -> None:
    assert resolve_precision("auto", flags, has_bf16_gpu) == expected


@pytest.mark.parametrize("requested", ["float32", "mixed_bfloat16"])
@pytest.mark.parametrize("flags", [INTEL_AMX, INTEL_NO_AMX, frozenset()])
def test_an_explicit_precision_is_used_on_any_hardware(requested: str, flags) -> None:
    assert resolve_precision(requested, flags, bf16_gpu=True) == requested
    assert resolve_precision(requested, flags, bf16_gpu=False) == requested


@pytest.mark.parametrize("stage", ["train_mlp", "train_cnn", "train_cnn_aug"])
def test_an_unknown_precision_is_a_one_line_error(call_stage: InProcessRunner, stage: str):
    write_params(call_stage.cwd, tiny_params({f"{stage}.precision": "bfloat16"}))
    message = expect_key_error(call_stage(stage, *dvc_yaml_args(stage)), stage, "precision")
    assert message == (
        f"params.yaml: {stage}.precision must be one of {', '.join(PRECISIONS)}, got 'bfloat16'"
    )
