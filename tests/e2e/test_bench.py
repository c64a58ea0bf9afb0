"""The benchmark on tiny data (no timing assertions): bench/run.py measures, report.py renders.

`bench/run.py` runs end to end in about a minute here: a few hundred rows, one epoch, a tiny
dense net. What is checked is that it produces its JSON, and report.py its markdown and
BENCHMARKS.md with the expected content, on the same data for the script and the pipeline.
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
    out, benchmarks = tmp_path / "results", tmp_path / "BENCHMARKS.md"
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

    assert "targets" not in results  # judged by report.py, from the measurements
    targets = {t["target"]: t for t in report.targets(results)}
    assert list(targets) == TARGET_NAMES
    assert targets["a train_cnn param change reruns only train_cnn and what follows"]["met"]
    assert targets["`dvc exp run -S sample_fraction=1` at Kaggle scale, every model"]["met"] is None
    assert targets["the same, the strong models' stages left out"]["met"] is None

    tables = (out / "latest.md").read_text()
    assert "| target | goal | measured | status |" in tables
    assert "| train_cnn |" in tables and "| **whole run** |" in tables
    for name in TARGET_NAMES:
        assert name in tables
    text = benchmarks.read_text()
    assert text.startswith("# Benchmarks")
    assert "Command: `python bench/run.py --train-rows 400" in text and tables in text
    assert (out / "logs" / "repro.log").exists() and (out / "logs" / "script.log").exists()


def test_cnn_kernels_sums_onednn_timings_of_the_training_steps() -> None:
    """bench/cnn_kernels.py on a few batches: a table of real oneDNN kernels and a step time."""
    result = subprocess.run(
        [sys.executable, str(PROJECT / "bench" / "cnn_kernels.py"), "--rows", "96"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert lines[0] == "precision float32, batch 32, 9 training steps"
    assert any(line.startswith("| convolution backward_weights mb32_ic32oc64") for line in lines)
    total = next(line for line in lines if line.startswith("| **all oneDNN kernels**"))
    assert float(total.split("**")[3]) > 0
    assert "% of it in oneDNN kernels" in lines[-1]


def test_batch_norm_times_keras_and_fused_layers_on_one_cpu() -> None:
    """bench/batch_norm.py on two batches: images/s with each layer, their ratio, the CPU."""
    result = subprocess.run(
        [sys.executable, str(PROJECT / "bench" / "batch_norm.py"), "--rows", "64", "--rounds", "1"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    machine, keras, fused, ratio = result.stdout.splitlines()
    assert machine.endswith("CPUs; 64 rows, median of 1")
    for line, layer in ((keras, "keras"), (fused, "fused")):
        assert line.startswith(f"{layer} batch norm: ") and line.endswith(" images/s")
        assert float(line.split()[3]) > 0
    assert ratio.startswith("fused / keras: ") and ratio.endswith("x")


def test_dense_memory_sets_step_times_against_memory_traffic() -> None:
    """bench/dense_memory.py on a few batches: the bandwidth, the bytes a step moves (10 passes
    over the dense net's float32 weights) and a row per batch size."""
    result = subprocess.run(
        [sys.executable, str(PROJECT / "bench" / "dense_memory.py")]
        + ["--rows", "128", "--batches", "32,64", "--peak-gflops", "100"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert lines[0].startswith("CPU: ") and float(lines[1].split()[1]) > 0
    assert lines[2] == "dense net: 12,587,950 float32 weights; a step moves 504 MB"
    rows = [
        line.split(" | ") for line in lines if line.startswith("| 32 ") or line.startswith("| 64 ")
    ]
    assert len(rows) == 2 and all(float(row[2]) > 0 for row in rows)
    # FLOPs at 100 GFLOP/s: 3 passes x 2 x 12,580,440 kernel weights x batch
    assert [row[4] for row in rows] == ["24.2 |", "48.3 |"]
