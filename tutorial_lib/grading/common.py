"""What every check uses: Wrong (the hint), comparisons, predictions, the bundled model."""

from __future__ import annotations

import numbers
from collections.abc import Callable

import torch

Check = Callable[[Callable], str]


class Wrong(Exception):
    """A learner's answer that is not right; the message is the hint the grader prints."""


def show(x: object) -> str:
    """Return a short text of a value: small tensors as rounded lists, large ones by shape."""
    if isinstance(x, torch.Tensor):
        if x.numel() > 12:
            return f"a {x.dtype} tensor of shape {tuple(x.shape)}"
        return str(torch.round(x.detach().double(), decimals=4).tolist())
    text = repr(x)
    return text if len(text) < 120 else text[:117] + "..."


def tensor_like(got: object, want: torch.Tensor, what: str, atol: float = 1e-4) -> None:
    """Return None if `got` has want's shape and values (within atol), else raise Wrong."""
    if not isinstance(got, torch.Tensor):
        raise Wrong(f"{what}: expected a tensor of shape {tuple(want.shape)}, got {show(got)}")
    if got.shape != want.shape:
        raise Wrong(f"{what}: expected shape {tuple(want.shape)}, got {tuple(got.shape)}")
    g, w = got.detach().double(), want.double()
    same_inf = (g == w) | (g - w).abs().le(atol + 1e-4 * w.abs())
    if not bool(same_inf.all()):
        if want.numel() > 12:
            i = int((~same_inf).flatten().nonzero()[0])
            raise Wrong(
                f"{what}: at flat index {i} expected {w.flatten()[i].item():.5g}, "
                f"got {g.flatten()[i].item():.5g}"
            )
        raise Wrong(f"{what}: expected {show(want)}, got {show(got)}")


def number(got: object, want: float, what: str, tol: float = 1e-4) -> None:
    """Return None if `got` is a number within tol of want, else raise Wrong."""
    if isinstance(got, torch.Tensor) and got.numel() == 1:
        got = got.item()
    if isinstance(got, bool) or not isinstance(got, numbers.Real):
        raise Wrong(f"{what}: expected a number ({want:.5g}), got {show(got)}")
    if not abs(got - want) <= tol:
        raise Wrong(f"{what}: expected {want:.5g}, got {got:.5g}")


def prediction(got: object, truth: float, unit: str, rel: float = 0.05, tol: float = 0.0) -> str:
    """Return the note for a prediction within rel (relative) or tol (absolute) of the truth,
    else raise Wrong saying how far off it was."""
    if isinstance(got, bool) or not isinstance(got, numbers.Real):
        raise Wrong(f"return your prediction as a number, got {show(got)}")
    got = float(got)
    off = got - truth
    answer = f"the answer is {truth:,.6g} {unit}".rstrip()
    if abs(off) <= max(tol, rel * abs(truth)):
        return f"({answer}; you said {got:,.6g})"
    share = f" ({off / truth:+.0%})" if truth else ""
    raise Wrong(f"{answer}; you said {got:,.6g}, off by {off:+,.6g}{share}")


def bundled_model() -> torch.nn.Module:
    """Return the bundled model's architecture (SmolLM2-135M's config.json) on the meta device."""
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=49152, hidden_size=576, intermediate_size=1536, num_hidden_layers=30,
        num_attention_heads=9, num_key_value_heads=3, tie_word_embeddings=True,
    )  # fmt: skip
    with torch.device("meta"):
        return LlamaForCausalLM(config)


def bundled_params() -> int:
    """Return the bundled model's number of parameters (tied embeddings counted once)."""
    return sum(p.numel() for p in bundled_model().parameters())
