"""How sure a lesson can be: intervals for a score, paired comparisons, and the verdict sentence.

- `interval(scores)`: a 95% interval for a score averaged over examples (Wilson for 0/1
  scores, a percentile bootstrap otherwise).
- `compare(a, b)`: two methods scored on the same examples: the mean difference with a paired
  bootstrap interval, and a test that must agree with it: for 0/1 scores the exact McNemar test on
  the examples they disagree on; for other scores on fewer than SMALL_N examples, the paired t-test.
- `verdict(...)`: the sentence a lesson prints, "shown" only when the interval excludes zero and the
  test (where there is one) agrees at the 5% level.
- `spread(values)`: mean ± standard deviation over seeds, for results that depend on sampling.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as scipy_stats

from .errors import CourseError

CONFIDENCE = 0.95  # every interval in the course is a 95% interval
BOOTSTRAP_SAMPLES = 4000  # resamples for a bootstrap interval: the 2.5% tails stay steady to ~0.01
SEED = 0  # the bootstrap's own seed, so a re-run prints the same interval
ALPHA = 0.05  # where a test agrees with the interval, its p must be below this to show a difference
# below this many examples a percentile bootstrap has few distinct resamples and its interval is too
# narrow: continuous scores then need the paired t-test to agree as well
SMALL_N = 10


@dataclass(frozen=True)
class Interval:
    """A score averaged over n examples and its 95% interval."""

    mean: float  # the score averaged over the examples
    low: float  # lower end of the interval
    high: float  # upper end of the interval
    n: int  # how many examples
    method: str  # "Wilson" or "bootstrap"

    def __str__(self) -> str:
        return f"{self.mean:.3f} (95% CI {self.low:.3f} to {self.high:.3f}, n = {self.n})"


@dataclass(frozen=True)
class Comparison:
    """Method a minus method b on the same examples, with a paired interval."""

    difference: float  # mean of a - b over the examples
    low: float  # lower end of the paired bootstrap interval of the difference
    high: float  # upper end
    n: int  # how many examples both were scored on
    p_value: float | None  # p of the test that must agree with the interval; None if none applies
    test: str | None  # "McNemar" (0/1 scores), "paired t" (other scores, n < SMALL_N) or None
    a_only: int | None  # 0/1 scores: examples only a got right
    b_only: int | None  # 0/1 scores: examples only b got right

    @property
    def shown(self) -> bool:
        """Return True when the run separates the two methods: at least two examples, the
        interval excludes zero, and the test agrees (with few disagreeing examples, or few
        examples, the bootstrap interval alone is too narrow)."""
        excludes_zero = self.low > 0 or self.high < 0
        return self.n >= 2 and excludes_zero and (self.p_value is None or self.p_value < ALPHA)

    def __str__(self) -> str:
        return f"{self.difference:+.3f} (95% CI {self.low:+.3f} to {self.high:+.3f}, n = {self.n})"


def _scores(values: Sequence[float] | np.ndarray, name: str) -> np.ndarray:
    """Return values as a 1-D float array, or raise a CourseError that says what is wrong."""
    array = np.asarray(values, dtype=float).reshape(-1)
    if array.size == 0:
        raise CourseError(f"{name} is empty: score at least one example before asking how sure.")
    if not np.all(np.isfinite(array)):
        raise CourseError(f"{name} holds NaN or inf: fix or drop the examples that failed.")
    return array


def is_binary(values: np.ndarray) -> bool:
    """Return True when every score is 0 or 1 (right/wrong)."""
    return bool(np.all((values == 0) | (values == 1)))


def wilson(successes: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Return the Wilson score interval (low, high) for successes out of n."""
    if n <= 0 or not 0 <= successes <= n:
        raise CourseError(f"wilson needs 0 <= successes <= n and n > 0 (got {successes}, {n}).")
    z = scipy_stats.norm.ppf(0.5 + confidence / 2)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    # the interval always holds p; rounding can put an end a hair past it (0 of 50: low 7e-18)
    return max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half))


def bootstrap_means(
    values: np.ndarray, samples: int = BOOTSTRAP_SAMPLES, seed: int = SEED
) -> np.ndarray:
    """Return the means of `samples` resamples of values drawn with replacement."""
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, values.size, size=(samples, values.size))
    return values[picks].mean(axis=1)


def interval(scores: Sequence[float] | np.ndarray, confidence: float = CONFIDENCE) -> Interval:
    """Return the mean of per-example scores and its interval (Wilson for 0/1, else bootstrap)."""
    values = _scores(scores, "scores")
    if is_binary(values):
        low, high = wilson(int(values.sum()), values.size, confidence)
        return Interval(float(values.mean()), low, high, values.size, "Wilson")
    tail = 100 * (1 - confidence) / 2
    low, high = np.percentile(bootstrap_means(values), [tail, 100 - tail])
    return Interval(float(values.mean()), float(low), float(high), values.size, "bootstrap")


def mcnemar(a_only: int, b_only: int) -> float:
    """Return the exact two-sided McNemar p-value from the two counts of disagreeing examples."""
    if a_only + b_only == 0:
        return 1.0
    return float(scipy_stats.binomtest(a_only, a_only + b_only, 0.5).pvalue)


def paired_t(differences: np.ndarray) -> float:
    """Return the two-sided p-value of the paired t-test that the mean difference is zero."""
    if np.all(differences == differences[0]):  # no spread: a t statistic is undefined
        return 1.0 if differences[0] == 0 else 0.0
    return float(scipy_stats.ttest_1samp(differences, 0.0).pvalue)


def compare(
    a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray, confidence: float = CONFIDENCE
) -> Comparison:
    """Return a - b on the same examples with a paired bootstrap interval (and McNemar for 0/1)."""
    first, second = _scores(a, "a"), _scores(b, "b")
    if first.size != second.size:
        raise CourseError(
            f"compare needs both methods scored on the same examples (got {first.size} and "
            f"{second.size} scores): score them on one evaluation set, in the same order."
        )
    differences = first - second
    tail = 100 * (1 - confidence) / 2
    low, high = np.percentile(bootstrap_means(differences), [tail, 100 - tail])
    p_value = test = a_only = b_only = None
    if is_binary(first) and is_binary(second):
        a_only = int(((first == 1) & (second == 0)).sum())
        b_only = int(((first == 0) & (second == 1)).sum())
        p_value, test = mcnemar(a_only, b_only), "McNemar"
    elif 2 <= first.size < SMALL_N:
        p_value, test = paired_t(differences), "paired t"
    return Comparison(float(differences.mean()), float(low), float(high), first.size, p_value,
                      test, a_only, b_only)


def verdict(
    a: Sequence[float] | np.ndarray,
    b: Sequence[float] | np.ndarray,
    name_a: str,
    name_b: str,
    metric: str,
    higher_is_better: bool = True,
) -> str:
    """Return the sentence a lesson prints about a against b: who won, or "within noise"."""
    result = compare(a, b)
    test = f"; {result.test} p = {result.p_value:.3g}" if result.p_value is not None else ""
    if not result.shown:
        return (
            f"{name_a} against {name_b}: within noise here (difference {result.difference:+.3f} "
            f"{metric}, 95% CI {result.low:+.3f} to {result.high:+.3f}, n = {result.n}{test}): "
            "this run cannot tell them apart."
        )
    a_better = (result.difference > 0) == higher_is_better
    winner, loser = (name_a, name_b) if a_better else (name_b, name_a)
    # the winner's margin and its interval: a - b, or b - a (the interval flipped) when a is lower
    sign = 1 if result.difference > 0 else -1
    low, high = sorted((sign * result.low, sign * result.high))
    return (f"{winner} beat {loser} by {abs(result.difference):.3f} {metric} (95% CI "
            f"{low:+.3f} to {high:+.3f}, n = {result.n}{test}).")


def spread(values: Sequence[float] | np.ndarray, digits: int = 3) -> str:
    """Return "mean ± sd (k seeds)" for one result measured under several seeds."""
    array = _scores(values, "values")
    sd = float(array.std(ddof=1)) if array.size > 1 else 0.0
    unit = "seed" if array.size == 1 else "seeds"
    return f"{array.mean():.{digits}f} ± {sd:.{digits}f} ({array.size} {unit})"
