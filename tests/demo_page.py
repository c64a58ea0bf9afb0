"""`digits demo`'s page in Playwright's Chromium (the system one): the server started and
waited for, the page with every request outside the server blocked and recorded, mouse strokes
on the canvas, the answers read (tests/e2e/test_demo.py)."""

from __future__ import annotations

import math
import re
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from headless_chromium import chromium

from digit_recognizer.demo.app import BLANK

Point = tuple[float, float]  # in the drawing box: (0, 0) top left, (1, 1) bottom right
ELLIPSE = [(0.5 + 0.28 * math.sin(t / 5 * math.pi), 0.5 - 0.4 * math.cos(t / 5 * math.pi))
           for t in range(11)]  # fmt: skip
STROKES: dict[int, list[list[Point]]] = {  # thick lines (the page's brush), one stroke each
    1: [[(0.52, 0.1), (0.48, 0.9)]],
    0: [ELLIPSE],
    7: [[(0.2, 0.12), (0.8, 0.12), (0.62, 0.45), (0.45, 0.9)]],
}
ANSWER = "#answer [data-testid=markdown]"  # the text alone (a timer shows beside it meanwhile)
SAVED = re.compile(r"saved as (\S+)$")


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


@contextmanager
def browser_page(url: str) -> Iterator[Demo]:
    """A Chromium page (headless) where only requests to `url` go through; not yet opened."""
    from playwright.sync_api import sync_playwright

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
        try:
            yield demo
        finally:
            browser.close()


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
    """What the Label shows: the label, then the top 3 digits (their percentages skipped);
    an empty chart: []. While its event runs, Gradio shows a timer (`0.0s`) above the label:
    wait until it has gone."""
    demo.page.wait_for_function(
        "selector => document.querySelector(selector).innerText.trim().startsWith('Top 3')",
        arg="#top",
    )
    lines = [line for line in demo.page.inner_text("#top").splitlines() if line.strip()]
    assert lines[0] == "Top 3", lines
    return [lines[1], *lines[2::2]] if len(lines) > 1 else []


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
