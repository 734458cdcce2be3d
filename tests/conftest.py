"""Shared fixtures: the tiny random Llama for fast tests, the bundled model where a real one is needed."""

import pytest

from tutorial_lib.models import load_model, tiny_model


@pytest.fixture(scope="session")
def tiny():
    """Return (model, tokenizer): a 2-layer random Llama with the real tokenizer."""
    return tiny_model()


@pytest.fixture(scope="session")
def smol():
    """Return (model, tokenizer): the bundled SmolLM2-135M-Instruct in float32 on the CPU."""
    return load_model("smollm2-135m-instruct", dtype="float32", device="cpu")
