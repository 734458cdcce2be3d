"""Word lists and templates of the sentiment dataset (see `sentiment.py`).

Every list of phrasings is split by position between train (even) and test (odd), so the two
splits never share a sentence; reviewed items are split too (see `sentiment._thing`)."""

# fmt: off
# domain -> the aspects a review can judge
ASPECTS: dict[str, list[str]] = {
    "product": ["the build quality", "the battery", "the design", "the price", "the packaging",
                "the instructions", "the noise level", "the size", "the handle",
                "the customer service", "the delivery", "the finish"],
    "movie": ["the acting", "the soundtrack", "the script", "the pacing", "the camera work",
              "the ending", "the dialogue", "the villain", "the lead actor", "the special effects",
              "the first half", "the humour"],
    "restaurant": ["the service", "the starters", "the main course", "the desserts",
                   "the wine list",
                   "the decor", "the portion sizes", "the bread", "the music", "the prices",
                   "the coffee", "the menu"],
    "hotel": ["the room", "the breakfast", "the bed", "the staff", "the location", "the pool",
              "the bathroom", "the view", "the check-in", "the Wi-Fi", "the lobby", "the gym"],
    "app": ["the interface", "the sync", "the notifications", "the free tier", "the search",
            "the dark mode", "the onboarding", "the widgets", "the offline mode", "the updates",
            "the export feature", "the support team"],
}
POSITIVE_WORDS = ["excellent", "superb", "lovely", "impressive", "spot on", "a real highlight",
                  "genuinely good", "better than I expected", "well thought out", "a joy",
                  "first rate", "pleasant"]
NEGATIVE_WORDS = ["poor", "dull", "clumsy", "disappointing", "badly done", "a mess", "forgettable",
                  "worse than I expected", "frustrating", "a letdown", "sloppy", "annoying"]
# an opinion on one aspect: {aspect} (lower case), {word} (from the lists above)
OPINIONS = [
    "{Aspect} was {word}.", "I thought {aspect} was {word}.", "Honestly, {aspect} was {word}.",
    "For me, {aspect} was {word}.", "I have to say {aspect} was {word}.",
    "As for {aspect}, it was {word}.", "My partner felt {aspect} was {word}, and I agree.",
    "If I'm honest, {aspect} was {word}.", "Then there is {aspect}, which was {word}.",
    "Everyone in our group agreed that {aspect} was {word}.", "In my view {aspect} was {word}.",
    "What I noticed first was {aspect}, and it was {word}.",
]
# negated opinions: the sentence means the opposite of its adjective's polarity
NEGATED = {
    "positive": ["{Aspect} was not {neg} at all.", "I would not call {aspect} {neg}.",
                 "{Aspect} was never {neg}, whatever others say.",
                 "Nobody could say {aspect} was {neg}."],
    "negative": ["{Aspect} was not exactly {pos}.", "I would not call {aspect} {pos}.",
                 "{Aspect} was hardly {pos}, whatever the adverts say.",
                 "Nobody could say {aspect} was {pos}."],
}
HEDGES = ["I suppose", "Maybe it's just me, but", "It's hard to say, but I think", "To be fair,",
          "I could be wrong, but", "Admittedly,"]
# sarcastic remarks: positive words, negative meaning
SARCASM = [
    "Oh, wonderful, {aspect} was {neg}; just what I was hoping for.",
    "What a treat {aspect} turned out to be, if you enjoy things that are {neg}.",
    "Brilliant, {aspect} was {neg}, exactly what everyone wants.",
    "Truly a masterpiece, if {neg} is what you are after.",
    "Great, another evening of {aspect} being {neg}, I can hardly contain my joy.",
    "Lovely, I especially enjoyed how {neg} {aspect} was.",
]
# neutral context before the verdict; {thing}, {who}, {when}, {n}
CONTEXT: dict[str, list[str]] = {
    "product": [
        "I bought {thing} {when} to replace an old one that had finally given up.",
        "I ordered {thing} online after comparing {n} different models.",
        "{Thing} arrived in a plain box with a short leaflet and a spare part.",
        "I have been using {thing} every day for about {n} weeks now.",
        "My {who} uses {thing} most mornings, so we both have an opinion.",
        "The shop had {thing} on offer {when}, which is why I picked it.",
        "I read the instructions twice before switching {thing} on for the first time.",
        "We keep {thing} in the kitchen, where it gets used by the whole family.",
        "{Thing} replaced a model I had owned for nearly {n} years.",
        "I chose {thing} mainly because a friend had one and seemed happy with it.",
    ],
    "movie": [
        "I watched {thing} {when} with my {who}.",
        "The story follows a retired teacher who inherits a house on a remote island.",
        "{Thing} runs for a little over two hours and opens with a long flashback.",
        "The plot centres on {n} siblings who meet again after their father's funeral.",
        "The film is set in a small fishing town during a very cold winter.",
        "We saw {thing} in a nearly empty cinema on a rainy {when}.",
        "The main character is a detective who is about to retire when a new case arrives.",
        "It is based on a novel I read years ago, so I knew roughly what would happen.",
        "The first act introduces a family that runs a failing hotel by the sea.",
        "The story jumps between two timelines, {n} decades apart.",
    ],
    "restaurant": [
        "We went to {thing} {when} with my {who} for a birthday dinner.",
        "We booked a table at {thing} for {n} people about a week in advance.",
        "{Thing} opened a few months ago in the building where the old bank used to be.",
        "We ordered {n} starters to share and a main course each.",
        "I had walked past {thing} many times before finally going in {when}.",
        "My {who} chose {thing} after seeing it recommended in the local paper.",
        "The menu changes every season and has a handful of vegetarian options.",
        "We arrived at about eight, when the place was already quite full.",
        "{Thing} is a short walk from the station, down a quiet side street.",
        "We stayed for about {n} hours and tried a little of everything.",
    ],
    "hotel": [
        "We stayed at {thing} for {n} nights {when}.",
        "I booked {thing} for a work trip and brought my {who} along.",
        "{Thing} is about twenty minutes from the airport by taxi.",
        "Our room was on the {n}th floor, at the end of a long corridor.",
        "We arrived late in the evening after a long drive.",
        "{Thing} was recommended by my {who}, who had stayed there last year.",
        "The building is quite old and was renovated a few years ago.",
        "We chose {thing} because it was close to the conference centre.",
        "We spent most days out and only came back to sleep and have breakfast.",
        "Parking costs extra, which the website mentions in small print.",
    ],
    "app": [
        "I installed {thing} {when} after my old app stopped being updated.",
        "I have used {thing} on my phone and tablet for about {n} months.",
        "My {who} recommended {thing}, so I gave the free version a try.",
        "{Thing} asks for an account before you can do anything.",
        "I mostly use {thing} on the train to work, about {n} times a day.",
        "I moved all my data into {thing} from a spreadsheet I had kept for years.",
        "{Thing} has had {n} updates since I started using it.",
        "The first screen walks you through a short set-up with a few questions.",
        "I paid for the yearly plan after a two-week trial.",
        "I use {thing} alongside a couple of other tools for work.",
    ],
}
WHO = ["partner", "sister", "brother", "parents", "best friend", "colleague", "neighbour", "kids",
       "flatmate", "aunt"]
WHEN = ["last week", "a month ago", "over the holidays", "last weekend", "in the spring",
        "on Friday", "back in March", "after a long week"]
# digressions that say nothing about the verdict
ASIDES = [
    "I had read a lot of reviews before choosing, which may have raised my hopes.",
    "I don't usually write reviews, but I wanted to share my experience.",
    "For context, I am fairly picky about this sort of thing.",
    "My expectations were neither high nor low going in.",
    "I should say that I paid for this myself and nobody asked me to review it.",
    "It took me a while to decide what I really thought.",
    "A friend asked me about it yesterday, which is what prompted this review.",
    "I have tried a few similar ones over the years, so I have something to compare it with.",
    "This is my honest opinion after giving it a fair chance.",
    "I'll try to keep this balanced.",
    "Some of this is personal taste, of course.",
    "I went in knowing very little about it.",
]
# the overall verdict; {thing}
VERDICTS: dict[str, list[str]] = {
    "positive": [
        "{thing} was wonderful.", "I really enjoyed {thing}.", "{thing} exceeded my expectations.",
        "{thing} was not bad at all.", "I have no complaints about {thing}.",
        "{thing} did not disappoint.", "{thing} turned out to be a pleasant surprise.",
        "Five stars for {thing}.", "{thing} was better than I expected.",
        "I wasn't expecting much from {thing}, but it won me over.",
        "{thing} is worth every penny.", "Pretty happy with {thing}, to be honest.",
        "I keep recommending {thing} to my friends.",
        "{thing} has a few rough edges, but overall I liked it a lot.",
        "I can't find much wrong with {thing}.", "All things considered, {thing} was a real treat.",
    ],
    "negative": [
        "{thing} was a real letdown.", "I regret choosing {thing}.",
        "{thing} was not worth the money.", "I wanted to like {thing}, but it fell short.",
        "{thing} was disappointing.", "One star for {thing}.", "{thing} was not good at all.",
        "{thing} was worse than I expected.", "I can't recommend {thing}.",
        "{thing} left a lot to be desired.", "Sadly, {thing} did not live up to the hype.",
        "I expected more from {thing}.",
        "{thing} had some nice moments, but overall it disappointed me.",
        "I would not choose {thing} again.", "{thing} was nothing like the reviews promised.",
        "All things considered, {thing} was a mess.",
    ],
}
CLOSINGS: dict[str, list[str]] = {
    "positive": ["I would go for it again.", "Recommended.", "I'm glad I gave it a chance.",
                 "Worth it, in the end.", "I'll be back for more.", "Easy to recommend."],
    "negative": ["I won't be repeating the experience.", "Give it a miss.",
                 "I wish I had chosen differently.", "Not for me, and probably not for you.",
                 "Once was enough.", "Hard to recommend."],
}
# fmt: on
