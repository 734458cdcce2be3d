"""Reward modelling on the tiny model: pairs, the Bradley-Terry loss, trl's loss and tokenisation,
training, best-of-n."""

import copy
import math
import tempfile

import pytest
import torch
from transformers import LlamaForSequenceClassification

from tutorial_lib.errors import CourseError
from tutorial_lib.reward import (
    best_of_n,
    best_of_n_curve,
    bradley_terry_loss,
    load_reward_model,
    make_reward_trainer,
    ranking_to_pairs,
    reward_texts,
    save_reward_model,
    score,
    score_pairs,
    train_reward_model,
)
from tutorial_lib.training import TrainConfig

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
FAST = TrainConfig(steps=10, batch_size=4, lr=1e-3, max_seq_len=128)


@pytest.fixture
def classifier(tiny):
    """Return (reward model, tokenizer): a fresh random tiny Llama with a scalar head, and a copy of
    the tokenizer."""
    model, tok = tiny
    config = copy.deepcopy(model.config)
    config.num_labels, config.pad_token_id = 1, tok.pad_token_id
    torch.manual_seed(0)
    return LlamaForSequenceClassification(config).eval(), copy.deepcopy(tok)


def test_load_reward_model_puts_a_scalar_head_on_a_checkpoint(tiny):
    model, tok = tiny
    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        reward_model, reward_tok = load_reward_model(tmp, device="cpu")
    assert (
        reward_model.config.num_labels == 1
        and reward_model.config.pad_token_id == reward_tok.pad_token_id == 2
    )
    # the backbone kept
    torch.testing.assert_close(
        reward_model.model.embed_tokens.weight, model.model.embed_tokens.weight
    )
    assert score(reward_model, reward_tok, ["Hi.", "Why?"], ["Hello!", "Because."]).shape == (2,)


def test_ranking_to_pairs_puts_every_better_answer_first():
    ranked = ["best", "good", "poor", "worst"]
    pairs = ranking_to_pairs("Q?", ranked)
    assert len(pairs) == 6  # 4 * 3 / 2
    assert all(
        ranked.index(p["chosen"]) < ranked.index(p["rejected"]) and p["prompt"] == "Q?"
        for p in pairs
    )
    assert len({(p["chosen"], p["rejected"]) for p in pairs}) == 6


def test_bradley_terry_loss_by_hand():
    # -log sigmoid(2.0 - 0.5) = log(1 + e^-1.5) = log(1.22313) = 0.20141
    loss = bradley_terry_loss(torch.tensor([2.0]), torch.tensor([0.5]))
    assert loss.item() == pytest.approx(
        math.log1p(math.exp(-1.5))
    ) and loss.item() == pytest.approx(0.2014, abs=1e-4)
    assert bradley_terry_loss(
        torch.tensor([0.3, -1.0]), torch.tensor([0.3, -1.0])
    ).item() == pytest.approx(math.log(2))


@pytest.mark.parametrize("center", [None, 0.01])
def test_trainer_loss_is_bradley_terry(classifier, center):
    model, tok = classifier
    with tempfile.TemporaryDirectory() as tmp:
        trainer = make_reward_trainer(model, tok, ROWS, FAST, tmp, center_rewards=center)
        batch = next(iter(trainer.get_train_dataloader()))
        # margins come only from a "margin" column, which preference_dataset() never adds
        assert "margin" not in batch
        with torch.no_grad():
            trl_loss = trainer.compute_loss(model, dict(batch))
            # the collator stacks the chosen sequences, then the rejected ones: the first half of
            # the rows is chosen
            chosen, rejected = (
                model(batch["input_ids"], attention_mask=batch["attention_mask"])
                .logits[:, 0]
                .chunk(2)
            )
    ours = bradley_terry_loss(chosen, rejected)
    if (
        center is not None
        # trl's optional centring term (Eisenstein et al. 2023, arXiv 2312.09244) pulls the rewards
        # towards mean 0
    ):
        ours = ours + center * ((chosen + rejected) ** 2).mean()
    torch.testing.assert_close(trl_loss, ours, atol=1e-6, rtol=0)


def test_reward_texts_are_what_the_trainer_tokenises(classifier):
    model, tok = classifier
    with tempfile.TemporaryDirectory() as tmp:
        prepared = make_reward_trainer(model, tok, ROWS, FAST, tmp).train_dataset
    for row, example in zip(ROWS, prepared):
        chosen, rejected = reward_texts(tok, [row["prompt"]] * 2, [row["chosen"], row["rejected"]])
        assert (
            tok.decode(example["chosen_ids"]) == chosen
            and tok.decode(example["rejected_ids"]) == rejected
        )
        # the ids score() feeds
        assert tok(chosen, add_special_tokens=False).input_ids == example["chosen_ids"]
    # no EOS appended: the template ends it
    assert chosen.endswith(f"<|im_start|>assistant\n{row['chosen']}<|im_end|>\n")


def test_training_lowers_the_loss(classifier):
    model, tok = classifier
    prompts, chosen, rejected = ([r[k] for r in ROWS] for k in ("prompt", "chosen", "rejected"))
    result = train_reward_model(model, tok, ROWS, FAST, name="tiny rm")
    assert len(result.losses) == FAST.steps and result.losses[-1] < 0.5 * result.losses[0]
    assert result.name == "tiny rm" and result.trainable == result.total > 0
    assert result.tokens > 0 and result.seconds > 0 and result.state_mb > 0
    assert bool((score(model, tok, prompts, chosen) > score(model, tok, prompts, rejected)).all())


def test_score_batched_equals_one_by_one_and_pools_the_last_real_token(classifier):
    model, tok = classifier
    prompts, answers = (
        ["Hi.", "Tell me a long story about a cat.", "Why?"],
        ["Hello there, friend!", "No.", "Because."],
    )
    batched = score(model, tok, prompts, answers, batch_size=3)
    alone = torch.cat([score(model, tok, [p], [a], batch_size=1) for p, a in zip(prompts, answers)])
    torch.testing.assert_close(batched, alone, atol=1e-5, rtol=0)
    # by hand: the head applied to the hidden state of each text's last token ("\n" after
    # <|im_end|>)
    text = reward_texts(tok, prompts[:1], answers[:1])[0]
    ids = tok(text, add_special_tokens=False, return_tensors="pt").input_ids
    with torch.no_grad():
        hand = model.score(model.model(ids).last_hidden_state[0, -1])
    assert hand.item() == pytest.approx(batched[0].item(), abs=1e-5)


def test_best_of_n_curve_by_hand():
    rewards = torch.tensor([[1.0, 3.0, 2.0], [0.0, -1.0, 5.0]])
    curve = best_of_n_curve(rewards, [1, 2, 3])
    assert curve == pytest.approx({1: 0.5, 2: 1.5, 3: 4.0})  # mean(1, 0), mean(3, 0), mean(3, 5)
    # all subsets of 2: row 1 maxes (3, 2, 3) -> 8/3, row 2 maxes (0, 5, 5) -> 10/3; mean 3.0
    subsets = best_of_n_curve(rewards, [1, 2, 3], all_subsets=True)
    # n=1: the mean reward, mean(2, 4/3)
    assert subsets == pytest.approx({1: 5 / 3, 2: 3.0, 3: 4.0})
    for c in (curve, subsets):
        assert c[1] <= c[2] <= c[3]
    with pytest.raises(CourseError, match="between 1 and"):
        best_of_n_curve(rewards, [4])


def test_best_of_n_keeps_the_highest_reward(tiny, classifier):
    policy, policy_tok = tiny
    reward_model, reward_tok = classifier
    results = best_of_n(
        policy,
        policy_tok,
        reward_model,
        reward_tok,
        ["Hi.", "Name a fruit."],
        n=3,
        max_new_tokens=6,
        seed=1,
    )
    assert [r["prompt"] for r in results] == ["Hi.", "Name a fruit."]
    for r in results:
        assert len(r["rewards"]) == len(r["answers"]) == 3
        assert (
            r["best_reward"] == max(r["rewards"])
            and r["best"] == r["answers"][r["rewards"].index(max(r["rewards"]))]
        )
        assert score(reward_model, reward_tok, [r["prompt"]], [r["best"]]).item() == pytest.approx(
            r["best_reward"], abs=1e-5
        )


def test_bad_input_names_the_fix(classifier):
    model, tok = classifier
    with pytest.raises(CourseError, match="at least two answers"):
        ranking_to_pairs("Q?", ["only one"])
    with pytest.raises(CourseError, match="one answer per prompt"):
        reward_texts(tok, ["a", "b"], ["only one"])
    with pytest.raises(CourseError, match="one answer per prompt"):
        score(model, tok, ["a"], ["x", "y"])
    with pytest.raises(CourseError, match="raise TrainConfig.max_seq_len"):
        with tempfile.TemporaryDirectory() as tmp:
            make_reward_trainer(model, tok, ROWS, TrainConfig(max_seq_len=8), tmp)


def test_saved_reward_model_scores_the_same_and_pairs_are_scored_per_failure(classifier, tmp_path):
    model, tok = classifier
    rows = [{**row, "failure": kind} for row, kind in zip(ROWS, ["rude", "rude", "wrong", ""])]
    table = score_pairs(model, tok, rows)
    assert list(table.failure) == ["rude", "rude", "wrong", "unknown"]
    assert (table.correct == (table.chosen > table.rejected)).all()
    folder = save_reward_model(model, tok, tmp_path / "rm")
    loaded, loaded_tok = load_reward_model(str(folder), device="cpu")
    torch.testing.assert_close(
        score_pairs(loaded, loaded_tok, rows).chosen.to_numpy(), table.chosen.to_numpy()
    )


@pytest.mark.parametrize("use_cached", [True, False])
def test_lesson_reward_model_passes_the_skip_ahead_on_to_lesson_06s_run(
    monkeypatch, tmp_path, use_cached
):
    """A room with use_cached=True in lesson 07 loads lesson 06's cached reward-model run instead
    of training it when this runtime has no reward model saved."""
    import tutorial_lib.reward as reward
    from tutorial_lib.plans import lesson_plan

    plan = lesson_plan("07", "quick", dry_run=True, use_cached=use_cached, verbose=False)
    seen = {}

    class Rows(list):
        def select(self, indices):
            return Rows(self[i] for i in indices)

    monkeypatch.setattr(reward, "reward_model_dir", lambda plan06: tmp_path / "rm")
    monkeypatch.setattr(reward, "is_checkpoint", lambda folder: False)
    monkeypatch.setattr(reward, "measured_minutes", lambda *a: None)
    monkeypatch.setattr(reward, "load_reward_model", lambda *a, **k: ("model", "tokenizer"))
    monkeypatch.setattr(reward, "load_data", lambda *a, **k: {"train": Rows(ROWS * 100)})
    monkeypatch.setattr(reward, "train_reward_model", lambda m, t, rows, cfg: seen.update(cfg=cfg))
    monkeypatch.setattr(reward, "save_reward_model", lambda *a: None)
    assert reward.lesson_reward_model(plan) == ("model", "tokenizer")
    skip = seen["cfg"].skip_ahead
    assert skip.mode == ("load" if use_cached else "train")
    assert skip.folder == str(lesson_plan("06", plan, verbose=False).skip_ahead.folder)
