"""Whole models quantized: simulated ("fake") quantization of every Linear, the sizes a format
would take, activation outliers, and one row of lesson 09's table of formats."""

from __future__ import annotations

import logging
import time

import torch
from torch import nn
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from .errors import CourseError
from .generation import generate
from .metrics import nll_per_text, perplexity
from .pruning import prunable_linears
from .quantization import quantize_dequantize


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
    fastest run is the one least slowed by others. "nats/token per text" scores each text alone,
    for a paired comparison of two formats over the texts.
    """
    silence_int8_cast_notice()  # LLM.int8 on float32 inputs logs it at every Linear's forward
    size = memory_mb(model) if size_mb is None else size_mb
    start = time.perf_counter()
    ppl = perplexity(model, tokenizer, texts, window=window, stride=window)
    ppl_s = time.perf_counter() - start
    per_text = nll_per_text(model, tokenizer, texts, window=window)  # for the paired intervals
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
        "nats/token per text": per_text,
    }
