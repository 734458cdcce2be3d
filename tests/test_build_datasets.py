"""The course datasets: deterministic, well formed, held-out test splits, shipped as the code makes
them."""

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from tutorial_lib.build_datasets import NAMES, SIZES, build_all, main_text, read_corpus
from tutorial_lib.data import read_jsonl
from tutorial_lib.schemas import SCHEMAS, SPLITS

SHIPPED = Path(__file__).resolve().parent.parent / "datasets_cache"


def _files(root: Path) -> dict[str, bytes]:
    """Return relative path -> bytes of every file under `root`."""
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """Return a folder holding a fresh build with the default seed."""
    out = tmp_path_factory.mktemp("datasets")
    build_all(out)
    return out


@pytest.fixture(scope="module")
def data(built) -> dict[str, dict[str, list[dict]]]:
    """Return name -> split -> rows of the fresh build."""
    return {name: {s: read_jsonl(built / name / f"{s}.jsonl") for s in SPLITS} for name in SCHEMAS}


def test_build_is_deterministic(built, tmp_path):
    counts = build_all(tmp_path)
    assert _files(tmp_path) == _files(built)
    assert set(counts) == set(SCHEMAS)


def test_other_seed_gives_other_data(built, tmp_path):
    build_all(tmp_path, seed=1)
    assert (tmp_path / "arithmetic" / "train.jsonl").read_bytes() != (
        built / "arithmetic" / "train.jsonl"
    ).read_bytes()


def test_shipped_datasets_equal_a_fresh_build(built):
    shipped, fresh = _files(SHIPPED), _files(built)
    differ = sorted(k for k in shipped.keys() | fresh.keys() if shipped.get(k) != fresh.get(k))
    assert not differ, (
        f"datasets_cache/ differs from the code in {differ}: run `python -m "
        "tutorial_lib.build_datasets`"
    )


def test_every_dataset_has_a_card_and_the_index_lists_it(built):
    index = (built / "README.md").read_text(encoding="utf-8")
    for name in SCHEMAS:
        card = (built / name / "README.md").read_text(encoding="utf-8")
        assert "python -m tutorial_lib.build_datasets" in card and "License" in card
        assert f"[{name}]({name}/README.md)" in index


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_columns_in_schema_order(built, name):
    for split in SPLITS:
        for line in (built / name / f"{split}.jsonl").read_text(encoding="utf-8").splitlines():
            extra = ["references"] if (name, split) == ("dialogsum", "test") else []
            assert list(json.loads(line)) == [*SCHEMAS[name], *extra]


@pytest.mark.parametrize("name", list(SIZES))
def test_sizes(data, name):
    assert [len(data[name][s]) for s in SPLITS] == list(SIZES[name])


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_no_test_row_is_a_train_row(data, name):
    train = {main_text(name, r) for r in data[name]["train"]}
    assert not [r for r in data[name]["test"] if main_text(name, r) in train]
    # and no duplicates inside a split either
    for split in SPLITS:
        texts = [main_text(name, r) for r in data[name][split]]
        assert len(texts) == len(set(texts))


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_no_empty_fields(data, name):
    for split in SPLITS:
        for row in data[name][split]:
            for col, value in row.items():
                assert value != "" or (name, col) == ("instructions", "input"), (name, row)


def test_sentiment_labels_are_balanced(data):
    for split in SPLITS:
        counts = Counter(r["label"] for r in data["sentiment"][split])
        assert counts == {
            "positive": len(data["sentiment"][split]) // 2,
            "negative": len(data["sentiment"][split]) // 2,
        }


def test_arithmetic_rationales_end_with_the_answer_and_compute_correctly(data):
    for split in SPLITS:
        for row in data["arithmetic"][split]:
            answer = row["answer"]
            assert isinstance(answer, int) and not isinstance(answer, bool) and answer > 0
            assert row["rationale"].endswith(f"The answer is {answer}.")
            steps = re.findall(r"(\d+) ([-+*/]) (\d+) = (\d+)", row["rationale"])
            assert 1 <= len(steps) <= 8, row
            for a, op, b, c in steps:
                a, b, c = int(a), int(b), int(c)
                assert {"+": a + b, "-": a - b, "*": a * b, "/": a / b}[op] == c, row
            assert int(steps[-1][3]) == answer


@pytest.mark.parametrize(("name", "field"), [("arithmetic", "question"), ("dialogsum", "dialogue")])
def test_people_in_test_never_appear_in_train(data, name, field):
    def people(rows: list[dict]) -> set[str]:
        return {w for r in rows for w in re.findall(r"[A-Z][a-z]+", r[field]) if w in NAMES}

    test_people = people(data[name]["test"])
    assert test_people and not test_people & people(data[name]["train"])


def test_dialogues_alternate_speakers_with_at_least_four_turns(data):
    for split in SPLITS:
        for row in data["dialogsum"][split]:
            turns = row["dialogue"].split("\n")
            assert len(turns) >= 4
            for k, turn in enumerate(turns):
                assert turn.startswith(f"#Person{k % 2 + 1}#: ")
            assert "#Person" in row["summary"] and "{" not in row["dialogue"] + row["summary"]


def test_instructions_cover_the_task_types_in_balance(data):
    for split in SPLITS:
        counts = Counter(r["task"] for r in data["instructions"][split])
        assert len(counts) >= 8
        assert max(counts.values()) - min(counts.values()) <= 1


def test_instruction_responses_are_correct_where_checkable(data):
    for row in data["instructions"]["train"] + data["instructions"]["test"]:
        text, response = row["input"], row["response"]
        if row["task"] == "uppercase":
            assert response == text.upper()
        elif row["task"] == "count_words":
            assert response == str(len(text.split()))
        elif row["task"] == "reverse_list":
            assert response.split(", ") == text.split(", ")[::-1]
        elif row["task"] == "sort_numbers":
            nums = [int(x) for x in text.split(", ")]
            assert [int(x) for x in response.split(", ")] in (
                sorted(nums),
                sorted(nums, reverse=True),
            )
        elif row["task"] == "arithmetic":
            a, op, b = re.search(
                r"(\d+) (\+|-|\*|plus|minus|times) (\d+)", row["instruction"]
            ).groups()
            op = {"plus": "+", "minus": "-", "times": "*"}.get(op, op)
            assert (
                int(response)
                == {"+": int(a) + int(b), "-": int(a) - int(b), "*": int(a) * int(b)}[op]
            )
        elif row["task"] == "extract_numbers":
            assert response == ", ".join(re.findall(r"\d+", text))
        elif row["task"] == "sentiment":
            assert response in ("positive", "negative")


def test_preferences_differ_and_length_does_not_decide(data):
    rows = data["preferences"]["train"] + data["preferences"]["test"]
    assert all(r["chosen"] != r["rejected"] for r in rows)
    chosen_longer = sum(len(r["chosen"]) > len(r["rejected"]) for r in rows) / len(rows)
    assert 0.25 < chosen_longer < 0.75


def test_general_text_is_prose_of_the_right_length(data):
    paragraphs = read_corpus()
    assert len(paragraphs) >= 60
    assert all(80 <= len(p.split()) <= 150 for p in paragraphs)
    rows = data["general_text"]["train"] + data["general_text"]["test"]
    assert sorted(r["text"] for r in rows) == sorted(paragraphs)
    assert 0.15 <= len(data["general_text"]["test"]) / len(rows) <= 0.25
