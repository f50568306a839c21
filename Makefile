# Two entry points for a fresh clone (each sets itself up):
#   make study   # run every notebook end to end with papermill (PRESET=cpu by default)
#   make test    # lint (ruff check + format --check), then the test suite (notebooks in the smoke preset included)
#   make site    # build/site/: a static HTML site of the executed notebooks, REPORT and README (offline)
PY      ?= python3
VENV    ?= .venv
PRESET  ?= cpu
BIN      = $(VENV)/bin
STAMP    = $(VENV)/.installed

.PHONY: setup study test lint sync-notebooks lock report render site paper-grid clean
GPUS    ?= 1

$(STAMP): requirements.txt requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet torch==2.13.0          # local CPU wheel: always first, exact pin
	$(BIN)/pip install --quiet -r requirements.lock   # exact versions (requirements.txt is the edited source)
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "hybridlib (.venv)" >/dev/null
	touch $(STAMP)

setup: $(STAMP)

study: $(STAMP)
	HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 MPLBACKEND=agg $(BIN)/python -m hybridlib.notebook.study --preset $(PRESET)

test: $(STAMP) lint
	HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 MPLBACKEND=agg $(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check hybridlib tests scripts notebooks/*.py && $(BIN)/ruff format --check hybridlib tests scripts

lock:  # re-resolve requirements.txt in a fresh venv and write requirements.lock
	rm -rf build/lock-venv && $(PY) -m venv build/lock-venv
	build/lock-venv/bin/pip install --quiet torch==2.13.0 && build/lock-venv/bin/pip install --quiet -r requirements.txt
	{ echo "# Exact versions of everything \`make setup\` installs (generated; do not edit by hand)."; \
	  echo "# Regenerate after changing requirements.txt:  make lock   (pip freeze of a fresh venv)"; \
	  build/lock-venv/bin/pip freeze --exclude-editable | grep -v '^torch=='; } > requirements.lock

report: $(STAMP)  # REPORT.md and results/SUMMARY.md from results/ (reads only)
	HF_HUB_OFFLINE=1 $(BIN)/python scripts/make_report.py --preset $(PRESET) && $(BIN)/python scripts/summarize_results.py --preset $(PRESET)

render: $(STAMP)  # execute every notebook read-only on committed results and keep the outputs in notebooks/*.ipynb
	HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 HYBRIDLIB_READ_ONLY=1 MPLBACKEND=agg $(BIN)/python -m hybridlib.notebook.study --preset $(PRESET) --render

site: $(STAMP)  # build/site/index.html from the committed notebooks/*.ipynb, REPORT.md, README.md, docs/ (reads only)
	$(BIN)/python -m hybridlib.notebook.site --out build/site

paper-grid: $(STAMP)  # the paper's training grid on GPUS GPUs (needs the hub); then PRESET=paper make study
	$(BIN)/torchrun --nproc_per_node $(GPUS) scripts/run_experiments.py paper --preset paper

sync-notebooks: $(STAMP)
	$(BIN)/jupytext --sync notebooks/[0-9][0-9]_*.py

clean:
	rm -rf build
