"""The general_text dataset: the course's own prose paragraphs, shuffled and split about 80/20."""

from __future__ import annotations

import random
from pathlib import Path

from .common import TEST_FRACTION, Splits

CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "general_text.txt"


def read_corpus(path: Path = CORPUS) -> list[str]:
    """Return the paragraphs of the general-text corpus (split at blank lines, lines joined)."""
    blocks = path.read_text(encoding="utf-8").split("\n\n")
    return [" ".join(block.split()) for block in blocks if block.strip()]


def make_general_text(rng: random.Random) -> Splits:
    """Return the general_text splits: the corpus paragraphs shuffled and split about 80/20."""
    paragraphs = read_corpus()
    rng.shuffle(paragraphs)
    n_test = round(len(paragraphs) * TEST_FRACTION)
    rows = [{"text": p} for p in paragraphs]
    return {"train": rows[n_test:], "test": rows[:n_test]}
