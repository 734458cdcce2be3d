"""Lesson 08 · ZeRO and distributed training — solutions.

Check them with: python -m tutorial_lib grade 08 --solutions
"""

from __future__ import annotations

import torch


def zero_bytes_per_rank(n_params: float, stage: int, n_ranks: int, k: float = 12) -> float:
    """Return the bytes of model states one rank holds in mixed-precision training with ZeRO.

    Per parameter: 2 bytes of fp16 weights, 2 of fp16 gradients, k of optimizer states (12 for
    Adam: fp32 weights, momentum and variance). Stage 1 splits the optimizer states across the
    n_ranks, stage 2 also the gradients, stage 3 also the weights; stage 0 splits nothing
    (Rajbhandari et al. 2020).
    """
    weights = 2 * n_params / (n_ranks if stage >= 3 else 1)
    grads = 2 * n_params / (n_ranks if stage >= 2 else 1)
    optimizer = k * n_params / (n_ranks if stage >= 1 else 1)
    return weights + grads + optimizer


def through_fp16(grad: torch.Tensor, scale: float) -> torch.Tensor:
    """Return what a float32 gradient becomes when the loss is scaled by `scale`, the gradient held
    in float16, then unscaled in float32 for the optimizer: a float32 tensor shaped like grad.

    Values too small for float16 become 0, values too large become inf.
    """
    return (grad * scale).half().float() / scale


def predict_stage3_megabytes() -> float:
    """Predict, then run: with ZeRO stage 3 on 4 ranks and Adam (2 + 2 + 12 bytes per parameter),
    how many megabytes (10^6 bytes) of model states does each rank hold for the bundled model
    (about 134.5 million parameters)?

    Return your prediction as a number (right within 5 %); section 2 of the notebook has the
    formula and measures the 16 bytes per parameter on the bundled model.
    """
    return 16 * 134.5e6 / 4 / 1e6
