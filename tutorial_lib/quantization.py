"""Number formats, from scratch: absmax, zero-point, group-wise and NF4 rounding, measured.

Every quantizer here computes in float32 and returns integer codes with the floats needed to map
them back, so a lesson can show the codes, the reconstruction and its error side by side. Whole
models in these formats: quantized_models; the bundled model's GGUF Q4_1 file: gguf_format;
pruning: pruning; distillation: distillation.
"""

from __future__ import annotations

import torch

from .errors import CourseError

BITS_PER_WEIGHT = {  # storage per weight, block scales included, for a table of formats
    "fp32": 32.0,
    "bf16": 16.0,
    "int8": 8.0,  # one float scale per row of thousands of weights: negligible
    "q8_0": 8.5,  # GGUF: 32 int8 codes + an fp16 scale = 34 bytes per 32 weights
    "q4_1": 5.0,  # GGUF: 32 4-bit codes + fp16 scale and min = 20 bytes per 32 weights
    "nf4": 4.5,  # bitsandbytes: 4-bit codes + an fp32 absmax per block of 64
    # QLoRA: the absmax itself in 8 bits per block of 256 (4 + 8/64 + 32/(64*256))
    "nf4 double quant": 4.127,
}
# QLoRA's NormalFloat4: 16 quantiles of N(0, 1) scaled to [-1, 1], with an exact 0 (bitsandbytes'
# table)
NF4_LEVELS = (
    -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
    -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0,
    0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
    0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0,
)  # fmt: skip


# --- rounding to a grid ---------------------------------------------------------------------------


def check_bits(bits: int) -> None:
    """Raise CourseError unless 2 <= bits <= 8 (the codes are stored in one byte)."""
    if not isinstance(bits, int) or not 2 <= bits <= 8:
        raise CourseError(
            "bits must be a whole number from 2 to 8 (the codes are stored in one byte); got "
            f"{bits!r}."
        )


def absmax_quantize(
    w: torch.Tensor, bits: int = 8, dim: int | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (int8 codes, float32 scale): symmetric, scale = max|w| / (2^(bits-1) - 1), over `dim`
    (None: whole tensor).

    dim=-1 gives one scale per row, i.e. per output channel of a Linear weight; the scale keeps that
    dim (size 1).
    """
    check_bits(bits)
    qmax = 2 ** (bits - 1) - 1
    w = w.float()
    amax = w.abs().amax() if dim is None else w.abs().amax(dim=dim, keepdim=True)
    scale = amax.clamp(min=1e-12) / qmax  # an all-zero tensor gets codes 0, not a division by zero
    return torch.round(w / scale).clamp(-qmax, qmax).to(torch.int8), scale


def absmax_dequantize(q: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """Return the float32 reconstruction q * scale."""
    return q.float() * scale


def zeropoint_quantize(
    w: torch.Tensor, bits: int = 8, dim: int | None = None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Return (uint8 codes, float32 scale, int32 zero): asymmetric, the range [min, max] mapped onto
    0 .. 2^bits - 1."""
    check_bits(bits)
    qmax = 2**bits - 1
    w = w.float()
    low = w.amin() if dim is None else w.amin(dim=dim, keepdim=True)
    high = w.amax() if dim is None else w.amax(dim=dim, keepdim=True)
    scale = (high - low).clamp(min=1e-12) / qmax
    # the code of 0.0; outside 0 .. qmax when w does not straddle zero
    zero = torch.round(-low / scale)
    q = (torch.round(w / scale) + zero).clamp(0, qmax).to(torch.uint8)
    return q, scale, zero.to(torch.int32)


def zeropoint_dequantize(q: torch.Tensor, scale: torch.Tensor, zero: torch.Tensor) -> torch.Tensor:
    """Return the float32 reconstruction (q - zero) * scale."""
    return (q.float() - zero) * scale


def groupwise_quantize(
    w: torch.Tensor, group_size: int, bits: int = 8
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (int8 codes shaped like w, scales shaped (..., n_groups, 1)): absmax per run of
    group_size along the last dim."""
    if not isinstance(group_size, int) or group_size < 1 or w.shape[-1] % group_size:
        raise CourseError(
            f"group_size={group_size!r} does not divide the last dimension ({w.shape[-1]}); pick a "
            "divisor such as 32 or 64."
        )
    q, scale = absmax_quantize(w.reshape(*w.shape[:-1], -1, group_size), bits, dim=-1)
    return q.reshape(w.shape), scale


def groupwise_dequantize(q: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """Return the float32 reconstruction of groupwise_quantize's codes (the group size is read off
    the shapes)."""
    return absmax_dequantize(q.reshape(*q.shape[:-1], scale.shape[-2], -1), scale).reshape(q.shape)


def check_block_size(w: torch.Tensor, block_size: int) -> None:
    """Raise CourseError unless block_size is a whole number >= 1 that divides w's number of
    weights."""
    if not isinstance(block_size, int) or block_size < 1 or w.numel() % block_size:
        raise CourseError(
            f"block_size={block_size!r} does not divide the {w.numel()} weights; use 64 "
            "(bitsandbytes' default)."
        )


def nf4_quantize(w: torch.Tensor, block_size: int = 64) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (uint8 codes 0..15 shaped like w, float32 absmax per block of block_size): the nearest
    NF4 level of w / absmax."""
    check_block_size(w, block_size)
    blocks = w.float().reshape(-1, block_size)
    absmax = blocks.abs().amax(dim=1, keepdim=True).clamp(min=1e-12)
    levels = torch.tensor(NF4_LEVELS, device=w.device)
    codes = ((blocks / absmax).unsqueeze(-1) - levels).abs().argmin(dim=-1)  # nearest level
    return codes.to(torch.uint8).reshape(w.shape), absmax


def nf4_dequantize(codes: torch.Tensor, absmax: torch.Tensor) -> torch.Tensor:
    """Return the float32 reconstruction NF4_LEVELS[code] * absmax of its block, shaped like
    codes."""
    values = torch.tensor(NF4_LEVELS, device=codes.device)[codes.long()].reshape(
        absmax.shape[0], -1
    )
    return (values * absmax).reshape(codes.shape)


def quantize_dequantize(
    w: torch.Tensor,
    method: str = "absmax",
    bits: int = 8,
    dim: int | None = None,
    group_size: int | None = None,
) -> torch.Tensor:
    """Return w rounded through `method` ("absmax", "zeropoint", "groupwise" or "nf4") and back, as
    float32 shaped like w."""
    if method == "absmax":
        return absmax_dequantize(*absmax_quantize(w, bits, dim))
    if method == "zeropoint":
        return zeropoint_dequantize(*zeropoint_quantize(w, bits, dim))
    if method == "groupwise":
        return groupwise_dequantize(*groupwise_quantize(w, group_size or 64, bits))
    if method == "nf4":
        return nf4_dequantize(*nf4_quantize(w, group_size or 64))
    raise CourseError(
        f"Unknown quantization method {method!r}; use 'absmax', 'zeropoint', 'groupwise' or 'nf4'."
    )


def quantization_error(w: torch.Tensor, w_hat: torch.Tensor) -> dict[str, float]:
    """Return the max and mean absolute error of w_hat against w, and the relative error ||w -
    w_hat|| / ||w||."""
    if w.shape != w_hat.shape:
        raise CourseError(
            f"w has shape {tuple(w.shape)} but w_hat {tuple(w_hat.shape)}; compare a tensor with "
            "its own reconstruction."
        )
    diff = (w.float() - w_hat.float()).abs()
    return {
        "max_abs": diff.max().item(),
        "mean_abs": diff.mean().item(),
        "relative": (diff.norm() / w.float().norm().clamp(min=1e-12)).item(),
    }


# --- sizes ----------------------------------------------------------------------------------------


def size_mb(n_weights: int, fmt: str | float) -> float:
    """Return the MB that n_weights take in format `fmt` (a key of BITS_PER_WEIGHT) or at `fmt` bits
    per weight."""
    if isinstance(fmt, str) and fmt not in BITS_PER_WEIGHT:
        raise CourseError(
            f"Unknown format {fmt!r}; use one of {', '.join(BITS_PER_WEIGHT)}, or a number of bits "
            "per weight."
        )
    bits = BITS_PER_WEIGHT[fmt] if isinstance(fmt, str) else fmt
    return n_weights * bits / 8 / 2**20
