"""The public Hub datasets that match the course's own, and the mappers to the course's columns.

A mapper turns one Hub row into one course row, or raises CourseError for a row it cannot map
(map_hub_rows then skips that row and says how many it skipped).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from datasets import Dataset, DatasetDict

from .errors import CourseError
from .schemas import SPLITS, check_name


def _field(row: dict, column: str, source: str) -> Any:
    """Return row[column]; raise CourseError naming the missing column and the row's columns."""
    if column not in row:
        raise CourseError(
            f"A {source} row has no '{column}' column (it has {sorted(row)}). The course maps the "
            f"dataset as published on the Hub: load it with load_data(name, source='hub'), or "
            f"rename your column to '{column}' first."
        )
    return row[column]


_BREAK = re.compile(r"\s*(?:<br\s*/?>\s*)+", re.IGNORECASE)


def map_imdb(row: dict) -> dict:
    """Return an IMDB row (text with <br /> tags, label 0/1) as a sentiment row of plain text."""
    label = _field(row, "label", "IMDB")
    if label not in (0, 1):
        raise CourseError(
            f"An IMDB row has label {label!r}; the course maps 0 (negative) and 1 (positive). The "
            "'unsupervised' split (label -1) has no sentiment: use the 'train' and 'test' splits."
        )
    text = " ".join(_BREAK.sub(" ", _field(row, "text", "IMDB")).split())  # no <br />, one space
    return {"text": text, "label": "positive" if label == 1 else "negative"}


_ANSWER = re.compile(r"####\s*(-?\$?\s?\d[\d,]*(?:\.\d+)?)")


def map_gsm8k(row: dict) -> dict:
    """Return a GSM8K row ('...reasoning\\n#### 1,234') as an arithmetic row (answer 1234)."""
    question, solution = _field(row, "question", "GSM8K"), _field(row, "answer", "GSM8K")
    match = _ANSWER.search(solution)
    if not match:
        raise CourseError(
            f"A GSM8K answer has no final '#### N' line: ...{solution[-60:]!r}. Every answer "
            "of the 'main' config ends with one: load openai/gsm8k with config 'main'."
        )
    value = float(re.sub(r"[$,\s]", "", match.group(1)))
    if not value.is_integer():
        raise CourseError(
            f"A GSM8K answer is not a whole number ({match.group(1)!r}); the course's arithmetic "
            "answers are integers, so the row is left out."
        )
    answer = int(value)
    working = solution[: match.start()]
    working = re.sub(r"<<[^>]*>>", "", working).strip()  # GSM8K's calculator annotations
    rationale = f"{working}\nThe answer is {answer}."
    return {"question": question.strip(), "rationale": rationale, "answer": answer}


_NUMBERED_SUMMARY = re.compile(r"summary(\d+)")


def map_dialogsum(row: dict) -> dict:
    """Return a DialogSum row as a dialogsum row: 'summary' its first reference, 'references' all.

    Train and validation rows have one 'summary'; the original test split has three references per
    dialogue, 'summary1'..'summary3'. (A test split stored as one row per reference, each with one
    'summary', is merged back to one row per dialogue by map_hub_rows.)
    """
    numbered = sorted((int(m.group(1)), k) for k in row if (m := _NUMBERED_SUMMARY.fullmatch(k)))
    keys = [k for _, k in numbered] or ["summary"]
    texts = [_field(row, k, "DialogSum") for k in keys]
    references = [t.strip() for t in texts if isinstance(t, str) and t.strip()]
    if not references:
        raise CourseError(f"A DialogSum row has no reference summary (its {keys} are empty).")
    dialogue = _field(row, "dialogue", "DialogSum")
    if not isinstance(dialogue, str) or not dialogue.strip():
        raise CourseError("A DialogSum row has an empty 'dialogue'.")
    return {"dialogue": dialogue.strip(), "summary": references[0], "references": references}


def merge_references(ds: Dataset) -> Dataset:
    """Return mapped dialogsum rows, one per dialogue, with the references of all its copies.

    Rows match on their dialogue text with whitespace normalised; the first row's summary is kept.
    """
    merged: dict[str, dict] = {}
    for row in ds:
        key = " ".join(row["dialogue"].split())
        if key not in merged:
            merged[key] = {**row, "references": list(row["references"])}
            continue
        references = merged[key]["references"]
        references.extend(r for r in row["references"] if r not in references)
    return Dataset.from_list(list(merged.values()))


def map_dolly(row: dict) -> dict:
    """Return a databricks-dolly-15k row as an instructions row (input '' if it has no context)."""
    instruction = _field(row, "instruction", "dolly-15k").strip()
    response = _field(row, "response", "dolly-15k").strip()
    if not instruction or not response:
        raise CourseError("A dolly-15k row has an empty instruction or response.")
    return {
        "instruction": instruction,
        "input": (_field(row, "context", "dolly-15k") or "").strip(),
        "response": response,
        "task": _field(row, "category", "dolly-15k"),
    }


_ASSISTANT = "\n\nAssistant:"


def last_answer(transcript: str, side: str) -> tuple[str, str]:
    """Return (the conversation before the last assistant turn, that turn) of an HH transcript."""
    cut = transcript.rfind(_ASSISTANT)
    if cut < 0:
        raise CourseError(
            f"An HH-RLHF '{side}' transcript has no '\\n\\nAssistant:' turn: "
            f"{transcript[:60]!r}... Each transcript must end with the assistant's answer."
        )
    return transcript[:cut], transcript[cut + len(_ASSISTANT) :].strip()


def map_hh_rlhf(row: dict) -> dict:
    """Return an HH-RLHF row (two full transcripts) as prompt / chosen / rejected.

    A single-turn prompt is just the request; several turns keep their 'Human:'/'Assistant:' labels.
    """
    context, chosen = last_answer(_field(row, "chosen", "HH-RLHF"), "chosen")
    rejected_context, rejected = last_answer(_field(row, "rejected", "HH-RLHF"), "rejected")
    if context.strip() != rejected_context.strip():
        raise CourseError("An HH-RLHF pair continues two different conversations; it is no pair.")
    if not chosen or not rejected:
        raise CourseError("An HH-RLHF pair has an empty final answer.")
    prompt = context.strip()
    if _ASSISTANT not in context:  # a single turn: just the request
        prompt = prompt.removeprefix("Human:").strip()
    return {"prompt": prompt, "chosen": chosen, "rejected": rejected, "failure": ""}  # not given


_WIKI_HEADING = re.compile(r"\s*(=+) .* \1\s*")
_WIKI_GLUE = ((" @-@ ", "-"), (" @,@ ", ","), (" @.@ ", "."))  # tokenised '-', ',' and '.' in words
_WIKI_BEFORE = re.compile(r" ([,.;:!?%)\]]|'s\b)")  # a space the tokeniser put before these
_WIKI_AFTER = re.compile(r"([(\[$]) ")  # ... and after these


def map_wikitext(row: dict) -> dict:
    """Return a wikitext line as a general_text row: '' for a heading (' = Title = ') or blank line.

    Paragraphs are detokenised: '1 @,@ 000' -> '1,000', 'iron , steel' -> 'iron, steel'.
    """
    text = _field(row, "text", "WikiText")
    if _WIKI_HEADING.fullmatch(text):
        return {"text": ""}
    for tokenised, plain in _WIKI_GLUE:
        text = text.replace(tokenised, plain)
    return {"text": _WIKI_AFTER.sub(r"\1", _WIKI_BEFORE.sub(r"\1", text)).strip()}


# name -> (hub id, config, split for 'test', row mapper)
HUB_SOURCES: dict[str, tuple[str, str | None, str, Callable[[dict], dict]]] = {
    "sentiment": ("stanfordnlp/imdb", None, "test", map_imdb),
    "arithmetic": ("openai/gsm8k", "main", "test", map_gsm8k),
    "dialogsum": ("knkarthick/dialogsum", None, "test", map_dialogsum),
    "instructions": ("databricks/databricks-dolly-15k", None, "train", map_dolly),
    "preferences": ("Anthropic/hh-rlhf", None, "test", map_hh_rlhf),
    "general_text": ("Salesforce/wikitext", "wikitext-2-raw-v1", "test", map_wikitext),
}

# Rows of the Hub splits, from the dataset cards' num_examples (checked 2026-12).
HUB_SPLIT_ROWS: dict[str, dict[str, int]] = {
    "sentiment": {"train": 25_000, "test": 25_000},  # and 'unsupervised' 50,000, unlabelled: unused
    "arithmetic": {"train": 7_473, "test": 1_319},
    "dialogsum": {"train": 12_460, "validation": 500, "test": 1_500},  # test: 500 dialogues x 3
    "instructions": {"train": 15_011},  # one split; map_hub_rows holds out 10% as 'test'
    "preferences": {"train": 160_800, "test": 8_552},
    "general_text": {"train": 36_718, "validation": 3_760, "test": 4_358},  # lines, blank ones too
}
DOLLY_TEST_SHARE = 0.1  # the share of dolly-15k that map_hub_rows holds out as 'test'
# WikiText-2 raw, paragraphs estimated: non-empty lines (train 23,767, test 2,891) less the headings
# (a blank line before and after each: half the blank lines, 6,476 and 734), rounded down for the
# few paragraphs map_hub_rows drops as shorter than 200 characters. An estimate, not a count.
WIKITEXT_PARAGRAPHS = {"train": 17_000, "test": 2_100}


def hub_rows(name: str, split: str) -> int:
    """Return the rows of load_data(name, source='hub')[split], from the cards, without downloading.

    Exact for sentiment, arithmetic, dialogsum (its test split: 1,500 rows of 500 dialogues, merged
    to 500 rows of three references) and instructions (dolly's 15,011 rows split 90/10). About for
    preferences (less the few malformed pairs map_hub_rows skips) and general_text (an estimate of
    WikiText-2's paragraphs, see WIKITEXT_PARAGRAPHS).
    """
    check_name(name)
    if split not in SPLITS:
        raise CourseError(f"Unknown split '{split}' of dataset '{name}': use {', '.join(SPLITS)}.")
    if name == "instructions":
        test = math.ceil(DOLLY_TEST_SHARE * HUB_SPLIT_ROWS[name]["train"])  # as train_test_split
        return test if split == "test" else HUB_SPLIT_ROWS[name]["train"] - test
    if name == "general_text":
        return WIKITEXT_PARAGRAPHS[split]
    if name == "dialogsum" and split == "test":
        return HUB_SPLIT_ROWS[name]["test"] // 3  # three references per test dialogue
    return HUB_SPLIT_ROWS[name][split]


def map_split(part: Dataset, mapper: Callable[[dict], dict], source: str) -> Dataset:
    """Return the rows of `part` mapped by `mapper`; rows it rejects are skipped, and counted."""
    reasons: list[str] = []

    def mappable(row: dict) -> bool:
        try:
            mapper(row)
        except CourseError as e:
            reasons.append(str(e))
            return False
        return True

    kept = part.filter(mappable)
    skipped = part.num_rows - kept.num_rows
    first = f" First: {reasons[0]}" if reasons else ""
    if part.num_rows and not kept.num_rows:
        raise CourseError(f"No row of {source} could be mapped to the course's columns.{first}")
    if skipped:
        total = part.num_rows
        print(f"Skipped {skipped:,} of {total:,} rows of {source} the course cannot map.{first}")
    return kept.map(mapper, remove_columns=kept.column_names)


def map_hub_rows(name: str, ds: DatasetDict) -> DatasetDict:
    """Return the Hub DatasetDict `ds` mapped to course dataset `name`'s columns: train and test.

    The Hub split that serves as 'test' is HUB_SOURCES' (dolly-15k has one split: 10% is held out).
    """
    check_name(name)
    hub_id, _, test_split, mapper = HUB_SOURCES[name]
    missing = [s for s in dict.fromkeys(["train", test_split]) if s not in ds]
    if missing:
        raise CourseError(
            f"{hub_id} has no '{missing[0]}' split (it has {list(ds)}). Load the dataset itself "
            f"with load_data('{name}', source='hub'): it maps its '{test_split}' split to 'test'."
        )
    if test_split == "train":  # dolly has one split: hold out 10% for test, the same every time
        parts = ds["train"].train_test_split(test_size=DOLLY_TEST_SHARE, seed=0)
        ds = DatasetDict(train=parts["train"], test=parts["test"])
    else:
        ds = DatasetDict(train=ds["train"], test=ds[test_split])
    ds = DatasetDict({s: map_split(part, mapper, f"{hub_id} '{s}'") for s, part in ds.items()})
    if name == "dialogsum":  # one row per test dialogue, with all its references
        ds["test"] = merge_references(ds["test"])
    if name == "general_text":
        ds = ds.filter(lambda r: len(r["text"]) > 200)  # headings, blank lines and stubs: ''
    return ds


def load_hub_data(name: str) -> DatasetDict:
    """Return the public Hub dataset matching course dataset `name`, mapped to its columns."""
    from datasets import load_dataset

    hub_id, config, _, _ = HUB_SOURCES[name]
    try:
        raw = load_dataset(hub_id, config)
    except Exception as e:  # offline, or the Hub is unreachable
        raise CourseError(
            f"Could not download '{hub_id}' for dataset '{name}' ({type(e).__name__}). "
            "source='hub' needs internet access to the Hugging Face Hub; offline, use the "
            "course's own copy: load_data(name)."
        ) from e
    return map_hub_rows(name, raw)
