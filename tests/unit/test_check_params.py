"""check_params: all of params.yaml checked in one stage that DVC runs before any other.

The bad-params matrix: each case is one line naming the key, a non-zero exit, and the earlier
output unchanged. (tests/e2e/test_failure_recovery.py runs it under the real `dvc repro`.)
"""

from __future__ import annotations

import ast
import dataclasses
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from dvc_project import DELETE, write_params
from stage_runs import (
    PROJECT,
    REAL_PARAMS,
    InProcessRunner,
    dvc_yaml_args,
    expect_key_error,
    snapshot,
    stage_error,
    tiny_params,
)
from test_code_deps import code_deps

from digit_recognizer.params.schema import MATRIX_KEYS, SECTIONS
from stages.check_params import CHECKED

ARGS = dvc_yaml_args("check_params")
STAMP = Path("data/params_checked.txt")

# (params.yaml overrides, the key the one line must name)
BAD: list[tuple[dict[str, Any], str]] = [
    ({"foo_bar": 1}, "unknown key foo_bar (allowed: cnn_aug_seeds, ensemble, evaluate, fetch"),
    ({"train_cnn.filter": [4]}, "unknown key train_cnn.filter (allowed: "),
    ({"evaluate": DELETE}, "missing section 'evaluate:'"),
    ({"sample_fraction": DELETE}, "missing top-level key sample_fraction"),
    ({"submit.model": DELETE}, "missing key submit.model"),
    ({"cnn_aug_seeds": [2, 2]}, "cnn_aug_seeds must be a list of distinct integers"),
    ({"cnn_aug_seeds": [2, -1]}, "cnn_aug_seeds[1] must be an integer 0..4294967295, got -1"),
    ({"cnn_aug_seeds": "2"}, "cnn_aug_seeds must be a list of distinct integers"),
    ({"cnn_aug_seeds": DELETE}, "missing top-level key cnn_aug_seeds"),
    ({"train_cnn_aug.lr_decay": 0}, "train_cnn_aug.lr_decay must be a number in (0.0, 1.0]"),
    ({"train_cnn_aug.batch_norm_momentum": 1.0}, "train_cnn_aug.batch_norm_momentum"),
    ({"train_mlp.layers": []}, "train_mlp.layers must be a list of at least 1 integers"),
    ({"train_mlp.learning_rate": math.inf}, "train_mlp.learning_rate must be a finite number"),
    ({"train_cnn.conv_activation": "x"}, "train_cnn.conv_activation must be null or one of relu"),
    ({"train_cnn.seed": 2**32}, "train_cnn.seed must be an integer 0..4294967295"),
    ({"train_lr.max_iter": 1.5}, "train_lr.max_iter must be an integer >= 1, got 1.5"),
    ({"train_lr.C": math.nan}, "train_lr.C must be a finite number > 0, got nan"),
    ({"fetch.source": "s3"}, "fetch.source must be one of bundled"),
    ({"split.validation_fraction": 1.0}, "split.validation_fraction must be a number in (0.0"),
    ({"ensemble.models": ["ensemble"]}, "ensemble.models must be a list of model names"),
    ({"ensemble.selection": "best"}, "ensemble.selection must be one of greedy, mean, got 'best'"),
    ({"ensemble.rounds": 0}, "ensemble.rounds must be an integer >= 1, got 0"),
    ({"evaluate.mistakes": -1}, "evaluate.mistakes"),
    ({"submit.model": "svm"}, "submit.model must be one of best"),
]


@pytest.fixture
def checked(call_stage: InProcessRunner) -> InProcessRunner:
    """A folder where check_params passed once: the earlier output is there."""
    result = call_stage("check_params", *ARGS)
    assert result.returncode == 0, result.stderr
    return call_stage


def case_id(overrides: dict[str, Any]) -> str:
    return ",".join(f"{k}={'deleted' if v is DELETE else v}" for k, v in overrides.items())


@pytest.mark.parametrize(("overrides", "expected"), BAD, ids=[case_id(c[0]) for c in BAD])
def test_a_bad_param_is_one_line_and_changes_nothing(
    checked: InProcessRunner, overrides: dict[str, Any], expected: str
) -> None:
    write_params(checked.cwd, tiny_params(overrides))
    before = snapshot([checked.cwd / STAMP])
    message = expect_key_error(checked("check_params", *ARGS), "check_params", "")
    assert expected in message, message
    assert snapshot([checked.cwd / STAMP]) == before
    assert [p.name for p in (checked.cwd / STAMP).parent.iterdir()] == [STAMP.name]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("- a list\n", "expected a mapping of params"), ("fetch: [\n", "not valid YAML")],
    ids=["not-a-mapping", "not-yaml"],
)
def test_a_broken_params_file_is_one_line(checked: InProcessRunner, text: str, expected) -> None:
    (checked.cwd / "params.yaml").write_text(text)
    message = stage_error(checked("check_params", *ARGS), "check_params")
    assert message.startswith("params.yaml: ") and expected in message, message
    assert (checked.cwd / STAMP).read_text() == CHECKED


def test_the_output_does_not_depend_on_the_values(checked: InProcessRunner) -> None:
    """So a good change reruns no stage after it: the same bytes whatever the params."""
    write_params(checked.cwd, tiny_params({"train_cnn.epochs": 7, "sample_fraction": 0.5}))
    assert checked("check_params", *ARGS).returncode == 0
    assert (checked.cwd / STAMP).read_text() == CHECKED


def test_every_key_of_params_yaml_is_checked() -> None:
    """params.yaml's top level: the sections, the keys a section's stage reads at the top
    (sample_fraction) and the lists of dvc.yaml's matrix stages; nothing else."""
    top_level = {"sample_fraction"}
    assert set(REAL_PARAMS) == set(SECTIONS) | set(MATRIX_KEYS) | top_level
    for section, section_type in SECTIONS.items():
        fields = {f.name for f in dataclasses.fields(section_type)} - top_level
        assert set(REAL_PARAMS[section]) == fields, section


def test_the_check_does_not_import_tensorflow() -> None:
    """It imports every stage's params type, the networks' too, but no module it imports
    imports Keras or TensorFlow when loaded (training.keras_setup imports Keras in a function)."""
    for dep in code_deps(PROJECT / "stages" / "check_params.py"):
        for node in ast.parse((PROJECT / dep).read_text()).body:
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                assert not any(n.split(".")[0] in {"keras", "tensorflow"} for n in names), dep


@pytest.mark.parametrize(
    "module", ["stages.check_params", "stages.fetch", "stages.sample", "stages.split"]
)
def test_data_stages_import_no_heavy_library(module: str) -> None:
    """check_params imports every stage for its params class and the data stages run on every
    new dataset: neither loads scikit-learn, matplotlib, SciPy or TensorFlow (seconds each)
    until a function that needs one runs."""
    heavy = ("sklearn", "matplotlib", "scipy", "tensorflow", "keras")
    code = f"import sys, {module}; print(sorted({{m.split('.')[0] for m in sys.modules}}))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True, check=True
    ).stdout
    assert not [name for name in heavy if f"'{name}'" in loaded], loaded
