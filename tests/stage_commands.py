"""Command lines of sample, split, reshape and the training stages, as the tests call them."""

from __future__ import annotations

from pathlib import Path

from stage_runs import InProcessRunner, StageRunner

N_TRAIN_CSV, N_TEST_CSV = 800, 120  # rows of the prepared train.csv / test.csv
PREPARED_PARAMS = {"sample_fraction": 1.0}  # all 800 rows: 600 train, 200 validation


def sample(runner: StageRunner | InProcessRunner, train: Path, out: str = "sample", **kw):
    return runner("sample", "--train", train, "--out", out, "--metrics", "m/sample.json", **kw)


def split(runner: StageRunner | InProcessRunner, sample_dir: Path, out: str = "split", **kw):
    return runner("split", "--sample", sample_dir, "--out", out, "--metrics", "m/split.json", **kw)


def reshape(runner: StageRunner | InProcessRunner, **kw):
    return runner(
        "reshape",
        "--split", "split", "--test", "raw/test.csv",
        "--flat", "features/flat", "--images", "features/images",
        **kw,
    )  # fmt: skip


def training_args(prepared: Path, name: str, kind: str, live: bool = True) -> list[str]:
    """A training stage's arguments: inputs from `prepared`, outputs relative to the cwd."""
    args = [
        "--features", str(prepared / "features" / kind),
        "--split", str(prepared / "split"),
        "--model", f"models/{name}.{'joblib' if name == 'lr' else 'keras'}",
        "--predictions", f"predictions/{name}.npz",
        "--metrics", f"metrics/{name}.json",
        "--timings", f"timings/{name}.json",
    ]  # fmt: skip
    if live:
        args += ["--live", f"live/{name}"]
    return args
