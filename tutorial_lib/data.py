"""The course's datasets: read from `datasets_cache/`, or from the matching Hub dataset when online."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path

from datasets import Dataset, DatasetDict

from .errors import CourseError

DATA_DIR = Path(os.environ.get("COURSE_DATA_DIR", Path(__file__).resolve().parent.parent / "datasets_cache"))

# name -> the columns every split must have (and their meaning)
SCHEMAS: dict[str, dict[str, str]] = {
    "sentiment": {"text": "a short review", "label": "'positive' or 'negative'"},
    "arithmetic": {
        "question": "a word problem",
        "rationale": "step-by-step working ending in 'The answer is N.'",
        "answer": "the integer answer",
    },
    "dialogsum": {"dialogue": "a dialogue, one '#Person1#: ...' turn per line", "summary": "a reference summary"},
    "instructions": {
        "instruction": "what to do",
        "input": "the text to do it on ('' if none)",
        "response": "a good response",
        "task": "the task type",
    },
    "preferences": {
        "prompt": "a user request",
        "chosen": "the preferred answer",
        "rejected": "the worse answer",
        "failure": "how the rejected answer fails: wrong, rude, off_topic, rambling, refusal, ignores_format ('' if unknown)",
    },
    "general_text": {"text": "a paragraph of general English prose"},
}
SPLITS = ("train", "test")


def check_schema(ds: DatasetDict | Dataset, name: str) -> None:
    """Return None if every split of `ds` has the columns of course dataset `name`; raise CourseError otherwise."""
    splits = ds.items() if isinstance(ds, DatasetDict) else [("data", ds)]
    for split, part in splits:
        missing = [c for c in SCHEMAS[name] if c not in part.column_names]
        if missing:
            wanted = ", ".join(f"'{c}' ({SCHEMAS[name][c]})" for c in missing)
            raise CourseError(
                f"Dataset '{name}' split '{split}' is missing column(s) {wanted}; it has "
                f"{part.column_names}. Rename or add the column(s) before use, e.g. "
                f"ds = ds.rename_column('old', '{missing[0]}'), or rebuild the course data with "
                "`python -m tutorial_lib.build_datasets`."
            )


def load_data(name: str, source: str = "local") -> DatasetDict:
    """Return course dataset `name` as a DatasetDict with 'train' and 'test' splits.

    source='local' reads `datasets_cache/<name>/`; source='hub' downloads the matching public
    dataset (needs internet, e.g. on Colab) and maps it to the same columns.
    """
    if name not in SCHEMAS:
        raise CourseError(
            f"Unknown dataset '{name}'. The course datasets are: {', '.join(SCHEMAS)}. "
            "Check the spelling, or see datasets_cache/README.md for what each one holds."
        )
    if source == "hub":
        ds = load_hub_data(name)
    elif source == "local":
        ds = _read_local(name)
    else:
        raise CourseError(f"Unknown source '{source}': use source='local' (offline) or source='hub' (online).")
    check_schema(ds, name)
    return ds


def _read_local(name: str) -> DatasetDict:
    """Return the DatasetDict stored as one JSON-lines file per split under DATA_DIR/name."""
    folder = DATA_DIR / name
    missing = [s for s in SPLITS if not (folder / f"{s}.jsonl").exists()]
    if missing:
        raise CourseError(
            f"Dataset '{name}' has no {', '.join(missing)} split in {folder}. The course data ships with "
            "the repository: run from a full clone, or rebuild it with `python -m tutorial_lib.build_datasets`."
        )
    return DatasetDict({s: Dataset.from_list(read_jsonl(folder / f"{s}.jsonl")) for s in SPLITS})


def read_jsonl(path: Path) -> list[dict]:
    """Return the records of a JSON-lines file."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


# --- the matching Hub datasets, mapped to the course's columns -----------------------------------

_ANSWER = re.compile(r"####\s*(-?[\d,]+)")


def map_imdb(row: dict) -> dict:
    """Return an IMDB row (text, label 0/1) as a sentiment row."""
    return {"text": row["text"], "label": "positive" if row["label"] == 1 else "negative"}


def map_gsm8k(row: dict) -> dict:
    """Return a GSM8K row ('...reasoning #### 42') as an arithmetic row."""
    working, _, _ = row["answer"].partition("####")
    answer = int(_ANSWER.search(row["answer"]).group(1).replace(",", ""))
    working = re.sub(r"<<[^>]*>>", "", working).strip()  # GSM8K's calculator annotations
    return {"question": row["question"], "rationale": f"{working}\nThe answer is {answer}.", "answer": answer}


def map_dialogsum(row: dict) -> dict:
    """Return a DialogSum row as a dialogsum row."""
    return {"dialogue": row["dialogue"], "summary": row["summary"]}


def map_dolly(row: dict) -> dict:
    """Return a databricks-dolly-15k row as an instructions row."""
    return {
        "instruction": row["instruction"],
        "input": row["context"],
        "response": row["response"],
        "task": row["category"],
    }


def map_hh_rlhf(row: dict) -> dict:
    """Return an HH-RLHF row (two full transcripts) as prompt / chosen / rejected."""
    marker = "\n\nAssistant:"
    cut = row["chosen"].rfind(marker)
    prompt = row["chosen"][:cut].strip()
    if prompt.count("Human:") == 1:  # a single turn: just the request; several turns keep their speakers
        prompt = prompt.removeprefix("Human:").strip()
    return {
        "prompt": prompt,
        "chosen": row["chosen"][cut + len(marker) :].strip(),
        "rejected": row["rejected"][row["rejected"].rfind(marker) + len(marker) :].strip(),
        "failure": "",  # HH-RLHF does not say why an answer was rejected
    }


def map_wikitext(row: dict) -> dict:
    """Return a wikitext row as a general_text row."""
    return {"text": row["text"].strip()}


# name -> (hub id, config, split for 'test', row mapper)
HUB_SOURCES: dict[str, tuple[str, str | None, str, Callable[[dict], dict]]] = {
    "sentiment": ("stanfordnlp/imdb", None, "test", map_imdb),
    "arithmetic": ("openai/gsm8k", "main", "test", map_gsm8k),
    "dialogsum": ("knkarthick/dialogsum", None, "test", map_dialogsum),
    "instructions": ("databricks/databricks-dolly-15k", None, "train", map_dolly),
    "preferences": ("Anthropic/hh-rlhf", None, "test", map_hh_rlhf),
    "general_text": ("Salesforce/wikitext", "wikitext-2-raw-v1", "test", map_wikitext),
}


def map_hub_rows(name: str, ds: DatasetDict) -> DatasetDict:
    """Return the Hub DatasetDict `ds` mapped to the columns of course dataset `name` (train and test)."""
    _, _, test_split, mapper = HUB_SOURCES[name]
    if test_split == "train":  # dolly has one split: hold out 10% for test, the same every time
        parts = ds["train"].train_test_split(test_size=0.1, seed=0)
        ds = DatasetDict(train=parts["train"], test=parts["test"])
    else:
        ds = DatasetDict(train=ds["train"], test=ds[test_split])
    ds = ds.map(mapper, remove_columns=ds["train"].column_names)
    if name == "general_text":
        ds = ds.filter(lambda r: len(r["text"]) > 200)  # drop wikitext's headings and blank lines
    return ds


def load_hub_data(name: str) -> DatasetDict:
    """Return the public Hub dataset matching course dataset `name`, mapped to its columns."""
    from datasets import load_dataset

    hub_id, config, _, _ = HUB_SOURCES[name]
    try:
        raw = load_dataset(hub_id, config)
    except Exception as e:  # offline, or the Hub is unreachable
        raise CourseError(
            f"Could not download '{hub_id}' for dataset '{name}' ({type(e).__name__}). source='hub' needs "
            "internet access to the Hugging Face Hub; offline, use the course's own copy: load_data(name)."
        ) from e
    return map_hub_rows(name, raw)
