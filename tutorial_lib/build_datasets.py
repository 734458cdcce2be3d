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
import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .data import SCHEMAS, SPLITS

Row = dict[str, object]
Splits = dict[str, list[Row]]

OUT_DIR = Path(__file__).resolve().parent.parent / "datasets_cache"
CORPUS = Path(__file__).resolve().parent / "corpus" / "general_text.txt"
LICENSE = (
    "CC-BY-4.0. Written for this course (templates, word lists and prose by the course authors); it contains no third-party text."
)

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
        "Short reviews of products, films, restaurants, hotels and apps, one or two sentences each, "
        "labelled positive or negative (balanced). Each review joins a verdict template (direct, mild, "
        "indirect or negated, e.g. 'not bad at all') with a domain-specific detail and a closing remark; "
        "the reviewed items of the test split never appear in train."
    ),
    "arithmetic": (
        "Grade-school word problems with two or three steps (+, -, *, / with exact integer results) "
        "from twelve scenario templates (shopping, baking, travel, savings, classroom, garden, reading, "
        "farm, tickets, bus, party, running). Slots are random names and numbers; the rationale writes "
        "every computation out ('3 * 4 = 12') and ends with 'The answer is N.'. Test problems use "
        "names that train never uses."
    ),
    "dialogsum": (
        "Two-person dialogues in the DialogSum format ('#Person1#: ...' per line, 4-8 turns) from "
        "fourteen everyday scenarios (booking a table, returning an item, planning a meeting, a doctor's "
        "appointment, directions, a job interview, borrowing, hotel check-in, ordering coffee, weekend "
        "plans, a lost item, a repair, train tickets, renting a flat). Each turn and each summary has "
        "several phrasings; slots are names, days, times, items and places. The summary is third-person "
        "and names the key slots."
    ),
    "instructions": (
        "Multi-task instruction data in twelve task types, balanced, each with several paraphrased "
        "instructions; every response is computed, so it is correct (word counts, sorting, arithmetic, "
        "antonyms from a hand-made list, one-sentence summaries of short templated news items)."
    ),
    "preferences": (
        "A user request with a chosen and a rejected answer. Requests come from a small hand-written "
        "knowledge base (capitals, science facts, unit conversions, arithmetic, short notes, everyday "
        "tips). The rejected answer fails in one of six ways, used equally often: a wrong fact, rude or "
        "dismissive, off-topic, rambling and repetitive, refusing a harmless request, or ignoring the "
        "format asked for. Length alone does not predict the preference."
    ),
    "general_text": (
        "Paragraphs of general encyclopedic English prose (history, geography, science, nature, "
        "technology, everyday life, cooking, sport, art), 80-150 words each, written for this course "
        "and stored in `tutorial_lib/corpus/general_text.txt`; shuffled with the seed and split about "
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
    "Millbrook", "Ashford", "Riverton", "Greenfield", "Lakeside", "Northwood", "Stonebridge", "Oakdale",
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
    """Return the part of `items` reserved for `split`: every fifth item for test, the rest for train."""
    return [x for i, x in enumerate(items) if (i % 5 == 4) == (split == "test")]


def main_text(name: str, row: Row) -> str:
    """Return the field(s) of `row` that must not repeat between the splits of dataset `name`."""
    if name == "instructions":
        return f"{row['instruction']}\n{row['input']}"
    field = {"arithmetic": "question", "dialogsum": "dialogue", "preferences": "prompt"}.get(name, "text")
    return str(row[field])


def _unique_rows(rng: random.Random, name: str, make_row: Callable[[random.Random, str, int], Row]) -> Splits:
    """Return train and test rows from `make_row(rng, split, index)`, no main text repeated anywhere."""
    seen: set[str] = set()
    out: Splits = {}
    for split, n in zip(SPLITS, SIZES[name]):
        rows: list[Row] = []
        for _ in range(200 * n):
            if len(rows) == n:
                break
            row = make_row(rng, split, len(rows))
            key = main_text(name, row)
            if key not in seen:
                seen.add(key)
                rows.append(row)
        if len(rows) < n:
            raise RuntimeError(f"{name}/{split}: only {len(rows)} distinct rows of {n}; add templates or slots")
        rng.shuffle(rows)
        out[split] = rows
    return out


def check_disjoint(name: str, splits: Splits) -> None:
    """Return None if no test row of `name` repeats a train row's main text; raise ValueError otherwise."""
    train = {main_text(name, r) for r in splits["train"]}
    shared = [main_text(name, r) for r in splits["test"] if main_text(name, r) in train]
    if shared:
        raise ValueError(f"{name}: {len(shared)} test rows also in train, e.g. {shared[0]!r}")


# --- 1. sentiment -----------------------------------------------------------------------------

# fmt: off
REVIEW_THINGS: dict[str, list[str]] = {
    "product": [
        "this blender", "the new kettle", "this backpack", "the desk lamp", "this pair of running shoes",
        "the vacuum cleaner", "this coffee grinder", "the phone case", "this electric toothbrush",
        "the rice cooker", "this office chair", "the wireless speaker", "this umbrella", "the air fryer",
        "this yoga mat",
    ],
    "movie": [
        "this movie", "the sequel", "the new thriller", "this documentary", "the animated film",
        "this romantic comedy", "the space epic", "this period drama", "the horror film", "the biopic",
        "this heist movie", "the musical", "this detective story", "the war film", "this family comedy",
    ],
    "restaurant": [
        "the restaurant", "this little bistro", "the new sushi place", "the pizzeria on Main Street",
        "this café", "the taco truck", "the steakhouse", "this noodle bar", "the bakery near the station",
        "the vegan diner", "this seafood place", "the curry house", "the hotel restaurant",
        "this tapas bar", "the burger joint",
    ],
    "hotel": [
        "the hotel", "this guesthouse", "the seaside resort", "our room", "this hostel", "the airport hotel",
        "the bed and breakfast", "this mountain lodge", "the city-centre hotel", "the holiday cottage",
        "this boutique hotel", "the campsite", "the spa hotel", "this motel", "the lakeside inn",
    ],
    "app": [
        "this budgeting app", "the new photo editor", "this meditation app", "the weather app",
        "this language-learning app", "the banking app", "this fitness tracker app", "the recipe app",
        "this note-taking app", "the music streaming app", "this map app", "the calendar app",
        "this podcast player", "the food delivery app", "this habit tracker",
    ],
}
REVIEW_DETAILS: dict[str, dict[str, list[str]]] = {
    "product": {
        "positive": [
            "it feels sturdy and well made", "it arrived early and works perfectly",
            "the quality is excellent for the price", "it has held up well after months of daily use",
            "it does exactly what the description promised", "it was a breeze to set up",
            "it looks even better than in the photos",
        ],
        "negative": [
            "it broke after two weeks", "it fell apart within a month", "it arrived scratched and dented",
            "it is much smaller than the photos suggest", "the plastic feels cheap and flimsy",
            "it stopped working the first time I used it", "it looks nothing like the pictures",
        ],
    },
    "movie": {
        "positive": [
            "the acting was superb", "the soundtrack gave me chills", "the jokes actually landed",
            "the plot kept me guessing until the end", "every scene looked beautiful",
            "the two leads had real chemistry", "the ending was moving without being cheesy",
        ],
        "negative": [
            "the plot made no sense", "it dragged on for far too long", "the dialogue felt wooden",
            "the ending was rushed", "I checked my phone every ten minutes", "the jokes fell completely flat",
            "the characters were impossible to care about",
        ],
    },
    "restaurant": {
        "positive": [
            "the staff were friendly and quick", "the portions were generous",
            "every dish arrived hot and fresh", "the prices were fair for the quality",
            "the desserts are worth the trip alone",
            "the owner stopped by to check on every table", "the bread was still warm from the oven",
        ],
        "negative": [
            "we waited forty minutes for cold food", "the soup was far too salty", "the tables were sticky",
            "the waiter forgot our order", "it was loud enough to make conversation impossible",
            "the bill had two dishes we never ordered", "the chicken was dry and bland",
        ],
    },
    "hotel": {
        "positive": [
            "the room was spotless", "the staff remembered our names", "breakfast had plenty of choice",
            "the view from the balcony was stunning", "the bed was incredibly comfortable",
            "check-in took two minutes", "it was quiet even on a Saturday night",
        ],
        "negative": [
            "the walls were paper thin", "the bathroom smelled of damp", "check-in took over an hour",
            "the air conditioning never worked", "the sheets had stains on them",
            "the Wi-Fi dropped every few minutes", "reception ignored our complaints",
        ],
    },
    "app": {
        "positive": [
            "it syncs instantly across my devices", "the interface is clean and easy to follow",
            "it has not crashed once", "the free version is genuinely useful", "it loads in a second",
            "the reminders actually help me", "the updates keep making it better",
        ],
        "negative": [
            "it crashes every time I open it", "it drains my battery in a few hours",
            "half the features are behind a paywall", "there are adverts on every screen",
            "it lost all my data after an update", "the menus are confusing", "it takes ages to load",
        ],
    },
}
REVIEW_AGAIN: dict[str, dict[str, list[str]]] = {
    "product": {
        "positive": ["I would buy it again.", "Highly recommended.", "Best purchase I've made this year."],
        "negative": ["I'm sending it back.", "Save your money.", "I wish I had bought something else."],
    },
    "movie": {
        "positive": ["I'd happily watch it again.", "Go and see it.", "I'm still thinking about it."],
        "negative": ["I want those two hours back.", "Skip it.", "I nearly walked out."],
    },
    "restaurant": {
        "positive": ["We'll definitely be back.", "Book a table, you won't regret it.", "My new favourite."],
        "negative": ["We won't be going back.", "Eat somewhere else.", "Never again."],
    },
    "hotel": {
        "positive": ["We would stay here again.", "I can't wait to go back.", "Perfect for a weekend away."],
        "negative": ["We left a day early.", "Book somewhere else.", "Not worth the price."],
    },
    "app": {
        "positive": ["It's on my home screen for good.", "Worth downloading.", "I use it every day now."],
        "negative": ["Uninstalled.", "Don't bother downloading it.", "I've gone back to my old app."],
    },
}
VERDICTS: dict[str, list[str]] = {
    "positive": [
        "{thing} was wonderful.", "I really enjoyed {thing}.", "{thing} exceeded my expectations.",
        "{thing} was not bad at all.", "I have no complaints about {thing}.", "{thing} did not disappoint.",
        "{thing} turned out to be a pleasant surprise.", "Five stars for {thing}.",
        "{thing} was better than I expected.", "I wasn't expecting much from {thing}, but it won me over.",
        "{thing} is worth every penny.", "Pretty happy with {thing}, to be honest.",
        "I keep recommending {thing} to my friends.", "{thing} has a few rough edges, but I liked it a lot.",
        "I can't find anything wrong with {thing}.", "{thing} was a real treat.",
    ],
    "negative": [
        "{thing} was a real letdown.", "I regret choosing {thing}.", "{thing} was not worth the money.",
        "I wanted to like {thing}, but it fell short.", "{thing} was disappointing.", "One star for {thing}.",
        "{thing} was not good at all.", "{thing} was worse than I expected.", "I can't recommend {thing}.",
        "{thing} left a lot to be desired.", "Sadly, {thing} did not live up to the hype.",
        "I expected more from {thing}.", "{thing} had some nice moments, but overall it disappointed me.",
        "I would not choose {thing} again.", "{thing} was nothing like the reviews promised.",
        "Honestly, {thing} was a mess.",
    ],
}
# fmt: on
LABELS = ("positive", "negative")


def _sentiment_row(rng: random.Random, split: str, i: int) -> Row:
    """Return one review row; the label alternates with `i` so the classes are balanced."""
    label = LABELS[i % 2]
    domain = rng.choice(list(REVIEW_THINGS))
    thing = rng.choice(_pool(REVIEW_THINGS[domain], split))
    verdict = _cap(rng.choice(VERDICTS[label]).format(thing=thing))
    fact = rng.choice(REVIEW_DETAILS[domain][label])  # lower case, no full stop
    detail, again = _cap(fact) + ".", rng.choice(REVIEW_AGAIN[domain][label])
    joined = f"{verdict[:-1]}: {fact}."
    text = rng.choice([verdict, f"{verdict} {detail}", f"{detail} {verdict}", f"{verdict} {again}", joined])
    return {"text": text, "label": label}


def make_sentiment(rng: random.Random) -> Splits:
    """Return the sentiment splits: balanced positive/negative reviews."""
    return _unique_rows(rng, "sentiment", _sentiment_row)


# --- 2. arithmetic ----------------------------------------------------------------------------

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
CROPS = [("tomato plants", "tomatoes"), ("pepper plants", "peppers"), ("strawberry plants", "strawberries"),
         ("bean plants", "beans"), ("lemon trees", "lemons")]
HARVESTS = [("picks", "apples", "bags"), ("collects", "eggs", "cartons"), ("picks", "oranges", "boxes"),
            ("digs up", "potatoes", "sacks")]
TICKETS = ["cinema tickets", "museum tickets", "concert tickets", "bus passes", "zoo tickets"]
# fmt: on


def _shopping(rng: random.Random, name: str, friend: str) -> Problem:
    """Return a shopping-and-change problem."""
    items, lo, hi = rng.choice(SHOP_ITEMS)
    n, price, extra, e = rng.randint(2, 9), rng.randint(lo, hi), rng.choice(EXTRAS), rng.randint(2, 12)
    a, b = n * price, n * price + e
    bill = next(x for x in (20, 50, 100) if x > b + 1)  # at least 2 dollars change
    ask = rng.choice([f"How much change does {name} get?", f"How many dollars of change should {name} receive?"])
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
        f"{name} bakes {t} trays of {treat} with {c} {treat} on each tray. {name} keeps {kept} for the "
        f"family and shares the rest equally among {k} friends. How many {treat} does each friend get?"
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
    ask = rng.choice(["How far does it travel in total?", "How many kilometres does it cover altogether?"])
    q = f"{who} travels at {s1} kilometres per hour for {_hours(h1)} and then at {s2} kilometres per hour for {_hours(h2)}. {ask}"
    steps = [
        f"First it travels {s1} * {h1} = {d1} kilometres.",
        f"Then it travels {s2} * {h2} = {d2} kilometres.",
        f"In total that is {d1} + {d2} = {d1 + d2} kilometres.",
    ]
    return q, steps, d1 + d2


def _savings(rng: random.Random, name: str, friend: str) -> Problem:
    """Return a save-receive-spend problem."""
    w, n, gift, thing = rng.randint(3, 15), rng.randint(3, 12), rng.randrange(5, 55, 5), rng.choice(BUYS)
    t = w * n
    s = rng.randint(10, t + gift - 2)
    q = (
        f"{name} saves {w} dollars every week for {n} weeks and gets {gift} dollars as a birthday present. "
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
    absent = (t % k) + k * rng.randint(0 if t % k > 1 else 1, 2)  # at least 2, and the rest divides by k
    p = t - absent
    q = (
        f"A school has {c} classes with {s} students in each class. On sports day {absent} students are "
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
    (plants, crop), r, p, y = rng.choice(CROPS), rng.randint(2, 6), rng.randint(3, 10), rng.randint(2, 8)
    n, h = r * p, r * p * y
    steps = [f"There are {r} * {p} = {n} plants.", f"They produce {n} * {y} = {h} {crop}."]
    q = f"{name} plants {r} rows of {plants} with {p} in each row. Each one produces {y} {crop}."
    if rng.random() < 0.5:
        return q + f" How many {crop} does {name} harvest?", steps, h
    g = rng.randint(1, h - 2)
    steps.append(f"After giving {g} to {friend}, {name} has {h} - {g} = {h - g} {crop}.")
    return q + f" {name} gives {g} of them to {friend}. How many {crop} does {name} keep?", steps, h - g


def _reading(rng: random.Random, name: str, friend: str) -> Problem:
    """Return a pages-read-left problem."""
    p, d, extra = rng.randint(8, 30), rng.randint(3, 9), rng.randint(5, 40)
    read = p * d + extra
    total = read + rng.randint(10, 150)
    ask = rng.choice(["How many pages are left to read?", f"How many pages does {name} still have to read?"])
    q = (
        f"{name}'s book has {total} pages. {name} reads {p} pages every day for {d} days and then {extra} "
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
        f"A farmer {verb} {a} {goods} in the morning and {total - a} {goods} in the afternoon, and packs "
        f"them into {boxes} of {k}. How many {boxes} does the farmer fill?"
    )
    steps = [
        f"The farmer has {a} + {total - a} = {total} {goods}.",
        f"That fills {total} / {k} = {full} {boxes}.",
    ]
    return q, steps, full


def _tickets(rng: random.Random, name: str, friend: str) -> Problem:
    """Return a buy-then-share-the-rest problem (the rest halves exactly)."""
    n, p, each, kind = rng.randint(2, 5), rng.randint(3, 15), rng.randint(2, 40), rng.choice(TICKETS)
    cost, rest = n * p, 2 * each
    m = cost + rest
    q = (
        f"{name} has {m} dollars and buys {n} {kind} for {p} dollars each. {name} then shares the money "
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
        f"A bus leaves the station with {a} passengers. At the first stop {b} passengers get off and {c} get "
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
        p, s, g, e = rng.randint(2, 8), rng.choice([6, 8, 10, 12]), rng.randint(3, 15), rng.randint(2, 4)
        if g * e < p * s - 1:  # at least 2 slices left
            break
    t, eaten = p * s, g * e
    q = (
        f"{name} orders {p} pizzas for a party, and each pizza is cut into {s} slices. There are {g} guests "
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
        f"{name} runs {k} kilometres every weekday and {w} kilometres on Saturday. How many kilometres does "
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


# --- 3. dialogsum -----------------------------------------------------------------------------
# A scenario: slot lists (a dict value is merged into the slots), turns (each a list of phrasings;
# a tuple is an optional exchange of two turns) and summary phrasings. `{Slot}` is the capitalised slot.

# fmt: off
TIMES_EVENING = ["6 pm", "6:30 pm", "7 pm", "7:30 pm", "8 pm", "8:30 pm"]
TIMES_DAY = ["9 am", "9:30 am", "10 am", "11:15 am", "2 pm", "3 pm", "4:30 pm"]
DIALOGS: list[dict] = [
    {"slots": {"restaurant": ["Luigi's", "the Golden Dragon", "Casa Marisol", "the Blue Door", "Bella Napoli",
                              "the Olive Tree", "Sakura House", "the Harbour Grill"],
               "size": ["two", "three", "four", "five", "six"], "day": DAYS, "time": TIMES_EVENING},
     "turns": [["Hello, I'd like to book a table at {restaurant} for {size} people, please.",
                "Hi, is it possible to reserve a table for {size} at {restaurant}?"],
               ["Of course. Which day would you like to come?", "Certainly. For which day?"],
               ["This {day}, around {time}.", "On {day} at {time}, if possible."],
               ["Let me check... yes, we have a table free at {time}. May I have your name?",
                "We can do {time} on {day}. What name should I put the booking under?"],
               ["It's {name}.", "{name}, please."],
               ["Thank you, {name}. Your table for {size} is booked for {day} at {time}.",
                "All done. We'll see you on {day} at {time}, {name}."],
               ("Could we sit by the window?", "I've made a note of it, and we'll do our best.")],
     "summaries": ["#Person1# books a table for {size} at {restaurant} on {day} at {time}.",
                   "#Person1# calls {restaurant} and reserves a table for {size} people for {day} at {time} "
                   "under the name {name}."]},
    {"slots": {"thing": [{"item": "a jacket", "problem": "it is too small"},
                         {"item": "a toaster", "problem": "it doesn't heat up"},
                         {"item": "a lamp", "problem": "it flickers all the time"},
                         {"item": "a printer", "problem": "it keeps jamming"},
                         {"item": "a kettle", "problem": "it leaks"},
                         {"item": "a backpack", "problem": "the zip broke on the first day"},
                         {"item": "a sweater", "problem": "it has a hole in the sleeve"},
                         {"item": "a blender", "problem": "it gives off a burning smell"}],
               "fix": [{"offer": "I can give you a full refund.", "res": "gets a full refund"},
                       {"offer": "I can exchange it for a new one right away.",
                        "res": "exchanges it for a new one"},
                       {"offer": "I can give you store credit for the full price.",
                        "res": "receives store credit"}]},
     "turns": [["Excuse me, I'd like to return {item} I bought here last week.",
                "Hi, I bought {item} here a few days ago and I'd like to return it."],
               ["What seems to be the problem with it?", "I'm sorry to hear that. What's wrong with it?"],
               ["{Problem}.", "Well, {problem}."],
               ["Do you have the receipt?", "Could I see your receipt, please?"],
               ["Yes, here it is.", "Sure, it's right here."],
               ["Thank you. {offer}", "Everything looks fine. {offer}"],
               ("That's great, thank you.", "You're welcome. Have a nice day.")],
     "summaries": ["#Person1# returns {item} because {problem}, and {res}.",
                   "#Person1# brings back {item} because {problem}; with the receipt, #Person1# {res}."]},
    {"slots": {"topic": ["the budget", "the new website", "the product launch", "the summer schedule",
                         "the client proposal", "the training plan", "the office move"],
               "day": DAYS[:5], "time": TIMES_DAY,
               "room": ["room 3", "the small meeting room", "the library", "the conference room upstairs"]},
     "turns": [["{name2}, do you have time this week to talk about {topic}?",
                "Hi {name2}, we need to meet about {topic}. When are you free?"],
               ["I'm busy most of the week, but {day} looks good.",
                "How about {day}? My calendar is fairly open then."],
               ["{Day} works for me. Is {time} all right?", "Great, shall we say {time} on {day}?"],
               ["{time} is perfect. Where should we meet?", "Yes, {time} is fine. Where shall we meet?"],
               ["Let's use {room}. I'll book it.", "I'll reserve {room} for us."],
               ["Good. I'll bring my notes.", "Perfect, see you then."]],
     "summaries": ["#Person1# and #Person2# agree to meet on {day} at {time} in {room} to discuss {topic}.",
                   "#Person1# arranges a meeting with #Person2# about {topic} for {day} at {time} in "
                   "{room}."]},
    {"slots": {"doctor": ["Dr. Patel", "Dr. Kim", "Dr. Novak", "Dr. Okafor", "Dr. Silva", "Dr. Brennan"],
               "symptom": ["a sore throat", "a bad cough", "back pain", "a skin rash", "headaches",
                           "an earache", "a sprained ankle"],
               "day": DAYS[:6], "time": TIMES_DAY},
     "turns": [["Good morning. I'd like to make an appointment with {doctor}, please.",
                "Hello, I need to see {doctor}. Is there anything available this week?"],
               ["Of course. What's the problem?", "Certainly. Can you tell me what it's about?"],
               ["I've had {symptom} for a few days.", "I've had {symptom} for a week and it's no better."],
               ["{doctor} can see you on {day} at {time}. Does that suit you?",
                "The first free slot is {day} at {time}. Would that be OK?"],
               ["Yes, that's fine.", "That works for me, thank you."],
               ["Good. Please arrive ten minutes early.", "Lovely, you're booked in. See you then."],
               ("Should I bring anything?", "Just your insurance card and a list of your medicines.")],
     "summaries": ["#Person1# has {symptom} and makes an appointment with {doctor} for {day} at {time}.",
                   "#Person1# calls to see {doctor} about {symptom}, and #Person2# books #Person1# in for "
                   "{day} at {time}."]},
    {"slots": {"place": ["the train station", "the post office", "the museum", "the city library",
                         "the pharmacy", "the town hall", "the bus station", "the swimming pool"],
               "landmark": ["the bank", "the church", "the supermarket", "the traffic lights",
                            "the big roundabout", "the park"],
               "turn": ["left", "right"], "minutes": ["five", "ten", "fifteen"]},
     "turns": [["Excuse me, could you tell me how to get to {place}?",
                "Sorry to bother you, but do you know where {place} is?"],
               ["Sure. Go straight ahead until you reach {landmark}, then turn {turn}.",
                "Yes. Walk down this street to {landmark} and turn {turn} there."],
               ["Is it far from there?", "How long does it take on foot?"],
               ["Not really, about {minutes} minutes on foot.", "It's about a {minutes}-minute walk."],
               ("Is there a bus?", "There is, but walking is quicker."),
               ["Thank you so much.", "Great, thanks for your help."],
               ["You're welcome.", "No problem. Enjoy your day."]],
     "summaries": ["#Person1# asks the way to {place}. #Person2# says to turn {turn} at {landmark}; it's "
                   "about {minutes} minutes on foot.",
                   "#Person2# tells #Person1# how to get to {place}: go to {landmark} and turn {turn}, "
                   "about a {minutes}-minute walk."]},
    {"slots": {"job": [{"position": "sales assistant", "previous": "a bookshop"},
                       {"position": "junior accountant", "previous": "a bank"},
                       {"position": "web developer", "previous": "a small design studio"},
                       {"position": "receptionist", "previous": "a hotel"},
                       {"position": "chef", "previous": "an Italian restaurant"},
                       {"position": "delivery driver", "previous": "a logistics company"}],
               "years": ["two", "three", "four", "five"],
               "start": ["next Monday", "at the beginning of next month", "in two weeks"]},
     "turns": [["Thank you for coming in, {name}. Why are you interested in the {position} job?",
                "Please have a seat. What attracted you to the {position} position?"],
               ["I enjoy this kind of work, and I'd like to grow with a company like yours.",
                "I've always liked this line of work, and your company has a great reputation."],
               ["Tell me about your experience.", "What experience do you have?"],
               ["I worked at {previous} for {years} years.", "I spent {years} years at {previous}."],
               ["When could you start?", "If we offered you the job, when would you be available?"],
               ["I could start {start}.", "I'd be able to start {start}."]],
     "summaries": ["#Person2# is interviewed for the {position} job, has {years} years of experience at "
                   "{previous}, and can start {start}.",
                   "#Person1# interviews #Person2# for a {position} position; #Person2# worked at {previous} "
                   "for {years} years and could start {start}."]},
    {"slots": {"lend": [{"thing": "bicycle", "reason": "to ride to the market"},
                        {"thing": "umbrella", "reason": "for the walk home in the rain"},
                        {"thing": "laptop", "reason": "to finish a report"},
                        {"thing": "camera", "reason": "for a wedding"},
                        {"thing": "drill", "reason": "to put up some shelves"},
                        {"thing": "tent", "reason": "for a camping trip"},
                        {"thing": "ladder", "reason": "to clean the gutters"},
                        {"thing": "suitcase", "reason": "for a weekend trip"}],
               "day": DAYS},
     "turns": [["{name2}, could I borrow your {thing}?", "Hey {name2}, would you lend me your {thing}?"],
               ["Sure. What do you need it for?", "I guess so. What for?"],
               ["I need it {reason}.", "It's {reason}."],
               ["OK, but I need it back by {day}.", "No problem, just bring it back before {day}."],
               ("I'll take good care of it, I promise.", "I know you will."),
               ["Of course, I'll return it on time.", "Thanks, you'll have it back by {day}."]],
     "summaries": ["#Person1# borrows #Person2#'s {thing} {reason} and promises to return it by {day}.",
                   "#Person2# lends #Person1# the {thing} {reason}, as long as it comes back by {day}."]},
    {"slots": {"nights": ["two", "three", "four", "five", "seven"],
               "room": ["a double room", "a single room", "a twin room", "a family room", "a suite"],
               "number": ["112", "204", "215", "308", "317", "401", "422", "510"],
               "breakfast": ["6:30 to 10", "7 to 10", "7 to 10:30", "7:30 to 11"]},
     "turns": [["Good evening. I have a reservation under the name {name}.",
                "Hi, I'm checking in. The booking is under {name}."],
               ["Welcome. Yes, {room} for {nights} nights. Could I see your passport?",
                "Let me see... yes, here it is: {room} for {nights} nights. May I see some ID?"],
               ["Here you are.", "Sure, here it is."],
               ["Thank you. You're in room {number}, and the lift is on your left.",
                "Thanks. Here is your key card for room {number}."],
               ["What time is breakfast served?", "When is breakfast?"],
               ["Breakfast is from {breakfast} in the restaurant.", "From {breakfast}, on the ground floor."],
               ("Is there Wi-Fi in the room?", "Yes, the password is on the back of your key card.")],
     "summaries": ["#Person1# checks in for {nights} nights in {room} and is given room {number}; breakfast "
                   "is from {breakfast}.",
                   "#Person2# checks #Person1# into room {number} for {nights} nights and explains that "
                   "breakfast is from {breakfast}."]},
    {"slots": {"drink": ["latte", "cappuccino", "flat white", "americano", "iced coffee", "mocha"],
               "size": ["small", "medium", "large"],
               "extra": ["with oat milk", "with an extra shot", "with no sugar", "with soy milk",
                         "with caramel syrup", "with skimmed milk"],
               "food": ["a blueberry muffin", "a croissant", "a slice of banana bread", "a cheese sandwich"],
               "price": ["4.50", "5.20", "6.75", "7.10", "8.40", "9.30"]},
     "turns": [["Hi, what can I get for you?", "Good morning! What would you like?"],
               ["A {size} {drink} {extra}, please.", "Could I have a {size} {drink} {extra}?"],
               ["Sure. Anything to eat?", "Of course. Would you like anything else?"],
               ["Yes, {food} as well.", "I'll also take {food}."],
               ["That's ${price} altogether.", "Your total is ${price}."],
               ["Here you go. Thanks!", "I'll pay by card, thanks."]],
     "summaries": ["#Person2# orders a {size} {drink} {extra} and {food}, which cost ${price}.",
                   "#Person2# buys a {size} {drink} {extra} and {food} from #Person1# for ${price}."]},
    {"slots": {"plan": [{"activity": "go hiking", "meet": "at the trailhead"},
                        {"activity": "see the new film", "meet": "outside the cinema"},
                        {"activity": "play tennis", "meet": "at the park courts"},
                        {"activity": "visit the farmers' market", "meet": "at the main entrance"},
                        {"activity": "go to the beach", "meet": "at the bus stop"},
                        {"activity": "try the new ramen place", "meet": "outside the restaurant"}],
               "day": ["Saturday", "Sunday"], "time": ["9 am", "10 am", "11 am", "noon", "2 pm", "5 pm"]},
     "turns": [["{name2}, are you free this weekend?", "Hey {name2}, do you have any plans for the weekend?"],
               ["Nothing special yet. Why?", "Not really. What did you have in mind?"],
               ["I was thinking we could {activity} on {day}.", "Would you like to {activity} on {day}?"],
               ["Sounds fun! What time?", "Good idea. When should we meet?"],
               ["Let's meet {meet} at {time}.", "How about {time}, {meet}?"],
               ["Perfect, see you then.", "Great, I'll be there."]],
     "summaries": ["#Person1# invites #Person2# to {activity} on {day}; they will meet {meet} at {time}.",
                   "#Person1# and #Person2# plan to {activity} on {day} and meet {meet} at {time}."]},
    {"slots": {"lost": ["wallet", "phone", "scarf", "umbrella", "notebook", "watch", "water bottle"],
               "last": ["at breakfast", "when we got home", "before dinner", "this morning", "on the bus"],
               "found": ["under the sofa", "on the kitchen table", "next to the front door",
                         "behind a cushion", "on the bookshelf", "in the car"]},
     "turns": [["I can't find my {lost} anywhere.", "Have you seen my {lost}? It's gone."],
               ["When did you last have it?", "Where did you last see it?"],
               ["I think I had it {last}.", "I remember using it {last}."],
               ("Have you checked your bag?", "Yes, twice. It's not there."),
               ["Wait, is that it {found}?", "Look, there's a {lost} {found}. Is it yours?"],
               ["Yes! Thank you so much.", "That's it! What a relief."]],
     "summaries": ["#Person1# can't find a {lost}, last used {last}, and #Person2# spots it {found}.",
                   "#Person1# loses a {lost}; #Person2# helps look and finds it {found}."]},
    {"slots": {"repair": [{"device": "phone", "fault": "won't charge", "part": "charging port"},
                          {"device": "laptop", "fault": "keeps overheating", "part": "fan"},
                          {"device": "bicycle", "fault": "makes a clicking noise", "part": "chain"},
                          {"device": "washing machine", "fault": "won't drain", "part": "pump"},
                          {"device": "tablet", "fault": "has a cracked screen", "part": "screen"},
                          {"device": "car", "fault": "won't start in the mornings", "part": "battery"}],
               "cost": ["45", "60", "85", "120", "150"],
               "ready": ["tomorrow", "on Friday", "in three days", "by the end of the week"]},
     "turns": [["Hi, my {device} {fault}. Can you fix it?", "Hello, I need my {device} fixed. It {fault}."],
               ["Let me take a look... it needs a new {part}.",
                "I've checked it, and the {part} has to be replaced."],
               ["How much will that cost?", "What would that cost?"],
               ["About ${cost}, including labour.", "It comes to ${cost} with parts and labour."],
               ["When will it be ready?", "How long will it take?"],
               ["It should be ready {ready}.", "You can pick it up {ready}."],
               ("OK, please go ahead.", "Great, I'll call you when it's done.")],
     "summaries": ["#Person1#'s {device} {fault}. #Person2# says it needs a new {part}, which costs ${cost}, "
                   "and it will be ready {ready}.",
                   "#Person2# will replace the {part} of #Person1#'s {device} for ${cost}; it will be ready "
                   "{ready}."]},
    {"slots": {"dest": ["Oxford", "Leeds", "Bristol", "York", "Brighton", "Cambridge", "Glasgow"],
               "ticket": ["a single ticket", "a return ticket"],
               "price": ["24", "31", "38", "45", "52", "60"],
               "dep": ["8:15 am", "9:40 am", "12:05 pm", "2:30 pm", "5:50 pm"],
               "platform": ["2", "3", "4", "6", "7"]},
     "turns": [["Hi, I'd like {ticket} to {dest}, please.", "Can I get {ticket} to {dest} for today?"],
               ["Sure. The next train leaves at {dep}. Is that OK?",
                "The next one is at {dep}. Would you like that one?"],
               ["Yes, that's fine. How much is it?", "That's perfect. What's the fare?"],
               ["That'll be {price} pounds.", "It's {price} pounds."],
               ["Which platform does it leave from?", "Where do I catch it?"],
               ["Platform {platform}.", "From platform {platform}, just over there."]],
     "summaries": ["#Person1# buys {ticket} to {dest} for {price} pounds; the train leaves at {dep} from "
                   "platform {platform}.",
                   "#Person2# sells #Person1# {ticket} to {dest} on the {dep} train, for {price} pounds."]},
    {"slots": {"bedrooms": ["one-bedroom", "two-bedroom", "three-bedroom"],
               "area": ["near the park", "in the city centre", "close to the university", "by the river"],
               "rent": ["850", "950", "1,100", "1,250", "1,400"], "day": DAYS, "time": TIMES_DAY},
     "turns": [["Hello, I'm calling about the {bedrooms} apartment {area}. Is it still available?",
                "Hi, I saw your advert for a {bedrooms} flat {area}. Is it still free?"],
               ["Yes, it is. The rent is ${rent} a month.", "It is. It's ${rent} a month, plus bills."],
               ("Are pets allowed?", "Small pets are fine."),
               ["Could I come and see it?", "Would it be possible to view it?"],
               ["How about {day} at {time}?", "I can show it to you on {day} at {time}."],
               ["That works. See you then.", "Perfect, thank you."]],
     "summaries": ["#Person1# asks about a {bedrooms} apartment {area} that rents for ${rent} a month and "
                   "arranges to view it on {day} at {time}.",
                   "#Person2# agrees to show #Person1# the {bedrooms} flat {area}, rent ${rent} a month, on "
                   "{day} at {time}."]},
]
# fmt: on


def _fill_slots(rng: random.Random, slots: dict, names: list[str]) -> dict[str, str]:
    """Return one value per slot (dict values merged in), plus names and capitalised `{Slot}` variants."""
    name, name2 = rng.sample(names, 2)
    out: dict[str, str] = {"name": name, "name2": name2}
    for key, values in slots.items():
        value = rng.choice(values)
        out.update(value if isinstance(value, dict) else {key: value})
    out.update({_cap(k): _cap(v) for k, v in list(out.items())})
    return out


def _dialog_row(rng: random.Random, split: str, i: int) -> Row:
    """Return one dialogue ('#Person1#: ...' lines, 4-8 turns) with its summary."""
    scene = rng.choice(DIALOGS)
    slots = _fill_slots(rng, scene["slots"], _pool(NAMES, split))
    lines: list[str] = []
    for turn in scene["turns"]:
        if isinstance(turn, tuple):
            if len(lines) + 2 <= 8 and rng.random() < 0.5:
                lines += list(turn)
        else:
            lines.append(rng.choice(turn))
    dialogue = "\n".join(f"#Person{k % 2 + 1}#: {line.format(**slots)}" for k, line in enumerate(lines))
    return {"dialogue": dialogue, "summary": rng.choice(scene["summaries"]).format(**slots)}


def make_dialogsum(rng: random.Random) -> Splits:
    """Return the dialogsum splits: two-person dialogues with one- or two-sentence summaries."""
    return _unique_rows(rng, "dialogsum", _dialog_row)


# --- 4. instructions --------------------------------------------------------------------------

# fmt: off
SUBJECTS = ["The old fisherman", "My neighbour", "A small child", "The new teacher", "Our team", "The baker",
            "My grandmother", "The tired student", "A young artist", "The farmer", "Her brother", "The nurse"]
ACTIONS = ["painted the garden fence", "repaired a broken bicycle", "read a long book",
           "planted three apple trees",
           "cooked a spicy soup", "wrote a letter to a friend", "carried the boxes upstairs",
           "found a lost kitten", "baked fresh bread", "cleaned the whole kitchen", "won the chess match",
           "sang a song for everyone"]
ENDINGS = ["", " on Sunday", " after lunch", " in the garden", " before sunrise", " near the river",
           " last weekend", " during the storm"]
CATEGORIES: dict[str, list[str]] = {
    "fruits": ["apple", "banana", "cherry", "mango", "pear", "plum", "orange", "grape", "kiwi", "peach"],
    "vegetables": ["carrot", "potato", "onion", "broccoli", "spinach", "pea", "cabbage", "leek", "pepper"],
    "colours": ["red", "blue", "green", "yellow", "purple", "orange", "black", "white", "pink", "brown"],
    "animals": ["dog", "cat", "horse", "lion", "elephant", "rabbit", "whale", "fox", "bear", "zebra"],
    "European countries": ["France", "Spain", "Italy", "Germany", "Poland", "Norway", "Greece", "Portugal",
                           "Ireland", "Austria"],
    "musical instruments": ["piano", "guitar", "violin", "flute", "drums", "trumpet", "cello", "harp"],
    "sports": ["football", "tennis", "swimming", "cycling", "basketball", "rugby", "golf", "volleyball"],
    "planets": ["Mercury", "Venus", "Earth", "Mars", "Jupiter", "Saturn", "Uranus", "Neptune"],
    "jobs": ["doctor", "teacher", "plumber", "pilot", "baker", "farmer", "lawyer", "nurse", "chef"],
    "pieces of furniture": ["chair", "table", "sofa", "bed", "wardrobe", "desk", "bookcase", "stool"],
    "birds": ["robin", "sparrow", "eagle", "owl", "parrot", "swan", "pigeon", "crow", "penguin"],
    "flowers": ["rose", "tulip", "daisy", "lily", "sunflower", "orchid", "poppy", "daffodil"],
    "drinks": ["water", "tea", "coffee", "milk", "lemonade", "orange juice", "hot chocolate"],
    "items of clothing": ["shirt", "jacket", "scarf", "sock", "skirt", "coat", "hat", "sweater"],
    "kitchen tools": ["knife", "spoon", "whisk", "ladle", "grater", "peeler", "frying pan", "colander"],
}
ANTONYMS = [("hot", "cold"), ("big", "small"), ("happy", "sad"), ("fast", "slow"), ("early", "late"),
            ("light", "dark"), ("open", "closed"), ("full", "empty"), ("strong", "weak"), ("rich", "poor"),
            ("young", "old"), ("hard", "soft"), ("wet", "dry"), ("loud", "quiet"), ("clean", "dirty"),
            ("high", "low"), ("thick", "thin"), ("cheap", "expensive"), ("brave", "cowardly"),
            ("arrive", "leave"), ("win", "lose"), ("buy", "sell"), ("push", "pull"), ("remember", "forget"),
            ("accept", "refuse"), ("begin", "end"), ("inside", "outside"), ("above", "below"),
            ("always", "never"), ("true", "false"), ("heavy", "light"), ("wide", "narrow"),
            ("ancient", "modern"), ("generous", "selfish"), ("polite", "rude"), ("safe", "dangerous"),
            ("simple", "complicated"), ("visible", "invisible"), ("increase", "decrease"), ("sweet", "sour"),
            ("tall", "short"), ("friend", "enemy"), ("asleep", "awake"), ("love", "hate"),
            ("question", "answer"), ("north", "south"), ("east", "west"), ("day", "night")]
CAN_DO = ["play the piano", "speak three languages", "swim across the lake", "ride a horse", "read music",
          "fix the kitchen tap", "cook for twenty people", "run a marathon"]
WILL_DO = ["come to the party", "drive us to the airport", "finish the report by Friday", "join us for tea",
           "water the plants", "bring the cake", "call the plumber", "meet us at the station"]
IS_LIKE = ["ready for the trip", "at home today", "happy with the new job", "late for the meeting",
           "allergic to peanuts", "tired after the match", "busy this afternoon", "good at chess"]
PEOPLE = ["your brother", "the new teacher", "our neighbour", "the manager", "your sister", "the coach"]
NUMBER_WORDS = {3: "three", 4: "four", 5: "five"}
NEWS: list[tuple[str, str]] = [
    ("The {town} library will hold a book sale on {day}. Most books will cost less than {n} dollars. "
     "The money raised will pay for new computers for the reading room.",
     "The {town} library is holding a book sale on {day} to raise money for new computers."),
    ("Heavy rain is expected in {town} on {day}. The council has closed the riverside path as a precaution. "
     "Residents are asked not to drive unless their journey is necessary.",
     "With heavy rain expected on {day}, {town} has closed the riverside path and asks people not to drive."),
    ("{town} football club won its match on {day} by {g1} goals to {g2}. The winning goal came in the final "
     "minute. It was the team's third win in a row.",
     "{town} football club won {g1}-{g2} on {day} with a last-minute goal, its third win in a row."),
    ("A new park opened in {town} this week. It has a playground, a pond and {n} newly planted trees. "
     "The mayor said the park took two years to build.",
     "{town} has opened a new park with a playground, a pond and {n} new trees."),
    ("{name} has run the bakery in {town} for {n} years. Every morning {name} starts work at five to bake "
     "the bread. Next month {name} will open a second shop near the station.",
     "{name}, who has run a bakery in {town} for {n} years, will open a second shop next month."),
    ("The {town} swimming pool will close on {day} for repairs. Work on the roof and the changing rooms will "
     "take about {n} weeks. Swimmers can use the pool in a nearby town in the meantime.",
     "The {town} swimming pool closes on {day} for about {n} weeks of repairs."),
]
# fmt: on


def _sentence(rng: random.Random) -> str:
    """Return a short simple sentence ending with a full stop."""
    return f"{rng.choice(SUBJECTS)} {rng.choice(ACTIONS)}{rng.choice(ENDINGS)}."


def _choose(rng: random.Random, phrasings: list[str], **slots: object) -> str:
    """Return one of `phrasings`, filled with `slots`."""
    return rng.choice(phrasings).format(**slots)


# fmt: off
# task -> instruction paraphrases ({slots} are filled in by the task)
ASK: dict[str, list[str]] = {
    "uppercase": ["Rewrite the sentence in capital letters.", "Convert the following text to uppercase.",
                  "Write this sentence using only uppercase letters."],
    "count_words": ["How many words are in this sentence?", "Count the words in the sentence below.",
                    "Tell me the number of words in the following sentence."],
    "reverse_list": ["Reverse the order of this list.", "Write the list backwards.",
                     "Put the items of this list in reverse order."],
    "sort_up": ["Sort these numbers from smallest to largest.", "Arrange the numbers in ascending order.",
                "Put the following numbers in increasing order."],
    "sort_down": ["Sort these numbers from largest to smallest.", "Arrange the numbers in descending order."],
    "antonym": ['What is the opposite of "{w}"?', 'Give an antonym for the word "{w}".',
                'Write a word that means the opposite of "{w}".', 'Name the antonym of "{w}".'],
    "sentiment": ["Is this review positive or negative?",
                  "Classify the sentiment of the review as positive or "
                  "negative.", "Decide whether the following review is positive or negative."],
    "extract_numbers": ["Extract all the numbers from the text.",
                        "List every number that appears in this sentence.",
                        "Which numbers are mentioned in the text below?"],
    "arithmetic": ["What is {a} {op} {b}?", "Calculate {a} {op} {b}.", "What is {a} {word} {b}?",
                   "Work out {a} {op} {b} and give the result."],
    "make_question": ["Turn this statement into a yes/no question.", "Rewrite the sentence as a question.",
                      "Change the following statement into a question."],
    "list_category": ["List {n} {cat}.", "Name {n} {cat}.", "Give me {n} examples of {cat}.",
                      "Write down {n} {cat}, separated by commas."],
    "first_word": ["What is the first word of this sentence?", "Write only the first word of the sentence."],
    "last_word": ["What is the last word of this sentence?", "Give the final word of the sentence below."],
    "summarize": ["Summarize the text in one sentence.", "Write a one-sentence summary of this passage.",
                  "Sum up this paragraph in a single sentence."],
}
NUMBER_TEXTS = [
    "{name} bought {a} apples and {b} oranges at the market.",
    "Our team scored {a} points in the first half and {b} in the second.",
    "The recipe needs {a} eggs, {b} grams of butter and {c} grams of flour.",
    "There are {a} chairs and {b} tables in the hall.",
    "The bus was {a} minutes late, so {name} missed the {h} o'clock train.",
    "{name} walked {a} kilometres on Monday, {b} on Tuesday and {c} on Friday.",
]
# fmt: on

Task = tuple[str, str, str]  # instruction, input, response


def _t_uppercase(rng: random.Random, split: str) -> Task:
    """Return an uppercase task."""
    s = _sentence(rng)
    return rng.choice(ASK["uppercase"]), s, s.upper()


def _t_count_words(rng: random.Random, split: str) -> Task:
    """Return a word-count task."""
    s = _sentence(rng)
    return rng.choice(ASK["count_words"]), s, str(len(s.split()))


def _t_reverse_list(rng: random.Random, split: str) -> Task:
    """Return a reverse-the-list task."""
    items = rng.sample(rng.choice(list(CATEGORIES.values())), rng.randint(3, 6))
    return rng.choice(ASK["reverse_list"]), ", ".join(items), ", ".join(reversed(items))


def _t_sort_numbers(rng: random.Random, split: str) -> Task:
    """Return a sort-the-numbers task, ascending or (less often) descending."""
    nums = rng.sample(range(1, 100), rng.randint(4, 7))
    down = rng.random() < 0.3
    ask = rng.choice(ASK["sort_down" if down else "sort_up"])
    return ask, ", ".join(map(str, nums)), ", ".join(map(str, sorted(nums, reverse=down)))


def _t_antonym(rng: random.Random, split: str) -> Task:
    """Return an antonym task (the word is in the instruction, the input is empty)."""
    word, opposite = rng.choice(ANTONYMS)[:: rng.choice([1, -1])]
    return _choose(rng, ASK["antonym"], w=word), "", opposite


def _t_sentiment(rng: random.Random, split: str) -> Task:
    """Return a classify-the-review task."""
    row = _sentiment_row(rng, split, rng.randrange(2))
    return rng.choice(ASK["sentiment"]), str(row["text"]), str(row["label"])


def _t_extract_numbers(rng: random.Random, split: str) -> Task:
    """Return an extract-the-numbers task."""
    a, b, c = rng.sample(range(2, 60), 3)
    text = _choose(rng, NUMBER_TEXTS, name=rng.choice(_pool(NAMES, split)), a=a, b=b, c=c, h=c % 12 + 1)
    return rng.choice(ASK["extract_numbers"]), text, ", ".join(re.findall(r"\d+", text))


def _t_arithmetic(rng: random.Random, split: str) -> Task:
    """Return a one-operation arithmetic question (in the instruction, the input is empty)."""
    op, word = rng.choice([("+", "plus"), ("-", "minus"), ("*", "times")])
    if op == "*":
        a, b = rng.randint(2, 30), rng.randint(2, 30)
    else:
        b, a = sorted(rng.sample(range(10, 1000), 2))
    result = {"+": a + b, "-": a - b, "*": a * b}[op]
    return _choose(rng, ASK["arithmetic"], a=a, b=b, op=op, word=word), "", str(result)


def _t_make_question(rng: random.Random, split: str) -> Task:
    """Return a statement-to-yes/no-question task ('X can swim.' -> 'Can X swim?')."""
    who = rng.choice(PEOPLE + _pool(NAMES, split)[:6])
    aux, rest = rng.choice([("can", CAN_DO), ("will", WILL_DO), ("is", IS_LIKE)])
    rest = rng.choice(rest)
    return rng.choice(ASK["make_question"]), f"{_cap(who)} {aux} {rest}.", f"{_cap(aux)} {who} {rest}?"


def _t_list_category(rng: random.Random, split: str) -> Task:
    """Return a list-examples-of-a-category task (the input is empty)."""
    cat, n = rng.choice(list(CATEGORIES)), rng.choice([3, 4, 5])
    ask = _choose(rng, ASK["list_category"], n=NUMBER_WORDS[n], cat=cat)
    return ask, "", ", ".join(rng.sample(CATEGORIES[cat], n))


def _t_first_last_word(rng: random.Random, split: str) -> Task:
    """Return a first-word or last-word task."""
    s = _sentence(rng)
    first = rng.random() < 0.5
    ask = rng.choice(ASK["first_word" if first else "last_word"])
    return ask, s, s.rstrip(".").split()[0 if first else -1]


def _t_summarize(rng: random.Random, split: str) -> Task:
    """Return a summarize-in-one-sentence task over a short templated news item."""
    text, summary = rng.choice(NEWS)
    g2 = rng.randint(0, 3)
    g1 = max(2, g2 + rng.randint(1, 2))  # the winner's goals, never "1 goals"
    town, day, n, name = (
        rng.choice(TOWNS),
        rng.choice(DAYS),
        rng.randint(2, 19),
        rng.choice(_pool(NAMES, split)),
    )
    slots = {"town": town, "day": day, "n": n, "g1": g1, "g2": g2, "name": name}
    return rng.choice(ASK["summarize"]), text.format(**slots), summary.format(**slots)


TASKS: dict[str, Callable[[random.Random, str], Task]] = {
    "uppercase": _t_uppercase,
    "count_words": _t_count_words,
    "reverse_list": _t_reverse_list,
    "sort_numbers": _t_sort_numbers,
    "antonym": _t_antonym,
    "sentiment": _t_sentiment,
    "extract_numbers": _t_extract_numbers,
    "arithmetic": _t_arithmetic,
    "make_question": _t_make_question,
    "list_category": _t_list_category,
    "first_or_last_word": _t_first_last_word,
    "summarize": _t_summarize,
}


def _instruction_row(rng: random.Random, split: str, i: int) -> Row:
    """Return one instruction row; the task cycles with `i` so the tasks are balanced."""
    task = list(TASKS)[i % len(TASKS)]
    instruction, text, response = TASKS[task](rng, split)
    return {"instruction": instruction, "input": text, "response": response, "task": task}


def make_instructions(rng: random.Random) -> Splits:
    """Return the instructions splits: twelve task types with computed, correct responses."""
    return _unique_rows(rng, "instructions", _instruction_row)


# --- 5. preferences ---------------------------------------------------------------------------

# fmt: off
CAPITALS = [("France", "Paris", "Lyon"), ("Japan", "Tokyo", "Osaka"), ("Australia", "Canberra", "Sydney"),
            ("Canada", "Ottawa", "Toronto"), ("Brazil", "Brasília", "Rio de Janeiro"), ("Italy", "Rome",
                                                                                        "Milan"),
            ("Spain", "Madrid", "Barcelona"), ("Germany", "Berlin", "Munich"), ("Turkey", "Ankara",
                                                                                "Istanbul"),
            ("Egypt", "Cairo", "Alexandria"), ("India", "New Delhi", "Mumbai"), ("Kenya", "Nairobi",
                                                                                 "Mombasa"),
            ("Mexico", "Mexico City", "Guadalajara"), ("Argentina", "Buenos Aires", "Córdoba"),
            ("Norway", "Oslo", "Bergen"), ("Poland", "Warsaw", "Kraków"), ("Portugal", "Lisbon", "Porto"),
            ("South Korea", "Seoul", "Busan"), ("Vietnam", "Hanoi", "Ho Chi Minh City"),
            ("Morocco", "Rabat", "Casablanca"), ("New Zealand", "Wellington", "Auckland"),
            ("Switzerland", "Bern", "Zurich"), ("Nigeria", "Abuja", "Lagos"), ("China", "Beijing",
                                                                               "Shanghai"),
            ("Greece", "Athens", "Thessaloniki"), ("Ireland", "Dublin", "Cork"), ("Sweden", "Stockholm",
                                                                                  "Gothenburg"),
            ("Peru", "Lima", "Cusco"), ("Chile", "Santiago", "Valparaíso"), ("Thailand", "Bangkok",
                                                                             "Chiang Mai"),
            ("Pakistan", "Islamabad", "Karachi"), ("Austria", "Vienna", "Salzburg"), ("Hungary", "Budapest",
                                                                                      "Debrecen"),
            ("Finland", "Helsinki", "Tampere"), ("Denmark", "Copenhagen", "Aarhus"), ("Colombia", "Bogotá",
                                                                                      "Medellín"),
            ("Ghana", "Accra", "Kumasi"), ("Cuba", "Havana", "Santiago de Cuba"), ("Russia", "Moscow",
                                                                                   "Saint Petersburg"),
            ("Scotland", "Edinburgh", "Glasgow")]
SCIENCE = [
    ("What is the boiling point of water at sea level in degrees Celsius?",
     "Water boils at 100 degrees Celsius at sea level.", "Water boils at 50 degrees Celsius at sea level."),
    ("How many planets are in our solar system?", "There are eight planets in our solar system.",
     "There are twelve planets in our solar system."),
    ("What gas do plants take in from the air to make their food?",
     "Plants take in carbon dioxide and use the energy of sunlight to turn it into sugar.",
     "Plants take in oxygen from the air and turn it into sugar."),
    ("What is the largest planet in the solar system?", "Jupiter is the largest planet in the solar system.",
     "Mars is the largest planet in the solar system."),
    ("What is the chemical symbol for gold?", "The chemical symbol for gold is Au.",
     "The chemical symbol for gold is Gd."),
    ("How many legs does a spider have?", "A spider has eight legs.", "A spider has six legs."),
    ("What is the closest star to Earth?", "The Sun is the closest star to Earth.",
     "Polaris, the North Star, is the closest star to Earth."),
    ("At what temperature does water freeze in degrees Celsius?", "Water freezes at 0 degrees Celsius.",
     "Water freezes at 10 degrees Celsius."),
    ("What is the hardest natural substance?", "Diamond is the hardest natural substance.",
     "Granite is the hardest natural substance."),
    ("Which organ pumps blood around the body?", "The heart pumps blood around the body.",
     "The liver pumps blood around the body."),
    ("How long does it take Earth to travel once around the Sun?",
     "It takes Earth about 365 days, or one year.",
     "It takes Earth about 30 days, or one month."),
    ("What is the main gas in Earth's atmosphere?",
     "Nitrogen is the main gas, making up about 78 percent of the air.",
     "Oxygen is the main gas, making up about 78 percent of the air."),
    ("What do bees make from nectar?", "Bees make honey from nectar.", "Bees make pollen from nectar."),
    ("Which is the longest bone in the human body?",
     "The femur, or thigh bone, is the longest bone in the body.",
     "The humerus, in the upper arm, is the longest bone in the body."),
    ("How many sides does a hexagon have?", "A hexagon has six sides.", "A hexagon has eight sides."),
    ("Roughly how fast does light travel?", "Light travels at about 300,000 kilometres per second.",
     "Light travels at about 300 kilometres per second."),
    ("Which planet is known as the Red Planet?", "Mars is known as the Red Planet.",
     "Venus is known as the Red Planet."),
    ("What is H2O?", "H2O is the chemical formula for water.", "H2O is the chemical formula for table salt."),
    ("What do we call animals that eat only plants?", "Animals that eat only plants are called herbivores.",
     "Animals that eat only plants are called carnivores."),
    ("What force keeps us on the ground?", "Gravity keeps us on the ground.",
     "Magnetism keeps us on the ground."),
    ("Which ocean is the largest?", "The Pacific Ocean is the largest ocean.",
     "The Atlantic Ocean is the largest ocean."),
    ("What is the tallest mountain above sea level?", "Mount Everest is the tallest, at about 8,849 metres.",
     "Mont Blanc is the tallest, at about 4,800 metres."),
    ("Which part of a plant takes in water from the soil?", "The roots take in water from the soil.",
     "The flowers take in water from the soil."),
    ("Who developed the theory of relativity?", "Albert Einstein developed the theory of relativity.",
     "Isaac Newton developed the theory of relativity."),
    ("At what temperature does water freeze in degrees Fahrenheit?",
     "Water freezes at 32 degrees Fahrenheit.",
     "Water freezes at 0 degrees Fahrenheit."),
]
# (one, many, smaller unit, factor, a factor people mistakenly use)
UNITS = [("metre", "metres", "centimetres", 100, 10), ("kilometre", "kilometres", "metres", 1000, 100),
         ("kilogram", "kilograms", "grams", 1000, 100), ("litre", "litres", "millilitres", 1000, 100),
         ("hour", "hours", "minutes", 60, 100), ("minute", "minutes", "seconds", 60, 100),
         ("day", "days", "hours", 24, 12), ("week", "weeks", "days", 7, 5), ("foot", "feet", "inches", 12,
                                                                             10),
         ("yard", "yards", "feet", 3, 4), ("year", "years", "months", 12, 10)]
FAVOURS = ["watering my plants while I was away", "helping me move house", "the lovely birthday present",
           "looking after my dog last weekend", "the delicious dinner on Saturday",
           "lending me your camping gear",
           "driving me to the airport", "fixing my bike"]
OCCASIONS = ["passing the driving test", "the new job", "graduating", "finishing the marathon",
             "winning the baking contest", "the promotion"]
RELATIONS = ["friend", "colleague", "sister", "grandfather", "neighbour", "cousin", "teacher"]
TIPS: dict[str, tuple[list[str], str]] = {
    "sleeping better": (["Go to bed and get up at the same time every day, even at weekends.",
                         "Keep screens out of the bedroom for the last hour before sleep.",
                         "Avoid coffee and strong tea after lunchtime.",
                         "Keep your bedroom cool, dark and quiet."],
                        "Drink a large cup of strong coffee right before bed to help you relax."),
    "saving money": (["Write down everything you spend for a month to see where the money goes.",
                      "Move a fixed amount into a savings account as soon as you are paid.",
                      "Plan your meals for the week and shop with a list.",
                      "Cancel subscriptions you no longer use."],
                     "Buy everything you want as soon as you see it, before the price goes up."),
    "studying for an exam": (["Study in short sessions of about 25 minutes with small breaks.",
                              "Test yourself with practice questions instead of only rereading your notes.",
                              "Start revising a few weeks early rather than the night before.",
                              "Explain each topic out loud as if you were teaching it."],
                             "Stay up all night before the exam so the material is fresh in your mind."),
    "keeping houseplants alive": (["Water only when the top few centimetres of soil feel dry.",
                                   "Most houseplants like bright, indirect light.",
                                   "Use pots with drainage holes so the roots never sit in water.",
                                   "Feed your plants lightly during spring and summer."],
                                  "Water every plant a lot every day, whatever the season."),
    "staying focused at work": (["Put your phone in a drawer while you work on important tasks.",
                                 "Write a short list of the three most important tasks each morning.",
                                 "Work in focused blocks and take a real break between them.",
                                 "Close email and chat when you need to concentrate."],
                                "Keep every app and notification open so you never miss anything."),
    "learning a new language": (["Practise a little every day instead of a lot once a week.",
                                 "Learn the most common words and phrases first.",
                                 "Listen to podcasts or music in the language while you commute.",
                                 "Find a conversation partner and speak from the very beginning."],
                                "Wait until your grammar is perfect before you try speaking to anyone."),
    "running a first 5K": (["Build up slowly, mixing running and walking at first.",
                            "Run three times a week with rest days in between.",
                            "Buy comfortable shoes that fit well.",
                            "Start the race slower than you think you should."],
                           "Run as fast as you can every day from the first week."),
    "cooking rice": (["Rinse the rice in cold water until the water runs clear.",
                      "Use about one and a half cups of water for each cup of white rice.",
                      "Let the rice rest with the lid on for ten minutes after cooking.",
                      "Keep the lid on and the heat low while it simmers."],
                     "Stir the rice constantly on high heat with the lid off."),
    "reducing food waste": (["Check what is already in the fridge before you go shopping.",
                             "Freeze bread and leftovers you won't eat in the next day or two.",
                             "Store food you bought earlier at the front of the fridge.",
                             "Turn vegetable scraps into soup or stock."],
                            "Throw food away as soon as it reaches its best-before date."),
    "staying cool in hot weather": (["Drink water regularly, even before you feel thirsty.",
                                     "Close curtains on sunny windows during the day.",
                                     "Plan outdoor activities for the early morning or evening.",
                                     "Wear loose, light-coloured clothes."],
                                    "Exercise hard outdoors at midday to get used to the heat."),
}
QUESTION_WRAPS = ["{q}", "{q}", "Hi! {q}", "Quick question: {ql}", "{q} Thanks!", "Can you help me? {q}"]
REQUEST_WRAPS = ["{q}", "{q}", "Hi! {q}", "{q} Thanks in advance.", "Could you help me with something? {q}"]
RUDE = {
    "question": ["Seriously? {a}", "That's such an easy question. {a} Next time, look it up yourself.",
                 "Ugh, fine. {a}", "Why are you asking me? Search online.", "Not my job.", "Look it up.",
                 "Figure it out yourself.", "{a} Honestly, I can't believe you needed help with that."],
    "request": ["Ugh, fine. {a}", "Write it yourself.", "Can't you do anything on your own? {a}",
                "This is a waste of my time.", "Do it yourself.", "{a} Next time, try doing it yourself."],
}
REFUSALS = {
    "question": ["I'm sorry, but I can't help with that.", "I'm not able to answer that question.",
                 "Sorry, I can't assist with this request.",
                 "Unfortunately, I cannot provide that information."],
    "request": ["I'm sorry, but I can't write personal messages.", "Sorry, I can't help with that request.",
                "I'm not able to give advice on that.", "Unfortunately, that's not something I can do."],
}
# (before, after) added to some chosen answers, and to the rejected one when only a fact differs
FLOURISHES = {
    "question": [("Good question! ", ""), ("", " Hope that helps!"), ("", " Let me know if you need more.")],
    "request": [("Sure! ", ""), ("Happy to help! ", ""), ("Of course! Here you go:\n\n", "")],
}
# family -> phrasings of its questions (q) and answers (a)
PHRASES: dict[str, list[str]] = {
    "capital_q": ["What is the capital of {c}?", "What's the capital city of {c}?",
                  "Which city is the capital of {c}?",
                  "Tell me the capital of {c}.", "Do you know the capital of {c}?"],
    "capital_a": ["The capital of {c} is {x}.", "{x} is the capital of {c}.", "It's {x}."],
    "units_q": ["How many {s} are in {n} {b}?", "Convert {n} {b} to {s}.", "{n} {b} is how many {s}?"],
    "units_a": ["{n} {b} is {m} {s}.", "There are {m} {s} in {n} {b}.",
                "Each {o} has {f} {s}, so {n} {b} is {n} * {f} = {m} {s}."],
    "sum_q": ["What is {a} {op} {b}?", "What's {a} {w} {b}?", "Can you work out {a} {op} {b}?",
              "Calculate {a} {op} {b} for me."],
    "sum_a": ["{a} {op} {b} = {r}.", "The answer is {r}.", "{a} {w} {b} is {r}."],
    "tip_q": ["Give me one tip for {x}.", "What's a good tip for {x}?", "Any advice on {x}?",
              "I need a quick tip for {x}."],
    "tip_a": ["{t}", "Here's one tip: {t}", "Try this: {tl}"],
    "ramble_start": ["Well, let me think about that for a moment. ", "Okay, so, basically, here goes. ",
                     "That's a really interesting one, and there's a lot one could say about it. "],
    "ramble_again": ["To repeat: ", "Once again: ", "Just to be clear: ", "In other words, and as I said: "],
    "ramble_end": ["I hope that makes sense, and I hope it is what you were looking for.",
                   "Anyway, that's basically it, more or less, as far as I can tell.",
                   "So yes, that is my answer, as I mentioned above."],
}
SCIENCE_MORE = (" This comes up a lot in school science lessons. There is much more to say about it, and "
                "whole books cover it.")
NOTE_MORE = " I hope you're keeping well. Let's catch up soon over a coffee. Take care, and speak soon!"
# fmt: on
FAILURES = ["wrong", "rude", "off_topic", "rambling", "refusal", "ignores_format"]


@dataclass
class Ask:
    """A request with a good and a wrong answer, and a stricter version of it that asks for a format."""

    kind: str  # "question" or "request": picks the wrappers, rude replies and refusals
    q: str
    good: str
    wrong: str  # fluent but wrong: another city, a slipped factor, the wrong name or occasion, bad advice
    strict_q: str  # the request with a format demand (for the ignores-format failure)
    strict_good: str  # follows the demand
    strict_bad: str  # correct but ignores the demand


def _ask_capital(rng: random.Random) -> Ask:
    """Return a capital-city question; the wrong answer names another big city of the country."""
    country, capital, other = rng.choice(CAPITALS)
    q, answer = _choose(rng, PHRASES["capital_q"], c=country), rng.choice(PHRASES["capital_a"])
    sentence = f"The capital of {country} is {capital}."
    short = rng.random() < 0.5
    return Ask(
        kind="question",
        q=q,
        good=answer.format(c=country, x=capital),
        wrong=answer.format(c=country, x=other),
        strict_q=q + (" Answer with just the city name." if short else " Please answer in a full sentence."),
        strict_good=capital if short else sentence,
        strict_bad=f"Great question! {sentence} It is well worth a visit." if short else capital,
    )


def _ask_science(rng: random.Random) -> Ask:
    """Return a simple science question with a common misconception as the wrong answer."""
    q, right, wrong = rng.choice(SCIENCE)
    return Ask("question", q, right, wrong, q + " Please answer in one short sentence.", right, right + SCIENCE_MORE)


def _ask_units(rng: random.Random) -> Ask:
    """Return a unit-conversion question whose wrong answer uses a mistaken factor."""
    one, many, small, f, bad_f = rng.choice(UNITS)
    n = rng.randint(2, 15)
    fill = {"n": n, "b": many, "s": small, "o": one}
    q, answer = _cap(_choose(rng, PHRASES["units_q"], **fill)), rng.choice(PHRASES["units_a"])
    working = PHRASES["units_a"][-1].format(m=n * f, f=f, **fill)
    short = rng.random() < 0.5
    return Ask(
        kind="question",
        q=q,
        good=answer.format(m=n * f, f=f, **fill),
        wrong=answer.format(m=n * bad_f, f=bad_f, **fill),
        strict_q=q + (" Reply with just the number." if short else " Show your working."),
        strict_good=str(n * f) if short else working,
        strict_bad=f"Sure, happy to help! {n} {many} is {n * f} {small}." if short else str(n * f),
    )


def _ask_arithmetic(rng: random.Random) -> Ask:
    """Return an arithmetic question whose wrong answer is off by a little."""
    op, word = rng.choice([("+", "plus"), ("-", "minus"), ("*", "times")])
    if op == "*":
        a, b = rng.randint(3, 40), rng.randint(3, 20)
    else:
        b, a = sorted(rng.sample(range(10, 500), 2))
    r = {"+": a + b, "-": a - b, "*": a * b}[op]
    fill = {"a": a, "b": b, "op": op, "w": word}
    q, answer = _choose(rng, PHRASES["sum_q"], **fill), rng.choice(PHRASES["sum_a"])
    short = rng.random() < 0.5
    return Ask(
        kind="question",
        q=q,
        good=answer.format(r=r, **fill),
        wrong=answer.format(r=r + rng.choice([-10, -2, -1, 1, 2, 10]), **fill),
        strict_q=q + (" Reply with just the number." if short else " Show the calculation."),
        strict_good=str(r) if short else f"{a} {op} {b} = {r}",
        strict_bad=f"Sure, let me work that out for you: {a} {op} {b} = {r}." if short else str(r),
    )


def _ask_note(rng: random.Random) -> Ask:
    """Return a request for a short note; the wrong note has the wrong name, day, favour or occasion."""
    name, other, me = rng.sample(NAMES, 3)
    kind = rng.randrange(4)
    if kind == 0:
        favour, wrong_favour = rng.sample(FAVOURS, 2)
        q = f"Write a short thank-you note to {name} for {favour}."
        note = rng.choice(
            [
                f"Dear {name}, thank you so much for {{x}}. It really meant a lot to me.",
                f"Hi {name}, just a quick note to say a big thank you for {{x}}. You're a star!",
            ]
        )
        good, wrong = note.format(x=favour), note.format(x=wrong_favour)
        one = f"Thank you so much for {favour}, {name}; it meant a lot to me."
    elif kind == 1:
        q = f"Write a short birthday message for my {rng.choice(RELATIONS)}, {name}."
        good = rng.choice(
            [
                f"Happy birthday, {name}! Wishing you a wonderful year full of laughter and joy.",
                f"Happy birthday, {name}! I hope your day is as lovely as you are.",
            ]
        )
        wrong = good.replace(name, other)
        one = f"Happy birthday, {name}, and I hope the year ahead brings you lots of joy!"
    elif kind == 2:
        day, wrong_day = rng.sample(DAYS[:5], 2)
        q = f"Write a short welcome message for {name}, who is joining our team on {day}."
        note = f"Welcome to the team, {name}! We're delighted you're joining us on {{d}}. See you then!"
        good, wrong = note.format(d=day), note.format(d=wrong_day)
        one = f"Welcome aboard, {name}, and see you on {day}!"
    else:
        occasion, wrong_occasion = rng.sample(OCCASIONS, 2)
        q = f"Write a short note congratulating {name} on {occasion}."
        note = f"Congratulations on {{o}}, {name}! You worked so hard for this, and I'm really proud of you."
        good, wrong = note.format(o=occasion), note.format(o=wrong_occasion)
        one = f"Huge congratulations on {occasion}, {name}!"
    if rng.random() < 0.5:
        return Ask("request", q, good, wrong, q + " Keep it to one sentence.", one, good + NOTE_MORE)
    signed = f"{good}\n\nBest wishes,\n{me}"
    return Ask("request", q, good, wrong, q[:-1] + f" and sign it from me, {me}.", signed, good)


def _ask_tip(rng: random.Random) -> Ask:
    """Return a request for an everyday tip; the wrong answer is bad advice."""
    topic = rng.choice(list(TIPS))
    tips, bad = TIPS[topic]
    tip, lead = rng.choice(tips), rng.choice(PHRASES["tip_a"])
    return Ask(
        kind="request",
        q=_choose(rng, PHRASES["tip_q"], x=topic),
        good=lead.format(t=tip, tl=_low(tip)),
        wrong=lead.format(t=bad, tl=_low(bad)),
        strict_q=f"Give me three tips for {topic}, as a numbered list.",
        strict_good="\n".join(f"{k + 1}. {t}" for k, t in enumerate(rng.sample(tips, 3))),
        strict_bad=f"The best advice I can give is simple: {_low(tip)}",
    )


ASKS: list[Callable[[random.Random], Ask]] = [
    _ask_capital,
    _ask_science,
    _ask_units,
    _ask_arithmetic,
    _ask_note,
    _ask_tip,
]


def _ramble(rng: random.Random, answer: str) -> str:
    """Return `answer` padded with filler and said twice."""
    start, again, end = (rng.choice(PHRASES[k]) for k in ("ramble_start", "ramble_again", "ramble_end"))
    return f"{start}{answer} {again}{answer} {end}"


def _preference_row(rng: random.Random, split: str, i: int) -> Row:
    """Return one prompt/chosen/rejected row; the failure kind cycles with `i` so all six are used equally."""
    failure = FAILURES[i % len(FAILURES)]
    make = rng.choice(ASKS)
    ask = make(rng)
    q = ask.strict_q if failure == "ignores_format" else ask.q
    wrap = rng.choice(QUESTION_WRAPS if ask.kind == "question" else REQUEST_WRAPS)
    prompt = wrap.format(q=q, ql=_low(q))
    before, after = rng.choice(FLOURISHES[ask.kind]) if rng.random() < 0.3 else ("", "")
    chosen = f"{before}{ask.good}{after}"
    if failure == "wrong":  # the same wording around a wrong fact
        rejected = f"{before}{ask.wrong}{after}"
    elif failure == "rude":
        rejected = rng.choice(RUDE[ask.kind]).format(a=ask.good)
    elif failure == "off_topic":  # a good answer to some other kind of request
        rejected = rng.choice([a for a in ASKS if a is not make])(rng).good
    elif failure == "rambling":
        rejected = _ramble(rng, ask.good)
    elif failure == "refusal":
        rejected = rng.choice(REFUSALS[ask.kind])
    else:
        chosen, rejected = ask.strict_good, ask.strict_bad
    return {"prompt": prompt, "chosen": chosen, "rejected": rejected}


def make_preferences(rng: random.Random) -> Splits:
    """Return the preferences splits: prompts with a better (chosen) and a worse (rejected) answer."""
    return _unique_rows(rng, "preferences", _preference_row)


# --- 6. general_text --------------------------------------------------------------------------


def read_corpus(path: Path = CORPUS) -> list[str]:
    """Return the paragraphs of the general-text corpus (blank-line separated, lines joined by spaces)."""
    blocks = path.read_text(encoding="utf-8").split("\n\n")
    return [" ".join(block.split()) for block in blocks if block.strip()]


def make_general_text(rng: random.Random) -> Splits:
    """Return the general_text splits: the corpus paragraphs shuffled and split about 80/20."""
    paragraphs = read_corpus()
    rng.shuffle(paragraphs)
    n_test = round(len(paragraphs) * TEST_FRACTION)
    rows = [{"text": p} for p in paragraphs]
    return {"train": rows[n_test:], "test": rows[:n_test]}


# --- writing ----------------------------------------------------------------------------------

MAKERS: dict[str, Callable[[random.Random], Splits]] = {
    "sentiment": make_sentiment,
    "arithmetic": make_arithmetic,
    "dialogsum": make_dialogsum,
    "instructions": make_instructions,
    "preferences": make_preferences,
    "general_text": make_general_text,
}


def _write_jsonl(path: Path, rows: list[Row], columns: list[str]) -> None:
    """Write `rows` to `path` as JSON lines, keys in `columns` order; return None."""
    lines = [json.dumps({c: row[c] for c in columns}, ensure_ascii=False) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")


def _card(name: str, splits: Splits, seed: int) -> str:
    """Return the README.md card of dataset `name`."""
    sizes = "".join(f"| {s} | {len(splits[s])} |\n" for s in SPLITS)
    columns = "\n".join(f"- `{c}`: {meaning}" for c, meaning in SCHEMAS[name].items())
    lessons = "\n".join(f"- `notebooks/{lesson}.ipynb`" for lesson in LESSONS[name])
    example = json.dumps({c: splits["train"][0][c] for c in SCHEMAS[name]}, ensure_ascii=False, indent=2)
    made = (
        f"Generated by `python -m tutorial_lib.build_datasets` (seed {seed}) from the templates and word "
        "lists in `tutorial_lib/build_datasets.py`; rerunning it rewrites these files byte for byte. No test "
        "row repeats a train row."
    )
    return (
        f"# {name}\n\n{DESCRIPTIONS[name]}\n\n{made}\n\n| split | rows |\n| --- | --- |\n{sizes}\n"
        f"## Columns\n\n{columns}\n\n## Used in\n\n{lessons}\n\n"
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
        "# The course datasets\n\nSmall datasets made for this course, one folder each with `train.jsonl`, "
        "`test.jsonl` and a card. Load one with `tutorial_lib.load_data(name)`. All are generated by "
        f"`python -m tutorial_lib.build_datasets` (seed {seed}); do not edit the files by hand.\n\n"
        "| dataset | train | test | columns | lessons |\n| --- | --- | --- | --- | --- |\n"
        f"{rows}\nLicense: {LICENSE}\n"
    )


def build_all(out_dir: Path = OUT_DIR, seed: int = 0) -> dict[str, dict[str, int]]:
    """Write every dataset, its card and the index under `out_dir`; return name -> split -> row count."""
    out_dir = Path(out_dir)
    counts: dict[str, dict[str, int]] = {}
    for name, make in MAKERS.items():
        splits = make(random.Random(f"{seed}:{name}"))
        check_disjoint(name, splits)
        folder = out_dir / name
        folder.mkdir(parents=True, exist_ok=True)
        for split in SPLITS:
            _write_jsonl(folder / f"{split}.jsonl", splits[split], list(SCHEMAS[name]))
        (folder / "README.md").write_text(_card(name, splits, seed), encoding="utf-8", newline="\n")
        counts[name] = {s: len(splits[s]) for s in SPLITS}
    (out_dir / "README.md").write_text(_index(counts, seed), encoding="utf-8", newline="\n")
    return counts


def main(argv: list[str] | None = None) -> None:
    """Rebuild the datasets from the command line; return None."""
    parser = argparse.ArgumentParser(description="Rebuild the course datasets deterministically.")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help=f"output folder (default {OUT_DIR})")
    args = parser.parse_args(argv)
    for name, sizes in build_all(args.out, args.seed).items():
        print(f"{name:14s} " + "  ".join(f"{s}={n}" for s, n in sizes.items()))


if __name__ == "__main__":
    main()
