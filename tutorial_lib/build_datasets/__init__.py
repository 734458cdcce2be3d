"""Generate the course's own small datasets, deterministically, into `datasets_cache/`.

Every dataset is made from hand-written templates and word lists filled in by one seeded
`random.Random` per dataset (no global random state, no clock, no network), so

    python -m tutorial_lib.build_datasets [--seed N] [--out DIR]

rebuilds byte-identical files on any machine, offline. Test splits never repeat a train item
(the main text field is deduplicated across splits and `check_disjoint` verifies it), and people's
names and reviewed items come from disjoint pools for train and test, so a test score measures
generalisation rather than memory. `general_text` is original prose read from
`tutorial_lib/corpus/general_text.txt`.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Callable
from pathlib import Path

from ..schemas import SCHEMAS, SPLITS
from .arithmetic import make_arithmetic
from .common import (
    DAYS,
    DESCRIPTIONS,
    LESSONS,
    LICENSE,
    NAMES,
    OUT_DIR,
    SIZES,
    TEST_FRACTION,
    TOWNS,
    Row,
    Splits,
    _card,
    _index,
    _write_jsonl,
    check_disjoint,
    main_text,
)
from .dialogsum import make_dialogsum
from .general_text import CORPUS, make_general_text, read_corpus
from .instructions import make_instructions
from .preferences import make_preferences
from .sentiment import make_sentiment
from .shapes import STANDS_IN_FOR, shape_table

__all__ = [
    "CORPUS",
    "DAYS",
    "DESCRIPTIONS",
    "LESSONS",
    "LICENSE",
    "MAKERS",
    "NAMES",
    "OUT_DIR",
    "SIZES",
    "TEST_FRACTION",
    "TOWNS",
    "Row",
    "Splits",
    "build_all",
    "check_disjoint",
    "main",
    "main_text",
    "make_arithmetic",
    "make_dialogsum",
    "make_general_text",
    "make_instructions",
    "make_preferences",
    "make_sentiment",
    "read_corpus",
]

MAKERS: dict[str, Callable[[random.Random], Splits]] = {
    "sentiment": make_sentiment,
    "arithmetic": make_arithmetic,
    "dialogsum": make_dialogsum,
    "instructions": make_instructions,
    "preferences": make_preferences,
    "general_text": make_general_text,
}


def build_all(out_dir: Path = OUT_DIR, seed: int = 0) -> dict[str, dict[str, int]]:
    """Return name -> split -> row count, after writing each dataset, its card and the index."""
    out_dir = Path(out_dir)
    counts: dict[str, dict[str, int]] = {}
    for name, make in MAKERS.items():
        splits = make(random.Random(f"{seed}:{name}"))
        check_disjoint(name, splits)
        folder = out_dir / name
        folder.mkdir(parents=True, exist_ok=True)
        for split in SPLITS:
            _write_jsonl(folder / f"{split}.jsonl", splits[split], list(SCHEMAS[name]))
        card = _card(name, splits, seed, shape_table(name, splits), STANDS_IN_FOR[name][0])
        (folder / "README.md").write_text(card, encoding="utf-8", newline="\n")
        counts[name] = {s: len(splits[s]) for s in SPLITS}
    (out_dir / "README.md").write_text(_index(counts, seed), encoding="utf-8", newline="\n")
    return counts


def main(argv: list[str] | None = None) -> None:
    """Return None after rebuilding the datasets as the command line `argv` says."""
    parser = argparse.ArgumentParser(description="Rebuild the course datasets deterministically.")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--out", type=Path, default=OUT_DIR, help=f"output folder (default {OUT_DIR})"
    )
    args = parser.parse_args(argv)
    for name, sizes in build_all(args.out, args.seed).items():
        print(f"{name:14s} " + "  ".join(f"{s}={n}" for s, n in sizes.items()))
