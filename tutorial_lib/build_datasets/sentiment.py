"""The sentiment dataset: reviews labelled positive or negative, balanced and interleaved.

A review is context (what was reviewed, the plot, who went), asides, opinions on aspects
(mostly of the review's polarity, often with one or two of the other), negated and hedged
opinions, sarcasm in negative reviews, and a verdict, usually at the end; lengths have a long
tail. Stands in for IMDB (Maas et al., 2011), shorter so that few-shot prompts fit a CPU.
"""

from __future__ import annotations

import random

from .common import Row, Splits, _cap, _half, _pick, _pool, _unique_rows
from .sentiment_words import (
    ASIDES,
    ASPECTS,
    CLOSINGS,
    CONTEXT,
    HEDGES,
    NEGATED,
    NEGATIVE_WORDS,
    OPINIONS,
    POSITIVE_WORDS,
    SARCASM,
    VERDICTS,
    WHEN,
    WHO,
)

# fmt: off
REVIEW_THINGS: dict[str, list[str]] = {
    "product": [
        "this blender", "the new kettle", "this backpack", "the desk lamp",
        "this pair of running shoes",
        "the vacuum cleaner", "this coffee grinder", "the phone case", "this electric toothbrush",
        "the rice cooker", "this office chair", "the wireless speaker", "this umbrella",
        "the air fryer",
        "this yoga mat",
    ],
    "movie": [
        "this movie", "the sequel", "the new thriller", "this documentary", "the animated film",
        "this romantic comedy", "the space epic", "this period drama", "the horror film",
        "the biopic",
        "this heist movie", "the musical", "this detective story", "the war film",
        "this family comedy",
    ],
    "restaurant": [
        "the restaurant", "this little bistro", "the new sushi place",
        "the pizzeria on Main Street",
        "this café", "the taco truck", "the steakhouse", "this noodle bar",
        "the bakery near the station",
        "the vegan diner", "this seafood place", "the curry house", "the hotel restaurant",
        "this tapas bar", "the burger joint",
    ],
    "hotel": [
        "the hotel", "this guesthouse", "the seaside resort", "our room", "this hostel",
        "the airport hotel",
        "the bed and breakfast", "this mountain lodge", "the city-centre hotel",
        "the holiday cottage",
        "this boutique hotel", "the campsite", "the spa hotel", "this motel", "the lakeside inn",
    ],
    "app": [
        "this budgeting app", "the new photo editor", "this meditation app", "the weather app",
        "this language-learning app", "the banking app", "this fitness tracker app",
        "the recipe app",
        "this note-taking app", "the music streaming app", "this map app", "the calendar app",
        "this podcast player", "the food delivery app", "this habit tracker",
    ],
}
REVIEW_DETAILS: dict[str, dict[str, list[str]]] = {
    "product": {
        "positive": [
            "it feels sturdy and well made", "it arrived early and works perfectly",
            "the quality is excellent for the price",
            "it has held up well after months of daily use",
            "it does exactly what the description promised", "it was a breeze to set up",
            "it looks even better than in the photos",
        ],
        "negative": [
            "it broke after two weeks", "it fell apart within a month",
            "it arrived scratched and dented",
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
            "the ending was rushed", "I checked my phone every ten minutes",
            "the jokes fell completely flat",
            "the characters were impossible to care about",
        ],
    },
    "restaurant": {
        "positive": [
            "the staff were friendly and quick", "the portions were generous",
            "every dish arrived hot and fresh", "the prices were fair for the quality",
            "the desserts are worth the trip alone",
            "the owner stopped by to check on every table",
            "the bread was still warm from the oven",
        ],
        "negative": [
            "we waited forty minutes for cold food", "the soup was far too salty",
            "the tables were sticky",
            "the waiter forgot our order", "it was loud enough to make conversation impossible",
            "the bill had two dishes we never ordered", "the chicken was dry and bland",
        ],
    },
    "hotel": {
        "positive": [
            "the room was spotless", "the staff remembered our names",
            "breakfast had plenty of choice",
            "the view from the balcony was stunning", "the bed was incredibly comfortable",
            "check-in took two minutes", "it was quiet even on a Saturday night",
        ],
        "negative": [
            "the walls were paper thin", "the bathroom smelled of damp",
            "check-in took over an hour",
            "the air conditioning never worked", "the sheets had stains on them",
            "the Wi-Fi dropped every few minutes", "reception ignored our complaints",
        ],
    },
    "app": {
        "positive": [
            "it syncs instantly across my devices", "the interface is clean and easy to follow",
            "it has not crashed once", "the free version is genuinely useful",
            "it loads in a second",
            "the reminders actually help me", "the updates keep making it better",
        ],
        "negative": [
            "it crashes every time I open it", "it drains my battery in a few hours",
            "half the features are behind a paywall", "there are adverts on every screen",
            "it lost all my data after an update", "the menus are confusing",
            "it takes ages to load",
        ],
    },
}
REVIEW_AGAIN: dict[str, dict[str, list[str]]] = {
    "product": {
        "positive": ["I would buy it again.", "Highly recommended.",
                     "Best purchase I've made this year."],
        "negative": ["I'm sending it back.", "Save your money.",
                     "I wish I had bought something else."],
    },
    "movie": {
        "positive": ["I'd happily watch it again.", "Go and see it.",
                     "I'm still thinking about it."],
        "negative": ["I want those two hours back.", "Skip it.", "I nearly walked out."],
    },
    "restaurant": {
        "positive": ["We'll definitely be back.", "Book a table, you won't regret it.",
                     "My new favourite."],
        "negative": ["We won't be going back.", "Eat somewhere else.", "Never again."],
    },
    "hotel": {
        "positive": ["We would stay here again.", "I can't wait to go back.",
                     "Perfect for a weekend away."],
        "negative": ["We left a day early.", "Book somewhere else.", "Not worth the price."],
    },
    "app": {
        "positive": ["It's on my home screen for good.", "Worth downloading.",
                     "I use it every day now."],
        "negative": ["Uninstalled.", "Don't bother downloading it.",
                     "I've gone back to my old app."],
    },
}
# fmt: on


LABELS = ("positive", "negative")
WORDS = {"positive": POSITIVE_WORDS, "negative": NEGATIVE_WORDS}
OTHER = {"positive": "negative", "negative": "positive"}


def _thing(rng: random.Random, domain: str, split: str) -> str:
    """Return a reviewed item of `domain` (test items never appear in train)."""
    return rng.choice(_pool(REVIEW_THINGS[domain], split))


def _opinion(rng: random.Random, aspect: str, polarity: str, split: str) -> str:
    """Return one sentence judging `aspect` with `polarity`: plain, hedged or negated."""
    pos, neg = _pick(rng, POSITIVE_WORDS, split), _pick(rng, NEGATIVE_WORDS, split)
    slots = {"aspect": aspect, "Aspect": _cap(aspect), "pos": pos, "neg": neg}
    style = rng.random()
    if style < 0.2:
        return _agree(str(_pick(rng, NEGATED[polarity], split)).format(**slots), aspect)
    text = str(_pick(rng, OPINIONS, split)).format(
        word=pos if polarity == "positive" else neg, **slots
    )
    if style < 0.35:
        text = f"{_pick(rng, HEDGES, split)} {text[:1].lower()}{text[1:]}"
    return _agree(text, aspect)


def _agree(text: str, aspect: str) -> str:
    """Return `text` with "was" made "were" after a plural `aspect` ("the desserts were")."""
    if not aspect.endswith("s"):
        return text
    for before, after in [(f"{aspect} was", f"{aspect} were"),
                          (f"{_cap(aspect)} was", f"{_cap(aspect)} were"),
                          (f"{aspect}, which was", f"{aspect}, which were"),
                          (", it was", ", they were"), ("and it was", "and they were")]:
        text = text.replace(before, after)
    return text


def _count(verbosity: float, scale: float, most: int) -> int:
    """Return how many sentences of one kind a review of `verbosity` gets, at most `most`."""
    return min(most, int(scale * verbosity))


def _review(rng: random.Random, split: str, label: str) -> str:
    """Return one review with the sentiment `label`."""
    domain = rng.choice(list(REVIEW_THINGS))
    thing = _thing(rng, domain, split)
    fill = {
        "thing": thing,
        "Thing": _cap(thing),
        "who": rng.choice(WHO),
        "when": rng.choice(WHEN),
        "n": rng.randint(2, 9),
    }
    context = _half(CONTEXT[domain], split)
    asides = _half(ASIDES, split)
    aspects = rng.sample(ASPECTS[domain], len(ASPECTS[domain]))
    verbosity = rng.lognormvariate(0.0, 0.8)  # long-tailed: most reviews short, a few long
    parts = [t.format(**fill) for t in rng.sample(context, _count(verbosity, 1.5, len(context)))]
    parts += rng.sample(asides, _count(verbosity, 0.8, len(asides)))
    n_main, n_other = 1 + _count(verbosity, 2.5, 11), rng.choice([0, 0, 1, 1, 2])
    polarities = [label] * n_main + [OTHER[label]] * n_other
    rng.shuffle(polarities)
    opinions = [_opinion(rng, a, p, split) for a, p in zip(aspects, polarities)]
    if label == "negative" and rng.random() < 0.25:
        neg = _pick(rng, NEGATIVE_WORDS, split)
        sarcasm = str(_pick(rng, SARCASM, split)).format(aspect=aspects[-1], neg=neg)
        opinions.append(_agree(sarcasm, aspects[-1]))
    if rng.random() < 0.5:
        details = _half(REVIEW_DETAILS[domain][label], split)
        opinions.append(_cap(rng.choice(details)) + ".")
    verdict = _cap(str(_pick(rng, VERDICTS[label], split)).format(thing=thing))
    closing = [str(_pick(rng, CLOSINGS[label] + REVIEW_AGAIN[domain][label], split))]
    ending = closing if rng.random() < 0.5 else []
    if rng.random() < 0.8:  # most reviews give the verdict after the plot and the details
        return " ".join(parts + opinions + [verdict] + ending)
    return " ".join([verdict] + parts + opinions + ending)


def short_review(rng: random.Random, split: str, label: str) -> str:
    """Return a one- or two-sentence review with `label` (the instructions dataset's input)."""
    domain = rng.choice(list(REVIEW_THINGS))
    thing = _thing(rng, domain, split)
    verdict = _cap(str(_pick(rng, VERDICTS[label], split)).format(thing=thing))
    detail = _cap(rng.choice(_half(REVIEW_DETAILS[domain][label], split))) + "."
    return rng.choice([verdict, f"{verdict} {detail}", f"{detail} {verdict}"])


def _sentiment_row(rng: random.Random, split: str, i: int) -> Row:
    """Return one review row; the label alternates with `i` so the classes are balanced."""
    label = LABELS[i % 2]
    return {"text": _review(rng, split, label), "label": label}


def make_sentiment(rng: random.Random) -> Splits:
    """Return the sentiment splits: balanced, interleaved positive/negative reviews."""
    return _unique_rows(rng, "sentiment", _sentiment_row, balance="label")
