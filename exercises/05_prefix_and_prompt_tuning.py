"""Lesson 05 · Prefix tuning, prompt tuning, adapters — exercises.

Implement each function (replace `raise NotImplementedError`), then check your work:
    python -m tutorial_lib grade 05      (or: make grade LESSON=05)
"""

from __future__ import annotations

import torch


def soft_prompt_forward(
    inputs_embeds: torch.Tensor, attention_mask: torch.Tensor, soft_prompt: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (embeds, mask): the n trainable vectors soft_prompt (n, hidden) put before every row
    of inputs_embeds (batch, len, hidden), giving (batch, n + len, hidden), and the attention_mask
    (batch, len) extended with n ones in front, giving (batch, n + len) of the same dtype.

    The gradient must reach soft_prompt: do not detach or copy it.
    """
    raise NotImplementedError


def bottleneck_adapter(
    x: torch.Tensor,
    down_weight: torch.Tensor,
    down_bias: torch.Tensor,
    up_weight: torch.Tensor,
    up_bias: torch.Tensor,
) -> torch.Tensor:
    """Return x + up(silu(down(x))), shape like x (..., hidden): a residual bottleneck adapter.

    down(x) = x down_weight^T + down_bias with down_weight (bottleneck, hidden); up(h) = h
    up_weight^T + up_bias with up_weight (hidden, bottleneck); silu(z) = z * sigmoid(z).
    """
    raise NotImplementedError


def predict_prompt_tuning_params() -> int:
    """Predict, then run: how many trainable parameters does prompt tuning with 20 virtual tokens
    add to the bundled model (hidden size 576, 30 layers)?

    Return your prediction as a number (right within 2 %); section 2 of the notebook counts them
    for its own number of virtual tokens.
    """
    raise NotImplementedError
