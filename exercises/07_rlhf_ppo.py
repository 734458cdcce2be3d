"""Lesson 07 · RLHF with PPO — exercises.

Implement each function (replace `raise NotImplementedError`), then check your work:
    python -m tutorial_lib grade 07      (or: make grade LESSON=07)
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
    raise NotImplementedError


def gae(
    rewards: torch.Tensor, values: torch.Tensor, mask: torch.Tensor, gamma: float, lam: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (advantages, returns), both (batch, len), by generalized advantage estimation.

    Going backwards over t: delta_t = r_t + gamma * V_{t+1} - V_t and A_t = delta_t + gamma * lam *
    A_{t+1}, where rewards and values after a row's last real token count as 0. returns = A + V.
    Both are 0 on padding.
    """
    raise NotImplementedError


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
    raise NotImplementedError


def predict_clipped_tokens() -> int:
    """Predict, then run: in the notebook's 4-token example (probability ratios 1.0, 1.8, 0.6, 1.8;
    advantages 1, 1, 1, -1; eps 0.2), for how many tokens does the clip switch the gradient off,
    i.e. the clipped term is the larger of the two?

    Return your prediction as a whole number; section 2 prints the clipped fraction.
    """
    raise NotImplementedError
