"""The grader's checks for lessons 00–02: the tour, in-context learning, chain of thought."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F

from .common import Check, Wrong, bundled_params, number, prediction, show, tensor_like

# --- 00 setup and tour -------------------------------------------------------------------------

# Position 0's logits are equal (p = 1/3 each), position 1's are log(1, 2, 1) (p = 1/4, 1/2, 1/4).
LOGITS_00 = torch.tensor([[[0.0, 0.0, 0.0], [0.0, math.log(2), 0.0], [5.0, 0.0, 0.0]]])
IDS_00 = torch.tensor([[2, 1, 0]])  # token 1 follows position 0, token 0 follows position 1


def check_next_token_logprobs(fn: Callable) -> str:
    """Return '' if fn gives log p(next token) at each position, else raise Wrong."""
    want = torch.tensor([[math.log(1 / 3), math.log(1 / 4)]])
    tensor_like(fn(LOGITS_00.clone(), IDS_00.clone()), want, "log-probs of the 3-token fixture")
    logits, ids = torch.randn(2, 5, 7), torch.randint(0, 7, (2, 5))
    want = -F.cross_entropy(logits[:, :-1].transpose(1, 2), ids[:, 1:], reduction="none")
    tensor_like(fn(logits, ids), want, "log-probs of a random (2, 5, 7) batch")
    return ""


def check_perplexity(fn: Callable) -> str:
    """Return '' if fn gives exp(mean NLL) over the unmasked next tokens, else raise Wrong."""
    number(
        fn(LOGITS_00.clone(), IDS_00.clone(), torch.ones(1, 3)),
        math.sqrt(12),
        "perplexity, no padding",
    )
    mask = torch.tensor([[1, 1, 0]])  # only token 1 (p = 1/3) counts
    number(
        fn(LOGITS_00.clone(), IDS_00.clone(), mask), 3.0, "perplexity with the last token masked"
    )
    return ""


def check_bf16_megabytes(fn: Callable) -> str:
    """Return the note of the bf16 size prediction (2 bytes per parameter), else raise Wrong."""
    return prediction(fn(), 2 * bundled_params() / 1e6, "MB")


# --- 01 in-context learning --------------------------------------------------------------------


def check_nearest_balanced(fn: Callable) -> str:
    """Return '' if fn picks the k nearest pool examples by cosine, balanced per label, least
    similar first, else raise Wrong."""
    query = [1.0, 0.0]
    pool = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [-1.0, 0.0]]
    cases = [  # (labels, k, want): cosines to the query are 1, 0, 0.71, -1
        (["a", "a", "b", "b"], 2, [2, 0]),  # the nearest "a" and the nearest "b"
        (["a", "a", "b", "b"], 3, [1, 2, 0]),  # the extra slot: the nearest left, index 1 (0 > -1)
        (["a", "b", "a", "b"], 2, [1, 0]),  # balance beats similarity: "b" at 0 before "a" at 0.71
        (["a", "a", "a", "a"], 2, [2, 0]),  # one label: the plain k nearest
    ]
    for labels, k, want in cases:
        got = fn(list(query), [list(v) for v in pool], list(labels), k)
        if got != want:
            raise Wrong(f"labels {labels}, k={k}: expected {want}, got {show(got)}")
    if fn([2.0, 0.0], [[3.0, 0.0], [0.0, 5.0]], ["a", "b"], 1) != [0]:
        raise Wrong("cosine similarity ignores the vectors' lengths: normalise query and pool")
    return ""


def check_few_shot_prompt(fn: Callable) -> str:
    """Return '' if fn writes the review/sentiment template exactly, else raise Wrong."""
    demos = [("Loved it.", "positive"), ("Dull.", "negative")]
    want = (
        "Review: Loved it.\nSentiment: positive\n\nReview: Dull.\nSentiment: negative\n\n"
        "Review: Fine acting.\nSentiment:"
    )
    got = fn(demos, "Fine acting.")
    if got != want:
        raise Wrong(f"expected {want!r}, got {show(got)}")
    if fn([], "Fine acting.") != "Review: Fine acting.\nSentiment:":
        raise Wrong("with no demonstrations expected just 'Review: Fine acting.\\nSentiment:'")
    return ""


def check_label_by_logprobs(fn: Callable) -> str:
    """Return '' if fn picks the label whose token has the higher log-prob, else raise Wrong."""
    logprobs = torch.log(torch.tensor([[0.1, 0.2, 0.3, 0.4], [0.4, 0.3, 0.2, 0.1]]))
    got = fn(logprobs, {"positive": 1, "negative": 2})  # row 0: 0.2 < 0.3, row 1: 0.3 > 0.2
    if got != ["negative", "positive"]:
        raise Wrong(
            f"expected ['negative', 'positive'] (token 3 is the best of neither), got {show(got)}"
        )
    return ""


def check_predict_demo_tokens(fn: Callable) -> str:
    """Return the note of the token-count prediction (the bundled tokenizer), else raise Wrong."""
    from ..models import load_tokenizer

    guess = fn()  # first: a stub is 'not started' before anything loads
    tokenizer = load_tokenizer()
    text = "Review: A gripping, beautifully acted film.\nSentiment: positive"
    ids = tokenizer(text, add_special_tokens=False).input_ids
    shown = " ".join(repr(tokenizer.decode([i])) for i in ids)
    try:
        return f"{prediction(guess, len(ids), 'tokens', rel=0.25)}: {shown}"
    except Wrong as wrong:
        raise Wrong(f"{wrong}: {shown}") from None


# --- 02 chain of thought -----------------------------------------------------------------------


def check_extract_answer(fn: Callable) -> str:
    """Return '' if fn reads the number after the last 'the answer is', else raise Wrong."""
    cases = {
        "The answer is 42.": 42,
        "3 + 4 = 7, so the answer is 7. Wait: 3 * 4 = 12, the answer is 12": 12,
        "THE ANSWER IS: $1,250.": 1250,
        "Going down 5 floors, the answer is -3.": -3,
        "The answer is 5. Hmm, the answer is unclear.": 5,
        "I think it is 12.": None,
        "": None,
    }
    for text, want in cases.items():
        got = fn(text)
        if got != want or isinstance(got, bool):
            raise Wrong(f"for {text!r} expected {want!r}, got {show(got)}")
    return ""


def check_weighted_vote(fn: Callable) -> str:
    """Return '' if fn returns the non-None answer with the largest total weight, ties to the
    first, else raise Wrong."""
    cases = [
        ([3, 5, 3, None, 5], [0.1, 0.9, 0.2, 1.0, 0.3], 5),
        ([3, 5, 3], [1.0, 1.0, 1.0], 3),  # equal weights: the majority vote
        ([4, 7], [0.5, 0.5], 4),  # a tie goes to the answer seen first
        ([None, 2, 9, 9], [5.0, 0.7, 0.3, 0.3], 2),  # None's weight counts for nothing
        ([None, None], [1.0, 1.0], None),
        ([], [], None),
    ]
    for answers, weights, want in cases:
        got = fn(list(answers), list(weights))
        if got != want or isinstance(got, bool):
            raise Wrong(
                f"for answers {answers}, weights {weights} expected {want!r}, got {show(got)}"
            )
    return ""


def check_predict_vote_accuracy(fn: Callable) -> str:
    """Return the note of the 5-vote accuracy prediction: P(Binomial(5, 0.6) >= 3)."""
    truth = sum(math.comb(5, i) * 0.6**i * 0.4 ** (5 - i) for i in range(3, 6))
    return prediction(fn(), truth, "", tol=0.03)


CHECKS: dict[str, dict[str, Check]] = {
    "00_setup_and_tour": {
        "next_token_logprobs": check_next_token_logprobs,
        "perplexity": check_perplexity,
        "predict_bf16_megabytes": check_bf16_megabytes,
    },
    "01_in_context_learning": {
        "nearest_balanced": check_nearest_balanced,
        "few_shot_prompt": check_few_shot_prompt,
        "label_by_logprobs": check_label_by_logprobs,
        "predict_demo_tokens": check_predict_demo_tokens,
    },
    "02_chain_of_thought": {
        "extract_answer": check_extract_answer,
        "weighted_vote": check_weighted_vote,
        "predict_vote_accuracy": check_predict_vote_accuracy,
    },
}
