"""Lesson 02 · Chain of thought — exercises.

Implement each function (replace `raise NotImplementedError`), then check your work:
    python -m tutorial_lib grade 02      (or: make grade LESSON=02)
"""

from __future__ import annotations


def extract_answer(text: str) -> int | None:
    """Return the whole number that follows the last "the answer is" in `text`, or None.

    Case does not matter; a colon, spaces and a "$" may come before the number, a "-" sign may start
    it and commas may group its digits ("The answer is: $1,250." -> 1250). Only occurrences followed
    by a number count ("The answer is 5. Hmm, the answer is unclear." -> 5); None if there is none.
    """
    raise NotImplementedError


def majority_vote(answers: list[int | None]) -> int | None:
    """Return the most common answer, ignoring None; a tie goes to the answer that came first.

    None when there is no answer at all. Example: [3, 5, 3, None, 5] -> 3.
    """
    raise NotImplementedError


def predict_vote_accuracy() -> float:
    """Predict, then run: each sampled reasoning path is right with probability 0.6, independently,
    and every wrong path gives the same wrong answer. How often is the majority vote of 5 paths
    right?

    Return your prediction as a number from 0 to 1 (right within 0.03); section 4 of the notebook
    measures the curve on real problems.
    """
    raise NotImplementedError
