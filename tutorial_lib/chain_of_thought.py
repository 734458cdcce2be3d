"""Chain of thought: prompt builders, majority vote, self-consistency, Auto-CoT demos and a small
tree-of-thought search.

Prompts follow Kojima et al. (2022): plain "Q: ... / A: ..." text that the model continues
(generate(..., chat=False)).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from .errors import CourseError
from .generation import Generations, generate, left_padded
from .metrics import accuracy, first_number, stated_answer

TRIGGER = "Let's think step by step."  # Kojima et al.: phase 1, reasoning extraction
# Kojima et al.: phase 2, answer extraction
ANSWER_TRIGGER = "Therefore, the answer (arabic numerals) is"
STOP = ["\nQ:"]  # a continuing model goes on to invent the next question: generation stops there
# a line that starts a new turn ("Q:", "A:", "B:", ...): the model has stopped answering and invents
INVENTED_TURN = re.compile(r"\n\s*[A-Z]:")


@dataclass(frozen=True)
class CoTConfig:
    """The lesson's settings; a profile changes them through its sizes, never the code path."""

    answer_tokens: int  # new tokens for a direct answer and for phase-2 answer extraction
    cot_tokens: int  # new tokens for one reasoning path
    n_demos: int  # demonstrations in few-shot prompts (also the number of Auto-CoT clusters)
    sc_samples: tuple[int, ...]  # the N values of the self-consistency curve, ascending
    temperature: float  # sampling temperature of self-consistency paths
    tot_problems: int  # problems the tree-of-thought search runs on
    tot_proposals: int  # next steps proposed per kept state
    tot_breadth: int  # b: states kept per level
    tot_depth: int  # levels (reasoning steps) of the search
    step_tokens: int  # new tokens for one proposed step


def direct_prompt(question: str) -> str:
    """Return the direct-answer prompt: the answer comes right after the question, no reasoning."""
    return f"Q: {question}\nA: The answer is"


def demo_block(demos: Sequence[tuple[str, str]]) -> str:
    """Return (question, rationale) demonstrations as 'Q: ...\\nA: ...' blocks separated by blank
    lines."""
    return "".join(f"Q: {q}\nA: {r}\n\n" for q, r in demos)


def few_shot_cot_prompt(question: str, demos: Sequence[tuple[str, str]]) -> str:
    """Return the few-shot chain-of-thought prompt: worked demos, then the question."""
    if not demos:
        raise CourseError(
            "few_shot_cot_prompt() needs at least one (question, rationale) demo; use "
            "direct_prompt() for none."
        )
    return f"{demo_block(demos)}Q: {question}\nA:"


def zero_shot_cot_prompt(question: str) -> str:
    """Return Kojima's phase-1 prompt: the question, then 'Let's think step by step.'."""
    return f"Q: {question}\nA: {TRIGGER}"


def first_answer(text: str) -> str:
    """Return the model's own answer: `text` cut before the first invented turn, a line starting
    with a one-letter speaker tag ('Q:', 'A:', 'B:'; a continuing model often goes on so)."""
    return INVENTED_TURN.split(text, maxsplit=1)[0].strip()


def majority_vote(answers: Sequence[int | None]) -> int | None:
    """Return the most common non-None answer; ties go to the answer seen first; None if every
    answer is None."""
    counts = Counter(a for a in answers if a is not None)
    if not counts:
        return None
    best = max(counts.values())
    return next(a for a in answers if a is not None and counts[a] == best)


READINGS = ("stated", "first number")  # how a method's answer is read from its own turn


def answers_of(texts: Sequence[str], reading: str = "stated") -> list[int | None]:
    """Return each generated text's integer answer, read from the model's own turn (first_answer),
    as the method defines it; None where it gives none (unparseable).

    reading="stated": the number after the first "the answer is" (a chain of thought ends so);
    reading="first number": the first number (a prompt that ends by asking for the answer: the
    direct "The answer is" prompt, Kojima's answer-extraction prompt).
    """
    if reading not in READINGS:
        raise CourseError(f"Unknown reading {reading!r}: use one of {READINGS}.")
    read = stated_answer if reading == "stated" else first_number
    return [read(first_answer(t)) for t in texts]


def sample_repeats(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    prompts: Sequence[str],
    n: int,
    cfg: CoTConfig,
    max_new_tokens: int,
    stop: list[str],
    seed: int = 0,
    progress: bool = True,
) -> Generations:
    """Return n sampled continuations of each prompt, grouped by prompt, from ONE batched generate
    call."""
    return generate(
        model,
        tokenizer,
        [p for p in prompts for _ in range(n)],
        chat=False,
        do_sample=True,
        temperature=cfg.temperature,
        max_new_tokens=max_new_tokens,
        stop=stop,
        seed=seed,
        progress=progress,
    )


def self_consistency(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    prompts: Sequence[str],
    n: int,
    cfg: CoTConfig,
    seed: int = 0,
) -> tuple[list[list[int | None]], Generations]:
    """Return (per-prompt lists of n sampled answers, the generations): each prompt repeated n times
    in ONE call."""
    if n < 1:
        raise CourseError(f"self-consistency needs n >= 1 sampled paths per question (got n={n}).")
    outs = sample_repeats(model, tokenizer, prompts, n, cfg, cfg.cot_tokens, STOP, seed)
    answers = answers_of(outs)
    return [answers[i * n : (i + 1) * n] for i in range(len(prompts))], outs


def vote_accuracy(samples: Sequence[Sequence[int | None]], gold: Sequence[int], n: int) -> float:
    """Return the accuracy of the majority vote over the first n samples of each question."""
    if n < 1 or any(len(s) < n for s in samples):
        raise CourseError(f"vote_accuracy() needs 1 <= n <= the samples per question (got n={n}).")
    return accuracy([majority_vote(s[:n]) for s in samples], gold)


def nearest_to_centroids(
    embeddings: np.ndarray, centroids: np.ndarray, labels: np.ndarray
) -> list[list[int]]:
    """Return, per cluster, the indices of its members ordered from nearest to farthest from its
    centroid."""
    order = []
    for c in range(len(centroids)):
        members = np.flatnonzero(labels == c)
        dist = np.linalg.norm(embeddings[members] - centroids[c], axis=1)
        order.append([int(members[i]) for i in np.argsort(dist, kind="stable")])
    return order


def cluster_questions(embeddings: np.ndarray, k: int, seed: int = 0) -> list[list[int]]:
    """Return k clusters of question indices (k-means), each ordered by distance to its centroid."""
    if not 1 <= k <= len(embeddings):
        raise CourseError(
            f"Auto-CoT needs 1 <= clusters <= questions (got {k} clusters for {len(embeddings)} "
            "questions)."
        )
    from sklearn.cluster import KMeans

    km = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(embeddings)
    return nearest_to_centroids(embeddings, km.cluster_centers_, km.labels_)


def keep_demo(
    question: str, rationale: str, max_question_words: int = 60, max_steps: int = 5
) -> bool:
    """Return True if an Auto-CoT demo passes the paper's heuristics: a short question, few steps,
    and a complete rationale: no invented turn, and "the answer is N" stated by the model itself."""
    steps = [s for s in rationale.split("\n") if s.strip()]
    return (
        len(question.split()) <= max_question_words
        and len(steps) <= max_steps
        and first_answer(rationale) == rationale.strip()  # no invented turn inside
        and stated_answer(rationale) is not None  # complete: it states its answer
    )


def auto_cot_demos(
    questions: Sequence[str], clusters: Sequence[Sequence[int]], rationales: dict[int, str]
) -> list[tuple[str, str]]:
    """Return one (question, rationale) demo per cluster: its nearest-to-centroid member that passes
    keep_demo()."""
    demos = []
    for members in clusters:
        for i in members:
            if i in rationales and keep_demo(questions[i], rationales[i]):
                demos.append((questions[i], rationales[i]))
                break
    return demos


def zero_shot_rationale(reasoning: str) -> str:
    """Return an Auto-CoT rationale: the trigger and the model's own phase-1 reasoning (cut at an
    invented turn). Nothing is added: a reasoning that stops before stating "the answer is N"
    (cut by the token limit, say) stays without one, and keep_demo() drops it."""
    return f"{TRIGGER} {first_answer(reasoning)}"


@dataclass
class SearchCost:
    """What a search spent: batched model calls (generate batches, scoring forward passes), and
    tokens."""

    calls: int = 0  # batched model calls (generate batches + scoring batches), not prompts
    prompt_tokens: int = 0  # prompt tokens fed to the model
    new_tokens: int = 0  # tokens generated
    seconds: float = 0.0  # wall time of the generate calls (0 where not measured)


def total_cost(*parts: Generations | SearchCost) -> SearchCost:
    """Return the summed calls, tokens and seconds of several generate() results or search costs."""
    return SearchCost(
        sum(p.calls for p in parts),
        sum(p.prompt_tokens for p in parts),
        sum(p.new_tokens for p in parts),
        sum(getattr(p, "seconds", 0.0) for p in parts),
    )


def tree_of_thought(
    roots: Sequence[str],
    propose: Callable[[list[str]], tuple[list[list[str]], SearchCost]],
    score: Callable[[list[str]], tuple[list[float], SearchCost]],
    breadth: int,
    depth: int,
) -> tuple[list[list[str]], SearchCost]:
    """Return (the `breadth` best states per root after `depth` levels, the total cost) of a
    beam-style ToT search.

    propose(states) -> (next steps for each state, cost): ONE batched call for the whole level.
    score(states) -> (a value per state, higher is better, cost): ONE batched call for the whole
    level.
    """
    if breadth < 1 or depth < 1:
        raise CourseError(
            f"tree_of_thought() needs breadth >= 1 and depth >= 1 (got breadth={breadth}, "
            f"depth={depth})."
        )
    beams = [[r] for r in roots]
    total = SearchCost()
    for _ in range(depth):
        flat = [s for beam in beams for s in beam]
        steps, cost = propose(flat)
        children, owner = [], []
        for (b, beam), start in zip(enumerate(beams), np.cumsum([0] + [len(x) for x in beams])):
            for j in range(len(beam)):
                for step in steps[start + j]:
                    children.append(f"{beam[j]} {step.strip()}")
                    owner.append(b)
        values, cost2 = score(children)
        total = total_cost(total, cost, cost2)
        for b in range(len(beams)):  # keep-best-b: the states of this root with the highest value
            mine = sorted((i for i, o in enumerate(owner) if o == b), key=lambda i: -values[i])
            beams[b] = [children[i] for i in mine[:breadth]] or beams[b]
    return beams, total


VALUE_PROMPT = "\nIs the reasoning so far correct? Answer sure, likely or impossible:"
# Yao et al.'s value labels and their worth
VALUE_WORDS = {" sure": 1.0, " likely": 0.5, " impossible": 0.0}


def first_step(text: str) -> str:
    """Return the first non-empty line of a generated continuation: one reasoning step."""
    return next((line.strip() for line in text.split("\n") if line.strip()), "")


def propose_steps(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    states: list[str],
    k: int,
    cfg: CoTConfig,
    seed: int = 0,
) -> tuple[list[list[str]], SearchCost]:
    """Return (k sampled next steps per state, cost): every state repeated k times in ONE batched
    generate call."""
    # a step is a line
    outs = sample_repeats(
        model, tokenizer, states, k, cfg, cfg.step_tokens, ["\n"], seed, progress=False
    )
    steps = [first_step(o) for o in outs]
    return [steps[i * k : (i + 1) * k] for i in range(len(states))], total_cost(outs)


@torch.no_grad()
def value_scores(
    model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, states: list[str]
) -> tuple[list[float], SearchCost]:
    """Return (expected value of each state under the model's sure/likely/impossible distribution,
    cost): one forward pass."""
    enc = left_padded(tokenizer, [s + VALUE_PROMPT for s in states], model.device)
    logits = model(**enc).logits[:, -1].float()
    ids = [tokenizer(w, add_special_tokens=False).input_ids[0] for w in VALUE_WORDS]
    probs = torch.softmax(logits[:, ids], dim=-1)  # renormalised over the three labels
    values = probs @ torch.tensor(list(VALUE_WORDS.values()), device=probs.device)
    return values.tolist(), SearchCost(1, int(enc["attention_mask"].sum()), 0)


def result_row(
    method: str,
    predictions: Sequence[int | None],
    gold: Sequence[int],
    cost: Generations | SearchCost,
) -> dict:
    """Return one table row: method, accuracy, unparseable answers (None), batched model calls,
    prompt tokens, new tokens (and seconds when measured)."""
    return {
        "method": method,
        "accuracy": round(accuracy(list(predictions), list(gold)), 3),
        "unparseable": sum(p is None for p in predictions),
        "batches": cost.calls,
        "prompt tokens": cost.prompt_tokens,
        "new tokens": cost.new_tokens,
        "seconds": round(cost.seconds, 1),
    }
