"""The instructions dataset: twelve task types, paraphrased instructions, computed responses."""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from .common import (
    DAYS,
    NAMES,
    TOWNS,
    Row,
    Splits,
    _cap,
    _choose,
    _half,
    _one_operation,
    _pick,
    _pool,
    _unique_rows,
)
from .sentiment import LABELS, short_review

# fmt: off
SUBJECTS = ["The old fisherman", "My neighbour", "A small child", "The new teacher", "Our team",
            "The baker",
            "My grandmother", "The tired student", "A young artist", "The farmer", "Her brother",
            "The nurse"]
ACTIONS = ["painted the garden fence", "repaired a broken bicycle", "read a long book",
           "planted three apple trees",
           "cooked a spicy soup", "wrote a letter to a friend", "carried the boxes upstairs",
           "found a lost kitten", "baked fresh bread", "cleaned the whole kitchen",
           "won the chess match",
           "sang a song for everyone"]
ENDINGS = ["", " on Sunday", " after lunch", " in the garden", " before sunrise", " near the river",
           " last weekend", " during the storm"]
CATEGORIES: dict[str, list[str]] = {
    "fruits": ["apple", "banana", "cherry", "mango", "pear", "plum", "orange", "grape", "kiwi",
               "peach"],
    "vegetables": ["carrot", "potato", "onion", "broccoli", "spinach", "pea", "cabbage", "leek",
                   "pepper"],
    "colours": ["red", "blue", "green", "yellow", "purple", "orange", "black", "white", "pink",
                "brown"],
    "animals": ["dog", "cat", "horse", "lion", "elephant", "rabbit", "whale", "fox", "bear",
                "zebra"],
    "European countries": ["France", "Spain", "Italy", "Germany", "Poland", "Norway", "Greece",
                           "Portugal",
                           "Ireland", "Austria"],
    "musical instruments": ["piano", "guitar", "violin", "flute", "drums", "trumpet", "cello",
                            "harp"],
    "sports": ["football", "tennis", "swimming", "cycling", "basketball", "rugby", "golf",
               "volleyball"],
    "planets": ["Mercury", "Venus", "Earth", "Mars", "Jupiter", "Saturn", "Uranus", "Neptune"],
    "jobs": ["doctor", "teacher", "plumber", "pilot", "baker", "farmer", "lawyer", "nurse", "chef"],
    "pieces of furniture": ["chair", "table", "sofa", "bed", "wardrobe", "desk", "bookcase",
                            "stool"],
    "birds": ["robin", "sparrow", "eagle", "owl", "parrot", "swan", "pigeon", "crow", "penguin"],
    "flowers": ["rose", "tulip", "daisy", "lily", "sunflower", "orchid", "poppy", "daffodil"],
    "drinks": ["water", "tea", "coffee", "milk", "lemonade", "orange juice", "hot chocolate"],
    "items of clothing": ["shirt", "jacket", "scarf", "sock", "skirt", "coat", "hat", "sweater"],
    "kitchen tools": ["knife", "spoon", "whisk", "ladle", "grater", "peeler", "frying pan",
                      "colander"],
}
ANTONYMS = [("hot", "cold"), ("big", "small"), ("happy", "sad"), ("fast", "slow"), ("early",
                                                                                    "late"),
            ("light", "dark"), ("open", "closed"), ("full", "empty"), ("strong", "weak"), ("rich",
                                                                                           "poor"),
            ("young", "old"), ("hard", "soft"), ("wet", "dry"), ("loud", "quiet"), ("clean",
                                                                                    "dirty"),
            ("high", "low"), ("thick", "thin"), ("cheap", "expensive"), ("brave", "cowardly"),
            ("arrive", "leave"), ("win", "lose"), ("buy", "sell"), ("push", "pull"), ("remember",
                                                                                      "forget"),
            ("accept", "refuse"), ("begin", "end"), ("inside", "outside"), ("above", "below"),
            ("always", "never"), ("true", "false"), ("heavy", "light"), ("wide", "narrow"),
            ("ancient", "modern"), ("generous", "selfish"), ("polite", "rude"), ("safe",
                                                                                 "dangerous"),
            ("simple", "complicated"), ("visible", "invisible"), ("increase", "decrease"), ("sweet",
                                                                                            "sour"),
            ("tall", "short"), ("friend", "enemy"), ("asleep", "awake"), ("love", "hate"),
            ("question", "answer"), ("north", "south"), ("east", "west"), ("day", "night")]
CAN_DO = ["play the piano", "speak three languages", "swim across the lake", "ride a horse",
          "read music",
          "fix the kitchen tap", "cook for twenty people", "run a marathon"]
WILL_DO = ["come to the party", "drive us to the airport", "finish the report by Friday",
           "join us for tea",
           "water the plants", "bring the cake", "call the plumber", "meet us at the station"]
IS_LIKE = ["ready for the trip", "at home today", "happy with the new job", "late for the meeting",
           "allergic to peanuts", "tired after the match", "busy this afternoon", "good at chess"]
PEOPLE = ["your brother", "the new teacher", "our neighbour", "the manager", "your sister",
          "the coach"]
NUMBER_WORDS = {3: "three", 4: "four", 5: "five"}
NEWS: list[tuple[str, str]] = [
    ("The {town} library will hold a book sale on {day}. Most books will cost less than {n} "
     "dollars. "
     "The money raised will pay for new computers for the reading room.",
     "The {town} library is holding a book sale on {day} to raise money for new computers."),
    ("Heavy rain is expected in {town} on {day}. The council has closed the riverside path as a "
     "precaution. "
     "Residents are asked not to drive unless their journey is necessary.",
     "With heavy rain expected on {day}, {town} has closed the riverside path and asks people "
     "not to drive."),
    ("{town} football club won its match on {day} by {g1} goals to {g2}. The winning goal came in "
     "the final "
     "minute. It was the team's third win in a row.",
     "{town} football club won {g1}-{g2} on {day} with a last-minute goal, its third win in a "
     "row."),
    ("A new park opened in {town} this week. It has a playground, a pond and {n} newly planted "
     "trees. "
     "The mayor said the park took two years to build.",
     "{town} has opened a new park with a playground, a pond and {n} new trees."),
    ("{name} has run the bakery in {town} for {n} years. Every morning {name} starts work at five "
     "to bake "
     "the bread. Next month {name} will open a second shop near the station.",
     "{name}, who has run a bakery in {town} for {n} years, will open a second shop next month."),
    ("The {town} swimming pool will close on {day} for repairs. Work on the roof and the changing "
     "rooms will "
     "take about {n} weeks. Swimmers can use the pool in a nearby town in the meantime.",
     "The {town} swimming pool closes on {day} for about {n} weeks of repairs."),
]
# fmt: on


def _sentence(rng: random.Random, split: str) -> str:
    """Return a short simple sentence ending with a full stop."""
    return f"{_pick(rng, SUBJECTS, split)} {rng.choice(ACTIONS)}{rng.choice(ENDINGS)}."


# fmt: off
# task -> instruction paraphrases ({slots} are filled in by the task)
ASK: dict[str, list[str]] = {
    "uppercase": ["Rewrite the sentence in capital letters.",
                  "Convert the following text to uppercase.",
                  "Write this sentence using only uppercase letters."],
    "count_words": ["How many words are in this sentence?",
                    "Count the words in the sentence below.",
                    "Tell me the number of words in the following sentence."],
    "reverse_list": ["Reverse the order of this list.", "Write the list backwards.",
                     "Put the items of this list in reverse order."],
    "sort_up": ["Sort these numbers from smallest to largest.",
                "Arrange the numbers in ascending order.",
                "Put the following numbers in increasing order."],
    "sort_down": ["Sort these numbers from largest to smallest.",
                  "Arrange the numbers in descending order."],
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
    "make_question": ["Turn this statement into a yes/no question.",
                      "Rewrite the sentence as a question.",
                      "Change the following statement into a question."],
    "list_category": ["List {n} {cat}.", "Name {n} {cat}.", "Give me {n} examples of {cat}.",
                      "Write down {n} {cat}, separated by commas."],
    "first_word": ["What is the first word of this sentence?",
                   "Write only the first word of the sentence."],
    "last_word": ["What is the last word of this sentence?",
                  "Give the final word of the sentence below."],
    "summarize": ["Summarize the text in one sentence.",
                  "Write a one-sentence summary of this passage.",
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
    s = _sentence(rng, split)
    return _pick(rng, ASK["uppercase"], split), s, s.upper()


def _t_count_words(rng: random.Random, split: str) -> Task:
    """Return a word-count task."""
    s = _sentence(rng, split)
    return _pick(rng, ASK["count_words"], split), s, str(len(s.split()))


def _t_reverse_list(rng: random.Random, split: str) -> Task:
    """Return a reverse-the-list task."""
    items = rng.sample(rng.choice(list(CATEGORIES.values())), rng.randint(3, 6))
    return _pick(rng, ASK["reverse_list"], split), ", ".join(items), ", ".join(reversed(items))


def _t_sort_numbers(rng: random.Random, split: str) -> Task:
    """Return a sort-the-numbers task, ascending or (less often) descending."""
    nums = rng.sample(range(1, 100), rng.randint(4, 7))
    down = rng.random() < 0.3
    ask = _pick(rng, ASK["sort_down" if down else "sort_up"], split)
    return ask, ", ".join(map(str, nums)), ", ".join(map(str, sorted(nums, reverse=down)))


def _t_antonym(rng: random.Random, split: str) -> Task:
    """Return an antonym task (the word is in the instruction, the input is empty)."""
    word, opposite = rng.choice(ANTONYMS)[:: rng.choice([1, -1])]
    return _choose(rng, _half(ASK["antonym"], split), w=word), "", opposite


def _t_sentiment(rng: random.Random, split: str) -> Task:
    """Return a classify-the-review task."""
    label = rng.choice(LABELS)
    return _pick(rng, ASK["sentiment"], split), short_review(rng, split, label), label


def _t_extract_numbers(rng: random.Random, split: str) -> Task:
    """Return an extract-the-numbers task."""
    a, b, c = rng.sample(range(2, 60), 3)
    text = _choose(
        rng,
        _half(NUMBER_TEXTS, split),
        name=rng.choice(_pool(NAMES, split)),
        a=a,
        b=b,
        c=c,
        h=c % 12 + 1,
    )
    return _pick(rng, ASK["extract_numbers"], split), text, ", ".join(re.findall(r"\d+", text))


def _t_arithmetic(rng: random.Random, split: str) -> Task:
    """Return a one-operation arithmetic question (in the instruction, the input is empty)."""
    a, b, op, word, result = _one_operation(rng, (2, 30), (2, 30), 1000)
    return (
        _choose(rng, _half(ASK["arithmetic"], split), a=a, b=b, op=op, word=word),
        "",
        str(result),
    )


def _t_make_question(rng: random.Random, split: str) -> Task:
    """Return a statement-to-yes/no-question task ('X can swim.' -> 'Can X swim?')."""
    who = rng.choice(PEOPLE + _pool(NAMES, split)[:6])
    aux, rest = rng.choice([("can", CAN_DO), ("will", WILL_DO), ("is", IS_LIKE)])
    rest = rng.choice(rest)
    return (
        _pick(rng, ASK["make_question"], split),
        f"{_cap(who)} {aux} {rest}.",
        f"{_cap(aux)} {who} {rest}?",
    )


def _t_list_category(rng: random.Random, split: str) -> Task:
    """Return a list-examples-of-a-category task (the input is empty)."""
    cat, n = rng.choice(list(CATEGORIES)), rng.choice([3, 4, 5])
    ask = _choose(rng, _half(ASK["list_category"], split), n=NUMBER_WORDS[n], cat=cat)
    return ask, "", ", ".join(rng.sample(CATEGORIES[cat], n))


def _t_first_last_word(rng: random.Random, split: str) -> Task:
    """Return a first-word or last-word task."""
    s = _sentence(rng, split)
    first = rng.random() < 0.5
    ask = _pick(rng, ASK["first_word" if first else "last_word"], split)
    return ask, s, s.rstrip(".").split()[0 if first else -1]


def _t_summarize(rng: random.Random, split: str) -> Task:
    """Return a summarize-in-one-sentence task over a short templated news item."""
    text, summary = rng.choice(_half(NEWS, split))
    g2 = rng.randint(0, 3)
    g1 = max(2, g2 + rng.randint(1, 2))  # the winner's goals, never "1 goals"
    town, day, n, name = (
        rng.choice(TOWNS),
        rng.choice(DAYS),
        rng.randint(2, 19),
        rng.choice(_pool(NAMES, split)),
    )
    slots = {"town": town, "day": day, "n": n, "g1": g1, "g2": g2, "name": name}
    return _pick(rng, ASK["summarize"], split), text.format(**slots), summary.format(**slots)


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
