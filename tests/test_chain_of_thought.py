"""Tests of tutorial_lib.chain_of_thought: prompts, majority vote, Auto-CoT demo choice,
tree-of-thought bookkeeping."""

import numpy as np
import pytest

from tutorial_lib.chain_of_thought import (
    TRIGGER,
    CoTConfig,
    SearchCost,
    answers_of,
    auto_cot_demos,
    cluster_questions,
    direct_prompt,
    few_shot_cot_prompt,
    first_answer,
    keep_demo,
    majority_vote,
    nearest_to_centroids,
    result_row,
    self_consistency,
    tree_of_thought,
    value_scores,
    vote_accuracy,
    zero_shot_cot_prompt,
    zero_shot_rationale,
)
from tutorial_lib.errors import CourseError

CFG = CoTConfig(4, 8, 2, (1, 3), 0.7, 1, 2, 2, 2, 4)


def test_majority_vote_ties_nones_and_all_none():
    assert majority_vote([3, 5, 5, None, None, None]) == 5
    assert majority_vote([7, 2, 2, 7]) == 7  # tie: the answer seen first
    assert majority_vote([None, 2, 7]) == 2
    assert majority_vote([None, None]) is None
    assert majority_vote([]) is None


def test_prompt_builders_exact_strings():
    assert direct_prompt("What is 2+3?") == "Q: What is 2+3?\nA: The answer is"
    assert zero_shot_cot_prompt("What is 2+3?") == "Q: What is 2+3?\nA: Let's think step by step."
    demos = [("What is 1+1?", "1 + 1 = 2.\nThe answer is 2.")]
    assert (
        few_shot_cot_prompt("What is 2+3?", demos)
        == "Q: What is 1+1?\nA: 1 + 1 = 2.\nThe answer is 2.\n\nQ: What is 2+3?\nA:"
    )
    with pytest.raises(CourseError, match="at least one"):
        few_shot_cot_prompt("q", [])


def test_first_answer_cuts_an_invented_next_question():
    assert (
        first_answer(" 4 + 4 = 8.\nThe answer is 8.\n\nQ: another?\nA: 9")
        == "4 + 4 = 8.\nThe answer is 8."
    )


def test_first_answer_cuts_any_invented_turn():
    assert first_answer("2 + 2 = 4. The answer is 4.\nB: The answer is 2.") == (
        "2 + 2 = 4. The answer is 4."
    )


def test_answers_are_read_as_each_method_defines_them():
    texts = [
        " 240.\nB: The answer is 2.",  # direct: the invented line is not graded
        "5 * 6 = 30. The answer is 30. The answer is 31.",  # CoT: the first statement
        "5 * 6 = 30 and then 7",  # CoT without a statement: unparseable, no last-number fallback
        "\nQ: The answer is 9.",  # only an invented turn: unparseable
    ]
    assert answers_of(texts) == [None, 30, None, None]
    assert answers_of(texts, "first number") == [240, 5, 5, None]
    with pytest.raises(CourseError, match="reading"):
        answers_of(texts, "last")


def test_auto_cot_keeps_only_complete_demos_whose_answer_the_model_stated():
    assert keep_demo("q?", zero_shot_rationale("3 * 10 = 30.\nThe answer is 30."))
    truncated = zero_shot_rationale("3 * 10 = 30 slices.\nB: Now there are")  # cut, invented turn
    assert truncated == f"{TRIGGER} 3 * 10 = 30 slices."
    assert not keep_demo("q?", truncated)  # no stated answer: dropped, none appended
    assert not keep_demo("q?", "30.\nThe answer is 30.\nB: The answer is 4.")


def test_vote_accuracy_uses_the_first_n_samples():
    samples = [[1, 2, 2], [3, 3, 3]]
    assert vote_accuracy(samples, [2, 3], 1) == 0.5
    assert vote_accuracy(samples, [2, 3], 3) == 1.0
    with pytest.raises(CourseError, match="n >= 1|1 <= n"):
        vote_accuracy(samples, [2, 3], 0)


def test_self_consistency_rejects_n_below_one(tiny):
    with pytest.raises(CourseError, match="n >= 1"):
        self_consistency(*tiny, ["Q: 1+1?\nA:"], 0, CFG)


def test_self_consistency_repeats_each_prompt_n_times_in_one_call(tiny):
    samples, outs = self_consistency(*tiny, ["Q: 1+1?\nA:", "Q: 2+2?\nA:"], 3, CFG)
    assert [len(s) for s in samples] == [3, 3]
    assert len(outs) == 6 and outs.calls == 1


def test_auto_cot_takes_the_member_nearest_each_centroid():
    emb = np.array([[0.0, 0.0], [0.1, 0.0], [1.0, 0.0], [10.0, 10.0], [10.0, 11.0], [11.0, 10.0]])
    labels = np.array([0, 0, 0, 1, 1, 1])
    centroids = np.array([[0.1, 0.0], [10.2, 10.2]])
    clusters = nearest_to_centroids(emb, centroids, labels)
    assert [c[0] for c in clusters] == [1, 3]
    questions = [f"q{i}" for i in range(6)]
    rationales = {i: f"step.\nThe answer is {i}." for i in range(6)}
    demos = auto_cot_demos(questions, clusters, rationales)
    assert demos == [("q1", rationales[1]), ("q3", rationales[3])]  # one demo per cluster
    rationales[1] = "no final answer here"  # fails the heuristics: the next-nearest member is taken
    assert auto_cot_demos(questions, clusters, rationales)[0][0] in {"q0", "q2"}


def test_cluster_questions_one_cluster_per_k_and_bad_k():
    emb = np.array([[0.0, 0.0], [0.1, 0.0], [10.0, 10.0], [10.1, 10.0]])
    clusters = cluster_questions(emb, 2)
    assert sorted(sorted(c) for c in clusters) == [[0, 1], [2, 3]]
    with pytest.raises(CourseError, match="clusters"):
        cluster_questions(emb, 5)


def _stub_propose(k):
    def propose(states):
        return [[f"s{j}" for j in range(k)] for _ in states], SearchCost(
            calls=1, prompt_tokens=len(states), new_tokens=k
        )

    return propose


def _stub_score(states):
    return [float(s.count("s1")) for s in states], SearchCost(calls=1, prompt_tokens=len(states))


def test_tree_of_thought_keeps_b_states_and_counts_calls():
    beams, cost = tree_of_thought(["A", "B"], _stub_propose(3), _stub_score, breadth=2, depth=3)
    assert [len(b) for b in beams] == [2, 2]
    # one propose and one score call per level, whatever the number of roots
    assert cost.calls == 2 * 3
    assert beams[0][0] == "A s1 s1 s1"  # the highest value survives every level
    # prompt tokens of the stub = states proposed from, then states scored: level 1 (2, 6), levels
    # 2-3 (4, 12)
    assert cost.prompt_tokens == (2 + 6) + 2 * (4 + 12)
    with pytest.raises(CourseError, match="breadth"):
        tree_of_thought(["A"], _stub_propose(2), _stub_score, breadth=0, depth=1)


def test_value_scores_are_expected_values_in_zero_one(tiny):
    values, cost = value_scores(*tiny, ["Q: 1+1?\nA: 1 + 1 = 2.", "Q: 2+2?\nA: 2 + 2 = 5."])
    assert len(values) == 2 and all(0.0 <= v <= 1.0 for v in values)
    assert cost.calls == 1 and cost.prompt_tokens > 0


def test_result_row_fields():
    row = result_row("m", [1, None, 3], [1, 2, 4], SearchCost(2, 10, 5, 1.25))
    assert row == {
        "method": "m",
        "accuracy": 0.333,
        "unparseable": 1,
        "batches": 2,
        "prompt tokens": 10,
        "new tokens": 5,
        "seconds": 1.2,
    }
