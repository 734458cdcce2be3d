"""DPO and GRPO on the tiny model: the DPO loss against trl's, GRPO's group advantages against
trl's, short runs."""

import copy
import math
import tempfile

import pytest
import torch
from peft import get_peft_model
from transformers import LlamaForCausalLM, LlamaForSequenceClassification

from tutorial_lib.errors import CourseError
from tutorial_lib.models import count_parameters
from tutorial_lib.peft_methods import lora_config
from tutorial_lib.ppo import logprobs_from_logits
from tutorial_lib.preference_optimization import (
    dpo_config,
    dpo_loss,
    group_advantages,
    grpo_config,
    grpo_dataset,
    make_dpo_trainer,
    make_grpo_trainer,
    reward_function,
    train_dpo,
    train_grpo,
)
from tutorial_lib.reward import score
from tutorial_lib.training import TrainConfig


def completion_logps(model: LlamaForCausalLM, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """Return each row's summed log-prob of its completion tokens: chosen rows, then rejected."""
    logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    logps = logprobs_from_logits(logits[:, :-1], batch["input_ids"][:, 1:])  # t+1 predicted at t
    return (logps * batch["completion_mask"][:, 1:]).sum(1)


ROWS = [  # easy pairs: a full polite sentence beats a curt fragment
    {
        "prompt": "What is the capital of France?",
        "chosen": "The capital of France is Paris.",
        "rejected": "idk",
    },
    {"prompt": "Name a colour.", "chosen": "Blue is a lovely colour.", "rejected": "no"},
    {
        "prompt": "How many legs does a cat have?",
        "chosen": "A cat has four legs.",
        "rejected": "??",
    },
    {"prompt": "Say hello.", "chosen": "Hello! Nice to meet you.", "rejected": "meh"},
]
FAST = TrainConfig(steps=3, batch_size=4, lr=1e-3, max_seq_len=128)
LOG2 = math.log(2)


def fresh(model: LlamaForCausalLM) -> LlamaForCausalLM:
    """Return an independent copy of `model`, built anew rather than deep-copied.

    trl replaces model.forward with a closure over the original forward; a deepcopy of a model some
    trainer has seen would still run the original's weights in a plain forward, which is what these
    tests compute log-probs with.
    """
    copied = LlamaForCausalLM(copy.deepcopy(model.config))
    copied.load_state_dict(model.state_dict())
    return copied.eval()


def all_pairs(model, tok) -> dict[str, torch.Tensor]:
    """Return every row of ROWS as one DPOTrainer batch: chosen sequences first, then the rejected
    ones."""
    with tempfile.TemporaryDirectory() as tmp:
        trainer = make_dpo_trainer(fresh(model), tok, ROWS, FAST, tmp)
        return trainer.data_collator(list(trainer.train_dataset))


def margins(model, batch) -> torch.Tensor:
    """Return log pi(chosen) - log pi(rejected) per pair."""
    with torch.no_grad():
        chosen, rejected = completion_logps(model, batch).chunk(2)
    return chosen - rejected


# --- DPO ------------------------------------------------------------------------------------------


def test_dpo_loss_by_hand():
    # margin = (-1 - -1.5) - (-2 - -1.5) = 1; -log sigmoid(0.5 * 1) = log(1 + e^-0.5) = 0.47408
    loss = dpo_loss(
        torch.tensor([-1.0]),
        torch.tensor([-2.0]),
        torch.tensor([-1.5]),
        torch.tensor([-1.5]),
        beta=0.5,
    )
    assert loss.item() == pytest.approx(
        math.log1p(math.exp(-0.5))
    ) and loss.item() == pytest.approx(0.47408, abs=1e-5)
    logps = torch.tensor([-3.0, -7.5, -0.2])
    assert dpo_loss(logps, logps.flip(0), logps, logps.flip(0), beta=0.1).item() == pytest.approx(
        LOG2
    )


def test_completion_mask_covers_the_answer_and_its_end_of_turn(tiny):
    _, tok = tiny
    batch = all_pairs(*tiny)
    answers = [r["chosen"] for r in ROWS] + [r["rejected"] for r in ROWS]
    for ids, mask, answer in zip(batch["input_ids"], batch["completion_mask"], answers):
        assert tok.decode(ids[mask.bool()]) == f"{answer}<|im_end|>\n"


def test_dpo_loss_is_trls_loss(tiny):
    model, tok = tiny
    policy, ref = fresh(model), fresh(model)
    with tempfile.TemporaryDirectory() as tmp:
        trainer = make_dpo_trainer(policy, tok, ROWS, FAST, tmp, beta=0.5, ref_model=ref)
        batch = trainer.data_collator(list(trainer.train_dataset))
        with torch.no_grad():
            at_init = trainer.compute_loss(policy, dict(batch))
            torch.manual_seed(1)
            for p in policy.parameters():  # move the policy away from the reference
                p.add_(0.05 * torch.randn_like(p))
            trl_loss = trainer.compute_loss(policy, dict(batch))
            pi_c, pi_r = completion_logps(policy, batch).chunk(2)
            ref_c, ref_r = completion_logps(ref, batch).chunk(2)
    assert at_init.item() == pytest.approx(LOG2, abs=1e-5)  # policy == reference: every margin is 0
    assert abs(trl_loss.item() - LOG2) > 1e-3  # the check below is not the trivial one
    torch.testing.assert_close(
        trl_loss, dpo_loss(pi_c, pi_r, ref_c, ref_r, beta=0.5), atol=1e-5, rtol=0
    )


def test_train_dpo_widens_the_margin(tiny):
    model, tok = tiny
    policy, batch = fresh(model), all_pairs(*tiny)
    before = margins(policy, batch)
    result = train_dpo(policy, tok, ROWS, FAST, beta=0.5, name="tiny dpo")
    gain = margins(policy, batch) - before
    assert len(result.losses) == FAST.steps and result.losses[0] == pytest.approx(LOG2, abs=1e-5)
    assert result.losses[-1] < result.losses[0] - 0.05 and (gain > 0).all()
    assert result.name == "tiny dpo" and result.trainable == result.total > 0 and result.tokens > 0


def test_train_dpo_on_a_peft_model_keeps_one_base_and_drops_trls_ref_adapter(tiny):
    model, tok = tiny
    policy = get_peft_model(fresh(model), lora_config(r=4))
    lora = count_parameters(policy, trainable_only=True)
    base = {
        k: v.clone() for k, v in policy.get_base_model().state_dict().items() if "lora" not in k
    }
    result = train_dpo(
        policy, tok, ROWS, TrainConfig(steps=2, batch_size=2, lr=1e-3, max_seq_len=128)
    )
    assert len(result.losses) == 2 and result.losses[0] == pytest.approx(LOG2, abs=1e-5)
    assert result.trainable == lora > 0 and result.total == count_parameters(policy)
    # trl's "ref" copy is gone
    assert list(policy.peft_config) == ["default"] and policy.active_adapter == "default"
    after = policy.get_base_model().state_dict()
    assert all(torch.equal(v, after[k]) for k, v in base.items())  # only the adapter moved


def test_dpo_bad_inputs(tiny):
    model, tok = tiny
    with pytest.raises(CourseError, match="empty"):
        train_dpo(fresh(model), tok, [], FAST)
    with pytest.raises(CourseError, match="beta > 0"):
        dpo_config(FAST, "unused", beta=0.0)
    policy = fresh(model)
    with pytest.raises(CourseError, match="separate"), tempfile.TemporaryDirectory() as tmp:
        make_dpo_trainer(policy, tok, ROWS, FAST, tmp, ref_model=policy)


# --- GRPO -----------------------------------------------------------------------------------------


def test_group_advantages_by_hand():
    rewards = torch.tensor([1.0, 2.0, 3.0, 4.0, 0.0, 0.0, 0.0, 0.0])
    std = math.sqrt((1.5**2 + 0.5**2) * 2 / 3)  # Bessel: divide by n - 1 = 3; std = 1.29099
    expected = torch.tensor([-1.5, -0.5, 0.5, 1.5, 0, 0, 0, 0]) / torch.tensor(
        [std + 1e-4] * 4 + [1.0] * 4
    )
    advantages = group_advantages(rewards, 4)
    torch.testing.assert_close(advantages, expected)
    # equal rewards: no signal, no NaN
    assert not advantages.isnan().any() and (advantages[4:] == 0).all()
    centred = torch.tensor([-1.5, -0.5, 0.5, 1.5, 0, 0, 0, 0])
    torch.testing.assert_close(group_advantages(rewards, 4, scale=False), centred)


def test_group_advantages_are_trls(tiny):
    model, tok = tiny
    seen = []

    def length_mod_5(prompts, completions, **kwargs):
        rewards = [float(len(c[0]["content"]) % 5) for c in completions]
        seen.append(rewards)
        return rewards

    with tempfile.TemporaryDirectory() as tmp:
        cfg = TrainConfig(batch_size=8)  # two groups of 4 completions
        trainer = make_grpo_trainer(
            fresh(model), tok, ["a", "b", "c"], length_mod_5, cfg, tmp, max_completion_length=6
        )
        scored = trainer._generate_and_score_completions(next(iter(trainer.get_train_dataloader())))
    torch.testing.assert_close(scored["advantages"], group_advantages(torch.tensor(seen[0]), 4))


def test_group_advantages_bad_group_size():
    with pytest.raises(CourseError, match="whole groups"):
        group_advantages(torch.zeros(6), 4)
    with pytest.raises(CourseError, match="group_size >= 2"):
        group_advantages(torch.zeros(4), 1)


@pytest.fixture
def classifier(tiny):
    """Return (reward model, tokenizer): a fresh random tiny Llama with a scalar head, and a copy of
    the tokenizer."""
    model, tok = tiny
    config = copy.deepcopy(model.config)
    config.num_labels, config.pad_token_id = 1, tok.pad_token_id
    torch.manual_seed(0)
    return LlamaForSequenceClassification(config).eval(), copy.deepcopy(tok)


def test_reward_function_scores_conversations_and_strings(classifier):
    reward_model, reward_tok = classifier
    reward = reward_function(reward_model, reward_tok, batch_size=2)
    prompts, answers = ["Hi.", "Why?", "Say hello."], ["Hello!", "Because.", "Hello there."]
    chats = [
        [{"role": "system", "content": "Be brief."}, {"role": "user", "content": p}]
        for p in prompts
    ]
    replies = [[{"role": "assistant", "content": a}] for a in answers]
    from_chat, from_text = (
        reward(prompts=chats, completions=replies, completion_ids=None),
        reward(prompts, answers),
    )
    assert (
        reward.__name__ == "reward_model"
        and len(from_chat) == 3
        and all(isinstance(r, float) for r in from_chat)
    )
    assert from_chat == from_text == score(reward_model, reward_tok, prompts, answers).tolist()


def test_train_grpo_runs_with_a_rule_and_a_reward_model(tiny, classifier):
    model, tok = tiny
    calls = []

    def brevity(prompts, completions, **kwargs):
        calls.append([p[-1]["content"] for p in prompts])
        return [-float(len(c[0]["content"])) for c in completions]

    policy, cfg = fresh(model), TrainConfig(steps=2, batch_size=4, lr=1e-3, max_seq_len=128)
    funcs = [brevity, reward_function(*classifier)]
    result = train_grpo(
        policy,
        tok,
        ["Hi.", "Name a fruit.", "Count to three."],
        funcs,
        cfg,
        max_completion_length=8,
    )
    assert (
        len(result.losses) == cfg.steps
        and result.trainable == result.total > 0
        and result.tokens > 0
    )
    # one group of 4 per step
    assert len(calls) == cfg.steps and all(len(set(c)) == 1 and len(c) == 4 for c in calls)


def test_train_grpo_with_kl_reloads_the_reference_from_a_saved_checkpoint(tiny):
    model, tok = tiny
    with tempfile.TemporaryDirectory() as tmp:
        fresh(model).save_pretrained(tmp)
        policy = LlamaForCausalLM.from_pretrained(tmp)  # config._name_or_path is now this folder
        cfg = TrainConfig(steps=1, batch_size=4, lr=1e-3)
        result = train_grpo(
            policy, tok, ["Hi."], lambda completions, **kw: [0.0] * len(completions), cfg, beta=0.1
        )
    assert len(result.losses) == 1 and math.isfinite(result.losses[0])


def test_grpo_bad_inputs(tiny):
    model, tok = tiny
    with pytest.raises(CourseError, match="multiple"):
        grpo_config(TrainConfig(batch_size=4), "unused", num_generations=3, max_completion_length=8)
    with pytest.raises(CourseError, match=">= 2"):
        grpo_config(TrainConfig(batch_size=4), "unused", num_generations=1, max_completion_length=8)
    with pytest.raises(CourseError, match="non-empty"):
        grpo_dataset([])
    # a model built in memory has nothing on disk to reload
    with pytest.raises(CourseError, match="checkpoint"):
        train_grpo(
            fresh(model),
            tok,
            ["Hi."],
            lambda completions, **kw: [0.0] * len(completions),
            FAST,
            beta=0.1,
        )
