"""The course datasets' names, columns and splits, and the checks that rows have them."""

from __future__ import annotations

from collections.abc import Sequence

from datasets import Dataset, DatasetDict

from .errors import CourseError

# name -> the columns every split must have (and their meaning)
SCHEMAS: dict[str, dict[str, str]] = {
    "sentiment": {"text": "a review", "label": "'positive' or 'negative'"},
    "arithmetic": {
        "question": "a word problem",
        "rationale": "step-by-step working ending in 'The answer is N.'",
        "answer": "the integer answer",
    },
    "dialogsum": {
        "dialogue": "a dialogue, one '#Person1#: ...' turn per line",
        "summary": "a reference summary",
    },
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
        "failure": (
            "how the rejected answer fails: wrong, rude, off_topic, rambling, refusal, "
            "ignores_format ('' if unknown)"
        ),
    },
    "general_text": {"text": "a paragraph of general English prose"},
}
SPLITS = ("train", "test")


def check_name(name: str) -> None:
    """Return None if `name` is a course dataset; raise CourseError listing them otherwise."""
    if name not in SCHEMAS:
        raise CourseError(
            f"Unknown dataset '{name}'. The course datasets are: {', '.join(SCHEMAS)}. "
            "Check the spelling, or see datasets_cache/README.md for what each one holds."
        )


def check_schema(ds: DatasetDict | Dataset, name: str) -> None:
    """Return None if every split of `ds` has dataset `name`'s columns; else raise CourseError."""
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


def row_columns(rows: Dataset | Sequence[dict]) -> list[str]:
    """Return the columns every row of `rows` has (a Dataset's columns, or keys all dicts share)."""
    if isinstance(rows, Dataset):
        return list(rows.column_names)
    if not rows:
        return []
    return [c for c in rows[0] if all(c in r for r in rows)]


def require_columns(rows: Dataset | Sequence[dict], columns: Sequence[str], user: str) -> None:
    """Return None if `rows` is non-empty with every column in `columns`; else raise CourseError.

    `user` names the caller in the message, e.g. "rouge_eval()".
    """
    if len(rows) == 0:
        raise CourseError(f"{user} got no rows; pass at least one, e.g. load_data(name)['test'].")
    have = row_columns(rows)
    missing = [c for c in columns if c not in have]
    if missing:
        raise CourseError(
            f"{user} needs the column(s) {missing}, but the rows have {have}. Pass rows of the "
            f"matching course dataset (load_data(...)['test']), or rename a column first, e.g. "
            f"ds = ds.rename_column('old', '{missing[0]}')."
        )
