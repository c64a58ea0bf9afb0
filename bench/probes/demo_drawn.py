"""How many of ten digits drawn on `digits demo`'s page, 0 to 9, the model reads right.

Starts `digits demo` on the project's models (after `make repro`), opens the page in the
system Chromium (Playwright, as tests/e2e/test_demo.py does) and draws each digit with mouse
strokes shaped like handwriting (a 4 in two strokes, looped 6 and 8, a hooked 2), stroke by
stroke, reading the answer after each; prints the final answers and the count. With
--screenshot, saves the page after the 4 (docs/try-it.png is one).

    python bench/probes/demo_drawn.py [--model NAME] [--screenshot FILE]   # about a minute
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))  # the page helpers of the end-to-end test
from demo_page import (  # noqa: E402
    ANSWER,
    Point,
    answer,
    browser_page,
    clear,
    draw,
    free_port,
    wait_until_served,  # noqa: E402
)


def arc(cx: float, cy: float, rx: float, ry: float, start: float, stop: float, n: int):
    """Points along an ellipse's arc, from `start` to `stop` degrees (0: right, 90: down)."""
    angles = (math.radians(start + (stop - start) * i / n) for i in range(n + 1))
    return [(cx + rx * math.cos(a), cy + ry * math.sin(a)) for a in angles]


HANDWRITTEN: dict[int, list[list[Point]]] = {
    0: [arc(0.5, 0.5, 0.26, 0.4, -100, 265, 14)],
    1: [[(0.42, 0.22), (0.55, 0.1), (0.52, 0.5), (0.5, 0.9)]],
    2: [arc(0.48, 0.32, 0.24, 0.22, 200, 390, 8) + [(0.45, 0.62), (0.22, 0.88), (0.8, 0.87)]],
    3: [arc(0.47, 0.3, 0.23, 0.2, 200, 450, 8) + arc(0.47, 0.68, 0.26, 0.22, -90, 160, 8)],
    4: [[(0.55, 0.1), (0.2, 0.62), (0.82, 0.62)], [(0.62, 0.35), (0.6, 0.92)]],
    5: [[(0.75, 0.12), (0.35, 0.12), (0.3, 0.45)] + arc(0.5, 0.66, 0.27, 0.24, -130, 160, 10)],
    6: [[(0.68, 0.1), (0.45, 0.3), (0.3, 0.6)] + arc(0.5, 0.68, 0.2, 0.2, 180, 540, 12)],
    7: [[(0.2, 0.14), (0.8, 0.12), (0.6, 0.45), (0.42, 0.9)]],
    8: [arc(0.5, 0.3, 0.2, 0.19, 90, 450, 12) + arc(0.5, 0.69, 0.25, 0.21, -90, 270, 12)],
    9: [arc(0.5, 0.33, 0.22, 0.21, 0, 380, 12) + [(0.7, 0.5), (0.66, 0.9)]],
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="as for digits demo (default: the one submit chose)")
    parser.add_argument("--screenshot", type=Path, help="save the page after the 4 here")
    args = parser.parse_args()
    url = f"http://127.0.0.1:{free_port()}/"
    with tempfile.TemporaryDirectory() as scratch:
        log = Path(scratch) / "server.log"
        command = [sys.executable, "-m", "digit_recognizer.cli", "demo", "--port"]
        command += [url.rsplit(":", 1)[1].strip("/"), "--save-inputs", scratch]
        command += ["--model", args.model] if args.model else []
        with open(log, "w") as output:
            server = subprocess.Popen(command, cwd=REPO, stdout=output, stderr=output)
        try:
            right = read_ten(url, server, log, args.screenshot)
        finally:
            server.terminate()
            server.wait(timeout=20)
    print(f"right: {right} of {len(HANDWRITTEN)}")
    return 0


def read_ten(url: str, server: subprocess.Popen, log: Path, screenshot: Path | None) -> int:
    """Draw each digit stroke by stroke; print its final answer; return how many are right."""
    right = 0
    with browser_page(url) as demo:
        wait_until_served(url, server, log)
        demo.page.goto(url)
        demo.page.wait_for_selector("#sketch canvas")
        for digit, strokes in HANDWRITTEN.items():
            clear(demo)
            before = demo.page.inner_text(ANSWER).strip()
            for stroke in strokes:
                draw(demo, [stroke])
                line, _ = answer(demo, "draw", before)
                before = demo.page.inner_text(ANSWER).strip()
            read = int(line.split(": ")[1].split(" ")[0])
            right += read == digit
            print(f"drew {digit}: {line}" + ("" if read == digit else "  (wrong)"))
            if digit == 4 and screenshot is not None:
                demo.page.screenshot(path=screenshot, full_page=True)
        assert demo.outside == [], demo.outside
    return right


if __name__ == "__main__":
    sys.exit(main())
