import copy
import math

import pytest
import torch

from tutorial_lib import CourseError
from tutorial_lib.ppo import (
    AdaptiveKLController,
    FixedKLController,
    PolicyWithValue,
    PPOConfig,
    entropy_from_logits,
    gae,
    kl_controller,
    kl_estimate,
    kl_k3,
    last_token_index,
    logprobs_from_logits,
    masked_mean,
    masked_var,
    masked_whiten,
    per_token_rewards,
    policy_loss,
    response_mask,
    response_part,
    value_loss,
)

PROMPT = "The capital of France is"
COMPLETION = " Paris, a city on the Seine."


def t(*rows) -> torch.Tensor:
    """Return a float tensor of the given rows."""
    return torch.tensor(rows, dtype=torch.float32)


# --- masked statistics ----------------------------------------------------------------------------


def test_masked_mean_and_var_ignore_padding():
    x, mask = t([2.0, 4.0, 6.0, 100.0]), t([1.0, 1.0, 1.0, 0.0])
    assert masked_mean(x, mask).item() == pytest.approx(4.0)  # (2 + 4 + 6) / 3
    assert masked_var(x, mask).item() == pytest.approx(4.0)  # ((-2)^2 + 0 + 2^2) / (3 - 1)
    assert masked_var(x, mask, unbiased=False).item() == pytest.approx(8 / 3)  # 8 / 3
    rows = masked_mean(
        t([1.0, 3.0, 9.0], [5.0, 0.0, 0.0]), t([1.0, 1.0, 0.0], [1.0, 0.0, 0.0]), dim=1
    )
    assert torch.allclose(rows, t(2.0, 5.0))


def test_masked_whiten_by_hand_and_on_random_data():
    x, mask = t([2.0, 4.0, 6.0, 100.0]), t([1.0, 1.0, 1.0, 0.0])
    # mean 4, unbiased variance 4, std 2: (x - 4) / 2 = [-1, 0, 1]; padding set to 0
    assert torch.allclose(masked_whiten(x, mask), t([-1.0, 0.0, 1.0, 0.0]), atol=1e-6)
    # shift_mean=False adds the mean back: [3, 4, 5]
    assert torch.allclose(
        masked_whiten(x, mask, shift_mean=False), t([3.0, 4.0, 5.0, 0.0]), atol=1e-6
    )
    torch.manual_seed(0)
    x = torch.randn(4, 7) * 3 + 5
    mask = (torch.arange(7) < torch.tensor([[7], [5], [2], [4]])).float()
    x = x.masked_fill(mask == 0, 1e4)  # huge padding must not leak into the statistics
    white = masked_whiten(x, mask)
    assert masked_mean(white, mask).item() == pytest.approx(0.0, abs=1e-5)
    assert masked_var(white, mask).item() == pytest.approx(1.0, abs=1e-4)
    assert (white[mask == 0] == 0).all()


# --- log-probabilities, KL and entropy ------------------------------------------------------------


def test_logprobs_from_logits():
    # logits [0, ln 3]: p = [1/4, 3/4]
    logits = torch.tensor([[[0.0, math.log(3.0)], [0.0, math.log(3.0)]]])
    assert torch.allclose(
        logprobs_from_logits(logits, torch.tensor([[1, 0]])), t([math.log(0.75), math.log(0.25)])
    )
    torch.manual_seed(0)
    logits, tokens = torch.randn(2, 5, 11), torch.randint(0, 11, (2, 5))
    expected = torch.stack(
        [torch.log_softmax(logits[b, i], -1)[tokens[b, i]] for b in range(2) for i in range(5)]
    ).view(2, 5)
    assert torch.allclose(logprobs_from_logits(logits, tokens), expected, atol=1e-6)


def test_entropy_of_uniform_is_log_vocab_and_padding_is_ignored():
    logits = torch.zeros(2, 3, 50)
    logits[1, 2] = torch.randn(50) * 10  # a peaked distribution, but at a padded position
    mask = t([1.0, 1.0, 1.0], [1.0, 1.0, 0.0])
    assert entropy_from_logits(logits, mask).item() == pytest.approx(math.log(50), abs=1e-5)


def test_kl_estimators():
    logprobs = t([-1.0, -2.0, -0.5])
    assert (kl_estimate(logprobs, logprobs) == 0).all()
    assert (kl_k3(logprobs, logprobs) == 0).all()
    # k1 = log pi - log ref; k3 with r = ref / pi = 0.5: (0.5 - 1) - ln 0.5 = 0.193147
    assert torch.allclose(kl_estimate(t([0.0]), t([math.log(0.5)])), t([math.log(2.0)]))
    assert kl_k3(t([0.0]), t([math.log(0.5)])).item() == pytest.approx(
        -0.5 + math.log(2.0), abs=1e-6
    )
    # k1 can be negative on a single token; k3 never is
    assert kl_estimate(t([-2.0]), t([-1.0])).item() == pytest.approx(-1.0)
    assert kl_k3(t([-2.0]), t([-1.0])).item() > 0


# --- rewards and advantages -----------------------------------------------------------------------


def test_response_mask_with_and_without_eos():
    tokens = torch.tensor([[5, 6, 2, 2, 2], [5, 2, 7, 8, 9], [5, 6, 7, 8, 9], [2, 2, 2, 2, 2]])
    expected = t([1, 1, 1, 0, 0], [1, 1, 0, 0, 0], [1, 1, 1, 1, 1], [1, 0, 0, 0, 0])
    assert torch.equal(response_mask(tokens, eos_token_id=2), expected)
    # several stop tokens (as generation_config.eos_token_id may list): the first of any ends the
    # response
    assert torch.equal(
        response_mask(torch.tensor([[5, 7, 6, 2]]), eos_token_id=[2, 7]), t([1, 1, 0, 0])
    )


def test_per_token_rewards_by_hand():
    logprobs = t([-1.0, -2.0, -0.5, -3.0], [-1.0, -1.0, -1.0, -1.0])
    ref = t([-1.5, -1.0, -0.5, -9.0], [-2.0, -2.0, -2.0, -2.0])
    mask = t([1, 1, 1, 0], [1, 1, 1, 1])
    rewards, kl = per_token_rewards(t(2.0, -1.0), logprobs, ref, mask, kl_coef=0.1)
    # row 0: kl = [0.5, -1.0, 0.0, (padding) 0]; rewards = -0.1 * kl, + score 2 at the last real
    # token (index 2)
    # row 1: kl = [1, 1, 1, 1]; rewards = -0.1 each, + score -1 at index 3
    assert torch.allclose(kl, t([0.5, -1.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0]))
    assert torch.allclose(rewards, t([-0.05, 0.1, 2.0, 0.0], [-0.1, -0.1, -0.1, -1.1]))


def test_last_token_index_rejects_an_empty_response():
    assert last_token_index(t([1, 1, 0], [1, 1, 1])).tolist() == [1, 2]
    with pytest.raises(CourseError):
        last_token_index(t([0, 0, 0]))


def test_gae_by_hand():
    rewards, values, mask = t([0.0, 0.0, 1.0]), t([0.5, 0.6, 0.7]), t([1.0, 1.0, 1.0])
    advantages, returns = gae(rewards, values, mask, gamma=1.0, lam=0.95)
    # delta_2 = 1 + 0 - 0.7 = 0.3                    A_2 = 0.3
    # delta_1 = 0 + 0.7 - 0.6 = 0.1                  A_1 = 0.1 + 0.95 * 0.3 = 0.385
    # delta_0 = 0 + 0.6 - 0.5 = 0.1                  A_0 = 0.1 + 0.95 * 0.385 = 0.46575
    assert torch.allclose(advantages, t([0.46575, 0.385, 0.3]))
    assert torch.allclose(returns, t([0.96575, 0.985, 1.0]))  # A + V


def test_gae_padding_does_not_change_real_positions():
    rewards = t([0.0, 0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 5.0, 5.0])
    values = t([0.5, 0.6, 0.7, 0.0, 0.0], [0.5, 0.6, 0.7, 9.0, 9.0])
    mask = t([1, 1, 1, 0, 0], [1, 1, 1, 0, 0])
    advantages, returns = gae(rewards, values, mask, gamma=1.0, lam=0.95)
    # the same as the unpadded row; garbage after the end is ignored
    expected = t([0.46575, 0.385, 0.3, 0.0, 0.0])
    assert torch.allclose(advantages, torch.stack([expected, expected]))
    assert torch.allclose(returns[:, 3:], torch.zeros(2, 2))


def test_gae_with_gamma_and_lambda_one_is_future_rewards_minus_value():
    rewards, values, mask = t([0.5, 0.0, 1.0]), t([0.2, 0.3, 0.4]), t([1.0, 1.0, 1.0])
    advantages, returns = gae(rewards, values, mask, gamma=1.0, lam=1.0)
    # future rewards [1.5, 1.0, 1.0] minus values [0.2, 0.3, 0.4]
    assert torch.allclose(advantages, t([1.3, 0.7, 0.6]))
    assert torch.allclose(returns, t([1.5, 1.0, 1.0]))


def test_gae_with_lambda_zero_is_one_step_td():
    rewards, values, mask = t([0.0, 2.0]), t([1.0, 3.0]), t([1.0, 1.0])
    advantages, _ = gae(rewards, values, mask, gamma=0.5, lam=0.0)
    # A_0 = 0 + 0.5 * 3 - 1 = 0.5; A_1 = 2 + 0.5 * 0 - 3 = -1
    assert torch.allclose(advantages, t([0.5, -1.0]))


# --- losses ---------------------------------------------------------------------------------------


def test_policy_loss_inside_the_clip_range_is_minus_advantage_times_ratio():
    ratios, advantages, mask = t([1.1, 0.9, 1.0]), t([2.0, -1.0, 0.5]), t([1.0, 1.0, 1.0])
    loss, clip_fraction, approx_kl = policy_loss(
        ratios.log(), torch.zeros(3), advantages, mask, clip_range=0.2
    )
    # -(2 * 1.1 - 1 * 0.9 + 0.5 * 1.0) / 3 = -(2.2 - 0.9 + 0.5) / 3 = -0.6
    assert loss.item() == pytest.approx(-0.6, abs=1e-6)
    assert clip_fraction.item() == 0.0
    # k3: (r - 1) - ln r = [0.1 - ln 1.1, -0.1 - ln 0.9, 0] = [0.0046898, 0.0053605, 0]; mean
    # 0.0033501
    assert approx_kl.item() == pytest.approx(0.0033501, abs=1e-6)


def test_policy_loss_clips_and_counts_exactly():
    ratios = t([1.1, 1.5, 0.5, 0.5, 1.5, 3.0])
    advantages = t([2.0, 1.0, -1.0, 1.0, -1.0, 10.0])
    mask = t([1.0, 1.0, 1.0, 1.0, 1.0, 0.0])
    logprobs = ratios.log().requires_grad_(True)
    loss, clip_fraction, _ = policy_loss(logprobs, torch.zeros(6), advantages, mask, clip_range=0.2)
    # token 0: inside the range                       -2 * 1.1 = -2.2
    # token 1: r 1.5, A > 0: max(-1.5, -1.2) = -1.2   clipped
    # token 2: r 0.5, A < 0: max(0.5, 0.8) = 0.8      clipped
    # token 3: r 0.5, A > 0: max(-0.5, -0.8) = -0.5   not clipped (the pessimistic unclipped term
    # wins)
    # token 4: r 1.5, A < 0: max(1.5, 1.2) = 1.5      not clipped
    # token 5: padding, ignored
    # loss = (-2.2 - 1.2 + 0.8 - 0.5 + 1.5) / 5 = -0.32; clip_fraction = 2 / 5
    assert loss.item() == pytest.approx(-0.32, abs=1e-6)
    assert clip_fraction.item() == pytest.approx(0.4)
    loss.backward()
    # the clipped tokens and the padding get no gradient; -A * r / 5 at the others
    assert torch.allclose(logprobs.grad, t([-2.2 / 5, 0.0, 0.0, -0.5 / 5, 1.5 / 5, 0.0]), atol=1e-6)


def test_value_loss_clipped_and_unclipped_by_hand():
    values, old_values = t([0.1, 0.5, 0.5, 7.0]), t([0.0, 0.0, 0.0, 0.0])
    returns, mask = t([1.0, 1.0, 0.0, 0.0]), t([1.0, 1.0, 1.0, 0.0])
    loss, clip_fraction = value_loss(values, old_values, returns, mask, clip_range_value=0.2)
    # token 0: v 0.1 inside [-0.2, 0.2]: both errors (0.1 - 1)^2 = 0.81
    # token 1: v 0.5 -> clipped 0.2: max((0.5 - 1)^2, (0.2 - 1)^2) = max(0.25, 0.64) = 0.64
    # clipped
    # token 2: v 0.5 -> clipped 0.2: max((0.5 - 0)^2, (0.2 - 0)^2) = max(0.25, 0.04) = 0.25   not
    # clipped
    # token 3: padding
    # loss = 0.5 * (0.81 + 0.64 + 0.25) / 3 = 0.283333; clip_fraction = 1 / 3
    assert loss.item() == pytest.approx(0.5 * 1.7 / 3, abs=1e-6)
    assert clip_fraction.item() == pytest.approx(1 / 3)


# --- the KL coefficient ---------------------------------------------------------------------------


def test_adaptive_kl_controller():
    def updated(current_kl: float) -> float:
        controller = AdaptiveKLController(0.1, target=6.0, horizon=10000)
        return controller.update(current_kl, n_steps=100)

    # error 6.6 / 6 - 1 = 0.1: beta * 1.001
    assert updated(6.6) == pytest.approx(0.1 * (1 + 0.1 * 100 / 10000))
    assert updated(5.4) == pytest.approx(0.1 * (1 - 0.1 * 100 / 10000))  # error -0.1: beta * 0.999
    # error 9 clipped to 0.2: beta * 1.002
    assert updated(60.0) == pytest.approx(0.1 * (1 + 0.2 * 100 / 10000))
    # error -1 clipped to -0.2: beta * 0.998
    assert updated(0.0) == pytest.approx(0.1 * (1 - 0.2 * 100 / 10000))
    assert updated(6.0) == pytest.approx(0.1)
    controller = AdaptiveKLController(0.1, target=6.0, horizon=10000)
    controller.update(60.0, n_steps=100)
    controller.update(60.0, n_steps=100)
    assert controller.value == pytest.approx(0.1 * 1.002**2)  # updates compound


def test_fixed_kl_controller_and_factory():
    assert FixedKLController(0.05).update(100.0, n_steps=1000) == 0.05
    assert isinstance(kl_controller(PPOConfig()), FixedKLController)
    adaptive = kl_controller(PPOConfig(adaptive_kl=True, kl_coef=0.2, target_kl=3.0))
    assert (
        isinstance(adaptive, AdaptiveKLController)
        and adaptive.value == 0.2
        and adaptive.target == 3.0
    )


# --- the policy with a value head on the tiny model -----------------------------------------------


def prompt_and_completion(tok) -> tuple[torch.Tensor, torch.Tensor]:
    """Return the token ids of PROMPT and COMPLETION, each of shape (1, len)."""
    return tok(PROMPT, return_tensors="pt").input_ids, tok(
        COMPLETION, return_tensors="pt"
    ).input_ids


def completion_logprobs(
    policy: PolicyWithValue, prompt: torch.Tensor, completion: torch.Tensor
) -> torch.Tensor:
    """Return log p(completion token) at each completion position, shape (1, completion_len)."""
    ids = torch.cat([prompt, completion], dim=1)
    logits, _ = policy(ids, torch.ones_like(ids))
    return logprobs_from_logits(response_part(logits, prompt.shape[1]), completion)


def test_policy_with_value_shapes_and_zero_initial_values(tiny):
    model, tok = tiny
    policy = PolicyWithValue(model)
    ids = tok(PROMPT, return_tensors="pt").input_ids
    with torch.no_grad():
        logits, values = policy(ids, torch.ones_like(ids))
        assert torch.allclose(logits, model(ids).logits, atol=1e-5)
    assert logits.shape == (1, ids.shape[1], model.config.vocab_size)
    assert values.shape == ids.shape and (values == 0).all()


def test_response_part_aligns_with_the_model_loss(tiny):
    model, tok = tiny
    prompt, completion = prompt_and_completion(tok)
    with torch.no_grad():
        logprobs = completion_logprobs(PolicyWithValue(model), prompt, completion)
        ids = torch.cat([prompt, completion], dim=1)
        labels = ids.clone()
        labels[:, : prompt.shape[1]] = -100  # the model's own loss on the completion only
        mean_nll = model(ids, labels=labels).loss
    assert logprobs.shape == completion.shape
    assert -logprobs.mean().item() == pytest.approx(mean_nll.item(), abs=1e-4)


def test_left_padded_prompt_gives_the_same_response_logprobs(tiny):
    model, tok = tiny
    policy = PolicyWithValue(model)
    prompt, completion = prompt_and_completion(tok)
    padded = torch.cat([torch.full((1, 3), tok.pad_token_id), prompt], dim=1)
    with torch.no_grad():
        plain = completion_logprobs(policy, prompt, completion)
        ids = torch.cat([padded, completion], dim=1)
        attention = torch.ones_like(ids)
        attention[:, :3] = 0
        logits, _ = policy(ids, attention)
        shifted = logprobs_from_logits(response_part(logits, padded.shape[1]), completion)
    assert torch.allclose(plain, shifted, atol=1e-4)


def test_prompt_len_keeps_only_the_response_positions(tiny):
    model, tok = tiny
    policy = PolicyWithValue(model)
    policy.value_head.linear.bias.data.fill_(0.5)
    generator = torch.Generator().manual_seed(0)
    policy.value_head.linear.weight.data = torch.randn(
        policy.value_head.linear.weight.shape, generator=generator
    )
    prompt, completion = prompt_and_completion(tok)
    ids = torch.cat([torch.full((1, 2), tok.pad_token_id), prompt, completion], dim=1)
    attention = torch.ones_like(ids)
    attention[:, :2] = 0
    prompt_len = 2 + prompt.shape[1]
    with torch.no_grad():
        logits, values = policy(ids, attention)
        kept_logits, kept_values = policy(ids, attention, prompt_len)
    assert kept_logits.shape == (1, completion.shape[1], model.config.vocab_size)
    assert torch.allclose(kept_logits, response_part(logits, prompt_len), atol=1e-5)
    assert torch.allclose(kept_values, response_part(values, prompt_len), atol=1e-5)


def ppo_steps(model, tok, advantage: float, steps: int = 4) -> tuple[float, float]:
    """Return the completion's total log-prob before and after a few policy-loss steps with this
    advantage everywhere."""
    policy = PolicyWithValue(copy.deepcopy(model))
    prompt, completion = prompt_and_completion(tok)
    with torch.no_grad():
        old = completion_logprobs(policy, prompt, completion)
    advantages, mask = torch.full_like(old, advantage), torch.ones_like(old)
    optimizer = torch.optim.AdamW(policy.parameters(), lr=1e-3)
    for _ in range(steps):
        loss, _, _ = policy_loss(
            completion_logprobs(policy, prompt, completion), old, advantages, mask, clip_range=0.2
        )
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        new = completion_logprobs(policy, prompt, completion)
    return old.sum().item(), new.sum().item()


def test_a_positive_advantage_raises_the_completion_logprob(tiny):
    model, tok = tiny
    before, after = ppo_steps(model, tok, advantage=1.0)
    assert after > before + 0.1


def test_a_negative_advantage_lowers_the_completion_logprob(tiny):
    model, tok = tiny
    before, after = ppo_steps(model, tok, advantage=-1.0)
    assert after < before - 0.1


def test_value_loss_trains_the_value_head_towards_the_returns(tiny):
    model, tok = tiny
    policy = PolicyWithValue(copy.deepcopy(model))
    ids = tok(PROMPT, return_tensors="pt").input_ids
    returns, mask = torch.ones(ids.shape), torch.ones(ids.shape)
    optimizer = torch.optim.AdamW(policy.value_head.parameters(), lr=1e-2)
    losses = []
    for _ in range(5):
        _, values = policy(ids, torch.ones_like(ids))
        loss, _ = value_loss(values, values.detach(), returns, mask, clip_range_value=10.0)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[0] == pytest.approx(0.5)  # values start at 0: 0.5 * (0 - 1)^2
    assert losses[-1] < losses[0]
