"""The page `dvc plots show` writes, drawn offline: Vega, Vega-Lite and Vega-Embed inlined.

DVC's own page loads those scripts from a CDN, so with no network (as on many clusters) every
interactive chart stays blank. `.dvc/config` points `plots.html_template` at the template this
writes (`make setup` runs it), which carries the scripts from the vl-convert-python package.

    python -m digit_recognizer.evaluation.plots_page .dvc/plots/offline.html
"""

from __future__ import annotations

import argparse
from pathlib import Path

from digit_recognizer.files import atomic_paths

VEGA_LITE_VERSION = "5.21"  # DVC's plot templates are Vega-Lite 5 specs
PAGE = """<!DOCTYPE html>
<html>
<head>
    <meta charset="utf-8">
    {refresh_tag}
    <title>digit-recognizer: DVC plots</title>
    <script>
    // Vega, Vega-Lite and Vega-Embed (set as window.vega, window.vegaLite, window.vegaEmbed)
    (function () {
    SCRIPTS
    })();
    </script>
    <style>
        body { font-family: sans-serif; }
        table { border-spacing: 15px; }
    </style>
</head>
<body>
    {plot_divs}
</body>
</html>
"""


def offline_template() -> str:
    """The page template: DVC fills in `{plot_divs}` (and `{refresh_tag}`)."""
    import vl_convert

    scripts = vl_convert.javascript_bundle(vl_version=VEGA_LITE_VERSION)
    return PAGE.replace("SCRIPTS", scripts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="template file to write")
    args = parser.parse_args()
    with atomic_paths(args.out) as (tmp,):
        tmp.write_text(offline_template(), encoding="utf-8")


if __name__ == "__main__":
    main()
