"""`digits demo`'s page (Gradio): draw or upload a digit, see the model's top 3 as you draw.

The pictures go through `digits predict`'s own preprocessing (predict/pictures.py: a drawing
from memory, an upload from its file) and models (predict/loading.py). The page loads nothing
from outside the server: no analytics, the theme's fonts served locally, no server-side
rendering or share link.
"""

from __future__ import annotations

import os
import shutil
import threading
from itertools import count
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from digit_recognizer.console import PipelineError
from digit_recognizer.data.formats import IMAGE_SIDE
from digit_recognizer.models.registry import MODELS
from digit_recognizer.predict.cli import ranked
from digit_recognizer.predict.loading import Classifier, load_model
from digit_recognizer.predict.pictures import digit_image, load_digit_image

TOP = 3
CANVAS_SIDE = 280  # pixels of the drawing box
BRUSH_RADIUS = 12  # strokes 24 px wide: a digit drawn across the box is MNIST-thick
PREVIEW_SCALE = 8  # the 28x28 image shown 8x larger, each pixel a square
BLANK = "Nothing to read yet: draw a digit in the box (or upload a picture)."
Outputs = tuple[dict[str, float] | None, str, Image.Image | None]


class Models:
    """The trained models the page offers, each loaded once when first picked."""

    def __init__(self, first: tuple[str, Classifier], models_dir: Path) -> None:
        self.first = first[0]
        self.models_dir = models_dir
        self.loaded = {first[0]: first[1]}
        self.lock = threading.Lock()
        others = [model.name for model in MODELS if (models_dir / model.file).is_file()]
        self.names = [self.first, *(name for name in others if name != self.first)]

    def get(self, name: str) -> Classifier:
        with self.lock:
            if name not in self.loaded:
                self.loaded[name] = load_model(name, self.models_dir)[1]
            return self.loaded[name]


class Reader:
    """Reads a picture with a model; with `save_to`, writes each picture received there
    first (NNNN-draw.png, NNNN-upload.SUFFIX) and names the file under the answer, so that
    `digits predict` can be run on the same picture."""

    def __init__(self, models: Models, save_to: Path | None) -> None:
        self.models = models
        self.save_to = save_to
        self.numbers = count(1)

    def drawing(self, sketch: dict[str, Any] | None, model: str) -> Outputs:
        """The canvas's composite picture (the strokes on white); a blank one: BLANK."""
        picture = None if sketch is None else sketch.get("composite")
        if picture is None:
            return None, BLANK, None
        saved = self.saved_as("draw.png")
        if saved is not None:
            picture.save(saved)
        try:
            image = digit_image(picture, "the drawing")
        except PipelineError:
            return None, BLANK, None
        return self.answer(image, model, saved)

    def upload(self, path: str | None, model: str) -> Outputs:
        """An uploaded picture, read from its file as `digits predict` reads one."""
        if path is None:
            return None, BLANK, None
        saved = self.saved_as(f"upload{Path(path).suffix}")
        if saved is not None:
            shutil.copyfile(path, saved)
        try:
            image = load_digit_image(Path(path))
        except PipelineError as err:
            return None, str(err).replace(path, "the picture"), None
        return self.answer(image, model, saved)

    def saved_as(self, kind: str) -> Path | None:
        """The next file to save a picture received in (None without --save-inputs)."""
        return None if self.save_to is None else self.save_to / f"{next(self.numbers):04d}-{kind}"

    def answer(self, image: np.ndarray, model: str, saved: Path | None) -> Outputs:
        """The top 3 (for the Label), the same as a line of `digits predict --top 3`, and the
        28x28 image the model was given, enlarged."""
        try:
            proba = self.models.get(model)(image[None])[0]
        except PipelineError as err:
            return None, str(err), None
        digits = ranked(proba[None], TOP)[0]
        top = {str(d): float(proba[d]) for d in digits}
        line = f"{model}: " + ", ".join(f"{d} ({proba[d]:.3f})" for d in digits)
        if saved is not None:
            line += f"\n\nsaved as `{saved}`"
        return top, line, preview(image)


def preview(image: np.ndarray) -> Image.Image:
    """The (28, 28) [0, 1] image as the model saw it (white on black), PREVIEW_SCALE times."""
    levels = np.rint(np.clip(image, 0, 1) * 255).astype(np.uint8)
    side = IMAGE_SIDE * PREVIEW_SCALE
    return Image.fromarray(levels).resize((side, side), Image.Resampling.NEAREST)


def build_page(models: Models, reader: Reader) -> Any:
    """The Gradio Blocks: model picker, Draw and Upload tabs, the answer and the 28x28."""
    import gradio as gr

    with gr.Blocks(title="Digit Recognizer", analytics_enabled=False) as page:
        gr.Markdown(
            "## Digit Recognizer\nPick the brush (left of the box) and draw a digit, or upload "
            "a picture of one: the model's three likeliest digits follow each stroke."
        )
        model = gr.Dropdown(models.names, value=models.first, label="Model", elem_id="model")
        source = gr.State("draw")
        with gr.Row():
            with gr.Column():
                with gr.Tab("Draw", elem_id="draw-tab"):
                    sketch = gr.Sketchpad(
                        type="pil",
                        image_mode="RGBA",
                        format="png",
                        canvas_size=(CANVAS_SIDE, CANVAS_SIDE),
                        brush=gr.Brush(BRUSH_RADIUS, colors=["#000000"], color_mode="fixed"),
                        layers=False,
                        transforms=(),
                        label="Draw here",
                        elem_id="sketch",
                    )
                with gr.Tab("Upload", elem_id="upload-tab"):
                    upload = gr.Image(
                        type="filepath", image_mode=None, sources=["upload"], elem_id="upload"
                    )
            with gr.Column():
                top = gr.Label(num_top_classes=TOP, label="Top 3", elem_id="top")
                line = gr.Markdown(BLANK, elem_id="answer")
                given = gr.Image(
                    label="What the model was given (28x28)",
                    format="png",
                    height=IMAGE_SIDE * PREVIEW_SCALE + 40,
                    interactive=False,
                    elem_id="given",
                )
        outputs = [top, line, given]
        options: dict[str, Any] = {"trigger_mode": "always_last", "show_progress": "hidden"}
        sketch.change(reader.drawing, [sketch, model], outputs, **options)
        sketch.change(lambda: "draw", None, source, queue=False)
        upload.upload(reader.upload, [upload, model], outputs, **options)
        upload.upload(lambda: "upload", None, source, queue=False)
        upload.clear(lambda: (None, BLANK, None), None, outputs, queue=False)

        def again(name: str, where: str, drawn: Any, uploaded: str | None) -> Outputs:
            if where == "upload":
                return reader.upload(uploaded, name)
            return reader.drawing(drawn, name)

        model.change(again, [model, source, sketch, upload], outputs, **options)
    return page


def serve(
    first: tuple[str, Classifier], models_dir: Path, host: str, port: int, save_to: Path | None
) -> None:
    """Serve the page on host:port until interrupted."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # before gradio is imported: no telemetry
    import gradio as gr

    models = Models(first, models_dir)
    page = build_page(models, Reader(models, save_to))
    page.queue(default_concurrency_limit=1)
    page.launch(
        server_name=host,
        server_port=port,
        share=False,
        inbrowser=False,
        ssr_mode=False,
        pwa=False,
        mcp_server=False,
        enable_monitoring=False,
        footer_links=[],
        show_error=True,
        theme=gr.themes.Default(font=["sans-serif"], font_mono=["monospace"]),
    )
