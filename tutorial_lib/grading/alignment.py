"""The grader's checks for lessons 06–07: reward models and PPO."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from .common import Check, Wrong, number, prediction, show, tensor_like

# --- 06 reward modeling ------------------------------------------------------------------------


def check_margin_bradley_terry_loss(fn: Callable) -> str:
    """Return '' if fn gives mean -log sigmoid(r_chosen - r_rejected - margin), stably, else
    Wrong."""
    # -log sigmoid(1) = 0.31326, -log sigmoid(0) = log 2 = 0.69315: mean 0.50320
    chosen = torch.tensor([1.0, 0.0], requires_grad=True)
    loss = fn(chosen, torch.tensor([0.0, 0.0]), torch.tensor([0.0, 0.0]))
    number(loss, 0.50320, "loss of score differences (1, 0) with margins 0")
    if not isinstance(loss, torch.Tensor) or not loss.requires_grad:
        raise Wrong("return a tensor that keeps the gradient (the reward model trains on it)")
    # the margin is subtracted: differences (1, 0) with margins (2, 0) give -log sigmoid(-1) and
    # -log sigmoid(0): (1.31326 + 0.69315) / 2
    number(
        fn(torch.tensor([1.0, 0.0]), torch.tensor([0.0, 0.0]), torch.tensor([2.0, 0.0])),
        1.00320,
        "loss of score differences (1, 0) with margins (2, 0) (subtract the margin)",
    )
    number(
        fn(torch.tensor([-100.0]), torch.tensor([100.0]), torch.tensor([0.0])),
        200.0,
        "loss of a score difference of -200 (use F.logsigmoid: log(sigmoid(x)) underflows)",
        tol=1e-3,
    )
    return ""


def check_pairwise_accuracy(fn: Callable) -> str:
    """Return '' if fn gives the share of pairs with r_chosen > r_rejected, else raise Wrong."""
    chosen, rejected = torch.tensor([2.0, 1.0, 0.0, 3.0]), torch.tensor([1.0, 1.0, 1.0, 0.0])
    number(fn(chosen, rejected), 0.5, "accuracy (a tie counts as wrong)")
    return ""


def check_ranking_to_pairs(fn: Callable) -> str:
    """Return '' if fn lists every (better, worse) pair of a ranking in order, else Wrong."""
    want = [("a", "b"), ("a", "c"), ("a", "d"), ("b", "c"), ("b", "d"), ("c", "d")]
    got = fn(["a", "b", "c", "d"])
    if not isinstance(got, list) or [tuple(p) for p in got] != want:
        raise Wrong(f"for ranking ['a', 'b', 'c', 'd'] expected {want}, got {show(got)}")
    if fn(["only"]) != []:
        raise Wrong("a ranking of one response has no pairs: expected []")
    return ""


def check_predict_initial_bt_loss(fn: Callable) -> str:
    """Return the note of the prediction for equal rewards: -log sigmoid(0) = log 2."""
    return prediction(fn(), -F.logsigmoid(torch.tensor(0.0)).item(), "nats", tol=0.02)


# --- 07 RLHF with PPO --------------------------------------------------------------------------


def check_kl_shaped_rewards(fn: Callable) -> str:
    """Return '' if fn gives -beta KL per token plus the score at the last token, else Wrong."""
    logprobs = torch.tensor([[-1.0, -1.0, -1.0], [-2.0, -2.0, -2.0]])
    ref = torch.tensor([[-1.5, -1.0, -0.5], [-2.0, -1.0, -3.0]])  # KL (0.5, 0, -0.5), (0, -1, -)
    mask = torch.tensor([[1.0, 1.0, 1.0], [1.0, 1.0, 0.0]])
    want = torch.tensor([[-0.05, 0.0, 1.05], [0.0, 2.1, 0.0]])  # -0.1 KL, score at the last real
    got = fn(torch.tensor([1.0, 2.0]), logprobs, ref, mask, 0.1)
    tensor_like(got, want, "rewards (scores 1 and 2, kl_coef 0.1, row 2 padded at the end)")
    return ""


def check_gae(fn: Callable) -> str:
    """Return '' if fn computes GAE advantages and returns (A + V), padding 0, else raise Wrong."""
    rewards = torch.tensor([[0.0, 0.0, 1.0], [0.0, 1.0, 5.0]])
    values = torch.tensor([[0.5, 0.5, 0.5], [0.5, 0.5, 9.0]])
    mask = torch.tensor([[1.0, 1.0, 1.0], [1.0, 1.0, 0.0]])
    # gamma 1, lam 0.5. Row 1: deltas (0, 0, 0.5) -> A = (0.125, 0.25, 0.5); row 2: deltas (0, 0.5)
    got = fn(rewards, values, mask, 1.0, 0.5)
    if not isinstance(got, tuple) or len(got) != 2:
        raise Wrong(f"expected a tuple (advantages, returns), got {show(got)}")
    tensor_like(
        got[0],
        torch.tensor([[0.125, 0.25, 0.5], [0.25, 0.5, 0.0]]),
        "advantages (gamma 1, lam 0.5)",
    )
    tensor_like(
        got[1],
        torch.tensor([[0.625, 0.75, 1.0], [0.75, 1.0, 0.0]]),
        "returns = advantages + values",
    )
    # gamma 0.5, lam 1, rewards (1, 1), values 0: A_1 = 1, A_0 = 1 + 0.5 * 1 = 1.5
    got = fn(torch.ones(1, 2), torch.zeros(1, 2), torch.ones(1, 2), 0.5, 1.0)
    tensor_like(got[0], torch.tensor([[1.5, 1.0]]), "advantages (gamma 0.5, lam 1)")
    return ""


def ppo_fixture() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Return (logprobs, old_logprobs, advantages) of the notebook's 4-token example."""
    old = torch.log(torch.full((1, 4), 0.5))
    new = torch.log(torch.tensor([[0.5, 0.9, 0.3, 0.9]]))  # ratios 1.0, 1.8, 0.6, 1.8
    return new, old, torch.tensor([[1.0, 1.0, 1.0, -1.0]])


def check_clipped_surrogate_loss(fn: Callable) -> str:
    """Return '' if fn gives PPO's clipped loss as a masked mean, else raise Wrong."""
    # per token max(-A r, -A clip(r)): -1, -1.2, -0.6, 1.8 -> mean -0.25; first three -0.9333
    new, old, adv = ppo_fixture()
    new.requires_grad_(True)
    loss = fn(new, old, adv, torch.ones(1, 4), 0.2)
    number(loss, -0.25, "loss of the 4-token example (eps 0.2)")
    number(
        fn(new, old, adv, torch.tensor([[1.0, 1.0, 1.0, 0.0]]), 0.2),
        -2.8 / 3,
        "loss with the last token masked",
    )
    if not isinstance(loss, torch.Tensor) or not loss.requires_grad:
        raise Wrong("return a tensor that keeps the gradient of logprobs")
    return ""


def check_predict_clipped_tokens(fn: Callable) -> str:
    """Return the note of the prediction of how many tokens the clip switches off."""
    new, old, adv = ppo_fixture()
    ratio = (new - old).exp()
    clipped = (-adv * ratio.clamp(0.8, 1.2)) > (-adv * ratio)
    return prediction(fn(), int(clipped.sum()), "token(s)", rel=0.0)


CHECKS: dict[str, dict[str, Check]] = {
    "06_reward_modeling": {
        "margin_bradley_terry_loss": check_margin_bradley_terry_loss,
        "pairwise_accuracy": check_pairwise_accuracy,
        "ranking_to_pairs": check_ranking_to_pairs,
        "predict_initial_bt_loss": check_predict_initial_bt_loss,
    },
    "07_rlhf_ppo": {
        "kl_shaped_rewards": check_kl_shaped_rewards,
        "gae": check_gae,
        "clipped_surrogate_loss": check_clipped_surrogate_loss,
        "predict_clipped_tokens": check_predict_clipped_tokens,
    },
}
