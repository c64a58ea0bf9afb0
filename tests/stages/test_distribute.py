"""train_cnn on several devices and workers (tf.distribute), through its real command line.

Logical CPU devices must exist before TensorFlow starts, so every run is a subprocess:
`mirrored` on two logical CPU devices, and `multi_worker` as two local worker processes
talking over 127.0.0.1, each with its own TF_CONFIG.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from dvc_project import write_params
from stage_commands import N_TEST_CSV, training_args
from stage_runs import (
    PROJECT,
    TINY_PARAMS,
    StageRunner,
    describe,
    expect_key_error,
    read_json,
    stage_error,
    subprocess_env,
    tiny_params,
)

from digit_recognizer.console import QUIET_VARIABLE
from digit_recognizer.evaluation.history import read_history
from digit_recognizer.training.distribute import is_chief
from digit_recognizer.training.keras_setup import keras_backend
from digit_recognizer.training.workers import free_ports, tf_configs

pytestmark = pytest.mark.training

WORKERS = "digit_recognizer.training.workers"
HISTORY_KEYS = ["epoch", "loss", "accuracy", "val_loss", "val_accuracy"]


def check_outputs(folder: Path, prepared: Path, epochs: int, name: str = "cnn") -> dict:
    """The outputs `none` writes, valid: model, probabilities, history; return the metrics."""
    y_val = np.load(prepared / "split" / "y_val.npy")
    assert (folder / "models" / f"{name}.keras").is_file()
    with np.load(folder / "predictions" / f"{name}.npz") as saved:
        val, test = saved["val"], saved["test"]
    assert val.shape == (len(y_val), 10) and test.shape == (N_TEST_CSV, 10)
    np.testing.assert_allclose(val.sum(axis=1), 1.0, atol=1e-4)
    history = read_history(folder / "live" / name)
    assert list(history.columns) == HISTORY_KEYS
    assert history["epoch"].tolist() == list(range(1, epochs + 1))
    assert history[HISTORY_KEYS[1:]].notna().all().all()
    metrics = read_json(folder / "metrics" / f"{name}.json")
    assert metrics["val_accuracy"] == pytest.approx(np.mean(val.argmax(axis=1) == y_val), abs=1e-6)
    assert metrics["epochs"] == epochs
    return metrics


def weights(model_file: Path) -> list[np.ndarray]:
    keras = keras_backend(0)
    return keras.models.load_model(model_file).get_weights()


def test_mirrored_on_two_cpu_devices(tmp_path: Path, prepared: Path) -> None:
    """Two logical CPU devices, two replicas in sync: the same outputs as one device, and an
    accuracy in the range of a one-device run with the same global batch (2 x 32)."""
    runs = {}
    for distribute, batch in (("none", 64), ("mirrored", 32)):
        runner = StageRunner(tmp_path / distribute)
        runner.cwd.mkdir()
        runner.params(
            train_cnn__distribute=distribute,
            train_cnn__cpu_replicas=2,
            train_cnn__batch_size=batch,
        )
        result = runner("train_cnn", *training_args(prepared, "cnn", "images"), DIGITS_QUIET=None)
        runs[distribute] = (check_outputs(runner.cwd, prepared, epochs=2), result.stdout)
    mirrored, stdout = runs["mirrored"]
    assert "mirrored: 2 replicas in sync, 64 per step" in stdout
    assert (mirrored["distribute"], mirrored["replicas"], mirrored["workers"]) == ("mirrored", 2, 1)
    single = runs["none"][0]
    assert "replicas" not in single
    assert abs(mirrored["val_accuracy"] - single["val_accuracy"]) < 0.1, (mirrored, single)


@pytest.mark.parametrize("name", ["cnn", "cnn_aug"])
def test_two_local_workers(tmp_path: Path, prepared: Path, name: str) -> None:
    """Two worker processes on 127.0.0.1, each in its own folder: both exit 0, only the chief
    (worker 0) writes the stage's outputs, and both end with identical weights (cnn_aug's
    batch-norm statistics included). cnn_aug trains on epochs of 200 of the 600 rows
    (`max_epoch_rows`): one reshuffled stream across its epochs."""
    epochs = TINY_PARAMS[f"train_{name}"]["epochs"]
    overrides = {f"train_{name}.distribute": "multi_worker"}
    if name == "cnn_aug":
        overrides["train_cnn_aug.max_epoch_rows"] = 200
    folders = [tmp_path / "chief", tmp_path / "worker"]
    saved_models = tmp_path / "worker-models"
    processes = []
    for folder, config in zip(folders, tf_configs(free_ports(2)), strict=True):
        folder.mkdir()
        write_params(folder, tiny_params(overrides))
        env = subprocess_env(
            PYTHONPATH=str(PROJECT),
            TF_CONFIG=json.dumps(config),
            DIGITS_WORKER_MODELS=str(saved_models),
            **{QUIET_VARIABLE: None},
        )
        command = [sys.executable, "-m", f"stages.train_{name}"]
        command += training_args(prepared, name, "images")
        processes.append(
            subprocess.Popen(
                command,
                cwd=folder,
                env=env,
                text=True,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )  # fmt: skip
        )
    results = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=600)
        results.append(
            subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
        )
    for result in results:
        assert result.returncode == 0, describe(result)

    chief, worker = folders
    metrics = check_outputs(chief, prepared, epochs, name)
    assert (metrics["distribute"], metrics["replicas"], metrics["workers"]) == (
        "multi_worker",
        2,
        2,
    )
    assert "multi_worker: 2 replicas in sync, 64 per step" in results[0].stdout
    rows = len(np.load(prepared / "split" / "y_train.npy"))
    epoch_images = 4 * 64 if name == "cnn_aug" else rows  # max_epoch_rows 200: 4 steps of 64
    assert read_json(chief / "timings" / f"{name}.json")["images"] == epochs * epoch_images
    assert f"epoch {epochs}/{epochs}" in results[0].stdout and "epoch" not in results[1].stdout
    assert sorted(p.name for p in worker.iterdir()) == ["params.yaml"]  # nothing else written
    assert sorted(p.name for p in saved_models.iterdir()) == [f"{name}-worker-1.keras"]
    chief_model = chief / "models" / f"{name}.keras"
    worker_model = saved_models / f"{name}-worker-1.keras"
    for ours, theirs in zip(weights(chief_model), weights(worker_model), strict=True):
        np.testing.assert_array_equal(ours, theirs)


def test_multi_worker_needs_tf_config(run_stage: StageRunner, prepared: Path) -> None:
    run_stage.params(train_cnn__distribute="multi_worker")
    result = run_stage("train_cnn", *training_args(prepared, "cnn", "images"), ok=None)
    assert stage_error(result, "train_cnn").startswith("TF_CONFIG is not set"), describe(result)
    assert not (run_stage.cwd / "models").exists()


def test_unknown_strategy_is_a_one_line_error(run_stage: StageRunner, prepared: Path) -> None:
    run_stage.params(train_cnn__distribute="gpus")
    result = run_stage("train_cnn", *training_args(prepared, "cnn", "images"), ok=None)
    message = expect_key_error(result, "train_cnn", "train_cnn.distribute")
    assert "none, mirrored, multi_worker" in message


def test_garbled_tf_config_is_a_one_line_error(run_stage: StageRunner, prepared: Path) -> None:
    run_stage.params(train_cnn__distribute="multi_worker")
    config = json.dumps({"cluster": {"worker": ["127.0.0.1:1"]}, "task": {"type": "worker"}})
    args = training_args(prepared, "cnn", "images")
    result = run_stage("train_cnn", *args, ok=None, TF_CONFIG=config)
    assert stage_error(result, "train_cnn").startswith("TF_CONFIG: expected JSON with cluster")


@pytest.mark.parametrize(
    ("cluster", "task", "chief"),
    [
        ({"worker": ["a:1", "b:1"]}, ("worker", 0), True),
        ({"worker": ["a:1", "b:1"]}, ("worker", 1), False),
        ({"chief": ["c:1"], "worker": ["a:1"]}, ("chief", 0), True),
        ({"chief": ["c:1"], "worker": ["a:1"]}, ("worker", 0), False),
    ],
)
def test_chief_as_tensorflow_defines_it(cluster: dict, task: tuple[str, int], chief: bool):
    config = {"cluster": cluster, "task": {"type": task[0], "index": task[1]}}
    assert is_chief(config) is chief


def test_workers_launcher_gives_each_worker_its_task(tmp_path: Path) -> None:
    """`python -m digit_recognizer.training.workers N -- COMMAND`: in this folder, one cluster, a
    task per worker (each worker writes its TF_CONFIG to a file named after its pid)."""
    keep = "import os; open(f'{os.getpid()}.json', 'w').write(os.environ['TF_CONFIG'])"
    result = subprocess.run(
        [sys.executable, "-m", WORKERS, "3", "--", sys.executable, "-c", keep],
        cwd=tmp_path, env=subprocess_env(), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, describe(result)
    configs = [json.loads(path.read_text()) for path in tmp_path.glob("*.json")]
    assert sorted(config["task"]["index"] for config in configs) == [0, 1, 2]
    assert all(config["task"]["type"] == "worker" for config in configs)
    clusters = {json.dumps(config["cluster"]) for config in configs}
    assert len(clusters) == 1
    addresses = configs[0]["cluster"]["worker"]
    assert len(set(addresses)) == 3 and all(a.startswith("127.0.0.1:") for a in addresses)


def test_workers_launcher_stops_the_others_when_one_fails(tmp_path: Path) -> None:
    """Worker 1 fails at once: worker 0 (which would wait an hour) is stopped, and the
    launcher exits with worker 1's code."""
    code = (
        "import json, os, sys, time\n"
        "index = json.loads(os.environ['TF_CONFIG'])['task']['index']\n"
        "sys.exit(3) if index == 1 else time.sleep(3600)\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", WORKERS, "2", "--", sys.executable, "-c", code],
        cwd=tmp_path, env=subprocess_env(), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 3, describe(result)
