"""Reward models: preference pairs, the Bradley-Terry loss, a reward model trained with trl's
RewardTrainer, best-of-n.

A reward model is the backbone with a scalar head (AutoModelForSequenceClassification, num_labels=1)
that reads the whole chat-formatted conversation (prompt + answer) and pools the last token that is
not the pad token. It is trained on pairs so that the chosen answer scores higher than the rejected
one: loss = -log sigmoid(r_chosen - r_rejected).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import torch
import torch.nn.functional as F
from datasets import Dataset
from tqdm.auto import tqdm
from transformers import PreTrainedModel, PreTrainedTokenizerBase
from trl import RewardConfig, RewardTrainer

from .data import load_data
from .errors import CourseError
from .generation import generate
from .models import cache_dir, is_checkpoint
from .plan_report import measured_minutes
from .plans import LessonPlan, lesson_plan
from .pvp import load_classifier
from .saving import save_pretrained_atomic
from .sft_data import conversation
from .training import (
    RunResult,
    TrainConfig,
    build_trainer,
    run_training,
    trainer_args,
)

PREFERENCE_COLUMNS = ("prompt", "chosen", "rejected")


# --- data -----------------------------------------------------------------------------------------


def ranking_to_pairs(prompt: str, ranked: Sequence[str]) -> list[dict]:
    """Return the N*(N-1)/2 {prompt, chosen, rejected} records of N answers ranked best-first."""
    if isinstance(ranked, str) or len(ranked) < 2:
        raise CourseError(
            "A ranking needs at least two answers, best first (a list of strings), to make a "
            "preference pair."
        )
    return [
        {"prompt": prompt, "chosen": better, "rejected": worse}
        for i, better in enumerate(ranked)
        for worse in ranked[i + 1 :]
    ]


def preference_dataset(rows: Dataset | Sequence[dict]) -> Dataset:
    """Return preference rows as conversational {prompt, chosen, rejected} records, the format
    RewardTrainer tokenises.

    RewardTrainer joins prompt + chosen (and prompt + rejected) and applies the chat template to
    each, so it scores exactly the strings reward_texts() builds.
    """
    rows = list(rows)
    if not rows:
        raise CourseError(
            "The preference set is empty; pass at least one {prompt, chosen, rejected} row."
        )
    missing = [c for c in PREFERENCE_COLUMNS if c not in rows[0]]
    if missing:
        raise CourseError(
            f"Preference rows need the columns {list(PREFERENCE_COLUMNS)}; missing {missing}. "
            "Rename them first."
        )
    turns = [
        conversation(r["prompt"], r["chosen"]) + conversation(r["prompt"], r["rejected"])[1:]
        for r in rows
    ]
    return Dataset.from_list(
        [{"prompt": t[:1], "chosen": t[1:2], "rejected": t[2:]} for t in turns]
    )


def reward_texts(
    tokenizer: PreTrainedTokenizerBase, prompts: Sequence[str], answers: Sequence[str]
) -> list[str]:
    """Return the chat-formatted (prompt, answer) strings the reward model scores, as RewardTrainer
    formats them."""
    if isinstance(prompts, str) or isinstance(answers, str):
        raise CourseError("Pass lists of prompts and answers; wrap a single one in a list.")
    if len(prompts) != len(answers):
        raise CourseError(
            f"Got {len(prompts)} prompts but {len(answers)} answers; pass one answer per prompt "
            "(repeat prompts)."
        )
    return [
        tokenizer.apply_chat_template(conversation(p, a), tokenize=False)
        for p, a in zip(prompts, answers)
    ]


# --- the loss and the model -----------------------------------------------------------------------


def bradley_terry_loss(
    chosen_rewards: torch.Tensor, rejected_rewards: torch.Tensor
) -> torch.Tensor:
    """Return the mean Bradley-Terry loss -log sigmoid(r_chosen - r_rejected) over the pairs."""
    return -F.logsigmoid(chosen_rewards - rejected_rewards).mean()


def load_reward_model(
    name_or_path: str, dtype: torch.dtype = torch.float32, device: str = "cpu"
) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """Return (reward model, tokenizer): the backbone with a new scalar head (num_labels=1),
    pad_token_id set."""
    return load_classifier(name_or_path, 1, dtype=dtype, device=device)


@torch.no_grad()
def score(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    prompts: Sequence[str],
    answers: Sequence[str],
    batch_size: int = 8,
) -> torch.Tensor:
    """Return the (len(prompts),) float32 rewards of each (prompt, answer), scored in right-padded
    batches."""
    texts = reward_texts(tokenizer, prompts, answers)
    if model.config.get_text_config().pad_token_id != tokenizer.pad_token_id:
        raise CourseError(
            "The reward model's config.pad_token_id differs from the tokenizer's, so the head "
            "would pool the wrong token. "
            "Set model.config.pad_token_id = tokenizer.pad_token_id (load_reward_model() does)."
        )
    rewards = []
    starts = range(0, len(texts), batch_size)
    for start in tqdm(starts, desc="scoring", disable=len(starts) < 2, leave=False):
        # the layout RewardTrainer's collator trains with: chat text without extra special tokens,
        # padded on the right;
        # the head pools each row's last token that is not the pad token
        batch = tokenizer(
            texts[start : start + batch_size],
            padding=True,
            padding_side="right",
            add_special_tokens=False,
            return_tensors="pt",
        )
        rewards.append(model(**batch.to(model.device)).logits[:, 0].float().cpu())
    return torch.cat(rewards)


def score_pairs(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    rows: Sequence[dict],
    batch_size: int = 8,
) -> pd.DataFrame:
    """Return one row per preference pair: its failure kind (if given), chosen and rejected rewards,
    and correct."""
    prompts = [r["prompt"] for r in rows]
    chosen = score(model, tokenizer, prompts, [r["chosen"] for r in rows], batch_size)
    rejected = score(model, tokenizer, prompts, [r["rejected"] for r in rows], batch_size)
    return pd.DataFrame(
        {
            "failure": [r.get("failure") or "unknown" for r in rows],
            "chosen": chosen.numpy(),
            "rejected": rejected.numpy(),
            "correct": (chosen > rejected).numpy(),
        }
    )


# --- training -------------------------------------------------------------------------------------


def reward_config(
    cfg: TrainConfig, output_dir: str, center_rewards: float | None = None
) -> RewardConfig:
    """Return the RewardConfig for `cfg`: the optimizer, schedule and sizes SFT uses; batch_size
    counts pairs.

    RewardTrainer drops pairs longer than cfg.max_seq_len (SFT truncates); center_rewards None is
    plain Bradley-Terry.
    """
    args = trainer_args(cfg, output_dir, cfg.gradient_checkpointing)
    return RewardConfig(**args, center_rewards_coefficient=center_rewards)


def make_reward_trainer(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    rows: Dataset | Sequence[dict],
    cfg: TrainConfig,
    output_dir: str,
    center_rewards: float | None = None,
) -> RewardTrainer:
    """Return a RewardTrainer for the scalar-head `model` on preference `rows` ({prompt, chosen,
    rejected})."""
    if getattr(model.config, "num_labels", None) != 1:
        raise CourseError(
            "A reward model has one output; load it with load_reward_model() (num_labels=1)."
        )
    return build_trainer(
        RewardTrainer,
        model,
        drops=f"longer than max_seq_len={cfg.max_seq_len} tokens",
        args=reward_config(cfg, output_dir, center_rewards),
        train_dataset=preference_dataset(rows),
        processing_class=tokenizer,
    )


def train_reward_model(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    rows: Dataset | Sequence[dict],
    cfg: TrainConfig,
    name: str = "reward model",
    center_rewards: float | None = None,
) -> RunResult:
    """Return the RunResult of training the reward model in place on preference `rows` with the
    budget `cfg`."""

    def make(out: str) -> RewardTrainer:
        return make_reward_trainer(model, tokenizer, rows, cfg, out, center_rewards)

    return run_training(make, model, cfg, name)


def reward_train_config(plan: LessonPlan) -> TrainConfig:
    """Return lesson 06's reward-model budget: the plan's steps of its pairs_per_step pairs, lr
    3e-5."""
    return TrainConfig.from_profile(plan, batch_size=plan.sizes.pairs_per_step, lr=3e-5)


def lesson_reward_model(plan: LessonPlan) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """Return (reward model, tokenizer) as lesson 06 trains it for `plan`'s profile.

    Loaded if lesson 06 saved one on this machine; else (a fresh Colab runtime) trained now, as
    lesson 06 does, and saved for next time. With `plan`'s skip-ahead "load" (use_cached=True),
    that training run loads lesson 06's cached run instead of training."""
    plan06 = lesson_plan(
        "06", plan, verbose=False, use_cached=plan.skip_ahead.mode == "load"
    )
    folder = reward_model_dir(plan06)
    if not is_checkpoint(folder):
        minutes = measured_minutes("06", plan06.name)
        cost = f" (lesson 06 took {minutes:.0f} min in all)" if minutes else ""
        print(
            f"No reward model saved for the {plan06.name} profile yet: training it as lesson 06 "
            f"does, {plan06.train_steps} steps{cost}."
        )
        cfg = reward_train_config(plan06)
        model, tokenizer = load_reward_model(plan06.model, device=plan06.device)
        rows = load_data("preferences", source=plan06.source)["train"]
        train_reward_model(model, tokenizer, rows.select(range(cfg.steps * cfg.batch_size)), cfg)
        save_reward_model(model, tokenizer, folder)
    return load_reward_model(str(folder), device=plan06.device)


def reward_model_dir(plan: LessonPlan) -> Path:
    """Return the folder where lesson 06 keeps the reward model it trained for `plan`'s profile
    (and seed, where not 0)."""
    suffix = ("-dry-run" if plan.dry_run else "") + (f"-seed-{plan.seed}" if plan.seed else "")
    return cache_dir() / "reward_models" / (plan.name + suffix)


def save_reward_model(
    model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, folder: str | Path
) -> Path:
    """Return `folder` after saving the reward model and its tokenizer into it atomically
    (safetensors)."""
    return save_pretrained_atomic(folder, model, tokenizer)


# --- best-of-n ------------------------------------------------------------------------------------


def best_of_n(
    policy: PreTrainedModel,
    policy_tok: PreTrainedTokenizerBase,
    reward_model: PreTrainedModel,
    reward_tok: PreTrainedTokenizerBase,
    prompts: Sequence[str],
    n: int,
    max_new_tokens: int = 64,
    seed: int = 0,
    batch_size: int = 8,
) -> list[dict]:
    """Return per prompt {prompt, answers, rewards, best, best_reward}: n sampled answers
    (temperature 1), the best one."""
    if isinstance(prompts, str) or n < 1:
        raise CourseError("best_of_n() takes a list of prompts and n >= 1 answers per prompt.")
    repeated = [p for p in prompts for _ in range(n)]
    answers = generate(
        policy,
        policy_tok,
        repeated,
        do_sample=True,
        seed=seed,
        max_new_tokens=max_new_tokens,
        batch_size=batch_size,
    )
    rewards = score(reward_model, reward_tok, repeated, answers, batch_size).view(len(prompts), n)
    results = []
    for i, prompt in enumerate(prompts):
        mine, best = answers[i * n : (i + 1) * n], int(rewards[i].argmax())
        record = dict(
            prompt=prompt,
            answers=mine,
            rewards=rewards[i].tolist(),
            best=mine[best],
            best_reward=float(rewards[i, best]),
        )
        results.append(record)
    return results


def best_of_n_curve(
    rewards: torch.Tensor, ns: Sequence[int], all_subsets: bool = False
) -> dict[int, float]:
    """Return {n: mean over prompts of the max reward among n samples}, from a (prompts, n_max)
    tensor of rewards.

    The samples are i.i.d., so the max of the first n is an unbiased estimate of E[max of n].
    all_subsets=True averages the max over all C(n_max, n) subsets instead (same expectation, less
    noise): sorted ascending, the i-th smallest (1-based) is the max of C(i-1, n-1) of them.
    """
    if rewards.dim() != 2:
        raise CourseError(
            f"Expected rewards of shape (prompts, n_max); got shape {tuple(rewards.shape)}."
        )
    n_max = rewards.shape[1]
    bad = [n for n in ns if not 1 <= n <= n_max]
    if bad:
        raise CourseError(
            f"Each n must be between 1 and the {n_max} samples per prompt; got {bad}. Sample more "
            "or drop them."
        )
    rewards, curve = rewards.double(), {}
    ordered = rewards.sort(dim=1).values
    for n in ns:
        if all_subsets:
            weights = torch.tensor(
                [math.comb(i, n - 1) for i in range(n_max)], dtype=torch.float64
            ) / math.comb(n_max, n)
            curve[n] = float((ordered * weights).sum(1).mean())
        else:
            curve[n] = float(rewards[:, :n].max(1).values.mean())
    return curve
