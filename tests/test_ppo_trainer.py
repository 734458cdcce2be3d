"""The PPO loop on the tiny model: rollout shapes and masks, the reference, one update, a short run,
evaluation."""

import copy

import pytest
import torch
from peft import get_peft_model

from tutorial_lib.bench import bench_ppo
from tutorial_lib.errors import CourseError
from tutorial_lib.models import tiny_model
from tutorial_lib.peft_methods import lora_config
from tutorial_lib.ppo import PPOConfig, response_mask
from tutorial_lib.ppo_trainer import PPOTrainer
from tutorial_lib.rollouts import evaluate, reference_context, response_logprobs, sample

PROMPTS = ["Say hello.", "Name a colour.", "What is the capital of France?", "Count to three."]


def zero_reward(prompts, completions, **kwargs) -> list[float]:
    """Return 0 for every completion."""
    return [0.0] * len(completions)


@pytest.fixture
def policy():
    """Return (model, tokenizer, frozen reference copy): a fresh tiny Llama, so no other test's
    training leaks in."""
    model, tok = tiny_model(seed=1)
    return model, tok, copy.deepcopy(model)


def trainer_for(policy, **overrides) -> PPOTrainer:
    """Return a PPOTrainer on the tiny policy with short responses and the given PPOConfig
    overrides."""
    model, tok, ref = policy
    settings = dict(batch_size=4, minibatch_size=2, ppo_epochs=1, max_new_tokens=6, lr=1e-3)
    return PPOTrainer(
        model, tok, zero_reward, PPOConfig(**{**settings, **overrides}), ref_model=ref
    )


def test_left_padded_logprobs_equal_each_row_alone(policy):
    model, tok, _ = policy
    torch.manual_seed(0)
    query, query_mask, response = sample(model, tok, PROMPTS[:2], max_new_tokens=5)
    # the prompts differ in length: one row is left-padded
    assert query_mask[0].sum() != query_mask[1].sum()
    ids, attention = (
        torch.cat([query, response], 1),
        torch.cat([query_mask, torch.ones_like(response)], 1),
    )
    batched = response_logprobs(model, ids, attention, query.shape[1])
    for row in range(2):
        real = query_mask[row].bool()
        alone = torch.cat([query[row][real], response[row]]).unsqueeze(0)
        expected = response_logprobs(model, alone, torch.ones_like(alone), int(real.sum()))
        # position ids restart at the first real token
        assert torch.allclose(batched[row], expected[0], atol=1e-4)


def test_rollout_shapes_masks_and_zero_kl_at_start(policy):
    trainer = trainer_for(policy)
    rollout, seconds = trainer.rollout(PROMPTS)
    batch, length = rollout.response.shape
    assert batch == 4 and length <= 6 and set(seconds) == {"generate_s", "score_s"}
    for name in ("mask", "logprobs", "ref_logprobs", "values"):
        assert getattr(rollout, name).shape == (batch, length)
    assert torch.equal(rollout.mask, response_mask(rollout.response, trainer.eos_ids))
    assert torch.equal(rollout.attention_mask[:, -length:], rollout.mask.long())
    # the policy starts as the reference
    assert torch.allclose(rollout.logprobs, rollout.ref_logprobs, atol=1e-5)
    assert torch.count_nonzero(rollout.values) == 0  # the value head starts at zero
    assert (rollout.logprobs <= 0).all() and len(rollout.texts) == batch


def test_one_update_raises_the_rewarded_response_and_lowers_the_punished(policy):
    trainer = trainer_for(policy, ppo_epochs=4, batch_size=2, minibatch_size=2, kl_coef=0.0)
    rollout, _ = trainer.rollout(PROMPTS[:2])
    rollout.scores = torch.tensor([1.0, -1.0])  # reward the first response, punish the second
    before = (rollout.logprobs * rollout.mask).sum(1)
    stats = trainer.learn(rollout)
    after = (
        response_logprobs(
            trainer.model.lm, rollout.input_ids, rollout.attention_mask, rollout.query.shape[1]
        )
        * rollout.mask
    ).sum(1)
    assert after[0] > before[0] and after[1] < before[1]
    assert 0.0 <= stats["clip_frac"] <= 1.0 and stats["kl"] == pytest.approx(0.0, abs=1e-4)


def test_train_runs_steps_and_keeps_history(policy):
    trainer = trainer_for(policy)
    result = trainer.train(PROMPTS * 2, steps=2)
    assert len(result.losses) == 2 and len(trainer.history) == 2
    # full policy + value head
    assert result.trainable == sum(p.numel() for p in trainer.model.parameters())
    assert trainer.history[1]["kl"] != 0.0  # after one update the policy has left the reference
    assert {"generate_s", "score_s", "optimize_s", "reward", "entropy", "clip_frac", "beta"} <= set(
        trainer.history[0]
    )


def test_peft_reference_is_the_base_model_and_evaluate_reports_zero_kl():
    model, tok = tiny_model(seed=2)
    base = copy.deepcopy(model)
    lora = get_peft_model(model, lora_config(4, 8, targets=("q_proj", "v_proj")))
    for name, param in lora.named_parameters():
        if "lora_B" in name:  # B starts at 0; move it so the adapter changes the output
            torch.nn.init.normal_(param, std=0.5)
    ids = tok(["Hello there, how are you?"], return_tensors="pt").input_ids
    ones = torch.ones_like(ids)
    with reference_context(lora, None):
        reference = response_logprobs(lora, ids, ones, 3)
    assert torch.allclose(reference, response_logprobs(base, ids, ones, 3), atol=1e-5)
    assert not torch.allclose(response_logprobs(lora, ids, ones, 3), reference, atol=1e-3)
    scores, texts = evaluate(
        base, tok, zero_reward, PROMPTS, max_new_tokens=4, ref_model=copy.deepcopy(base)
    )
    assert (
        scores["kl"] == pytest.approx(0.0, abs=1e-4)
        and 1 <= scores["length"] <= 4
        and len(texts) == len(PROMPTS)
    )
    means, again, per = evaluate(
        base, tok, zero_reward, PROMPTS, 4, ref_model=copy.deepcopy(base), per_prompt=True
    )
    assert again == texts and means == scores  # same seed, same samples, same means
    assert {k: len(v) for k, v in per.items()} == dict.fromkeys(scores, len(PROMPTS))
    assert means["length"] == pytest.approx(sum(per["length"]) / len(PROMPTS))


def test_bad_settings_raise_course_errors(policy):
    model, tok, _ = policy
    with pytest.raises(CourseError, match="peft model"):
        PPOTrainer(model, tok, zero_reward, PPOConfig())  # no reference and no adapter to disable
    with pytest.raises(CourseError, match="multiple of minibatch_size"):
        trainer_for(policy, batch_size=6, minibatch_size=4)
    trainer = trainer_for(policy)
    with pytest.raises(CourseError, match="batch_size=4 prompts"):
        trainer.step(PROMPTS[:3])
    with pytest.raises(CourseError, match="at least batch_size"):
        trainer.train(PROMPTS[:2], steps=1)


def test_bench_ppo_splits_a_step_into_its_parts():
    r = bench_ppo(steps=1, batch_size=4, new_tokens=4, tiny=True)
    assert {"generate_s", "score_s", "optimize_s"} <= set(r) and all(
        r[k] > 0 for k in ("generate_s", "score_s", "optimize_s")
    )
    assert r["step_s"] == pytest.approx(r["generate_s"] + r["score_s"] + r["optimize_s"])
    assert 1 <= r["response_tokens"] <= 4
