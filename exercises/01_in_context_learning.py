"""Lesson 01 · In-context learning — exercises.

Implement each function (replace `raise NotImplementedError`), then check your work:
    python -m tutorial_lib grade 01      (or: make grade LESSON=01)
"""

from __future__ import annotations

import torch


def nearest_balanced(
    query: list[float], pool: list[list[float]], labels: list[str], k: int
) -> list[int]:
    """Return the indices of the k pool examples nearest to `query` (cosine), label-balanced.

    Each of the C labels gets its k // C most similar pool examples; the k % C slots left go to
    the most similar of the examples not chosen yet, whatever their labels. Order the indices from
    the least similar to the most similar, so that the nearest demonstration sits right before the
    query (as the notebook's select_nearest does). Ties go to the lower index.

    Example: query [1, 0], pool [[1, 0], [0, 1], [1, 1], [-1, 0]], labels ["a", "a", "b", "b"],
    k=2 -> [2, 0] (the nearest "b" is [1, 1], the nearest "a" is [1, 0], which is nearer still).
    """
    raise NotImplementedError


def few_shot_prompt(demos: list[tuple[str, str]], query: str) -> str:
    """Return the few-shot prompt for `query` as one string.

    Each (review, label) demonstration is written "Review: {review}\\nSentiment: {label}", the
    query as "Review: {query}\\nSentiment:" (no space after the colon), and the parts are joined
    by a blank line ("\\n\\n"). With no demonstrations the prompt is the query part alone.
    """
    raise NotImplementedError


def label_by_logprobs(next_logprobs: torch.Tensor, label_token_ids: dict[str, int]) -> list[str]:
    """Return, for each row of next_logprobs (shape (examples, vocab)), the label whose token id
    has the highest log-probability; other tokens of the vocabulary are ignored.

    Example: label_token_ids {"positive": 1, "negative": 2} and a row whose entry 2 is larger than
    entry 1 -> "negative".
    """
    raise NotImplementedError


def predict_demo_tokens() -> int:
    """Predict, then run: into how many tokens does the bundled tokenizer split this demonstration?

        "Review: A gripping, beautifully acted film.\\nSentiment: positive"

    Return your prediction as a number (it counts as right within 25 %); every demonstration costs
    this many prompt tokens per query (section 7 of the notebook).
    """
    raise NotImplementedError
