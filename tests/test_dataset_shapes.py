"""The shipped course datasets keep the shape their cards state, and no test row shares a
sentence with its train split."""

import re
from collections import Counter
from pathlib import Path

import pytest

from tutorial_lib.build_datasets.shapes import (
    STANDS_IN_FOR,
    STATED,
    STEP_SHARES,
    TOKENS,
    length_stats,
    quantiles,
    steps,
)
from tutorial_lib.data import read_jsonl
from tutorial_lib.schemas import SCHEMAS, SPLITS

SHIPPED = Path(__file__).resolve().parent.parent / "datasets_cache"


@pytest.fixture(scope="module")
def data() -> dict[str, dict[str, list[dict]]]:
    """Return name -> split -> rows of the shipped datasets."""
    return {n: {s: read_jsonl(SHIPPED / n / f"{s}.jsonl") for s in SPLITS} for n in SCHEMAS}


def _sentences(text: str) -> set[str]:
    """Return the sentences of `text` (split on . ! ? and newlines, whitespace and case
    normalised), without those of four words or fewer ("Thank you.")."""
    parts = (" ".join(s.split()).lower() for s in re.split(r"[.!?\n]+", text))
    return {s for s in parts if len(s.split()) > 4}


def _row_sentences(row: dict) -> set[str]:
    """Return the sentences of every text field of `row`, lists (references) included."""
    texts = [t for v in row.values() for t in (v if isinstance(v, list) else [v])]
    return set().union(*(_sentences(t) for t in texts if isinstance(t, str)))


def _close(got: int, want: int) -> bool:
    """Return whether `got` is within 10% (at least 2 words) of `want`."""
    return abs(got - want) <= max(2, 0.1 * want)


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_no_test_row_shares_a_sentence_with_train(data, name):
    train = set().union(*(_row_sentences(r) for r in data[name]["train"]))
    shared = [s for r in data[name]["test"] for s in _row_sentences(r) & train]
    assert not shared, f"{name}: {len(shared)} shared sentences, e.g. {shared[:3]}"


@pytest.mark.parametrize("name", list(STATED))
def test_lengths_as_the_card_states(data, name):
    rows = data[name]["train"] + data[name]["test"]
    card = (SHIPPED / name / "README.md").read_text(encoding="utf-8")
    for col, stated in STATED[name].items():
        got = length_stats([r[col] for r in rows])
        assert all(_close(g, w) for g, w in zip(got, stated)), (name, col, got, stated)
        if col in STANDS_IN_FOR[name][1]:
            assert f"| {col} words, median / p95 / max | {' / '.join(map(str, got))} |" in card


def test_lengths_have_the_real_sets_long_tail():
    # the targets: DialogSum dev 115 / 245 / 472 words, summaries p95 39-65;
    # GSM8K questions a median of about 40 words; reviews a median of 60-80, p95 about 200
    dialogue, summary = STATED["dialogsum"]["dialogue"], STATED["dialogsum"]["summary"]
    assert 100 <= dialogue[0] <= 130 and 220 <= dialogue[1] <= 280 and 400 <= dialogue[2] <= 500
    assert 20 <= summary[0] <= 30 and 35 <= summary[1] <= 65
    assert 35 <= STATED["arithmetic"]["question"][0] <= 50
    text = STATED["sentiment"]["text"]
    assert 60 <= text[0] <= 80 and 170 <= text[1] <= 230 and text[2] <= 320


def test_dialogsum_test_rows_have_three_different_references(data):
    for row in data["dialogsum"]["test"]:
        refs = row["references"]
        assert len(refs) == 3 and len(set(refs)) == 3 and row["summary"] == refs[0]
    assert all("references" not in r for r in data["dialogsum"]["train"])


def test_rouge_scores_every_reference_of_the_new_test_rows(data):
    from tutorial_lib.metrics import rouge

    row = data["dialogsum"]["test"][0]
    for ref in row["references"]:  # a prediction equal to any one reference scores 1
        assert rouge([ref], [row["references"]])["rougeL"] == pytest.approx(1.0)
    assert rouge([row["references"][1]], [row["summary"]])["rougeL"] < 1.0


@pytest.mark.parametrize("split", SPLITS)
def test_sentiment_balanced_and_interleaved(data, split):
    labels = [r["label"] for r in data["sentiment"][split]]
    assert Counter(labels)["positive"] == len(labels) // 2
    for n in range(2, len(labels) + 1, 2):  # every even prefix is exactly half positive
        assert labels[:n].count("positive") == n // 2
    assert 0.45 <= labels[:64].count("positive") / 64 <= 0.55


def test_arithmetic_step_distribution(data):
    rows = data["arithmetic"]["train"] + data["arithmetic"]["test"]
    count = Counter(steps(r["rationale"]) for r in rows)
    assert min(count) == 1 and max(count) == 8
    for (lo, hi), share in STEP_SHARES.items():
        got = sum(count[k] for k in range(lo, hi + 1)) / len(rows)
        assert abs(got - share) <= 0.04, ((lo, hi), got, share)
    assert all(r["rationale"].endswith(f"The answer is {r['answer']}.") for r in rows)


def test_token_lengths_as_the_card_states(data):
    from tutorial_lib.models import load_tokenizer

    tokenizer = load_tokenizer()
    for name, cols in TOKENS.items():
        rows = data[name]["train"] + data[name]["test"]
        for col, stated in cols.items():
            got = quantiles([len(tokenizer(r[col])["input_ids"]) for r in rows])
            assert got == stated, (name, col, got, stated)


def test_load_data_gives_rouge_eval_all_three_references(monkeypatch):
    from tutorial_lib.data import load_data
    from tutorial_lib.evaluation import reference_lists

    monkeypatch.setenv("COURSE_DATA_DIR", str(SHIPPED))
    ds = load_data("dialogsum")
    refs = reference_lists(ds["test"])
    assert len(refs) == 100 and all(len(r) == 3 for r in refs)
    assert all(len(r) == 1 for r in reference_lists(ds["train"]))
