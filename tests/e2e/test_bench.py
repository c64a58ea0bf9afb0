"""The benchmark on tiny data (no timing assertions): bench/run.py measures, report.py renders.

`bench/run.py` runs end to end in about a minute here: a few hundred rows, one epoch, a tiny
dense net. What is checked is that it produces its JSON, and report.py its markdown and
docs/benchmarks.md (here a copy in a temp dir) with the expected content, on the same data
for the script and the pipeline.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from stage_runs import PROJECT, VENV_BIN

sys.path.insert(0, str(PROJECT / "bench"))
import report  # noqa: E402  (bench/report.py)

pytestmark = pytest.mark.e2e

TARGET_NAMES = [
    "end-to-end `dvc repro --force` wall time, the strong models' stages left out",
    "CNN training images/s",
    "dense net training images/s",
    "no-op `dvc repro`",
    "a train_cnn param change reruns only train_cnn and what follows",
    "every stage's peak RSS at Kaggle scale",
    "`dvc exp run -S sample_fraction=1` at Kaggle scale, every model",
    "the same, the strong models' stages left out",
]


def test_bench_runs_end_to_end_on_tiny_data(tmp_path: Path) -> None:
    out, benchmarks = tmp_path / "results", tmp_path / "benchmarks.md"
    options = ["--train-rows", "400", "--test-rows", "60", "--sample-fraction", "0.5"]
    options += ["--mlp-epochs", "1", "--cnn-epochs", "1", "--cnn-aug-epochs", "1"]
    options += ["--mlp-layers", "16", "--matmul-size", "512"]
    env = dict(os.environ, PATH=f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}")
    result = subprocess.run(
        [sys.executable, str(PROJECT / "bench" / "run.py"), *options, "--out", str(out)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert not benchmarks.exists()  # run.py measures only
    rendered = subprocess.run(
        [sys.executable, str(PROJECT / "bench" / "report.py")]
        + ["--results", str(out / "latest.json"), "--benchmarks-md", str(benchmarks)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert rendered.returncode == 0, rendered.stderr[-3000:]

    results = json.loads((out / "latest.json").read_text())
    for key in ("command", "date", "machine", "settings", "data", "script", "pipeline"):
        assert key in results
    assert results["machine"]["nproc"] >= 1 and results["machine"]["ram_gb"] > 0
    data = results["data"]
    assert (data["train_rows"], data["test_rows"], data["answer_key_rows"]) == (400, 60, 60)
    script, pipeline = results["script"], results["pipeline"]
    assert set(script["parts"]) == {"load", "lr", "mlp", "cnn"}
    assert script["rows"] == {"sample": 200, "train": 150, "val": 50, "test": 60}
    for model in ("mlp", "cnn"):
        assert script[model]["images_per_second"] > 0
        assert pipeline["metrics"][model]["images_per_second"] > 0
        assert pipeline["metrics"][model]["epochs"] == script[model]["epochs"] == 1
    assert set(script["test_accuracy"]) == {"lr", "mlp", "cnn"}
    assert pipeline["same_csv_files"] and results["same_validation_rows"]
    stages = set(pipeline["stages"])
    assert {"fetch", "sample", "split", "reshape", "train_lr", "train_mlp", "train_cnn"} <= stages
    for stage in pipeline["stages"].values():
        assert stage["seconds"] > 0 and stage["peak_rss_mb"] > 0
    assert sorted(pipeline["stages_run"]) == sorted(stages)
    assert results["noop"]["stages_run"] == [] and len(results["noop"]["runs"]) == 3
    change = results["cnn_change"]
    assert change["command"] == "dvc exp run -S train_cnn.seed=43"
    assert "train_cnn" in change["stages_run"] and change["only_expected_ran"]
    assert "train_mlp" not in change["expected"]
    assert "full" not in results
    precision = results["precision"]  # each network again in the other precision
    assert {"train_mlp", "train_cnn", "train_cnn_aug"} <= set(precision["stages_run"])
    for network in ("mlp", "cnn", "cnn_aug"):
        assert set(precision[network]) == {"float32", "mixed_bfloat16"}

    assert "targets" not in results  # judged by report.py, from the measurements
    targets = {t["target"]: t for t in report.targets(results)}
    assert list(targets) == TARGET_NAMES
    assert targets["a train_cnn param change reruns only train_cnn and what follows"]["met"]
    assert targets["`dvc exp run -S sample_fraction=1` at Kaggle scale, every model"]["met"] is None
    assert targets["the same, the strong models' stages left out"]["met"] is None

    tables = (out / "latest.md").read_text()
    assert "| target | goal | measured | status |" in tables
    assert "| train_cnn |" in tables and "| **whole run** |" in tables
    assert "| mlp | mixed_bfloat16 |" in tables and "| cnn | mixed_bfloat16 |" in tables
    assert "mixed_bfloat16 against float32, images/s: dense net " in tables
    for name in TARGET_NAMES:
        assert name in tables
    text = benchmarks.read_text()
    assert text.startswith("# Benchmarks")
    assert "Command: `python bench/run.py --train-rows 400" in text and tables in text
    assert (out / "logs" / "repro.log").exists() and (out / "logs" / "script.log").exists()
