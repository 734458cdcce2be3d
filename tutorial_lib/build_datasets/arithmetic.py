"""The arithmetic dataset: word problems of one to eight steps with step-by-step rationales.

A problem follows one collection (stickers, eggs, coins...) through a chain of events, each one
operation (+, -, *, / with exact integer results): one sentence of the question and one line of
the rationale per step, then "The answer is N.". Step counts have a hard tail (about 40% one or
two steps, 35% three or four, 25% five to eight), standing in for GSM8K (Cobbe et al., 2021).
Every list of phrasings is split by position between train and test (see `common._half`), and
people's names come from disjoint pools.
"""

from __future__ import annotations

import random

from .common import DAYS, NAMES, Row, Splits, _half, _pick, _pool, _unique_rows

# fmt: off
# (what is counted, what holds it)
WORLDS = [("stickers", "sheets"), ("marbles", "bags"), ("apples", "baskets"), ("books", "shelves"),
          ("eggs", "cartons"), ("trading cards", "packs"), ("beads", "jars"), ("cookies", "tins"),
          ("seeds", "packets"), ("coins", "purses"), ("shells", "buckets"), ("pencils", "boxes"),
          ("stamps", "albums"), ("candles", "crates"), ("buttons", "pots"), ("postcards", "boxes")]
STARTS = ["{name} has {a} {item}.", "{name} starts the month with {a} {item}.",
          "At first {name} owns {a} {item}.", "{name} begins with a collection of {a} {item}."]
START_LINES = ["{name} starts with {a} {item}.", "At the start there are {a} {item}."]
GROUP_STARTS = [("{name} has {a} {box} with {b} {item} in each.",
                 "{name} starts with {a} * {b} = {y} {item}."),
                ("{name} buys {a} {box} of {item}, and each one holds {b}.",
                 "The {box} hold {a} * {b} = {y} {item}."),
                ("There are {a} {box} in {name}'s room, each with {b} {item}.",
                 "In the {box} there are {a} * {b} = {y} {item}."),
                ("{name} is given {a} {box} that contain {b} {item} apiece.",
                 "That is {a} * {b} = {y} {item} to begin with.")]
# op -> (question sentence, rationale line); {x} the amount before, {y} after
EVENTS: dict[str, list[tuple[str, str]]] = {
    "+": [("{friend} gives {name} {b} more {item}.",
           "After {friend}'s gift, {name} has {x} + {b} = {y} {item}."),
          ("On {day}, {name} buys another {b} {item}.",
           "Buying {b} more makes {x} + {b} = {y} {item}."),
          ("Then {name} finds {b} {item} in an old drawer.",
           "With the ones found there are {x} + {b} = {y} {item}."),
          ("A neighbour adds {b} {item} to {name}'s collection.",
           "Adding the neighbour's gives {x} + {b} = {y} {item}.")],
    "-": [("{name} gives {b} {item} to {friend}.",
           "After giving some away, {name} has {x} - {b} = {y} {item}."),
          ("On {day}, {b} of the {item} get lost.",
           "Losing {b} leaves {x} - {b} = {y} {item}."),
          ("{name} uses {b} {item} for a school project.",
           "The project uses some, so {x} - {b} = {y} {item} remain."),
          ("{name} sells {b} {item} at the market.",
           "After the sale, {x} - {b} = {y} {item} are left.")],
    "*": [("By {day} the collection has grown to {b} times its size.",
           "Growing to {b} times its size gives {x} * {b} = {y} {item}."),
          ("Then {name} ends up with {b} times as many {item} as before.",
           "{b} times as many is {x} * {b} = {y} {item}."),
          ("A month later {name} has {b} times that many {item}.",
           "A month later there are {x} * {b} = {y} {item}."),
          ("After a lucky trade, the number of {item} is multiplied by {b}.",
           "Multiplying by {b} gives {x} * {b} = {y} {item}.")],
    "/": [("{name} shares the {item} equally among {b} friends, keeping one share.",
           "One share of {b} is {x} / {b} = {y} {item}."),
          ("{name} packs them equally into {b} {box} and keeps only one of the {box}.",
           "Each of the {b} {box} holds {x} / {b} = {y} {item}."),
          ("{name} splits them into {b} equal groups and gives away all but one group.",
           "One of {b} equal groups has {x} / {b} = {y} {item}."),
          ("Only one in every {b} {item} is kept; {friend} takes the rest.",
           "Keeping one in {b} leaves {x} / {b} = {y} {item}.")],
}
ASKS = ["How many {item} does {name} have now?", "How many {item} are left at the end?",
        "How many {item} does {name} end up with?", "What is the final number of {item}?"]
# steps -> weight: 40% one or two steps, 35% three or four, 25% five to eight
STEP_WEIGHTS = {1: 20, 2: 20, 3: 18, 4: 17, 5: 8, 6: 7, 7: 5, 8: 5}
# fmt: on
LARGEST = 3000  # no amount above this


def _operation(rng: random.Random, x: int) -> tuple[str, int] | None:
    """Return a random (op, b) whose result from `x` is a whole number from 2 to LARGEST."""
    options: list[tuple[str, int]] = [("+", rng.randint(2, 60))]
    if x > 4:
        options.append(("-", rng.randint(1, min(60, x - 2))))
    if x * 2 <= LARGEST:
        options.append(("*", rng.randint(2, min(5, LARGEST // x))))
    divisors = [b for b in range(2, 10) if x % b == 0 and x // b >= 2]
    if divisors:
        options += [("/", rng.choice(divisors))] * 2  # division is rarer otherwise
    return rng.choice(options)


def _apply(op: str, x: int, b: int) -> int:
    """Return `x op b` (exact)."""
    return {"+": x + b, "-": x - b, "*": x * b, "/": x // b}[op]


def _arithmetic_row(rng: random.Random, split: str, i: int) -> Row:
    """Return one word problem with its step-by-step rationale and integer answer."""
    name, friend = rng.sample(_pool(NAMES, split), 2)
    item, box = rng.choice(WORLDS)
    slots = {"name": name, "friend": friend, "item": item, "box": box}
    steps = rng.choices(list(STEP_WEIGHTS), weights=list(STEP_WEIGHTS.values()))[0]
    if rng.random() < 0.4:  # the first step is a multiplication: boxes of items
        a, b = rng.randint(2, 9), rng.choice([2, 3, 4, 5, 6, 8, 10, 12])
        ask, line = _pick(rng, GROUP_STARTS, split)
        x, steps = a * b, steps - 1
        question, lines = [ask.format(a=a, b=b, **slots)], [line.format(a=a, b=b, y=x, **slots)]
    else:
        x = rng.randint(6, 90)
        question = [str(_pick(rng, STARTS, split)).format(a=x, **slots)]
        lines = [str(_pick(rng, START_LINES, split)).format(a=x, **slots)]
    return _chain(rng, split, slots, x, steps, question, lines)


def _chain(
    rng: random.Random,
    split: str,
    slots: dict,
    x: int,
    steps: int,
    question: list[str],
    lines: list[str],
) -> Row:
    """Return the row after `steps` more events from amount `x` (question and lines so far)."""
    events = {op: _half(pairs, split) for op, pairs in EVENTS.items()}
    used: set[str] = set()
    for _ in range(steps):
        op, b = _operation(rng, x)
        y = _apply(op, x, b)
        fresh = [pair for pair in events[op] if pair[0] not in used] or events[op]
        ask, line = rng.choice(fresh)  # a phrasing not used yet in this problem, if any is left
        used.add(ask)
        fill = {**slots, "b": b, "x": x, "y": y, "day": rng.choice(DAYS)}
        question.append(ask.format(**fill))
        lines.append(line.format(**fill))
        x = y
    question.append(str(_pick(rng, ASKS, split)).format(**slots))
    lines = [line[:1].upper() + line[1:] for line in lines]
    return {
        "question": " ".join(question),
        "rationale": "\n".join([*lines, f"The answer is {x}."]),
        "answer": x,
    }


def make_arithmetic(rng: random.Random) -> Splits:
    """Return the arithmetic splits: word problems with rationales ending 'The answer is N.'."""
    return _unique_rows(rng, "arithmetic", _arithmetic_row)
