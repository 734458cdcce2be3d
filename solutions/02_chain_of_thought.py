"""Lesson 02 · Chain of thought — solutions.

Check them with: python -m tutorial_lib grade 02 --solutions
"""

from __future__ import annotations

import re

ANSWER = re.compile(r"the answer is\s*:?\s*\$?\s*(-?\d[\d,]*)", re.IGNORECASE)


def extract_answer(text: str) -> int | None:
    """Return the whole number that follows the last "the answer is" in `text`, or None.

    Case does not matter; a colon, spaces and a "$" may come before the number, a "-" sign may start
    it and commas may group its digits ("The answer is: $1,250." -> 1250). Only occurrences followed
    by a number count ("The answer is 5. Hmm, the answer is unclear." -> 5); None if there is none.

    The last one trusts a model that corrects itself. Lesson 02 reads the first one instead, in
    the model's own turn only (cut at an invented "Q:" or "A:" line): a small model that goes on
    to invent more lines would otherwise be graded on them. Compare the two readings on the
    lesson's outputs.
    """
    found = ANSWER.findall(text)
    return int(found[-1].replace(",", "")) if found else None


def weighted_vote(answers: list[int | None], weights: list[float]) -> int | None:
    """Return the answer with the largest total weight, ignoring None; a tie goes to the answer that
    came first.

    Self-consistency's vote gives every path one vote; Wang et al. (2023) also tried weighting each
    path, e.g. by the probability the model gave it. `weights[i]` is path i's weight. None when
    there is no answer at all. Example: answers [3, 5, 3, None, 5], weights [0.1, 0.9, 0.2, 1.0,
    0.3] -> 5 (5 totals 1.2, 3 totals 0.3; the None path's weight counts for nothing).
    """
    if len(answers) != len(weights):
        raise ValueError("weighted_vote needs one weight per answer")
    totals: dict[int, float] = {}
    for answer, weight in zip(answers, weights):
        if answer is not None:
            totals[answer] = totals.get(answer, 0.0) + weight
    if not totals:
        return None
    best = max(totals.values())
    return next(a for a in totals if totals[a] == best)  # dicts keep first-seen order


def predict_vote_accuracy() -> float:
    """Predict, then run: each sampled reasoning path is right with probability 0.6, independently,
    and every wrong path gives the same wrong answer. How often is the majority vote of 5 paths
    right?

    Return your prediction as a number from 0 to 1 (right within 0.03); section 4 of the notebook
    measures the curve on real problems.
    """
    return 0.68
