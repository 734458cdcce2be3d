"""Lesson 04 · LoRA and QLoRA — solutions.

Check them with: python -m tutorial_lib grade 04 --solutions
"""

from __future__ import annotations

import torch


def lora_forward(
    x: torch.Tensor, W: torch.Tensor, A: torch.Tensor, B: torch.Tensor, alpha: float
) -> torch.Tensor:
    """Return the LoRA layer's output W x + (alpha / r) B A x, shape (..., out).

    x: (..., in); W: (out, in), the frozen weight; A: (r, in); B: (out, r); r is A's first
    dimension. No bias. Compute B (A x), not the full (out, in) product B A.
    """
    r = A.shape[0]
    return x @ W.T + (alpha / r) * (x @ A.T @ B.T)


def lora_merge(W: torch.Tensor, A: torch.Tensor, B: torch.Tensor, alpha: float) -> torch.Tensor:
    """Return the merged weight W + (alpha / r) B A, shape (out, in), leaving W unchanged.

    A plain layer with this weight gives the same outputs as lora_forward, at no extra cost.
    """
    return W + (alpha / A.shape[0]) * (B @ A)


def predict_lora_params() -> int:
    """Predict, then run: how many trainable parameters does LoRA with r=8 on q_proj and v_proj add
    to the bundled model? Its config: 30 layers, hidden size 576, 9 attention heads of size 64,
    3 key/value heads (so v_proj maps 576 -> 192).

    Return your prediction as a number (right within 2 %); the notebook prints the count.
    """
    return 30 * 8 * ((576 + 576) + (576 + 192))
