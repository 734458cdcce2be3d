"""Lesson 02 · Chain of thought — solutions.

Check them with: python -m tutorial_lib grade 02 --solutions
"""

from __future__ import annotations

import re
from collections import Counter

ANSWER = re.compile(r"the answer is\s*:?\s*\$?\s*(-?\d[\d,]*)", re.IGNORECASE)


def extract_answer(text: str) -> int | None:
    """Return the whole number that follows the last "the answer is" in `text`, or None.

    Case does not matter; a colon, spaces and a "$" may come before the number, a "-" sign may start
    it and commas may group its digits ("The answer is: $1,250." -> 1250). Only occurrences followed
    by a number count ("The answer is 5. Hmm, the answer is unclear." -> 5); None if there is none.
    """
    found = ANSWER.findall(text)
    return int(found[-1].replace(",", "")) if found else None


def majority_vote(answers: list[int | None]) -> int | None:
    """Return the most common answer, ignoring None; a tie goes to the answer that came first.

    None when there is no answer at all. Example: [3, 5, 3, None, 5] -> 3.
    """
    counts = Counter(a for a in answers if a is not None)
    if not counts:
        return None
    best = max(counts.values())
    return next(a for a in answers if a is not None and counts[a] == best)


def predict_vote_accuracy() -> float:
    """Predict, then run: each sampled reasoning path is right with probability 0.6, independently,
    and every wrong path gives the same wrong answer. How often is the majority vote of 5 paths
    right?

    Return your prediction as a number from 0 to 1 (right within 0.03); section 4 of the notebook
    measures the curve on real problems.
    """
    return 0.68
