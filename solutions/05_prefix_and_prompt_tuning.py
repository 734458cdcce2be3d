"""Lesson 05 · Prefix tuning, prompt tuning, adapters — solutions.

Check them with: python -m tutorial_lib grade 05 --solutions
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def soft_prompt_forward(
    inputs_embeds: torch.Tensor, attention_mask: torch.Tensor, soft_prompt: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (embeds, mask): the n trainable vectors soft_prompt (n, hidden) put before every row
    of inputs_embeds (batch, len, hidden), giving (batch, n + len, hidden), and the attention_mask
    (batch, len) extended with n ones in front, giving (batch, n + len) of the same dtype.

    The gradient must reach soft_prompt: do not detach or copy it.
    """
    batch, n = inputs_embeds.shape[0], soft_prompt.shape[0]
    prompt = soft_prompt.unsqueeze(0).expand(batch, -1, -1).to(inputs_embeds.dtype)
    ones = torch.ones(batch, n, dtype=attention_mask.dtype, device=attention_mask.device)
    return torch.cat([prompt, inputs_embeds], dim=1), torch.cat([ones, attention_mask], dim=1)


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
    return x + F.linear(F.silu(F.linear(x, down_weight, down_bias)), up_weight, up_bias)


def predict_prompt_tuning_params() -> int:
    """Predict, then run: how many trainable parameters does prompt tuning with 20 virtual tokens
    add to the bundled model (hidden size 576, 30 layers)?

    Return your prediction as a number (right within 2 %); section 2 of the notebook counts them
    for its own number of virtual tokens.
    """
    return 20 * 576
