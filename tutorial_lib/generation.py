"""Batched generation: left padding, the chat template, greedy or sampled, with a progress bar."""

from __future__ import annotations

import copy
import time
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm
from transformers import (
    BatchEncoding,
    Cache,
    DynamicCache,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)

from .errors import CourseError
from .models import adapter_config

DEFAULT_BATCH = 8  # prompts per batch when the caller passes none (lessons pass their plan's)
DEFAULT_NEW_TOKENS = 64  # new tokens per answer when the caller passes none
MIN_SHARED_PREFIX = 64  # shared leading tokens before generate() caches them: below, the cache
# copies cost about what they save (bench generation: 0.93x the plain batch at 24 shared tokens)
ROW_PREFILL_PADDING = 0.5  # padding, as a share of a batch's real prompt tokens, from which a CPU
# reads the prompts one row at a time (16 dialogues of 107-503 tokens: 2x faster, 0.98 padding); a
# GPU computes the pads in parallel, where rows read one by one would leave it idle

Prompt = str | list[dict[str, str]]  # plain text, or chat messages [{"role": ..., "content": ...}]


def left_padded(
    tokenizer: PreTrainedTokenizerBase,
    texts: Sequence[str],
    device: torch.device | str,
    add_special_tokens: bool = True,
) -> BatchEncoding:
    """Return `texts` tokenised as one batch of tensors on `device`, padded on the left so that
    the tokens a model generates follow each text directly."""
    enc = tokenizer(
        list(texts),
        return_tensors="pt",
        padding=True,
        padding_side="left",
        add_special_tokens=add_special_tokens,
    )
    return enc.to(device)


class Generations(list):
    """A list of generated strings that also carries what producing them cost."""

    prompt_tokens: int = 0  # prompt tokens fed to the model (padding excluded)
    new_tokens: int = 0  # tokens generated (padding after an early end excluded)
    seconds: float = 0.0  # wall time of the generate calls
    calls: int = 0  # number of model.generate calls (batches)
    shared_prefix: int = 0  # leading tokens all prompts share, run once and reused (0: not used)
    row_prefill: int = 0  # batches whose prompts were read one row at a time (row_prefill_cache)


def chat_text(tokenizer: PreTrainedTokenizerBase, prompt: Prompt, system: str | None = None) -> str:
    """Return `prompt` wrapped in the model's chat template, ending where the assistant's answer
    starts."""
    messages = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else list(prompt)
    if system is not None and messages[0]["role"] != "system":
        messages = [{"role": "system", "content": system}, *messages]
    return tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)


def shared_prefix_length(rows: Sequence[Sequence[int]]) -> int:
    """Return how many leading tokens all rows share, leaving at least one token in each (0 for
    fewer than two rows)."""
    if len(rows) < 2:
        return 0
    limit = min(len(r) for r in rows) - 1  # the model must still read one token of every row
    for i in range(max(limit, 0)):
        if any(r[i] != rows[0][i] for r in rows):
            return i
    return max(limit, 0)


def prefix_cache(model: PreTrainedModel, prefix: Sequence[int]) -> Cache:
    """Return the KV cache of one forward pass over the prefix tokens (batch of one)."""
    ids = torch.tensor([list(prefix)], device=model.device)
    return model(input_ids=ids, use_cache=True).past_key_values


def expanded_cache(cache: Cache, rows: int) -> Cache:
    """Return a copy of a batch-of-one cache repeated to `rows` rows (the original is unchanged)."""
    copied = copy.deepcopy(cache)  # generate() appends to the cache it is given
    copied.batch_repeat_interleave(rows)
    return copied


def is_prompt_learning(model: PreTrainedModel) -> bool:
    """Return True for a peft prompt-, prefix- or p-tuning model: its generate() builds its own
    cache, so none can be passed in."""
    return bool(getattr(adapter_config(model), "is_prompt_learning", False))


def virtual_positions(model: PreTrainedModel) -> int:
    """Return how many cache positions a peft prompt-learning model puts before every input (its
    soft tokens or prefixes), 0 for other models."""
    return adapter_config(model).num_virtual_tokens if is_prompt_learning(model) else 0


def padding_share(attention_mask: torch.Tensor) -> float:
    """Return the batch's padding positions as a share of its real tokens."""
    real = int(attention_mask.sum())
    return (attention_mask.numel() - real) / max(real, 1)


def reads_by_row(model: PreTrainedModel, attention_mask: torch.Tensor) -> bool:
    """Return True where generate() should read a batch's prompts one row at a time.

    On a CPU when padding is ROW_PREFILL_PADDING of the real tokens or more; for a peft
    prompt-learning model whenever there is padding: peft's own batched generate() puts the soft
    tokens before the pads and ignores position ids, so a padded row reads its soft prompt from
    farther away than in training, and its answer changes.
    """
    if int(attention_mask.sum(-1).min()) < 2:  # a row of one token has nothing to read ahead
        return False
    share = padding_share(attention_mask)
    if is_prompt_learning(model):
        return share > 0
    return model.device.type == "cpu" and share >= ROW_PREFILL_PADDING


def padded(states: torch.Tensor, virtual: int, pads: int) -> torch.Tensor:
    """Return (batch, heads, time, dim) keys or values with `pads` zero positions inserted after
    the first `virtual` ones (a prompt-learning model's soft tokens; 0 for other models)."""
    rest = F.pad(states[:, :, virtual:], (0, 0, pads, 0))  # zeros before the row's own positions
    return torch.cat([states[:, :, :virtual], rest], dim=2)


def row_prefill_cache(model: PreTrainedModel, enc: dict[str, torch.Tensor]) -> Cache:
    """Return the KV cache of a left-padded batch's tokens but the last, read one row at a time.

    A batched forward spends as much on a pad as on a token; read alone, each row costs only its
    own tokens. Each row's keys and values are then left-padded with zeros (the attention mask
    hides them) so generate() continues every row from its last prompt token, in one batch. A peft
    prompt-learning model's soft tokens or prefixes stay first, before the zeros.
    """
    width = enc["input_ids"].shape[1] - 1
    virtual = virtual_positions(model)
    rows: list[list[tuple[torch.Tensor, torch.Tensor]]] = []
    for ids, mask in zip(enc["input_ids"], enc["attention_mask"]):
        real = ids[mask.bool()][:-1].unsqueeze(0)
        cache = model(input_ids=real, use_cache=True, logits_to_keep=1).past_key_values
        pads = width - real.shape[1]
        rows.append(
            [
                (padded(kv.keys, virtual, pads), padded(kv.values, virtual, pads))
                for kv in cache.layers
            ]
        )
    batched = DynamicCache(config=model.config)
    for layer, pairs in enumerate(zip(*rows)):
        batched.update(torch.cat([k for k, _ in pairs]), torch.cat([v for _, v in pairs]), layer)
    return batched


def behind_virtual(enc: dict[str, torch.Tensor], virtual: int, pad_id: int) -> dict:
    """Return input_ids and attention_mask with `virtual` placeholder positions in front: where a
    peft prompt-learning model's soft tokens or prefixes sit in the cache row_prefill_cache made,
    so the base model's generate() can continue from it."""
    rows = enc["input_ids"].shape[0]
    front = enc["attention_mask"].new_ones(rows, virtual)
    return {
        "input_ids": torch.cat([front * pad_id, enc["input_ids"]], dim=1),
        "attention_mask": torch.cat([front, enc["attention_mask"]], dim=1),
    }


def prefix_batch(
    rows: Sequence[Sequence[int]], shared: int, pad_id: int, device: torch.device | str
) -> dict[str, torch.Tensor]:
    """Return input_ids and attention_mask laid out as [shared prefix, pads, rest of each row].

    The pads sit between the prefix and each row's own tokens, masked out, so every row keeps the
    prefix at the same place as the cache; generate() numbers positions by counting the mask's
    ones, so each row's tokens get the same positions as with plain left padding.
    """
    width = max(len(r) for r in rows) - shared
    ids, mask = [], []
    for r in rows:
        pads = width - (len(r) - shared)
        ids.append(list(r[:shared]) + [pad_id] * pads + list(r[shared:]))
        mask.append([1] * shared + [0] * pads + [1] * (len(r) - shared))
    return {
        "input_ids": torch.tensor(ids, device=device),
        "attention_mask": torch.tensor(mask, device=device),
    }


@torch.no_grad()
def generate(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    prompts: Sequence[Prompt],
    *,
    chat: bool = True,
    system: str | None = None,
    max_new_tokens: int | None = None,
    do_sample: bool = False,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    num_beams: int = 1,
    batch_size: int | None = None,
    stop: Sequence[str] | None = None,
    seed: int = 0,
    progress: bool = True,
    shared_prefix: bool | None = None,
) -> Generations:
    """Return the model's answer to each prompt, in order, generated in left-padded batches.

    chat=True wraps each prompt in the chat template (a string becomes one user turn); chat=False
    continues the raw text, as a base model would. Greedy unless do_sample=True. `stop` strings end
    an answer early (e.g. ["\\nQ:"] where a few-shot prompt would go on with the next question);
    the returned text is cut before the first of them.

    When all prompts begin with the same tokens (few-shot demonstrations, a system prompt), that
    prefix is run once and its keys/values are reused for every row: automatic from
    MIN_SHARED_PREFIX tokens on, shared_prefix=True/False forces it on/off. Otherwise a padded
    batch may have its prompts read one row at a time (reads_by_row says when). Greedy answers are
    the same either way, and the same as each prompt's alone, up to float rounding.
    """
    if isinstance(prompts, str):
        raise CourseError(
            "generate() takes a list of prompts; wrap a single prompt in a list: generate(model, "
            "tok, [prompt])."
        )
    max_new_tokens = max_new_tokens or DEFAULT_NEW_TOKENS
    batch_size = batch_size or DEFAULT_BATCH
    texts = [chat_text(tokenizer, p, system) if chat else p for p in prompts]
    stopping = {"stop_strings": list(stop), "tokenizer": tokenizer} if stop else {}
    sampling = (
        dict(do_sample=True, temperature=temperature, top_k=top_k or 0, top_p=top_p or 1.0)
        if do_sample
        else {}
    )
    if do_sample:
        torch.manual_seed(seed)
    # longest first: prompts of similar length share a batch, so little compute goes to padding
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    results: list[str] = [""] * len(texts)
    out = Generations()
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    # the tokens every prompt starts with: run once, reused by every batch through the KV cache
    rows = [tokenizer(t, add_special_tokens=not chat).input_ids for t in texts]
    shared = shared_prefix_length(rows)
    prompt_learning = is_prompt_learning(model)  # peft's prompt methods build their own cache
    too_short = shared_prefix is None and shared < MIN_SHARED_PREFIX
    if prompt_learning or shared_prefix is False or too_short:
        shared = 0
    start = time.perf_counter()
    cache = prefix_cache(model, rows[0][:shared]) if shared else None
    out.seconds += time.perf_counter() - start
    out.shared_prefix = shared
    batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    for batch in tqdm(
        batches, desc="generating", disable=not progress or len(batches) < 2, leave=False
    ):
        if cache is None:
            enc = dict(left_padded(tokenizer, [texts[i] for i in batch], model.device, not chat))
        else:
            enc = prefix_batch([rows[i] for i in batch], shared, pad_id, model.device)
        prompt_tokens = int(enc["attention_mask"].sum())
        runner = model
        start = time.perf_counter()
        if cache is not None:  # one copy of the prefix per row (per beam)
            enc["past_key_values"] = expanded_cache(cache, len(batch) * num_beams)
        elif reads_by_row(model, enc["attention_mask"]):
            row_cache = row_prefill_cache(model, enc)
            row_cache.batch_repeat_interleave(num_beams)
            if prompt_learning:  # the cache holds the soft tokens: the base model goes on from it
                enc = behind_virtual(enc, virtual_positions(model), pad_id)
                runner = model.get_base_model()
            enc["past_key_values"] = row_cache
            out.row_prefill += 1
        ids = runner.generate(
            **enc,
            max_new_tokens=max_new_tokens,
            num_beams=num_beams,
            pad_token_id=tokenizer.pad_token_id,
            **sampling,
            **stopping,
        )
        out.seconds += time.perf_counter() - start
        new = ids[:, enc["input_ids"].shape[1] :]
        out.calls += 1
        out.prompt_tokens += prompt_tokens
        out.new_tokens += int((new != tokenizer.pad_token_id).sum())
        for i, text in zip(batch, tokenizer.batch_decode(new, skip_special_tokens=True)):
            for marker in stop or ():
                text = text.split(marker)[0]
            results[i] = text.strip()
    out.extend(results)
    return out


@torch.no_grad()
@torch.no_grad()
def forward_ms(model: PreTrainedModel, input_ids: torch.Tensor, repeats: int = 3) -> float:
    """Return the median wall time of one forward pass over `input_ids`, in milliseconds (after one
    warm-up pass; no autograd graph is built)."""
    model(input_ids)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        model(input_ids)
        times.append(time.perf_counter() - start)
    return 1000 * sorted(times)[len(times) // 2]
