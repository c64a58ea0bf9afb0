"""`digits demo` in a real headless Chromium: Playwright drives the system Chromium.

One server for the module (`digits demo --save-inputs DIR`, as a user starts it) on tiny models
the stages train (lr and a small CNN, which submit "chose"). Strokes drawn with mouse events
and answer-key digits uploaded as pictures get on the page what `digits predict --top 3` gives
for the same pictures (the files the page names under its answer); a blank canvas gets the
message; the browser lets only requests to the server through and records any other.
"""

from __future__ import annotations

import json
import math
import re
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from headless_chromium import chromium
from kaggle_files import ORDER, real_digits, write_kaggle_csvs
from PIL import Image
from stage_commands import PREPARED_PARAMS, reshape, sample, split, training_args
from stage_runs import VENV_BIN, StageRunner, describe, subprocess_env, tiny_params

from digit_recognizer.demo.app import BLANK

pytestmark = pytest.mark.e2e

N_TRAIN_CSV, N_UPLOADS = 1200, 10  # real digits: 900 train, 300 validation; the answer key
CNN_PARAMS = {"train_cnn.filters": [8, 16], "train_cnn.dense_units": 32, "train_cnn.epochs": 4}
DIGITS = VENV_BIN / "digits"
Point = tuple[float, float]  # in the drawing box: (0, 0) top left, (1, 1) bottom right
ELLIPSE = [(0.5 + 0.28 * math.sin(t / 6 * math.pi), 0.5 - 0.4 * math.cos(t / 6 * math.pi))
           for t in range(13)]  # fmt: skip
STROKES: dict[int, list[list[Point]]] = {  # thick lines (the page's brush), one stroke each
    1: [[(0.52, 0.1), (0.48, 0.9)]],
    0: [ELLIPSE],
    7: [[(0.2, 0.12), (0.8, 0.12), (0.62, 0.45), (0.45, 0.9)]],
}
ANSWER = "#answer [data-testid=markdown]"  # the text alone (a timer shows beside it meanwhile)
SAVED = re.compile(r"saved as (\S+)$")


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


@dataclass
class Demo:
    """The page in the browser, and every request it tried outside the server."""

    page: Any
    url: str
    outside: list[str] = field(default_factory=list)
    inside: list[str] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_served(url: str, process: subprocess.Popen, log: Path) -> None:
    """Poll the page until it answers; the server's output if it exits or takes 120 s."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, f"digits demo exited:\n{log.read_text()}"
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"digits demo did not answer on {url} in 120 s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def demo(project: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """`digits demo` on the project (127.0.0.1, a free port), the page open in Chromium with
    every request outside the server blocked and recorded."""
    from playwright.sync_api import sync_playwright

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
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium(), args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            demo = Demo(page, url)

            def route(request_route: Any) -> None:
                address = request_route.request.url
                if address.startswith(url):
                    demo.inside.append(address)
                    request_route.continue_()
                else:
                    demo.outside.append(address)
                    request_route.abort()

            page.route("**/*", route)
            wait_until_served(url, server, log)
            page.goto(url)
            page.wait_for_selector("#sketch canvas")
            yield demo
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)


def answer(demo: Demo, kind: str, before: str) -> tuple[str, Path]:
    """Wait for a new answer (not `before`) naming the picture it saved, of `kind` (draw or
    upload); return (the answer's first line, the file)."""
    demo.page.wait_for_function(
        "([selector, kind, before]) => {"
        " const text = document.querySelector(selector).innerText.trim();"
        " return text !== before && text.includes(`-${kind}.`); }",
        arg=[ANSWER, kind, before],
    )
    text = demo.page.inner_text(ANSWER).strip()
    saved = SAVED.search(text)
    assert saved, text
    return text.splitlines()[0], Path(saved[1])


def label_digits(demo: Demo) -> list[str]:
    """What the Label shows: the label, then the top 3 digits (their percentages skipped)."""
    lines = [line for line in demo.page.inner_text("#top").splitlines() if line.strip()]
    assert lines[0] == "Top 3", lines
    return [lines[1], *lines[2::2]]


def draw(demo: Demo, strokes: list[list[Point]]) -> None:
    """Mouse strokes through the points, in the middle 240x240 pixels of the canvas, with the
    brush (picked first unless it is: its size button shows)."""
    if not demo.page.is_visible("#sketch button[aria-label='Brush Size']"):
        demo.page.click("#sketch button[aria-label='Brush']")
    box = demo.page.query_selector("#sketch canvas").bounding_box()
    left = box["x"] + box["width"] / 2 - 120
    top = box["y"] + box["height"] / 2 - 120
    mouse = demo.page.mouse
    for stroke in strokes:
        mouse.move(left + 240 * stroke[0][0], top + 240 * stroke[0][1])
        mouse.down()
        for x, y in stroke[1:]:
            mouse.move(left + 240 * x, top + 240 * y, steps=2)
        mouse.up()


def clear(demo: Demo) -> None:
    """The canvas's bin button (which also puts the brush down), then the blank message."""
    demo.page.click("#sketch button[aria-label='Clear canvas']")
    demo.page.wait_for_function(
        "([selector, blank]) => document.querySelector(selector).innerText.trim() === blank",
        arg=[ANSWER, BLANK],
    )


def predicted_lines(project: Path, files: list[Path], model: str) -> list[tuple[str, int]]:
    """`digits predict FILES --model M --json --top 3`: per file, the line the page shows
    (`M: d (p), d (p), d (p)`) and the digit."""
    result = subprocess.run(
        [DIGITS, "predict", *files, "--model", model, "--json", "--top", "3"],
        cwd=project, env=subprocess_env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, describe(result)
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [record["input"] for record in records] == [str(path) for path in files]
    return [
        (f"{model}: " + ", ".join(f"{t['digit']} ({t['probability']:.3f})" for t in r["top"]),
         r["digit"])
        for r in records
    ]  # fmt: skip


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
    for (line, label), (expected, digit) in zip(
        shown, predicted_lines(project, files, "cnn"), strict=True
    ):
        assert line == expected
        top = [part.split(" ")[0] for part in expected.split(": ")[1].split(", ")]
        assert label == [str(digit), *top]


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
    assert shown == [line for line, _ in predicted_lines(project, files, "cnn")]

    demo.page.click("#model input")
    demo.page.get_by_role("option", name="lr").click()
    line, saved = answer(demo, "upload", before)
    assert line.startswith("lr: ")
    assert [line] == [line for line, _ in predicted_lines(project, [saved], "lr")]
    demo.page.click("#model input")
    demo.page.get_by_role("option", name="cnn").click()
    answer(demo, "upload", demo.page.inner_text(ANSWER).strip())
    demo.page.click("#draw-tab-button")


def test_blank_canvas_gets_the_message(demo: Demo) -> None:
    draw(demo, STROKES[1])
    answer(demo, "draw", demo.page.inner_text(ANSWER).strip())
    clear(demo)
    assert demo.page.inner_text(ANSWER).strip() == BLANK
    assert label_digits_or_none(demo) is None


def label_digits_or_none(demo: Demo) -> list[str] | None:
    lines = [line for line in demo.page.inner_text("#top").splitlines() if line.strip()]
    return None if lines == ["Top 3"] else lines


def test_the_page_asked_for_nothing_outside_the_server(demo: Demo) -> None:
    """Scripts, styles, fonts and the app's calls: all from 127.0.0.1, none elsewhere."""
    assert demo.inside, "the browser's requests were not seen"
    assert demo.outside == []
