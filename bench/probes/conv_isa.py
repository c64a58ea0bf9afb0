"""Which parts of the strong CNN change with oneDNN's kernels: the bisect behind results.md.

Runs a network's stage for two epochs in a temporary copy of the project's split and
features (after `make repro`), once per variant of its params and once per oneDNN setting,
and prints the per-epoch training losses DVCLive wrote, and whether the CPU's own kernels and
AVX2 ones give the same. The notebook CNN, which gives the same bytes on the x86 kinds these
machines have, gives the same losses in all three settings.

    python bench/probes/conv_isa.py            # 7 variants x 3 settings: about 4 minutes
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/: machine
from machine import cpu_model  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
SETTINGS = {  # oneDNN: the CPU's own kernels, AVX2 ones, none (TensorFlow's Eigen kernels)
    "own": {},
    "avx2": {"ONEDNN_MAX_CPU_ISA": "AVX2"},
    "off": {"TF_ENABLE_ONEDNN_OPTS": "0"},
}
NO_AUGMENTATION = {"rotation": 0, "zoom": 0, "shift": 0}
VARIANTS: dict[str, tuple[str, dict[str, Any]]] = {  # name: (model, its params changed)
    "notebook cnn": ("cnn", {}),
    "strong cnn": ("cnn_aug", {}),
    "strong, no augmentation": ("cnn_aug", NO_AUGMENTATION),
    "strong, 1 conv per block": ("cnn_aug", {"convs_per_block": 1}),
    "no aug, [32] x2": ("cnn_aug", {**NO_AUGMENTATION, "filters": [32]}),
    "no aug, [64] x2": ("cnn_aug", {**NO_AUGMENTATION, "filters": [64]}),
    "no aug, [32, 64, 64] x1": ("cnn_aug", {**NO_AUGMENTATION, "filters": [32, 64, 64],
                                            "convs_per_block": 1}),
}  # fmt: skip


def losses(folder: Path, model: str, changes: dict[str, Any], env: dict[str, str]) -> str:
    """The model's stage, two epochs, in `folder` (a fresh copy each time): its losses."""
    if folder.exists():
        shutil.rmtree(folder)
    for part in ("features", "split"):
        shutil.copytree(REPO / "data" / part, folder / "data" / part)
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    params[f"train_{model}"].update(changes, epochs=2)
    (folder / "params.yaml").write_text(yaml.safe_dump(params))
    live = folder / "live"
    command = [
        sys.executable, "-m", f"stages.train_{model}", "--features", "data/features/images",
        "--split", "data/split", "--model", f"{model}.keras", "--predictions", f"{model}.npz",
        "--metrics", f"{model}.json", "--timings", "timings.json", "--live", str(live),
    ]  # fmt: skip
    run_env = {**os.environ, **env, "PYTHONPATH": str(REPO), "DIGITS_QUIET": "1"}
    done = subprocess.run(command, cwd=folder, env=run_env, capture_output=True, text=True)
    if done.returncode:
        return f"failed: {done.stderr.strip().splitlines()[-1]}"
    rows = (live / "plots" / "metrics" / "train" / "loss.tsv").read_text().splitlines()[1:]
    return " ".join(f"{float(row.split()[1]):.7f}" for row in rows)


def main() -> None:
    print(f"CPU: {cpu_model()}")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "run"
        for name, (model, changes) in VARIANTS.items():
            found = {s: losses(folder, model, changes, env) for s, env in SETTINGS.items()}
            same = "same" if found["own"] == found["avx2"] else "MOVES"  # with the ISA
            print(f"{name:<26} {same:<6} " + "  ".join(f"{s}: {v}" for s, v in found.items()))


if __name__ == "__main__":
    main()
