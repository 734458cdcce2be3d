"""stats: intervals against hand-computed and scipy values, paired comparisons, verdicts."""

import numpy as np
import pytest
from scipy import stats as scipy_stats

from tutorial_lib.errors import CourseError
from tutorial_lib.stats import compare, interval, mcnemar, spread, verdict, wilson


def test_wilson_matches_the_hand_computed_interval_and_scipy():
    # 8 of 10: centre (0.8 + z²/20) / (1 + z²/10), half-width z·sqrt(0.016 + z²/400) / (1 + z²/10)
    low, high = wilson(8, 10)
    assert low == pytest.approx(0.4902, abs=1e-4)
    assert high == pytest.approx(0.9433, abs=1e-4)
    ci = scipy_stats.binomtest(13, 40).proportion_ci(method="wilson")
    assert wilson(13, 40) == pytest.approx((ci.low, ci.high), abs=1e-9)
    assert wilson(0, 5)[0] == 0.0 and wilson(5, 5)[1] == 1.0


def test_wilson_always_holds_the_observed_share():
    # rounding once put 0 of 50's low end at 7e-18: a plot's error bar below the mean was negative
    for n in range(1, 201):
        for successes in (0, 1, n // 2, n - 1, n):
            low, high = wilson(successes, n)
            assert low <= successes / n <= high
    assert wilson(0, 50)[0] == 0.0 and wilson(0, 100)[0] == 0.0


def test_interval_uses_wilson_for_right_wrong_scores_and_bootstrap_otherwise():
    right_wrong = interval([1, 1, 0, 1, 0, 1, 1, 1, 1, 1])
    assert right_wrong.method == "Wilson" and right_wrong.mean == 0.8 and right_wrong.n == 10
    assert (right_wrong.low, right_wrong.high) == pytest.approx(wilson(8, 10))
    rng = np.random.default_rng(1)
    rouge = rng.uniform(0.2, 0.6, size=400)
    boot = interval(rouge)
    assert boot.method == "bootstrap" and boot.low < boot.mean < boot.high
    # the bootstrap's half-width is close to the normal one, 1.96 · sd / sqrt(n)
    half = 1.96 * rouge.std(ddof=1) / np.sqrt(rouge.size)
    assert (boot.high - boot.low) / 2 == pytest.approx(half, rel=0.1)
    assert interval(rouge) == boot  # seeded: the same interval on a re-run


def test_mcnemar_is_the_exact_binomial_test_on_the_disagreements():
    assert mcnemar(1, 9) == pytest.approx(2 * (1 + 10) / 2**10)
    assert mcnemar(0, 0) == 1.0
    assert mcnemar(5, 5) == 1.0


def test_compare_is_paired_and_counts_the_disagreements():
    a = np.array([1, 1, 1, 0, 1, 1, 0, 1, 1, 1] * 4)
    b = np.array([1, 0, 1, 0, 1, 0, 0, 1, 1, 1] * 4)  # b loses 8 examples a gets, wins none
    result = compare(a, b)
    assert result.difference == pytest.approx(0.2)
    assert (result.a_only, result.b_only) == (8, 0)
    assert result.p_value == pytest.approx(mcnemar(8, 0))
    assert result.shown and result.low > 0
    # paired: a constant gain has a zero-width interval, however noisy the scores themselves are
    scores = np.random.default_rng(0).uniform(0, 1, 50)
    same_gain = compare(scores + 0.01, scores)
    assert same_gain.low == pytest.approx(0.01) and same_gain.high == pytest.approx(0.01)
    assert same_gain.p_value is None


def test_verdict_says_who_won_or_within_noise():
    a = [1] * 30 + [0] * 10
    b = [0] * 30 + [1] * 10
    shown = verdict(a, b, "LoRA", "the base model", "accuracy")
    assert shown.startswith("LoRA beat the base model by 0.500 accuracy (95% CI +")
    assert "n = 40" in shown and "McNemar p" in shown
    noise = verdict([1, 0, 1, 0], [0, 1, 1, 0], "CoT", "direct", "accuracy")
    assert "within noise here" in noise and "cannot tell them apart" in noise
    lower_wins = verdict([2.0, 2.1, 1.9] * 10, [3.0, 3.2, 2.9] * 10, "SFT", "base", "perplexity",
                         higher_is_better=False)
    assert lower_wins.startswith("SFT beat base by 1.033 perplexity (95% CI +")  # the margin's
    b_wins = verdict(b, a, "the base model", "LoRA", "accuracy")
    assert b_wins.startswith("LoRA beat the base model by 0.500 accuracy (95% CI +")


def test_right_wrong_scores_are_shown_only_when_mcnemar_agrees():
    # 5 disagreements, all one way: the bootstrap interval excludes zero, but p = 2 / 2**5
    a, b = [1] * 5 + [0] * 11, [0] * 16
    result = compare(a, b)
    assert result.low > 0 and result.p_value == pytest.approx(0.0625)
    assert not result.shown
    assert "within noise here" in verdict(a, b, "mixed", "summaries only", "exact match")
    assert compare([1] * 6 + [0] * 10, [0] * 16).shown  # p = 2 / 2**6 < 0.05


def test_spread_over_seeds():
    assert spread([0.5, 0.7, 0.6]) == "0.600 ± 0.100 (3 seeds)"
    assert spread([0.5]) == "0.500 ± 0.000 (1 seed)"


def test_bad_input_says_what_to_do():
    with pytest.raises(CourseError, match="same examples"):
        compare([1, 0], [1, 0, 1])
    with pytest.raises(CourseError, match="empty"):
        interval([])
    with pytest.raises(CourseError, match="NaN"):
        interval([0.1, float("nan")])
    with pytest.raises(CourseError, match="successes"):
        wilson(3, 2)


def test_few_continuous_scores_need_the_paired_t_test_too():
    # three differences of one sign: every bootstrap resample's mean is positive, yet with this
    # spread a t-test cannot tell the mean from zero
    few = compare([0.1, 0.5, 0.02], [0.0, 0.0, 0.0])
    assert few.low > 0 and few.test == "paired t"
    assert few.p_value == pytest.approx(scipy_stats.ttest_1samp([0.1, 0.5, 0.02], 0).pvalue)
    assert not few.shown and "paired t p = " in verdict([0.1, 0.5, 0.02], [0, 0, 0], "a", "b", "x")
    assert compare([0.10, 0.11, 0.12], [0.0, 0.0, 0.0]).shown  # the same sign and little spread
    assert not compare([0.3], [0.1]).shown  # one example: no interval at all
    assert compare(np.linspace(0.1, 0.5, 10), np.zeros(10)).test is None  # enough for the bootstrap
