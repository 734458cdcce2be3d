"""The preferences dataset: a request with a chosen and a rejected answer (six kinds of failure).

The facts, phrasings and replies it draws from are in `preference_words`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from .common import (
    DAYS,
    NAMES,
    Row,
    Splits,
    _cap,
    _choose,
    _half,
    _low,
    _one_operation,
    _pick,
    _pool,
    _unique_rows,
)
from .preference_words import (
    CAPITALS,
    DEMANDS,
    EXTRA,
    FAVOURS,
    FLOURISHES,
    OCCASIONS,
    PHRASES,
    QUESTION_WRAPS,
    REFUSALS,
    RELATIONS,
    REQUEST_WRAPS,
    RUDE,
    SCIENCE,
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


def _ask_capital(rng: random.Random, split: str) -> Ask:
    """Return a capital-city question; the wrong answer names another big city of the country."""
    country, capital, other = _pick(rng, CAPITALS, split)
    q, answer = (
        _choose(rng, _half(PHRASES["capital_q"], split), c=country),
        _pick(rng, PHRASES["capital_a"], split),
    )
    sentence = f"The capital of {country} is {capital}."
    short = rng.random() < 0.5
    return Ask(
        kind="question",
        q=q,
        good=answer.format(c=country, x=capital),
        wrong=answer.format(c=country, x=other),
        strict_q=q + " " + str(_pick(rng, DEMANDS["name" if short else "sentence"], split)),
        strict_good=capital if short else sentence,
        strict_bad=f"Great question! {sentence} {_pick(rng, EXTRA['city'], split)}"
        if short
        else capital,
    )


def _ask_science(rng: random.Random, split: str) -> Ask:
    """Return a simple science question with a common misconception as the wrong answer."""
    q, right, wrong = _pick(rng, SCIENCE, split)
    return Ask(
        "question",
        q,
        right,
        wrong,
        q + " " + str(_pick(rng, DEMANDS["short"], split)),
        right,
        right + " " + str(_pick(rng, EXTRA["science"], split)),
    )


def _ask_units(rng: random.Random, split: str) -> Ask:
    """Return a unit-conversion question whose wrong answer uses a mistaken factor."""
    one, many, small, f, bad_f = _pick(rng, UNITS, split)
    n = rng.randint(2, 15)
    fill = {"n": n, "b": many, "s": small, "o": one}
    q, answer = (
        _cap(_choose(rng, _half(PHRASES["units_q"], split), **fill)),
        _pick(rng, PHRASES["units_a"], split),
    )
    working = PHRASES["units_a"][-1].format(m=n * f, f=f, **fill)
    short = rng.random() < 0.5
    return Ask(
        kind="question",
        q=q,
        good=answer.format(m=n * f, f=f, **fill),
        wrong=answer.format(m=n * bad_f, f=bad_f, **fill),
        strict_q=q + " " + str(_pick(rng, DEMANDS["number" if short else "working"], split)),
        strict_good=str(n * f) if short else working,
        strict_bad=f"Sure, happy to help! {n} {many} is {n * f} {small}." if short else str(n * f),
    )


def _ask_arithmetic(rng: random.Random, split: str) -> Ask:
    """Return an arithmetic question whose wrong answer is off by a little."""
    a, b, op, word, r = _one_operation(rng, (3, 40), (3, 20), 500)
    fill = {"a": a, "b": b, "op": op, "w": word}
    q, answer = (
        _choose(rng, _half(PHRASES["sum_q"], split), **fill),
        _pick(rng, PHRASES["sum_a"], split),
    )
    short = rng.random() < 0.5
    return Ask(
        kind="question",
        q=q,
        good=answer.format(r=r, **fill),
        wrong=answer.format(r=r + rng.choice([-10, -2, -1, 1, 2, 10]), **fill),
        strict_q=q + " " + str(_pick(rng, DEMANDS["number" if short else "working"], split)),
        strict_good=str(r) if short else f"{a} {op} {b} = {r}",
        strict_bad=f"Sure, let me work that out for you: {a} {op} {b} = {r}." if short else str(r),
    )


def _ask_note(rng: random.Random, split: str) -> Ask:
    """Return a request for a short note; the wrong note swaps its name, day, favour or occasion."""
    name, other, me = rng.sample(_pool(NAMES, split), 3)
    kind = rng.randrange(4)
    if kind == 0:
        favour, wrong_favour = rng.sample(FAVOURS, 2)
        q = f"Write a short thank-you note to {name} for {favour}."
        note = _pick(
            rng,
            [
                f"Dear {name}, thank you so much for {{x}}. It really meant a lot to me.",
                f"Hi {name}, just a quick note to say a big thank you for {{x}}. You're a star!",
            ],
            split,
        )
        good, wrong = note.format(x=favour), note.format(x=wrong_favour)
        one = f"Thank you so much for {favour}, {name}; it meant a lot to me."
    elif kind == 1:
        q = f"Write a short birthday message for my {_pick(rng, RELATIONS, split)}, {name}."
        good = _pick(
            rng,
            [
                f"Happy birthday, {name}! Wishing you a wonderful year full of laughter and joy.",
                f"Happy birthday, {name}! I hope your day is as lovely as you are.",
            ],
            split,
        )
        wrong = good.replace(name, other)
        one = f"Happy birthday, {name}, and I hope the year ahead brings you lots of joy!"
    elif kind == 2:
        day, wrong_day = rng.sample(DAYS[:5], 2)
        q = f"Write a short welcome message for {name}, who is joining our team on {day}."
        note = _pick(
            rng,
            [
                f"Welcome to the team, {name}! We're delighted you're joining us on {{d}}. "
                "See you then!",
                f"Welcome aboard, {name}! Everyone is looking forward to {{d}}, your first day. "
                "See you soon!",
            ],
            split,
        )
        good, wrong = note.format(d=day), note.format(d=wrong_day)
        one = f"Welcome aboard, {name}, and see you on {day}!"
    else:
        occasion, wrong_occasion = rng.sample(OCCASIONS, 2)
        q = f"Write a short note congratulating {name} on {occasion}."
        note = _pick(
            rng,
            [
                f"Congratulations on {{o}}, {name}! You worked so hard for this, and I'm really "
                "proud of you.",
                f"Well done on {{o}}, {name}! All that effort has paid off, and you deserve "
                "every bit of it.",
            ],
            split,
        )
        good, wrong = note.format(o=occasion), note.format(o=wrong_occasion)
        one = f"Huge congratulations on {occasion}, {name}!"
    if rng.random() < 0.5:
        return Ask(
            "request",
            q,
            good,
            wrong,
            q + " " + str(_pick(rng, DEMANDS["one"], split)),
            one,
            good + " " + str(_pick(rng, EXTRA["note"], split)),
        )
    signed = f"{good}\n\nBest wishes,\n{me}"
    return Ask("request", q, good, wrong, q[:-1] + f" and sign it from me, {me}.", signed, good)


def _ask_tip(rng: random.Random, split: str) -> Ask:
    """Return a request for an everyday tip; the wrong answer is bad advice."""
    topic = _pick(rng, list(TIPS), split)
    tips, bad = _half(TIPS[topic][0], split), TIPS[topic][1]
    tip, lead = rng.choice(tips), _pick(rng, PHRASES["tip_a"], split)
    return Ask(
        kind="request",
        q=_choose(rng, _half(PHRASES["tip_q"], split), x=topic),
        good=lead.format(t=tip, tl=_low(tip)),
        wrong=lead.format(t=bad, tl=_low(bad)),
        strict_q=f"Give me two tips for {topic}, as a numbered list.",
        strict_good="\n".join(f"{k + 1}. {t}" for k, t in enumerate(rng.sample(tips, 2))),
        strict_bad=f"The best advice I can give is simple: {_low(tip)}",
    )


ASKS: list[Callable[[random.Random, str], Ask]] = [
    _ask_capital,
    _ask_science,
    _ask_units,
    _ask_arithmetic,
    _ask_note,
    _ask_tip,
]


def _ramble(rng: random.Random, answer: str, split: str) -> str:
    """Return `answer` padded with filler and said twice."""
    start, again, end = (
        _pick(rng, PHRASES[k], split) for k in ("ramble_start", "ramble_again", "ramble_end")
    )
    return f"{start}{answer} {again}{answer} {end}"


def _preference_row(rng: random.Random, split: str, i: int) -> Row:
    """Return one prompt/chosen/rejected row; its failure kind cycles with `i` (all six equally)."""
    failure = FAILURES[i % len(FAILURES)]
    make = rng.choice(ASKS)
    ask = make(rng, split)
    q = ask.strict_q if failure == "ignores_format" else ask.q
    wrap = _pick(rng, QUESTION_WRAPS if ask.kind == "question" else REQUEST_WRAPS, split)
    prompt = wrap.format(q=q, ql=_low(q))
    before, after = _pick(rng, FLOURISHES[ask.kind], split) if rng.random() < 0.3 else ("", "")
    chosen = f"{before}{ask.good}{after}"
    if failure == "wrong":  # the same wording around a wrong fact
        rejected = f"{before}{ask.wrong}{after}"
    elif failure == "rude":
        rejected = _pick(rng, RUDE[ask.kind], split).format(a=ask.good)
    elif failure == "off_topic":  # a good answer to some other kind of request
        rejected = rng.choice([a for a in ASKS if a is not make])(rng, split).good
    elif failure == "rambling":
        rejected = _ramble(rng, ask.good, split)
    elif failure == "refusal":
        rejected = _pick(rng, REFUSALS[ask.kind], split)
    else:
        chosen, rejected = ask.strict_good, ask.strict_bad
    return {"prompt": prompt, "chosen": chosen, "rejected": rejected, "failure": failure}


def make_preferences(rng: random.Random) -> Splits:
    """Return the preferences splits: prompts with a better (chosen) and worse (rejected) answer."""
    return _unique_rows(rng, "preferences", _preference_row)
