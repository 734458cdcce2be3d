"""Tests of tutorial_lib.prompting: prompt builders, demo selectors, label-word scoring, errors."""

import pytest
import torch

from tutorial_lib.errors import CourseError
from tutorial_lib.prompting import (
    TEMPLATES,
    ICLSetting,
    Template,
    build_prompt,
    build_prompts,
    label_token_ids,
    mean_std,
    next_token_logprobs,
    parse_label,
    select_balanced,
    select_nearest,
    select_random,
)

POOL_TEXTS = [f"review {i}" for i in range(10)]
POOL_LABELS = ["positive", "negative"] * 5


def test_build_prompt_exact_string():
    demos = [("Great food.", "positive"), ("Cold soup.", "negative")]
    prompt = build_prompt("Nice staff.", demos, TEMPLATES["review"], "Classify it.")
    assert prompt == (
        "Classify it.\n\nReview: Great food.\nSentiment: positive\n\nReview: Cold "
        "soup.\nSentiment: negative"
        "\n\nReview: Nice staff.\nSentiment:"
    )


def test_build_prompt_zero_shot_and_other_template():
    assert build_prompt("Nice.", [], TEMPLATES["review"]) == "Review: Nice.\nSentiment:"
    sentence = build_prompt("Nice.", [("Bad.", "terrible")], TEMPLATES["sentence"])
    assert sentence == "Bad. All in all, it was terrible\nNice. All in all, it was"


def test_template_without_output_slot_is_an_error():
    with pytest.raises(CourseError, match=r"\{output\}"):
        build_prompt("x", [], Template("broken", "Review: {input}"))


def test_build_prompts_uses_label_words_and_instruction():
    prompts = build_prompts(
        ICLSetting(k=2, words="great/terrible", seed=1), ["q1", "q2"], POOL_TEXTS, POOL_LABELS
    )
    assert len(prompts) == 2 and prompts[0].startswith(
        "Classify the sentiment of each review as great or terrible."
    )
    # random demos: one shared set
    assert prompts[0].replace("q1", "") == prompts[1].replace("q2", "")
    assert "Sentiment: great" in prompts[0] or "Sentiment: terrible" in prompts[0]
    assert "positive" not in prompts[0].split("\n\n", 1)[1]


def test_select_random_deterministic_distinct_and_excludes():
    a = select_random(10, 4, seed=3, exclude=[0, 1])
    assert a == select_random(10, 4, seed=3, exclude=[0, 1])
    assert len(set(a)) == 4 and not {0, 1} & set(a)
    assert a != select_random(10, 4, seed=4, exclude=[0, 1])


def test_select_balanced_is_balanced():
    for seed in range(5):
        chosen = select_balanced(POOL_LABELS, 4, seed=seed)
        assert len(set(chosen)) == 4
        assert sorted(POOL_LABELS[i] for i in chosen) == [
            "negative",
            "negative",
            "positive",
            "positive",
        ]
    odd = [POOL_LABELS[i] for i in select_balanced(POOL_LABELS, 5, seed=0)]
    assert sorted(odd.count(c) for c in ("positive", "negative")) == [2, 3]
    assert select_balanced(POOL_LABELS, 4, seed=7) == select_balanced(POOL_LABELS, 4, seed=7)


def test_select_nearest_returns_most_similar_last_and_never_the_query():
    pool = torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.9, 0.1], [0.7, 0.7], [-1.0, 0.0]])
    query = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    assert select_nearest(query, pool, k=2) == [[2, 0], [3, 1]]
    # query 0 is pool item 0 itself: excluded, the next most similar are chosen
    assert select_nearest(query, pool, k=2, exclude=[[0], []]) == [[3, 2], [3, 1]]


def test_k_larger_than_pool_is_an_error():
    with pytest.raises(CourseError, match="lower k"):
        select_random(3, 4)
    with pytest.raises(CourseError, match="labelled 'negative'"):
        select_balanced(["positive"] * 5 + ["negative"], 4)
    with pytest.raises(CourseError, match="lower k"):
        select_nearest(torch.ones(1, 2), torch.ones(2, 2), k=3)
    with pytest.raises(CourseError, match="0 or more"):
        select_random(3, -1)


def test_label_words_with_same_first_token_are_an_error(tiny):
    _, tok = tiny
    assert len(set(label_token_ids(tok, ["positive", "negative"]))) == 2
    with pytest.raises(CourseError, match="first tokens differ"):
        label_token_ids(tok, ["positive", "positive-ish"])


def test_scoring_equals_unbatched_forward(tiny):
    model, tok = tiny
    shared = build_prompt(
        "", [("Great food.", "positive"), ("Cold soup.", "negative")], instruction="Classify it."
    )
    prompts = [
        shared.replace("Review: \n", f"Review: {q}\n")
        for q in ["Nice.", "A long and very boring evening, sadly.", "Ok"]
    ]
    prompts.append("Something else entirely: no shared prefix")
    batched = next_token_logprobs(model, tok, prompts, batch_size=2, progress=False)
    assert batched.shape == (len(prompts), model.config.vocab_size)
    for i, p in enumerate(prompts):
        ids = tok(p, return_tensors="pt").input_ids
        with torch.no_grad():
            single = torch.log_softmax(model(ids).logits[0, -1], -1)
        torch.testing.assert_close(batched[i], single, atol=1e-4, rtol=1e-4)
    # shared prefix via KV cache
    shared_only = next_token_logprobs(model, tok, prompts[:3], batch_size=3, progress=False)
    torch.testing.assert_close(shared_only, batched[:3], atol=1e-4, rtol=1e-4)


def test_scoring_rejects_a_bare_string(tiny):
    model, tok = tiny
    with pytest.raises(CourseError, match="list"):
        next_token_logprobs(model, tok, "one prompt")


def test_parse_label_and_mean_std():
    words = {"positive": "positive", "negative": "negative"}
    assert parse_label(" Positive!", words) == "positive"
    assert parse_label("I think it is negative.", words) == "negative"
    assert parse_label("not sure", words) is None
    assert mean_std([0.5, 0.7]) == pytest.approx((0.6, 0.1414), abs=1e-4)
    assert mean_std([0.5]) == (0.5, 0.0)


def test_evaluate_setting_returns_the_per_query_scores(tiny):
    from tutorial_lib.prompting import ICLSetting, evaluate_setting

    queries, labels = ["Great film.", "Awful film.", "Fine."], ["positive", "negative", "positive"]
    pool, pool_labels = ["Loved it.", "Hated it."], ["positive", "negative"]
    result = evaluate_setting(
        *tiny, ICLSetting(k=2, selection="balanced"), queries, labels, pool, pool_labels
    )
    assert set(result["correct"]) <= {0, 1} and len(result["correct"]) == 3
    assert result["accuracy"] == sum(result["correct"]) / 3
