"""Lesson 09 · Quantization, pruning and distillation — solutions.

Check them with: python -m tutorial_lib grade 09 --solutions
"""

from __future__ import annotations

import torch

NF4_LEVELS = (  # QLoRA's NormalFloat4: 16 quantiles of N(0, 1) scaled to [-1, 1], with an exact 0
    -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
    -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725,
    0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
    0.7229568362236023, 1.0,
)  # fmt: skip


def absmax_quantize(w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (codes, scale): symmetric int8 quantisation of the whole tensor w.

    scale = max|w| / 127 (a 0-dim float tensor); codes = round(w / scale) as torch.int8, shaped like
    w. The reconstruction codes * scale is within scale / 2 of w.
    """
    scale = w.abs().max() / 127
    return torch.round(w / scale).clamp(-127, 127).to(torch.int8), scale


def zeropoint_quantize(w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Return (codes, scale, zero): asymmetric (zero-point) uint8 quantisation of all of w.

    scale = (max(w) - min(w)) / 255; zero = round(-min(w) / scale), the code of 0.0;
    codes = clamp(round(w / scale) + zero, 0, 255) as torch.uint8. The reconstruction is
    (codes - zero) * scale.
    """
    scale = (w.max() - w.min()) / 255
    zero = torch.round(-w.min() / scale)
    codes = (torch.round(w / scale) + zero).clamp(0, 255).to(torch.uint8)
    return codes, scale, zero.to(torch.int32)


def nf4_quantize(w: torch.Tensor, block_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (codes, absmax) of NF4 quantisation of a 1-D tensor w, block by block.

    Cut w into blocks of block_size weights (block_size divides len(w)); absmax (n_blocks,) holds
    each block's largest |weight|. codes (len(w),), integers 0..15: the index in NF4_LEVELS of the
    level nearest to weight / its block's absmax.
    """
    blocks = w.reshape(-1, block_size)
    absmax = blocks.abs().amax(dim=1)
    scaled = blocks / absmax.unsqueeze(1)
    distance = (scaled.unsqueeze(-1) - torch.tensor(NF4_LEVELS)).abs()
    return distance.argmin(dim=-1).flatten(), absmax


def predict_absmax_error() -> float:
    """Predict, then run: a weight tensor whose largest |weight| is 2.54 is quantised with absmax
    int8 (scale = 2.54 / 127) and dequantised. What is the largest error |w - codes * scale| any
    weight can get?

    Return your prediction as a number (right within 10 %); section 2 of the notebook quantises a
    real weight matrix this way.
    """
    return 2.54 / 127 / 2
