"""Lesson 06 · Reward modeling — solutions.

Check them with: python -m tutorial_lib grade 06 --solutions
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def margin_bradley_terry_loss(
    r_chosen: torch.Tensor, r_rejected: torch.Tensor, margin: torch.Tensor
) -> torch.Tensor:
    """Return the Bradley-Terry loss with a margin (Llama 2's reward models, Touvron et al. 2023):
    the mean over pairs of -log sigmoid(r_chosen - r_rejected - margin), as a 0-dim tensor that
    keeps the gradient.

    r_chosen, r_rejected: (pairs,), the reward model's scores; margin: (pairs,), how much better the
    labeller said the chosen answer is (0 for "slightly better", larger for "much better"): the
    chosen answer must win by at least that much before the loss gets small. Margin 0 everywhere is
    the notebook's bradley_terry_loss. It must stay finite for large differences (a score
    difference of -200 gives 200, not inf).
    """
    return -F.logsigmoid(r_chosen - r_rejected - margin).mean()


def pairwise_accuracy(r_chosen: torch.Tensor, r_rejected: torch.Tensor) -> float:
    """Return the fraction of pairs (a float from 0 to 1) where r_chosen > r_rejected; a tie counts
    as wrong."""
    return float((r_chosen > r_rejected).float().mean())


def ranking_to_pairs(ranked: list[str]) -> list[tuple[str, str]]:
    """Return every (chosen, rejected) pair of a ranking, best response first in `ranked`.

    Pairs come in order: (ranked[0], ranked[1]), (ranked[0], ranked[2]), ...,
    (ranked[1], ranked[2]), ... K responses give K (K - 1) / 2 pairs; one response gives [].
    """
    return [(ranked[i], ranked[j]) for i in range(len(ranked)) for j in range(i + 1, len(ranked))]


def predict_initial_bt_loss() -> float:
    """Predict, then run: a fresh reward model gives the chosen and the rejected answer of every
    pair the same score. What is its Bradley-Terry loss?

    Return your prediction as a number (right within 0.02); section 4 of the notebook answers it.
    """
    return math.log(2)
