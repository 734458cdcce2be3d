# %% [markdown]
# # 03 · Supervised fine-tuning
#
# [![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/llm-finetuning-hands-on/course/blob/main/notebooks/03_supervised_finetuning.ipynb)
#
# Prompting (lessons 01–02) leaves the weights alone. Supervised fine-tuning (SFT) changes them: we show
# the model (instruction, response) pairs and minimise the cross-entropy of the response. In this lesson we
# measure, on the course's dialogue-summarization task:
#
# 1. what the model actually sees: instruction templates and the chat template, token by token,
# 2. the loss *only on response tokens* (the label mask), checked against a hand computation,
# 3. packing: how much of a padded batch is padding,
# 4. full fine-tuning: ROUGE of the base model vs the fine-tuned one on held-out dialogues, with loss curves,
# 5. catastrophic forgetting: perplexity on general text and accuracy on general instructions, before and after,
# 6. multi-task mixing: the same budget with general instruction data mixed in.
#
# Every comparison of two models is made on the same held-out examples and printed as a verdict with
# its interval: a difference counts as shown only when its interval excludes zero and a test agrees
# (McNemar's exact test for right/wrong scores; for other scores on fewer than ten examples, as in
# the quick profile, the paired t-test).

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
# ## 1. Setup: model, data, budget
#
# Every training run in lessons 03–05 goes through `tutorial_lib.training.train`: a thin layer over `trl`'s
# `SFTTrainer` that fixes the optimizer (AdamW, linear decay), shows a progress bar with the loss, and
# returns a `RunResult` (trainable parameters, peak memory, wall time, tokens/s, the loss of every step).
# The budget — steps × examples per step — comes from the profile, so every method in these lessons is
# compared at the same cost.
#
# The data is made by the course. The dialogues stand in for DialogSum (Chen et al., 2021: about
# 13,000 everyday dialogues with human-written summaries, three per test dialogue; they found
# fine-tuned summarisers such as BART-large still well behind the agreement between human
# summaries), the general text for WikiText-2 (Merity et al., 2017) and the general instructions for
# databricks-dolly-15k (Conover et al., 2023), whose open-ended answers exact match scores near zero
# by construction. Set `data = "hub"` in the parameters cell (online) to run the same cells on the
# real sets.

# %%
from tutorial_lib import lesson_plan, load_data, load_model, record
from tutorial_lib.evaluation import general_eval, reference_lists, rouge_eval
from tutorial_lib.metrics import correct_per_example, normalize, rouge_per_example, total_nll
from tutorial_lib.models import count_parameters
from tutorial_lib.plots import loss_curves
from tutorial_lib.sft_data import mixed_dataset, summary_dataset
from tutorial_lib.stats import compare, interval, verdict
from tutorial_lib.training import TrainConfig, make_trainer, train

import matplotlib.pyplot as plt
import pandas as pd
import torch
import torch.nn.functional as F
from IPython.display import Markdown, display

plan = lesson_plan("03", profile, source=data, dry_run=dry_run, use_cached=use_cached, save_cache=save_cache, seed=seed)
torch.manual_seed(plan.seed)
n_train = plan.train_examples         # every training example is seen once
n_eval = plan.eval_examples           # held-out dialogues summarised by each model
n_questions = plan.sizes.questions    # general instructions answered before and after
cfg = TrainConfig.from_profile(plan, lr=1e-4)

dialogs = load_data("dialogsum", source=plan.source)
train_rows = dialogs["train"].select(range(n_train))
eval_rows = dialogs["test"].select(range(n_eval))
general_texts = load_data("general_text", source=plan.source)["test"]["text"][: plan.sizes.general_texts]
questions = load_data("instructions", source=plan.source)["test"].select(range(n_questions))

model, tok = load_model(plan)
model_name = f"{model.config.name_or_path.split('/')[-1]} ({count_parameters(model) / 1e6:.0f} M parameters)"
print(model_name, "|", cfg)
print(f"{n_train} training dialogues, {n_eval} held-out dialogues, {len(general_texts)} general texts, {n_questions} general questions")

# %% [markdown]
# ## 2. Instruction data: templates
#
# FLAN (Wei et al., 2022) turned existing datasets into instructions by writing ten templates by hand for
# each dataset, to vary the phrasing the model is tuned on. Here is one training dialogue under three
# templates of that kind (ours, not FLAN's):

# %%
FLAN_TEMPLATES = [
    "{dialogue}\n\nWhat was going on in this conversation?",
    "Summarize this dialogue in one sentence.\n\n{dialogue}",
    "Dialogue:\n{dialogue}\n\nBriefly, what happened?",
]
example = train_rows[0]
for template in FLAN_TEMPLATES:
    print(template.format(dialogue=example["dialogue"]).replace(example["dialogue"], "<dialogue>"), "\n---")
print("Target:", example["summary"])

# %% [markdown]
# An instruction-tuned model was trained on conversations, so we feed it in its own **chat template**: the
# course uses the second template as the user turn and the reference summary as the assistant turn. This
# is the exact text of one training example (the template adds SmolLM2's default system prompt). A
# dialogue too long for `max_seq_len` loses its last turns (the summary, the only text trained on, is
# never cut) and an example that cannot fit is dropped; the first line printed says how many:

# %%
records = summary_dataset(train_rows, tokenizer=tok, max_seq_len=cfg.max_seq_len, report=True)
conversation = records[0]["prompt"] + records[0]["completion"]
print(tok.apply_chat_template(conversation, tokenize=False))


# %% [markdown]
# ## 3. Loss only on the response
#
# **Exercises:** [exercises/03_supervised_finetuning.py](../exercises/03_supervised_finetuning.py) — run `python -m tutorial_lib grade 03` to check them.
#
# The model should learn to *write summaries*, not to predict the dialogue it is given. So the labels of
# every prompt token are set to −100, which `cross_entropy` ignores, and so are those of the padding that
# fills a batch; the response's labels are its own tokens:

# %%
# Same as tutorial_lib.sft_data (a test keeps the two identical): edit it and re-run to experiment.
def response_labels(
    input_ids: torch.Tensor, prompt_length: int, attention_mask: torch.Tensor | None = None
) -> torch.Tensor:
    """Return the labels that put the loss on the response only: a copy of one example's input_ids
    with -100 at its first prompt_length tokens (the prompt) and where attention_mask is 0 (padding,
    on the right).

    cross_entropy skips every position labelled -100; the other labels are the tokens themselves.
    """
    labels = input_ids.clone()
    labels[:prompt_length] = -100  # the prompt: the model reads it, but is not trained to write it
    if attention_mask is not None:
        labels[attention_mask == 0] = -100  # padding: not text at all
    return labels


# %% [markdown]
# `trl` does the same for prompt–completion data. Here is the batch it builds for our first example;
# `response_labels`, given the prompt's length in the chat template, gives the same labels. Where
# the loss starts:

# %%
trainer = make_trainer(model, tok, records.select(range(2)), cfg, output_dir="/tmp/course-03-peek")
batch = trainer.data_collator([trainer.train_dataset[0]])
ids = batch["input_ids"][0]
prompt_length = len(tok.apply_chat_template(records[0]["prompt"], add_generation_prompt=True)["input_ids"])
labels = response_labels(ids, prompt_length)   # one example: no padding
assert torch.equal(labels, batch["labels"][0])  # the labels trl built
in_loss = labels != -100
print(f"{len(ids)} tokens, {int(in_loss.sum())} of them in the loss ({in_loss.float().mean():.0%})")
first = int(in_loss.nonzero()[0])
pd.DataFrame({
    "token": [tok.decode([t]) for t in ids[first - 4 : first + 6]],
    "label": labels[first - 4 : first + 6].tolist(),
    "in loss": in_loss[first - 4 : first + 6].tolist(),
}, index=range(first - 4, first + 6)).T

# %% [markdown]
# The loss is the mean negative log-probability of each response token given everything before it. Written
# out by hand — shift by one (position *t* predicts token *t+1*), keep the positions whose label is not −100
# — it equals the loss the model computes:

# %%
with torch.no_grad():
    logits = model(ids[None]).logits[0]
    targets = labels[1:]                      # position t predicts token t + 1
    keep = targets != -100                    # response tokens only
    by_hand = F.cross_entropy(logits[:-1][keep], targets[keep])
    library = model(ids[None], labels=labels[None]).loss
print(f"by hand {by_hand.item():.5f}   model's loss {library.item():.5f}")
assert torch.allclose(by_hand, library, atol=1e-4)

# %% [markdown]
# ## 4. Packing
#
# A batch is padded to its longest example, and pad tokens cost compute without teaching anything.
# *Packing* concatenates examples into rows of `max_seq_len` tokens instead (each example still attends
# only to itself). How much padding would our batches carry?

# %%
lengths = [len(tok.apply_chat_template(r["prompt"] + r["completion"])["input_ids"]) for r in records]
batches = [lengths[i : i + cfg.batch_size] for i in range(0, len(lengths), cfg.batch_size)]
padded = sum(max(b) * len(b) for b in batches)
print(f"example lengths {min(lengths)}-{max(lengths)} tokens; padded batches hold {padded} positions "
      f"for {sum(lengths)} real tokens: {1 - sum(lengths) / padded:.0%} padding")

# %% [markdown]
# The padding share printed above is the most packing can save on these batches: the more the
# lengths vary, the more it saves. `python -m tutorial_lib.bench sft` measures the throughput with
# and without it (README, *Benchmarks*).
#
# ## 5. The base model
#
# Before training: ROUGE (Lin, 2004) of greedy summaries against the references — word overlap, F1, for
# unigrams (ROUGE-1), bigrams (ROUGE-2) and the longest common subsequence (ROUGE-L) — and the two
# forgetting probes: perplexity on general English text, and exact-match accuracy on short general
# instructions (antonyms, uppercasing, sorting numbers, …). Each is kept per example (per text for
# perplexity), so that the verdicts below can compare models on the same examples.

# %%
base_rouge, base_summaries = rouge_eval(model, tok, eval_rows, plan)
base_general, base_answers = general_eval(model, tok, general_texts, questions, plan)
print("base:", {k: round(v, 3) for k, v in {**base_rouge, **base_general}.items()})

references = reference_lists(eval_rows)
expected = [normalize(r) for r in questions["response"]]


def per_example(summaries, answers, m):
    """ROUGE-L per dialogue, 0/1 exact match per question, nats per token per general text."""
    nll = [total_nll(m, tok, [t], progress=False) for t in general_texts]
    return {"rougeL": rouge_per_example(summaries, references)["rougeL"],
            "EM": correct_per_example([normalize(a) for a in answers], expected),
            "nats/token": [s / n for s, n in nll]}


base_scores = per_example(base_summaries, base_answers, model)

# %% [markdown]
# ## 6. Full fine-tuning
#
# Every parameter trains. Adam keeps two more numbers per parameter, so the model states take
# 4 copies of the weights (weights, gradients, two moments): watch the `state MB` column.

# %%
full = train(model, tok, records, cfg, name="full fine-tuning")
full_rouge, full_summaries = rouge_eval(model, tok, eval_rows, plan)
full.scores.update(full_rouge)
print(full.row())

# %%
fig_loss = loss_curves([full], title=f"Full fine-tuning on {n_train} dialogues")
plt.show()
assert full.trainable == count_parameters(model)
assert full.state_mb >= 4 * full.trainable * 4 / 2**20 * 0.99  # fp32 weights + grads + Adam m, v

# %% [markdown]
# Three held-out dialogues, the reference, and both models' summaries:

# %%
samples = pd.DataFrame({
    "dialogue (start)": [r["dialogue"][:120] + "…" for r in eval_rows.select(range(3))],
    "reference": eval_rows["summary"][:3],
    "base model": base_summaries[:3],
    "fine-tuned": full_summaries[:3],
})
with pd.option_context("display.max_colwidth", 200):
    display(samples.style.set_properties(**{"text-align": "left", "white-space": "pre-wrap"}))

# %%
words = lambda texts: sum(len(t.split()) for t in texts) / len(texts)  # noqa: E731
print(f"words per summary: reference {words([refs[0] for refs in references]):.1f}, "
      f"base model {words(base_summaries):.1f}, fine-tuned {words(full_summaries):.1f}")

# %% [markdown]
# ## 7. Catastrophic forgetting
#
# Fine-tuning moves every weight toward one task. Did the model get worse at everything else? A probe
# can only show a loss where the base model had something to lose: if the base model answers few
# general questions exactly, a drop in exact match cannot be told from noise, whatever happened to
# the model. The verdicts below say what this run can tell.

# %%
full_general, full_answers = general_eval(model, tok, general_texts, questions, plan)
full.scores.update(full_general)
full_scores = per_example(full_summaries, full_answers, model)
display(Markdown("\n".join([
    "- " + verdict(full_scores["nats/token"], base_scores["nats/token"], "the fine-tuned model", "the base model",
                   "nats/token on general text", higher_is_better=False),
    "- " + verdict(full_scores["EM"], base_scores["EM"], "the fine-tuned model", "the base model",
                   "exact match on general instructions")])))
forget = pd.DataFrame({
    "instruction": [q["instruction"][:50] for q in questions][:4],
    "expected": questions["response"][:4],
    "base": base_answers[:4],
    "after summarization SFT": full_answers[:4],
})
print(f"general perplexity {base_general['general ppl']:.2f} -> {full_general['general ppl']:.2f}; "
      f"instructions exact match {base_general['instructions EM']:.2f} -> {full_general['instructions EM']:.2f}")
forget

# %% [markdown]
# ## 8. Multi-task mixing
#
# Mixing general data into a task's training is a common guard against forgetting; whether it helps here
# is what the verdicts below measure. We start again from
# the base model and spend **the same budget** (same steps, same batch size) on a mix: half summaries, half
# general instructions from the course's instructions data. The mixed model sees half as many summaries.

# %%
del model
model, tok = load_model(plan)
general_rows = load_data("instructions", source=plan.source)["train"].select(range(n_train // 2))
mix = mixed_dataset(train_rows.select(range(n_train - n_train // 2)), general_rows, seed=cfg.seed,
                    tokenizer=tok, max_seq_len=cfg.max_seq_len)
mixed = train(model, tok, mix, cfg, name="mixed: summaries + instructions")
mixed_rouge, mixed_summaries = rouge_eval(model, tok, eval_rows, plan)
mixed_general, mixed_answers = general_eval(model, tok, general_texts, questions, plan)
mixed.scores.update({**mixed_rouge, **mixed_general})
print(mixed.row())
mixed_scores = per_example(mixed_summaries, mixed_answers, model)

# %% [markdown]
# ## 9. Results

# %%
columns = ["rouge1", "rouge2", "rougeL", "general ppl", "instructions EM"]
table = pd.DataFrame([
    {"model": "base", **base_rouge, **base_general},
    {"model": full.name, **full.scores},
    {"model": mixed.name, **mixed.scores},
])[["model", *columns]].round(3)
table.insert(4, "ROUGE-L 95% CI", [f"{interval(s['rougeL']).low:.3f} to {interval(s['rougeL']).high:.3f}"
                                   for s in (base_scores, full_scores, mixed_scores)])
cost = pd.DataFrame([r.row() for r in (full, mixed)])[["method", "trainable", "step s", "tokens/s", "peak MB", "state MB"]]
fig_both = loss_curves([full, mixed], title="Training loss: summaries only vs mixed")
plt.show()
display(cost)
table

# %%
gain = full.scores["rougeL"] - base_rouge["rougeL"]
ppl_change = full_general["general ppl"] / base_general["general ppl"] - 1
mixed_ppl_change = mixed_general["general ppl"] / base_general["general ppl"] - 1
print(f"Full fine-tuning moved ROUGE-L by {gain:+.3f} ({base_rouge['rougeL']:.3f} -> {full.scores['rougeL']:.3f}) "
      f"after {cfg.steps} steps of {cfg.batch_size} dialogues.")
print(f"General-text perplexity changed by {ppl_change:+.1%} after summaries only, {mixed_ppl_change:+.1%} with mixing; "
      f"instructions exact match {base_general['instructions EM']:.2f} -> {full_general['instructions EM']:.2f} "
      f"(summaries only) and {mixed_general['instructions EM']:.2f} (mixed).")
display(Markdown("\n".join("- " + v for v in [
    verdict(full_scores["rougeL"], base_scores["rougeL"], "full fine-tuning", "the base model", "ROUGE-L"),
    verdict(mixed_scores["rougeL"], full_scores["rougeL"], "mixed training", "summaries only", "ROUGE-L"),
    verdict(mixed_scores["nats/token"], full_scores["nats/token"], "mixed training", "summaries only",
            "nats/token on general text", higher_is_better=False),
    verdict(mixed_scores["EM"], full_scores["EM"], "mixed training", "summaries only", "exact match on general instructions"),
])))
assert gain > 0 or not plan.checks_results, "in the cpu and gpu profiles fine-tuning must beat the base model"

# %% [markdown]
# **Reading the numbers.** Read the verdicts above, not the gaps between rows. Where fine-tuning beat
# the base model on ROUGE-L, compare the samples and the words per summary printed in section 6: the
# fine-tuned model takes up the references' style (one sentence, `#Person1#` names), and ROUGE rewards
# word overlap with them. Forgetting would show as a rise in general-text perplexity and lost general
# answers; how large it is depends on the learning rate and the number of steps, and a verdict
# "within noise" says this run cannot measure it, not that nothing was forgotten. Mixing gives half
# the budget to general instructions: its verdicts say whether this run can see what that cost the
# summaries and what it kept. The `gpu` profile runs the same cells with more steps and examples.
#
# ## 10. Record the results

# %%
record(
    plan,
    numbers={
        "model": model_name,
        "training dialogues": n_train,
        "held-out dialogues": n_eval,
        **{f"{m} {k}": float(v) for m, scores in [("base", {**base_rouge, **base_general}), ("full FT", full.scores),
                                                   ("mixed", mixed.scores)] for k, v in scores.items()},
        "full FT step seconds": full.step_s,
        "full FT state MB": full.state_mb,
    },
    tables={"base vs fine-tuned vs mixed": table, "training cost": cost},
    figures={"loss_curves": fig_both},
    effects={"full FT - base, ROUGE-L": compare(full_scores["rougeL"], base_scores["rougeL"]),
             "full FT - base, general nats/token": compare(full_scores["nats/token"], base_scores["nats/token"]),
             "mixed - summaries only, ROUGE-L": compare(mixed_scores["rougeL"], full_scores["rougeL"])},
)
