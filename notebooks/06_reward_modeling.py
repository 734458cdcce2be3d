# %% [markdown]
# # 06 · Reward modeling
#
# [![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/llm-finetuning-hands-on/course/blob/main/notebooks/06_reward_modeling.ipynb)
#
# RLHF needs a number for "how good is this answer?". People cannot score every sample a policy writes,
# but they can say which of two answers is better. A **reward model** learns from those comparisons to
# give any (prompt, answer) a scalar score. This lesson:
#
# 1. turns rankings into **preference pairs** (prompt, chosen, rejected),
# 2. writes the **Bradley–Terry loss** −log σ(r_chosen − r_rejected) by hand and checks it against `trl`'s
#    `RewardTrainer`,
# 3. trains a reward model on the bundled model's backbone and measures **pairwise accuracy** on held-out
#    pairs before and after, per kind of failure,
# 4. uses it the simplest way: **best-of-n** — sample n answers, keep the one the reward model likes best.
#
# The trained reward model is saved for lesson 07, where PPO, DPO and GRPO optimise against it.

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
# The budget comes from the profile: `train_steps` optimizer steps of `2 × train_batch_size` pairs each
# (a pair is two sequences, chosen and rejected), and `eval_examples` held-out pairs.
#
# **The data is made by the course.** `preferences` is a small, clean stand-in for Anthropic's HH-RLHF (Bai et al., 2022: crowdworkers choosing the better of two answers of a 52 B-parameter assistant in open-ended conversations). Set `data = "hub"` in the parameters cell to run the same cells on it (online); its pairs carry no `failure` label, so the per-failure rows of section 6 collapse into one. Real preference labels are noisy: Ouyang et al. (2022) report that InstructGPT's labellers agreed with each other on about 73% of comparisons, which caps the accuracy any reward model can show on such data — expect far lower accuracy there than on the course's set.

# %%
from tutorial_lib import lesson_plan, load_data, load_model, record
from tutorial_lib.models import count_parameters
from tutorial_lib.plots import best_of_n_plot, loss_curves, reward_histograms
from tutorial_lib.reward import (
    best_of_n,
    best_of_n_curve,
    load_reward_model,
    make_reward_trainer,
    ranking_to_pairs,
    reward_model_dir,
    reward_train_config,
    save_reward_model,
    score_pairs,
    train_reward_model,
)
from tutorial_lib.stats import compare, interval, verdict

import pandas as pd
import torch
import torch.nn.functional as F
from IPython.display import Markdown, display

plan = lesson_plan("06", profile, source=data, dry_run=dry_run, use_cached=use_cached, save_cache=save_cache, seed=seed)
torch.manual_seed(plan.seed)
cfg = reward_train_config(plan)  # the plan's steps of 2 x train_batch_size pairs, lr 3e-5
prefs = load_data("preferences", source=plan.source)
train_rows = list(prefs["train"].select(range(cfg.steps * cfg.batch_size)))
test_rows = list(prefs["test"].select(range(plan.eval_examples)))
rm, rm_tok = load_reward_model(plan.model, device=plan.device)
print(f"{plan.name} profile | {len(train_rows)} training pairs, {len(test_rows)} held-out | {cfg.steps} steps of {cfg.batch_size} pairs")

# %% [markdown]
# ## 2. Preference data: from rankings to pairs
#
# A labeller who ranks N answers to one prompt has made N·(N−1)/2 pairwise judgements: every answer is
# preferred to each one ranked below it. InstructGPT trained on exactly these pairs (and kept all pairs of
# one prompt in the same batch, so the ranking is not over-counted).

# %%
ranked = [  # best first
    "The capital of France is Paris.",
    "Paris.",
    "I think it might be Lyon.",
    "Why would you want to know that?",
]
pairs = ranking_to_pairs("What is the capital of France?", ranked)
print(f"{len(ranked)} ranked answers -> {len(pairs)} pairs")
pd.DataFrame(pairs)[["chosen", "rejected"]]

# %% [markdown]
# The course's `preferences` dataset is already in pairs. Each rejected answer fails in one of six ways —
# the `failure` column says which — so we can see *what* a reward model learns to notice, not just how
# often it is right.

# %%
examples = pd.DataFrame(train_rows).groupby("failure").head(1).set_index("failure")
examples

# %% [markdown]
# ## 3. A reward model is the language model with a scalar head
#
# `AutoModelForSequenceClassification` with `num_labels=1` puts a new linear layer (hidden size → 1)
# on the last hidden state of the last real token of the chat-formatted conversation. Everything but that
# layer is the pre-trained model; the head starts random, so its scores mean nothing yet.

# %%
n_params = count_parameters(rm)
print(f"backbone + head: {n_params / 1e6:.1f} M parameters; the head: {rm.score}")
before = score_pairs(rm, rm_tok, test_rows, plan.batch_size)
print(f"pairwise accuracy before training: {before.correct.mean():.3f} (chance: 0.5)")

# %%
chosen_longer = pd.Series([len(r["chosen"]) > len(r["rejected"]) for r in test_rows])
head_picks_longer = (before.chosen > before.rejected) == chosen_longer  # the head scored the longer answer higher
display(Markdown("\n".join([
    f"- Pairwise accuracy of the untrained head: {interval(before.correct.astype(int))}.",
    f"- The chosen answer is the longer one in {chosen_longer.sum()} of {len(test_rows)} held-out pairs; "
    f"the untrained head scores the longer answer higher in {interval(head_picks_longer.astype(int))}.",
    f"- Its accuracy when the chosen answer is longer: {interval(before.correct[chosen_longer].astype(int))}"
    if chosen_longer.any() else "- No pair has the longer answer chosen.",
    f"- Its accuracy when the chosen answer is shorter: {interval(before.correct[~chosen_longer].astype(int))}"
    if (~chosen_longer).any() else "- No pair has the shorter answer chosen.",
])))


# %% [markdown]
# **Why an untrained head need not score at chance.** The random head is one fixed direction in the backbone's
# hidden space: it scores every answer by one feature of its last token's hidden state, and that feature can
# follow the length of the answer, its last word or its kind. If chosen and rejected answers differ in such a
# feature — here many rejected answers are short fragments, refusals or long rambles — a random direction ranks
# the pairs consistently better (or worse) than a coin. Read the lines above: if the head prefers the longer
# answer far more (or less) often than half the time, and its accuracy differs between the two kinds of pair,
# length or something that goes with it explains its score; if the intervals include one half, this run cannot
# tell the untrained head from chance.

# %% [markdown]
# ## 4. The Bradley–Terry loss
#
# **Exercises:** [exercises/06_reward_modeling.py](../exercises/06_reward_modeling.py) — run `python -m tutorial_lib grade 06` to check them. The first asks for a variant of the loss below: Bradley–Terry with a margin, as Llama 2's reward models were trained (Touvron et al., 2023).
#
# Bradley and Terry (1952) model the probability that answer *a* beats answer *b* as
# σ(r_a − r_b): only the *difference* of rewards matters, so a reward model's scale and offset are free.
# Maximising the likelihood of the human choices means minimising, over pairs,
#
# $$\mathcal{L} = -\log \sigma\big(r_\theta(x, y_{chosen}) - r_\theta(x, y_{rejected})\big)$$
#
# It is one line:

# %%
# Same as tutorial_lib.reward (a test keeps the two identical): edit it and re-run to experiment.
def bradley_terry_loss(
    chosen_rewards: torch.Tensor, rejected_rewards: torch.Tensor
) -> torch.Tensor:
    """Return the mean Bradley-Terry loss -log sigmoid(r_chosen - r_rejected) over the pairs."""
    return -F.logsigmoid(chosen_rewards - rejected_rewards).mean()


# %% [markdown]
# `trl`'s `RewardTrainer` computes its loss on a batch where the collator stacks the chosen sequences and
# then the rejected ones. Same batch, same model: our line must give the same number.

# %%
import tempfile

with tempfile.TemporaryDirectory() as tmp:
    trainer = make_reward_trainer(rm, rm_tok, train_rows, cfg, tmp)
    batch = next(iter(trainer.get_train_dataloader()))
    with torch.no_grad():
        trl_loss = trainer.compute_loss(rm, dict(batch)).item()
        r_chosen, r_rejected = rm(batch["input_ids"], attention_mask=batch["attention_mask"]).logits[:, 0].chunk(2)
ours = bradley_terry_loss(r_chosen, r_rejected).item()
print(f"trl RewardTrainer: {trl_loss:.6f} | ours: {ours:.6f} | log 2 = {torch.log(torch.tensor(2.0)):.6f}")
assert abs(trl_loss - ours) < 1e-5
del trainer

# %% [markdown]
# With equal rewards the loss is $\log 2 \approx 0.693$: a coin flip. Compare the random head's loss printed
# above with it: a head whose scores hardly differ between the two answers of a pair sits near log 2, and
# further from it the more its random scores separate (or mis-order) the pairs.
#
# ## 5. Training the reward model
#
# Full fine-tuning of backbone and head, with the same optimizer and schedule as supervised fine-tuning
# in lesson 03. The bar shows the Bradley–Terry loss of each step.

# %%
run = train_reward_model(rm, rm_tok, train_rows, cfg)
fig_loss = loss_curves([run], title="Reward model: Bradley–Terry loss")
fig_loss.axes[0].set_ylabel("Bradley–Terry loss (nats per pair)")
pd.DataFrame([run.row()])

# %% [markdown]
# ## 6. What did it learn?
#
# Pairwise accuracy on the held-out pairs — the fraction where the chosen answer scores higher — before
# and after, overall and per kind of failure.

# %%
after = score_pairs(rm, rm_tok, test_rows, plan.batch_size)


def ci(correct):
    """Return the 95% interval of a pairwise accuracy as 'low to high'."""
    i = interval(correct.astype(int))
    return f"{i.low:.2f} to {i.high:.2f}"


by_failure = pd.DataFrame({
    "pairs": after.groupby("failure").size(),
    "accuracy before": before.groupby("failure").correct.mean(),
    "accuracy after": after.groupby("failure").correct.mean(),
    "after 95% CI": after.groupby("failure").correct.apply(ci),
    "mean margin after": (after.chosen - after.rejected).groupby(after.failure).mean(),
})
by_failure.loc["all"] = [len(after), before.correct.mean(), after.correct.mean(), ci(after.correct),
                         (after.chosen - after.rejected).mean()]
display(Markdown(verdict(after.correct.astype(int), before.correct.astype(int), "The trained reward model",
                         "the untrained head", "pairwise accuracy")))
by_failure.round(3)

# %%
fig_hist = reward_histograms(
    {"before training": (before.chosen, before.rejected), "after training": (after.chosen, after.rejected)},
    title="Held-out rewards of chosen and rejected answers",
)

# %% [markdown]
# Read the table row by row: each failure kind is a different feature to detect. Rudeness, refusals and
# rambling show on the surface of the text: look how well the trained model separates them. A *wrong fact*
# ("209 minus 85 is 114") is the same sentence with one word changed: the reward model can only catch it if
# the backbone knows the fact, so compare that row's accuracy, interval and mean margin with the others'.
# Off-topic answers, which need the answer related back to the request, are the other row to check. The
# rows hold few pairs each, so their intervals are wide: a difference between two rows counts only where
# their intervals do not overlap. A reward model is only as good as the knowledge of the model under its
# head — the reason InstructGPT's reward model was itself a 6 B-parameter language model (Ouyang et al., 2022).
# Lesson 07 optimises a policy against exactly this reward model, blind spots included.
#
# ## 7. Best-of-n: the simplest use of a reward model
#
# Sample n answers from the policy (here the bundled instruct model, at temperature 1), score each, keep
# the best. No training at all; the cost is n generations per prompt at inference time. The expected
# reward of the kept answer grows with n — and the kept answers drift from what the policy would say.
# Stiennon et al. (2020) give best-of-n's KL divergence from the policy as log n − (n−1)/n nats per answer
# (a whole answer, not per token); Beirami et al. (2024) show that this is an upper bound on the true KL,
# close to it when the n samples are rarely identical, and far above it when the policy often repeats the
# same answer. The table's KL column is that bound. Best-of-n is the baseline an RL-trained policy has to
# beat at the same KL.

# %%
policy, tok = load_model(plan)
n_max = plan.sizes.n_max
bon_prompts = [r["prompt"] for r in test_rows[: plan.sizes.bon_prompts]]
results = best_of_n(policy, tok, rm, rm_tok, bon_prompts, n=n_max, max_new_tokens=plan.max_new_tokens // 2,
                    batch_size=plan.batch_size, seed=plan.seed)
rewards = torch.tensor([r["rewards"] for r in results])
ns = [n for n in (1, 2, 4, 8, 16) if n <= n_max]
curve = best_of_n_curve(rewards, ns, all_subsets=True)
bon_table = pd.DataFrame({
    "n": ns,
    "mean reward of the best": [curve[n] for n in ns],
    "KL bound from the policy (nats per answer)": [torch.log(torch.tensor(float(n))).item() - (n - 1) / n for n in ns],
})
fig_bon = best_of_n_plot(curve, title=f"Best-of-n on {len(bon_prompts)} held-out prompts")
bon_table.round(3)

# %%
example = max(results, key=lambda r: max(r["rewards"]) - min(r["rewards"]))
print("PROMPT:", example["prompt"])
for reward, answer in sorted(zip(example["rewards"], example["answers"]), reverse=True):
    print(f"{reward:+.2f}  {answer[:150]!r}")

# %% [markdown]
# Check the ranking above: are the top answers right, or only well-formed? The reward model can prefer a
# right answer to a wrong one only where its backbone knows the fact (section 6's *wrong* row): that blind
# spot now chooses answers. `best_of_n_curve(..., all_subsets=True)` averages the maximum over every subset of size n of the
# `n_max` samples, an unbiased and low-noise estimate of E[max of n]. The gain from 1 to `n_max` is what
# the reward model buys without touching the policy's weights — on the few best-of-n prompts of the plan, with the reward model's own blind spots.
#
# ## 8. Save the reward model for lesson 07, and record the results
#
# Saved atomically (a failed save leaves the previous one in place) under the course's cache, one per profile (and per seed, where the seed is not 0).

# %%
folder = save_reward_model(rm, rm_tok, reward_model_dir(plan))
print("saved to", folder)
record(
    plan,
    numbers={
        "training pairs": len(train_rows),
        "held-out pairs": len(test_rows),
        "pairwise accuracy before": before.correct.mean(),
        "pairwise accuracy after": after.correct.mean(),
        "final Bradley-Terry loss": run.losses[-1],
        "training seconds": run.seconds,
        **{f"best-of-{n} mean reward": v for n, v in curve.items()},
    },
    tables={"pairwise accuracy by failure": by_failure.reset_index(), "best-of-n": bon_table},
    figures={"loss": fig_loss, "reward_histograms": fig_hist, "best_of_n": fig_bon},
    effects={"trained - untrained head, pairwise accuracy": compare(after.correct.astype(int), before.correct.astype(int))},
)
