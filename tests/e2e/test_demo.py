"""`digits demo` in a real headless Chromium: Playwright drives the system Chromium.

One server for the module (`digits demo --save-inputs DIR`, as a user starts it) on tiny models
the stages train (lr and a small CNN, which submit "chose"). Strokes drawn with mouse events
and answer-key digits uploaded as pictures get on the page what `digits predict --top 3` gives
for the same pictures (the files the page names under its answer); a blank canvas gets the
message; the browser lets only requests to the server through and records any other.
"""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from demo_page import (
    ANSWER,
    STROKES,
    Demo,
    answer,
    browser_page,
    clear,
    draw,
    free_port,
    label_digits,
    wait_until_served,
)  # fmt: skip
from kaggle_files import ORDER, real_digits, write_kaggle_csvs
from PIL import Image
from stage_commands import PREPARED_PARAMS, reshape, sample, split, training_args
from stage_runs import VENV_BIN, StageRunner, subprocess_env, tiny_params

from digit_recognizer.cli import main
from digit_recognizer.demo.app import BLANK

pytestmark = pytest.mark.e2e

N_TRAIN_CSV, N_UPLOADS = 1200, 10  # real digits: 900 train, 300 validation; the answer key
CNN_PARAMS = {"train_cnn.filters": [8, 16], "train_cnn.dense_units": 32, "train_cnn.epochs": 4}
DIGITS = VENV_BIN / "digits"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """models/{lr.joblib,cnn.keras} trained by the stages on real digits (the two at once),
    raw/test.csv (the answer key's pictures) and a leaderboard where submit chose cnn."""
    root = tmp_path_factory.mktemp("demo-project")
    runner = StageRunner(root)
    runner.params(tiny_params({**PREPARED_PARAMS, **CNN_PARAMS}))
    write_kaggle_csvs(root / "raw", n_train=N_TRAIN_CSV, n_test=N_UPLOADS)
    sample(runner, root / "raw" / "train.csv")
    split(runner, root / "sample")
    reshape(runner)
    jobs = [("lr", "flat"), ("cnn", "images")]
    with ThreadPoolExecutor(len(jobs)) as pool:
        runs = [
            pool.submit(
                runner, f"train_{name}", *training_args(root, name, kind, live=name != "lr")
            )
            for name, kind in jobs
        ]
        for run in runs:
            run.result()
    (root / "metrics" / "leaderboard.json").write_text(json.dumps({"chosen": "cnn"}))
    return root


@pytest.fixture(scope="module")
def demo(project: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """`digits demo` on the project (127.0.0.1, a free port), the page open in Chromium with
    every request outside the server blocked and recorded."""
    saved = tmp_path_factory.mktemp("demo-received")
    log = saved.parent / "demo-server.log"
    url = f"http://127.0.0.1:{free_port()}/"
    port = url.rsplit(":", 1)[1].strip("/")
    with open(log, "w") as output:
        server = subprocess.Popen(
            [DIGITS, "demo", "--port", port, "--save-inputs", saved],
            cwd=project, env=subprocess_env(), stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        with browser_page(url) as demo:
            wait_until_served(url, server, log)
            demo.page.goto(url)
            demo.page.wait_for_selector("#sketch canvas")
            yield demo
    finally:
        server.terminate()
        server.wait(timeout=20)


def predicted(project: Path, files: list[Path], model: str) -> list[dict]:
    """`digits predict FILES --model M --json --top 3` (its `main`, in this process: the
    model loads in a second, TensorFlow imported once): one record per file."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["predict", *map(str, files), "--model", model, "--json", "--top", "3",
                     "--models-dir", str(project / "models")])  # fmt: skip
    assert code == 0, out.getvalue()
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [record["input"] for record in records] == [str(path) for path in files]
    return records


def same_answer(line: str, record: dict) -> bool:
    """The page's `M: d (p), d (p), d (p)` says what the record says: the model, the three
    digits in order, their probabilities to the 3 decimals shown."""
    model, shown = line.split(": ", 1)
    top = [(int(part.split(" (")[0]), float(part.split(" (")[1].rstrip(")")))
           for part in shown.split(", ")]  # fmt: skip
    return (
        model == record["model"]
        and [digit for digit, _ in top] == [entry["digit"] for entry in record["top"]]
        and all(abs(p - e["probability"]) <= 5e-4 + 1e-9
                for (_, p), e in zip(top, record["top"], strict=True))
    )  # fmt: skip


def test_drawn_digits_get_what_digits_predict_gives(
    demo: Demo, project: Path, tmp_path: Path
) -> None:
    """A 1, a 0 and a 7 drawn with the mouse: the top 3 shown (line and Label) is `digits
    predict`'s on the picture the page received; a screenshot is kept."""
    shown: list[tuple[str, list[str]]] = []
    files: list[Path] = []
    for strokes in STROKES.values():
        clear(demo)
        draw(demo, strokes)
        line, saved = answer(demo, "draw", BLANK)
        assert saved.name.endswith("-draw.png")
        shown.append((line, label_digits(demo)))
        files.append(saved)
    demo.page.wait_for_selector("#given img")  # the 28x28 the model was given
    screenshot = tmp_path / "demo.png"
    demo.page.screenshot(path=screenshot, full_page=True)
    print(f"screenshot of the page: {screenshot}")
    for (line, label), record in zip(shown, predicted(project, files, "cnn"), strict=True):
        assert same_answer(line, record), (line, record)
        assert label == [str(record["digit"]), *(str(t["digit"]) for t in record["top"])]


def test_uploaded_answer_key_digits_get_what_digits_predict_gives(
    demo: Demo, project: Path, tmp_path: Path
) -> None:
    """10 rows of the answer key's test.csv as PNG pictures, uploaded one after another; then
    the other trained model, picked in the list, reads the last one."""
    labels, pixels = real_digits()
    rows = ORDER[N_TRAIN_CSV : N_TRAIN_CSV + N_UPLOADS]
    demo.page.click("#upload-tab-button")
    shown: list[str] = []
    files: list[Path] = []
    before = demo.page.inner_text(ANSWER).strip()
    for position, row in enumerate(rows):
        picture = tmp_path / f"key{position}-label{labels[row]}.png"
        Image.fromarray(pixels[row].reshape(28, 28)).save(picture)
        demo.page.set_input_files("#upload input[type=file]", picture)
        line, saved = answer(demo, "upload", before)
        assert np.array_equal(np.asarray(Image.open(saved)), np.asarray(Image.open(picture)))
        before = demo.page.inner_text(ANSWER).strip()
        shown.append(line)
        files.append(saved)
    for line, record in zip(shown, predicted(project, files, "cnn"), strict=True):
        assert same_answer(line, record), (line, record)

    demo.page.click("#model input")
    demo.page.get_by_role("option", name="lr").click()
    line, saved = answer(demo, "upload", before)
    assert line.startswith("lr: ")
    assert same_answer(line, predicted(project, [saved], "lr")[0])
    demo.page.click("#model input")
    demo.page.get_by_role("option", name="cnn").click()
    answer(demo, "upload", demo.page.inner_text(ANSWER).strip())
    demo.page.click("#draw-tab-button")


def test_blank_canvas_gets_the_message(demo: Demo) -> None:
    draw(demo, STROKES[1])
    answer(demo, "draw", demo.page.inner_text(ANSWER).strip())
    clear(demo)
    assert demo.page.inner_text(ANSWER).strip() == BLANK
    assert label_digits(demo) == []  # the chart emptied


def test_the_page_asked_for_nothing_outside_the_server(demo: Demo) -> None:
    """Scripts, styles, fonts and the app's calls: all from 127.0.0.1, none elsewhere."""
    assert demo.inside, "the browser's requests were not seen"
    assert demo.outside == []
