"""Test-time augmentation and refits, measured on the answer key, each network trained once.

In a project whose data stages have run with the params to measure (`dvc repro reshape` after
setting `fetch.source` and `sample_fraction`), trains each network as its stage trains it
(its params.yaml section, the stage's functions, one process each, as `dvc repro` starts it):
on the split, then a fresh network on every sampled row for as many epochs (`refit_full`).
Both predict the test digits plain and with `--tta` views of the section's `tta_seed`; the
split network predicts the validation digits both ways too. So one run gives the four
combinations of `tta` and `refit_full` that would otherwise take four `dvc exp run`s; the
plain split run is what the stage writes with the default params, which the probe checks
against `data/predictions/NAME.npz` when the project has it.

Each network's probabilities go to OUT/NAME.npz (a network already there is not trained again,
so an interrupted run resumes). Then it prints, and writes to OUT/table.md with the CPU, the
validation accuracy and the answer-key errors of each network and of the ensemble of
`ensemble.models` (equal weights, and greedy selection on the validation split) per combination.

    python bench/probes/techniques.py --project DIR --out DIR [--networks cnn mlp cnn_aug ...]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/: machine
from machine import cpu_model  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from digit_recognizer.data.predictions import weighted_mean  # noqa: E402
from digit_recognizer.data.submission import read_answer_labels  # noqa: E402
from digit_recognizer.files import load_array  # noqa: E402
from digit_recognizer.models.ensemble import EnsembleParams, weights_of  # noqa: E402
from digit_recognizer.params.reading import read_params  # noqa: E402

NETWORKS = ("cnn", "mlp", "cnn_aug", "cnn_aug_s2", "cnn_aug_s3")
COMBINATIONS = (("split", "plain"), ("split", "tta"), ("refit", "plain"), ("refit", "tta"))


def base_and_seed(name: str) -> tuple[str, int | None]:
    """cnn_aug_s2 -> (cnn_aug, 2): the network with another seed (for cnn_aug, as dvc.yaml's
    matrix stage trains it); cnn -> (cnn, None), its params' seed."""
    found = re.fullmatch(r"(cnn_aug|cnn|mlp)_s(\d+)", name)
    return (found.group(1), int(found.group(2))) if found else (name, None)


def train_one(project: Path, name: str, tta: int, out: Path) -> None:
    """Train `name` as its stage does, split then refit, and save its probabilities to `out`."""
    from importlib import import_module

    from digit_recognizer.predict.tta import NO_VIEWS, Views, averaged_proba
    from digit_recognizer.training.fit import fit, refit_on_all_rows
    from digit_recognizer.training.inputs import load_split_data
    from digit_recognizer.training.keras_setup import keras_backend
    from digit_recognizer.training.outputs import predictor

    base, seed = base_and_seed(name)
    module = import_module(f"digit_recognizer.models.{base}")
    os.chdir(project)  # params.yaml
    params = read_params(module.MODEL.params, module.MODEL.stage)
    params = params if seed is None else replace(params, seed=seed)
    features = project / "data/features" / ("flat" if base == "mlp" else "images")
    data = load_split_data(
        features, project / "data/split", getattr(params, "max_epoch_val_rows", None)
    )
    schedule = (getattr(params, "lr_decay", 1.0), getattr(params, "max_epoch_rows", None))
    views = {"plain": NO_VIEWS}
    if hasattr(params, "tta_seed"):  # the CNNs
        views["tta"] = Views(tta, params.tta_seed)

    keras = keras_backend(params.seed, params.precision, base)
    start = time.perf_counter()
    model = module.build_model(keras, params)
    history = fit(model, data, params, *schedule)
    arrays = {"epochs": np.array(len(history))}
    for label, chosen in views.items():
        for part in ("val", "test"):
            arrays[f"split_{label}_{part}"] = averaged_proba(predictor(model), data.x(part), chosen)
    refit, _ = refit_on_all_rows(keras, module.build_model, data, params, len(history), *schedule)
    for label, chosen in views.items():
        arrays[f"refit_{label}_test"] = averaged_proba(predictor(refit), data.x("test"), chosen)
    arrays["minutes"] = np.array(round((time.perf_counter() - start) / 60, 1))
    partial = out.with_suffix(".partial.npz")
    np.savez(partial, **arrays)
    partial.replace(out)


def stage_check(project: Path, name: str, arrays: Any) -> str:
    """Whether the plain split run equals the stage's own predictions file, if there is one."""
    path = project / "data/predictions" / f"{name}.npz"
    if not path.exists():
        return "no stage file"
    with np.load(path) as stage:
        same = all(
            np.array_equal(stage[part], arrays[f"split_plain_{part}"]) for part in ("val", "test")
        )
    return "equal to the stage's" if same else "DIFFERS from the stage's"


def table(project: Path, out: Path, names: list[str], tta: int) -> str:
    """The markdown table: val accuracy and answer-key errors per network and combination."""
    y_val = load_array(project / "data/split/y_val.npy", mmap=False)
    results = {name: dict(np.load(out / f"{name}.npz")) for name in names}
    test_rows = len(next(iter(results.values()))["split_plain_test"])
    answers = read_answer_labels(project / "data/raw/answers.csv", test_rows)

    def scored(val: np.ndarray, test: np.ndarray) -> str:
        errors = int(np.sum(test.argmax(axis=1) != answers))
        return f"{errors} ({np.mean(val.argmax(axis=1) == y_val):.4f})"

    heads = [
        f"{fit} {'tta ' + str(tta) if views == 'tta' else 'tta 0'}" for fit, views in COMBINATIONS
    ]
    lines = [f"| model | {' | '.join(heads)} | split-run epochs, minutes (both fits) |"]
    lines.append("|---" * (len(heads) + 2) + "|")
    for name, arrays in results.items():
        cells = []
        for fit, views in COMBINATIONS:
            test = arrays.get(f"{fit}_{views}_test")
            val = arrays.get(f"split_{views}_val")
            cells.append("n/a" if test is None else scored(val, test))
        check = stage_check(project, name, arrays)
        lines.append(
            f"| {name} | {' | '.join(cells)} | {int(arrays['epochs'])}, "
            f"{float(arrays['minutes'])} ({check}) |"
        )
    ensemble = read_params(EnsembleParams, "ensemble")  # params.yaml of the project (cwd)
    members = [name for name in ensemble.models if name in results]
    for selection in ("mean", "greedy"):
        cells = []
        for fit, views in COMBINATIONS:
            if any(f"{fit}_{views}_test" not in results[m] for m in members):
                cells.append("n/a")
                continue
            vals = [results[m][f"split_{views}_val"] for m in members]
            tests = [results[m][f"{fit}_{views}_test"] for m in members]
            weights = weights_of(replace(ensemble, selection=selection), vals, y_val)
            kept = ", ".join(f"{m} x{w}" for m, w in zip(members, weights, strict=True) if w)
            cell = scored(weighted_mean(vals, weights), weighted_mean(tests, weights))
            cells.append(cell if selection == "mean" else f"{cell}: {kept}")
        lines.append(f"| ensemble ({selection}) of {', '.join(members)} | {' | '.join(cells)} | |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--project", type=Path, required=True, help="a project after its data stages"
    )
    parser.add_argument("--out", type=Path, required=True, help="folder for NAME.npz and table.md")
    parser.add_argument(
        "--networks", nargs="+", default=list(NETWORKS), help="NAME or NAME_sSEED (another seed)"
    )
    parser.add_argument("--tta", type=int, default=8, help="views besides the plain digit")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # the child process: train this one
    args = parser.parse_args()
    project, out = args.project.resolve(), args.out.resolve()
    if args.one:
        train_one(project, args.one, args.tta, out / f"{args.one}.npz")
        return
    out.mkdir(parents=True, exist_ok=True)
    for name in args.networks:
        if not (out / f"{name}.npz").exists():
            print(f"training {name} (split, then refit) in {project}", flush=True)
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--project",
                    str(project),
                    "--out",
                    str(out),
                    "--tta",
                    str(args.tta),
                    "--one",
                    name,
                ],
                check=True,
            )
    os.chdir(project)  # params.yaml
    report = table(project, out, args.networks, args.tta)
    header = f"CPU: {cpu_model()}; project {project}\n\nanswer-key errors (validation accuracy)\n\n"
    (out / "table.md").write_text(header + report + "\n")
    print(header + report)


if __name__ == "__main__":
    main()
