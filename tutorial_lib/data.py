"""The course's datasets: read from `datasets_cache/`, or from the matching Hub dataset when online.

The names, columns and checks live in `schemas`, the Hub mappers in `hub_data`; this module
re-exports the ones the notebooks and the package import from here.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from datasets import Dataset, DatasetDict

from .errors import CourseError
from .hub_data import hub_rows, load_hub_data, map_hub_rows
from .schemas import SCHEMAS, SPLITS, check_name, check_schema, require_columns, row_columns

__all__ = [
    "SCHEMAS",
    "SPLITS",
    "check_name",
    "check_schema",
    "data_dir",
    "hub_rows",
    "load_data",
    "load_hub_data",
    "local_rows",
    "map_hub_rows",
    "read_jsonl",
    "require_columns",
    "row_columns",
    "with_references",
]


def data_dir() -> Path:
    """Return the folder of the course datasets, looked up when called (not at import).

    $COURSE_DATA_DIR if set (the Colab set-up sets it); else datasets_cache/ beside the package (a
    clone or an editable install); else in the working directory or one above it (a non-editable
    install used from the clone's notebooks/).
    """
    if os.environ.get("COURSE_DATA_DIR"):
        return Path(os.environ["COURSE_DATA_DIR"])
    here = Path.cwd().resolve()
    for folder in (Path(__file__).resolve().parent.parent, here, *here.parents):
        if (folder / "datasets_cache").is_dir():
            return folder / "datasets_cache"
    raise CourseError(
        "The course datasets (datasets_cache/) were not found beside the package nor above the "
        f"working directory {here}. Run from the course's clone (on Colab, run the notebook's "
        "Colab cell first), or set COURSE_DATA_DIR to the clone's datasets_cache folder."
    )


def load_data(name: str, source: str = "local") -> DatasetDict:
    """Return course dataset `name` as a DatasetDict with 'train' and 'test' splits.

    source='local' reads `datasets_cache/<name>/`; source='hub' downloads the matching public
    dataset (needs internet, e.g. on Colab) and maps it to the same columns. Every dialogsum split
    also has a 'references' column, the list of its reference summaries (one for the train splits,
    three for the test dialogues, in the course's set as in DialogSum's).
    """
    check_name(name)
    if source == "hub":
        ds = load_hub_data(name)
    elif source == "local":
        ds = _read_local(name)
    else:
        raise CourseError(
            f"Unknown source '{source}': use source='local' (offline) or source='hub' (online)."
        )
    check_schema(ds, name)
    return ds


def _read_local(name: str) -> DatasetDict:
    """Return the DatasetDict stored as one JSON-lines file per split under data_dir()/name."""
    folder = data_dir() / name
    missing = [s for s in SPLITS if not (folder / f"{s}.jsonl").exists()]
    if missing:
        raise CourseError(
            f"Dataset '{name}' has no {', '.join(missing)} split in {folder}. The course data "
            "ships with the repository: run from a full clone, or rebuild it with "
            "`python -m tutorial_lib.build_datasets`."
        )
    splits = {s: read_jsonl(folder / f"{s}.jsonl") for s in SPLITS}
    if name == "dialogsum":
        splits = {s: [with_references(r) for r in rows] for s, rows in splits.items()}
    return DatasetDict({s: Dataset.from_list(rows) for s, rows in splits.items()})


def with_references(row: dict) -> dict:
    """Return a dialogsum row with a 'references' list (its one 'summary') unless it has one (the
    test rows carry three)."""
    if "references" in row or "summary" not in row:
        return row  # check_schema names a missing 'summary'
    return {**row, "references": [row["summary"]]}


def read_jsonl(path: Path) -> list[dict]:
    """Return the records of a JSON-lines file."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def local_rows(name: str, split: str) -> int:
    """Return the rows of split `split` of course dataset `name` on disk (its non-blank lines)."""
    check_name(name)
    path = data_dir() / name / f"{split}.jsonl"
    if not path.exists():
        raise CourseError(
            f"Dataset '{name}' has no '{split}' split: {path} is missing. The splits are "
            f"{', '.join(SPLITS)}; if one of them is missing, rebuild the course data with "
            "`python -m tutorial_lib.build_datasets`."
        )
    with open(path, "rb") as f:  # counted as read_jsonl reads them, without parsing JSON
        return sum(1 for line in f if line.strip())
