"""Rollouts of a policy language model: sample, score under policy and reference, evaluate.

Responses are sampled at temperature 1 from the policy itself, read under the policy and a frozen
reference, and a policy is evaluated by its mean reward and KL.

The course's PPO (ppo_trainer) rolls out with these; lesson 07 evaluates its PPO, DPO and GRPO
policies with evaluate().
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import nullcontext
from statistics import fmean

import torch
from tqdm.auto import tqdm
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from .errors import CourseError
from .generation import chat_text, left_padded
from .ppo import logprobs_from_logits, position_ids_from, response_mask

# reward_fn(prompts=[...], completions=[...]) -> one score per completion
RewardFn = Callable[..., Sequence[float]]


def reference_context(policy_lm: torch.nn.Module, ref_model: torch.nn.Module | None):
    """Return the context in which `ref_model or policy_lm` computes the reference.

    With no ref_model, that is the peft policy with its LoRA adapter switched off (the base model).
    """
    if ref_model is not None:
        return nullcontext()
    if not hasattr(policy_lm, "disable_adapter"):
        raise CourseError(
            "Without a ref_model the reference is the policy with its adapter disabled, so the "
            "policy must be a peft model. "
            "Pass ref_model=copy.deepcopy(model) (frozen), or wrap the policy with "
            "peft.get_peft_model(model, lora_config)."
        )
    return policy_lm.disable_adapter()


@torch.no_grad()
def response_logprobs(
    lm: torch.nn.Module, input_ids: torch.Tensor, attention_mask: torch.Tensor, prompt_len: int
) -> torch.Tensor:
    """Return log p(y_t) of the response tokens under the causal LM `lm`, shape (B, R).

    The response is everything after `prompt_len`.
    """
    logits = lm(
        input_ids=input_ids,
        attention_mask=attention_mask,
        position_ids=position_ids_from(attention_mask),
        logits_to_keep=input_ids.shape[1] - prompt_len + 1,  # the response's positions only
    ).logits[:, :-1]
    return logprobs_from_logits(logits, input_ids[:, prompt_len:])


@torch.no_grad()
def reference_logprobs(
    policy_lm: torch.nn.Module,
    ref_model: torch.nn.Module | None,
    input_ids: torch.Tensor,
    attention_mask: torch.Tensor,
    prompt_len: int,
) -> torch.Tensor:
    """Return log ref(y_t) of the response tokens, shape (B, R).

    The reference is ref_model, or else the peft policy_lm with its adapter disabled.
    """
    with reference_context(policy_lm, ref_model):
        return response_logprobs(ref_model or policy_lm, input_ids, attention_mask, prompt_len)


def eos_ids(policy: PreTrainedModel, tokenizer: PreTrainedTokenizerBase) -> int | list[int]:
    """Return the end-of-response token id(s): the generation config's, else the tokenizer's."""
    eos = policy.generation_config.eos_token_id
    return eos if eos is not None else tokenizer.eos_token_id


@torch.no_grad()
def sample(
    lm: torch.nn.Module,
    tokenizer: PreTrainedTokenizerBase,
    prompts: Sequence[str],
    max_new_tokens: int,
    temperature: float = 1.0,
    top_k: int = 0,
    top_p: float = 1.0,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Return (query ids, query mask, response ids) of one sampled response per prompt.

    The queries are the prompts in the chat template, left-padded.
    """
    texts = [chat_text(tokenizer, p) for p in prompts]
    enc = left_padded(tokenizer, texts, lm.device, add_special_tokens=False)
    # every sampling setting is passed explicitly: the model's generation_config may set
    # top_k/top_p, and sampling from anything but the policy itself biases the KL estimate (it can
    # even turn negative)
    ids = lm.generate(
        **enc,
        do_sample=True,
        temperature=temperature,
        top_k=top_k,
        top_p=top_p,
        max_new_tokens=max_new_tokens,
        pad_token_id=tokenizer.pad_token_id,
    )
    return enc["input_ids"], enc["attention_mask"], ids[:, enc["input_ids"].shape[1] :]


@torch.no_grad()
def evaluate(
    policy: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    reward_fn: RewardFn,
    prompts: Sequence[str],
    max_new_tokens: int,
    ref_model: PreTrainedModel | None = None,
    batch_size: int = 16,
    seed: int = 0,
    per_prompt: bool = False,
) -> (
    tuple[dict[str, float], list[str]]
    | tuple[dict[str, float], list[str], dict[str, list[float]]]
):
    """Return ({reward, kl, length} means over prompts, the sampled responses), and with
    per_prompt=True a third item: {reward, kl, length} -> one value per prompt, in prompt order
    (what stats.interval and stats.compare need).

    One response is sampled per prompt, at temperature 1.

    kl is log pi(y) - log ref(y) summed over each response, an unbiased estimate of the sequence
    KL(pi || ref).
    """
    torch.manual_seed(seed)
    scores, kls, lengths, texts = [], [], [], []
    for start in tqdm(range(0, len(prompts), batch_size), desc="evaluating", leave=False):
        batch = list(prompts[start : start + batch_size])
        query, query_mask, response = sample(policy, tokenizer, batch, max_new_tokens)
        mask = response_mask(response, eos_ids(policy, tokenizer))
        ids, attention = torch.cat([query, response], 1), torch.cat([query_mask, mask.long()], 1)
        logprobs = response_logprobs(policy, ids, attention, query.shape[1])
        ref_logprobs = reference_logprobs(policy, ref_model, ids, attention, query.shape[1])
        decoded = [
            t.strip()
            for t in tokenizer.batch_decode(response * mask.long(), skip_special_tokens=True)
        ]
        scores += list(reward_fn(prompts=batch, completions=decoded))
        kls += ((logprobs - ref_logprobs) * mask).sum(1).tolist()
        lengths += mask.sum(1).tolist()
        texts += decoded
    values = {"reward": [float(v) for v in scores], "kl": kls, "length": lengths}
    means = {name: fmean(v) for name, v in values.items()}
    return (means, texts, values) if per_prompt else (means, texts)
