# %% [markdown]
# # 07 · RLHF with PPO — and DPO and GRPO
#
# [![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/llm-finetuning-hands-on/course/blob/main/notebooks/07_rlhf_ppo.ipynb)
#
# Lesson 06 trained a reward model. Now the policy — the bundled instruct model with a LoRA adapter —
# learns to write answers that reward model scores highly, without drifting far from where it started.
# This lesson builds **PPO for language models** from named pieces (the course's own code: `trl` no
# longer ships a PPO trainer), then sets it beside the two methods most teams use today:
#
# 1. the pieces: per-token **KL penalty** against a frozen reference, **GAE** advantages, the **clipped
#    surrogate**, the value loss, the KL controller — each checked on numbers you can follow by hand,
# 2. a PPO run with its training curves, samples and held-out reward before and after,
# 3. **reward hacking**: the same run with the KL penalty off,
# 4. **DPO** (`trl`'s `DPOTrainer`: no reward model, no sampling) and **GRPO** (`trl`'s `GRPOTrainer`:
#    no value model), on the same prompts, in one table of reward, KL, time, memory and models held.

# %% tags=["parameters"]
profile = None  # "quick" | "cpu" | "gpu"; None: $COURSE_PROFILE, else gpu with CUDA and cpu without
data = "local"  # "local": the course's own datasets; "hub": the public sets they stand in for (online)
dry_run = False  # True: the plan's code path on a CPU, tiny model, one step (make gpu-dryrun)
use_cached = False  # True: each training run loads the cached result of this same code (checkpoints/) instead of training
save_cache = False  # True: also cache each training result there (python -m tutorial_lib cache does this)
seed = 0  # the run's seed: what is trained starts from it, samples and draws come from it

# %%
if "google.colab" in str(get_ipython()):  # On Colab: clone and install the course
    from urllib.request import urlopen  # no restart needed; elsewhere: `make setup`
    exec(urlopen("https://raw.githubusercontent.com/llm-finetuning-hands-on/course/main/tutorial_lib/colab.py").read(), {})

# %% [markdown]
# ## 1. Setup
#
# The reward model is the one lesson 06 saved for this profile (trained now, with lesson 06's recipe, if
# it is missing). Every policy starts from the same place: the bundled model with a fresh LoRA adapter
# (rank 8 on all linear layers). With LoRA the **reference model is free**: it is the same weights with
# the adapter switched off, so no second copy of the model sits in memory.
#
# The held-out questions each have **one checkable fact** (a capital, a sum, a unit conversion: the word
# the dataset's chosen answer has and its wrong-fact rejected answer lacks). So besides the reward model's
# score we can ask the question the reward model cannot: *is the answer right?*
#
# **The data is made by the course.** `preferences` is a small, clean stand-in for Anthropic's HH-RLHF (Bai et al., 2022: crowdworkers choosing the better of two answers written by a 52 B-parameter assistant, in open-ended conversations). Set `data = "hub"` in the parameters cell to run the same cells on it (online). Its pairs carry no `failure` label and no single checkable fact, so the fact-accuracy column needs the course's set; and its labels are far noisier than the course's — Ouyang et al. (2022) report that their own labellers agreed with each other on about 73% of comparisons (InstructGPT's API prompts) — so expect a weaker reward model and smaller gains there.

# %%
from dataclasses import replace

from tutorial_lib import lesson_plan, load_data, load_model, record
from tutorial_lib.metrics import fact_accuracy, fact_words, repeated_ngram_rate
from tutorial_lib.peft_methods import lora_config
from tutorial_lib.plots import training_curves
from tutorial_lib.ppo import PPOConfig, last_token_index, masked_mean
from tutorial_lib.ppo_trainer import PPOTrainer
from tutorial_lib.preference_optimization import (
    check_groups,
    reward_function,
    train_dpo,
    train_grpo,
)
from tutorial_lib.reward import lesson_reward_model
from tutorial_lib.rollouts import evaluate
from tutorial_lib.stats import compare, interval, verdict
from tutorial_lib.training import TrainConfig

import pandas as pd
import torch
import torch.nn.functional as F
from IPython.display import Markdown, display
from peft import get_peft_model

plan = lesson_plan("07", profile, source=data, dry_run=dry_run, use_cached=use_cached, save_cache=save_cache, seed=seed)
ALL_LINEAR = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
rm, rm_tok = lesson_reward_model(plan)
reward_fn = reward_function(rm, rm_tok, batch_size=plan.batch_size)  # reward_fn(prompts=[...], completions=[...])

prefs = load_data("preferences", source=plan.source)
steps = plan.train_steps
config = PPOConfig(
    batch_size=plan.sizes.rollouts,  # rollouts per PPO step
    minibatch_size=plan.sizes.minibatch,  # rollouts per optimizer step
    ppo_epochs=2,  # passes over each batch of rollouts
    max_new_tokens=plan.sizes.max_new_tokens,
    lr=2e-4,  # LoRA moves slowly at the full fine-tuning rate of 1e-5
    kl_coef=0.05,
)
train_prompts = list(prefs["train"]["prompt"][: steps * config.batch_size])
checkable = [r for r in prefs["test"] if r["failure"] == "wrong" and len(fact_words(r["chosen"], r["rejected"])) == 1]
checkable = checkable[: plan.eval_examples]
eval_prompts = [r["prompt"] for r in checkable]
facts = [fact_words(r["chosen"], r["rejected"]) for r in checkable]  # e.g. ["124"] for "209 minus 85 is 124."


def fresh_policy():
    """Return (policy, tokenizer): the bundled model with a fresh LoRA adapter, identical for every method."""
    torch.manual_seed(plan.seed)
    base, tok = load_model(plan)
    return get_peft_model(base, lora_config(8, 16, targets=ALL_LINEAR)), tok


def held_out(policy, tok):
    """Return ({reward, kl, length, fact accuracy}, samples, per question {reward, kl, length, fact}):
    one sampled answer per held-out question; the per-question lists feed the intervals."""
    scores, samples, per = evaluate(policy, tok, reward_fn, eval_prompts, config.max_new_tokens,
                                    batch_size=plan.batch_size, per_prompt=True, seed=plan.seed)
    per["fact"] = [fact_accuracy([s], [f]) for s, f in zip(samples, facts)]  # 1 if the answer has its fact
    return {**scores, "fact accuracy": fact_accuracy(samples, facts)}, samples, per


print(f"{plan.name} profile | {steps} steps of {config.batch_size} rollouts | {len(eval_prompts)} held-out prompts")


# %% [markdown]
# ## 2. The pieces of PPO for a language model
#
# **Exercises:** [exercises/07_rlhf_ppo.py](../exercises/07_rlhf_ppo.py) — run `python -m tutorial_lib grade 07` to check them.
#
# One PPO step samples a response to each prompt, scores it, and then improves the policy on those
# samples for a few epochs. A response is a sequence of actions (tokens), so the single score at the end
# must be turned into a learning signal for every token.
#
# ### Reward: the score at the end, minus a KL penalty at every token
#
# The policy should raise the reward model's score *without wandering off* to text the reward model was
# never trained on. So every token pays β · (log π(y_t) − log π_ref(y_t)) — the per-token estimate of the
# KL divergence from the reference model — and the last token also receives the score:

# %%
# Same as tutorial_lib.ppo (a test keeps the two identical): edit it and re-run to experiment.
def kl_estimate(logprobs: torch.Tensor, ref_logprobs: torch.Tensor) -> torch.Tensor:
    """Return the per-token k1 estimate of KL(policy || reference): log pi(y_t) - log ref(y_t) at
    the sampled tokens.

    For tokens sampled from the policy its expectation is the true KL, and summed over a response it
    is exactly log pi(y) / ref(y), so -beta * k1 as a reward optimises E[score] - beta * KL. A
    single token's value can be negative.
    """
    return logprobs - ref_logprobs


@torch.no_grad()
def per_token_rewards(
    score: torch.Tensor,
    logprobs: torch.Tensor,
    ref_logprobs: torch.Tensor,
    mask: torch.Tensor,
    kl_coef: float,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (rewards, kl): -kl_coef * KL at every response token, plus the reward model's score at
    the last real token."""
    kl = kl_estimate(logprobs, ref_logprobs) * mask
    rewards = -kl_coef * kl
    rows = torch.arange(rewards.shape[0], device=rewards.device)
    rewards[rows, last_token_index(mask)] += score.to(rewards.dtype)
    return rewards, kl


# %%
logprobs = torch.tensor([[-1.0, -2.0, -0.5, -3.0, -9.0]])  # the policy's log-probs of 4 tokens (+ padding)
ref_logprobs = torch.tensor([[-1.5, -2.0, -1.5, -2.0, -9.0]])  # the reference's
mask = torch.tensor([[1.0, 1.0, 1.0, 1.0, 0.0]])  # the last position is padding after EOS
rewards, kl = per_token_rewards(torch.tensor([2.0]), logprobs, ref_logprobs, mask, kl_coef=0.1)
print("per-token KL  ", kl.tolist()[0])  # 0.5, 0, 1, -1, (padding) 0
print("rewards       ", [round(r, 3) for r in rewards.tolist()[0]])  # -0.05, 0, -0.1, 0.1 + 2.0, 0


# %% [markdown]
# Summed over the response, the per-token terms are log π(y)/π_ref(y) — an unbiased estimate of the
# sequence KL **only if y was sampled from π itself**. That is why the rollout samples at temperature 1
# with top-k and top-p off: sampling from a sharpened or truncated distribution makes the estimate biased,
# and the KL curve can even go negative. (Generation settings in a model's `generation_config` can switch
# top-k on silently, so `rollouts.sample` passes every setting explicitly.)
#
# ### Advantages: generalised advantage estimation
#
# A value head on the policy's last hidden state predicts, at every token, the reward still to come.
# GAE (Schulman et al., 2016) turns rewards and values into advantages — how much better this token did
# than expected — with λ trading bias (λ=0: trust the value head) against variance (λ=1: the raw return):

# %%
# Same as tutorial_lib.ppo (a test keeps the two identical): edit it and re-run to experiment.
@torch.no_grad()
def gae(
    rewards: torch.Tensor, values: torch.Tensor, mask: torch.Tensor, gamma: float, lam: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (advantages, returns) by generalized advantage estimation (Schulman et al. 2016);
    returns = A + V.

    Backwards over time: delta_t = r_t + gamma * V_{t+1} - V_t and A_t = delta_t + gamma * lam *
    A_{t+1}, where every position after a row's last real token is terminal (its value and reward
    count as 0).
    """
    rewards, values = rewards * mask, values * mask
    advantages = torch.zeros_like(rewards)
    next_value = torch.zeros_like(rewards[:, 0])
    next_advantage = torch.zeros_like(rewards[:, 0])
    for t in reversed(range(rewards.shape[1])):
        delta = rewards[:, t] + gamma * next_value - values[:, t]
        next_advantage = delta + gamma * lam * next_advantage
        advantages[:, t] = next_advantage
        next_value = values[:, t]
    advantages = advantages * mask
    return advantages, advantages + values


# %%
# a 3-token response, score 1 at the end, a value head that predicts 0 everywhere
advantages, returns = gae(torch.tensor([[0.0, 0.0, 1.0]]), torch.zeros(1, 3), torch.ones(1, 3), gamma=1.0, lam=0.95)
print("advantages", [round(a, 4) for a in advantages.tolist()[0]])  # 0.95^2, 0.95, 1


# %% [markdown]
# ### The clipped surrogate
#
# The policy is updated several times on the same samples. The probability ratio
# r_t = π_θ(y_t)/π_old(y_t) says how far the update has moved from the policy that sampled them.
# PPO (Schulman et al., 2017) maximises r_t·A_t, but takes the *pessimistic* of the clipped and
# unclipped terms, so there is no gain from pushing a ratio beyond [1−ε, 1+ε]. The loss, with two
# statistics the training curves show (the share of clipped tokens and an estimate of how far the
# update has moved):

# %%
# Same as tutorial_lib.ppo (a test keeps the two identical): edit it and re-run to experiment.
def policy_loss(
    logprobs: torch.Tensor,
    old_logprobs: torch.Tensor,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    clip_range: float,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Return (loss, clip_fraction, approx_kl) of PPO's clipped surrogate; minimising the loss
    raises A * ratio."""
    log_ratio = logprobs - old_logprobs
    ratio = torch.exp(log_ratio)
    unclipped = -advantages * ratio
    clipped = -advantages * torch.clamp(ratio, 1.0 - clip_range, 1.0 + clip_range)
    # the pessimistic (larger) of the two losses
    loss = masked_mean(torch.max(unclipped, clipped), mask)
    # tokens whose gradient the clip switched off
    clip_fraction = masked_mean((clipped > unclipped).float(), mask)
    # k3 estimate of KL(old || new)
    approx_kl = masked_mean(torch.expm1(log_ratio) - log_ratio, mask)
    return loss, clip_fraction.detach(), approx_kl.detach()


# %%
old = torch.log(torch.full((1, 4), 0.5))
new = torch.log(torch.tensor([[0.5, 0.9, 0.3, 0.9]]))  # ratios 1.0, 1.8, 0.6, 1.8
adv = torch.tensor([[1.0, 1.0, 1.0, -1.0]])
loss, clip_frac, _ = policy_loss(new, old, adv, torch.ones(1, 4), clip_range=0.2)
print(f"loss {loss:.4f} | clipped tokens {clip_frac:.2f}")
assert torch.isclose(loss, torch.tensor(-0.25))  # the sum below, by hand

# %% [markdown]
# Token by token: ratio 1.0 is inside the range (loss −1); ratio 1.8 with a positive advantage is clipped
# to 1.2 (−1.2, and no gradient: the update has already gone far enough); ratio 0.6 with a positive
# advantage is *not* clipped (−0.6: the pessimistic side keeps the gradient, so the mistake gets fixed);
# ratio 1.8 with a negative advantage is not clipped either (+1.8). Mean: (−1 − 1.2 − 0.6 + 1.8)/4 = −0.25.
# The value head gets a clipped squared error too (`value_loss`), and β follows the KL if `adaptive_kl` is on.
#
# The loop that puts these pieces together is plumbing: `PPOTrainer.step` in `tutorial_lib/ppo_trainer.py`
# runs `rollout`, then `learn`. One PPO step, in the order the algorithm runs:
#
# 1. **Rollout.** Sample one response per prompt (temperature 1), score it with the reward model, and read
#    it with the policy (log-probs, values, entropy) and with the adapter switched off (the reference's log-probs).
# 2. **Rewards.** `per_token_rewards`: −β · KL at every token, plus the score at the last.
# 3. **Advantages.** `gae` turns rewards and values into advantages and returns; the advantages are then
#    whitened over the batch's real tokens (mean 0, variance 1).
# 4. **Updates.** `ppo_epochs` passes over the rollouts in shuffled minibatches: each minibatch is read again
#    by the current policy, and one optimizer step minimises `policy_loss` + `vf_coef` · `value_loss`
#    (minus `ent_coef` · entropy), with the gradient's norm clipped to `max_grad_norm`.
# 5. **KL controller.** β is updated from the batch's mean KL, and the step's statistics (reward, KL,
#    entropy, clip fraction, value loss, …) go into `history`, the curves of section 4.

# %% [markdown]
# ## 3. Before training
#
# One sampled answer per held-out prompt, scored by the reward model. `kl` is the sequence KL from the
# reference — 0 before training, since the policy *is* the reference.

# %%
policy, tok = fresh_policy()
before, before_samples, before_per = held_out(policy, tok)
print({k: round(v, 3) for k, v in before.items()})

# %% [markdown]
# ## 4. PPO
#
# Each step: generate `batch_size` responses, score them, read them with the policy and the reference,
# then `ppo_epochs` passes of minibatch updates. The bar shows the batch's mean reward and KL.

# %%
ppo = PPOTrainer(policy, tok, reward_fn, config, seed=plan.seed, skip_ahead=plan.skip_ahead)
ppo_run = ppo.train(train_prompts, steps, name="PPO")
ppo_eval, ppo_samples, ppo_per = held_out(policy, tok)
print({k: round(v, 3) for k, v in ppo_eval.items()})

# %%
fig_ppo = training_curves(
    {"PPO": ppo.history}, ["reward", "kl", "entropy", "clip_frac", "value_loss", "approx_kl"], title="PPO training"
)

# %% [markdown]
# How to read the curves: **reward** is the batch's mean score (noisy: a new batch of prompts each step);
# **kl** the mean summed log-ratio to the reference, which starts at exactly 0; **entropy** of the policy's
# next-token distribution (a collapse towards 0 means it has stopped exploring); **clip_frac** the share of
# tokens whose gradient the clip switched off, as `policy_loss` counts them (`clipped > unclipped`): a ratio
# above 1 + ε with a positive advantage, or below 1 − ε with a negative one (ε = `clip_range`) — a ratio
# outside the range on the pessimistic side keeps its gradient and is not counted; **value_loss** the value
# head's clipped squared error against the returns: the head starts at 0 and chases returns that move as
# the policy changes, so read from the curve whether it falls, stays flat or rises with the reward;
# **approx_kl** how far each epoch moved from the sampling policy.
#
# Samples before and after, on the same held-out prompts:

# %%
pd.set_option("display.max_colwidth", 120)
pd.DataFrame({"prompt": eval_prompts, "before": before_samples, "after PPO": ppo_samples}).head(6)

# %% [markdown]
# ## 5. Reward hacking: the same run without the KL penalty
#
# A reward model is right only near the answers it was trained on. Without the penalty, nothing stops the
# policy from drifting to whatever the reward model over-values. Same seed, same prompts, β = 0:

# %%
hacker, _ = fresh_policy()
no_kl = PPOTrainer(hacker, tok, reward_fn, replace(config, kl_coef=0.0), seed=plan.seed, skip_ahead=plan.skip_ahead)
no_kl_run = no_kl.train(train_prompts, steps, name="PPO, no KL penalty")
no_kl_eval, no_kl_samples, no_kl_per = held_out(hacker, tok)
fig_hack = training_curves(
    {"PPO, beta 0.05": ppo.history, "PPO, beta 0": no_kl.history}, ["reward", "kl", "length"], title="With and without the KL penalty"
)
hack_table = pd.DataFrame({
    name: {**scores, "repeated 3-grams": repeated_ngram_rate(samples)}
    for name, scores, samples in [
        ("before training", before, before_samples),
        ("PPO, beta 0.05", ppo_eval, ppo_samples),
        ("PPO, beta 0", no_kl_eval, no_kl_samples),
    ]
}).T
hack_table.round(3)

# %%
pd.DataFrame({"prompt": eval_prompts, "PPO, beta 0.05": ppo_samples, "PPO, beta 0": no_kl_samples}).head(6)

# %%
n_q = len(eval_prompts)
display(Markdown("\n".join([
    "- **Held-out reward:** " + verdict(ppo_per["reward"], before_per["reward"], "PPO (β = 0.05)", "the starting policy", "reward"),
    f"- **Fact accuracy** ({n_q} questions, one question = {1 / n_q:.3f}): "
    + verdict(ppo_per["fact"], before_per["fact"], "PPO (β = 0.05)", "the starting policy", "fact accuracy"),
    f"- **Answer length:** {before['length']:.1f} tokens before, {ppo_eval['length']:.1f} after PPO.",
    f"- **KL to the reference**, β = 0 minus β = 0.05: {compare(no_kl_per['kl'], ppo_per['kl'])} nats; "
    "**held-out reward:** " + verdict(no_kl_per["reward"], ppo_per["reward"], "PPO without the penalty", "PPO with it", "reward"),
    f"- **What the penalty cost:** β · KL = {config.kl_coef} × {ppo_eval['kl']:.2f} = {config.kl_coef * ppo_eval['kl']:.2f} "
    f"of reward at the end, against a change in held-out reward of {ppo_eval['reward'] - before['reward']:+.2f}.",
])))


# %% [markdown]
# **Reading the table.** The lines above are computed from this run, with 95% intervals over the held-out
# questions (paired: every policy answers the same questions). They cover the sampling of the answers, not
# the training: one seed trains one policy per method, so this run cannot say how much of a difference
# between two training runs a second seed would keep (the `gpu` profile is the place for more seeds).
# What to look for:
#
# - **Is the reward model's blind spot being used?** If the held-out reward rose while fact accuracy did not
#   rise with it, the policy learned the *form* lesson 06's reward model pays for — compare the answer
#   lengths and the samples above (one confident sentence, whether or not its fact is right) — and form is
#   what that reward model scores: its `wrong` row in lesson 06 is its weakest. A proxy that rises faster
#   than the thing it stands for is reward hacking in miniature.
# - **What does the penalty buy?** Without it the policy is free to drift further from the reference.
#   Compare the KL line: if β = 0 drifted further without earning more reward, the drift bought nothing.
# - **What cannot show at this size** is the collapse of long runs without a KL term (repetition, degenerate
#   text that the reward model over-scores): the penalty's cost (the last line) is what separates the two
#   objectives, and a few steps of a few rollouts are too few to drift that far. The repeated 3-gram column
#   shows whether either run started repeating itself; the KL curve is where the two runs differ first.

# %% [markdown]
# ## 6. DPO: preferences without a reward model
#
# Rafailov et al. (2023) showed that the KL-regularised RLHF objective has a closed-form optimal policy,
# π*(y|x) ∝ π_ref(y|x) · exp(r(x, y)/β). Solve it for r, put that r into the Bradley–Terry loss of lesson
# 06, and the reward model cancels out: the policy is trained *directly* on the preference pairs, with
# the log-probability ratio against the reference as an implicit reward. No sampling, no value head, no
# reward model:

# %%
# Same as tutorial_lib.preference_optimization (a test keeps the two identical): edit it and re-run to experiment.
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


# %%
dpo_policy, _ = fresh_policy()
pairs = list(prefs["train"].select(range(steps * plan.train_batch_size)))
dpo_cfg = TrainConfig.from_profile(plan, steps=steps, batch_size=plan.train_batch_size, lr=config.lr)  # pairs per step
dpo_run = train_dpo(dpo_policy, tok, pairs, dpo_cfg, beta=0.1)
dpo_eval, dpo_samples, dpo_per = held_out(dpo_policy, tok)
print({k: round(v, 3) for k, v in dpo_eval.items()})


# %% [markdown]
# DPO's loss starts at log 2 (policy = reference, so every implicit reward margin is 0) and learns from the
# same pairs the reward model was trained on — the held-out *reward model* score is a fair judge of it,
# but not one it was trained against.
#
# ## 7. GRPO: no value model
#
# GRPO (Shao et al., 2024, DeepSeekMath) samples a *group* of answers to each prompt and uses each
# answer's reward relative to its group as the advantage of all its tokens — the group mean replaces the
# value head:

# %%
# Same as tutorial_lib.preference_optimization (a test keeps the two identical): edit it and re-run to experiment.
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


# %%
print(group_advantages(torch.tensor([1.0, 2.0, 3.0, 4.0, 0.5, 0.5, 0.5, 0.5]), group_size=4))  # the tied group learns nothing
grpo_policy, _ = fresh_policy()
grpo_cfg = TrainConfig.from_profile(plan, steps=steps, batch_size=config.batch_size, lr=config.lr)  # completions per step
grpo_run = train_grpo(grpo_policy, tok, train_prompts, reward_fn, grpo_cfg, num_generations=4,
                      max_completion_length=config.max_new_tokens)
grpo_eval, grpo_samples, grpo_per = held_out(grpo_policy, tok)
print({k: round(v, 3) for k, v in grpo_eval.items()})


# %% [markdown]
# `trl`'s GRPO default is β = 0: no KL penalty and no reference model at all; the clipped ratio and a
# small learning rate are what keep it close. With one optimizer step per batch of samples, the ratio is 1
# and the clip never acts (`num_iterations` > 1 would reuse samples as PPO does).
#
# ## 8. PPO vs DPO vs GRPO
#
# Same starting policy, same prompts, same number of steps and learning rate; held-out reward and KL from
# the same evaluation. "Backbones" counts the networks of the plan's model size in memory during training: with
# LoRA the reference is the policy with its adapter switched off, so it costs nothing.

# %%
def ci(values):
    """Return a 95% interval over the held-out questions as 'low to high'."""
    i = interval(values)
    return f"{i.low:.2f} to {i.high:.2f}"


def comparison_row(name, run, scores, per, backbones, held):
    return {"method": name, "backbones in memory": backbones, "held during training": held,
            "train s": run.seconds if run else None, "s per step": run.step_s if run else None,
            "peak MB": run.peak_mb if run else None,
            "held-out reward": scores["reward"], "reward 95% CI": ci(per["reward"]),
            "KL to reference": scores["kl"], "answer tokens": scores["length"],
            "fact accuracy": scores["fact accuracy"], "fact 95% CI": ci(per["fact"])}

comparison = pd.DataFrame([
    comparison_row("no training", None, before, before_per, 1, "-"),
    comparison_row("PPO", ppo_run, ppo_eval, ppo_per, 2, "policy + value head (reference = adapter off), reward model"),
    comparison_row("PPO, no KL", no_kl_run, no_kl_eval, no_kl_per, 2, "policy + value head, reward model"),
    comparison_row("DPO", dpo_run, dpo_eval, dpo_per, 1, "policy (reference = adapter off); pairs, no reward model"),
    comparison_row("GRPO", grpo_run, grpo_eval, grpo_per, 2, "policy, reward model (no reference at beta 0, no value head)"),
])
comparison.round(3)

# %%
fig_compare = training_curves(
    {"PPO": ppo.history, "GRPO": grpo_run.logs}, ["reward"], title="Batch reward during training"
)

# %%
gains = {name: scores["reward"] - before["reward"] for name, scores in [("PPO", ppo_eval), ("DPO", dpo_eval), ("GRPO", grpo_eval)]}
ppo_updates = steps * config.ppo_epochs * (config.batch_size // config.minibatch_size)
display(Markdown("\n".join([
    *(f"- {verdict(per['reward'], before_per['reward'], name, 'the starting policy', 'held-out reward')}"
      for name, per in [("PPO", ppo_per), ("DPO", dpo_per), ("GRPO", grpo_per)]),
    "- " + verdict(dpo_per["reward"], ppo_per["reward"], "DPO", "PPO", "held-out reward"),
    "- Reward gains over the start: " + ", ".join(f"{k} {v:+.2f}" for k, v in gains.items())
    + (f"; DPO's is {gains['DPO'] / gains['PPO']:.0%} of PPO's." if gains["PPO"] > 0 else "."),
    f"- Seconds per training step: PPO {ppo_run.step_s:.0f}, DPO {dpo_run.step_s:.0f}, GRPO {grpo_run.step_s:.0f}. "
    f"Optimizer steps in all: PPO {ppo_updates} ({steps} steps × {config.ppo_epochs} epochs × "
    f"{config.batch_size // config.minibatch_size} minibatches), DPO {steps}, GRPO {steps}.",
])))

# %% [markdown]
# **Reading the comparison.** One seed, and the held-out questions of section 1: the lines above say which
# differences this run can separate from the sampling of the answers. A second seed would train different
# policies; one seed cannot tell the methods' training noise apart, so read a "beat" as this run's result,
# not as a ranking of the methods.
#
# - **PPO** pays for its signal in time: each step generates `batch_size` answers, reads them with the reward
#   model, the policy and the reference, then takes `ppo_epochs` × (`batch_size` / `minibatch_size`) optimizer
#   steps — compare its seconds per step with DPO's.
# - **DPO** needs no generation and no reward model: one backbone in memory. It learns from the fixed pairs
#   the reward model was trained on, not from its own samples, and the reward model judging it here is one
#   it never saw — so a smaller reward gain than PPO's is what to expect, and the lines above say whether
#   this run shows one.
# - **GRPO** takes one optimizer step per batch of prompts × `num_generations` answers, so in the same number
#   of steps it makes fewer updates than PPO (the last line counts them); without a KL term, the clip and the
#   learning rate are what keep it near the reference — compare its KL column with PPO's.
# - **Memory.** "peak MB" is the rise of resident memory during training on a CPU; the reward model was
#   loaded before, so it is not in it — the backbones column counts it. With full fine-tuning instead of
#   LoRA, the reference becomes a second copy: PPO then holds 3 backbones (4 with a separate value model, as
#   InstructGPT had), DPO 2, GRPO 2 (3 with β > 0).
#
# ## 9. Record the results

# %%
record(
    plan,
    numbers={
        "steps": steps,
        "rollouts per PPO step": config.batch_size,
        "held-out prompts": len(eval_prompts),
        "reward before": before["reward"],
        "PPO reward after": ppo_eval["reward"],
        "PPO KL after": ppo_eval["kl"],
        "PPO no-KL reward after": no_kl_eval["reward"],
        "PPO no-KL KL after": no_kl_eval["kl"],
        "DPO reward after": dpo_eval["reward"],
        "GRPO reward after": grpo_eval["reward"],
        "fact accuracy before": before["fact accuracy"],
        "PPO fact accuracy after": ppo_eval["fact accuracy"],
        "PPO seconds per step": ppo_run.step_s,
    },
    tables={"PPO vs DPO vs GRPO": comparison, "reward hacking": hack_table.reset_index(names="run")},
    figures={"ppo_curves": fig_ppo, "kl_penalty": fig_hack, "batch_reward": fig_compare},
    effects={
        "PPO - start, held-out reward": compare(ppo_per["reward"], before_per["reward"]),
        "PPO - start, fact accuracy": compare(ppo_per["fact"], before_per["fact"]),
        "DPO - PPO, held-out reward": compare(dpo_per["reward"], ppo_per["reward"]),
    },
)
