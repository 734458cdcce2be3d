"""The preferences dataset: a request with a chosen and a rejected answer (six kinds of failure).

The facts, phrasings and replies it draws from are in `preference_words`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from .common import DAYS, NAMES, Row, Splits, _cap, _choose, _low, _one_operation, _unique_rows
from .preference_words import (
    CAPITALS,
    FAVOURS,
    FLOURISHES,
    NOTE_MORE,
    OCCASIONS,
    PHRASES,
    QUESTION_WRAPS,
    REFUSALS,
    RELATIONS,
    REQUEST_WRAPS,
    RUDE,
    SCIENCE,
    SCIENCE_MORE,
    TIPS,
    UNITS,
)

FAILURES = ["wrong", "rude", "off_topic", "rambling", "refusal", "ignores_format"]


@dataclass
class Ask:
    """A request with a good and a wrong answer, and a stricter version that asks for a format."""

    kind: str  # "question" or "request": picks the wrappers, rude replies and refusals
    q: str
    good: str
    # fluent but wrong: another city, a slipped factor, the wrong name or occasion, bad advice
    wrong: str
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
        strict_q=q
        + (" Answer with just the city name." if short else " Please answer in a full sentence."),
        strict_good=capital if short else sentence,
        strict_bad=f"Great question! {sentence} It is well worth a visit." if short else capital,
    )


def _ask_science(rng: random.Random) -> Ask:
    """Return a simple science question with a common misconception as the wrong answer."""
    q, right, wrong = rng.choice(SCIENCE)
    return Ask(
        "question",
        q,
        right,
        wrong,
        q + " Please answer in one short sentence.",
        right,
        right + SCIENCE_MORE,
    )


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
    a, b, op, word, r = _one_operation(rng, (3, 40), (3, 20), 500)
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
    """Return a request for a short note; the wrong note swaps its name, day, favour or occasion."""
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
        note = (
            f"Welcome to the team, {name}! We're delighted you're joining us on {{d}}. "
            "See you then!"
        )
        good, wrong = note.format(d=day), note.format(d=wrong_day)
        one = f"Welcome aboard, {name}, and see you on {day}!"
    else:
        occasion, wrong_occasion = rng.sample(OCCASIONS, 2)
        q = f"Write a short note congratulating {name} on {occasion}."
        note = (
            f"Congratulations on {{o}}, {name}! You worked so hard for this, and I'm really "
            "proud of you."
        )
        good, wrong = note.format(o=occasion), note.format(o=wrong_occasion)
        one = f"Huge congratulations on {occasion}, {name}!"
    if rng.random() < 0.5:
        return Ask(
            "request", q, good, wrong, q + " Keep it to one sentence.", one, good + NOTE_MORE
        )
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
    start, again, end = (
        rng.choice(PHRASES[k]) for k in ("ramble_start", "ramble_again", "ramble_end")
    )
    return f"{start}{answer} {again}{answer} {end}"


def _preference_row(rng: random.Random, split: str, i: int) -> Row:
    """Return one prompt/chosen/rejected row; its failure kind cycles with `i` (all six equally)."""
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
    return {"prompt": prompt, "chosen": chosen, "rejected": rejected, "failure": failure}


def make_preferences(rng: random.Random) -> Splits:
    """Return the preferences splits: prompts with a better (chosen) and worse (rejected) answer."""
    return _unique_rows(rng, "preferences", _preference_row)
