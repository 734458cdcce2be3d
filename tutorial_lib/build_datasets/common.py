"""What the dataset builders share: row types, sizes, name pools, helpers, and the writers.

The writers write a dataset's JSONL splits, its card and the index of all datasets.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from pathlib import Path

from ..schemas import SCHEMAS, SPLITS

Row = dict[str, object]
Splits = dict[str, list[Row]]

OUT_DIR = Path(__file__).resolve().parent.parent.parent / "datasets_cache"
LICENSE = ("CC-BY-4.0. Written for this course (templates, word lists and prose by the course "
           "authors); it contains no third-party text.")

# name -> (train rows, test rows); general_text's sizes follow from its corpus (about 80/20)
SIZES: dict[str, tuple[int, int]] = {
    "sentiment": (800, 200),
    "arithmetic": (1000, 200),
    "dialogsum": (600, 100),
    "instructions": (1000, 200),
    "preferences": (800, 200),
}
TEST_FRACTION = 0.2

# name -> the lessons that use it
LESSONS: dict[str, list[str]] = {
    "sentiment": ["01_in_context_learning", "05_prefix_and_prompt_tuning"],
    "arithmetic": ["02_chain_of_thought", "04_lora_and_qlora", "07_rlhf_ppo"],
    "dialogsum": ["03_supervised_finetuning", "04_lora_and_qlora", "05_prefix_and_prompt_tuning"],
    "instructions": ["03_supervised_finetuning", "04_lora_and_qlora"],
    "preferences": ["06_reward_modeling", "07_rlhf_ppo"],
    "general_text": ["00_setup_and_tour", "03_supervised_finetuning", "09_quantization"],
}

# name -> what it is and how it was made (the card's first paragraph)
DESCRIPTIONS: dict[str, str] = {
    "sentiment": (
        "Reviews of products, films, restaurants, hotels and apps, labelled positive or negative. "
        "A review gives context first (what was bought, the plot, who came along), asides, "
        "opinions on several aspects (usually one or two against the verdict: mixed reviews), "
        "negated and hedged opinions ('I would not call the pacing dull'), sarcasm in some "
        "negative reviews, then the verdict, mostly at the end. Lengths have a long tail. IMDB "
        "reviews are much longer (a median of about 174 words): the course keeps its reviews "
        "shorter because lesson 01 puts k of them into one few-shot prompt, which must fit the "
        "CPU budget. Both splits are balanced and interleaved by label, so the first n rows "
        "that a lesson takes are near 50/50; the reviewed items of the test split never appear "
        "in train."
    ),
    "arithmetic": (
        "Word problems of one to eight steps (+, -, *, / with exact integer results): a "
        "collection (stickers, eggs, coins...) goes through a chain of events, one operation "
        "each, sometimes starting from boxes of items. About 40% of the problems take one or "
        "two steps, 35% three or four and 25% five to eight: a hard tail. The rationale writes "
        "every computation out ('37 * 4 = 148') and ends with 'The answer is N.'. Test problems "
        "use names that train never uses."
    ),
    "dialogsum": (
        "Two-person dialogues in the DialogSum format ('#Person1#: ...' per line) built on "
        "fourteen everyday scenarios (booking a table, returning an item, planning a meeting, a "
        "doctor's appointment, directions, a job interview, borrowing, hotel check-in, ordering "
        "coffee, weekend plans, a lost item, a repair, train tickets, renting a flat), with "
        "small talk and digressions (weather, work, family, football...) before and inside the "
        "scenario and some longer turns; how much is set by a long-tailed draw, so most "
        "dialogues are of moderate length and a few are long. The summary is third-person, "
        "names the scenario's key slots and mentions only digressions of two or more exchanges. "
        "Test rows carry three differently phrased references in `references` (`summary` is "
        "the first), as DialogSum's test split does."
    ),
    "instructions": (
        "Multi-task instruction data in twelve task types, balanced, each with several paraphrased "
        "instructions; every response is computed, so it is correct (word counts, sorting, "
        "arithmetic, "
        "antonyms from a hand-made list, one-sentence summaries of short templated news items)."
    ),
    "preferences": (
        "A user request with a chosen and a rejected answer. Requests come from a small "
        "hand-written "
        "knowledge base (capitals, science facts, unit conversions, arithmetic, short notes, "
        "everyday "
        "tips). The rejected answer fails in one of six ways, used equally often: a wrong fact, "
        "rude or "
        "dismissive, off-topic, rambling and repetitive, refusing a harmless request, or ignoring "
        "the "
        "format asked for. Length alone does not predict the preference."
    ),
    "general_text": (
        "Paragraphs of general encyclopedic English prose (history, geography, science, nature, "
        "technology, everyday life, cooking, sport, art), 80-150 words each, written for this "
        "course "
        "and stored in `tutorial_lib/corpus/general_text.txt`; shuffled with the seed and split "
        "about "
        "80/20. Used to measure perplexity (forgetting, quantisation)."
    ),
}

# fmt: off
NAMES = [
    "Amara", "Ben", "Carlos", "Dana", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jamal",
    "Kavya", "Liam", "Mei", "Noah", "Olga", "Pedro", "Quinn", "Rosa", "Sam", "Tariq",
    "Uma", "Victor", "Wen", "Ximena", "Yusuf", "Zoe", "Aisha", "Bruno", "Chloe", "Diego",
    "Emma", "Felix", "Gita", "Hannah", "Ivan", "Julia", "Kofi", "Lena", "Marco", "Nadia",
    "Omar", "Priya", "Rafael", "Sofia", "Tom", "Valentina", "Will", "Yara", "Anton", "Beatriz",
    "Chen", "Daniel", "Eva", "Fatima", "George", "Hana", "Isaac", "Jana", "Kenji", "Lucia",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
TOWNS = [
    "Millbrook", "Ashford", "Riverton", "Greenfield", "Lakeside", "Northwood", "Stonebridge",
    "Oakdale",
    "Fairview", "Westport", "Elmsworth", "Bramley", "Hillcrest", "Kingsley", "Redcliff", "Southam",
]
# fmt: on


# --- small helpers ----------------------------------------------------------------------------


def _cap(text: str) -> str:
    """Return `text` with its first character in upper case."""
    return text[:1].upper() + text[1:]


def _low(text: str) -> str:
    """Return `text` with its first character in lower case."""
    return text[:1].lower() + text[1:]


def _pool(items: list, split: str) -> list:
    """Return the part of `items` kept for `split`: every fifth item for test, others for train."""
    return [x for i, x in enumerate(items) if (i % 5 == 4) == (split == "test")]


def _half(items: list, split: str) -> list:
    """Return the part of `items` reserved for `split`: even positions for train, odd for test
    (all of them when there are fewer than two), so the splits use different phrasings."""
    if len(items) < 2:
        return list(items)
    return list(items[split == "test" :: 2])


def _pick(rng: random.Random, items: list, split: str) -> object:
    """Return a random item of `split`'s half of `items` (see `_half`)."""
    return rng.choice(_half(items, split))


def sentences(text: str) -> set[str]:
    """Return the sentences of `text` longer than four words, split on . ! ? and newlines,
    lower-cased with whitespace normalised: what the overlap check compares between splits."""
    parts = (" ".join(s.split()).lower() for s in re.split(r"[.!?\n]+", text))
    return {s for s in parts if len(s.split()) > 4}


def row_sentences(row: Row) -> set[str]:
    """Return the sentences (see `sentences`) of every text field of `row`, lists included."""
    out: set[str] = set()
    for value in row.values():
        for text in value if isinstance(value, list) else [value]:
            if isinstance(text, str):
                out |= sentences(text)
    return out


def _choose(rng: random.Random, phrasings: list[str], **slots: object) -> str:
    """Return one of `phrasings`, filled with `slots`."""
    return rng.choice(phrasings).format(**slots)


def _one_operation(
    rng: random.Random, mul_a: tuple[int, int], mul_b: tuple[int, int], add_below: int
) -> tuple[int, int, str, str, int]:
    """Return (a, b, op, op word, result) of a random +, - or * question with a result >= 0."""
    op, word = rng.choice([("+", "plus"), ("-", "minus"), ("*", "times")])
    if op == "*":
        a, b = rng.randint(*mul_a), rng.randint(*mul_b)
    else:
        b, a = sorted(rng.sample(range(10, add_below), 2))
    return a, b, op, word, {"+": a + b, "-": a - b, "*": a * b}[op]


def main_text(name: str, row: Row) -> str:
    """Return the field(s) of `row` that must not repeat between the splits of dataset `name`."""
    if name == "instructions":
        return f"{row['instruction']}\n{row['input']}"
    field = {"arithmetic": "question", "dialogsum": "dialogue", "preferences": "prompt"}.get(
        name, "text"
    )
    return str(row[field])


def _interleave(rng: random.Random, rows: list[Row], key: str) -> list[Row]:
    """Return `rows` (two classes of `key`, equally many) shuffled within each class and
    interleaved one of each at a time, in random order inside each pair: every prefix is within
    one row of 50/50."""
    classes = sorted({str(r[key]) for r in rows})
    groups = [[r for r in rows if r[key] == c] for c in classes]
    for group in groups:
        rng.shuffle(group)
    out: list[Row] = []
    for pair in zip(*groups, strict=True):
        out += rng.sample(list(pair), len(pair))
    return out


def _unique_rows(
    rng: random.Random,
    name: str,
    make_row: Callable[[random.Random, str, int], Row],
    balance: str | None = None,
) -> Splits:
    """Return train and test rows from `make_row(rng, split, index)`: no main text repeated
    anywhere, and no test row sharing a sentence of more than four words with any train row
    (the generators draw their phrasings from split halves; this drops the rare rest).

    With `balance` (a column of two classes), the rows are interleaved by class instead of
    shuffled, so any prefix of a split is near 50/50."""
    seen: set[str] = set()
    train_sentences: set[str] = set()
    out: Splits = {}
    for split, n in zip(SPLITS, SIZES[name]):
        rows: list[Row] = []
        for _ in range(200 * n):
            if len(rows) == n:
                break
            row = make_row(rng, split, len(rows))
            key = main_text(name, row)
            if key in seen or (split == "test" and row_sentences(row) & train_sentences):
                continue
            seen.add(key)
            rows.append(row)
            if split == "train":
                train_sentences |= row_sentences(row)
        if len(rows) < n:
            raise RuntimeError(
                f"{name}/{split}: only {len(rows)} distinct rows of {n}; add templates or slots"
            )
        if balance:
            rows = _interleave(rng, rows, balance)
        else:
            rng.shuffle(rows)
        out[split] = rows
    return out


def check_disjoint(name: str, splits: Splits) -> None:
    """Return None if no test row of `name` repeats a train row's main text or shares a sentence
    of more than four words with the train split; raise ValueError otherwise."""
    train = {main_text(name, r) for r in splits["train"]}
    shared = [main_text(name, r) for r in splits["test"] if main_text(name, r) in train]
    if shared:
        raise ValueError(f"{name}: {len(shared)} test rows also in train, e.g. {shared[0]!r}")
    seen = set().union(*(row_sentences(r) for r in splits["train"]))
    common = [s for r in splits["test"] for s in row_sentences(r) & seen]
    if common:
        raise ValueError(f"{name}: test shares {len(common)} sentences with train: {common[0]!r}")


# --- writing ----------------------------------------------------------------------------------


def _write_jsonl(path: Path, rows: list[Row], columns: list[str]) -> None:
    """Write `rows` to `path` as JSON lines, keys in `columns` order; return None."""
    extra = [c for c in (rows[0] if rows else {}) if c not in columns]  # e.g. 'references'
    lines = [
        json.dumps({c: row[c] for c in [*columns, *extra]}, ensure_ascii=False) for row in rows
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")


def _card(name: str, splits: Splits, seed: int, shape: str = "", stands_in_for: str = "") -> str:
    """Return the README.md card of dataset `name`, with its `shape` table (see `shapes`)."""
    sizes = "".join(f"| {s} | {len(splits[s])} |\n" for s in SPLITS)
    columns = "\n".join(f"- `{c}`: {meaning}" for c, meaning in SCHEMAS[name].items())
    lessons = "\n".join(f"- `notebooks/{lesson}.ipynb`" for lesson in LESSONS[name])
    example = json.dumps(
        {c: splits["train"][0][c] for c in SCHEMAS[name]}, ensure_ascii=False, indent=2
    )
    made = (
        f"Generated by `python -m tutorial_lib.build_datasets` (seed {seed}) from the templates "
        "and word "
        "lists in `tutorial_lib/build_datasets/`; rerunning it rewrites these files byte for byte. "
        "No test "
        "row repeats a train row, and no test row shares a sentence of more than four words with "
        "the train split: the generators draw their phrasings from split halves."
    )
    synthetic = (
        f"This set is made by the course, not collected: it stands in for {stands_in_for}, "
        "shaped like it but smaller and far more regular, so a result on it is likely to "
        "overstate what the same method does on the real set.\n\n"
        if stands_in_for else ""
    )
    shape_md = f"## Shape\n\n{synthetic}{shape}\n" if shape else ""
    return (
        f"# {name}\n\n{DESCRIPTIONS[name]}\n\n{made}\n\n| split | rows |\n| --- | --- |\n{sizes}\n"
        f"{shape_md}## Columns\n\n{columns}\n\n## Used in\n\n{lessons}\n\n"
        f"## Example (first train row)\n\n```json\n{example}\n```\n\n## License\n\n{LICENSE}\n"
    )


def _index(counts: dict[str, dict[str, int]], seed: int) -> str:
    """Return datasets_cache/README.md: a table of all the course datasets."""
    rows = "".join(
        f"| [{name}]({name}/README.md) | {counts[name]['train']} | {counts[name]['test']} | "
        f"{', '.join(f'`{c}`' for c in SCHEMAS[name])} | {', '.join(LESSONS[name])} |\n"
        for name in counts
    )
    return (
        "# The course datasets\n\nSmall datasets made for this course, one folder each with "
        "`train.jsonl`, "
        "`test.jsonl` and a card. Load one with `tutorial_lib.load_data(name)`. All are generated "
        "by "
        f"`python -m tutorial_lib.build_datasets` (seed {seed}); do not edit the files by hand.\n\n"
        "| dataset | train | test | columns | lessons |\n| --- | --- | --- | --- | --- |\n"
        f"{rows}\nLicense: {LICENSE}\n"
    )
