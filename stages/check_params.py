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
from digit_recognizer.params import (
    load_params_file,
    read_params,
    refuse_unknown_keys,
    seed_list,
    top_level_keys,
)
from stages.ensemble import EnsembleParams
from stages.evaluate import EvaluateParams
from stages.fetch import FetchParams
from stages.sample import SampleParams
from stages.split import SplitParams
from stages.submit import SubmitParams
from stages.train_cnn import CnnParams
from stages.train_cnn_aug import CnnAugParams
from stages.train_lr import LrParams
from stages.train_mlp import MlpParams

SECTIONS: dict[str, type] = {
    "fetch": FetchParams,
    "sample": SampleParams,
    "split": SplitParams,
    "train_lr": LrParams,
    "train_mlp": MlpParams,
    "train_cnn": CnnParams,
    "train_cnn_aug": CnnAugParams,
    "ensemble": EnsembleParams,
    "evaluate": EvaluateParams,
    "submit": SubmitParams,
}
MATRIX_KEYS = {"cnn_aug_seeds": seed_list}  # top-level lists that dvc.yaml's matrix stages read
CHECKED = "params.yaml: every section and key checked by stages/check_params.py\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="file written when all is good")
    args = parser.parse_args()

    data = load_params_file()
    known = set(SECTIONS) | set(MATRIX_KEYS)
    for section_type in SECTIONS.values():
        known |= top_level_keys(section_type)
    refuse_unknown_keys(data, known)
    for section, section_type in SECTIONS.items():
        read_params(section_type, section)
    for key, check in MATRIX_KEYS.items():
        check(key, data.get(key))
    with atomic_paths(args.out) as (tmp,):
        tmp.write_text(CHECKED)
    log(f"check_params: params.yaml is good ({len(SECTIONS)} sections checked)")


if __name__ == "__main__":
    run(main, restore_hint=False)  # nothing but its own stamp file to restore
