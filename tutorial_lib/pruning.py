"""Magnitude pruning: zero the smallest weights of a model's Linear layers, and measure sparsity.

Pruning goes per layer or globally. The other compression tool, distillation, is in
tutorial_lib.distillation.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn

from .errors import CourseError


def prunable_linears(model_or_linears: nn.Module | Iterable[nn.Linear]) -> list[nn.Linear]:
    """Return the Linear layers to prune: the list given, or a model's Linears.

    A model's lm_head and any Linear tied to an embedding are left out.
    """
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
    """Return how many weights were set to zero, in place: the share `sparsity` of smallest |w|.

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
