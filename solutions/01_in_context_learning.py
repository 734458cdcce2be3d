"""Lesson 01 · In-context learning — solutions.

Check them with: python -m tutorial_lib grade 01 --solutions
"""

from __future__ import annotations

import random

import torch


def select_balanced(labels: list[str], k: int, seed: int = 0) -> list[int]:
    """Return k distinct indices into `labels`, drawn at random with random.Random(seed), so that
    each of the C different labels is used k // C or k // C + 1 times.

    Example: labels ["pos", "neg", "pos", "neg", "pos"], k=2 -> one "pos" and one "neg" index, such
    as [3, 0]. The same seed must give the same indices; different seeds, different draws.
    """
    rng = random.Random(seed)
    classes = sorted(set(labels))
    by_label = {c: [i for i, label in enumerate(labels) if label == c] for c in classes}
    extra = set(rng.sample(classes, k % len(classes)))  # which labels get one more
    chosen = []
    for c in classes:
        chosen += rng.sample(by_label[c], k // len(classes) + (c in extra))
    rng.shuffle(chosen)
    return chosen


def few_shot_prompt(demos: list[tuple[str, str]], query: str) -> str:
    """Return the few-shot prompt for `query` as one string.

    Each (review, label) demonstration is written "Review: {review}\\nSentiment: {label}", the
    query as "Review: {query}\\nSentiment:" (no space after the colon), and the parts are joined
    by a blank line ("\\n\\n"). With no demonstrations the prompt is the query part alone.
    """
    parts = [f"Review: {review}\nSentiment: {label}" for review, label in demos]
    return "\n\n".join([*parts, f"Review: {query}\nSentiment:"])


def label_by_logprobs(next_logprobs: torch.Tensor, label_token_ids: dict[str, int]) -> list[str]:
    """Return, for each row of next_logprobs (shape (examples, vocab)), the label whose token id
    has the highest log-probability; other tokens of the vocabulary are ignored.

    Example: label_token_ids {"positive": 1, "negative": 2} and a row whose entry 2 is larger than
    entry 1 -> "negative".
    """
    labels = list(label_token_ids)
    scores = next_logprobs[:, [label_token_ids[label] for label in labels]]
    return [labels[i] for i in scores.argmax(dim=-1).tolist()]


def predict_demo_tokens() -> int:
    """Predict, then run: into how many tokens does the bundled tokenizer split this demonstration?

        "Review: A gripping, beautifully acted film.\\nSentiment: positive"

    Return your prediction as a number (it counts as right within 25 %); every demonstration costs
    this many prompt tokens per query (section 7 of the notebook).
    """
    return 14
