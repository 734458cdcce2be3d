"""In-context learning: few-shot prompt builders, demonstration selectors and label-word scoring."""

from __future__ import annotations

import random
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from tqdm.auto import tqdm
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from .errors import CourseError
from .generation import (
    DEFAULT_BATCH,
    chat_text,
    expanded_cache,
    prefix_cache,
    shared_prefix_length,
)


@dataclass(frozen=True)
class Template:
    """How one (input, output) example is written in a prompt; the query is the example cut before
    its output."""

    name: str  # short name for tables
    # one demonstration; {input} and {output} are filled in
    example: str = "Review: {input}\nSentiment: {output}"
    separator: str = "\n\n"  # between the instruction, the demonstrations and the query

    @property
    def query(self) -> str:
        """Return the example template cut just before {output} (trailing spaces removed): the
        query's form."""
        if "{output}" not in self.example or "{input}" not in self.example:
            raise CourseError(
                f"Template '{self.name}' needs both {{input}} and {{output}} in its example: "
                f"{self.example!r}."
            )
        return self.example.split("{output}")[0].rstrip(" ")


TEMPLATES: dict[str, Template] = {
    "review": Template("review"),
    "text/label": Template("text/label", "Text: {input}\nLabel: {output}"),
    "sentence": Template("sentence", "{input} All in all, it was {output}", separator="\n"),
}
INSTRUCTION = "Classify the sentiment of each review as positive or negative."
LABEL_WORDS: dict[str, dict[str, str]] = {  # label -> the word the model reads and writes for it
    "positive/negative": {"positive": "positive", "negative": "negative"},
    "great/terrible": {"positive": "great", "negative": "terrible"},
    "good/bad": {"positive": "good", "negative": "bad"},
}


def build_prompt(
    query: str,
    demos: Sequence[tuple[str, str]],
    template: Template = TEMPLATES["review"],
    instruction: str | None = None,
) -> str:
    """Return the few-shot prompt: the instruction, each (input, output) demonstration, then the
    unanswered query."""
    parts = [instruction] if instruction else []
    parts += [template.example.format(input=x, output=y) for x, y in demos]
    parts.append(template.query.format(input=query))
    return template.separator.join(parts)


# --- demonstration selection -----------------------------------------------------------------


def check_k(k: int, available: int, what: str) -> None:
    """Raise CourseError unless 0 <= k <= available."""
    if k < 0:
        raise CourseError(f"k={k}: the number of demonstrations must be 0 or more.")
    if k > available:
        raise CourseError(
            f"k={k} demonstrations requested but only {available} {what} can be chosen; lower k or "
            "pass a larger pool."
        )


def select_random(pool_size: int, k: int, seed: int = 0, exclude: Sequence[int] = ()) -> list[int]:
    """Return k distinct pool indices drawn at random (in random order), never one in `exclude`."""
    allowed = [i for i in range(pool_size) if i not in set(exclude)]
    check_k(k, len(allowed), "pool examples")
    return random.Random(seed).sample(allowed, k)


def select_balanced(
    labels: Sequence[str], k: int, seed: int = 0, exclude: Sequence[int] = ()
) -> list[int]:
    """Return k pool indices with the labels as even as possible (k // classes each, the rest at
    random), shuffled."""
    rng = random.Random(seed)
    skip = set(exclude)
    classes = sorted(set(labels))
    by_label = {
        c: [i for i, lab in enumerate(labels) if lab == c and i not in skip] for c in classes
    }
    extra = set(rng.sample(classes, k % len(classes))) if classes else set()
    chosen = []
    for c in classes:
        want = k // len(classes) + (c in extra)
        check_k(want, len(by_label[c]), f"pool examples labelled '{c}'")
        chosen += rng.sample(by_label[c], want)
    rng.shuffle(chosen)
    return chosen


def select_nearest(
    query_emb: torch.Tensor,
    pool_emb: torch.Tensor,
    k: int,
    exclude: Sequence[Sequence[int]] | None = None,
) -> list[list[int]]:
    """Return, per query, the k pool indices with the highest cosine similarity, most similar LAST
    (next to the query).

    query_emb: (queries, dim); pool_emb: (pool, dim); exclude[q]: pool indices query q must not get
    (e.g. itself).
    """
    check_k(
        k,
        pool_emb.shape[0] - max((len(e) for e in exclude), default=0)
        if exclude
        else pool_emb.shape[0],
        "pool examples",
    )
    q = torch.nn.functional.normalize(query_emb.float(), dim=-1)
    p = torch.nn.functional.normalize(pool_emb.float(), dim=-1)
    sims = q @ p.T
    for row, skip in enumerate(exclude or []):
        sims[row, list(skip)] = -torch.inf
    top = sims.topk(k, dim=-1, sorted=True).indices  # most similar first
    return [row.flip(0).tolist() for row in top]


# --- scoring by the label words' next-token probabilities ---------------------------------------


def label_token_ids(
    tokenizer: PreTrainedTokenizerBase, words: Sequence[str], space: bool = True
) -> list[int]:
    """Return the id of the first token of each label word as it follows the prompt (with a leading
    space by default)."""
    ids = [
        tokenizer((" " if space else "") + w, add_special_tokens=False).input_ids[0] for w in words
    ]
    if len(set(ids)) < len(ids):
        clash = [w for w, i in zip(words, ids) if ids.count(i) > 1]
        raise CourseError(
            f"The label words {clash} start with the same token, so their next-token probabilities "
            "cannot tell them "
            "apart. Choose label words whose first tokens differ (e.g. 'positive'/'negative', "
            "'great'/'terrible')."
        )
    return ids


@torch.no_grad()
def next_token_logprobs(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    prompts: Sequence[str],
    *,
    chat: bool = False,
    batch_size: int | None = None,
    progress: bool = True,
) -> torch.Tensor:
    """Return a (prompts, vocabulary) tensor: log-probabilities of the next token after each prompt.

    One forward pass per batch of left-padded prompts. The tokens every prompt shares at the start
    (the instruction and fixed demonstrations) are run once and reused through the KV cache, so a
    few-shot prompt costs little more than its query. chat=True wraps each prompt as one user turn,
    as generate() does.
    """
    if isinstance(prompts, str) or not prompts:
        raise CourseError(
            "next_token_logprobs() takes a non-empty list of prompts; wrap a single prompt in a "
            "list."
        )
    batch_size = batch_size or DEFAULT_BATCH
    texts = [chat_text(tokenizer, p) if chat else p for p in prompts]
    ids = [tokenizer(t, add_special_tokens=not chat).input_ids for t in texts]
    shared = shared_prefix_length(ids)
    device = model.device
    prefix = prefix_cache(model, ids[0][:shared]) if shared else None
    out = torch.empty(len(ids), model.config.vocab_size)
    # similar lengths share a batch: little padding
    order = sorted(range(len(ids)), key=lambda i: -len(ids[i]))
    batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    for batch in tqdm(
        batches, desc="scoring", disable=not progress or len(batches) < 2, leave=False
    ):
        rest = [ids[i][shared:] for i in batch]
        width = max(len(r) for r in rest)
        input_ids = torch.tensor([[pad] * (width - len(r)) + r for r in rest], device=device)
        mask = torch.tensor([[0] * (width - len(r)) + [1] * len(r) for r in rest], device=device)
        # real tokens continue after the prefix
        positions = (shared + mask.cumsum(-1) - 1).clamp(min=shared)
        cache = None
        if prefix is not None:
            cache = expanded_cache(prefix, len(batch))
            mask = torch.cat(
                [torch.ones(len(batch), shared, dtype=mask.dtype, device=device), mask], dim=1
            )
        logits = model(
            input_ids=input_ids,
            attention_mask=mask,
            position_ids=positions,
            past_key_values=cache,
            logits_to_keep=1,
        ).logits[:, -1]
        out[batch] = torch.log_softmax(logits.float(), dim=-1).cpu()
    return out


def prompt_tokens(
    tokenizer: PreTrainedTokenizerBase, prompts: Sequence[str], chat: bool = False
) -> list[int]:
    """Return the number of tokens of each prompt as the model reads it (with the chat template if
    chat=True)."""
    texts = [chat_text(tokenizer, p) if chat else p for p in prompts]
    return [len(tokenizer(t, add_special_tokens=not chat).input_ids) for t in texts]


def parse_label(text: str, words: dict[str, str]) -> str | None:
    """Return the label whose word the generated text starts with (or, failing that, the only one it
    contains), else None."""
    clean = text.strip().lower()
    for label, word in words.items():
        if clean.startswith(word.lower()):
            return label
    found = [label for label, word in words.items() if word.lower() in clean]
    return found[0] if len(found) == 1 else None


def mean_std(values: Sequence[float]) -> tuple[float, float]:
    """Return (mean, sample standard deviation) of the values; the std is 0.0 for a single value."""
    if not values:
        raise CourseError("mean_std() got no values.")
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


# --- one in-context evaluation, as the sweeps of lesson 01 run it -------------------------------


@dataclass(frozen=True)
class ICLSetting:
    """One way of prompting the frozen model for classification."""

    k: int = 0  # demonstrations in the prompt
    # "random" | "balanced" (one demo set per seed) | "nearest" (per query, by embedding)
    selection: str = "random"
    seed: int = 0  # which demonstrations (random, balanced) and their order
    template: str = "review"  # key of TEMPLATES
    words: str = "positive/negative"  # key of LABEL_WORDS
    instruction: bool = True  # start the prompt with INSTRUCTION
    # wrap the prompt in the chat template (one user turn) instead of continuing raw text
    chat: bool = False


def build_prompts(
    setting: ICLSetting,
    queries: Sequence[str],
    pool_texts: Sequence[str],
    pool_labels: Sequence[str],
    neighbours: Sequence[Sequence[int]] | None = None,
) -> list[str]:
    """Return one prompt per query for `setting`, demonstrations drawn from the pool (neighbours[q]
    for 'nearest')."""
    if setting.selection == "random":
        shared = select_random(len(pool_texts), setting.k, setting.seed)
    elif setting.selection == "balanced":
        shared = select_balanced(pool_labels, setting.k, setting.seed)
    elif setting.selection == "nearest":
        if neighbours is None or len(neighbours) != len(queries):
            raise CourseError(
                "selection='nearest' needs neighbours: one list of pool indices per query "
                "(select_nearest())."
            )
        shared = None
    else:
        raise CourseError(
            f"Unknown selection '{setting.selection}': use 'random', 'balanced' or 'nearest'."
        )
    words = LABEL_WORDS[setting.words]
    template = TEMPLATES[setting.template]
    instruction = (
        INSTRUCTION.replace("positive or negative", " or ".join(words.values()))
        if setting.instruction
        else None
    )
    prompts = []
    for q, query in enumerate(queries):
        chosen = (
            shared if shared is not None else list(neighbours[q])[-setting.k :] if setting.k else []
        )
        demos = [(pool_texts[i], words[pool_labels[i]]) for i in chosen]
        prompts.append(build_prompt(query, demos, template, instruction))
    return prompts


def evaluate_setting(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    setting: ICLSetting,
    queries: Sequence[str],
    labels: Sequence[str],
    pool_texts: Sequence[str],
    pool_labels: Sequence[str],
    neighbours: Sequence[Sequence[int]] | None = None,
    batch_size: int | None = None,
) -> dict[str, float]:
    """Return {'accuracy', 'prompt_tokens' (mean per query), 'correct' (1/0 per query, for
    stats.interval and stats.compare)} of label-word scoring under `setting`."""
    prompts = build_prompts(setting, queries, pool_texts, pool_labels, neighbours)
    words = LABEL_WORDS[setting.words]
    classes = list(words)
    ids = label_token_ids(tokenizer, list(words.values()), space=not setting.chat)
    logprobs = next_token_logprobs(
        model, tokenizer, prompts, chat=setting.chat, batch_size=batch_size, progress=False
    )
    predicted = [classes[j] for j in logprobs[:, ids].argmax(-1).tolist()]
    correct = [int(p == y) for p, y in zip(predicted, labels)]
    return {
        "accuracy": sum(correct) / len(labels),
        "prompt_tokens": statistics.fmean(prompt_tokens(tokenizer, prompts, setting.chat)),
        "correct": correct,
    }
