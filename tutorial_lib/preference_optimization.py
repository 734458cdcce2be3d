"""Preference optimisation without a value model, thin over trl: DPO (DPOTrainer) and GRPO
(GRPOTrainer).

DPO trains the policy directly on preference pairs: loss = -log sigmoid(beta * [(log pi(chosen) -
log ref(chosen)) - (log pi(rejected) - log ref(rejected))]), with log-probs summed over the
completion tokens; no reward model, no sampling. GRPO samples `num_generations` completions per
prompt, scores them with reward functions and uses each completion's reward relative to its own
group as the advantage; no value model. Lesson 07 sets both beside the course's own PPO
(tutorial_lib.ppo and tutorial_lib.ppo_trainer).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from pathlib import Path

import torch
import torch.nn.functional as F
from datasets import Dataset
from transformers import PreTrainedModel, PreTrainedTokenizerBase
from trl import DPOConfig, DPOTrainer, GRPOConfig, GRPOTrainer

from .errors import CourseError
from .reward import preference_dataset, score
from .training import (
    RunResult,
    TrainConfig,
    build_trainer,
    run_training,
    trainer_args,
)

# (prompts=..., completions=..., **kwargs) -> one reward per completion
RewardFunc = Callable[..., list[float]]


# --- DPO ------------------------------------------------------------------------------------------


def dpo_loss(
    policy_chosen_logps: torch.Tensor,
    policy_rejected_logps: torch.Tensor,
    ref_chosen_logps: torch.Tensor,
    ref_rejected_logps: torch.Tensor,
    beta: float,
) -> torch.Tensor:
    """Return the mean DPO loss -log sigmoid(beta * [(pi_c - ref_c) - (pi_r - ref_r)]) over the
    pairs."""
    margin = (policy_chosen_logps - ref_chosen_logps) - (policy_rejected_logps - ref_rejected_logps)
    return -F.logsigmoid(beta * margin).mean()


def dpo_config(cfg: TrainConfig, output_dir: str, beta: float) -> DPOConfig:
    """Return the DPOConfig for `cfg`: the shared optimizer, schedule and sizes; batch_size counts
    pairs.

    Plain sigmoid DPO against a reference whose log-probs are computed on the fly. Each prompt +
    completion is cut to cfg.max_seq_len tokens (trl 1.16 has no separate prompt limit); pairs whose
    prompt alone fills it are dropped.
    """
    if beta <= 0:
        raise CourseError(
            f"DPO needs beta > 0 (got {beta}): it scales the log-ratio margin. Typical: 0.1 to 0.5."
        )
    args = trainer_args(cfg, output_dir, cfg.gradient_checkpointing)
    return DPOConfig(**args, beta=beta, loss_type=["sigmoid"], precompute_ref_log_probs=False)


def make_dpo_trainer(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    rows: Dataset | Sequence[dict],
    cfg: TrainConfig,
    output_dir: str,
    beta: float = 0.1,
    ref_model: PreTrainedModel | None = None,
) -> DPOTrainer:
    """Return a DPOTrainer for `model` on preference `rows` ({prompt, chosen, rejected}); see
    train_dpo."""
    if ref_model is model:
        raise CourseError(
            "The reference must be a separate, frozen model; pass ref_model=None to get a copy."
        )
    if ref_model is None and not hasattr(model, "peft_config"):
        # trl would reload the reference from model.config._name_or_path: the checkpoint on disk,
        # not these weights
        ref_model = copy.deepcopy(model).requires_grad_(False).eval()
    return build_trainer(
        DPOTrainer,
        model,
        drops=f"whose prompt fills max_seq_len={cfg.max_seq_len}",
        ref_model=ref_model,
        args=dpo_config(cfg, output_dir, beta),
        train_dataset=preference_dataset(rows),
        processing_class=tokenizer,
    )


def train_dpo(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    rows: Dataset | Sequence[dict],
    cfg: TrainConfig,
    beta: float = 0.1,
    ref_model: PreTrainedModel | None = None,
    name: str = "DPO",
) -> RunResult:
    """Return the RunResult of DPO-training `model` in place on preference `rows` with the budget
    `cfg`.

    The reference, with ref_model None: for a peft model, trl 1.16 copies the adapter into a frozen
    second adapter "ref" (with a fresh LoRA that is the base model), so the base weights stay in
    memory once; it is deleted again after training. For a plain model, trl would reload
    model.config._name_or_path from disk (missing weights fine-tuned in memory, and failing for a
    model built in memory), so a frozen deepcopy is passed instead: two models in memory.
    """
    return run_training(
        lambda out: make_dpo_trainer(model, tokenizer, rows, cfg, out, beta, ref_model),
        model,
        cfg,
        name,
    )


# --- GRPO -----------------------------------------------------------------------------------------


def check_groups(rewards: torch.Tensor, group_size: int) -> None:
    """Raise CourseError unless rewards is 1-D and holds whole groups of group_size >= 2."""
    if rewards.dim() != 1 or group_size < 2 or len(rewards) % group_size:
        raise CourseError(
            "Expected a 1-D tensor of whole groups of group_size >= 2 rewards; got shape "
            f"{tuple(rewards.shape)} and group_size={group_size}. Pass num_generations rewards "
            "per prompt, the groups one after another."
        )


def group_advantages(rewards: torch.Tensor, group_size: int, scale: bool = True) -> torch.Tensor:
    """Return GRPO's advantages: each reward minus its group's mean, over the group's std + 1e-4 if
    `scale`.

    `rewards` holds consecutive groups of `group_size` completions of one prompt. This is what trl
    1.16's GRPOTrainer computes by default (scale_rewards="group"): the std with Bessel's correction
    (n - 1), eps 1e-4 added to the std, so a group of equal rewards gets advantages 0, not NaN.
    scale=False is scale_rewards="none".
    """
    check_groups(rewards, group_size)
    groups = rewards.float().view(-1, group_size)
    advantages = groups - groups.mean(1, keepdim=True)
    if scale:
        # torch.std is unbiased (n - 1), as trl's
        advantages = advantages / (groups.std(1, keepdim=True) + 1e-4)
    return advantages.flatten()


def _text(message: str | list[dict], role: str) -> str:
    """Return a plain string as is, or the content of the last `role` message of a conversation."""
    return (
        message
        if isinstance(message, str)
        else [m for m in message if m["role"] == role][-1]["content"]
    )


def reward_function(
    reward_model: PreTrainedModel, reward_tokenizer: PreTrainedTokenizerBase, batch_size: int = 8
) -> RewardFunc:
    """Return a GRPOTrainer reward function: the reward model's score() of each (user prompt,
    completion), as floats."""

    def reward(prompts: Sequence, completions: Sequence, **kwargs) -> list[float]:
        users, answers = (
            [_text(p, "user") for p in prompts],
            [_text(c, "assistant") for c in completions],
        )
        return score(reward_model, reward_tokenizer, users, answers, batch_size).tolist()

    reward.__name__ = "reward_model"  # trl logs it as rewards/reward_model/mean
    return reward


def grpo_config(
    cfg: TrainConfig,
    output_dir: str,
    num_generations: int,
    max_completion_length: int,
    beta: float = 0.0,
    temperature: float = 1.0,
) -> GRPOConfig:
    """Return the GRPOConfig for `cfg`: cfg.batch_size completions per step, num_generations per
    prompt, sampled fresh.

    Plain sampling from the policy (no top-k/top-p), one optimizer step per generated batch (the
    probability ratio is 1, so clipping never acts), trl's default "dapo" loss (a mean over all
    completion tokens, like the course's PPO) and no KL penalty unless beta > 0. Prompts are not
    truncated; completions stop at max_completion_length.
    """
    if num_generations < 2 or cfg.batch_size % num_generations:
        raise CourseError(
            f"TrainConfig.batch_size={cfg.batch_size} counts completions and must hold whole "
            "groups of "
            f"num_generations={num_generations} >= 2 (a group's mean is the baseline); make it a "
            "multiple of it."
        )
    if beta < 0 or max_completion_length < 1:
        raise CourseError(
            f"Need beta >= 0 and max_completion_length >= 1; got {beta} and "
            f"{max_completion_length}."
        )
    args = trainer_args(cfg, output_dir, cfg.gradient_checkpointing)
    del args["max_length"]  # GRPOConfig has no such field
    # GRPO counts prompt + completion tokens itself; transformers' counter cannot read its batches
    # and warns each step
    args["include_num_input_tokens_seen"] = "no"
    # one sampling per step
    group = dict(num_generations=num_generations, generation_batch_size=cfg.batch_size)
    sampling = dict(
        temperature=temperature, top_k=0, top_p=1.0, max_completion_length=max_completion_length
    )
    loss = dict(
        beta=beta, loss_type="dapo", scale_rewards="group", disable_dropout=True, use_vllm=False
    )
    return GRPOConfig(**args, **group, **sampling, **loss)


def grpo_dataset(prompts: Sequence[str]) -> Dataset:
    """Return prompts as conversational records {"prompt": [user turn]}, the format GRPOTrainer
    samples from."""
    if isinstance(prompts, str) or not prompts:
        raise CourseError(
            "GRPO needs a non-empty list of prompt strings; wrap a single prompt in a list."
        )
    return Dataset.from_list([{"prompt": [{"role": "user", "content": p}]} for p in prompts])


def make_grpo_trainer(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    prompts: Sequence[str],
    reward_funcs: RewardFunc | Sequence[RewardFunc],
    cfg: TrainConfig,
    output_dir: str,
    num_generations: int = 4,
    max_completion_length: int = 32,
    beta: float = 0.0,
) -> GRPOTrainer:
    """Return a GRPOTrainer for `model` on `prompts`, rewarded by the sum of `reward_funcs`; see
    train_grpo."""
    saved = getattr(model.config, "_name_or_path", "")
    if beta > 0 and not hasattr(model, "peft_config") and not (saved and Path(saved).is_dir()):
        raise CourseError(
            "With beta > 0, trl reloads the reference of a full model from "
            "model.config._name_or_path, which is no saved checkpoint here. Save the model and "
            "load it back, wrap it with a peft config, or use beta=0."
        )
    funcs = list(reward_funcs) if isinstance(reward_funcs, Sequence) else [reward_funcs]
    args = grpo_config(cfg, output_dir, num_generations, max_completion_length, beta)
    return build_trainer(
        GRPOTrainer,
        model,
        reward_funcs=funcs,
        args=args,
        train_dataset=grpo_dataset(prompts),
        processing_class=tokenizer,
    )


def train_grpo(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    prompts: Sequence[str],
    reward_funcs: RewardFunc | Sequence[RewardFunc],
    cfg: TrainConfig,
    num_generations: int = 4,
    max_completion_length: int = 32,
    beta: float = 0.0,
    name: str = "GRPO",
) -> RunResult:
    """Return the RunResult of GRPO-training `model` in place on `prompts`, rewarded by the sum of
    `reward_funcs`.

    With beta > 0, trl 1.16 copies a peft model's adapter into a frozen adapter "ref" as the
    reference (deleted after training), and reloads that of a plain model from
    model.config._name_or_path, the checkpoint on disk. The logged loss hovers around 0 (advantages
    have mean 0 in each group), so it shows no progress: the rewards do.
    """

    def make(out: str) -> GRPOTrainer:
        return make_grpo_trainer(
            model,
            tokenizer,
            prompts,
            reward_funcs,
            cfg,
            out,
            num_generations,
            max_completion_length,
            beta,
        )

    return run_training(make, model, cfg, name)
