"""The arithmetic dataset: grade-school word problems with step-by-step rationales."""

from __future__ import annotations

import random
from collections.abc import Callable

from .common import NAMES, Row, Splits, _pool, _unique_rows

Problem = tuple[str, list[str], int]  # question, working steps, answer

# fmt: off
SHOP_ITEMS = [("notebooks", 2, 6), ("apples", 2, 3), ("comic books", 4, 9), ("candles", 3, 7),
              ("packs of stickers", 2, 5), ("bottles of juice", 2, 4), ("pencil cases", 5, 9)]
EXTRAS = ["pen", "birthday card", "sandwich", "bag", "magazine", "phone charger"]
TREATS = ["cookies", "muffins", "cupcakes", "brownies", "biscuits", "cinnamon rolls"]
# (vehicle, lowest speed, highest speed, speed step) in km/h
VEHICLES = [("A train", 60, 120, 10), ("A bus", 40, 80, 5), ("A delivery van", 30, 70, 5),
            ("A ferry", 20, 40, 5)]
BUYS = ["bike", "video game", "pair of headphones", "skateboard", "board game", "guitar"]
CROPS = [("tomato plants", "tomatoes"), ("pepper plants", "peppers"), ("strawberry plants",
                                                                       "strawberries"),
         ("bean plants", "beans"), ("lemon trees", "lemons")]
HARVESTS = [("picks", "apples", "bags"), ("collects", "eggs", "cartons"), ("picks", "oranges",
                                                                           "boxes"),
            ("digs up", "potatoes", "sacks")]
TICKETS = ["cinema tickets", "museum tickets", "concert tickets", "bus passes", "zoo tickets"]
# fmt: on


def _shopping(rng: random.Random, name: str, friend: str) -> Problem:
    """Return a shopping-and-change problem."""
    items, lo, hi = rng.choice(SHOP_ITEMS)
    n, price, extra, e = (
        rng.randint(2, 9),
        rng.randint(lo, hi),
        rng.choice(EXTRAS),
        rng.randint(2, 12),
    )
    a, b = n * price, n * price + e
    bill = next(x for x in (20, 50, 100) if x > b + 1)  # at least 2 dollars change
    ask = rng.choice(
        [f"How much change does {name} get?", f"How many dollars of change should {name} receive?"]
    )
    q = (
        f"{name} buys {n} {items} that cost {price} dollars each and a {extra} for {e} dollars. "
        f"{name} pays with a {bill}-dollar bill. {ask}"
    )
    steps = [
        f"The {items} cost {n} * {price} = {a} dollars.",
        f"With the {extra}, {name} spends {a} + {e} = {b} dollars.",
        f"The change is {bill} - {b} = {bill - b} dollars.",
    ]
    return q, steps, bill - b


def _baking(rng: random.Random, name: str, friend: str) -> Problem:
    """Return a bake-and-share problem (the sharing divides exactly)."""
    while True:
        k, each, kept = rng.randint(2, 6), rng.randint(2, 9), rng.randint(2, 12)
        total = k * each + kept
        trays = [t for t in range(2, 7) if total % t == 0 and 4 <= total // t <= 24]
        if trays:
            break
    t, treat = rng.choice(trays), rng.choice(TREATS)
    c = total // t
    q = (
        f"{name} bakes {t} trays of {treat} with {c} {treat} on each tray. {name} keeps {kept} for "
        "the "
        f"family and shares the rest equally among {k} friends. How many {treat} does each friend "
        "get?"
    )
    steps = [
        f"{name} bakes {t} * {c} = {total} {treat}.",
        f"After keeping some, {total} - {kept} = {total - kept} are left.",
        f"Each friend gets {total - kept} / {k} = {each} {treat}.",
    ]
    return q, steps, each


def _hours(h: int) -> str:
    """Return '1 hour' or 'h hours'."""
    return f"{h} hour" if h == 1 else f"{h} hours"


def _travel(rng: random.Random, name: str, friend: str) -> Problem:
    """Return a two-leg distance problem."""
    who, lo, hi, step = rng.choice(VEHICLES)
    s1, s2 = rng.randrange(lo, hi + 1, step), rng.randrange(lo, hi + 1, step)
    h1, h2 = rng.randint(1, 3), rng.randint(1, 3)
    d1, d2 = s1 * h1, s2 * h2
    ask = rng.choice(
        ["How far does it travel in total?", "How many kilometres does it cover altogether?"]
    )
    q = (f"{who} travels at {s1} kilometres per hour for {_hours(h1)} and then at {s2} "
         f"kilometres per hour for {_hours(h2)}. {ask}")
    steps = [
        f"First it travels {s1} * {h1} = {d1} kilometres.",
        f"Then it travels {s2} * {h2} = {d2} kilometres.",
        f"In total that is {d1} + {d2} = {d1 + d2} kilometres.",
    ]
    return q, steps, d1 + d2


def _savings(rng: random.Random, name: str, friend: str) -> Problem:
    """Return a save-receive-spend problem."""
    w, n, gift, thing = (
        rng.randint(3, 15),
        rng.randint(3, 12),
        rng.randrange(5, 55, 5),
        rng.choice(BUYS),
    )
    t = w * n
    s = rng.randint(10, t + gift - 2)
    q = (
        f"{name} saves {w} dollars every week for {n} weeks and gets {gift} dollars as a birthday "
        "present. "
        f"Then {name} spends {s} dollars on a {thing}. How much money does {name} have left?"
    )
    steps = [
        f"{name} saves {w} * {n} = {t} dollars.",
        f"With the present, {name} has {t} + {gift} = {t + gift} dollars.",
        f"After buying the {thing}, {name} has {t + gift} - {s} = {t + gift - s} dollars left.",
    ]
    return q, steps, t + gift - s


def _classroom(rng: random.Random, name: str, friend: str) -> Problem:
    """Return a classes-absent-teams problem (the teams divide exactly)."""
    c, s, k = rng.randint(3, 8), rng.randint(18, 30), rng.randint(4, 8)
    t = c * s
    # at least 2, and the rest divides by k
    absent = (t % k) + k * rng.randint(0 if t % k > 1 else 1, 2)
    p = t - absent
    q = (
        f"A school has {c} classes with {s} students in each class. On sports day {absent} "
        "students are "
        f"absent, and the rest are split into teams of {k}. How many teams are there?"
    )
    steps = [
        f"There are {c} * {s} = {t} students.",
        f"Without the absent students there are {t} - {absent} = {p}.",
        f"That makes {p} / {k} = {p // k} teams.",
    ]
    return q, steps, p // k


def _garden(rng: random.Random, name: str, friend: str) -> Problem:
    """Return a rows-plants-harvest problem, sometimes with some given away."""
    (plants, crop), r, p, y = (
        rng.choice(CROPS),
        rng.randint(2, 6),
        rng.randint(3, 10),
        rng.randint(2, 8),
    )
    n, h = r * p, r * p * y
    steps = [f"There are {r} * {p} = {n} plants.", f"They produce {n} * {y} = {h} {crop}."]
    q = f"{name} plants {r} rows of {plants} with {p} in each row. Each one produces {y} {crop}."
    if rng.random() < 0.5:
        return q + f" How many {crop} does {name} harvest?", steps, h
    g = rng.randint(1, h - 2)
    steps.append(f"After giving {g} to {friend}, {name} has {h} - {g} = {h - g} {crop}.")
    return (
        q + f" {name} gives {g} of them to {friend}. How many {crop} does {name} keep?",
        steps,
        h - g,
    )


def _reading(rng: random.Random, name: str, friend: str) -> Problem:
    """Return a pages-read-left problem."""
    p, d, extra = rng.randint(8, 30), rng.randint(3, 9), rng.randint(5, 40)
    read = p * d + extra
    total = read + rng.randint(10, 150)
    ask = rng.choice(
        ["How many pages are left to read?", f"How many pages does {name} still have to read?"]
    )
    q = (
        f"{name}'s book has {total} pages. {name} reads {p} pages every day for {d} days and then "
        f"{extra} "
        f"more pages at the weekend. {ask}"
    )
    steps = [
        f"In {d} days {name} reads {p} * {d} = {p * d} pages.",
        f"With the weekend pages that is {p * d} + {extra} = {read} pages.",
        f"There are {total} - {read} = {total - read} pages left.",
    ]
    return q, steps, total - read


def _harvest(rng: random.Random, name: str, friend: str) -> Problem:
    """Return a pick-and-pack problem (the packing divides exactly)."""
    verb, goods, boxes = rng.choice(HARVESTS)
    k, full = rng.choice([6, 8, 10, 12]), rng.randint(4, 20)
    total = k * full
    a = rng.randint(k, total - k)
    q = (
        f"A farmer {verb} {a} {goods} in the morning and {total - a} {goods} in the afternoon, and "
        "packs "
        f"them into {boxes} of {k}. How many {boxes} does the farmer fill?"
    )
    steps = [
        f"The farmer has {a} + {total - a} = {total} {goods}.",
        f"That fills {total} / {k} = {full} {boxes}.",
    ]
    return q, steps, full


def _tickets(rng: random.Random, name: str, friend: str) -> Problem:
    """Return a buy-then-share-the-rest problem (the rest halves exactly)."""
    n, p, each, kind = (
        rng.randint(2, 5),
        rng.randint(3, 15),
        rng.randint(2, 40),
        rng.choice(TICKETS),
    )
    cost, rest = n * p, 2 * each
    m = cost + rest
    q = (
        f"{name} has {m} dollars and buys {n} {kind} for {p} dollars each. {name} then shares the "
        "money "
        f"that is left equally with {friend}. How much money does each of them get?"
    )
    steps = [
        f"The {kind} cost {n} * {p} = {cost} dollars.",
        f"{name} has {m} - {cost} = {rest} dollars left.",
        f"Each of them gets {rest} / 2 = {each} dollars.",
    ]
    return q, steps, each


def _bus(rng: random.Random, name: str, friend: str) -> Problem:
    """Return an off-and-on passengers problem."""
    a = rng.randint(20, 50)
    b, c = rng.randint(2, a - 5), rng.randint(2, 15)
    d = rng.randint(2, a - b + c - 2)
    x = a - b + c
    q = (
        f"A bus leaves the station with {a} passengers. At the first stop {b} passengers get off "
        f"and {c} get "
        f"on. At the second stop {d} passengers get off. How many passengers are on the bus now?"
    )
    steps = [
        f"After {b} get off there are {a} - {b} = {a - b} passengers.",
        f"After {c} get on there are {a - b} + {c} = {x} passengers.",
        f"After the second stop there are {x} - {d} = {x - d} passengers.",
    ]
    return q, steps, x - d


def _party(rng: random.Random, name: str, friend: str) -> Problem:
    """Return a pizzas-slices-guests problem with slices left over."""
    while True:
        p, s, g, e = (
            rng.randint(2, 8),
            rng.choice([6, 8, 10, 12]),
            rng.randint(3, 15),
            rng.randint(2, 4),
        )
        if g * e < p * s - 1:  # at least 2 slices left
            break
    t, eaten = p * s, g * e
    q = (
        f"{name} orders {p} pizzas for a party, and each pizza is cut into {s} slices. There are "
        f"{g} guests "
        f"and each guest eats {e} slices. How many slices are left over?"
    )
    steps = [
        f"There are {p} * {s} = {t} slices.",
        f"The guests eat {g} * {e} = {eaten} slices.",
        f"So {t} - {eaten} = {t - eaten} slices are left.",
    ]
    return q, steps, t - eaten


def _running(rng: random.Random, name: str, friend: str) -> Problem:
    """Return a weekday-plus-Saturday distance problem over several weeks."""
    k, w, n = rng.randint(2, 8), rng.randint(5, 15), rng.randint(2, 6)
    a, b = 5 * k, 5 * k + w
    q = (
        f"{name} runs {k} kilometres every weekday and {w} kilometres on Saturday. How many "
        "kilometres does "
        f"{name} run in {n} weeks?"
    )
    steps = [
        f"On the five weekdays {name} runs 5 * {k} = {a} kilometres.",
        f"With Saturday that is {a} + {w} = {b} kilometres a week.",
        f"In {n} weeks {name} runs {b} * {n} = {b * n} kilometres.",
    ]
    return q, steps, b * n


SCENARIOS: list[Callable[[random.Random, str, str], Problem]] = [
    _shopping, _baking, _travel, _savings, _classroom, _garden,
    _reading, _harvest, _tickets, _bus, _party, _running,
]  # fmt: skip


def _arithmetic_row(rng: random.Random, split: str, i: int) -> Row:
    """Return one word problem with its step-by-step rationale and integer answer."""
    name, friend = rng.sample(_pool(NAMES, split), 2)
    question, steps, answer = rng.choice(SCENARIOS)(rng, name, friend)
    return {
        "question": question,
        "rationale": "\n".join([*steps, f"The answer is {answer}."]),
        "answer": answer,
    }


def make_arithmetic(rng: random.Random) -> Splits:
    """Return the arithmetic splits: word problems with rationales ending 'The answer is N.'."""
    return _unique_rows(rng, "arithmetic", _arithmetic_row)
