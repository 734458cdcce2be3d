"""Metrics that work offline: ROUGE, answer extraction and accuracy, perplexity, preference
accuracy."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import torch
from rouge_score import rouge_scorer
from tqdm.auto import tqdm
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from .errors import CourseError

_NUMBER = r"-?\$?\s?\d[\d,]*(?:\.\d+)?"
_PATTERNS = [  # most explicit first; the first that matches wins
    re.compile(rf"answer is[:\s]*\**\s*({_NUMBER})", re.IGNORECASE),
    re.compile(rf"####\s*({_NUMBER})"),
    re.compile(rf"answer[:\s]*\**\s*({_NUMBER})", re.IGNORECASE),
]
_ANY_NUMBER = re.compile(_NUMBER)


def rouge_per_example(
    predictions: Sequence[str], references: Sequence[str | Sequence[str]]
) -> dict[str, list[float]]:
    """Return ROUGE-1/2/L F1 (0..1) of each prediction against its reference(s), with stemming.

    A reference is one string, or a list of strings for an example with several references (as
    DialogSum's test dialogues have three): that example scores against its best-matching reference,
    chosen separately for each ROUGE type (rouge-score's RougeScorer.score_multi, the usual
    multi-reference ROUGE). Per-example scores are what stats.interval and stats.compare need.
    """
    if len(predictions) != len(references):
        raise CourseError(
            f"rouge() got {len(predictions)} predictions but {len(references)} references; pass "
            "one of each per example."
        )
    if not predictions:
        raise CourseError("rouge() got no predictions; pass at least one prediction and reference.")
    targets = [[ref] if isinstance(ref, str) else list(ref) for ref in references]
    bad = [i for i, t in enumerate(targets) if not t or not all(isinstance(r, str) for r in t)]
    if bad:
        raise CourseError(
            f"rouge() got {references[bad[0]]!r} as the reference of example {bad[0]}; pass a "
            "string, or a non-empty list of strings when an example has several references."
        )
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    scores = [scorer.score_multi(refs, pred) for pred, refs in zip(predictions, targets)]
    return {k: [s[k].fmeasure for s in scores] for k in ("rouge1", "rouge2", "rougeL")}


def rouge(
    predictions: Sequence[str], references: Sequence[str | Sequence[str]]
) -> dict[str, float]:
    """Return mean ROUGE-1/2/L F1 (0..1) of predictions against references: the mean of
    rouge_per_example over the examples."""
    per_example = rouge_per_example(predictions, references)
    return {k: sum(v) / len(v) for k, v in per_example.items()}


def _to_int(number: str) -> int | None:
    """Return the integer a matched number string denotes, or None if it has a fractional part."""
    value = float(number.replace("$", "").replace(",", "").replace(" ", ""))
    return int(value) if value.is_integer() else None


def extract_answer(text: str) -> int | None:
    """Return the integer final answer in a model's text ('The answer is 42.', '#### 42', '= 42',
    ...), or None."""
    for pattern in _PATTERNS:
        match = pattern.search(text)
        if match:
            return _to_int(match.group(1))
    numbers = _ANY_NUMBER.findall(text)  # otherwise the last number stated
    return _to_int(numbers[-1]) if numbers else None


_STATED = re.compile(rf"answer is[:\s]*\**\s*({_NUMBER})", re.IGNORECASE)


def stated_answer(text: str) -> int | None:
    """Return the integer after the first "the answer is" in `text` (a chain of thought's own
    statement of its answer), or None when it states none: no fallback to other numbers."""
    match = _STATED.search(text)
    return _to_int(match.group(1)) if match else None


def first_number(text: str) -> int | None:
    """Return the first integer in `text`, or None: the answer of a continuation that was asked
    for the answer right away (a prompt ending "The answer is", or an answer-extraction prompt)."""
    match = _ANY_NUMBER.search(text)
    return _to_int(match.group(0)) if match else None


def correct_per_example(predictions: Sequence, references: Sequence) -> list[int]:
    """Return 1 for each prediction equal to its reference, else 0 (the 0/1 scores that
    stats.interval and stats.compare read)."""
    if len(predictions) != len(references) or not predictions:
        raise CourseError(
            f"accuracy() needs equally many predictions and references (got {len(predictions)} and "
            f"{len(references)})."
        )
    return [int(p == r) for p, r in zip(predictions, references)]


def accuracy(predictions: Sequence, references: Sequence) -> float:
    """Return the fraction of predictions equal to their reference (mean of
    correct_per_example)."""
    correct = correct_per_example(predictions, references)
    return sum(correct) / len(correct)


def normalize(text: str) -> str:
    """Return text lower-cased, without punctuation and with single spaces, for exact match."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def exact_match(predictions: Sequence[str], references: Sequence[str]) -> float:
    """Return the fraction of predictions equal to their reference after normalize()."""
    return accuracy([normalize(p) for p in predictions], [normalize(r) for r in references])


@torch.no_grad()
def total_nll(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    texts: Sequence[str],
    window: int = 512,
    stride: int = 256,
    progress: bool = True,
) -> tuple[float, int]:
    """Return (summed negative log-likelihood in nats, tokens scored) of the texts joined into one
    stream.

    A window of `window` tokens slides on by `stride`; only tokens not scored before count, and each
    of them sees at least window - stride tokens of context (the usual strided evaluation).
    """
    if stride > window:
        raise CourseError(
            f"perplexity needs stride <= window (got stride={stride}, window={window})."
        )
    ids = tokenizer("\n\n".join(texts), return_tensors="pt").input_ids.to(model.device)
    nll, counted, scored_to = 0.0, 0, 0
    starts = list(range(0, max(ids.shape[1] - 1, 1), stride))
    for start in tqdm(
        starts, desc="perplexity", disable=not progress or len(starts) < 4, leave=False
    ):
        end = min(start + window, ids.shape[1])
        chunk = ids[:, start:end]
        labels = chunk.clone()
        labels[:, : max(scored_to - start, 0)] = -100  # tokens already scored in an earlier window
        n = int((labels[:, 1:] != -100).sum())
        if n:
            nll += model(chunk, labels=labels).loss.item() * n
            counted += n
        scored_to = end
        if end == ids.shape[1]:
            break
    return nll, counted


def perplexity(
    model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, texts: Sequence[str], **kwargs
) -> float:
    """Return exp(mean negative log-likelihood per token) of the texts; kwargs as in total_nll."""
    nll, counted = total_nll(model, tokenizer, texts, **kwargs)
    return math.exp(nll / counted)


def nll_per_text(
    model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, texts: Sequence[str],
    window: int = 512,
) -> list[float]:
    """Return each text's mean negative log-likelihood per token (nats), the text scored alone:
    the per-example scores a paired comparison of two models needs."""
    scored = [total_nll(model, tokenizer, [t], window=window, stride=window, progress=False)
              for t in texts]
    return [nll / max(n, 1) for nll, n in scored]


def repeated_ngram_rate(texts: Sequence[str], n: int = 3) -> float:
    """Return the share of word n-grams, over all texts, that repeat an earlier n-gram of the same
    text (0: none)."""
    repeated = total = 0
    for text in texts:
        words = text.lower().split()
        grams = [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]
        repeated += len(grams) - len(set(grams))
        total += len(grams)
    return repeated / total if total else 0.0


def _words(text: str) -> list[str]:
    """Return the lower-cased words of `text` (digits and accented letters kept, punctuation
    dropped)."""
    return re.findall(r"[\w°'’-]+", text.lower())


def fact_words(chosen: str, rejected: str) -> list[str]:
    """Return the words of `chosen` that `rejected` lacks: for a wrong-fact pair, the fact itself
    (e.g. ["124"])."""
    wrong = set(_words(rejected))
    return [w for w in _words(chosen) if w not in wrong]


def fact_accuracy(answers: Sequence[str], facts: Sequence[Sequence[str]]) -> float:
    """Return the share of answers that contain every word of their fact (as a whole word, any
    case)."""
    if len(answers) != len(facts):
        raise CourseError(
            f"Got {len(answers)} answers but {len(facts)} facts; pass one fact per answer."
        )
    return sum(set(fact) <= set(_words(answer)) for answer, fact in zip(answers, facts)) / max(
        len(answers), 1
    )
