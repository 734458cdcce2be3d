"""The dialogsum dataset: two-person dialogues in the DialogSum format, with summaries.

A dialogue is one of fourteen everyday scenarios (`dialog_scenes`) with small talk and
digressions around and inside it (`dialog_talk`) and some longer turns; a long-tailed
"talkativeness" sets how much, so lengths run from short exchanges to a few long dialogues.
The summary states the scenario's key slots and names only the digressions that took two or
more exchanges. Test rows carry three differently phrased references (`references`), like
DialogSum's test split (Chen et al., 2021); `summary` is the first of them.
"""

from __future__ import annotations

import random

from .common import NAMES, Row, Splits, _cap, _half, _pool, _unique_rows
from .dialog_scenes import DIALOGS
from .dialog_talk import FILLERS, MENTIONS, TOPICS

Turns = list[str]


def _fill_slots(rng: random.Random, slots: dict, split: str) -> dict[str, str]:
    """Return one value per slot (dict values merged in; lists of four or more values split
    between train and test), plus names and capitalised `{Slot}` variants."""
    name, name2 = rng.sample(_pool(NAMES, split), 2)
    out: dict[str, str] = {"name": name, "name2": name2}
    for key, values in slots.items():
        value = rng.choice(_half(values, split) if len(values) >= 4 else values)
        out.update(value if isinstance(value, dict) else {key: value})
    out.update({_cap(k): _cap(v) for k, v in list(out.items())})
    return out


def _digression(rng: random.Random, split: str, topic: str, exchanges: int) -> Turns:
    """Return 2 * `exchanges` turns of small talk on `topic`: questions with their answers,
    none repeated (at most as many as the split's half of the topic holds)."""
    _, questions, answers = TOPICS[topic]
    pairs = _half(list(zip(questions, answers, strict=True)), split)
    picked = rng.sample(pairs, min(exchanges, len(pairs)))
    return [line for pair in picked for line in pair]


def _core(rng: random.Random, split: str, scene: dict) -> Turns:
    """Return the scenario's own turns (optional exchanges in train only)."""
    lines: Turns = []
    for turn in scene["turns"]:
        if isinstance(turn, tuple):
            if split == "train" and rng.random() < 0.5:
                lines += list(turn)
        else:
            lines.append(rng.choice(_half(turn, split)))
    return lines


def _talk(rng: random.Random, split: str, core: Turns) -> tuple[Turns, list[str]]:
    """Return `core` with digressions inserted at even positions (so speakers still alternate)
    and some turns made longer, and the topics that took two or more exchanges."""
    talkative = rng.lognormvariate(0.0, 0.62)
    n_exchanges = min(16, int(2.8 * talkative))
    topics = rng.sample(list(TOPICS), len(TOPICS))
    blocks: list[Turns] = []
    mentioned: list[str] = []
    while n_exchanges > 0 and topics:
        size = min(n_exchanges, rng.choice([1, 2, 2]))
        topic = topics.pop()
        blocks.append(_digression(rng, split, topic, size))
        n_exchanges -= len(blocks[-1]) // 2
        if len(blocks[-1]) >= 4 and len(mentioned) < 2:  # a summary names two at most
            mentioned.append(topic)
    fillers = _half(FILLERS, split)
    p_long = min(0.6, 0.12 * talkative)
    core = [f"{rng.choice(fillers)} {line}" if rng.random() < p_long else line for line in core]
    lines = list(core)
    for block in blocks:  # the first block usually opens the dialogue, as greetings do
        at = 0 if not mentioned and rng.random() < 0.3 else rng.randrange(0, len(lines) + 1, 2)
        lines[at:at] = block
    return lines, mentioned


def _summaries(rng: random.Random, split: str, scene: dict, slots: dict, topics: list[str],
               n: int) -> list[str]:
    """Return `n` differently phrased summaries: the scenario's key slots, then a sentence
    naming each long digression."""
    phrasings = rng.sample(scene["summaries"], n)
    mentions = _half(MENTIONS, split)
    out = []
    for k, phrasing in enumerate(phrasings):
        extra = [mentions[(k + j) % len(mentions)].format(topic=TOPICS[t][0])
                 for j, t in enumerate(topics)]
        out.append(" ".join([phrasing.format(**slots), *extra]))
    return out


def _dialog_row(rng: random.Random, split: str, i: int) -> Row:
    """Return one dialogue ('#PersonN#: ...' lines) with its summary (three in test)."""
    scene = rng.choice(DIALOGS)
    slots = _fill_slots(rng, scene["slots"], split)
    lines, topics = _talk(rng, split, _core(rng, split, scene))
    dialogue = "\n".join(
        f"#Person{k % 2 + 1}#: {line.format(**slots)}" for k, line in enumerate(lines)
    )
    if split == "train":
        return {"dialogue": dialogue, "summary": _summaries(rng, split, scene, slots, topics, 1)[0]}
    references = _summaries(rng, split, scene, slots, topics, 3)
    return {"dialogue": dialogue, "summary": references[0], "references": references}


def make_dialogsum(rng: random.Random) -> Splits:
    """Return the dialogsum splits: long-tailed two-person dialogues with summaries."""
    return _unique_rows(rng, "dialogsum", _dialog_row)
