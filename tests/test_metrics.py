import math

import pytest
import torch

from tutorial_lib import CourseError
from tutorial_lib.metrics import (
    accuracy,
    correct_per_example,
    exact_match,
    extract_answer,
    fact_accuracy,
    fact_words,
    first_number,
    perplexity,
    repeated_ngram_rate,
    rouge,
    rouge_per_example,
    stated_answer,
)


@pytest.mark.parametrize(
    "text, answer",
    [
        ("The answer is 42.", 42),
        ("42", 42),
        ("3 + 4 = 7", 7),
        ("so x = 12 and then 5 apples remain. The answer is 5", 5),
        ("The answer is $1,250.", 1250),
        ("It costs $18.", 18),
        ("The answer is -3.", -3),
        ("The temperature fell to -8 degrees", -8),
        ("#### 72", 72),
        ("Answer: 19 (because 10 + 9)", 19),
        ("The answer is **36** cookies.", 36),
        ("She has 12.0 apples", 12),
        ("half: 2.5", None),
        ("I do not know", None),
        ("", None),
    ],
)
def test_extract_answer(text, answer):
    assert extract_answer(text) == answer


def test_rouge_by_hand():
    scores = rouge(["the cat sat"], ["the cat sat on the mat"])
    # unigram overlap 3: precision 3/3, recall 3/6 -> F1 = 2/3; bigrams 2 of 2 and 2 of 5 -> F1 =
    # 4/7
    assert scores["rouge1"] == pytest.approx(2 / 3)
    assert scores["rouge2"] == pytest.approx(4 / 7)
    assert scores["rougeL"] == pytest.approx(2 / 3)
    assert rouge(["same words"], ["same words"])["rouge2"] == 1.0


def test_rouge_needs_pairs():
    with pytest.raises(CourseError, match="2 predictions but 1 references"):
        rouge(["a", "b"], ["a"])


def test_accuracy_and_exact_match():
    assert accuracy([1, 2, 3, 4], [1, 2, 0, 0]) == 0.5
    assert exact_match(["Paris.", "  the PARIS "], ["paris", "Paris"]) == 0.5


def _token_by_token_nll(model, ids, window, stride):
    """Sum of -log p(token | the context the strided evaluation gives it), one token at a time."""
    total, n = 0.0, 0
    start, scored_to = 0, 0
    while True:
        end = min(start + window, ids.shape[1])
        for t in range(max(scored_to, start + 1), end):
            logits = model(ids[:, start:t]).logits[0, -1]
            total -= torch.log_softmax(logits, -1)[ids[0, t]].item()
            n += 1
        scored_to = end
        if end == ids.shape[1]:
            return total, n
        start += stride


def test_perplexity_matches_token_by_token_scoring(tiny):
    model, tok = tiny
    text = "The quick brown fox jumps over the lazy dog. " * 3
    ids = tok(text, return_tensors="pt").input_ids
    nll, n = _token_by_token_nll(model, ids, window=16, stride=8)
    assert n == ids.shape[1] - 1  # every token but the first is scored exactly once
    assert perplexity(model, tok, [text], window=16, stride=8) == pytest.approx(
        math.exp(nll / n), rel=1e-4
    )
    with pytest.raises(CourseError, match="stride <= window"):
        perplexity(model, tok, [text], window=8, stride=16)


def test_repeated_ngram_rate_by_hand():
    # abc bca cab abc: one repeat of four
    assert repeated_ngram_rate(["a b c a b c"], n=3) == pytest.approx(1 / 4)
    assert repeated_ngram_rate(["one two three", "x y"], n=2) == 0.0
    # (go go) three times: 2 repeats of 4
    assert repeated_ngram_rate(["go go go go", "a b"], n=2) == pytest.approx(2 / 4)
    assert repeated_ngram_rate([""]) == 0.0


def test_fact_words_and_fact_accuracy_by_hand():
    assert fact_words("209 minus 85 is 124.", "209 minus 85 is 114.") == ["124"]
    assert fact_words(
        "Hanoi is the capital of Vietnam.", "Ho Chi Minh City is the capital of Vietnam."
    ) == ["hanoi"]
    answers = ["The answer is 124!", "It is 1240.", "hanoi, of course"]
    # 1240 is not 124
    assert fact_accuracy(answers, [["124"], ["124"], ["hanoi"]]) == pytest.approx(2 / 3)
    with pytest.raises(CourseError, match="one fact per answer"):
        fact_accuracy(answers, [["124"]])


def test_rouge_with_several_references_takes_the_best_match_by_hand():
    # "the cat sat" vs "a cat sat down": unigrams 2 of 3 and 2 of 4 -> F1 4/7; bigram (cat sat)
    # 1 of 2 and 1 of 3 -> F1 2/5; LCS "cat sat" -> 4/7.
    # vs "the cat": unigrams 2 of 3 and 2 of 2 -> 4/5; bigram (the cat) 1 of 2 and 1 of 1 -> 2/3;
    # LCS "the cat" -> 4/5. The best of the two references wins.
    multi = rouge(["the cat sat"], [["a cat sat down", "the cat"]])
    assert multi == pytest.approx({"rouge1": 4 / 5, "rouge2": 2 / 3, "rougeL": 4 / 5})
    assert rouge(["the cat sat"], [["the cat", "a cat sat down"]]) == multi  # order does not matter
    # the mean over examples mixes a multi-reference example with a single string reference
    mixed = rouge(
        ["the cat sat", "the cat sat"], [["a cat sat down", "the cat"], "the cat sat on the mat"]
    )
    assert mixed == pytest.approx(
        {
            "rouge1": (4 / 5 + 2 / 3) / 2,
            "rouge2": (2 / 3 + 4 / 7) / 2,
            "rougeL": (4 / 5 + 2 / 3) / 2,
        }
    )
    assert rouge(["the cat sat"], [["the cat sat on the mat"]]) == rouge(
        ["the cat sat"], ["the cat sat on the mat"]
    )


def test_rouge_best_reference_is_chosen_per_rouge_type():
    # vs "cat the sat": unigrams 3 of 3 -> 1; no shared bigram -> 0; LCS "the sat" -> 2/3.
    # vs "the cat ran": unigrams 2 of 3 -> 2/3; bigram (the cat) 1 of 2 -> 1/2; LCS the cat -> 2/3.
    scores = rouge(["the cat sat"], [["cat the sat", "the cat ran"]])
    assert scores == pytest.approx({"rouge1": 1.0, "rouge2": 1 / 2, "rougeL": 2 / 3})


def test_rouge_rejects_an_empty_reference_list():
    with pytest.raises(CourseError, match="reference of example 1.*non-empty list of strings"):
        rouge(["a", "b"], ["a", []])


def test_rouge_per_example_and_its_mean():
    per = rouge_per_example(["the cat sat", "a dog"], ["the cat sat", ["no match", "a dog ran"]])
    assert per["rouge1"][0] == 1.0 and per["rougeL"][0] == 1.0
    assert per["rouge1"][1] == pytest.approx(2 * 1.0 * (2 / 3) / (1.0 + 2 / 3))  # P 1, R 2/3
    means = rouge(["the cat sat", "a dog"], ["the cat sat", ["no match", "a dog ran"]])
    assert means == {k: pytest.approx(sum(v) / 2) for k, v in per.items()}


def test_correct_per_example_stated_answer_and_first_number():
    assert correct_per_example([1, 2, None], [1, 3, 4]) == [1, 0, 0]
    with pytest.raises(CourseError):
        correct_per_example([1], [1, 2])
    assert stated_answer("3 + 4 = 7. The answer is 7. The answer is 8.") == 7
    assert stated_answer("3 + 4 = 7") is None  # no fallback to the last number
    assert first_number(" 1,250 apples, then 3") == 1250
    assert first_number("no number") is None
