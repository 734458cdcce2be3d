"""Shared fixtures: the tiny random Llama for fast tests, the bundled model where a real one is
needed."""

import os

import pytest

from tutorial_lib.models import load_model, tiny_model
from tutorial_lib.output_cache import SWITCH

# tests and the notebooks they run generate afresh: a shared disk cache would let one test's
# outputs (or a mocked generate) answer another's; tests/test_output_cache.py turns it on
os.environ.setdefault(SWITCH, "off")


@pytest.fixture(scope="session")
def tiny():
    """Return (model, tokenizer): a 2-layer random Llama with the real tokenizer."""
    return tiny_model()


@pytest.fixture(scope="session")
def smol():
    """Return (model, tokenizer): the bundled SmolLM2-135M-Instruct in float32 on the CPU."""
    return load_model("smollm2-135m-instruct", dtype="float32", device="cpu")


@pytest.fixture(autouse=True)
def _restore_environment():
    """Undo what a test's code left in os.environ or the working directory.

    Tests share worker processes (pytest -n 2), and notebooks' kernels inherit the environment:
    one test's $COURSE_DATA_DIR must not send the next notebook to another folder."""
    env, cwd = dict(os.environ), os.getcwd()
    yield
    if dict(os.environ) != env:
        os.environ.clear()
        os.environ.update(env)
    os.chdir(cwd)
