"""Helpers shared by the pipeline stages: params, errors, atomic writes, data checks, models.

Stages import only what they use; TensorFlow is imported lazily by `keras_backend()` so the
stages that do not train a network start in a fraction of a second.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

PARAMS_FILE = Path("params.yaml")
IMAGE_SIDE = 28
N_PIXELS = IMAGE_SIDE * IMAGE_SIDE
N_CLASSES = 10
PIXEL_COLUMNS = [f"pixel{i}" for i in range(N_PIXELS)]
TRAIN_HEADER = ["label", *PIXEL_COLUMNS]
SUBMISSION_HEADER = ["ImageId", "Label"]
MODEL_NAMES = ("lr", "mlp", "cnn")
ACTIVATIONS = (
    "relu", "elu", "selu", "gelu", "silu", "swish", "mish", "leaky_relu", "relu6",
    "tanh", "sigmoid", "softplus", "softsign", "linear",
)  # fmt: skip


class PipelineError(Exception):
    """A problem the user can fix (bad params or bad input); reported as one line."""


def run(main: Callable[[], None]) -> None:
    """Run a stage's `main()`; a PipelineError becomes one line on stderr and exit code 1."""
    try:
        main()
    except PipelineError as err:
        stage = Path(sys.argv[0]).stem
        print(f"{stage}: error: {err}", file=sys.stderr)
        sys.exit(1)


def quiet() -> bool:
    """True under pytest (or DIGITS_QUIET=1): stages then print no progress lines."""
    return "PYTEST_CURRENT_TEST" in os.environ or os.environ.get("DIGITS_QUIET") == "1"


def log(message: str) -> None:
    """Print a progress line unless running quietly."""
    if not quiet():
        print(message, flush=True)


# --------------------------------------------------------------------------- params

Check = Callable[[str, Any], Any]


def _bad(key: str, allowed: str, value: Any) -> PipelineError:
    return PipelineError(f"{PARAMS_FILE}: {key} must be {allowed}, got {value!r}")


def integer(minimum: int = 0) -> Check:
    """An int >= minimum (booleans refused)."""

    def check(key: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise _bad(key, f"an integer >= {minimum}", value)
        return value

    return check


def number(low: float, high: float, low_open: bool = False, high_open: bool = False) -> Check:
    """A float between low and high (ends excluded when *_open); DVC's `-S key=1` ints are cast."""

    def check(key: str, value: Any) -> float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if ok:
            ok = (value > low if low_open else value >= low) and (
                value < high if high_open else value <= high
            )
        if not ok:
            interval = f"{'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
            raise _bad(key, f"a number in {interval}", value)
        return float(value)

    return check


def positive() -> Check:
    """A float > 0."""

    def check(key: str, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise _bad(key, "a number > 0", value)
        return float(value)

    return check


def boolean(key: str, value: Any) -> bool:
    """true or false."""
    if not isinstance(value, bool):
        raise _bad(key, "true or false", value)
    return value


def choice(*options: Any) -> Check:
    """One of the given values."""

    def check(key: str, value: Any) -> Any:
        if value not in options or isinstance(value, bool) != isinstance(options[0], bool):
            raise _bad(key, "one of " + ", ".join(map(str, options)), value)
        return value

    return check


def int_list(minimum: int = 1, min_length: int = 1) -> Check:
    """A list of at least min_length ints, each >= minimum."""

    def check(key: str, value: Any) -> list[int]:
        if (
            not isinstance(value, list)
            or len(value) < min_length
            or any(isinstance(v, bool) or not isinstance(v, int) or v < minimum for v in value)
        ):
            raise _bad(key, f"a list of at least {min_length} integers >= {minimum}", value)
        return value

    return check


def optional(inner: Check) -> Check:
    """`null` or what `inner` allows."""

    def check(key: str, value: Any) -> Any:
        return None if value is None else inner(key, value)

    return check


def text(key: str, value: Any) -> str:
    """A non-empty string."""
    if not isinstance(value, str) or not value:
        raise _bad(key, "a non-empty string", value)
    return value


def load_params_file(path: Path = PARAMS_FILE) -> dict[str, Any]:
    """Parse params.yaml into a mapping, with a one-line error when it is not one."""
    try:
        data = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise PipelineError(f"{path}: file not found (run from the project root)") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise PipelineError(f"{path}:{where}: not valid YAML") from None
    if not isinstance(data, dict):
        raise PipelineError(f"{path}: expected a mapping of params at the top level")
    return data


def read_params(
    section: str, spec: dict[str, Check], top_level: dict[str, Check] | None = None
) -> dict[str, Any]:
    """Read and check one section of params.yaml (plus any top-level keys a stage reads).

    Every key in `spec` must be present and pass its check; a key in the section that is not
    in `spec` (a misspelling) is an error too.
    """
    data = load_params_file()
    values = data.get(section)
    if not isinstance(values, dict):
        raise PipelineError(f"{PARAMS_FILE}: missing section '{section}:' (a mapping of params)")
    unknown = sorted(set(values) - set(spec))
    if unknown:
        raise PipelineError(
            f"{PARAMS_FILE}: unknown key {section}.{unknown[0]} "
            f"(allowed: {', '.join(sorted(spec))})"
        )
    checked = {}
    for key, check in spec.items():
        if key not in values:
            raise PipelineError(f"{PARAMS_FILE}: missing key {section}.{key}")
        checked[key] = check(f"{section}.{key}", values[key])
    for key, check in (top_level or {}).items():
        if key not in data:
            raise PipelineError(f"{PARAMS_FILE}: missing top-level key {key}")
        checked[key] = check(key, data[key])
    return checked


# --------------------------------------------------------------------------- atomic writes


_UMASK = os.umask(0)
os.umask(_UMASK)


@contextmanager
def atomic_paths(*paths: Path) -> Iterator[list[Path]]:
    """Yield temporary paths beside `paths`; all are moved into place only if the block succeeds.

    Nothing a failed stage half-wrote ever replaces a good output. The temporary names keep
    the final suffix (np.save and Keras look at it).
    """
    temps = []
    try:
        for path in paths:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=path.suffix)
            os.close(fd)
            os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; outputs get the usual mode
            temps.append(Path(tmp))
        yield temps
        for tmp, path in zip(temps, paths, strict=True):
            os.replace(tmp, path)
    finally:
        for tmp in temps:
            tmp.unlink(missing_ok=True)


def save_json(path: Path, data: dict[str, Any]) -> None:
    """Write JSON atomically, pretty enough to diff in git."""
    with atomic_paths(path) as (tmp,):
        tmp.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n")


def save_arrays(directory: Path, arrays: dict[str, np.ndarray]) -> None:
    """Save each array as directory/NAME.npy (row-major: readers take rows), all or nothing."""
    paths = [directory / f"{name}.npy" for name in arrays]
    with atomic_paths(*paths) as temps:
        for tmp, array in zip(temps, arrays.values(), strict=True):
            np.save(tmp, np.ascontiguousarray(array))


def load_array(path: Path, mmap: bool = True) -> np.ndarray:
    """Load a .npy written by an earlier stage (memory-mapped by default)."""
    if not path.exists():
        raise PipelineError(f"{path}: not found (run the stage that writes it: dvc repro)")
    return np.load(path, mmap_mode="r" if mmap else None)


def save_csv(path: Path, frame: pd.DataFrame) -> None:
    """Write a CSV atomically, without the index."""
    with atomic_paths(path) as (tmp,):
        frame.to_csv(tmp, index=False)


def class_counts(labels: np.ndarray) -> dict[str, int]:
    """Count of each digit 0..9, keys as strings for JSON."""
    counts = np.bincount(np.asarray(labels, dtype=np.int64), minlength=N_CLASSES)
    return {str(digit): int(n) for digit, n in enumerate(counts)}


# --------------------------------------------------------------------------- data checks


def _first_bad_cell(frame: pd.DataFrame, high: dict[str, int]) -> tuple[int, str, str] | None:
    """Find the first cell (file order) that is missing, not an integer or out of range.

    Returns (row position, column, what was expected) or None when every cell is good.
    """
    first: tuple[int, str, str] | None = None
    for column in frame.columns:
        raw = frame[column]
        values = pd.to_numeric(raw, errors="coerce")
        missing = raw.isna().to_numpy()
        not_number = values.isna().to_numpy() & ~missing
        integral = (values % 1 == 0).to_numpy()
        in_range = ((values >= 0) & (values <= high[column])).to_numpy()
        bad = missing | not_number | ~integral | ~in_range
        if not bad.any():
            continue
        row = int(np.argmax(bad))
        if first is not None and row >= first[0]:
            continue
        shown = "an empty cell" if missing[row] else repr(str(raw.iloc[row]))
        first = (row, column, f"expected an integer 0..{high[column]}, got {shown}")
    return first


def read_digits_csv(
    path: Path, labelled: bool, shown_as: str | None = None
) -> tuple[np.ndarray | None, np.ndarray]:
    """Read and check a Kaggle digits CSV; return (labels or None, pixels as uint8 (N, 784)).

    Checks: exact header (`label,pixel0..pixel783` for train, `pixel0..pixel783` for test),
    the same number of fields on every line, integer values, pixels 0..255, labels 0..9, no
    missing values, at least one row. A violation raises PipelineError naming the file (or
    `shown_as`), line and column.
    """
    name = shown_as or str(path)
    expected = TRAIN_HEADER if labelled else PIXEL_COLUMNS
    try:
        with open(path, newline="") as handle:
            header = handle.readline().strip().split(",")
    except FileNotFoundError:
        raise PipelineError(f"{name}: file not found") from None
    except UnicodeDecodeError:
        raise PipelineError(f"{name}: not a text CSV file") from None
    if header != expected:
        raise PipelineError(f"{name}: line 1: {_header_problem(header, labelled)}")
    _check_field_counts(path, len(expected), name)
    try:
        frame = pd.read_csv(path, index_col=False, low_memory=False)
    except pd.errors.ParserError as err:
        raise PipelineError(f"{name}: {str(err).strip().rstrip('.')}") from None
    if len(frame) == 0:
        raise PipelineError(f"{name}: no data rows after the header (expected at least one)")
    if not all(pd.api.types.is_integer_dtype(t) for t in frame.dtypes) or _out_of_range(frame):
        high = {column: 9 if column == "label" else 255 for column in frame.columns}
        bad = _first_bad_cell(frame, high)
        if bad is not None:
            row, column, problem = bad
            raise PipelineError(f"{name}: line {row + 2}, column {column}: {problem}")
    return _labels_and_pixels(frame.to_numpy(dtype=np.uint8), labelled)


def _labels_and_pixels(values: np.ndarray, labelled: bool) -> tuple[np.ndarray | None, np.ndarray]:
    """Split a CSV's uint8 values into (labels or None, pixels), both row-major.

    pandas gives column-major arrays; the stages read rows, so the pixels are made row-major.
    """
    if labelled:
        return values[:, 0].copy(), np.ascontiguousarray(values[:, 1:])
    return None, np.ascontiguousarray(values)


def _check_field_counts(path: Path, fields: int, name: str) -> None:
    """Every non-blank line must hold exactly `fields` comma-separated fields.

    pandas would otherwise take an extra leading column as the index, or pad a short line.
    """
    with open(path, "rb") as handle:
        for number, line in enumerate(handle, start=1):
            found = line.count(b",") + 1
            if found != fields and line.strip():
                raise PipelineError(f"{name}: line {number}: {found} fields, expected {fields}")


def _out_of_range(frame: pd.DataFrame) -> bool:
    """True if an integer frame has a pixel outside 0..255 or a label outside 0..9."""
    pixels = frame[PIXEL_COLUMNS].to_numpy()
    if pixels.min() < 0 or pixels.max() > 255:
        return True
    return "label" in frame and not frame["label"].between(0, 9).all()


def _header_problem(header: list[str], labelled: bool) -> str:
    """Describe how a header differs from the Kaggle one."""
    expected = TRAIN_HEADER if labelled else PIXEL_COLUMNS
    shape = "label,pixel0,...,pixel783" if labelled else "pixel0,...,pixel783 (no label column)"
    if not labelled and "label" in header:
        return f"test file must not have a label column (expected header {shape})"
    missing = [column for column in expected if column not in header]
    if missing:
        return f"missing column {missing[0]} (expected header {shape})"
    extra = [column for column in header if column not in expected]
    if extra:
        return f"unexpected column {extra[0]!r} (expected header {shape})"
    position = next(i for i, (a, b) in enumerate(zip(header, expected, strict=False)) if a != b)
    found, wanted = header[position], expected[position]
    return f"column {position + 1} is {found!r}, expected {wanted!r} ({shape})"


def read_checked_pixels(path: Path, labelled: bool) -> tuple[np.ndarray | None, np.ndarray]:
    """Fast read of a CSV that `fetch` already validated: uint8 (labels, pixels)."""
    if not path.exists():
        raise PipelineError(f"{path}: not found (run the fetch stage first: dvc repro fetch)")
    values = pd.read_csv(path, dtype=np.uint8, index_col=False).to_numpy()
    return _labels_and_pixels(values, labelled)


# --------------------------------------------------------------------------- keras models


def keras_backend(seed: int) -> Any:
    """Import Keras on TensorFlow with this project's CPU settings, seeded; return `keras`.

    TensorFlow 2.21 turns oneDNN on by itself only on some CPUs (here: AVX-512 VNNI parts) and
    leaves it off on others, where it speeds the CNN up about 2x; so it is switched on here,
    before TensorFlow is imported, unless the user set TF_ENABLE_ONEDNN_OPTS.
    """
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras

    keras.utils.set_random_seed(seed)
    return keras


def build_mlp(keras: Any, params: dict[str, Any]) -> Any:
    """The notebook's dense network: Dense `layers`, then a 10-way softmax; Adam; crossentropy.

    `params` is the `train_mlp` section (`layers`, `activation` and the `keras_params` keys).
    """
    model = keras.Sequential([keras.Input((N_PIXELS,))], name="mlp")
    for units in params["layers"]:
        model.add(keras.layers.Dense(units, activation=params["activation"]))
    model.add(keras.layers.Dense(N_CLASSES, activation="softmax"))
    return _compile(keras, model, params)


def build_cnn(keras: Any, params: dict[str, Any]) -> Any:
    """The notebook's CNN: [Conv2D(same) -> MaxPool -> Dropout] per filter count, Dense, softmax.

    `params` is the `train_cnn` section. The notebook's convolutions have no activation;
    `conv_activation: null` keeps that by default.
    """
    layers = keras.layers
    model = keras.Sequential([keras.Input((IMAGE_SIDE, IMAGE_SIDE, 1))], name="cnn")
    for count in params["filters"]:
        model.add(
            layers.Conv2D(
                count,
                params["kernel_size"],
                padding="same",
                activation=params["conv_activation"],
            )
        )
        model.add(layers.MaxPool2D())
        model.add(layers.Dropout(params["dropout"]))
    model.add(layers.Flatten())
    model.add(layers.Dense(params["dense_units"], activation="relu"))
    model.add(layers.Dropout(params["dropout"]))
    model.add(layers.Dense(N_CLASSES, activation="softmax"))
    return _compile(keras, model, params)


def _compile(keras: Any, model: Any, params: dict[str, Any]) -> Any:
    """Adam and crossentropy, as the notebook. `steps_per_execution` batches run per call into
    TensorFlow: the same updates in the same order (bit-identical weights), less overhead."""
    model.compile(
        optimizer=keras.optimizers.Adam(params["learning_rate"]),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        jit_compile=params["jit_compile"],
        steps_per_execution=params["steps_per_execution"],
    )
    return model


def fit_keras(model: Any, data: dict[str, np.ndarray], params: dict[str, Any]) -> pd.DataFrame:
    """Train on float32 arrays fed through a tf.data pipeline; return the per-epoch history.

    `params` is the stage's section (`epochs`, `batch_size`, `seed` are used here).

    Consumes `data["x_train"]` (removed from the dict); the other arrays stay.

    The arrays become tensors once; tf.data (autotuning off) shuffles row indices and gathers
    whole batches, which is faster than handing numpy arrays to `fit` on a 2-core CPU and keeps
    no second copy of the images in a shuffle buffer. Sparse integer labels give the same loss
    as the notebook's one-hot `categorical_crossentropy`.
    """
    import tensorflow as tf

    epochs, batch_size, seed = params["epochs"], params["batch_size"], params["seed"]

    def dataset(x: np.ndarray, y: np.ndarray, shuffle: bool) -> Any:
        images, labels = tf.constant(x), tf.constant(y.astype(np.int32))
        rows = tf.data.Dataset.range(len(x))
        if shuffle:
            rows = rows.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
        options = tf.data.Options()
        options.autotune.enabled = False
        batches = rows.batch(batch_size).map(
            lambda index: (tf.gather(images, index), tf.gather(labels, index))
        )
        return batches.prefetch(2).with_options(options)

    timer = epoch_timer(epochs)
    # x_train is taken out of `data`: once it is a tensor, its memory-mapped pages are released
    # (about 100 MB of peak RSS at Kaggle scale)
    train = dataset(data.pop("x_train"), data["y_train"], shuffle=True)
    history = model.fit(
        train,
        validation_data=dataset(data["x_val"], data["y_val"], shuffle=False),
        epochs=epochs,
        shuffle=False,  # the dataset reshuffles itself each epoch
        verbose=0,
        callbacks=[timer],
    )
    release_freed_memory()
    frame = pd.DataFrame(history.history)
    frame.insert(0, "epoch", np.arange(1, len(frame) + 1))
    frame["seconds"] = timer.train_seconds
    return frame[["epoch", "loss", "accuracy", "val_loss", "val_accuracy", "seconds"]]


def release_freed_memory() -> None:
    """Return the heap memory that training freed to the OS, as glibc does not by itself.

    The training tensors and XLA's compiler scratch stay resident otherwise (about 100 MB for
    the dense net at Kaggle scale), raising the peak of what follows. No-op without glibc.
    """
    with suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def epoch_timer(epochs: int) -> Any:
    """A Keras callback that times the training part of each epoch and prints an epoch line."""
    import keras

    class EpochTimer(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.train_seconds: list[float] = []

        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            self._start = self._train_end = time.perf_counter()

        def on_test_begin(self, logs: Any = None) -> None:
            self._train_end = time.perf_counter()

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            end = self._train_end if self._train_end > self._start else time.perf_counter()
            self.train_seconds.append(round(end - self._start, 4))
            logs = logs or {}
            log(
                f"epoch {epoch + 1}/{epochs}  {self.train_seconds[-1]:.1f}s  "
                + "  ".join(f"{key} {value:.4f}" for key, value in logs.items())
            )

    return EpochTimer()


def predict_proba_keras(model: Any, x: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """Class probabilities (N, 10) as float32, predicted batch by batch.

    `model.predict(x)` first copies all of `x` into one tensor (88 MB more peak memory for a
    Kaggle test set); batches read from the memory-mapped array are as fast. A short last
    batch is padded with blank rows, so that TensorFlow (and XLA) compile one batch shape only.
    """
    proba = np.empty((len(x), N_CLASSES), dtype=np.float32)
    batch = np.zeros((batch_size, *x.shape[1:]), dtype=np.float32)
    for start in range(0, len(x), batch_size):
        rows = min(batch_size, len(x) - start)
        batch[:rows] = read_rows(x, start, rows)
        batch[rows:] = 0
        proba[start : start + rows] = np.asarray(model.predict_on_batch(batch))[:rows]
    return proba


def read_rows(x: np.ndarray, start: int, rows: int) -> np.ndarray:
    """x[start:start + rows]; from a memory-mapped array, read from its file instead.

    Pages of a memory-mapped file count in the process's RSS once touched; plain reads leave
    them in the page cache, so predicting on a Kaggle test set adds no 88 MB to the peak.
    """
    if not isinstance(x, np.memmap) or x.filename is None or not x.flags.c_contiguous:
        return np.asarray(x[start : start + rows])
    row_items = int(np.prod(x.shape[1:], dtype=np.int64))
    flat = np.fromfile(
        x.filename,
        dtype=x.dtype,
        count=rows * row_items,
        offset=x.offset + start * row_items * x.dtype.itemsize,
    )
    return flat.reshape(rows, *x.shape[1:])


def save_keras_model(model: Any, path: Path) -> None:
    """Save a `.keras` file atomically, without holding its weights in memory.

    `model.save("x.keras")` builds the weights file in memory first when it finds memory
    plentiful: with Adam's state, 150 MB more peak for the dense net. Saving unzipped to a
    folder and storing those files in the zip, as Keras does, gives the same format.
    """
    with (
        atomic_paths(path) as (tmp,),
        tempfile.TemporaryDirectory(dir=path.parent, prefix=f".{path.stem}.") as folder,
    ):
        model.save(folder, zipped=False)
        with zipfile.ZipFile(tmp, "w") as archive:
            for file in sorted(Path(folder).rglob("*")):
                if file.is_file():
                    archive.write(file, file.relative_to(folder).as_posix())


# --------------------------------------------------------------------------- model outputs


def accuracy_and_loss(labels: np.ndarray, proba: np.ndarray) -> tuple[float, float]:
    """Accuracy and multiclass log loss (clipped as scikit-learn does) of predictions."""
    labels = np.asarray(labels, dtype=np.int64)
    accuracy = float(np.mean(proba.argmax(axis=1) == labels))
    eps = np.finfo(np.float32).eps
    picked = np.clip(proba[np.arange(len(labels)), labels].astype(np.float64), eps, 1.0)
    return accuracy, float(-np.mean(np.log(picked)))


def save_predictions(path: Path, val_proba: np.ndarray, test_proba: np.ndarray) -> None:
    """Save a model's validation and test class probabilities for evaluate and submit."""
    with atomic_paths(path) as (tmp,):
        np.savez(tmp, val=val_proba.astype(np.float32), test=test_proba.astype(np.float32))


def load_predictions(path: Path) -> dict[str, np.ndarray]:
    """Load what `save_predictions` wrote."""
    if not path.exists():
        raise PipelineError(f"{path}: not found (run the training stages first: dvc repro)")
    with np.load(path) as data:
        return {"val": data["val"], "test": data["test"]}


# --------------------------------------------------------------------------- training stages


def training_args(description: str, history: bool = True) -> argparse.Namespace:
    """Command-line paths shared by the training stages (they live in dvc.yaml only)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--features", type=Path, required=True, help="features folder")
    parser.add_argument("--split", type=Path, required=True, help="folder with y_train/y_val")
    parser.add_argument("--model", type=Path, required=True, help="model file to write")
    parser.add_argument("--predictions", type=Path, required=True, help="probabilities (.npz)")
    parser.add_argument("--metrics", type=Path, required=True, help="metrics JSON to write")
    if history:
        parser.add_argument("--history", type=Path, required=True, help="per-epoch CSV")
    return parser.parse_args()


def load_training_data(features: Path, split: Path) -> dict[str, np.ndarray]:
    """x_train/x_val/x_test (float32, memory-mapped: pages are read when used) and labels."""
    data = {f"x_{name}": load_array(features / f"{name}.npy") for name in ("train", "val", "test")}
    data["y_train"] = load_array(split / "y_train.npy", mmap=False)
    data["y_val"] = load_array(split / "y_val.npy", mmap=False)
    return data


def keras_params(extra: dict[str, Check]) -> dict[str, Check]:
    """Params every Keras stage reads, plus the model's own."""
    return {
        "seed": integer(0),
        "epochs": integer(1),
        "batch_size": integer(1),
        "learning_rate": positive(),
        "jit_compile": boolean,
        "steps_per_execution": integer(1),
        **extra,
    }


def save_keras_results(
    name: str,
    model: Any,
    data: dict[str, np.ndarray],
    history: pd.DataFrame,
    args: argparse.Namespace,
) -> None:
    """Write a trained network's model, history CSV, probabilities and metrics JSON.

    The model is saved before predicting: saving needs extra memory for a while, and this
    order keeps the stage's peak RSS lower.
    """
    save_keras_model(model, args.model)
    val_proba = predict_proba_keras(model, data["x_val"])
    accuracy, loss = accuracy_and_loss(data["y_val"], val_proba)
    train_seconds = float(history["seconds"].sum())
    save_csv(args.history, history)
    save_predictions(args.predictions, val_proba, predict_proba_keras(model, data["x_test"]))
    save_json(
        args.metrics,
        {
            name: {
                "val_accuracy": round(accuracy, 6),
                "val_loss": round(loss, 6),
                "fit_seconds": round(train_seconds, 3),
                "images_per_second": round(len(data["y_train"]) * len(history) / train_seconds, 1),
                "params": int(model.count_params()),
                "epochs": len(history),
                "train_rows": len(data["y_train"]),
                "val_rows": len(data["y_val"]),
            }
        },
    )
    log(f"{name}: val_accuracy {accuracy:.4f}, {train_seconds:.1f}s of training")
