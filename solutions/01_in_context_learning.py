"""Lesson 01 · In-context learning — solutions.

Check them with: python -m tutorial_lib grade 01 --solutions
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
    q = torch.tensor(query, dtype=torch.float64)
    p = torch.tensor(pool, dtype=torch.float64)
    similarity = (p @ q / (p.norm(dim=1) * q.norm()).clamp_min(1e-12)).tolist()
    ranked = sorted(range(len(pool)), key=lambda i: (-similarity[i], i))  # most similar first
    classes = sorted(set(labels))
    chosen = []
    for c in classes:
        chosen += [i for i in ranked if labels[i] == c][: k // len(classes)]
    chosen += [i for i in ranked if i not in chosen][: k - len(chosen)]
    return sorted(chosen, key=lambda i: (similarity[i], -i))  # least similar first


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
