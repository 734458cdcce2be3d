"""Each course dataset's shape next to the real set it stands in for: the table on its card.

The course numbers are computed from the rows when the card is written; `STATED` holds the same
numbers as the course states them (tests/test_dataset_shapes.py checks that the data keep them).
Real-set numbers are cited: the paper, the dataset card's row counts (as recorded in
`tutorial_lib/hub_data.py`), or the course authors' own count on the real set; "about" marks a
number not verified offline. Token lengths use the bundled model's tokenizer
(SmolLM2-135M-Instruct); `TOKENS` is measured once, since the builder does not load the model.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter

from ..schemas import SPLITS
from .common import Row, Splits

# name -> (what it stands in for, the columns whose lengths are shown)
STANDS_IN_FOR: dict[str, tuple[str, list[str]]] = {
    "sentiment": ("IMDB movie reviews (Maas et al., 2011)", ["text"]),
    "arithmetic": ("GSM8K (Cobbe et al., 2021)", ["question", "rationale"]),
    "dialogsum": ("DialogSum (Chen et al., 2021)", ["dialogue", "summary"]),
    "instructions": ("databricks-dolly-15k (Conover et al., 2023)", ["instruction", "input",
                                                                     "response"]),
    "preferences": ("Anthropic HH-RLHF (Bai et al., 2022)", ["prompt", "chosen", "rejected"]),
    "general_text": ("WikiText-2 (Merity et al., 2017)", ["text"]),
}
# name -> row label -> the real set's value, cited
REAL: dict[str, dict[str, str]] = {
    "sentiment": {
        "rows (train / test)": "25,000 / 25,000 (paper)",
        "text words, median / p95 / max": "median about 174 (not verified offline; reviews "
        "run to hundreds of words)",
        "label balance": "50% positive in each split (paper)",
    },
    "arithmetic": {
        "rows (train / test)": "7,473 / 1,319 (dataset card)",
        "question words, median / p95 / max": "median about 43 (counted by the course authors)",
        "steps per problem": "2 to 8 (paper)",
    },
    "dialogsum": {
        "rows (train / test)": "12,460 / 500 dialogues, 500 more for validation (paper)",
        "dialogue words, median / p95 / max": "about 115 / 245 / 472 (validation split, "
        "counted by the course authors)",
        "summary words, median / p95 / max": "p95 about 39, max about 65 (validation split, "
        "counted by the course authors)",
        "references per test row": "3 (paper)",
    },
    "instructions": {
        "rows (train / test)": "15,011 in one split; the course holds out 10% as test "
        "(dataset card)",
    },
    "preferences": {"rows (train / test)": "160,800 / 8,552 (dataset card)"},
    "general_text": {
        "rows (train / test)": "about 17,000 / 2,100 paragraphs (estimated from the card's "
        "line counts in tutorial_lib/hub_data.py)",
    },
}
# name -> column -> (median, p95, max) in whitespace words, as the course states them
STATED: dict[str, dict[str, tuple[int, int, int]]] = {
    "sentiment": {"text": (63, 203, 268)},
    "arithmetic": {"question": (42, 85, 105), "rationale": (44, 93, 112)},
    "dialogsum": {"dialogue": (116, 240, 459), "summary": (25, 38, 46)},
    "instructions": {"instruction": (7, 10, 10), "input": (7, 30, 35), "response": (3, 17, 18)},
    "preferences": {"prompt": (8, 18, 26), "chosen": (7, 21, 28), "rejected": (8, 51, 69)},
    "general_text": {"text": (112, 125, 134)},
}
# name -> column -> (median, p95, max) in tokens of the bundled model's tokenizer
TOKENS: dict[str, dict[str, tuple[int, int, int]]] = {
    "sentiment": {"text": (78, 243, 325)},
    "arithmetic": {"question": (56, 113, 146), "rationale": (76, 165, 204)},
    "dialogsum": {"dialogue": (195, 384, 737), "summary": (40, 59, 71)},
    "instructions": {"instruction": (9, 12, 16), "input": (10, 37, 43), "response": (6, 25, 26)},
    "preferences": {"prompt": (13, 22, 31), "chosen": (13, 30, 42), "rejected": (15, 68, 100)},
    "general_text": {"text": (133, 149, 157)},
}
# arithmetic: the share of problems with 1-2, 3-4 and 5-8 steps, as stated
STEP_SHARES = {(1, 2): 0.40, (3, 4): 0.35, (5, 8): 0.25}
STEP = re.compile(r"(\d+) ([-+*/]) (\d+) = (\d+)")


def quantiles(counts: list[int]) -> tuple[int, int, int]:
    """Return (median, 95th percentile, max) of `counts`, the median rounded; the percentile is
    the value at rank round(0.95 * (n - 1)) of the sorted counts."""
    counts = sorted(counts)
    return round(statistics.median(counts)), counts[round(0.95 * (len(counts) - 1))], counts[-1]


def length_stats(texts: list[str]) -> tuple[int, int, int]:
    """Return (median, p95, max) of the whitespace word counts of `texts` (see `quantiles`)."""
    return quantiles([len(t.split()) for t in texts])


def steps(rationale: str) -> int:
    """Return the number of computations ('a op b = c') written in an arithmetic rationale."""
    return len(STEP.findall(rationale))


def _fmt(stats: tuple[int, int, int]) -> str:
    """Return 'median / p95 / max'."""
    return " / ".join(str(x) for x in stats)


def _course_rows(name: str, splits: Splits) -> dict[str, str]:
    """Return row label -> the course set's value, computed from `splits`."""
    rows: list[Row] = splits["train"] + splits["test"]
    out = {"rows (train / test)": " / ".join(str(len(splits[s])) for s in SPLITS)}
    for col in STANDS_IN_FOR[name][1]:
        out[f"{col} words, median / p95 / max"] = _fmt(length_stats([str(r[col]) for r in rows]))
        if col in TOKENS.get(name, {}):
            out[f"{col} tokens (SmolLM2 tokenizer), median / p95 / max"] = _fmt(TOKENS[name][col])
    if name == "dialogsum":
        out["references per test row"] = str(len(splits["test"][0].get("references", [1])))
    if name == "sentiment":
        out["label balance"] = ", ".join(
            f"{s} {100 * Counter(r['label'] for r in splits[s])['positive'] / len(splits[s]):.0f}%"
            " positive" for s in SPLITS) + "; interleaved, so any prefix is near 50%"
    if name == "arithmetic":
        count = Counter(steps(str(r["rationale"])) for r in rows)
        shares = [sum(count[k] for k in range(lo, hi + 1)) / len(rows)
                  for lo, hi in STEP_SHARES]
        out["steps per problem"] = (f"{min(count)} to {max(count)}: " + ", ".join(
            f"{lo}-{hi} steps {100 * s:.0f}%" for (lo, hi), s in zip(STEP_SHARES, shares)))
    return out


def shape_table(name: str, splits: Splits) -> str:
    """Return the card's Markdown table: the course set's shape next to the real set's."""
    real_name = STANDS_IN_FOR[name][0]
    course, real = _course_rows(name, splits), REAL[name]
    lines = [f"| | this course set | {real_name} |", "| --- | --- | --- |"]
    for label in course | real:
        lines.append(f"| {label} | {course.get(label, '-')} | {real.get(label, 'not measured')} |")
    return "\n".join(lines) + "\n"
