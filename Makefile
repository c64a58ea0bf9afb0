# Two commands for a fresh clone: `make repro` (set up + run the pipeline), `make test`.
# Both create .venv from pyproject.toml when it is missing or older than pyproject.toml.

PYTHON ?= python3
TENSORFLOW ?= cpu  # cpu | gpu (NVIDIA, Linux): which TensorFlow build `setup` installs
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(strip $(TENSORFLOW))
export PATH := $(CURDIR)/$(BIN):$(PATH)
export DVC_NO_ANALYTICS := 1

.PHONY: setup repro compare chromium remote remote-s3 train-workers test test-fast lint bench clean-venv

# the page template `dvc plots show` uses (.dvc/config): charts drawn with no network; it is
# committed (a pip-only clone has it), rewritten here after an install, the same bytes unless
# vl-convert-python changed (tests/unit/test_plots_template.py checks the committed copy)
PLOTS_TEMPLATE := .dvc/plots/offline.html
setup: $(STAMP) $(PLOTS_TEMPLATE)

# the cpu and gpu builds install the same files: switching starts from a new venv
$(STAMP): pyproject.toml
	for other in $(VENV)/.installed-*; do test ! -e "$$other" || test "$$other" = $(STAMP) || rm -rf $(VENV); done
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,export,demo,$(strip $(TENSORFLOW))]"
	rm -f $(VENV)/.installed
	touch $(STAMP)

$(PLOTS_TEMPLATE): $(STAMP)
	python -m digit_recognizer.evaluation.plots_page $@

# the end-to-end tests open `dvc plots show`'s page in a headless Chromium
CHROMIUM := $(shell command -v chromium || command -v chromium-browser)
chromium:
	test -n "$(CHROMIUM)" || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

repro: $(STAMP) $(PLOTS_TEMPLATE)
	dvc repro

# experiments side by side in under 120 columns: the chosen model, accuracies on the validation
# split (val.*) and on the answer key (test.*) of the strong models; COMPARE_KEEP is a regex of
# the columns kept (`dvc metrics show metrics/models` lists every model); then the kind of CPU
# that trained each experiment's strong CNN: its scores differ between kinds, by design
# (docs/results.md#which-cpu), so rows from different kinds differ by the hardware too
COMPARE_KEEP := ^Experiment$$|^Created$$|^chosen$$|^val\.(cnn_aug|ensemble)$$|^test\.(cnn|cnn_aug|ensemble)$$
compare:  # needs the venv set up (make setup)
	dvc exp show --no-pager --drop '.*' --keep '$(COMPARE_KEEP)'
	dvc metrics show metrics/models
	dvc exp show --no-pager --csv --drop '.*' --keep '^Experiment$$|^rev$$|^metrics/models/cnn_aug\.json:cpu$$'

# a DVC remote shared by the team (a folder every clone can reach; for S3 see docs/team.md),
# recorded in .dvc/config: commit it, then `dvc push --run-cache` / `dvc pull --run-cache`
remote: $(STAMP)
	test -n "$(DIR)" || (echo "usage: make remote DIR=/path/to/shared/dvc-cache" >&2; false)
	dvc remote add --default --force shared "$(abspath $(DIR))"

# the same remote on S3, or on an S3-compatible store with ENDPOINT=https://host:port (dvc-s3
# comes with `setup`; with pip alone, the s3 extra); keys go only to the git-ignored
# .dvc/config.local: dvc remote modify --local shared access_key_id ... (docs/team.md)
remote-s3: $(STAMP)
	test -n "$(URL)" || (echo "usage: make remote-s3 URL=s3://bucket/path [ENDPOINT=https://host:port]" >&2; false)
	dvc remote add --default --force shared "$(URL)"
	test -z "$(ENDPOINT)" || dvc remote modify shared endpointurl "$(ENDPOINT)"

# N local workers (default 2) train STAGE (default train_cnn) with its dvc.yaml command and
# `distribute: multi_worker` set in params.yaml; then `dvc commit -f STAGE` records the result
# (docs/distributed.md)
train-workers: $(STAMP)
	python -m digit_recognizer.training.workers $(or $(N),2) --stage $(or $(STAGE),train_cnn)

# two workers (pytest-xdist), each test file on one of them: the suite's DVC and Python start-ups
# overlap, and a file's module-scoped projects are built once
test: $(STAMP) $(PLOTS_TEMPLATE) chromium
	python -m pytest -n 2 --dist loadfile

test-fast: $(STAMP)
	python -m pytest -m "not training and not e2e"

lint: $(STAMP)
	ruff check digit_recognizer stages tests bench
	ruff format --check digit_recognizer stages tests bench

bench: repro
	python bench/run.py --full
	python bench/predict_speed.py --model models/cnn.keras --json bench/results/predict.json
	python bench/report.py

clean-venv:
	rm -rf $(VENV)
