"""Benchmark the DVC pipeline against the notebook as one plain script, on the same data.

One run, in a temporary copy of the project (code, dvc.yaml, params.yaml, DVC and git config)
made a git repo:
  1. data: the copy's own fetch stage writes train.csv/test.csv (+ answers.csv) of the chosen
     source (default `kaggle_scale`: Kaggle-sized, made from the bundled real digits);
  2. script: bench/notebook_script.py (default TensorFlow settings) on those CSVs;
  3. pipeline: `dvc repro --force` from scratch, which fetches the same files again (checked
     byte for byte); every stage command runs under bench/measure.py for its wall seconds and
     peak RSS; then committed;
  4. peak: bench/peak.py, the limit the networks are measured against: a matrix product's
     peak GFLOP/s per precision on this CPU, and each network's FLOPs per image;
  5. precision: `dvc exp run -S train_mlp.precision=mixed_bfloat16 -S
     train_cnn.precision=mixed_bfloat16 -S train_cnn_aug.precision=mixed_bfloat16` (or
     float32, whichever step 3 did not use): each network in both precisions on the same data
     and seeds (the strong CNN's extra seeds too, as they read its section); then the
     workspace back to step 3's run (`git checkout .`, `dvc checkout`);
  6. a no-op `dvc repro` (three times), then `dvc exp run -S train_cnn.seed=N+1`, checking
     which stages ran; then the workspace back to step 3's run again;
  7. with --full, `dvc exp run -S sample_fraction=1`: every model at that scale, with each
     one's validation and answer-key accuracy (report.py also sets each network's stage
     against its floor: its FLOPs at step 4's peak).
Writes the measurements to OUT/latest.json and the commands' output to OUT/logs/*.log;
bench/report.py renders them into docs/benchmarks.md (`make bench` runs both).

    python bench/run.py                      # the real comparison
    python bench/run.py --full               # plus the Kaggle-scale experiment
    python bench/run.py --train-rows 600 --test-rows 100 --mlp-epochs 1 --cnn-epochs 1 \
        --cnn-aug-epochs 1 --mlp-layers 32,16 --out /tmp/bench      # a quick check
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from measure import LOG_VARIABLE, run_measured

# the project copies and dvc.yaml graph helpers the tests use too (tests/dvc_project.py)
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from dvc_project import (  # noqa: E402
    commit_all,
    copy_project,
    downstream,
    init_repo,
    resolved_dvc_yaml,
    stages_reading_param,
    stages_run,
    with_overrides,
    write_params,
)

from digit_recognizer.data.predictions import load_predictions  # noqa: E402
from digit_recognizer.data.submission import read_answer_labels  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
PYTHON = sys.executable
DVC = str(Path(PYTHON).parent / "dvc")
NOOP_RUNS = 3
PRECISION_NETWORKS = ("mlp", "cnn", "cnn_aug")  # each trained again in the other precision
CPU_FLAGS = {"avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile", "amx_bf16"}


class BenchError(Exception):
    """A benchmark step failed; the message says which and where its log is."""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", choices=("kaggle_scale", "bundled"), default="kaggle_scale")
    parser.add_argument("--train-rows", type=int, help="kaggle_scale train.csv rows")
    parser.add_argument("--test-rows", type=int, help="kaggle_scale test.csv rows")
    parser.add_argument("--sample-fraction", type=float)
    parser.add_argument("--mlp-epochs", type=int)
    parser.add_argument("--cnn-epochs", type=int)
    parser.add_argument("--cnn-aug-epochs", type=int, help="the strong CNN's (train_cnn_aug)")
    parser.add_argument(
        "--mlp-layers",
        type=lambda text: [int(units) for units in text.split(",")],
        help="dense net hidden layer sizes, comma-separated (both sides)",
    )
    parser.add_argument(
        "--full", action="store_true", help="also time `dvc exp run -S sample_fraction=1`"
    )
    parser.add_argument("--matmul-size", type=int, default=2048, help="bench/peak.py's --size")
    parser.add_argument("--out", type=Path, default=BENCH / "results", help="results folder")
    return parser.parse_args()


def overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The params.yaml keys (dotted) the options set; unset options keep params.yaml's values."""
    chosen = {
        "fetch.scale_train_rows": args.train_rows,
        "fetch.scale_test_rows": args.test_rows,
        "sample_fraction": args.sample_fraction,
        "train_mlp.epochs": args.mlp_epochs,
        "train_cnn.epochs": args.cnn_epochs,
        "train_cnn_aug.epochs": args.cnn_aug_epochs,
        "train_mlp.layers": args.mlp_layers,
    }
    return {"fetch.source": args.source} | {k: v for k, v in chosen.items() if v is not None}


# --------------------------------------------------------------------------- machine


def machine() -> dict[str, Any]:
    """nproc, CPU model, RAM (from /proc, Linux), load average, Python: what numbers depend on."""
    cpuinfo = Path("/proc/cpuinfo").read_text()
    cpu = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    flags = re.search(r"^flags\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    ram = re.search(r"^MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text(), re.MULTILINE)
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu.group(1).strip() if cpu else "unknown",
        # TensorFlow turns oneDNN on by default when the CPU has the AVX-512 VNNI/BF16 or AMX ones
        "cpu_flags": sorted(set(flags.group(1).split() if flags else []) & CPU_FLAGS),
        "ram_gb": round(int(ram.group(1)) * 1024 / 1e9, 1) if ram else None,
        "load_average_at_start": load_average(),
        "python": platform.python_version(),
    }


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# --------------------------------------------------------------------------- project copy


class Project:
    """The temporary project copy, with the environment its commands run in."""

    def __init__(self, root: Path, work: Path, logs: Path) -> None:
        self.root = root
        self.logs = logs
        shim = work / "shim"
        shim.mkdir()
        python = shim / "python"
        python.write_text(f'#!/bin/sh\nexec "{PYTHON}" "{BENCH / "measure.py"}" "$@"\n')
        python.chmod(0o755)
        self.env = clean_env()
        self.env["PATH"] = os.pathsep.join(
            [str(shim), str(Path(PYTHON).parent), os.environ["PATH"]]
        )
        self.env["DVC_SITE_CACHE_DIR"] = str(work / "dvc-site-cache")
        self.measure_log = work / "measure.jsonl"
        self.env[LOG_VARIABLE] = str(self.measure_log)

    def command(self, name: str, argv: list[str]) -> dict[str, Any]:
        """Run a command in the copy; return its seconds, peak RSS, output and stage records."""
        self.measure_log.write_text("")
        log = self.logs / f"{name}.log"
        with open(log, "w") as handle:
            code, seconds, peak_kb = run_measured(
                argv, cwd=self.root, env=self.env, stdout=handle, stderr=subprocess.STDOUT
            )
        output = log.read_text()
        if code != 0:
            raise BenchError(
                f"`{shlex.join(argv)}` failed (exit {code}); see {log}\n{output[-2000:]}"
            )
        records = [json.loads(line) for line in self.measure_log.read_text().splitlines()]
        stages = self.stage_measurements(records)
        return {
            "seconds": round(seconds, 3),
            "stages_run": stages_run(output),
            "stages": stages,
            "dvc_overhead_seconds": round(seconds - sum(s["seconds"] for s in stages.values()), 3),
        }

    def stage_measurements(self, records: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
        """Per stage of dvc.yaml: wall seconds and peak RSS of its command(s)."""
        commands = {}
        for name, stage in resolved_dvc_yaml(self.root)["stages"].items():
            cmds = stage["cmd"] if isinstance(stage["cmd"], list) else [stage["cmd"]]
            for cmd in cmds:
                commands[tuple(shlex.split(cmd))] = name
        stages: dict[str, dict[str, float]] = {}
        for record in records:
            name = commands.get(("python", *record["argv"]), shlex.join(record["argv"]))
            entry = stages.setdefault(name, {"seconds": 0.0, "peak_rss_mb": 0.0})
            entry["seconds"] = round(entry["seconds"] + record["seconds"], 3)
            entry["peak_rss_mb"] = max(entry["peak_rss_mb"], mb(record["peak_rss_kb"]))
        return stages

    def dvc_yaml(self) -> dict[str, Any]:
        return yaml.safe_load((self.root / "dvc.yaml").read_text())

    def params(self) -> dict[str, Any]:
        return yaml.safe_load((self.root / "params.yaml").read_text())

    def set_params(self, values: dict[str, Any]) -> None:
        """Set dotted keys in the copy's params.yaml."""
        write_params(self.root, with_overrides(self.params(), values))


def clean_env() -> dict[str, str]:
    """This environment without TensorFlow switches or PYTHONPATH: defaults on both sides."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "KERAS_"))}
    env.pop("PYTHONPATH", None)
    env["DVC_NO_ANALYTICS"] = "1"
    return env


def make_project(root: Path, work: Path, logs: Path) -> Project:
    """Copy the project's code and config into `root`; make it a git repo with an identity."""
    copy_project(REPO, root)
    project = Project(root, work, logs)
    init_repo(root, project.env)
    return project


# --------------------------------------------------------------------------- the runs


def mb(kib: float) -> float:
    """KiB (ru_maxrss on Linux) to MB (10^6 bytes)."""
    return round(kib * 1024 / 1e6, 1)


def sha256(*arrays_or_paths: np.ndarray | Path) -> str:
    digest = hashlib.sha256()
    for item in arrays_or_paths:
        digest.update(item.read_bytes() if isinstance(item, Path) else item.tobytes())
    return digest.hexdigest()


def make_data(project: Project, folder: Path) -> dict[str, Any]:
    """Run the copy's fetch stage (the chosen source) into `folder`: the script's input."""
    argv = ["python", "-m", "stages.fetch", "--folder", "data/external", "--out", str(folder)]
    result = project.command("data", [*argv, "--metrics", str(folder / "fetch.json")])
    rows = json.loads((folder / "fetch.json").read_text())["fetch"]
    return {"seconds": result["seconds"], **rows}


def run_script(
    project: Project, data: Path, work: Path, settings: dict[str, Any]
) -> dict[str, Any]:
    """bench/notebook_script.py on the CSVs in `data`: its report, its process's wall seconds
    and peak RSS, and its test accuracy when the data has an answer key."""
    report = work / "script.json"
    options = {
        "--train": data / "train.csv",
        "--test": data / "test.csv",
        "--out-dir": work / "script-out",
        "--report": report,
        "--sample-fraction": settings["sample_fraction"],
        "--mlp-epochs": settings["mlp_epochs"],
        "--cnn-epochs": settings["cnn_epochs"],
        "--mlp-layers": ",".join(map(str, settings["mlp_layers"])),
    }
    argv = [PYTHON, str(BENCH / "notebook_script.py")]
    argv += [str(item) for option in options.items() for item in option]
    log = project.logs / "script.log"
    with open(log, "w") as handle:
        code, seconds, peak_kb = run_measured(
            argv, cwd=work, env=clean_env(), stdout=handle, stderr=subprocess.STDOUT
        )
    if code != 0:
        raise BenchError(f"the notebook script failed (exit {code}); see {log}")
    result = json.loads(report.read_text())
    result["parts"] = result.pop("seconds")
    result.update(seconds=round(seconds, 3), peak_rss_mb=mb(peak_kb))
    answers = pd.read_csv(data / "answers.csv")["Label"].to_numpy()
    if len(answers):
        result["test_accuracy"] = {
            model: round(float(np.mean(predicted(work / "script-out", model) == answers)), 6)
            for model in ("lr", "mlp", "cnn")
        }
    return result


def predicted(folder: Path, model: str) -> np.ndarray:
    return pd.read_csv(folder / f"submission_{model}.csv")["Label"].to_numpy()


def run_pipeline(project: Project, data: Path) -> dict[str, Any]:
    """`dvc repro --force` from scratch; per-stage measurements, metrics, same-data checks."""
    result = project.command("repro", [DVC, "repro", "--force"])
    root = project.root
    result["metrics"] = model_metrics(project)
    leaderboard = root / "metrics" / "leaderboard.json"
    if leaderboard.exists():
        result["leaderboard"] = json.loads(leaderboard.read_text())
    result["same_csv_files"] = all(
        sha256(root / "data" / "raw" / name) == sha256(data / name)
        for name in ("train.csv", "test.csv")
    )
    split = root / "data" / "split"
    result["validation_sha256"] = sha256(
        np.load(split / "y_val.npy").astype(np.uint8), np.load(split / "x_val.npy")
    )
    commit_all(root, project.env, "pipeline run")  # what the experiments start from
    return result


def model_metrics(project: Project) -> dict[str, dict[str, Any]]:
    """Each trained model's metrics (metrics/models/NAME.json) and timings (timings/NAME.json)
    of the copy's last run, with its rows (metrics/split.json, metrics/fetch.json), in one
    mapping per model: lr, mlp, cnn, and the strong CNN's seeds."""
    root = project.root
    split = json.loads((root / "metrics" / "split.json").read_text())["split"]
    fetch = json.loads((root / "metrics" / "fetch.json").read_text())["fetch"]
    rows = {"train_rows": split["train_rows"], "val_rows": split["val_rows"]}
    return {
        timings.stem: json.loads((root / "metrics" / "models" / timings.name).read_text())
        | json.loads(timings.read_text())
        | rows
        | {"test_rows": fetch["test_rows"]}
        for timings in sorted((root / "timings").glob("*.json"))
    }


def run_noop(project: Project) -> dict[str, Any]:
    """`dvc repro` with nothing changed, NOOP_RUNS times; the median wall seconds."""
    runs = [project.command(f"noop-{i}", [DVC, "repro"]) for i in range(1, NOOP_RUNS + 1)]
    return {
        "seconds": round(statistics.median(r["seconds"] for r in runs), 3),
        "runs": [r["seconds"] for r in runs],
        "stages_run": sorted({s for r in runs for s in r["stages_run"]}),
    }


def run_peak(project: Project, work: Path, size: int) -> dict[str, Any]:
    """bench/peak.py with the copy's params.yaml: matmul peak GFLOP/s per precision, each
    network's FLOPs per image, and what `precision: auto` resolves to here."""
    figures = work / "peak.json"
    argv = [PYTHON, str(BENCH / "peak.py"), "--size", str(size), "--json", str(figures)]
    log = project.logs / "peak.log"
    with open(log, "w") as handle:
        code, seconds, _ = run_measured(
            argv, cwd=project.root, env=clean_env(), stdout=handle, stderr=subprocess.STDOUT
        )
    if code != 0:
        raise BenchError(f"bench/peak.py failed (exit {code}); see {log}")
    return json.loads(figures.read_text()) | {"seconds": round(seconds, 3)}


def network_figures(project: Project, name: str, metrics: dict[str, Any]) -> dict[str, Any]:
    """A network's speed and accuracy (validation; answer key when the data has one)."""
    leaderboard = project.root / "metrics" / "leaderboard.json"
    test = json.loads(leaderboard.read_text()).get("test", {}) if leaderboard.exists() else {}
    keys = ("images_per_second", "fit_seconds", "val_accuracy", "epochs", "train_rows")
    return {key: metrics[key] for key in keys} | {"test_accuracy": test.get(name)}


def run_precision(project: Project, pipeline: dict[str, Any]) -> dict[str, Any]:
    """Each network of PRECISION_NETWORKS again in the other precision (one `dvc exp run -S
    train_mlp.precision=... -S train_cnn.precision=... ...`), next to the pipeline's run; then
    the workspace back to the pipeline's committed run."""
    used = pipeline["metrics"]["cnn"]["precision"]
    other = "mixed_bfloat16" if used == "float32" else "float32"
    figures = {
        name: {used: network_figures(project, name, pipeline["metrics"][name])}
        for name in PRECISION_NETWORKS
    }
    argv = [DVC, "exp", "run"]
    for name in PRECISION_NETWORKS:
        argv += ["-S", f"train_{name}.precision={other}"]
    result = project.command("exp-precision", argv)
    trained = model_metrics(project)
    for name in PRECISION_NETWORKS:
        if trained[name]["precision"] != other:
            raise BenchError(f"train_{name} ran in {trained[name]['precision']}, not {other}")
        figures[name][other] = network_figures(project, name, trained[name])
    restore_committed_run(project)
    return {
        "seconds": result["seconds"],
        "command": shlex.join(["dvc", *argv[1:]]),
        "stages_run": result["stages_run"],
        **figures,
    }


def restore_committed_run(project: Project) -> None:
    """The workspace back to the committed pipeline run: `dvc exp run` leaves its params and
    outputs in the workspace, where the next experiment would start from them."""
    git = ["git", "checkout", "."]
    subprocess.run(git, cwd=project.root, env=project.env, check=True, capture_output=True)
    project.command("restore", [DVC, "checkout", "--force"])


def run_cnn_change(project: Project) -> dict[str, Any]:
    """`dvc exp run -S train_cnn.seed=N+1` on the committed pipeline run: which stages ran,
    against those that may (check_params, train_cnn and the stages downstream of it); then
    the workspace back to the committed run."""
    seed = project.params()["train_cnn"]["seed"] + 1
    argv = [DVC, "exp", "run", "-S", f"train_cnn.seed={seed}"]
    result = project.command("exp-train-cnn", argv)
    restore_committed_run(project)
    dvc_yaml = resolved_dvc_yaml(project.root)
    allowed = downstream(dvc_yaml, stages_reading_param(dvc_yaml, "train_cnn.seed"))
    ran = set(result["stages_run"])
    return result | {
        "command": shlex.join(["dvc", *argv[1:]]),
        "expected": sorted(allowed),
        "only_expected_ran": "train_cnn" in ran and ran <= allowed,
    }


def run_full(project: Project) -> dict[str, Any]:
    """`dvc exp run -S sample_fraction=1`: the Kaggle-scale experiment, every model; with the
    leaderboard and each model's validation and answer-key accuracy (key_accuracy). It starts
    from the committed params: no earlier experiment's change may leak into it."""
    if subprocess.run(["git", "diff", "--quiet"], cwd=project.root, env=project.env).returncode:
        raise BenchError("the workspace differs from the committed run before the full run")
    argv = [DVC, "exp", "run", "-S", "sample_fraction=1"]
    result = project.command("exp-full", argv)
    leaderboard = json.loads((project.root / "metrics" / "leaderboard.json").read_text())
    return result | {
        "command": shlex.join(["dvc", *argv[1:]]),
        "metrics": model_metrics(project),
        "leaderboard": leaderboard,
        "key_accuracy": key_accuracy(project.root),
    }


def key_accuracy(root: Path) -> dict[str, dict[str, float]]:
    """Validation and answer-key accuracy, and answer-key errors, of every
    data/predictions/NAME.npz of the copy (the seeds the leaderboard leaves out included),
    read with the pipeline's own checks; {} without an answer key."""
    y_val = np.load(root / "data" / "split" / "y_val.npy")
    paths = sorted((root / "data" / "predictions").glob("*.npz"))
    predicted = {path.stem: load_predictions(path, len(y_val)) for path in paths}
    test_rows = len(next(iter(predicted.values()))["test"]) if predicted else 0
    y_test = read_answer_labels(root / "data" / "raw" / "answers.csv", test_rows)
    if not len(y_test):
        return {}
    scores = {}
    for name, proba in predicted.items():
        wrong = int(np.sum(proba["test"].argmax(axis=1) != y_test))
        scores[name] = {
            "val": round(float(np.mean(proba["val"].argmax(axis=1) == y_val)), 4),
            "key": round(1 - wrong / len(y_test), 4),
            "key_errors": wrong,
        }
    return scores


# --------------------------------------------------------------------------- targets


# --------------------------------------------------------------------------- report


def main() -> None:
    """Run every step in a fresh project copy; write the measurements as JSON."""
    args = parse_args()
    logs = args.out / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "command": shlex.join(["python", "bench/run.py", *sys.argv[1:]]),
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(),
    }
    with tempfile.TemporaryDirectory(prefix="digits-bench-") as tmp:
        work = Path(tmp)
        project = make_project(work / "project", work, logs)
        project.set_params(overrides(args))
        params = project.params()
        results["settings"] = {
            "source": args.source,
            "sample_fraction": params["sample_fraction"],
            "mlp_epochs": params["train_mlp"]["epochs"],
            "cnn_epochs": params["train_cnn"]["epochs"],
            "mlp_layers": params["train_mlp"]["layers"],
            "kaggle_scale": args.source == "kaggle_scale"
            and args.train_rows is None
            and args.test_rows is None,
            "overrides": overrides(args),
        }
        commit_all(project.root, project.env, "project copy")

        steps = [
            ("data", lambda: make_data(project, work / "data")),
            ("script", lambda: run_script(project, work / "data", work, results["settings"])),
            ("pipeline", lambda: run_pipeline(project, work / "data")),
            ("peak", lambda: run_peak(project, work, args.matmul_size)),
            ("precision", lambda: run_precision(project, results["pipeline"])),
            ("noop", lambda: run_noop(project)),
            ("cnn_change", lambda: run_cnn_change(project)),
        ]
        if args.full:
            steps.append(("full", lambda: run_full(project)))
        for name, step in steps:
            print(f"bench: {name} ...", flush=True)
            results[name] = step()
            print(f"bench: {name}: {results[name]['seconds']:.1f} s", flush=True)

    results["same_validation_rows"] = (
        results["pipeline"]["validation_sha256"] == results["script"]["validation_sha256"]
    )
    results["machine"]["load_average_at_end"] = load_average()
    (args.out / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"bench: wrote {args.out / 'latest.json'} (render it: python bench/report.py)")


if __name__ == "__main__":
    try:
        main()
    except BenchError as err:
        sys.exit(f"bench: {err}")
