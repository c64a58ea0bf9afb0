"""ensemble: a weighted mean of several trained models' class probabilities, no retraining.

Reads `data/predictions/NAME.npz` of each candidate in `ensemble.models` (by default the
strong CNN's three seeds and the notebook's CNN), weighs them as `ensemble.selection` says
(greedy: picked on the validation split; mean: equally) and writes their weighted mean as one
more model's predictions, with the same metrics as a trained model (where they apply), and its
members and weights to `models/ensemble.json`, from which `digits predict --model ensemble`
loads them.
"""

from __future__ import annotations

from pathlib import Path

from digit_recognizer.console import log, run
from digit_recognizer.data.predictions import load_members, save_predictions, weighted_mean
from digit_recognizer.evaluation.scores import accuracy_and_loss
from digit_recognizer.files import load_array, save_json
from digit_recognizer.models.ensemble import EnsembleParams, weights_of
from digit_recognizer.params.reading import read_params, stage_parser


def main() -> None:
    parser = stage_parser(__doc__.splitlines()[0], EnsembleParams, "ensemble")
    parser.add_argument("--predictions", type=Path, required=True, help="folder of NAME.npz")
    parser.add_argument("--split", type=Path, required=True, help="folder with y_train/y_val")
    parser.add_argument("--out", type=Path, required=True, help="probabilities (.npz) to write")
    parser.add_argument("--model", type=Path, required=True, help="members JSON to write")
    parser.add_argument("--metrics", type=Path, required=True, help="metrics JSON to write")
    args = parser.parse_args()
    params = read_params(EnsembleParams, "ensemble")

    y_val = load_array(args.split / "y_val.npy", mmap=False)
    files = [args.predictions / f"{name}.npz" for name in params.models]
    candidates = load_members(files, len(y_val))
    weights = weights_of(params, [c["val"] for c in candidates], y_val)
    kept = [i for i, weight in enumerate(weights) if weight]  # a candidate never picked goes
    names, weights = [params.models[i] for i in kept], [weights[i] for i in kept]
    proba = {
        part: weighted_mean([candidates[i][part] for i in kept], weights)
        for part in ("val", "test")
    }
    accuracy, loss = accuracy_and_loss(y_val, proba["val"])
    save_predictions(args.out, proba["val"], proba["test"])
    save_json(args.model, {"members": names, "weights": weights})
    save_json(
        args.metrics,
        {
            "val_accuracy": round(accuracy, 6),
            "val_loss": round(loss, 6),
        },
    )
    chosen = ", ".join(f"{name} x{weight}" for name, weight in zip(names, weights, strict=True))
    log(f"ensemble of {chosen} ({params.selection}): val_accuracy {accuracy:.4f}")


if __name__ == "__main__":
    run(main)
