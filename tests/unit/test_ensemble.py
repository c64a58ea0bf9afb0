"""The ensemble stage weighs saved probabilities, in-process and without Keras: with `mean`
identical files give that file back and others their mean; `greedy` picks weights on the
validation split and never scores below its best candidate there; members and weights are
recorded beside the models; a missing or mismatched file, or a bad `ensemble.models`, is a
one-line error naming it, and nothing is written. (tests/unit/test_registry.py checks
dvc.yaml's deps against params.)"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from dvc_project import write_params
from stage_runs import InProcessRunner, stage_error, tiny_params

from digit_recognizer.data.predictions import load_predictions, save_predictions, weighted_mean
from digit_recognizer.evaluation.scores import accuracy_and_loss
from digit_recognizer.models.ensemble import greedy_picks

VAL_ROWS, TEST_ROWS, TRAIN_ROWS = 20, 12, 60
MEAN = {"ensemble.selection": "mean"}
ARGS = [
    "--predictions", "predictions", "--split", "split",
    "--out", "predictions/ensemble.npz", "--model", "models/ensemble.json",
    "--metrics", "metrics/ensemble.json",
]  # fmt: skip


def probabilities(rows: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).dirichlet(np.ones(10), size=rows).astype(np.float32)


def prepare(
    folder: Path, models: dict[str, tuple[int, int]], selection: dict | None = None
) -> dict[str, dict[str, np.ndarray]]:
    """split/y_{train,val}.npy and predictions/NAME.npz with (val, test) rows per model;
    params.yaml's ensemble.models lists them."""
    rng = np.random.default_rng(0)
    (folder / "split").mkdir()
    np.save(folder / "split" / "y_train.npy", rng.integers(0, 10, TRAIN_ROWS).astype(np.uint8))
    np.save(folder / "split" / "y_val.npy", rng.integers(0, 10, VAL_ROWS).astype(np.uint8))
    saved = {}
    for seed, (name, (val_rows, test_rows)) in enumerate(models.items()):
        saved[name] = {"val": probabilities(val_rows, seed), "test": probabilities(test_rows, 99)}
        save_predictions(folder / "predictions" / f"{name}.npz", **_args(saved[name]))
    write_params(folder, tiny_params({"ensemble.models": list(models), **(selection or {})}))
    return saved


def _args(proba: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {"val_proba": proba["val"], "test_proba": proba["test"]}


def test_two_identical_files_give_that_file(call_stage: InProcessRunner) -> None:
    folder = call_stage.cwd
    saved = prepare(folder, {"a": (VAL_ROWS, TEST_ROWS)})
    (folder / "predictions" / "b.npz").write_bytes((folder / "predictions" / "a.npz").read_bytes())
    write_params(folder, tiny_params({"ensemble.models": ["a", "b"], **MEAN}))
    result = call_stage("ensemble", *ARGS)
    assert result.returncode == 0, result.stderr
    averaged = load_predictions(folder / "predictions" / "ensemble.npz")
    for part in ("val", "test"):
        np.testing.assert_array_equal(averaged[part], saved["a"][part])
    assert (folder / "predictions" / "ensemble.npz").read_bytes() == (
        folder / "predictions" / "a.npz"
    ).read_bytes()


def test_the_ensemble_is_the_mean_with_a_trained_model_metrics(call_stage: InProcessRunner):
    folder = call_stage.cwd
    saved = prepare(folder, {"a": (VAL_ROWS, TEST_ROWS), "b": (VAL_ROWS, TEST_ROWS)}, MEAN)
    assert call_stage("ensemble", *ARGS).returncode == 0
    averaged = load_predictions(folder / "predictions" / "ensemble.npz")
    for part in ("val", "test"):
        mean = (saved["a"][part].astype(np.float64) + saved["b"][part]) / 2
        np.testing.assert_allclose(averaged[part], mean, rtol=1e-6)
    recorded = json.loads((folder / "models" / "ensemble.json").read_text())
    assert recorded == {"members": ["a", "b"], "weights": [1, 1]}
    metrics = json.loads((folder / "metrics" / "ensemble.json").read_text())
    assert list(metrics) == ["val_accuracy", "val_loss"]  # row counts: metrics/split.json
    y_val = np.load(folder / "split" / "y_val.npy")
    accuracy = float(np.mean(averaged["val"].argmax(axis=1) == y_val))
    assert metrics["val_accuracy"] == pytest.approx(accuracy, abs=1e-6)


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (None, "predictions/b.npz: not found"),
        ((VAL_ROWS - 1, TEST_ROWS), f"predictions/b.npz: {VAL_ROWS - 1} val rows, expected"),
        ((VAL_ROWS, TEST_ROWS + 1), f"predictions/b.npz: {TEST_ROWS + 1} test rows, expected"),
    ],
    ids=["missing", "val-rows", "test-rows"],
)
def test_a_missing_or_mismatched_file_is_a_one_line_error_naming_it(
    call_stage: InProcessRunner, rows: tuple[int, int] | None, expected: str
) -> None:
    folder = call_stage.cwd
    models = {"a": (VAL_ROWS, TEST_ROWS), "b": rows or (VAL_ROWS, TEST_ROWS), "c": (5, 5)}
    prepare(folder, models)
    if rows is None:
        (folder / "predictions" / "b.npz").unlink()
    message = stage_error(call_stage("ensemble", *ARGS), "ensemble")
    assert message.startswith(expected), message
    assert not (folder / "predictions" / "ensemble.npz").exists()
    assert not (folder / "metrics" / "ensemble.json").exists()
    assert not (folder / "models" / "ensemble.json").exists()


@pytest.mark.parametrize("models", [[], ["ensemble", "cnn"], "cnn", ["cnn", 3], ["../cnn"]])
def test_ensemble_models_is_checked(call_stage: InProcessRunner, models: object) -> None:
    prepare(call_stage.cwd, {"a": (VAL_ROWS, TEST_ROWS)})
    write_params(call_stage.cwd, tiny_params({"ensemble.models": models}))
    message = stage_error(call_stage("ensemble", *ARGS), "ensemble")
    expected = r"params\.yaml: ensemble\.models(\[\d\])? must be a (list of )?model name"
    assert re.match(expected, message), message  # the list, or its first bad item


def noisy_guesses(labels: np.ndarray, right: float, seed: int) -> np.ndarray:
    """Probabilities that put most weight on the true label for about `right` of the rows."""
    rng = np.random.default_rng(seed)
    proba = rng.dirichlet(np.ones(10), size=len(labels))
    hit = rng.random(len(labels)) < right
    proba[hit, labels[hit]] += 2.0
    return (proba / proba.sum(axis=1, keepdims=True)).astype(np.float32)


@pytest.mark.parametrize("seed", range(8))
def test_greedy_selection_never_scores_below_its_best_candidate(seed: int) -> None:
    labels = np.random.default_rng(seed).integers(0, 10, 200)
    candidates = [noisy_guesses(labels, right, seed * 10 + i)
                  for i, right in enumerate((0.5, 0.7, 0.65, 0.1))]  # fmt: skip
    picks = greedy_picks(candidates, labels, rounds=15)
    assert 1 <= sum(picks) <= 15 and all(p >= 0 for p in picks)
    chosen = [(c, p) for c, p in zip(candidates, picks, strict=True) if p]
    ensemble = weighted_mean([c for c, _ in chosen], [p for _, p in chosen])
    best = max(accuracy_and_loss(labels, c)[0] for c in candidates)
    assert accuracy_and_loss(labels, ensemble)[0] >= best
    first = max(range(4), key=lambda i: (accuracy_and_loss(labels, candidates[i])[0], -i))
    assert picks[first] >= 1  # the first pick: the best candidate alone


def test_greedy_stage_records_members_and_weights(call_stage: InProcessRunner) -> None:
    """Only the picked candidates are members, with their counts as weights; the predictions
    are their weighted mean, validation and test alike."""
    folder = call_stage.cwd
    prepare(folder, {"a": (VAL_ROWS, TEST_ROWS), "b": (VAL_ROWS, TEST_ROWS)})
    y_val = np.load(folder / "split" / "y_val.npy")
    good = noisy_guesses(y_val, 0.9, 5)
    useless = np.full((VAL_ROWS, 10), 0.1, dtype=np.float32)
    useless[:, 0] = 0.1 + 1e-3  # always 0, and unsure
    useless /= useless.sum(axis=1, keepdims=True)
    tests = {"a": probabilities(TEST_ROWS, 7), "b": probabilities(TEST_ROWS, 8)}
    save_predictions(folder / "predictions" / "a.npz", good, tests["a"])
    save_predictions(folder / "predictions" / "b.npz", useless, tests["b"])
    greedy = {"ensemble.selection": "greedy", "ensemble.rounds": 5}
    write_params(folder, tiny_params({"ensemble.models": ["a", "b"], **greedy}))
    assert call_stage("ensemble", *ARGS).returncode == 0
    recorded = json.loads((folder / "models" / "ensemble.json").read_text())
    assert recorded == {"members": ["a"], "weights": [1]}  # a again would change nothing
    written = load_predictions(folder / "predictions" / "ensemble.npz")
    np.testing.assert_array_equal(written["val"], weighted_mean([good], [1]))
    np.testing.assert_array_equal(written["test"], weighted_mean([tests["a"]], [1]))
