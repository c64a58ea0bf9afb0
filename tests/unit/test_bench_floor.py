"""bench/report.py's floor: a network's work in its stage at this CPU's matmul peak."""

from __future__ import annotations

import sys

import pytest
from stage_runs import PROJECT

sys.path.insert(0, str(PROJECT / "bench"))
import report  # noqa: E402  (bench/report.py)

PEAK = {
    "matmul_gflops": {"float32": 100.0, "mixed_bfloat16": 400.0},
    "training_passes": 3,
    "forward_flops_per_image": {"mlp": 2e6, "cnn": 1e7, "cnn_aug": 2e7},
}


def model(images: int, epochs: int, precision: str = "float32") -> dict:
    return {
        "images": images,
        "val_images": 100 * epochs,  # the 100 validation rows after each epoch
        "epochs": epochs,
        "val_rows": 100,
        "test_rows": 300,
        "precision": precision,
    }


def test_floor_counts_training_validation_and_predictions() -> None:
    """3 passes per trained image; one forward pass of the validation rows per epoch and once
    more with the test rows for the saved predictions; at the peak of the model's precision."""
    flops = 1e7 * (3 * 10_000 + 100 * (5 + 1) + 300)
    assert report.floor_seconds(model(10_000, 5), 1e7, PEAK) == pytest.approx(flops / 100e9)
    bf16 = report.floor_seconds(model(10_000, 5, "mixed_bfloat16"), 1e7, PEAK)
    assert bf16 == pytest.approx(flops / 400e9)


def test_floor_counts_only_the_validation_rows_checked_after_each_epoch() -> None:
    """The strong CNN's `max_epoch_val_rows`: 40 of the 100 rows after each epoch, all 100
    for the saved predictions."""
    capped = model(10_000, 5) | {"val_images": 40 * 5}
    flops = 1e7 * (3 * 10_000 + 40 * 5 + 100 + 300)
    assert report.floor_seconds(capped, 1e7, PEAK) == pytest.approx(flops / 100e9)


def test_floor_table_replaces_each_network_stage_by_its_floor() -> None:
    stages = {
        "fetch": 10.0,
        "train_lr": 20.0,
        "train_mlp": 30.0,
        "train_cnn": 50.0,
        "train_cnn_aug": 40.0,
        "train_cnn_aug_seed@2": 40.0,
        "ensemble": 1.0,
    }
    full = {
        "command": "dvc exp run -S sample_fraction=1",
        "seconds": sum(stages.values()) + 9.0,  # DVC itself
        "stages": {name: {"seconds": seconds} for name, seconds in stages.items()},
        "metrics": {
            "lr": model(1000, 0),
            "mlp": model(100_000, 2),
            "cnn": model(100_000, 2),
            "cnn_aug": model(50_000, 2),
            "cnn_aug_s2": model(50_000, 2),
        },
    }
    floors = {
        name: report.floor_seconds(full["metrics"][name], flops, PEAK)
        for name, flops in (("mlp", 2e6), ("cnn", 1e7), ("cnn_aug", 2e7), ("cnn_aug_s2", 2e7))
    }
    text = report.floor_table({"full": full, "peak": PEAK})
    rows = [line for line in text.splitlines() if line.startswith("| ")][1:]  # no header
    assert [row.split(" | ")[0] for row in rows] == ["| mlp", "| cnn", "| cnn_aug", "| cnn_aug_s2"]
    assert f"| {floors['cnn']:.0f} | 50 |" in text  # lr has no matrix products: no row

    every = 10 + 20 + 1 + 9 + sum(floors.values())
    notebook = 10 + 20 + 9 + floors["mlp"] + floors["cnn"]
    goal = report.FULL_LIMIT_SECONDS // 60
    assert f"the run would take {every / 60:.1f} min (goal {goal})" in text
    assert f"notebook models' part {notebook / 60:.1f} min (goal 8)" in text
