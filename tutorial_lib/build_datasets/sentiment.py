"""The sentiment dataset: short reviews labelled positive or negative, balanced."""

from __future__ import annotations

import random

from .common import Row, Splits, _cap, _pool, _unique_rows

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
VERDICTS: dict[str, list[str]] = {
    "positive": [
        "{thing} was wonderful.", "I really enjoyed {thing}.", "{thing} exceeded my expectations.",
        "{thing} was not bad at all.", "I have no complaints about {thing}.",
        "{thing} did not disappoint.",
        "{thing} turned out to be a pleasant surprise.", "Five stars for {thing}.",
        "{thing} was better than I expected.",
        "I wasn't expecting much from {thing}, but it won me over.",
        "{thing} is worth every penny.", "Pretty happy with {thing}, to be honest.",
        "I keep recommending {thing} to my friends.",
        "{thing} has a few rough edges, but I liked it a lot.",
        "I can't find anything wrong with {thing}.", "{thing} was a real treat.",
    ],
    "negative": [
        "{thing} was a real letdown.", "I regret choosing {thing}.",
        "{thing} was not worth the money.",
        "I wanted to like {thing}, but it fell short.", "{thing} was disappointing.",
        "One star for {thing}.",
        "{thing} was not good at all.", "{thing} was worse than I expected.",
        "I can't recommend {thing}.",
        "{thing} left a lot to be desired.", "Sadly, {thing} did not live up to the hype.",
        "I expected more from {thing}.",
        "{thing} had some nice moments, but overall it disappointed me.",
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
    text = rng.choice(
        [verdict, f"{verdict} {detail}", f"{detail} {verdict}", f"{verdict} {again}", joined]
    )
    return {"text": text, "label": label}


def make_sentiment(rng: random.Random) -> Splits:
    """Return the sentiment splits: balanced positive/negative reviews."""
    return _unique_rows(rng, "sentiment", _sentiment_row)
