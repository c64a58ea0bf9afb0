"""check_params: every param of params.yaml checked before any other stage runs.

dvc.yaml runs this stage whenever params.yaml changes at all, and `fetch` (so every stage)
depends on its output, so DVC runs it first. A bad param, a missing section or an unknown
key anywhere stops the pipeline here, before DVC removes any other stage's outputs. The
output's bytes never change, so after a good change DVC reruns only the stages that read the
changed params.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from digit_recognizer.console import log, run
from digit_recognizer.files import atomic_paths
from digit_recognizer.params.schema import SECTIONS, check_params_file

CHECKED = "params.yaml: every section and key checked by stages/check_params.py\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="file written when all is good")
    args = parser.parse_args()

    check_params_file()
    with atomic_paths(args.out) as (tmp,):
        tmp.write_text(CHECKED)
    log(f"check_params: params.yaml is good ({len(SECTIONS)} sections checked)")


if __name__ == "__main__":
    run(main, restore_hint=False)  # nothing but its own stamp file to restore
