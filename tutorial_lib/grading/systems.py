"""The grader's checks for lessons 08–09: ZeRO and quantization."""

from __future__ import annotations

from collections.abc import Callable

import torch

from .common import Check, Wrong, bundled_params, number, prediction, show, tensor_like

NF4 = (  # QLoRA's NormalFloat4 levels (bitsandbytes' table)
    -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
    -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725,
    0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
    0.7229568362236023, 1.0,
)  # fmt: skip


# --- 08 ZeRO and distributed -------------------------------------------------------------------


def check_zero_bytes_per_rank(fn: Callable) -> str:
    """Return '' if fn gives ZeRO's per-rank model-state bytes, else raise Wrong."""
    # the ZeRO paper's Figure 1: 7.5 B parameters on 64 GPUs
    for stage, want in enumerate((120e9, 31.40625e9, 16.640625e9, 1.875e9)):
        number(fn(7.5e9, stage, 64), want, f"stage {stage}, 7.5e9 parameters, 64 ranks", tol=1e3)
    number(fn(1e6, 1, 4, k=8), 6e6, "stage 1, 1e6 parameters, 4 ranks, K=8", tol=1)
    return ""


def check_through_fp16(fn: Callable) -> str:
    """Return '' if fn scales, casts to fp16 and unscales in fp32, else raise Wrong."""
    grad = torch.tensor([1e-8, 1.0, 1e-3])
    for scale in (1.0, 2.0**16):
        want = (grad * scale).half().float() / scale  # flushed to 0 at scale 1, inf at 2^16
        got = fn(grad.clone(), scale)
        tensor_like(got, want, f"loss scale {scale:g}", atol=0)
        if got.dtype != torch.float32:
            raise Wrong(f"return float32 (what the optimizer sees), got {got.dtype}")
    return ""


def check_predict_stage3_megabytes(fn: Callable) -> str:
    """Return the note of the stage-3 prediction: 16 bytes per parameter over 4 ranks."""
    return prediction(fn(), 16 * bundled_params() / 4 / 1e6, "MB per rank")


# --- 09 quantization ---------------------------------------------------------------------------


def check_absmax_quantize(fn: Callable) -> str:
    """Return '' if fn gives int8 codes round(w / scale) with scale max|w| / 127, else Wrong."""
    w = torch.tensor([0.5, -1.27, 0.0, 0.633, 1.0])  # scale 0.01
    got = fn(w.clone())
    if not isinstance(got, tuple) or len(got) != 2:
        raise Wrong(f"expected a tuple (codes, scale), got {show(got)}")
    q, scale = got
    number(scale, 0.01, "scale = max|w| / 127", tol=1e-6)
    tensor_like(q, torch.tensor([50, -127, 0, 63, 100]), "codes", atol=0)
    if q.dtype != torch.int8:
        raise Wrong(f"codes must be torch.int8, got {q.dtype}")
    return ""


def check_zeropoint_quantize(fn: Callable) -> str:
    """Return '' if fn maps [min, max] onto the uint8 codes 0..255, else raise Wrong."""
    w = torch.tensor([-1.0, 0.0, 1.55, 1.0])  # scale 2.55 / 255 = 0.01, zero = 100
    got = fn(w.clone())
    if not isinstance(got, tuple) or len(got) != 3:
        raise Wrong(f"expected a tuple (codes, scale, zero), got {show(got)}")
    q, scale, zero = got
    number(scale, 0.01, "scale = (max - min) / 255", tol=1e-6)
    number(zero, 100, "zero = round(-min / scale)", tol=0)
    tensor_like(q, torch.tensor([0, 100, 255, 200]), "codes", atol=0)
    if q.dtype != torch.uint8:
        raise Wrong(f"codes must be torch.uint8, got {q.dtype}")
    return ""


def check_nf4_quantize(fn: Callable) -> str:
    """Return '' if fn finds each weight's nearest NF4 level after per-block absmax, else Wrong."""
    # block 1 / 2.0 -> (1, -0.5, 0, 0.25); block 2 / 0.1 -> (1, 1, -1, 0.5)
    w = torch.tensor([2.0, -1.0, 0.0, 0.5, 0.1, 0.1, -0.1, 0.05])
    got = fn(w.clone(), 4)
    if not isinstance(got, tuple) or len(got) != 2:
        raise Wrong(f"expected a tuple (codes, absmax), got {show(got)}")
    codes, absmax = got
    tensor_like(
        absmax.flatten() if isinstance(absmax, torch.Tensor) else absmax,
        torch.tensor([2.0, 0.1]),
        "absmax per block of 4",
    )
    tensor_like(
        codes,
        torch.tensor([15, 2, 7, 10, 15, 15, 0, 12]),
        "codes (indices into NF4_LEVELS)",
        atol=0,
    )
    w = torch.randn(64)
    blocks = w.reshape(-1, 16)
    scaled = blocks / blocks.abs().amax(1, keepdim=True)
    want = (scaled.unsqueeze(-1) - torch.tensor(NF4)).abs().argmin(-1).flatten()
    tensor_like(fn(w, 16)[0], want, "codes of 64 random weights, blocks of 16", atol=0)
    return ""


def check_predict_absmax_error(fn: Callable) -> str:
    """Return the note of the worst round-off prediction: half a step, scale / 2."""
    return prediction(fn(), 2.54 / 127 / 2, "(half a step)", rel=0.1)


CHECKS: dict[str, dict[str, Check]] = {
    "08_zero_and_distributed": {
        "zero_bytes_per_rank": check_zero_bytes_per_rank,
        "through_fp16": check_through_fp16,
        "predict_stage3_megabytes": check_predict_stage3_megabytes,
    },
    "09_quantization": {
        "absmax_quantize": check_absmax_quantize,
        "zeropoint_quantize": check_zeropoint_quantize,
        "nf4_quantize": check_nf4_quantize,
        "predict_absmax_error": check_predict_absmax_error,
    },
}
