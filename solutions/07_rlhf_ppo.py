"""Lesson 07 · RLHF with PPO — solutions.

Check them with: python -m tutorial_lib grade 07 --solutions
Every tensor is (batch, len) over the response tokens; mask is 1 on real tokens, 0 on padding after.
"""

from __future__ import annotations

import torch


def kl_shaped_rewards(
    score: torch.Tensor,
    logprobs: torch.Tensor,
    ref_logprobs: torch.Tensor,
    mask: torch.Tensor,
    kl_coef: float,
) -> torch.Tensor:
    """Return the per-token rewards, shape (batch, len): -kl_coef * (logprobs - ref_logprobs) at
    every real token, plus the reward model's score (batch,) at each row's last real token; 0 on
    padding.
    """
    rewards = -kl_coef * (logprobs - ref_logprobs) * mask
    last = mask.sum(dim=1).long() - 1
    rewards[torch.arange(rewards.shape[0]), last] += score
    return rewards


def gae(
    rewards: torch.Tensor, values: torch.Tensor, mask: torch.Tensor, gamma: float, lam: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (advantages, returns), both (batch, len), by generalized advantage estimation.

    Going backwards over t: delta_t = r_t + gamma * V_{t+1} - V_t and A_t = delta_t + gamma * lam *
    A_{t+1}, where rewards and values after a row's last real token count as 0. returns = A + V.
    Both are 0 on padding.
    """
    rewards, values = rewards * mask, values * mask
    advantages = torch.zeros_like(rewards)
    next_value = next_advantage = torch.zeros_like(rewards[:, 0])
    for t in reversed(range(rewards.shape[1])):
        delta = rewards[:, t] + gamma * next_value - values[:, t]
        next_advantage = delta + gamma * lam * next_advantage
        advantages[:, t] = next_advantage
        next_value = values[:, t]
    advantages = advantages * mask
    return advantages, advantages + values


def clipped_surrogate_loss(
    logprobs: torch.Tensor,
    old_logprobs: torch.Tensor,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    eps: float = 0.2,
) -> torch.Tensor:
    """Return PPO's clipped surrogate as a loss to minimise (a 0-dim tensor with gradient): the mean
    over real tokens of max(-A * ratio, -A * clip(ratio, 1 - eps, 1 + eps)), where
    ratio = exp(logprobs - old_logprobs).
    """
    ratio = torch.exp(logprobs - old_logprobs)
    unclipped = -advantages * ratio
    clipped = -advantages * torch.clamp(ratio, 1 - eps, 1 + eps)
    return (torch.max(unclipped, clipped) * mask).sum() / mask.sum()


def predict_clipped_tokens() -> int:
    """Predict, then run: in the notebook's 4-token example (probability ratios 1.0, 1.8, 0.6, 1.8;
    advantages 1, 1, 1, -1; eps 0.2), for how many tokens does the clip switch the gradient off,
    i.e. the clipped term is the larger of the two?

    Return your prediction as a whole number; section 2 prints the clipped fraction.
    """
    return 1
