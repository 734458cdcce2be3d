"""RLHF with the course's own PPO: KL-shaped rewards, GAE, the clipped policy and value losses, and
a value head.

The pieces follow Ziegler et al. 2019 / Ouyang et al. 2022 and the classic trl PPOTrainer. Every
function works on padded tensors of shape (batch, response_len) with a `mask` that is 1 on real
response tokens (up to and including the first EOS) and 0 on the padding after it. The rollout loop
(generate, score, run ppo_epochs over minibatches) calls them in this order: response_mask ->
logprobs_from_logits (policy and reference) -> per_token_rewards -> gae -> masked_whiten(advantages)
-> policy_loss + vf_coef * value_loss - ent_coef * entropy -> kl_controller.update.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from .errors import CourseError


@dataclass
class PPOConfig:
    """The settings of one PPO run on a language model."""

    # initial beta: the weight of the per-token KL penalty against the reference model
    kl_coef: float = 0.05
    # adapt beta towards target_kl (Ziegler et al.) instead of keeping it fixed
    adaptive_kl: bool = False
    # the KL per response (summed over its tokens, in nats) the adaptive controller aims for
    target_kl: float = 6.0
    # samples over which the adaptive controller may move beta by up to 20 %
    kl_horizon: int = 10000
    gamma: float = 1.0  # discount per token; 1.0: the final score counts fully at every position
    # GAE lambda: 1.0 is the Monte-Carlo return (high variance), 0.0 one-step TD (high bias)
    lam: float = 0.95
    # epsilon of the clipped surrogate: the new/old probability ratio stays in [1 - eps, 1 + eps]
    clip_range: float = 0.2
    # how far a value prediction may move from the rollout's value before it is clipped
    clip_range_value: float = 0.2
    vf_coef: float = 0.1  # weight of the value loss in the total loss
    ent_coef: float = 0.0  # weight of the entropy bonus (subtracted from the loss); 0 turns it off
    batch_size: int = 16  # rollouts (prompt + sampled response) per PPO step
    ppo_epochs: int = 4  # passes over one batch of rollouts
    minibatch_size: int = 4  # rollouts per optimizer step inside a pass
    lr: float = 1e-5  # AdamW learning rate
    max_new_tokens: int = 32  # longest sampled response, in tokens
    # keep 1.0: the samples must come from the policy itself, or the k1 KL estimate is biased
    temperature: float = 1.0
    # keep 0 (off): truncated sampling leaves the policy's distribution and can make the KL negative
    top_k: int = 0
    top_p: float = 1.0  # keep 1.0 (off), for the same reason
    # rescale advantages to mean 0, variance 1 over the batch's real tokens
    whiten_advantages: bool = True
    max_grad_norm: float = 1.0  # clip the gradient's global norm to this


# --- masked statistics ----------------------------------------------------------------------------


def masked_mean(x: torch.Tensor, mask: torch.Tensor, dim: int | None = None) -> torch.Tensor:
    """Return the mean of x over the positions where mask is 1 (over all of them, or along
    `dim`)."""
    if dim is None:
        return (x * mask).sum() / mask.sum()
    return (x * mask).sum(dim) / mask.sum(dim)


def masked_var(x: torch.Tensor, mask: torch.Tensor, unbiased: bool = True) -> torch.Tensor:
    """Return the variance of x over the positions where mask is 1 (with Bessel's n / (n - 1) if
    unbiased)."""
    variance = masked_mean((x - masked_mean(x, mask)) ** 2, mask)
    n = mask.sum()
    if unbiased:
        if n < 2:
            raise CourseError(
                "The unbiased variance needs at least two unmasked values; use a bigger batch."
            )
        variance = variance * n / (n - 1)
    return variance


def masked_whiten(x: torch.Tensor, mask: torch.Tensor, shift_mean: bool = True) -> torch.Tensor:
    """Return x rescaled to variance 1 (and mean 0 if shift_mean) over the masked positions; padding
    set to 0."""
    mean, variance = masked_mean(x, mask), masked_var(x, mask)
    whitened = (x - mean) * torch.rsqrt(variance + 1e-8)
    if not shift_mean:
        whitened = whitened + mean
    return whitened * mask


# --- log-probabilities, KL and entropy ------------------------------------------------------------


def logprobs_from_logits(logits: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
    """Return log p(token) at every position, shape (batch, len): log_softmax of the logits,
    gathered at `tokens`."""
    logprobs = torch.log_softmax(logits.float(), dim=-1)
    return logprobs.gather(-1, tokens.unsqueeze(-1)).squeeze(-1)


def kl_estimate(logprobs: torch.Tensor, ref_logprobs: torch.Tensor) -> torch.Tensor:
    """Return the per-token k1 estimate of KL(policy || reference): log pi(y_t) - log ref(y_t) at
    the sampled tokens.

    For tokens sampled from the policy its expectation is the true KL, and summed over a response it
    is exactly log pi(y) / ref(y), so -beta * k1 as a reward optimises E[score] - beta * KL. A
    single token's value can be negative.
    """
    return logprobs - ref_logprobs


def kl_k3(logprobs: torch.Tensor, ref_logprobs: torch.Tensor) -> torch.Tensor:
    """Return the per-token k3 estimate (r - 1) - log r with r = ref / pi: never negative, lower
    variance, for logging.

    It has the same expectation as k1, but as a reward its gradient is biased (it depends on the
    policy itself).
    """
    log_ratio = ref_logprobs - logprobs
    return torch.expm1(log_ratio) - log_ratio


def entropy_from_logits(logits: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Return the mean entropy (nats) of the predicted next-token distributions over the masked
    positions."""
    logprobs = torch.log_softmax(logits.float(), dim=-1)
    entropy = -(logprobs.exp() * logprobs).sum(-1)
    return masked_mean(entropy, mask)


# --- rewards and advantages -----------------------------------------------------------------------


def response_mask(response_tokens: torch.Tensor, eos_token_id: int | Sequence[int]) -> torch.Tensor:
    """Return a float mask of shape (batch, len): 1 up to and including the first EOS of each row, 0
    after it."""
    ids = torch.tensor(
        [eos_token_id] if isinstance(eos_token_id, int) else list(eos_token_id),
        device=response_tokens.device,
    )
    is_eos = torch.isin(response_tokens, ids).long()
    # the count of EOS strictly before a position is > 0
    after_first_eos = (is_eos.cumsum(-1) - is_eos) > 0
    return (~after_first_eos).float()


def last_token_index(mask: torch.Tensor) -> torch.Tensor:
    """Return, for each row, the index of its last real token (mask 1s must come first, padding
    after)."""
    lengths = mask.sum(-1).long()
    if (lengths == 0).any():
        raise CourseError(
            "A response has no tokens (its mask is all 0); generate at least one token per prompt."
        )
    return lengths - 1


@torch.no_grad()
def per_token_rewards(
    score: torch.Tensor,
    logprobs: torch.Tensor,
    ref_logprobs: torch.Tensor,
    mask: torch.Tensor,
    kl_coef: float,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (rewards, kl): -kl_coef * KL at every response token, plus the reward model's score at
    the last real token."""
    kl = kl_estimate(logprobs, ref_logprobs) * mask
    rewards = -kl_coef * kl
    rows = torch.arange(rewards.shape[0], device=rewards.device)
    rewards[rows, last_token_index(mask)] += score.to(rewards.dtype)
    return rewards, kl


@torch.no_grad()
def gae(
    rewards: torch.Tensor, values: torch.Tensor, mask: torch.Tensor, gamma: float, lam: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (advantages, returns) by generalized advantage estimation (Schulman et al. 2016);
    returns = A + V.

    Backwards over time: delta_t = r_t + gamma * V_{t+1} - V_t and A_t = delta_t + gamma * lam *
    A_{t+1}, where every position after a row's last real token is terminal (its value and reward
    count as 0).
    """
    rewards, values = rewards * mask, values * mask
    advantages = torch.zeros_like(rewards)
    next_value = torch.zeros_like(rewards[:, 0])
    next_advantage = torch.zeros_like(rewards[:, 0])
    for t in reversed(range(rewards.shape[1])):
        delta = rewards[:, t] + gamma * next_value - values[:, t]
        next_advantage = delta + gamma * lam * next_advantage
        advantages[:, t] = next_advantage
        next_value = values[:, t]
    advantages = advantages * mask
    return advantages, advantages + values


# --- losses ---------------------------------------------------------------------------------------


def policy_loss(
    logprobs: torch.Tensor,
    old_logprobs: torch.Tensor,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    clip_range: float,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Return (loss, clip_fraction, approx_kl) of PPO's clipped surrogate; minimising the loss
    raises A * ratio."""
    log_ratio = logprobs - old_logprobs
    ratio = torch.exp(log_ratio)
    unclipped = -advantages * ratio
    clipped = -advantages * torch.clamp(ratio, 1.0 - clip_range, 1.0 + clip_range)
    # the pessimistic (larger) of the two losses
    loss = masked_mean(torch.max(unclipped, clipped), mask)
    # tokens whose gradient the clip switched off
    clip_fraction = masked_mean((clipped > unclipped).float(), mask)
    # k3 estimate of KL(old || new)
    approx_kl = masked_mean(torch.expm1(log_ratio) - log_ratio, mask)
    return loss, clip_fraction.detach(), approx_kl.detach()


def value_loss(
    values: torch.Tensor,
    old_values: torch.Tensor,
    returns: torch.Tensor,
    mask: torch.Tensor,
    clip_range_value: float,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (loss, clip_fraction): 0.5 * the masked mean of the larger of the unclipped and
    clipped squared errors."""
    clipped_values = old_values + torch.clamp(
        values - old_values, -clip_range_value, clip_range_value
    )
    unclipped_error = (values - returns) ** 2
    clipped_error = (clipped_values - returns) ** 2
    loss = 0.5 * masked_mean(torch.max(unclipped_error, clipped_error), mask)
    clip_fraction = masked_mean((clipped_error > unclipped_error).float(), mask)
    return loss, clip_fraction.detach()


# --- the KL coefficient ---------------------------------------------------------------------------


class FixedKLController:
    """A constant KL coefficient beta; update() does nothing."""

    def __init__(self, kl_coef: float) -> None:
        self.value = kl_coef

    def update(self, current_kl: float, n_steps: int) -> float:
        """Return beta, unchanged."""
        return self.value


class AdaptiveKLController:
    """Ziegler et al.'s proportional controller: beta grows when the KL is above target and shrinks
    when below."""

    def __init__(self, kl_coef: float, target: float, horizon: int) -> None:
        self.value = kl_coef
        self.target = target
        self.horizon = horizon

    def update(self, current_kl: float, n_steps: int) -> float:
        """Return the new beta: beta * (1 + clip(current_kl / target - 1, -0.2, 0.2) * n_steps /
        horizon)."""
        error = min(max(current_kl / self.target - 1.0, -0.2), 0.2)
        self.value *= 1.0 + error * n_steps / self.horizon
        return self.value


def kl_controller(config: PPOConfig) -> FixedKLController | AdaptiveKLController:
    """Return the KL controller the config asks for, starting at config.kl_coef."""
    if config.adaptive_kl:
        return AdaptiveKLController(config.kl_coef, config.target_kl, config.kl_horizon)
    return FixedKLController(config.kl_coef)


# --- the policy with a value head -----------------------------------------------------------------


class ValueHead(nn.Module):
    """A linear layer hidden -> 1 that predicts the return from each position's last hidden state;
    starts at 0."""

    def __init__(self, hidden_size: int) -> None:
        super().__init__()
        self.linear = nn.Linear(hidden_size, 1)
        # zero: every value is 0 until the value loss has trained it
        nn.init.zeros_(self.linear.weight)
        nn.init.zeros_(self.linear.bias)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """Return one value per position, shape (batch, len)."""
        return self.linear(hidden.to(self.linear.weight.dtype)).squeeze(-1)


def position_ids_from(attention_mask: torch.Tensor) -> torch.Tensor:
    """Return position ids that start at 0 on each row's first real token, as generate() uses with
    left padding."""
    return (attention_mask.long().cumsum(-1) - 1).clamp(min=0)


class PolicyWithValue(nn.Module):
    """A causal LM and a value head on its last hidden state: the policy and the critic share one
    trunk."""

    def __init__(self, lm: nn.Module) -> None:
        super().__init__()
        self.lm = lm
        self.value_head = ValueHead(lm.config.hidden_size).to(next(lm.parameters()).device)

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, prompt_len: int | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Return (logits, values) at every position of input_ids, shapes (batch, len, vocab) and
        (batch, len); with prompt_len, only response_part of each (the LM head skips the prompt)."""
        # logits_to_keep=0 keeps every position; a prompt's logits are never used, so with
        # prompt_len the LM head projects only the positions that predict the response
        keep = 0 if prompt_len is None else input_ids.shape[1] - prompt_len + 1
        out = self.lm(
            input_ids=input_ids,
            attention_mask=attention_mask,
            position_ids=position_ids_from(attention_mask),
            output_hidden_states=True,
            logits_to_keep=keep,
        )
        values = self.value_head(out.hidden_states[-1])
        if prompt_len is None:
            return out.logits, values
        return out.logits[:, :-1], response_part(values, prompt_len)


def response_part(x: torch.Tensor, prompt_len: int) -> torch.Tensor:
    """Return the positions of x (logits or values over prompt + response) that predict the response
    tokens.

    Position t predicts token t + 1, so for a prompt of prompt_len tokens (left-padded to one
    length) and a response filling the rest, that is x[:, prompt_len - 1 : -1]: one entry per
    response token.
    """
    return x[:, prompt_len - 1 : -1]
